"""The sequential skeleton: per-minute latent state that every segment can rebuild cheaply.

It is built in three steps: **draw** the per-day shocks from their keyed streams, **overlay**
(stress scenarios change the shocks over their windows, drawing from their own keyed streams
so minutes before a window keep their values: a flash crash adds a drift to the latent log
price, see ``_scenarios.py``), **integrate** the recursions.

Everything path-dependent on a long horizon lives here, at one-minute resolution: stochastic
volatility (a sum of AR(1) log-volatility factors with timescales from minutes to a day, which
gives slow, power-law-like decay of volatility autocorrelation), compound-Poisson jumps whose
intensity rises with volatility, minute log-price endpoints, the perp basis (premium over the
index) and open interest. A segment needs the skeleton from a fixed origin (one day plus the
maximum warm-up before the dataset start) up to its own end; building it costs one Generator
per day and one pass of a few cheap recursions, so segments stay independent of each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Protocol

import numba as nb
import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, stream_rng
from aleatoric.config import Preset
from aleatoric.reactor._scenarios import ScenarioWindow, basis_offset, crash_drift, oi_offset

__all__ = [
    "HISTORY_MINUTES",
    "MAX_JUMPS_PER_MINUTE",
    "MINUTES_PER_DAY",
    "Market",
    "Shocks",
    "Skeleton",
    "build_skeleton",
    "seasonal_profile",
]

MINUTES_PER_DAY = 1440
#: Minutes of skeleton before the dataset start: one day for funding averages and burn-in,
#: plus the largest allowed warm-up.
HISTORY_MINUTES = MINUTES_PER_DAY + 60
MAX_JUMPS_PER_MINUTE = 4

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Skeleton:
    """Per-minute latent state; index ``i`` is minute ``i - HISTORY_MINUTES`` of the dataset.

    Arrays named ``*_start`` hold values at minute starts and have one more element.
    """

    log_price_start: F64
    sigma: F64
    activity: F64
    diffusion: F64
    jump: F64
    jump_at: F64
    basis_start: F64
    log_oi_start: F64
    season: F64  # log multiplier of activity from the intraday profile (beyond volatility)
    drift: F64 | None = None  # scenarios: log-price drift per minute, even in clock time
    premium_start: F64 | None = None  # the venue's own premium over its asset (log), if any

    @property
    def minutes(self) -> int:
        """Return how many minutes the skeleton covers."""
        return int(self.sigma.shape[0])

    def index(self, minute: int) -> int:
        """Return the array index of dataset minute ``minute`` (negative before the start)."""
        i = minute + HISTORY_MINUTES
        if not 0 <= i < self.minutes:
            raise IndexError(f"minute {minute} is outside the skeleton")
        return i


@nb.njit(cache=True)
def _ar1(eps: F64, phi: float, std: float) -> F64:  # pragma: no cover - compiled
    out = np.empty(eps.shape[0] + 1)
    out[0] = 0.0
    scale = std * math.sqrt(1.0 - phi * phi)
    for i in range(eps.shape[0]):
        out[i + 1] = phi * out[i] + scale * eps[i]
    return out


@nb.njit(cache=True)
def _poisson_inverse(u: F64, lam: F64, cap: int) -> npt.NDArray[np.int64]:  # pragma: no cover
    # Inverse-CDF Poisson: one uniform per draw whatever the mean, so consumption is fixed.
    out = np.zeros(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        p = math.exp(-lam[i])
        cdf = p
        k = 0
        while u[i] > cdf and k < cap:
            k += 1
            p *= lam[i] / k
            cdf += p
        out[i] = k
    return out


#: Hour (UTC) where the intraday profile peaks: around the US equity open.
SEASON_PEAK_HOUR = 14.5


def seasonal_profile(kind: str, first_minute_of_day: int, n: int) -> F64:
    """Return a unit-mean-log intraday shape (cosine, peak at 14:30 UTC) for ``n`` minutes.

    ``kind`` is ``"crypto"`` (the profile) or ``"flat"`` (zeros). Minute 0 of the array is
    minute ``first_minute_of_day`` of its UTC day.
    """
    if kind == "flat":
        return np.zeros(n)
    if kind != "crypto":
        raise ValueError(f"seasonality must be one of crypto, flat; was {kind!r}")
    hours = ((first_minute_of_day + np.arange(n)) % MINUTES_PER_DAY) / 60.0
    return np.cos(2.0 * math.pi * (hours - SEASON_PEAK_HOUR) / 24.0)


@dataclass(frozen=True)
class Shocks:
    """Every random draw of the skeleton, per minute from the origin (the draw step)."""

    eps_vol: F64
    z: F64
    u_jump: F64
    jump_sizes: F64
    jump_at: F64
    eps_basis: F64
    eps_oi: F64
    drift: F64 | None = None  # scenarios: log-price drift per minute (see Skeleton.drift)
    basis: F64 | None = None  # scenarios: added to the basis at minute starts (squeezes)
    oi: F64 | None = None  # scenarios: added to the log open interest (cascades)


def _draw(preset: Preset, *, seed: int, instrument: int, days: int) -> Shocks:
    k = len(preset.vol_stds)
    size = days * MINUTES_PER_DAY
    eps_vol = np.empty((k, size))
    z = np.empty(size)
    u_jump = np.empty_like(z)
    jump_sizes = np.empty((size, MAX_JUMPS_PER_MINUTE))
    jump_at = np.empty_like(z)
    eps_basis = np.empty_like(z)
    eps_oi = np.empty_like(z)
    for day in range(days):
        rng = stream_rng(seed, instrument, Stream.SKELETON, day)
        sl = slice(day * MINUTES_PER_DAY, (day + 1) * MINUTES_PER_DAY)
        eps_vol[:, sl] = rng.standard_normal((k, MINUTES_PER_DAY))
        z[sl] = rng.standard_normal(MINUTES_PER_DAY)
        u_jump[sl] = rng.random(MINUTES_PER_DAY)
        jump_sizes[sl] = rng.laplace(0.0, 1.0, (MINUTES_PER_DAY, MAX_JUMPS_PER_MINUTE))
        jump_at[sl] = rng.random(MINUTES_PER_DAY)
        eps_basis[sl] = rng.standard_normal(MINUTES_PER_DAY)
        eps_oi[sl] = rng.standard_normal(MINUTES_PER_DAY)
    return Shocks(eps_vol, z, u_jump, jump_sizes, jump_at, eps_basis, eps_oi)


class Market(Protocol):
    """Shared draws of a market of several assets and venues (``reactor/_market.py``).

    The seam where an instrument's own shocks give way to its asset's and the market's, so
    that instruments of one dataset co-move while each is still built alone. It sits between
    the draw and the overlay: scenarios transform the market's shocks like the instrument's.
    """

    def shocks(self, own: Shocks) -> Shocks:
        """Return the shocks with the shared parts in place of the instrument's own."""
        ...

    def jumps(self, intensity: F64) -> F64:
        """Return the jump in log price of every minute, given the jump intensity multiplier."""
        ...

    def finish(self, skeleton: Skeleton) -> Skeleton:
        """Return the skeleton with the venue's own premium added."""
        ...


def _overlay(
    shocks: Shocks, scenarios: tuple[ScenarioWindow, ...], *, seed: int, instrument: int
) -> Shocks:
    # The overlay seam: scenarios transform the shocks over their windows here, each from its
    # own keyed stream. With no scenario the shocks pass through unchanged (same bytes).
    drift = crash_drift(
        scenarios, seed=seed, instrument=instrument, n=shocks.z.shape[0] + 1,
        origin=HISTORY_MINUTES,
    )  # fmt: skip
    basis = basis_offset(scenarios, n=shocks.z.shape[0] + 1, origin=HISTORY_MINUTES)
    oi = oi_offset(
        scenarios, seed=seed, instrument=instrument, n=shocks.z.shape[0] + 1,
        origin=HISTORY_MINUTES,
    )  # fmt: skip
    if drift is None and basis is None and oi is None:
        return shocks
    return replace(shocks, drift=drift, basis=basis, oi=oi)


#: Volatility factors at least this slow (minutes) drive activity with ``activity_slow_exponent``.
SLOW_FACTOR_MIN = 60.0


def _activity_exponent(preset: Preset, j: int) -> float:
    """Return how strongly activity follows volatility factor ``j`` (log-log slope).

    Within the hour, trading follows volatility closely (``activity_exponent``): bursts of
    volatility come with bursts of orders, which keeps the 1 s counts overdispersed. Across
    hours, real BTC volume is dominated by its intraday profile rather than by slow volatility
    swings, so factors slower than an hour (and the seasonal volatility term, whose activity
    profile is set by ``season_activity_amplitude``) use ``activity_slow_exponent``. With one
    exponent for every factor the random hour-scale volatility set the hourly volume profile
    (max / min 6.1-6.6 on seeds 5 and 7 over two days; a real Binance day: 3.35).
    """
    if preset.vol_timescales_min[j] >= SLOW_FACTOR_MIN:
        return preset.activity_slow_exponent
    return preset.activity_exponent


def _integrate(
    preset: Preset,
    shocks: Shocks,
    *,
    n: int,
    sigma_scale: float,
    initial_price: float,
    season: F64,
    market: Market | None = None,
) -> Skeleton:
    k = len(preset.vol_stds)
    seasonal = preset.season_sigma_amplitude * season
    log_vol = seasonal.copy()
    log_activity = preset.activity_slow_exponent * seasonal
    for j in range(k):
        phi = math.exp(-1.0 / preset.vol_timescales_min[j])
        factor = _ar1(shocks.eps_vol[j, :n], phi, preset.vol_stds[j])[:n] - preset.vol_stds[j] ** 2
        log_vol = log_vol + factor
        log_activity = log_activity + _activity_exponent(preset, j) * factor
    ref_sigma = preset.sigma_minute * sigma_scale
    sigma = ref_sigma * np.exp(log_vol)
    activity = np.exp(log_activity)

    diffusion = sigma * shocks.z[:n]
    # A scenario's latent move: part of the minute endpoints, spread evenly over clock time
    # inside each minute by the bridge (not in bursty business time, so the book can follow).
    drift = None if shocks.drift is None else shocks.drift[:n]
    # Jumps come with volatility, whatever the response of trading activity to it.
    intensity = (sigma / ref_sigma) ** preset.jump_exponent
    if market is not None:
        # One volatility path for the market, so one jump intensity shared by every asset.
        jump = market.jumps(intensity)
    else:
        lam = preset.jump_rate_per_day / MINUTES_PER_DAY * intensity
        counts = _poisson_inverse(shocks.u_jump[:n], lam, MAX_JUMPS_PER_MINUTE)
        mask = np.arange(MAX_JUMPS_PER_MINUTE)[None, :] < counts[:, None]
        sizes = np.where(mask, shocks.jump_sizes[:n], 0.0).sum(axis=1)
        jump = preset.jump_scale * sigma_scale * sizes

    log_price = np.empty(n + 1)
    log_price[0] = 0.0
    np.cumsum(diffusion + jump if drift is None else diffusion + jump + drift, out=log_price[1:])
    log_price += math.log(initial_price) - log_price[HISTORY_MINUTES]

    phi_b = math.exp(-1.0 / preset.basis_timescale_min)
    basis = preset.basis_mean_bps * 1e-4 + _ar1(
        shocks.eps_basis[:n], phi_b, preset.basis_std_bps * 1e-4
    )
    if shocks.basis is not None:
        basis = basis + shocks.basis[: n + 1]
    phi_oi = math.exp(-1.0 / preset.open_interest_timescale_min)
    log_oi = _ar1(shocks.eps_oi[:n], phi_oi, preset.open_interest_vol)
    if shocks.oi is not None:
        log_oi = log_oi + shocks.oi[: log_oi.shape[0]]
    return Skeleton(
        log_price_start=log_price,
        sigma=sigma,
        activity=activity,
        diffusion=diffusion,
        jump=jump,
        jump_at=shocks.jump_at[:n],
        basis_start=basis,
        log_oi_start=log_oi,
        season=preset.season_activity_amplitude * season,
        drift=drift,
    )


def build_skeleton(
    preset: Preset,
    *,
    sigma_scale: float,
    initial_price: float,
    seed: int,
    instrument: int,
    end_minute: int,
    start_minute_of_day: int = 0,
    seasonality: str = "crypto",
    scenarios: tuple[ScenarioWindow, ...] = (),
    market: Market | None = None,
    scenario_key: int | None = None,
) -> Skeleton:
    """Return the skeleton from the origin up to dataset minute ``end_minute`` (exclusive).

    The values for a minute never depend on ``end_minute``: a longer skeleton extends a
    shorter one exactly. With ``market``, volatility, returns and jumps come from the shared
    market and the instrument's asset instead of the instrument's own stream; scenarios
    overlay them all the same, their shapes drawn with ``scenario_key`` (default: the
    instrument's key; the market passes the asset's, so one crash has one shape on every
    venue of the asset).
    """
    n = end_minute + HISTORY_MINUTES
    days = -(-n // MINUTES_PER_DAY)
    shocks = _draw(preset, seed=seed, instrument=instrument, days=days)
    if market is not None:
        shocks = market.shocks(shocks)
    shocks = _overlay(
        shocks,
        scenarios,
        seed=seed,
        instrument=instrument if scenario_key is None else scenario_key,
    )
    origin = (start_minute_of_day - HISTORY_MINUTES) % MINUTES_PER_DAY
    skeleton = _integrate(
        preset,
        shocks,
        n=n,
        sigma_scale=sigma_scale,
        initial_price=initial_price,
        season=seasonal_profile(seasonality, origin, n),
        market=market,
    )
    return skeleton if market is None else market.finish(skeleton)
