"""Perpetual-swap quantities: index, premium, funding (venue formula), mark, open interest.

Funding depends on premium samples over a whole funding interval, which spans segments. To
keep segments independent, the premium is sampled from the skeleton (the latent fair price
against the index, with a modelled impact spread), interpolated linearly inside each minute,
at the venue's sampling spacing; the venue's averaging, interest clamp and caps then apply
exactly. Mark prices use the sampled book (mid, last trade) of the segment and its warm-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric.config import Preset
from aleatoric.instruments import Instrument
from aleatoric.reactor._skeleton import HISTORY_MINUTES, Skeleton

__all__ = ["FundingPath", "funding_path", "interp_minutes", "mark_prices"]

NS_PER_MINUTE = 60_000_000_000
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def interp_minutes(values_at_starts: F64, t_ns: I64, origin_ns: int) -> F64:
    """Linearly interpolate per-minute-start values (skeleton indexing) at times ``t_ns``."""
    x = (t_ns - origin_ns) / NS_PER_MINUTE + HISTORY_MINUTES
    grid = np.arange(values_at_starts.shape[0], dtype=np.float64)
    return np.interp(x, grid, values_at_starts)


@dataclass(frozen=True)
class FundingPath:
    """Funding as seen at a set of times: last settled rate, predicted rate, next settlement."""

    rate: F64
    predicted: F64
    next_ts: I64


def _premium(skeleton: Skeleton, t_ns: I64, origin_ns: int, impact: float) -> F64:
    fair = np.exp(interp_minutes(skeleton.log_price_start, t_ns, origin_ns))
    index = fair * np.exp(-interp_minutes(skeleton.basis_start, t_ns, origin_ns))
    impact_bid = fair * (1.0 - impact)
    impact_ask = fair * (1.0 + impact)
    return np.asarray(
        (np.maximum(0.0, impact_bid - index) - np.maximum(0.0, index - impact_ask)) / index
    )


def _rate(avg: F64, inst: Instrument) -> F64:
    interest = float(inst.interest_rate)
    band = float(inst.funding_clamp_band)
    f = (avg + np.clip(interest - avg, -band, band)) / inst.funding_rate_divisor
    return np.clip(f, float(inst.funding_floor), float(inst.funding_cap))


def funding_path(
    skeleton: Skeleton, preset: Preset, inst: Instrument, origin_ns: int, times: I64
) -> FundingPath:
    """Return funding at ``times`` (sorted, ns); settlements fall on the UTC interval grid."""
    interval = inst.funding_interval_ns
    spacing = inst.premium_sample_seconds * 1_000_000_000
    first_period = int(times[0] // interval) - 1
    last_period = int(times[-1] // interval)
    t_samples = np.arange(
        first_period * interval, (last_period + 1) * interval, spacing, dtype=np.int64
    )
    premium = _premium(skeleton, t_samples, origin_ns, preset.impact_half_spread_bps * 1e-4)
    period = t_samples // interval
    k = (t_samples - period * interval) // spacing
    weight = (k + 1).astype(np.float64) if inst.premium_weighting == "linear" else np.ones(k.size)
    # Running weighted sums that restart at every period.
    cw = np.cumsum(weight)
    cwp = np.cumsum(weight * premium)
    starts = np.flatnonzero(k == 0)
    base_w = np.repeat(
        np.concatenate([[0.0], cw[starts[1:] - 1]]), np.diff(np.append(starts, k.size))
    )
    base_wp = np.repeat(
        np.concatenate([[0.0], cwp[starts[1:] - 1]]), np.diff(np.append(starts, k.size))
    )
    running = _rate((cwp - base_wp) / (cw - base_w), inst)
    per_period = interval // spacing
    settled = running[per_period - 1 :: per_period]  # rate settled at the end of each period

    # A time t sees: the rate settled at the start of its period, the running estimate of
    # samples taken up to t, and the next settlement at the end of its period.
    tp = times // interval
    idx_sample = np.searchsorted(t_samples, times, side="right") - 1
    rate = settled[tp - first_period - 1]
    return FundingPath(rate=rate, predicted=running[idx_sample], next_ts=(tp + 1) * interval)


def settled_rates(
    skeleton: Skeleton, preset: Preset, inst: Instrument, origin_ns: int, settle_ns: I64
) -> F64:
    """Return the rate settled at each settlement instant (a multiple of the interval)."""
    return funding_path(skeleton, preset, inst, origin_ns, settle_ns).rate


def _ema(values: F64, dt_s: float, tau_s: float) -> F64:
    # Hyperliquid's EMA: num = num*exp(-dt/tau) + x*dt, den = den*exp(-dt/tau) + dt.
    decay = math.exp(-dt_s / tau_s)
    out = np.empty_like(values)
    num = 0.0
    den = 0.0
    for i, v in enumerate(values):
        num = num * decay + v * dt_s
        den = den * decay + dt_s
        out[i] = num / den
    return out


def _moving_average(values: F64, window: int) -> F64:
    c = np.cumsum(np.concatenate([[0.0], values]))
    idx = np.arange(1, values.size + 1)
    lo = np.maximum(0, idx - window)
    return np.asarray((c[idx] - c[lo]) / (idx - lo))


def mark_prices(
    method: str,
    *,
    index: F64,
    mid: F64,
    last: F64,
    fair: F64,
    bid: F64,
    ask: F64,
    rate: F64,
    until_next_frac: F64,
    dt_s: float,
) -> F64:
    """Return mark prices on an evenly spaced sample grid (oldest first).

    ``median3`` (Binance, Bybit): median(index*(1+rate*time to funding/interval),
    index + MA5min(mid - index), last). ``basis`` (OKX): index + MA5min(mid - index).
    ``hyperliquid``: median(oracle + EMA150s(mid - oracle), median(bid, ask, last), fair).
    """
    window = max(1, round(300.0 / dt_s))
    basis_ma = index + _moving_average(mid - index, window)
    if method == "basis":
        return basis_ma
    if method == "hyperliquid":
        p1 = index + _ema(mid - index, dt_s, 150.0)
        p2 = np.median(np.stack([bid, ask, last]), axis=0)
        return np.asarray(np.median(np.stack([p1, p2, fair]), axis=0))
    p1 = index * (1.0 + rate * until_next_frac)
    return np.asarray(np.median(np.stack([p1, basis_ma, last]), axis=0))
