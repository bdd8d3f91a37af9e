"""Backtrader: a data feed that reads a dataset directly (``pip install 'aleatoric[backtrader]'``).

::

    import backtrader as bt
    from aleatoric.integrations.backtrader import AleatoricData

    cerebro = bt.Cerebro()
    cerebro.adddata(AleatoricData(dataset="btc", bar="1m"))

Lines: ``open, high, low, close, volume`` from the trades, ``openinterest`` (last ticker value
at or before the bar's end, in base asset) and ``funding`` (the rate settled inside the bar,
0 in other bars: a long position pays ``funding x size x price`` on that bar). Bars are
stamped with their start, UTC; an interval without a trade has no bar. Backtrader is no longer
maintained upstream; the extra pins the last release, 1.9.78.123.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import backtrader as bt

from aleatoric.integrations._bars import parse_bar
from aleatoric.integrations._dataset import ExportError, open_source
from aleatoric.integrations._ohlcv import Ohlcv, read_ohlcv

__all__ = ["AleatoricData", "timeframe_of"]

_EPOCH = datetime(1970, 1, 1)
_UNITS = (
    (86_400, bt.TimeFrame.Days),
    (60, bt.TimeFrame.Minutes),
    (1, bt.TimeFrame.Seconds),
)


def timeframe_of(bar: str) -> tuple[int, int]:
    """Return Backtrader's ``(timeframe, compression)`` for a bar size such as ``"5m"``."""
    seconds = parse_bar(bar) // 1_000_000_000
    for unit, frame in _UNITS:
        if seconds % unit == 0:
            return frame, seconds // unit
    raise ExportError(f"bar size must be whole seconds, was {bar!r}")  # pragma: no cover


class AleatoricData(bt.feed.DataBase):  # type: ignore[misc]
    """Bars of one instrument of a dataset, with ``openinterest`` and ``funding`` lines.

    Params: ``dataset`` (directory with ``manifest.json``), ``bar`` (``"1s"`` … ``"1d"``, see
    :data:`aleatoric.integrations.BAR_SIZES`), and ``venue``/``symbol`` to pick one instrument
    of a dataset that holds several.
    """

    lines = ("funding",)
    params = (("dataset", None), ("bar", "1m"), ("venue", None), ("symbol", None))

    def __init__(self) -> None:
        if self.p.dataset is None:
            raise ExportError("AleatoricData needs dataset=<dataset directory>, was None")
        self.p.timeframe, self.p.compression = timeframe_of(self.p.bar)
        self._bars: Ohlcv | None = None
        self._row = 0

    def start(self) -> None:
        super().start()
        source = open_source(self.p.dataset)
        source.require(("trades",), "backtrader")
        found = [
            i for i in source.instruments()
            if self.p.venue in (None, i.venue) and self.p.symbol in (None, i.symbol)
        ]  # fmt: skip
        if len(found) != 1:
            names = ", ".join(f"{i.venue}/{i.symbol}" for i in source.instruments())
            raise ExportError(
                f"pick one instrument with venue= and symbol=; the dataset has {names}, "
                f"was venue={self.p.venue!r} symbol={self.p.symbol!r}"
            )
        self._bars = read_ohlcv(source, found[0], parse_bar(self.p.bar))
        self._row = 0

    def _load(self) -> bool:
        bars = self._bars
        if bars is None or self._row >= len(bars):
            return False
        i = self._row
        self._row += 1
        when = _EPOCH + timedelta(microseconds=int(bars.start[i]) // 1000)
        lines: Any = self.lines
        lines.datetime[0] = bt.date2num(when)
        lines.open[0] = float(bars.open[i])
        lines.high[0] = float(bars.high[i])
        lines.low[0] = float(bars.low[i])
        lines.close[0] = float(bars.close[i])
        lines.volume[0] = float(bars.volume[i])
        lines.openinterest[0] = float(bars.open_interest[i])
        lines.funding[0] = float(bars.funding[i])
        return True
