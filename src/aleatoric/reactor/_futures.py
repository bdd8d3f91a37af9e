"""A dated futures contract in the reactor: its latent price, activity and trading sessions.

A futures contract is simulated by the same order-flow kernels as a perpetual, with three
differences, all decided here from the contract's terms and venue calendar
(:mod:`aleatoric.tradfi`):

- **Price.** One market per asset: the contract's latent log price is the spot latent price
  of the asset (the reference perpetual's latent path without its premium,
  :data:`REFERENCE_VENUE`) plus a carry basis ``r * tau``, with ``tau`` the years to the
  last trade and ``r`` an annualised carry drawn once per seed and asset in
  [:data:`CARRY_MIN`, :data:`CARRY_MAX`]. The basis converges to zero at expiry, and every
  month of a product sees the same spot and carry, so calendar spreads follow the outrights.
  (When the shared market model lands, the spot path is the asset's path there.)
- **Activity.** Order rates are the asset's rates times :data:`FUTURES_ACTIVITY` and a roll
  weight: over the :data:`ROLL_DAYS` before the front month's last trade, its volume falls
  to :data:`ROLL_FLOOR` of its level while the next month's rises from :data:`DEFERRED` to
  the full level; further months trade at :data:`DEFERRED`.
- **Sessions.** Orders and trades happen only while the contract is ``OPEN``
  (:func:`sessions`): the kernels run from each pre-open (the book builds silently, no rows),
  the book is published as an opening snapshot at the open, and every resting order is
  cancelled at the close. Steps outside sessions are not simulated; the latent price moves
  on, so the first prints of a session gap to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, factor_key, instrument_key, stream_rng
from aleatoric.instruments import Instrument, symbol_of
from aleatoric.tradfi import (
    Contract,
    SessionState,
    calendar_for,
    contract_of,
    listed_contracts,
)

__all__ = [
    "CARRY_MAX",
    "CARRY_MIN",
    "DEFERRED",
    "FUTURES_ACTIVITY",
    "REFERENCE_VENUE",
    "ROLL_DAYS",
    "ROLL_FLOOR",
    "FuturesTerms",
    "Session",
    "activity_scale",
    "futures_terms",
    "sessions",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
NS_PER_DAY = 86_400 * 1_000_000_000
NS_PER_YEAR = 365 * NS_PER_DAY
#: The venue whose perpetual's latent path is the asset's spot path (its premium removed).
REFERENCE_VENUE = "binance"
#: Range of the annualised carry (crypto futures basis, 5-15 % a year).
CARRY_MIN = 0.05
CARRY_MAX = 0.15
#: Futures order rates as a share of the asset's perpetual rates.
FUTURES_ACTIVITY = 0.3
#: Days before the front month's last trade over which volume moves to the next month.
ROLL_DAYS = 8.0
#: The front month's share of its volume at its last trade.
ROLL_FLOOR = 0.15
#: Activity of a month that is neither the front nor the next (and of the next before the roll).
DEFERRED = 0.1


@dataclass(frozen=True)
class Session:
    """One trading session inside a run: build the book from ``build``, open, close (ns)."""

    build: int
    open: int
    close: int


@dataclass(frozen=True)
class FuturesTerms:
    """What the reactor needs of a dated contract (see the module docstring)."""

    contract: Contract
    carry: float
    latent_key: int  # the key of the reference perpetual whose latent path is used

    @property
    def last_trade_ns(self) -> int:
        """Return the contract's last trade (ns); ``2**62`` for a perpetual."""
        last = self.contract.last_trade_ns
        return 2**62 if last is None else last

    def log_carry(self, t: I64) -> F64:
        """Return the log basis over spot at ``t`` (ns): ``carry * years to the last trade``."""
        tau = np.maximum(self.last_trade_ns - t, 0) / NS_PER_YEAR
        if self.contract.product.kind == "perpetual":
            tau = np.zeros(t.shape)
        out: F64 = self.carry * tau
        return out

    def roll_weight(self, t_ns: int) -> float:
        """Return the contract's activity multiple at ``t_ns`` (1 for the front, roll)."""
        c = self.contract
        if c.product.kind == "perpetual":
            return 1.0
        if t_ns >= self.last_trade_ns:
            return 0.0
        listed = listed_contracts(c.product, t_ns)
        front = listed[0]
        assert front.last_trade_ns is not None
        left = max(0.0, (front.last_trade_ns - t_ns) / NS_PER_DAY)
        progress = 1.0 - min(1.0, left / ROLL_DAYS)  # 0 before the roll, 1 at the last trade
        if c == front:
            return 1.0 - (1.0 - ROLL_FLOOR) * progress
        if len(listed) > 1 and c == listed[1]:
            return DEFERRED + (1.0 - DEFERRED) * progress
        return DEFERRED


def futures_terms(inst: Instrument, start_ns: int, seed: int) -> FuturesTerms:
    """Return the terms of futures instrument ``inst`` in a dataset starting at ``start_ns``.

    The symbol's one-digit year is the one nearest the dataset's start.
    """
    near = datetime.fromtimestamp(start_ns // 1_000_000_000, UTC).date()
    contract = contract_of(inst.venue, inst.symbol, near)
    rng = stream_rng(seed, factor_key(f"carry:{inst.base}"), Stream.SKELETON, 0)
    carry = CARRY_MIN + (CARRY_MAX - CARRY_MIN) * float(rng.random())
    latent = instrument_key(REFERENCE_VENUE, symbol_of(REFERENCE_VENUE, inst.base))
    return FuturesTerms(contract=contract, carry=carry, latent_key=latent)


def sessions(terms: FuturesTerms, t0: int, t1: int) -> tuple[Session, ...]:
    """Return the sessions that overlap the run ``[t0, t1)``, clipped to it.

    ``open`` and ``close`` are the venue's (``close`` at most the last trade); ``build`` is
    the start of the pre-open just before the open (or the open), never before ``t0``.
    """
    cal = calendar_for(terms.contract.product.calendar)
    lo, hi = t0 - 2 * NS_PER_DAY, t1 + 2 * NS_PER_DAY
    timeline = cal.timeline(lo, hi)
    opens, closes = timeline.spans(SessionState.OPEN)
    pre_s, pre_e = timeline.spans(SessionState.PRE_OPEN)
    out: list[Session] = []
    for o, c in zip(opens.tolist(), closes.tolist(), strict=True):
        c = min(c, terms.last_trade_ns)
        if c <= max(o, t0) or o >= t1:
            continue  # a session open at the timeline's start (24/7 weeks) starts at t0
        k = np.flatnonzero(pre_e == o)
        build = int(pre_s[k[0]]) if k.size else o
        out.append(Session(build=max(build, t0), open=o, close=c))
    return tuple(out)


def activity_scale(terms: FuturesTerms, minute_start_ns: int) -> float:
    """Return the multiple of the asset's order rates in a minute of the contract."""
    return FUTURES_ACTIVITY * terms.roll_weight(minute_start_ns)
