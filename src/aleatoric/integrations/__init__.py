"""One-click feeds for backtesting engines: Backtrader, QuantConnect Lean, hftbacktest, Nautilus.

``export(dataset, engine, out)`` writes a dataset in the engine's own format (the same as
``aleatoric export DATASET --to ENGINE --out DIR``); the engine modules hold the details:
:mod:`aleatoric.integrations.backtrader` (a Cerebro data feed),
:mod:`aleatoric.integrations.lean` and :mod:`aleatoric.integrations.lean_reader`,
:mod:`aleatoric.integrations.hftbacktest` and :mod:`aleatoric.integrations.nautilus`.
"""

from aleatoric.integrations._bars import BAR_SIZES
from aleatoric.integrations._dataset import ExportError
from aleatoric.integrations._export import (
    ENGINES,
    EXPORT_MANIFEST,
    ExportResult,
    check_export,
    export,
)
from aleatoric.integrations._ohlcv import Ohlcv, read_ohlcv

__all__ = [
    "BAR_SIZES",
    "ENGINES",
    "EXPORT_MANIFEST",
    "ExportError",
    "ExportResult",
    "Ohlcv",
    "check_export",
    "export",
    "read_ohlcv",
]
