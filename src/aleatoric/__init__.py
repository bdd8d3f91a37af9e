"""Aleatoric Engine: deterministic, realistic synthetic market data for crypto perpetuals.

One seed and one config give the same bytes on any machine and for any number of workers::

    import aleatoric

    config = aleatoric.load_config(venue="binance", symbol="BTCUSDT", duration="1h", seed=7)
    result = aleatoric.generate(config, "data/btc")
"""

from aleatoric._generate import GenerateResult, OutputExistsError, generate
from aleatoric._version import __version__
from aleatoric.client import Client
from aleatoric.config import ConfigError, DatasetConfig, load_config
from aleatoric.instruments import Instrument, get_instrument
from aleatoric.reactor import SegmentResult, simulate_segment

__all__ = [
    "Client",
    "ConfigError",
    "DatasetConfig",
    "GenerateResult",
    "Instrument",
    "OutputExistsError",
    "SegmentResult",
    "__version__",
    "generate",
    "get_instrument",
    "load_config",
    "simulate_segment",
]
