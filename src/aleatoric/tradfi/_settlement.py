"""Settlement procedures as pure functions over trades and quotes.

CME daily settlement of the lead month (tiers 1-3), a BRR-like reference rate (the CME CF
method: twelve five-minute volume-weighted medians, averaged) and the SGX FTSE China A50
final settlement. Inputs are arrays (or canonical table columns: ``ts_event``, ``price``,
``size``, ``bid_px_00``, ``ask_px_00``); prices go onto the tick grid as exact integers and
the arithmetic is exact (fractions), so a halfway VWAP is recognised and rounded the CME way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from aleatoric.instruments import Grid
from aleatoric.tradfi._errors import TradfiError
from aleatoric.tradfi._timeline import as_ns

__all__ = [
    "DailySettlement",
    "brr_end_ns",
    "cme_daily_settlement",
    "cme_settlement_window",
    "reference_rate",
    "round_to_tick",
    "sgx_cn_final_settlement",
]

_NS = 1_000_000_000
_CT = ZoneInfo("America/Chicago")
_LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class DailySettlement:
    """A daily settlement: the price, the tier that set it and what it was computed from.

    ``tier`` 1: VWAP of the trades in the window; 2: mid of the last two-sided quote in the
    window; 3: the reference-rate formula. ``volume`` is the traded size in the window.
    """

    price: float
    tier: int
    volume: float
    trades: int


def _fraction(x: float) -> Fraction:
    # The decimal a float prints as (the grid value), not its binary expansion.
    return Fraction(Decimal(repr(float(x))))


def round_to_tick(value: Fraction | float, tick: Decimal | str, prior: float | None) -> float:
    """Round ``value`` to the nearest multiple of ``tick``; an exact half goes toward ``prior``.

    With no prior settlement an exact half rounds up.
    """
    grid = Grid.from_decimal(tick)
    step = Fraction(grid.step)
    q = (value if isinstance(value, Fraction) else _fraction(value)) / step
    lo = q.numerator // q.denominator
    rest = q - lo
    if rest > Fraction(1, 2):
        n = lo + 1
    elif rest < Fraction(1, 2):
        n = lo
    else:
        n = lo + 1 if prior is None or _fraction(prior) / step >= q else lo
    return float(grid.to_float(n))


def cme_settlement_window(trade_date: date) -> tuple[int, int]:
    """Return the CME crypto settlement window of a trade date: 14:59:00-15:00:00 CT, in ns."""
    end = int(datetime.combine(trade_date, time(15, 0), _CT).timestamp()) * _NS
    return end - 60 * _NS, end


def _in(ts: npt.NDArray[np.int64], window: tuple[int, int]) -> npt.NDArray[np.bool_]:
    return (ts >= window[0]) & (ts < window[1])


def cme_daily_settlement(
    trade_date: date,
    tick: Decimal | str,
    *,
    trade_ts: npt.ArrayLike,
    trade_price: npt.ArrayLike,
    trade_size: npt.ArrayLike,
    quote_ts: npt.ArrayLike = (),
    bid: npt.ArrayLike = (),
    ask: npt.ArrayLike = (),
    prior_settle: float | None = None,
    reference_rate: float | None = None,
    days_to_expiry: int | None = None,
    rate: float = 0.0,
    window: tuple[int, int] | None = None,
) -> DailySettlement:
    """Return the lead month's daily settlement on ``trade_date`` by CME's procedure.

    Tier 1: the VWAP of the trades in 14:59:00-15:00:00 CT, rounded to ``tick`` (an exact half
    toward ``prior_settle``). Tier 2, no trade in the window: the mid of the last quote in
    the window with both a bid and an ask, rounded the same way. Tier 3, neither: ``reference
    + days_to_expiry / 365 * rate * reference``, which needs ``reference_rate`` and
    ``days_to_expiry``. ``window`` replaces the 14:59-15:00 CT window (ns, end excluded), for
    a day that closes early.
    """
    window = window if window is not None else cme_settlement_window(trade_date)
    ts = as_ns(trade_ts)
    price = np.asarray(trade_price, np.float64)
    size = np.asarray(trade_size, np.float64)
    if not (ts.shape == price.shape == size.shape):
        raise TradfiError("trades", "trade_ts, trade_price and trade_size must have one length")
    sel = _in(ts, window)
    if sel.any():
        num = sum((_fraction(p) * _fraction(q) for p, q in zip(price[sel], size[sel], strict=True)),
                  Fraction(0))  # fmt: skip
        den = sum((_fraction(q) for q in size[sel]), Fraction(0))
        vwap = num / den
        return DailySettlement(
            round_to_tick(vwap, tick, prior_settle), 1, float(size[sel].sum()), int(sel.sum())
        )
    qts = as_ns(quote_ts)
    b = np.asarray(bid, np.float64)
    a = np.asarray(ask, np.float64)
    if not (qts.shape == b.shape == a.shape):
        raise TradfiError("quotes", "quote_ts, bid and ask must have one length")
    two_sided = _in(qts, window) & np.isfinite(b) & np.isfinite(a) & (b > 0) & (a > 0)
    if two_sided.any():
        i = int(np.flatnonzero(two_sided)[-1])
        mid = (_fraction(b[i]) + _fraction(a[i])) / 2
        return DailySettlement(round_to_tick(mid, tick, prior_settle), 2, 0.0, 0)
    if reference_rate is None or days_to_expiry is None:
        raise TradfiError(
            "reference_rate",
            "no trade and no two-sided quote in the settlement window: tier 3 needs "
            "reference_rate and days_to_expiry",
        )
    ref = _fraction(reference_rate)
    value = ref + Fraction(days_to_expiry, 365) * _fraction(rate) * ref
    return DailySettlement(round_to_tick(value, tick, prior_settle), 3, 0.0, 0)


def _weighted_median(price: npt.NDArray[np.float64], size: npt.NDArray[np.float64]) -> float:
    order = np.argsort(price, kind="stable")
    p, q = price[order], size[order]
    cum = np.cumsum(q)
    # The lowest price at which the cumulative volume reaches half the partition's volume.
    return float(p[int(np.searchsorted(cum, cum[-1] / 2.0, side="left"))])


def reference_rate(
    ts: npt.ArrayLike,
    price: npt.ArrayLike,
    size: npt.ArrayLike,
    *,
    end_ns: int,
    partitions: int = 12,
    partition_ns: int = 300 * _NS,
    decimals: int = 2,
) -> float:
    """Return a BRR-like reference rate of spot trades in the hour before ``end_ns``.

    The CME CF method: split ``[end - partitions * partition_ns, end)`` into ``partitions``
    partitions (12 of 5 minutes), take each partition's volume-weighted median price (the
    lowest price at which the cumulative volume, by price, reaches half of the partition's
    volume), and return the equal-weighted mean of the medians of the partitions that have
    trades, rounded half-up to ``decimals`` (0.01 USD). Raises if no partition has a trade.
    """
    t = as_ns(ts)
    p = np.asarray(price, np.float64)
    q = np.asarray(size, np.float64)
    if not (t.shape == p.shape == q.shape):
        raise TradfiError("trades", "ts, price and size must have one length")
    if partitions < 1 or partition_ns < 1:
        raise TradfiError("partitions", f"must be positive, was {partitions} x {partition_ns} ns")
    start = end_ns - partitions * partition_ns
    sel = (t >= start) & (t < end_ns) & (q > 0)
    k = (t[sel] - start) // partition_ns
    medians = [
        _weighted_median(p[sel][k == i], q[sel][k == i])
        for i in range(partitions)
        if (k == i).any()
    ]
    if not medians:
        raise TradfiError("trades", f"no trade in the {partitions} partitions before {end_ns}")
    mean = sum((_fraction(m) for m in medians), Fraction(0)) / len(medians)
    quantum = Decimal(1).scaleb(-decimals)
    exact = Decimal(mean.numerator) / Decimal(mean.denominator)
    return float(exact.quantize(quantum, rounding=ROUND_HALF_UP))


def brr_end_ns(day: date) -> int:
    """Return 16:00 London time on ``day`` (the end of the BRR's hour), in ns."""
    return int(datetime.combine(day, time(16, 0), _LONDON).timestamp()) * _NS


def sgx_cn_final_settlement(index_close: float | str | Decimal) -> float:
    """Return the SGX CN final settlement price: the official index close rounded to 2 dp."""
    value = Decimal(str(index_close))
    if not value.is_finite() or value <= 0:
        raise TradfiError("index_close", f"must be a positive number, was {index_close}")
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
