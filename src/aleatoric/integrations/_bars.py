"""Time bars built chunk by chunk, in integer grid units, so no float sum ever drifts.

Rows arrive a segment at a time in time order. :class:`BarBuilder` emits every bar that is
complete and keeps only the aggregate of the last, still open bar, so the memory it holds is
one bar however many rows a bar spans (a daily bar over a day of trades). A bar is keyed by
its start, ``ts // bar_ns * bar_ns`` (UTC, aligned to the epoch); an interval with no rows
has no bar.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt

from aleatoric.config._durations import parse_duration_ns

__all__ = ["BAR_SIZES", "BarBuilder", "Bars", "parse_bar", "trade_bar_fields"]

I64 = npt.NDArray[np.int64]
Reduce = Literal["first", "max", "min", "last", "sum"]
Bars = dict[str, I64]

#: Bar sizes the exporters accept, by name.
BAR_SIZES = ("1s", "5s", "10s", "15s", "30s", "1m", "5m", "15m", "30m", "1h", "4h", "1d")


def parse_bar(text: str) -> int:
    """Return the bar size in ns; one of :data:`BAR_SIZES`, else :class:`ValueError`."""
    if text not in BAR_SIZES:
        raise ValueError(f"bar size must be one of {', '.join(BAR_SIZES)}, was {text!r}")
    return parse_duration_ns(text)


def trade_bar_fields() -> dict[str, tuple[str, Reduce]]:
    """Return the OHLCV fields of trade bars: ``name -> (input column, reduction)``."""
    return {
        "open": ("price", "first"),
        "high": ("price", "max"),
        "low": ("price", "min"),
        "close": ("price", "last"),
        "volume": ("size", "sum"),
        "count": ("one", "sum"),
    }


def _reduce(values: I64, starts: I64, how: Reduce) -> I64:
    if how == "first":
        return values[starts]
    if how == "last":
        ends: I64 = np.append(starts[1:], values.size) - 1
        last: I64 = values[ends]
        return last
    ufunc = {"max": np.maximum, "min": np.minimum, "sum": np.add}[how]
    out: I64 = ufunc.reduceat(values, starts)
    return out


def _merge(a: np.int64, b: np.int64, how: Reduce) -> np.int64:
    if how == "first":
        return a
    if how == "last":
        return b
    if how == "max":
        return max(a, b)
    if how == "min":
        return min(a, b)
    return np.int64(a + b)


class BarBuilder:
    """Aggregate time-ordered rows into bars of ``bar_ns``; see the module docstring."""

    def __init__(self, bar_ns: int, fields: Mapping[str, tuple[str, Reduce]]) -> None:
        if bar_ns <= 0:
            raise ValueError(f"bar size must be positive, was {bar_ns} ns")
        self.bar_ns = bar_ns
        self.fields = dict(fields)
        self._open: dict[str, np.int64] | None = None  # the last bar, not yet complete

    def _empty(self) -> Bars:
        return {name: np.empty(0, np.int64) for name in ("start", *self.fields)}

    def add(self, ts: I64, columns: Mapping[str, I64]) -> Bars:
        """Add rows (``ts`` non-decreasing); return the bars they completed."""
        if ts.size == 0:
            return self._empty()
        cols = dict(columns)
        cols.setdefault("one", np.ones(ts.size, np.int64))
        bucket = ts // self.bar_ns
        starts = np.concatenate([[0], np.flatnonzero(np.diff(bucket)) + 1]).astype(np.int64)
        bars: Bars = {"start": bucket[starts] * self.bar_ns}
        for name, (col, how) in self.fields.items():
            bars[name] = _reduce(np.asarray(cols[col], np.int64), starts, how)
        if self._open is not None:
            if int(self._open["start"]) == int(bars["start"][0]):
                for name, (_, how) in self.fields.items():
                    bars[name][0] = _merge(self._open[name], bars[name][0], how)
            else:
                for name in bars:
                    bars[name] = np.concatenate([[self._open[name]], bars[name]])
        self._open = {name: values[-1] for name, values in bars.items()}
        return {name: values[:-1] for name, values in bars.items()}

    def finish(self) -> Bars:
        """Return the last bar (the dataset ended inside it), if any."""
        if self._open is None:
            return self._empty()
        last = {name: np.array([v], np.int64) for name, v in self._open.items()}
        self._open = None
        return last


def concat(parts: list[Bars]) -> Bars:
    """Concatenate bar batches field by field."""
    if not parts:
        return {}
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
