"""Order flow of one minute block, drawn from that block's own keyed stream.

Every order of block ``m`` gets the id ``(m + BLOCK_OFFSET) << 22 | k``; reactions the book
triggers (sweeps of stale quotes, requotes of a vacated touch) get ids from the same block
with bit 21 set, indexed by step. Lifetimes are drawn at birth, so a block's flow is known
without the book; only fills depend on the book.

Market orders follow a Hawkes process with an exponential kernel, simulated exactly through
its cluster (branching) representation: exogenous immigrants arrive as a Poisson process, and
each order begets ``Poisson(branching)`` children after exponential delays, generation by
generation. Offspring more than ``CLUSTER_HORIZON_NS`` after their immigrant are dropped: the
kernel is truncated there by definition, which bounds how far a block reaches into later ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import BLOCK_OFFSET, Stream, stream_rng
from aleatoric.config import Preset

__all__ = ["CLUSTER_HORIZON_NS", "STEPS_PER_MINUTE", "STEP_NS", "Flow", "draw_flow", "order_id"]

NS_PER_MINUTE = 60_000_000_000
#: The latent price moves, and the book reacts, on this grid.
STEP_NS = 100_000_000
STEPS_PER_MINUTE = NS_PER_MINUTE // STEP_NS
#: A market order's offspring never come later than this after their immigrant.
CLUSTER_HORIZON_NS = 2 * NS_PER_MINUTE
_DYNAMIC_BIT = 1 << 21

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def order_id(minute: int, index: int) -> int:
    """Return the id of order ``index`` of block ``minute``."""
    return ((minute + BLOCK_OFFSET) << 22) | index


@dataclass(frozen=True)
class Flow:
    """Arrivals of one block (sorted by time, then id) and its per-step requote draws."""

    t: I64
    kind: npt.NDArray[np.int8]
    side: npt.NDArray[np.int8]
    dist: F64
    size: I64
    life: I64
    id: I64
    req_u: F64
    req_size: I64
    req_life: I64
    jit: I64  # when inside each step the latent price moves (ns after the step start)
    dyn_id: I64


def _lots(rng: np.random.Generator, median: float, sigma: float, lot: float, n: int) -> I64:
    raw = rng.lognormal(math.log(median), sigma, n)
    return np.maximum(1, np.rint(raw / lot)).astype(np.int64)


def _lifetimes(rng: np.random.Generator, preset: Preset, cap_ns: int, n: int) -> I64:
    raw = rng.lognormal(math.log(preset.lifetime_median_s * 1e9), preset.lifetime_sigma, n)
    return np.clip(raw, 1e6, cap_ns).astype(np.int64)


def _hawkes_clusters(
    rng: np.random.Generator, preset: Preset, rate: float
) -> tuple[I64, npt.NDArray[np.int8]]:
    # Immigrants uniform in the minute; then offspring generation by generation.
    n0 = int(rng.poisson(rate * 60.0))
    t = np.sort(rng.random(n0)) * NS_PER_MINUTE
    side = (rng.random(n0) < 0.5).astype(np.int8)
    root = t.copy()
    times, sides = [t], [side]
    while t.size:
        kids = rng.poisson(preset.market_branching, t.size)
        parent = np.repeat(np.arange(t.size), kids)
        if parent.size == 0:
            break
        delay = rng.exponential(preset.market_decay_s * 1e9, parent.size)
        flip = rng.random(parent.size) >= preset.market_same_side
        t = t[parent] + delay
        side = np.where(flip, 1 - side[parent], side[parent]).astype(np.int8)
        root = root[parent]
        keep = t - root <= CLUSTER_HORIZON_NS
        t, side, root = t[keep], side[keep], root[keep]
        times.append(t)
        sides.append(side)
    return np.concatenate(times).astype(np.int64), np.concatenate(sides)


def draw_flow(
    preset: Preset,
    *,
    seed: int,
    instrument: int,
    minute: int,
    minute_start_ns: int,
    activity: float,
    size_scale: float,
    lot: float,
    lifetime_cap_ns: int,
) -> Flow:
    """Return block ``minute``'s arrivals (absolute ns times) and requote draws."""
    rng = stream_rng(seed, instrument, Stream.FLOW, minute)
    n_limit = int(rng.poisson(preset.limit_rate_s * activity * 60.0))
    t_limit = np.sort(rng.random(n_limit)) * NS_PER_MINUTE
    side_limit = (rng.random(n_limit) < 0.5).astype(np.int8)
    at_touch = rng.random(n_limit) < preset.touch_prob
    lomax = preset.depth_scale_bps * (
        (1.0 - rng.random(n_limit)) ** (-1.0 / preset.depth_alpha) - 1
    )
    # Distance behind the touch as a fraction of price; 0 means at the touch.
    dist = np.where(at_touch, 0.0, 1e-4 * np.minimum(lomax, preset.depth_max_bps) + 1e-12)
    size_limit = _lots(
        rng, preset.limit_size_median * size_scale, preset.limit_size_sigma, lot, n_limit
    )
    life_limit = _lifetimes(rng, preset, lifetime_cap_ns, n_limit)

    req_u = rng.random((STEPS_PER_MINUTE, 2))
    req_size = _lots(
        rng,
        preset.quote_size_median * size_scale,
        preset.quote_size_sigma,
        lot,
        2 * STEPS_PER_MINUTE,
    ).reshape(STEPS_PER_MINUTE, 2)
    req_life = _lifetimes(rng, preset, lifetime_cap_ns, 2 * STEPS_PER_MINUTE).reshape(
        STEPS_PER_MINUTE, 2
    )

    jit = (rng.random(STEPS_PER_MINUTE) * STEP_NS).astype(np.int64)

    t_mkt, side_mkt = _hawkes_clusters(rng, preset, preset.market_rate_s * activity)
    size_mkt = _lots(
        rng, preset.market_size_median * size_scale, preset.market_size_sigma, lot, t_mkt.size
    )

    n = n_limit + t_mkt.size
    base_id = order_id(minute, 0)
    t = np.concatenate([t_limit.astype(np.int64), t_mkt]) + minute_start_ns
    ids = base_id + np.arange(n, dtype=np.int64)
    order = np.lexsort((ids, t))
    dyn = base_id + _DYNAMIC_BIT + 4 * np.arange(STEPS_PER_MINUTE, dtype=np.int64)
    return Flow(
        t=t[order],
        kind=np.concatenate([np.zeros(n_limit, np.int8), np.ones(t_mkt.size, np.int8)])[order],
        side=np.concatenate([side_limit, side_mkt])[order],
        dist=np.concatenate([dist, np.zeros(t_mkt.size)])[order],
        size=np.concatenate([size_limit, size_mkt])[order],
        life=np.concatenate([life_limit, np.zeros(t_mkt.size, np.int64)])[order],
        id=ids[order],
        req_u=req_u,
        req_size=req_size,
        req_life=req_life,
        jit=jit,
        dyn_id=dyn,
    )
