"""Aleatoric Engine: deterministic, realistic synthetic market data for crypto perpetuals.

One seed and one config give the same bytes on any machine and for any number of workers::

    import aleatoric

    config = aleatoric.load_config(venue="binance", symbol="BTCUSDT", duration="1h", seed=7)
    result = aleatoric.generate(config, "data/btc")
    trades = aleatoric.load("data/btc", "trades")  # a polars DataFrame, datetime columns
"""

from aleatoric._frames import BACKENDS, LoadError, load, scan, simulate, simulate_segment
from aleatoric._generate import GenerateResult, OutputExistsError, generate
from aleatoric._version import __version__
from aleatoric.client import Client
from aleatoric.config import ConfigError, DatasetConfig, load_config
from aleatoric.instruments import Instrument, get_instrument
from aleatoric.reactor import SegmentResult

__all__ = [
    "BACKENDS",
    "Client",
    "ConfigError",
    "DatasetConfig",
    "GenerateResult",
    "Instrument",
    "LoadError",
    "OutputExistsError",
    "SegmentResult",
    "__version__",
    "generate",
    "get_instrument",
    "load",
    "load_config",
    "scan",
    "simulate",
    "simulate_segment",
]
