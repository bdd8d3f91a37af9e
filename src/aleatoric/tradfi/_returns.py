"""Returns within sessions and across closures, kept apart.

A futures price does not move while its venue is closed, and the first print after a weekend
or a holiday jumps to where the market went meanwhile. Statistics of returns (volatility,
kurtosis, autocorrelation) are only comparable within sessions; the jumps across closures are
a distribution of their own. :func:`session_returns` labels each return of a price series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric.tradfi._errors import TradfiError
from aleatoric.tradfi._sessions import SessionCalendar
from aleatoric.tradfi._timeline import SessionState, as_ns

__all__ = ["SessionReturns", "session_returns"]


@dataclass(frozen=True)
class SessionReturns:
    """Log returns between consecutive prices and whether each spans a closure or a halt."""

    log_return: npt.NDArray[np.float64]
    across_closure: npt.NDArray[np.bool_]

    @property
    def within(self) -> npt.NDArray[np.float64]:
        """Return the returns inside one continuous open span."""
        return self.log_return[~self.across_closure]

    @property
    def across(self) -> npt.NDArray[np.float64]:
        """Return the returns from one open span into a later one."""
        return self.log_return[self.across_closure]


def session_returns(
    calendar: SessionCalendar, ts: npt.ArrayLike, price: npt.ArrayLike
) -> SessionReturns:
    """Label the log return between each pair of consecutive ``(ts, price)`` points.

    A return is ``across_closure`` when its two points are not in the same continuous OPEN
    span of ``calendar`` (a halt, a night, a weekend or a holiday lies between them).
    Timestamps must be increasing and prices positive.
    """
    t = as_ns(ts)
    p = np.asarray(price, np.float64)
    if t.shape != p.shape or t.ndim != 1:
        raise TradfiError("price", "ts and price must be 1-d arrays of one length")
    if t.size and (np.any(np.diff(t) < 0) or np.any(~(p > 0))):
        raise TradfiError("ts", "timestamps must be increasing and prices positive")
    if t.size < 2:
        return SessionReturns(np.zeros(0), np.zeros(0, np.bool_))
    timeline = calendar.timeline(int(t[0]), int(t[-1]) + 1)
    starts, ends = timeline.spans(SessionState.OPEN)
    span = np.searchsorted(starts, t, side="right") - 1
    inside = (span >= 0) & (t < ends[np.maximum(span, 0)])
    span = np.where(inside, span, -1)
    same = (span[1:] == span[:-1]) & (span[1:] >= 0)
    return SessionReturns(np.diff(np.log(p)), ~same)
