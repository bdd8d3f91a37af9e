"""One market across instruments: shared volatility, a market factor, common jumps, venues.

The skeleton of every instrument is still built alone (segments and workers stay
independent), but its random parts come from three kinds of keyed streams instead of the
instrument's own (docs/baskets.md):

- the **market** (``factor_key("market")``, ``Stream.MARKET``): the log-volatility shocks,
  the market factor ``f`` and the common jump process (arrival uniforms, market jump sizes,
  jump instants), the same for every instrument of every dataset with the seed;
- the **asset** (``asset_key(base)``, ``Stream.ASSET``): the asset's own diffusive shocks,
  its participation in and share of common jumps, its own jumps and the common basis, the
  same for the asset on every venue (one efficient price per asset);
- the **venue** (the instrument key, ``Stream.VENUE``): the instrument's small premium over
  its asset, inside the no-arbitrage band.

No stream is keyed by the set of instruments in a dataset, so adding an instrument changes
no other instrument's bytes; a dataset of one instrument is the same model with one asset.
The minute return of asset ``i`` is ``sigma_i(t) z_i(t) + jump_i(t)`` with

    z_i(t)    = beta_i f_i(t) + sqrt(1 - beta_i**2) e_i(t)
    jump_i(t) = sum over common jumps k in t of 1[u_ik < p_i] s_i m_ik J_k
                + sum over own jumps of K_ik

where ``f_i(t)`` is the market factor's minute ``t`` delayed by ``d_i`` (``lag_share``) of a
minute, on one-second steps (a pure delay: no autocorrelation, lower correlation at short
horizons), and the common jumps arrive at ``common_jumps_per_day`` times the market's jump
intensity (its volatility to the preset's ``jump_exponent``, as in the skeleton: more jumps
when volatility is high, and in the volatile regime more of them shared).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, asset_key, factor_key, stream_rng
from aleatoric.basket import (
    AssetLoading,
    BasketRegime,
    VenueLink,
    asset_loading,
    basket_regime,
    venue_link,
)
from aleatoric.config import Preset
from aleatoric.reactor._flow import NS_PER_MINUTE, STEP_NS, STEPS_PER_MINUTE
from aleatoric.reactor._latent import latent_log_path
from aleatoric.reactor._perp import interp_minutes
from aleatoric.reactor._scenarios import ScenarioWindow
from aleatoric.reactor._skeleton import (
    HISTORY_MINUTES,
    MAX_JUMPS_PER_MINUTE,
    MINUTES_PER_DAY,
    Shocks,
    Skeleton,
    _ar1,
    _poisson_inverse,
    build_skeleton,
)

__all__ = [
    "MarketDraws",
    "draw_market",
    "market_skeleton",
    "venue_delay_steps",
    "venue_log_path",
]

F64 = npt.NDArray[np.float64]
#: Log-normal noise of an asset's share of a common jump (mean one), as in the basket model.
SIZE_NOISE = 0.3
SECONDS_PER_MINUTE = 60
_MARKET = factor_key("market")


@dataclass(frozen=True)
class MarketDraws:
    """The shared and per-asset draws of one instrument's skeleton; a :class:`Market`."""

    loading: AssetLoading
    regime: BasketRegime
    eps_vol: F64
    f_sec: F64
    u_common: F64
    common_size: F64
    jump_at: F64
    e: F64
    u_take: F64
    m: F64
    u_own: F64
    own_size: F64
    eps_basis: F64
    eps_venue: F64

    def shocks(self, own: Shocks) -> Shocks:
        """Return ``own`` with volatility, returns, jump instants and basis shared."""
        lo = self.loading
        z = lo.beta * self.factor() + math.sqrt(1.0 - lo.beta**2) * self.e
        return replace(
            own, eps_vol=self.eps_vol, z=z, jump_at=self.jump_at, eps_basis=self.eps_basis
        )

    def factor(self) -> F64:
        """Return the market factor's minute shocks as this asset sees them (unit variance).

        The asset follows the factor ``lag_share`` of a minute late, on one-second steps: its
        minute ``t`` sums the factor's seconds ``[60 t - s, 60 t + 60 - s)``. A pure delay
        keeps the minute returns uncorrelated in time and lowers the correlation with a
        leader over ``h`` minutes by ``s / (60 h)`` (the Epps effect of the model).
        """
        s = round(self.loading.lag_share * SECONDS_PER_MINUTE)
        sec = self.f_sec if s == 0 else np.concatenate([np.zeros(s), self.f_sec[:-s]])
        out: F64 = sec.reshape(-1, SECONDS_PER_MINUTE).sum(axis=1) / math.sqrt(SECONDS_PER_MINUTE)
        return out

    def jumps(self, intensity: F64) -> F64:
        """Return every minute's jump: the asset's part of common jumps plus its own.

        ``intensity`` multiplies every jump rate: the market's volatility to the preset's
        ``jump_exponent``, one path for every asset, so common jumps cluster in volatile
        hours on every asset at once (a shared jump intensity).
        """
        n = intensity.shape[0]
        lo, rg = self.loading, self.regime
        slots = np.arange(MAX_JUMPS_PER_MINUTE)[None, :]
        lam_c = rg.common_jumps_per_day / MINUTES_PER_DAY * intensity
        common = _poisson_inverse(self.u_common[:n], lam_c, MAX_JUMPS_PER_MINUTE)
        takes = (slots < common[:, None]) & (self.u_take[:n] < rg.participation(lo))
        shared = lo.jump_size * rg.common_jump_scale * self.common_size[:n] * self.m[:n]
        lam_o = rg.idio_rate(lo) / MINUTES_PER_DAY * intensity
        own = _poisson_inverse(self.u_own[:n], lam_o, MAX_JUMPS_PER_MINUTE)
        own_part = rg.idio_jump_scale * lo.jump_size * self.own_size[:n]
        parts = np.where(takes, shared, 0.0) + np.where(slots < own[:, None], own_part, 0.0)
        out: F64 = parts.sum(axis=1)
        return out

    def finish(self, skeleton: Skeleton) -> Skeleton:
        """Return ``skeleton`` with the venue's premium over its asset added to the basis."""
        n = skeleton.sigma.shape[0]
        rg = self.regime
        phi = math.exp(-1.0 / rg.venue_premium_timescale_min)
        raw = _ar1(self.eps_venue[:n], phi, rg.venue_premium_std_bps * 1e-4)
        # Softly capped: arbitrageurs keep a venue's premium inside the no-arbitrage band.
        cap = rg.venue_premium_cap_bps * 1e-4
        premium = cap * np.tanh(raw / cap) if cap > 0 else np.zeros_like(raw)
        return replace(skeleton, basis_start=skeleton.basis_start + premium, premium_start=premium)


def _market_day(seed: int, day: int, k: int) -> tuple[F64, ...]:
    rng = stream_rng(seed, _MARKET, Stream.MARKET, day)
    eps_vol = rng.standard_normal((k, MINUTES_PER_DAY))
    f_sec = rng.standard_normal(MINUTES_PER_DAY * SECONDS_PER_MINUTE)
    u_common = rng.random(MINUTES_PER_DAY)
    size = rng.laplace(0.0, 1.0, (MINUTES_PER_DAY, MAX_JUMPS_PER_MINUTE))
    jump_at = rng.random(MINUTES_PER_DAY)
    return eps_vol, f_sec, u_common, size, jump_at


def _asset_day(seed: int, day: int, base: str) -> tuple[F64, ...]:
    rng = stream_rng(seed, asset_key(base), Stream.ASSET, day)
    shape = (MINUTES_PER_DAY, MAX_JUMPS_PER_MINUTE)
    e = rng.standard_normal(MINUTES_PER_DAY)
    u_take = rng.random(shape)
    m = np.exp(SIZE_NOISE * rng.standard_normal(shape) - 0.5 * SIZE_NOISE**2)
    u_own = rng.random(MINUTES_PER_DAY)
    own_size = rng.laplace(0.0, 1.0, shape)
    eps_basis = rng.standard_normal(MINUTES_PER_DAY)
    return e, u_take, m, u_own, own_size, eps_basis


def draw_market(preset: Preset, *, seed: int, base: str, instrument: int, days: int) -> MarketDraws:
    """Return the market, asset and venue draws of ``days`` skeleton days (from the origin)."""
    k = len(preset.vol_stds)
    mk = [_market_day(seed, d, k) for d in range(days)]
    asset = [_asset_day(seed, d, base) for d in range(days)]
    venue = [
        stream_rng(seed, instrument, Stream.VENUE, d).standard_normal(MINUTES_PER_DAY)
        for d in range(days)
    ]
    return MarketDraws(
        loading=asset_loading(base),
        regime=basket_regime(preset.name),
        eps_vol=np.concatenate([x[0] for x in mk], axis=1),
        f_sec=np.concatenate([x[1] for x in mk]),
        u_common=np.concatenate([x[2] for x in mk]),
        common_size=np.concatenate([x[3] for x in mk]),
        jump_at=np.concatenate([x[4] for x in mk]),
        e=np.concatenate([x[0] for x in asset]),
        u_take=np.concatenate([x[1] for x in asset]),
        m=np.concatenate([x[2] for x in asset]),
        u_own=np.concatenate([x[3] for x in asset]),
        own_size=np.concatenate([x[4] for x in asset]),
        eps_basis=np.concatenate([x[5] for x in asset]),
        eps_venue=np.concatenate(venue),
    )


def market_skeleton(
    preset: Preset,
    *,
    base: str,
    sigma_scale: float,
    initial_price: float,
    seed: int,
    instrument: int,
    end_minute: int,
    start_minute_of_day: int = 0,
    seasonality: str = "crypto",
    scenarios: tuple[ScenarioWindow, ...] = (),
) -> Skeleton:
    """Return an instrument's skeleton drawn from the shared market and its asset.

    Every instrument of one base asset gets the same volatility, returns and jumps (one
    efficient price); its basis differs from the asset's by the venue's own premium.
    Scenarios overlay the market's shocks as they would the instrument's own; a crash's
    shape is drawn with the asset's key, so a crash that applies to several venues of one
    asset moves them as one efficient price.
    """
    days = -(-(end_minute + HISTORY_MINUTES) // MINUTES_PER_DAY)
    draws = draw_market(preset, seed=seed, base=base, instrument=instrument, days=days)
    return build_skeleton(
        preset,
        sigma_scale=sigma_scale,
        initial_price=initial_price,
        seed=seed,
        instrument=instrument,
        end_minute=end_minute,
        start_minute_of_day=start_minute_of_day,
        seasonality=seasonality,
        scenarios=scenarios,
        market=draws,
        scenario_key=asset_key(base),
    )


def venue_delay_steps(venue: str, step_ns: int) -> float:
    """Return the venue's lag behind the efficient price in (fractional) kernel steps."""
    link: VenueLink = venue_link(venue)
    return link.delay_ms * 1e6 / step_ns


def venue_log_path(
    skeleton: Skeleton,
    *,
    seed: int,
    base: str,
    venue: str,
    first_minute: int,
    last_minute: int,
    origin_ns: int,
    ramp_steps: int,
    burst_sigma: float,
) -> tuple[F64, F64]:
    """Return one venue's latent log price at every step of ``[first_minute, last_minute)``
    and each second's variance multiplier.

    The asset's efficient log price (its bridge keyed by the asset: one price on every
    venue), seen by this venue ``delay_ms`` late (linear between steps, so tens of ms show)
    plus its own premium. One minute in front gives the delayed path its past.
    """
    eff, bursts = latent_log_path(
        skeleton,
        seed=seed,
        instrument=asset_key(base),
        first_minute=first_minute - 1,
        last_minute=last_minute,
        ramp_steps=ramp_steps,
        burst_sigma=burst_sigma,
    )
    delay = venue_delay_steps(venue, STEP_NS)
    whole, frac = int(delay), delay - int(delay)
    n = (last_minute - first_minute) * STEPS_PER_MINUTE
    at = STEPS_PER_MINUTE - whole
    log_path: F64 = (1.0 - frac) * eff[at : at + n] + frac * eff[at - 1 : at - 1 + n]
    premium = skeleton.premium_start
    if premium is not None:
        t = origin_ns + first_minute * NS_PER_MINUTE + STEP_NS * np.arange(n)
        log_path = log_path + interp_minutes(premium, t, origin_ns)
    return log_path, bursts[1:]
