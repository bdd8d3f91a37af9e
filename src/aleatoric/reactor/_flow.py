"""Order flow of one minute block, drawn from that block's own keyed stream.

Every arrival of block ``m`` gets the id ``(m + BLOCK_OFFSET) << 22 | k`` with ``k < 2**18``;
orders the book causes get ids with bit 21 (per step) or bit 20 (per arrival) set. Lifetimes
are drawn at birth, so a block's flow is known without the book; only fills, the side of
undecided market orders and the market maker's reactions depend on the book.

Three sources of aggressive flow:

- **metaorders**: hidden parent orders whose number of child orders has a power-law tail
  (``meta_alpha``); the children keep the parent's side and arrive after exponential gaps.
  Splitting power-law metaorders is what gives order signs their long memory (Lillo, Mike and
  Farmer 2005): the sign autocorrelation decays as ``lag ** -(meta_alpha - 1)``;
- **undecided market orders** (Poisson immigrants): their side is chosen in the book, leaning
  toward the latent price (informed flow);
- **Hawkes offspring** of every market order: a multi-exponential kernel (a sum of
  exponentials with spread-out timescales, close to a power law over that range), with
  branching ratio ``market_branching``; an offspring is a market order of the parent's side
  (``market_same_side``) or of an undecided side, or a limit order at the quote
  (``hawkes_add_share``), so market orders excite market orders and additions alike.
  Simulated exactly by the cluster representation, generation by generation.

Offspring and children later than ``CLUSTER_HORIZON_NS`` after their root are dropped (the
kernel and the metaorders are truncated there by definition), which bounds how far a block
reaches into later ones, below the shortest warm-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import BLOCK_OFFSET, Stream, stream_rng
from aleatoric.config import Preset
from aleatoric.reactor._sizes import lots

__all__ = [
    "CLUSTER_HORIZON_NS",
    "NS_PER_MINUTE",
    "STEPS_PER_MINUTE",
    "STEP_NS",
    "Flow",
    "FlowRow",
    "draw_flow",
    "order_id",
]

NS_PER_MINUTE = 60_000_000_000
#: The latent price is sampled, and the market maker checks its quotes, on this grid.
STEP_NS = 100_000_000
STEPS_PER_MINUTE = NS_PER_MINUTE // STEP_NS
#: Offspring and metaorder children never come later than this after their root.
CLUSTER_HORIZON_NS = 3 * NS_PER_MINUTE
_STEP_BIT = 1 << 21
MAX_ARRIVALS = 1 << 18

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
F64 = npt.NDArray[np.float64]


def order_id(minute: int, index: int) -> int:
    """Return the id of arrival ``index`` of block ``minute``."""
    return ((minute + BLOCK_OFFSET) << 22) | index


@dataclass(frozen=True)
class FlowRow:
    """One minute's flow parameters (see ``FlowParams``): rates per second and depth."""

    limit_rate: float
    market_rate: float
    meta_rate: float
    mm_depth: float
    burst: F64  # per second of the minute: variance multiplier of the latent price (mean 1)
    meta_sell: float = 0.5  # probability that a metaorder sells (scenarios push it up)
    touch: float = 1.0  # multiple of the share of limit orders placed at the quote
    #: A liquidation cascade's forced sells: (fraction of the minute, maker quote sizes).
    forced: tuple[F64, F64] | None = None


@dataclass(frozen=True)
class Flow:
    """Arrivals of one block (sorted by time, then id) and its per-step quote draws."""

    t: I64
    kind: I8
    side: I8
    dist: F64
    size: I64
    life: I64
    id: I64
    mm_size: I64  # [step, side] lots
    mm_life: I64
    jit: I64  # when inside each step the latent price moves (ns after the step start)
    dyn_id: I64


def _lifetimes(rng: np.random.Generator, median_s: float, sigma: float, cap: int, n: int) -> I64:
    raw = rng.lognormal(math.log(median_s * 1e9), sigma, n)
    return np.clip(raw, 1e6, cap).astype(np.int64)


def _metaorders(
    rng: np.random.Generator, preset: Preset, rate: float, sell: float = 0.5
) -> tuple[F64, I8, F64]:
    # Parents uniform in the minute; children after exponential gaps, within the horizon.
    n = int(rng.poisson(rate * 60.0))
    start = rng.random(n) * NS_PER_MINUTE
    # Parent sides are fair coins: information reaches the book only through the market
    # maker's quotes and the lean of undecided market orders, both causal. Only a stress
    # scenario (a crash's one-sided metaorders) biases them: ``sell`` is P(side = ask).
    side = (rng.random(n) >= 1.0 - sell).astype(np.int8)
    kids = np.minimum(
        np.floor((1.0 - rng.random(n)) ** (-1.0 / preset.meta_alpha)), preset.meta_max_children
    ).astype(np.int64)
    parent = np.repeat(np.arange(n), kids)
    gaps = rng.exponential(preset.meta_gap_s * 1e9, parent.size)
    first = np.concatenate([[0], np.cumsum(kids)[:-1]]).astype(np.int64)
    csum = np.cumsum(gaps)
    before = np.concatenate([[0.0], csum])[first[:n]]
    offset = csum - np.repeat(before, kids)
    keep = offset <= CLUSTER_HORIZON_NS
    return (start[parent] + offset)[keep], side[parent][keep], start[parent][keep]


def _offspring(
    rng: np.random.Generator, preset: Preset, t: F64, side: I8
) -> tuple[F64, I8, npt.NDArray[np.bool_]]:
    # Cluster representation of the Hawkes process, generation by generation. Per generation
    # the draws are: offspring counts, the kernel component and the exponential delay of each
    # offspring, then its kind and side uniforms (one call of 2n: the same numbers as two).
    # Multi-exponential kernel: pick a timescale by weight, then an exponential delay.
    w = np.asarray(preset.hawkes_weights, dtype=np.float64)
    cdf = np.cumsum(w / w.sum())
    scales = np.asarray(preset.hawkes_timescales_s, dtype=np.float64) * 1e9
    branching, add_share = preset.market_branching, preset.hawkes_add_share
    same_share = preset.market_same_side
    undecided = np.int8(2)
    root = t.copy()
    times, sides, market = [], [], []
    while t.size:
        kids = rng.poisson(branching, t.size)
        parent = np.repeat(np.arange(t.size), kids)
        n = parent.size
        if n == 0:
            break
        comp = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), w.size - 1)
        t = t[parent] + rng.exponential(1.0, n) * scales[comp]
        u = rng.random(2 * n)
        is_add = u[:n] < add_share
        side = np.where(u[n:] < same_share, side[parent], undecided)
        root = root[parent]
        keep = np.flatnonzero(t - root <= CLUSTER_HORIZON_NS)
        t, side, root, is_add = t[keep], side[keep], root[keep], is_add[keep]
        is_market = ~is_add
        times.append(t)
        sides.append(side)
        market.append(is_market)
        # Only market orders beget further orders.
        t, side, root = t[is_market], side[is_market], root[is_market]
    if not times:
        return np.zeros(0), np.zeros(0, np.int8), np.zeros(0, np.bool_)
    return np.concatenate(times), np.concatenate(sides), np.concatenate(market)


def draw_flow(
    preset: Preset,
    row: FlowRow,
    *,
    seed: int,
    instrument: int,
    minute: int,
    minute_start_ns: int,
    size_scale: float,
    lot: float,
    lifetime_cap_ns: int,
) -> Flow:
    """Return block ``minute``'s arrivals (absolute ns times) and per-step quote draws."""
    rng = stream_rng(seed, instrument, Stream.FLOW, minute)
    p = preset
    size_kw = {
        "tail_prob": p.size_tail_prob, "tail_min": p.size_tail_min, "tail_alpha": p.size_tail_alpha,
        "tail_max": p.size_tail_max, "round_prob": p.size_round_prob, "size_scale": size_scale,
        "lot": lot,
    }  # fmt: skip
    # 1. Limit orders (Poisson): at the quote or a Lomax distance (bps) behind it.
    n_limit = int(rng.poisson(row.limit_rate * 60.0))
    t_limit = np.sort(rng.random(n_limit)) * NS_PER_MINUTE
    side_limit = (rng.random(n_limit) < 0.5).astype(np.int8)
    at_touch = rng.random(n_limit) < p.touch_prob * row.touch
    lomax = p.depth_scale_bps * ((1.0 - rng.random(n_limit)) ** (-1.0 / p.depth_alpha) - 1)
    dist = np.where(at_touch, 0.0, 1e-4 * np.minimum(lomax, p.depth_max_bps) + 1e-12)
    # Resting orders have no power-law tail: the tail belongs to aggressive (metaorder) flow.
    limit_kw = {**size_kw, "tail_prob": 0.0}
    size_limit = lots(rng, n_limit, median=p.limit_size_median, sigma=p.limit_size_sigma,
                      **limit_kw)  # fmt: skip
    life_limit = _lifetimes(rng, p.lifetime_median_s, p.lifetime_sigma, lifetime_cap_ns, n_limit)
    # Deep orders (further than ``deep_from_bps`` behind the touch) rest ``deep_life_factor``
    # times longer (up to the warm-up), as the far book of a real venue does: the levels a
    # sweep or a fast move eats are backed by many more, so a side keeps its depth.
    deep = ~at_touch & (lomax > p.deep_from_bps)
    life_limit = np.where(
        deep, np.minimum(life_limit * p.deep_life_factor, lifetime_cap_ns), life_limit
    ).astype(np.int64)

    # 2. Per step: the market maker's quote sizes and lifetimes, the latent price's instant.
    depth = max(row.mm_depth * size_scale / lot, 1.0)
    mm_size = np.maximum(
        1, np.rint(rng.lognormal(math.log(depth), p.mm_size_sigma, (STEPS_PER_MINUTE, 2)))
    ).astype(np.int64)
    mm_life = _lifetimes(rng, p.mm_life_s, 0.5, lifetime_cap_ns, 2 * STEPS_PER_MINUTE)
    jit = (rng.random(STEPS_PER_MINUTE) * STEP_NS).astype(np.int64)

    # 3. Aggressive flow: undecided immigrants, metaorder children, then Hawkes offspring.
    # Undecided market orders arrive with the latent price's bursts (intensity ~ burst**k).
    n_imm = int(rng.poisson(row.market_rate * 60.0))
    w = np.power(row.burst, p.burst_coupling)
    cdf = np.concatenate([[0.0], np.cumsum(w)])
    cdf /= cdf[-1]
    u = rng.random(n_imm)
    sec = np.minimum(np.searchsorted(cdf, u, side="right") - 1, w.size - 1)
    t_imm = (sec + (u - cdf[sec]) / (cdf[sec + 1] - cdf[sec])) * (NS_PER_MINUTE / w.size)
    t_kid, side_kid, _ = _metaorders(rng, p, row.meta_rate, row.meta_sell)
    roots_t = np.concatenate([t_imm, t_kid])
    roots_side = np.concatenate([np.full(n_imm, 2, np.int8), side_kid])
    t_off, side_off, mkt_off = _offspring(rng, p, roots_t, roots_side)
    t_mkt = np.concatenate([roots_t, t_off[mkt_off]])
    side_mkt = np.concatenate([roots_side, side_off[mkt_off]])
    n_mkt = t_mkt.size
    size_mkt = lots(rng, n_mkt, median=p.market_size_median, sigma=p.market_size_sigma, **size_kw)
    u_mkt = rng.random(n_mkt)
    t_add = t_off[~mkt_off]
    n_add = t_add.size
    side_add = (rng.random(n_add) < 0.5).astype(np.int8)
    size_add = lots(rng, n_add, median=p.limit_size_median, sigma=p.limit_size_sigma, **limit_kw)
    life_add = _lifetimes(rng, p.lifetime_median_s, p.lifetime_sigma, lifetime_cap_ns, n_add)

    if row.forced is not None:
        # Forced sells of a liquidation cascade: market orders after every draw of the
        # minute (its other flow is drawn as without them), selling at their crossing times.
        frac, quotes = row.forced
        t_mkt = np.concatenate([t_mkt, frac * NS_PER_MINUTE])
        side_mkt = np.concatenate([side_mkt, np.full(frac.size, 1, np.int8)])
        forced_lots = np.maximum(1, np.rint(quotes * p.mm_depth * size_scale / lot))
        size_mkt = np.concatenate([size_mkt, forced_lots.astype(size_mkt.dtype)])
        u_mkt = np.concatenate([u_mkt, np.full(frac.size, 0.5)])
        n_mkt = t_mkt.size
    n = n_limit + n_mkt + n_add
    if n > MAX_ARRIVALS:
        raise ValueError(
            f"minute {minute} draws {n} arrivals, over the limit of {MAX_ARRIVALS}: the "
            "preset's rates are too high"
        )
    base_id = order_id(minute, 0)
    t = np.concatenate([t_limit, t_mkt, t_add]).astype(np.int64) + minute_start_ns
    ids = base_id + np.arange(n, dtype=np.int64)
    order = np.lexsort((ids, t))
    kind = np.concatenate([np.zeros(n_limit, np.int8), np.ones(n_mkt, np.int8),
                           np.zeros(n_add, np.int8)])  # fmt: skip
    return Flow(
        t=t[order],
        kind=kind[order],
        side=np.concatenate([side_limit, side_mkt, side_add])[order],
        dist=np.concatenate([dist, u_mkt, np.zeros(n_add)])[order],
        size=np.concatenate([size_limit, size_mkt, size_add])[order],
        life=np.concatenate([life_limit, np.zeros(n_mkt, np.int64), life_add])[order],
        id=ids[order],
        mm_size=mm_size,
        mm_life=mm_life.reshape(STEPS_PER_MINUTE, 2),
        jit=jit,
        dyn_id=base_id + _STEP_BIT + 64 * np.arange(STEPS_PER_MINUTE, dtype=np.int64),
    )
