"""Pure NumPy statistics behind the realism scorecard.

Every function takes array-likes, ignores nothing silently (callers drop non-finite values
where that is meaningful) and returns plain floats or float arrays, so results serialize
to JSON without conversion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "acf",
    "excess_kurtosis",
    "fano_factor",
    "hill_tail_index",
    "horizon_kurtosis",
    "log_returns",
    "pearson",
    "power_law_exponent",
    "summary",
    "wasserstein1",
]

F64 = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


def _finite(x: ArrayLike) -> F64:
    arr = np.asarray(x, dtype=np.float64).ravel()
    return arr[np.isfinite(arr)]


def log_returns(prices: ArrayLike) -> F64:
    """Return the log returns ``log(p[t] / p[t-1])`` of a price series.

    Parameters
    ----------
    prices
        Strictly positive prices in time order.

    Returns
    -------
    numpy.ndarray
        One return fewer than prices (empty for fewer than two prices).

    Raises
    ------
    ValueError
        If a price is not strictly positive and finite.
    """
    p = np.asarray(prices, dtype=np.float64).ravel()
    if p.size and not (np.all(np.isfinite(p)) and np.all(p > 0.0)):
        raise ValueError("prices must be finite and strictly positive")
    if p.size < 2:
        return np.empty(0, dtype=np.float64)
    return np.diff(np.log(p))


def hill_tail_index(x: ArrayLike, k: int | None = None) -> float:
    """Return the Hill estimate of the tail index of ``|x|``.

    With the order statistics ``X(1) >= X(2) >= ...`` of the non-zero ``|x|``, the estimate
    is ``1 / mean(log X(i) - log X(k+1), i = 1..k)``. A Pareto tail ``P(|X| > u) ~ u^-alpha``
    gives ``alpha``; real asset returns at minute horizons typically give 2.5 to 4.

    Parameters
    ----------
    x
        Sample; signs are ignored, zeros and non-finite values are dropped.
    k
        Number of upper order statistics; default 5 % of the sample, at least 10.

    Returns
    -------
    float
        The tail index, or NaN when the sample has no more than ``k`` non-zero values.
    """
    a = np.abs(_finite(x))
    a = a[a > 0.0]
    n = a.size
    if k is None:
        k = max(10, int(0.05 * n))
    if k < 1:
        raise ValueError(f"k must be at least 1, was {k}")
    if n <= k:
        return math.nan
    top = np.sort(a)[::-1][: k + 1]
    mean_excess = float(np.mean(np.log(top[:k]) - math.log(top[k])))
    return 1.0 / mean_excess if mean_excess > 0.0 else math.inf


def excess_kurtosis(x: ArrayLike) -> float:
    """Return the sample excess kurtosis ``m4 / m2**2 - 3`` (0 for a normal distribution).

    Uses the biased (population) central moments. NaN for fewer than 4 finite values or a
    constant sample.
    """
    a = _finite(x)
    if a.size < 4:
        return math.nan
    d = a - a.mean()
    m2 = float(np.mean(d * d))
    if m2 == 0.0:
        return math.nan
    m4 = float(np.mean(d**4))
    return m4 / (m2 * m2) - 3.0


def horizon_kurtosis(minute_returns: ArrayLike, minutes: int) -> float:
    """Return the excess kurtosis of ``minutes``-minute returns, averaged over the grid's phases.

    Returns over ``minutes`` are sums of consecutive 1-minute returns; there are ``minutes``
    ways to place the grid (start at minute 0, 1, ...). One placement uses 1/``minutes`` of
    the data, and the fourth moment of heavy-tailed returns is so noisy that two horizons of
    a two-day sample can swap order by chance; the mean over every placement measures the same
    quantity with all the data. Placements with fewer than 4 returns are left out; NaN if none
    has 4.
    """
    r = _finite(minute_returns)
    path = np.concatenate(([0.0], np.cumsum(r)))
    values = [
        excess_kurtosis(np.diff(path[phase::minutes]))
        for phase in range(minutes)
        if (path.size - 1 - phase) // minutes >= 4
    ]
    values = [v for v in values if math.isfinite(v)]
    return float(np.mean(values)) if values else math.nan


def acf(x: ArrayLike, lags: Sequence[int] | ArrayLike) -> F64:
    """Return the sample autocorrelation of ``x`` at each lag in ``lags``.

    The standard estimator ``sum(d[t] d[t+k]) / sum(d[t]^2)`` with ``d = x - mean(x)``; lags at
    or beyond the sample length give NaN, lag 0 gives 1.

    Parameters
    ----------
    x
        Series in time order (non-finite values are not allowed).
    lags
        Non-negative integer lags.
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    ks = np.asarray(lags, dtype=np.int64).ravel()
    if np.any(ks < 0):
        raise ValueError("lags must be non-negative")
    if not np.all(np.isfinite(a)):
        raise ValueError("x must be finite")
    out = np.full(ks.size, np.nan)
    if a.size < 2:
        return out
    d = a - a.mean()
    denom = float(np.dot(d, d))
    if denom == 0.0:
        return out
    for i, k in enumerate(ks):
        if k < a.size:
            out[i] = float(np.dot(d[: a.size - k], d[k:])) / denom
    return out


def fano_factor(counts: ArrayLike) -> float:
    """Return the Fano factor ``var / mean`` of event counts in equal windows.

    1 for a Poisson process; above 1 when events cluster. Uses the unbiased variance; NaN for
    fewer than two windows or a zero mean.
    """
    c = _finite(counts)
    if c.size < 2:
        return math.nan
    mean = float(c.mean())
    if mean == 0.0:
        return math.nan
    return float(c.var(ddof=1)) / mean


def wasserstein1(a: ArrayLike, b: ArrayLike) -> float:
    """Return the exact 1-Wasserstein distance between two 1-D empirical distributions.

    Computed as the integral of ``|F_a(t) - F_b(t)|`` over the merged support, which equals the
    integral of the absolute difference of the quantile functions. Ties are collapsed first
    (sizes and times on a grid repeat a lot), which keeps large samples fast and changes
    nothing in the result. Non-finite values are dropped; NaN when either sample is empty.
    """
    u, cu = np.unique(_finite(a), return_counts=True)
    v, cv = np.unique(_finite(b), return_counts=True)
    if u.size == 0 or v.size == 0:
        return math.nan
    support = np.union1d(u, v)
    widths = np.diff(support)
    cdf_u = np.concatenate([[0.0], np.cumsum(cu) / cu.sum()])
    cdf_v = np.concatenate([[0.0], np.cumsum(cv) / cv.sum()])
    fu = cdf_u[np.searchsorted(u, support[:-1], side="right")]
    fv = cdf_v[np.searchsorted(v, support[:-1], side="right")]
    return float(np.sum(np.abs(fu - fv) * widths))


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Return the Pearson correlation of paired samples (pairs with a non-finite value dropped).

    NaN for fewer than three pairs or a constant series.
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError("x and y must have the same length")
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if a.size < 3:
        return math.nan
    da, db = a - a.mean(), b - b.mean()
    denom = math.sqrt(float(np.dot(da, da)) * float(np.dot(db, db)))
    return float(np.dot(da, db)) / denom if denom > 0.0 else math.nan


def power_law_exponent(lags: ArrayLike, values: ArrayLike) -> float:
    """Return ``beta`` of the least-squares fit ``values ~ c * lags^-beta`` in log-log space.

    Only points with positive lag and positive value enter the fit; NaN for fewer than three.
    """
    x = np.asarray(lags, dtype=np.float64).ravel()
    y = np.asarray(values, dtype=np.float64).ravel()
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0.0) & (y > 0.0)
    if int(keep.sum()) < 3:
        return math.nan
    slope = np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)[0]
    return -float(slope)


def summary(x: ArrayLike) -> dict[str, float]:
    """Return count, mean, standard deviation and quantiles of the finite values of ``x``."""
    a = _finite(x)
    if a.size == 0:
        return {"n": 0.0}
    q = np.quantile(a, [0.01, 0.05, 0.5, 0.95, 0.99])
    return {
        "n": float(a.size),
        "mean": float(a.mean()),
        "std": float(a.std(ddof=1)) if a.size > 1 else math.nan,
        "min": float(a.min()),
        "p01": float(q[0]),
        "p05": float(q[1]),
        "median": float(q[2]),
        "p95": float(q[3]),
        "p99": float(q[4]),
        "max": float(a.max()),
    }
