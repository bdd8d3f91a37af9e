"""Session states over time: a step function from UTC nanoseconds to a state and trade date.

A calendar builds the spans it knows (pre-open, open, pre-close, maintenance) for a range;
:func:`fill` closes the gaps between them (a short gap is a halt, a long one a closure) and
:class:`Timeline` answers for whole arrays of timestamps with one ``searchsorted``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from aleatoric.tradfi._errors import TradfiError

__all__ = ["SessionState", "Span", "Timeline", "as_ns", "fill"]

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
Days = npt.NDArray[np.datetime64]


class SessionState(IntEnum):
    """What a venue's market is doing at a moment. Orders and trades happen only when OPEN."""

    CLOSED = 0  #: outside the schedule: nights, weekends, holidays
    PRE_OPEN = 1  #: orders may be entered or cancelled, nothing matches (opening auction)
    OPEN = 2  #: continuous trading
    HALTED = 3  #: a scheduled short break inside the trading week (CME's daily 16:00 CT halt)
    PRE_CLOSE = 4  #: the closing call after the continuous session (SGX)


#: ``(start ns, end ns, state, trade date as days since the epoch)``.
Span = tuple[int, int, int, int]


@dataclass(frozen=True)
class Timeline:
    """States from ``start[i]`` up to the next start (the last up to ``end``).

    ``trade_date[i]`` is the trade date (days since 1970-01-01) of span ``i``: for a closed or
    halted span, the trade date of the session that follows it.
    """

    start: I64
    end: int
    state: I8
    trade_date: npt.NDArray[np.int32]

    def _index(self, ts: npt.ArrayLike) -> npt.NDArray[np.intp]:
        t = as_ns(ts)
        if t.size and (int(t.min()) < int(self.start[0]) or int(t.max()) >= self.end):
            raise TradfiError(
                "ts", f"timestamps must lie in [{int(self.start[0])}, {self.end}) ns, the range "
                f"the timeline was built for; were {int(t.min())} to {int(t.max())}"
            )  # fmt: skip
        return np.searchsorted(self.start, t, side="right") - 1

    def state_at(self, ts: npt.ArrayLike) -> I8:
        """Return the :class:`SessionState` value at each timestamp (int8)."""
        return self.state[self._index(ts)]

    def trade_date_at(self, ts: npt.ArrayLike) -> Days:
        """Return the trade date (datetime64[D]) each timestamp belongs to."""
        return self.trade_date[self._index(ts)].astype("datetime64[D]")

    def spans(self, state: SessionState) -> tuple[I64, I64]:
        """Return ``(starts, ends)`` of the spans in ``state``, merged when adjacent."""
        ends = np.append(self.start[1:], self.end)
        on = self.state == int(state)
        s, e = self.start[on], ends[on]
        if s.size > 1:
            keep = np.append(True, s[1:] != e[:-1])
            s, e = s[keep], np.append(e[np.flatnonzero(keep)[1:] - 1], e[-1])
        return s, e


def as_ns(ts: npt.ArrayLike) -> I64:
    """Return ``ts`` as int64 nanoseconds (ints, or datetime64 of any unit)."""
    a = np.asarray(ts)
    if a.size == 0:
        return np.zeros(a.shape, np.int64)
    if np.issubdtype(a.dtype, np.datetime64):
        return a.astype("datetime64[ns]").astype(np.int64)
    if not np.issubdtype(a.dtype, np.integer):
        raise TradfiError("ts", f"timestamps must be int64 ns or datetime64, were {a.dtype}")
    return a.astype(np.int64)


def fill(spans: list[Span], lo: int, hi: int, halt_max_ns: int) -> Timeline:
    """Return the timeline of ``[lo, hi)`` from sorted, non-overlapping ``spans``.

    A gap no longer than ``halt_max_ns`` between two spans is HALTED, any other gap CLOSED;
    a gap takes the trade date of the span after it.
    """
    spans = [s for s in sorted(spans) if s[1] > lo and s[0] < hi]
    starts: list[int] = []
    states: list[int] = []
    dates: list[int] = []
    cursor = lo
    for i, (s, e, state, td) in enumerate(spans):
        if s < cursor:
            s = cursor
        if s > cursor:
            short = i > 0 and s - cursor <= halt_max_ns
            starts.append(cursor)
            states.append(int(SessionState.HALTED if short else SessionState.CLOSED))
            dates.append(td)
        starts.append(s)
        states.append(state)
        dates.append(td)
        cursor = min(e, hi)
    if cursor < hi:
        starts.append(cursor)
        states.append(int(SessionState.CLOSED))
        dates.append(dates[-1] + 1 if dates else int(lo // 86_400_000_000_000))
    return Timeline(
        np.asarray(starts, np.int64), hi, np.asarray(states, np.int8),
        np.asarray(dates, np.int32),
    )  # fmt: skip
