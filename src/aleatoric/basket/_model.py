"""Per-minute log returns of a basket: one market factor, a common jump process, own parts.

Every asset's minute return is

    r_i(t) = sigma_i v(t) (beta_i ((1 - d_i) f(t) + d_i f(t - 1)) + sqrt(1 - beta_i**2) e_i(t))
             + C(t) 1[u_i(t) < p_i] s_i J(t) m_i(t) + I_i(t) K_i(t)

with the factor ``f``, the common jump indicator ``C`` and market jump ``J`` drawn from the
shared factor's stream, and ``e``, ``u``, ``m``, ``I``, ``K`` from the asset's own stream. Every
stream is keyed (by factor name or base asset, and by day) and draws the same shapes whatever
happens, so adding an asset to a basket changes no other asset's returns, and any range of
minutes comes out the same however the work is split. The one-minute lag ``d_i`` makes the
correlation at one minute lower than at an hour (the Epps effect) while the factor's long-run
weight stays ``beta_i``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, asset_key, factor_key, stream_rng
from aleatoric.basket._params import AssetLoading, BasketRegime

__all__ = [
    "MINUTES_PER_DAY",
    "BasketPath",
    "basket_returns",
    "correlation_at_horizon",
    "implied_correlation",
]

F64 = npt.NDArray[np.float64]
B8 = npt.NDArray[np.bool_]
MINUTES_PER_DAY = 1440
#: Log-normal noise of an asset's share of a common jump (mean one).
_SIZE_NOISE = 0.3
_MARKET = "market"


@dataclass(frozen=True)
class BasketPath:
    """Minute returns of a basket over ``[first_minute, last_minute)``.

    ``jumps[base]`` marks the minutes in which the asset jumped (its part of a common jump or
    its own), ``common`` the minutes of a common jump.
    """

    first_minute: int
    last_minute: int
    returns: dict[str, F64]
    jumps: dict[str, B8]
    common: B8


@dataclass(frozen=True)
class _Factor:
    f: F64
    common: B8
    size: F64


@dataclass(frozen=True)
class _Own:
    e: F64
    u: F64
    m: F64
    idio: B8
    idio_size: F64


def _factor_day(seed: int, day: int, regime: BasketRegime) -> _Factor:
    rng = stream_rng(seed, factor_key(_MARKET), Stream.BASKET_FACTOR, day)
    f = rng.standard_normal(MINUTES_PER_DAY)
    count = rng.poisson(regime.common_jumps_per_day / MINUTES_PER_DAY, MINUTES_PER_DAY)
    size = rng.laplace(0.0, 1.0, MINUTES_PER_DAY) * regime.common_jump_scale
    return _Factor(f, count > 0, size)


def _own_day(seed: int, day: int, base: str, load: AssetLoading, regime: BasketRegime) -> _Own:
    rng = stream_rng(seed, asset_key(base), Stream.BASKET_ASSET, day)
    e = rng.standard_normal(MINUTES_PER_DAY)
    u = rng.random(MINUTES_PER_DAY)
    z = rng.standard_normal(MINUTES_PER_DAY)
    m = np.exp(_SIZE_NOISE * z - 0.5 * _SIZE_NOISE**2)
    count = rng.poisson(regime.idio_rate(load) / MINUTES_PER_DAY, MINUTES_PER_DAY)
    size = rng.laplace(0.0, 1.0, MINUTES_PER_DAY) * regime.idio_jump_scale * load.jump_size
    return _Own(e, u, m, count > 0, size)


def _days(first: int, last: int) -> range:
    return range(first // MINUTES_PER_DAY, (last - 1) // MINUTES_PER_DAY + 1)


def basket_returns(
    loadings: dict[str, AssetLoading],
    sigmas: dict[str, float],
    regime: BasketRegime,
    *,
    seed: int,
    first_minute: int,
    last_minute: int,
    vol: F64 | None = None,
) -> BasketPath:
    """Return the minute log returns of every asset of ``loadings`` over a range of minutes.

    ``sigmas`` holds each asset's diffusive standard deviation per minute; ``vol`` an optional
    shared multiplier per minute of the range (the market's volatility path), ones if omitted.
    Minutes count from the dataset start and may be negative (warm-up).
    """
    if last_minute <= first_minute:
        raise ValueError(f"last_minute must exceed first_minute, was {first_minute}..{last_minute}")
    n = last_minute - first_minute
    v = np.ones(n) if vol is None else np.asarray(vol, dtype=np.float64)
    if v.shape != (n,):
        raise ValueError(f"vol must hold one value per minute ({n}), was shape {v.shape}")
    # One extra minute in front for the lagged factor.
    lo = first_minute - 1
    days = _days(lo, last_minute)
    offset = lo - days[0] * MINUTES_PER_DAY
    facs = [_factor_day(seed, d, regime) for d in days]
    f_all = np.concatenate([x.f for x in facs])[offset : offset + n + 1]
    common = np.concatenate([x.common for x in facs])[offset + 1 : offset + n + 1]
    jump = np.concatenate([x.size for x in facs])[offset + 1 : offset + n + 1]
    f_now, f_prev = f_all[1:], f_all[:-1]
    returns: dict[str, F64] = {}
    jumps: dict[str, B8] = {}
    for base, load in loadings.items():
        owns = [_own_day(seed, d, base, load, regime) for d in days]
        sl = slice(offset + 1, offset + n + 1)
        e = np.concatenate([o.e for o in owns])[sl]
        u = np.concatenate([o.u for o in owns])[sl]
        m = np.concatenate([o.m for o in owns])[sl]
        idio = np.concatenate([o.idio for o in owns])[sl]
        idio_size = np.concatenate([o.idio_size for o in owns])[sl]
        d = load.lag_share
        factor = (1.0 - d) * f_now + d * f_prev
        diffusive = load.beta * factor + math.sqrt(1.0 - load.beta**2) * e
        takes_part = common & (u < regime.participation(load))
        r = sigmas[base] * v * diffusive
        r = r + np.where(takes_part, load.jump_size * jump * m, 0.0)
        r = r + np.where(idio, idio_size, 0.0)
        returns[base] = r
        jumps[base] = takes_part | idio
    return BasketPath(first_minute, last_minute, returns, jumps, common)


def implied_correlation(
    loadings: dict[str, AssetLoading], sigmas: dict[str, float], regime: BasketRegime
) -> tuple[tuple[str, ...], F64]:
    """Return the configured correlation matrix of returns over long horizons (an hour and up).

    Diffusive covariance ``sigma_i sigma_j beta_i beta_j`` plus the common jumps' covariance,
    over variances that include every jump; exact for sums of many minutes with ``vol`` at one.
    """
    names = tuple(loadings)
    rate_c = -math.expm1(-regime.common_jumps_per_day / MINUTES_PER_DAY)
    ej2 = 2.0 * regime.common_jump_scale**2
    em2 = math.exp(_SIZE_NOISE**2)
    k = len(names)
    cov = np.empty((k, k))
    for a, i in enumerate(names):
        li, pi = loadings[i], regime.participation(loadings[i])
        for b, j in enumerate(names):
            lj, pj = loadings[j], regime.participation(loadings[j])
            if a == b:
                rate_i = -math.expm1(-regime.idio_rate(li) / MINUTES_PER_DAY)
                idio = rate_i * 2.0 * (regime.idio_jump_scale * li.jump_size) ** 2
                cov[a, b] = sigmas[i] ** 2 + rate_c * pi * li.jump_size**2 * ej2 * em2 + idio
            else:
                diff = sigmas[i] * sigmas[j] * li.beta * lj.beta
                cov[a, b] = diff + rate_c * pi * pj * li.jump_size * lj.jump_size * ej2
    sd = np.sqrt(np.diag(cov))
    return names, cov / np.outer(sd, sd)


def correlation_at_horizon(
    loadings: dict[str, AssetLoading],
    sigmas: dict[str, float],
    regime: BasketRegime,
    minutes: int,
    *,
    jump_rate_scale: float = 1.0,
) -> tuple[tuple[str, ...], F64]:
    """Return the model's correlation matrix of returns summed over ``minutes`` minutes.

    This is the reactor's form (``reactor/_market.py``): asset ``i`` follows the factor with a
    pure delay of ``d_i`` minutes (``lag_share``), so over ``h`` minutes the factor parts of
    assets ``i`` and ``j`` overlap for ``h - |d_i - d_j|`` minutes: below an hour the
    correlation is lower than at long horizons (the Epps effect of the model), and minute
    returns stay uncorrelated in time. ``jump_rate_scale`` multiplies every jump rate (the
    mean activity when jumps arrive faster in volatile minutes).
    """
    if minutes < 1:
        raise ValueError(f"minutes must be 1 or more, was {minutes}")
    names = tuple(loadings)
    h = float(minutes)
    rate_c = -math.expm1(-regime.common_jumps_per_day * jump_rate_scale / MINUTES_PER_DAY)
    ej2 = 2.0 * regime.common_jump_scale**2
    em2 = math.exp(_SIZE_NOISE**2)
    k = len(names)
    cov = np.empty((k, k))
    for a, i in enumerate(names):
        li, pi = loadings[i], regime.participation(loadings[i])
        for b, j in enumerate(names):
            lj, pj = loadings[j], regime.participation(loadings[j])
            f_cov = h - abs(round(li.lag_share * 60) - round(lj.lag_share * 60)) / 60.0
            if a == b:
                rate_i = -math.expm1(-regime.idio_rate(li) * jump_rate_scale / MINUTES_PER_DAY)
                idio = rate_i * 2.0 * (regime.idio_jump_scale * li.jump_size) ** 2
                diff = sigmas[i] ** 2 * h
                common = rate_c * pi * li.jump_size**2 * ej2 * em2
                cov[a, b] = diff + h * (common + idio)
            else:
                diff = sigmas[i] * sigmas[j] * li.beta * lj.beta * f_cov
                cov[a, b] = diff + h * rate_c * pi * pj * li.jump_size * lj.jump_size * ej2
    sd = np.sqrt(np.diag(cov))
    return names, cov / np.outer(sd, sd)
