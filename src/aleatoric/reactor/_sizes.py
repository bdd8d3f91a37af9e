"""Order sizes: a log-normal body, a power-law tail, and clustering on round numbers.

Real trade sizes have a power-law tail (Hill index near 1 on BTC perpetuals) and cluster on
round quantities (0.1, 0.5, 1 BTC, ...); the smallest orders are a few lots.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["lots", "round_sizes"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def round_sizes(raw: F64, u: F64, round_prob: float, size_scale: float) -> F64:
    """Round a share ``round_prob`` of the sizes above 0.05 (in BTC-equivalents) to round steps.

    Steps grow with size: 0.1 below 1, 0.5 below 5, 1 below 20 and 5 above, in the asset's
    units (``size_scale`` BTC-equivalents per unit step).
    """
    x = raw / size_scale
    step = np.where(x < 1.0, 0.1, np.where(x < 5.0, 0.5, np.where(x < 20.0, 1.0, 5.0)))
    rounded = np.maximum(step, np.rint(x / step) * step)
    pick = (u < round_prob) & (x >= 0.05)
    return np.where(pick, rounded, x) * size_scale


def lots(
    rng: np.random.Generator,
    n: int,
    *,
    median: float,
    sigma: float,
    tail_prob: float,
    tail_min: float,
    tail_alpha: float,
    tail_max: float,
    round_prob: float,
    size_scale: float,
    lot: float,
) -> I64:
    """Draw ``n`` sizes in lots (at least one): body, tail, then rounding; fixed draw layout."""
    body = rng.lognormal(math.log(median * size_scale), sigma, n)
    u_tail = rng.random(n)
    pareto = tail_min * size_scale * (1.0 - rng.random(n)) ** (-1.0 / tail_alpha)
    raw = np.where(u_tail < tail_prob, np.minimum(pareto, tail_max * size_scale), body)
    raw = round_sizes(raw, rng.random(n), round_prob, size_scale)
    return np.maximum(1, np.rint(raw / lot)).astype(np.int64)
