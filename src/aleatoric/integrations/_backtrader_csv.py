"""Backtrader: bars as CSV that ``bt.feeds.GenericCSVData`` reads, one file per instrument.

``<venue>/<symbol>_<bar>.csv`` with a header row ``datetime,open,high,low,close,volume,
openinterest,funding``; ``datetime`` is the bar start, UTC, ``%Y-%m-%d %H:%M:%S``. The
:class:`aleatoric.integrations.backtrader.AleatoricData` feed reads a dataset directly instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aleatoric.integrations._dataset import SourceDataset
from aleatoric.integrations._ohlcv import read_ohlcv
from aleatoric.integrations._text import decimal_strings, rate_string, utc

__all__ = ["CSV_COLUMNS", "write_backtrader"]

CSV_COLUMNS = ("datetime", "open", "high", "low", "close", "volume", "openinterest", "funding")


def write_backtrader(
    source: SourceDataset, out: Path, options: dict[str, Any], tick: Callable[[], None]
) -> dict[str, Any]:
    """Write one bar CSV per instrument of ``source`` into ``out``."""
    files = []
    for inst in source.instruments():
        bars = read_ohlcv(source, inst, int(options["bar_ns"]), tick)
        px, sz = inst.price_grid, inst.size_grid
        cols = [decimal_strings(px.to_units(v), px)
                for v in (bars.open, bars.high, bars.low, bars.close)]  # fmt: skip
        cols.append(decimal_strings(sz.to_units(bars.volume), sz))
        cols.append(["" if oi != oi else s for oi, s in zip(
            bars.open_interest.tolist(),
            decimal_strings(sz.to_units(bars.open_interest), sz), strict=True)])  # fmt: skip
        cols.append([rate_string(r) for r in bars.funding.tolist()])
        times = [utc(int(s)).strftime("%Y-%m-%d %H:%M:%S") for s in bars.start.tolist()]
        lines = [",".join(CSV_COLUMNS)] + [",".join(r) for r in zip(times, *cols, strict=True)]
        rel = f"{inst.venue}/{inst.symbol}_{options['bar']}.csv"
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(("\n".join(lines) + "\n").encode("ascii"))
        files.append({
            "venue": inst.venue, "symbol": inst.symbol, "path": rel, "bars": len(bars),
            # For CommissionInfo and sizers: the registry's grid, in the base asset.
            "tick_size": str(inst.tick_size), "lot_size": str(inst.lot_size * inst.contract_value),
            "min_qty": str(inst.min_qty * inst.contract_value), "multiplier": "1",
        })  # fmt: skip
    return {"instruments": files}
