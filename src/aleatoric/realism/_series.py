"""Series derived from the raw observations: resampled mids, returns, bars, counts, spreads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric.realism._load import NS_PER_MINUTE, Observations
from aleatoric.realism._metrics import log_returns

__all__ = [
    "HORIZONS_MIN",
    "NS_PER_SECOND",
    "Bars",
    "funding_series",
    "horizon_returns",
    "minute_bars",
    "resample_last",
    "spread_bps",
    "spread_ticks",
    "tick_at",
    "window_counts",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

NS_PER_SECOND = 1_000_000_000
#: Return horizons in minutes for the kurtosis-by-horizon fact.
HORIZONS_MIN: tuple[int, ...] = (1, 5, 15, 60, 240)


def resample_last(ts: I64, values: F64, width_ns: int, end_ns: int) -> tuple[I64, F64]:
    """Return the last value in every ``width_ns`` bucket on the UTC grid, gaps forward-filled.

    Buckets are ``ts // width_ns``; a final bucket that ends after ``end_ns`` is incomplete and
    dropped. Returns the bucket numbers (consecutive) and their values.
    """
    if ts.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    bucket = ts // width_ns
    last = np.flatnonzero(np.append(bucket[1:] != bucket[:-1], True))
    b, v = bucket[last], values[last]
    full = np.arange(int(b[0]), int(b[-1]) + 1, dtype=np.int64)
    full = full[(full + 1) * width_ns <= end_ns]
    idx = np.searchsorted(b, full, side="right") - 1
    return full, v[idx]


def _mid(obs: Observations) -> F64:
    return np.asarray(0.5 * (obs.bid + obs.ask), dtype=np.float64)


def _calm_returns(obs: Observations, buckets: I64, width_ns: int) -> npt.NDArray[np.bool_]:
    # Return i runs from the end of bucket i to the end of bucket i + 1; it is calm when that
    # interval misses every stressed span of ``obs``.
    keep = np.ones(max(0, buckets.size - 1), dtype=np.bool_)
    first = (buckets[:-1] + 1) * width_ns
    last = (buckets[1:] + 1) * width_ns
    for lo, hi in obs.stressed:
        keep &= (last <= lo) | (first >= hi)
    return keep


def horizon_returns(obs: Observations, minutes: int) -> F64:
    """Return log returns of the mid price on a ``minutes`` grid (last snapshot per bucket).

    Returns overlapping a stressed span of ``obs`` (a scenario window) are left out.
    """
    width = minutes * NS_PER_MINUTE
    buckets, prices = resample_last(obs.snapshot_ts, _mid(obs), width, obs.end_ns)
    ret = log_returns(prices)
    if obs.stressed and ret.size:
        ret = ret[_calm_returns(obs, buckets, width)]
    return ret


@dataclass(frozen=True, eq=False)
class Bars:
    """One-minute bars: the minute (``ts // 1 min``), mid log return and traded size in it."""

    minute: I64
    ret: F64
    volume: F64


def minute_bars(obs: Observations) -> Bars:
    """Return one-minute bars: return over each minute and the base-asset size traded in it.

    Minutes overlapping a stressed span of ``obs`` (a scenario window) are left out.
    """
    buckets, prices = resample_last(obs.snapshot_ts, _mid(obs), NS_PER_MINUTE, obs.end_ns)
    ret = log_returns(prices)
    minute = buckets[1:]
    volume = np.zeros(minute.size, dtype=np.float64)
    if minute.size and obs.trade_ts.size:
        idx = obs.trade_ts // NS_PER_MINUTE - minute[0]
        keep = (idx >= 0) & (idx < minute.size)
        volume += np.bincount(idx[keep], weights=obs.trade_size[keep], minlength=minute.size)
    if obs.stressed and minute.size:
        calm = _calm_returns(obs, buckets, NS_PER_MINUTE)
        return Bars(minute=minute[calm], ret=ret[calm], volume=volume[calm])
    return Bars(minute=minute, ret=ret, volume=volume)


def window_counts(ts: I64, start_ns: int, end_ns: int, width_ns: int) -> I64:
    """Return event counts in consecutive ``width_ns`` windows from ``start_ns`` (whole windows)."""
    n = (end_ns - start_ns) // width_ns
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    idx = (ts - start_ns) // width_ns
    idx = idx[(idx >= 0) & (idx < n)]
    return np.bincount(idx, minlength=n).astype(np.int64)


def tick_at(obs: Observations) -> F64:
    """Return the smallest valid price step at every snapshot's best bid.

    The instrument's tick, coarsened where the venue limits significant figures: the step at
    a price is ``10 ** (digits of its integer part - figures)``, never finer than one tick.
    """
    inst = obs.meta.instrument
    tick = float(inst.tick_size)
    if inst.significant_figures <= 0:
        return np.full(obs.bid.size, tick)
    digits = np.floor(np.log10(np.maximum(obs.bid, 1.0))) + 1.0
    return np.asarray(np.maximum(tick, 10.0 ** (digits - inst.significant_figures)))


def spread_ticks(obs: Observations) -> F64:
    """Return the quoted spread of every snapshot in ticks (see :func:`tick_at`)."""
    return np.asarray(np.round((obs.ask - obs.bid) / tick_at(obs)), dtype=np.float64)


def spread_bps(obs: Observations) -> F64:
    """Return the quoted spread of every snapshot in basis points of the mid."""
    return np.asarray((obs.ask - obs.bid) / _mid(obs) * 1e4, dtype=np.float64)


def funding_series(obs: Observations, min_settlements: int = 10) -> tuple[I64, F64, str]:
    """Return the funding-rate series for sign persistence, and where it comes from.

    The settled rates when there are at least ``min_settlements``; otherwise the ticker's
    predicted rate sampled hourly (last value of each UTC hour).
    """
    if obs.funding_ts.size >= min_settlements or obs.ticker_ts.size == 0:
        return obs.funding_ts, obs.funding_rate, "settled"
    hours, rates = resample_last(
        obs.ticker_ts, obs.ticker_predicted, 60 * NS_PER_MINUTE, obs.end_ns
    )
    return hours * 60 * NS_PER_MINUTE, rates, "predicted_hourly"
