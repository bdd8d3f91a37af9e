"""Daily price limits that widen in steps: SGX's 10 %/15 % with cooling-off, CME's old 7/13/20 %.

A limit is a band around the prior settlement. When a trade reaches the band, a cooling-off
starts during which trading stays within it; afterwards the next, wider level applies. After
the last level's cooling-off the limit either lifts for the rest of the day (SGX) or stays
(a hard limit: CME's historic ±20 %). The rule is data (:class:`PriceLimits`), checked over
a day's trades by :func:`price_limit_check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from aleatoric.instruments import Grid
from aleatoric.tradfi._errors import TradfiError
from aleatoric.tradfi._timeline import as_ns

__all__ = ["PRICE_LIMITS", "LimitCheck", "PriceLimits", "price_limit_check"]

_MIN = 60_000_000_000


@dataclass(frozen=True)
class PriceLimits:
    """Levels (fractions of the prior settlement), the cooling-off after each, the last's fate."""

    levels: tuple[float, ...]
    cooling_off_ns: int
    last_is_hard: bool

    def __post_init__(self) -> None:
        if not self.levels or any(
            b <= a for a, b in zip(self.levels, self.levels[1:], strict=False)
        ):
            raise TradfiError("levels", f"must be increasing and not empty, was {self.levels}")
        if self.levels[0] <= 0 or self.cooling_off_ns < 0:
            raise TradfiError("levels", "levels and cooling_off_ns must be positive")


#: Named rules. ``sgx_cn``: ±10 % then ±15 % of the prior settlement, 5-minute cooling-offs,
#: no limit for the rest of the day afterwards (none at all on the last trading day: do not
#: apply it then). ``cme_crypto_2017``: the historic special limits ±7 % and ±13 % with
#: 2-minute halts and a hard ±20 % (the halt length is unverified; CME now uses dynamic
#: circuit breakers whose current values are not published here).
PRICE_LIMITS: dict[str, PriceLimits] = {
    "sgx_cn": PriceLimits((0.10, 0.15), 5 * _MIN, last_is_hard=False),
    "cme_crypto_2017": PriceLimits((0.07, 0.13, 0.20), 2 * _MIN, last_is_hard=True),
}


@dataclass(frozen=True)
class LimitCheck:
    """Per trade: the band in force (NaN when none) and whether the trade was outside it."""

    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    violation: npt.NDArray[np.bool_]


def _band(prior: float, level: float, grid: Grid) -> tuple[float, float]:
    # Limits fall on the tick grid, rounded inward.
    lo = np.ceil(prior * (1 - level) / float(grid.step) - 1e-9)
    hi = np.floor(prior * (1 + level) / float(grid.step) + 1e-9)
    return float(grid.to_float(int(lo))), float(grid.to_float(int(hi)))


def price_limit_check(
    ts: npt.ArrayLike,
    price: npt.ArrayLike,
    prior_settle: float,
    limits: PriceLimits | str,
    tick: Decimal | str,
) -> LimitCheck:
    """Walk one trading day's trades (in time order) through the limit rule."""
    if isinstance(limits, str):
        if limits not in PRICE_LIMITS:
            raise TradfiError(
                "limits", f"unknown rule {limits!r}; allowed: {', '.join(PRICE_LIMITS)}"
            )
        limits = PRICE_LIMITS[limits]
    if not prior_settle > 0:
        raise TradfiError("prior_settle", f"must be positive, was {prior_settle}")
    t = as_ns(ts)
    p = np.asarray(price, np.float64)
    if t.shape != p.shape:
        raise TradfiError("trades", "ts and price must have one length")
    grid = Grid.from_decimal(tick)
    bands = [_band(prior_settle, lv, grid) for lv in limits.levels]
    n = t.size
    lower, upper = np.full(n, np.nan), np.full(n, np.nan)
    violation = np.zeros(n, np.bool_)
    level, cooling_until = 0, -1
    for i in range(n):
        if cooling_until >= 0 and t[i] >= cooling_until:
            cooling_until = -1
            if level < len(bands) - 1 or not limits.last_is_hard:
                level += 1
        if level >= len(bands):
            continue
        lo, hi = bands[level]
        lower[i], upper[i] = lo, hi
        violation[i] = p[i] < lo or p[i] > hi
        at_limit = p[i] <= lo or p[i] >= hi
        hard = limits.last_is_hard and level == len(bands) - 1
        if at_limit and cooling_until < 0 and not hard:
            cooling_until = int(t[i]) + limits.cooling_off_ns
    return LimitCheck(lower, upper, violation)
