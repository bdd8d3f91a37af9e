"""OHLCV bars with open interest and funding, the bar feed every engine export shares.

Read segment by segment: only the bars are held, never the trades. Open interest is the
last ``ticker`` value at or before the bar's end (carried forward); ``funding`` is the sum of
the rates settled inside the bar (0 in a bar with no settlement), so a strategy can charge
``-funding x position value`` on that bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric.instruments import Instrument
from aleatoric.integrations._bars import BarBuilder, concat, trade_bar_fields
from aleatoric.integrations._dataset import SourceDataset

__all__ = ["OHLCV_TABLES", "Ohlcv", "read_ohlcv"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
#: Tables the bar feed reads.
OHLCV_TABLES = ("trades", "ticker", "funding")


@dataclass(frozen=True)
class Ohlcv:
    """Bars of one instrument: start (ns, UTC), prices and sizes as exact-grid floats."""

    instrument: Instrument
    bar_ns: int
    start: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    trades: I64
    open_interest: F64
    funding: F64

    def __len__(self) -> int:
        return int(self.start.size)


def read_ohlcv(
    source: SourceDataset,
    inst: Instrument,
    bar_ns: int,
    progress: Callable[[], None] | None = None,
) -> Ohlcv:
    """Return the trade bars of ``inst`` with open interest and funding; see the module doc."""
    px, sz = inst.price_grid, inst.size_grid
    trades = BarBuilder(bar_ns, trade_bar_fields())
    oi = BarBuilder(bar_ns, {"oi": ("oi", "last")})
    bars, oi_bars = [], []
    settled: dict[int, float] = {}
    columns = {
        "trades": ["ts_event", "price", "size"],
        "ticker": ["ts_event", "open_interest"],
        "funding": ["ts_event", "funding_rate"],
    }
    tables = [t for t in OHLCV_TABLES if t in source.tables]
    for _, seg in source.segments(inst, tables, columns):
        t = seg["trades"]
        bars.append(
            trades.add(
                t.column("ts_event").to_numpy(),
                {
                    "price": px.to_units(t.column("price").to_numpy()),
                    "size": sz.to_units(t.column("size").to_numpy()),
                },
            )
        )
        if "ticker" in seg:
            k = seg["ticker"]
            oi_bars.append(
                oi.add(
                    k.column("ts_event").to_numpy(),
                    {"oi": sz.to_units(k.column("open_interest").to_numpy())},
                )
            )
        if "funding" in seg:
            f = seg["funding"]
            for ts, rate in zip(f.column("ts_event").to_pylist(),
                                f.column("funding_rate").to_pylist(), strict=True):  # fmt: skip
                key = ts // bar_ns * bar_ns
                settled[key] = settled.get(key, 0.0) + rate
        if progress is not None:
            progress()
    bars.append(trades.finish())
    oi_bars.append(oi.finish())
    b, o = concat(bars), concat(oi_bars)
    start = b["start"]
    if o["start"].size:
        # Last open interest at or before each bar's end: the ticker bar with the same or an
        # earlier start (ticker rows land at every second, so a gap only carries forward).
        at = np.searchsorted(o["start"], start, side="right") - 1
        open_interest = np.where(at >= 0, sz.to_float(o["oi"][np.maximum(at, 0)]), np.nan)
    else:
        open_interest = np.full(start.size, np.nan)
    funding = np.array([settled.get(int(s), 0.0) for s in start.tolist()], np.float64)
    return Ohlcv(
        inst, bar_ns, start, px.to_float(b["open"]), px.to_float(b["high"]),
        px.to_float(b["low"]), px.to_float(b["close"]), sz.to_float(b["volume"]), b["count"],
        open_interest, funding,
    )  # fmt: skip
