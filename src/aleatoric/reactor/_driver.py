"""Simulate one segment: validate, build inputs, run the kernels, reconcile the boundary.

A segment ``[T, T + L)`` is simulated from an empty book at ``T - W`` (the warm-up), replaying
the same minute blocks as the previous segment, so it starts from (almost always) the very
book the previous segment ended with. To make the boundary exact always, every segment also
runs the next segment's warm-up and, at its last nanosecond, emits the difference between its
true final book and that warm-up book (cancels, modifies and adds, as one message). The next
segment then starts from exactly the book a reader has rebuilt. Nothing here reads a clock,
a file or a global RNG.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import BLOCK_OFFSET, instrument_key
from aleatoric.config import DatasetConfig, Preset, get_preset
from aleatoric.instruments import Instrument, get_instrument, is_futures
from aleatoric.reactor import dtypes as d
from aleatoric.reactor._boundary import reconcile, snapshot_rows
from aleatoric.reactor._flow import (
    NS_PER_MINUTE,
    STEP_NS,
    STEPS_PER_MINUTE,
    Flow,
    FlowRow,
    draw_flow,
)
from aleatoric.reactor._futures import (
    REFERENCE_VENUE,
    FuturesTerms,
    activity_scale,
    futures_terms,
    sessions,
)
from aleatoric.reactor._gated import run_sessions
from aleatoric.reactor._handoff import WarmStart, offer, take
from aleatoric.reactor._kernels._bundles import INF, S_ERROR, Arrivals, Book, Markers, Steps
from aleatoric.reactor._kernels.errors import KernelCodeError
from aleatoric.reactor._kernels.run import run_steps
from aleatoric.reactor._market import market_skeleton, venue_log_path
from aleatoric.reactor._params import FlowParams, flow_params
from aleatoric.reactor._perp import (
    FundingPath,
    funding_path,
    interp_minutes,
    mark_prices,
    settled_rates,
)
from aleatoric.reactor._scenarios import ScenarioWindow, scenario_windows
from aleatoric.reactor._skeleton import Skeleton
from aleatoric.reactor._state import empty_book, live_orders

__all__ = ["SegmentResult", "segment_bounds", "segment_count", "simulate_segment"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
ProgressFn = Callable[[int, int], None]
_NO_EMIT = int(INF)
# Numba dispatchers are opaque to type checkers.
_run_steps: Any = run_steps


@dataclass(frozen=True)
class SegmentResult:
    """Everything a segment contributes to the dataset, before global counters are applied.

    ``rows`` is in ``seq`` order (see :mod:`aleatoric.reactor.dtypes`), stored column-major
    (its bytes in row order are ``rows.tobytes()``); marker rows point into the snapshot,
    ticker and funding arrays through their ``aux`` column.
    """

    index: int
    start_ns: int
    end_ns: int
    rows: I64
    snapshot_price: I64  # [n, 2 sides, depth], ticks, -1 = no level
    snapshot_size: I64
    ticker: dict[str, npt.NDArray[np.generic]]
    funding_rate: F64
    funding_mark: F64
    reconciliation_rows: int

    def count(self, kinds: tuple[int, ...]) -> int:
        """Return how many rows of the given kinds the segment holds."""
        wanted = np.zeros(256, dtype=np.bool_)
        wanted[list(kinds)] = True
        return int(np.count_nonzero(wanted[self.rows[:, d.COL_CODE] & 0xFF]))


def segment_count(config: DatasetConfig) -> int:
    """Return how many segments the dataset has (the last may be shorter)."""
    return -(-config.duration // config.segment)


def segment_bounds(config: DatasetConfig, index: int) -> tuple[int, int]:
    """Return ``(start_ns, end_ns)`` of segment ``index``."""
    start = config.start_ns + index * config.segment
    return start, min(start + config.segment, config.end_ns)


@lru_cache(maxsize=4)
def _skeleton(
    preset: str,
    base: str,
    sigma_scale: float,
    price: float,
    seed: int,
    key: int,
    end_minute: int,
    start_minute_of_day: int,
    seasonality: str,
    scenarios: tuple[ScenarioWindow, ...],
) -> tuple[Skeleton, FlowParams]:
    p = get_preset(preset)
    skeleton = market_skeleton(
        p,
        base=base,
        sigma_scale=sigma_scale,
        initial_price=price,
        seed=seed,
        instrument=key,
        end_minute=end_minute,
        start_minute_of_day=start_minute_of_day,
        seasonality=seasonality,
        scenarios=scenarios,
    )
    return skeleton, flow_params(p, skeleton, scenarios, key=(seed, key))


@dataclass(frozen=True)
class _Context:
    config: DatasetConfig
    inst: Instrument
    preset: Preset
    key: int
    skeleton: Skeleton
    params: FlowParams
    tick: float
    lot: float
    scale: int
    sig: int
    futures: FuturesTerms | None = None

    @property
    def latent_key(self) -> int:
        """The key of the latent path: the instrument's own, a future's reference perp's."""
        return self.key if self.futures is None else self.futures.latent_key


def _context(config: DatasetConfig, end_minute: int) -> _Context:
    inst = get_instrument(config.venue, config.symbol)
    preset = get_preset(config.preset)
    asset = preset.asset(inst.base)
    key = instrument_key(config.venue, config.symbol)
    day_minute = (config.start_ns // NS_PER_MINUTE) % 1440
    terms = futures_terms(inst, config.start_ns, config.seed) if is_futures(inst.venue) else None
    skeleton, params = _skeleton(
        config.preset, inst.base, asset.sigma_scale, float(asset.initial_price), config.seed,
        key if terms is None else terms.latent_key, end_minute, day_minute, config.seasonality,
        scenario_windows(config),
    )  # fmt: skip
    grid = inst.price_grid
    return _Context(
        config=config,
        inst=inst,
        preset=preset,
        key=key,
        skeleton=skeleton,
        params=params,
        tick=float(inst.tick_size),
        lot=float(inst.lot_size * inst.contract_value),
        scale=grid.scale if grid.numerator == 1 else 0,
        sig=inst.significant_figures,
        futures=terms,
    )


def _flows(
    ctx: _Context, first_minute: int, last_minute: int, bursts: F64, known: tuple[Flow, ...]
) -> list[Flow]:
    # ``known``: the flow of the first blocks, drawn before (a handed-over warm-up).
    cfg = ctx.config
    asset = ctx.preset.asset(ctx.inst.base)
    return list(known) + [
        draw_flow(
            ctx.preset,
            _flow_row(ctx, m, bursts[m - first_minute]),
            seed=cfg.seed,
            instrument=ctx.key,
            minute=m,
            minute_start_ns=cfg.start_ns + m * NS_PER_MINUTE,
            size_scale=asset.size_scale,
            lot=ctx.lot,
            lifetime_cap_ns=cfg.warmup,
        )
        for m in range(first_minute + len(known), last_minute)
    ]


def _flow_row(ctx: _Context, m: int, bursts: F64) -> FlowRow:
    row = ctx.params.row(ctx.skeleton.index(m), bursts)
    if ctx.futures is None:
        return row
    k = activity_scale(ctx.futures, ctx.config.start_ns + m * NS_PER_MINUTE)
    return replace(
        row, limit_rate=row.limit_rate * k, market_rate=row.market_rate * k,
        meta_rate=row.meta_rate * k,
    )  # fmt: skip


@dataclass(frozen=True)
class _Inputs:
    first_minute: int
    steps: Steps
    ev: Arrivals
    flows: tuple[Flow, ...] = ()


def _inputs(
    ctx: _Context, first_minute: int, last_minute: int, known: tuple[Flow, ...] = ()
) -> _Inputs:
    log_path, bursts = venue_log_path(
        ctx.skeleton,
        seed=ctx.config.seed,
        base=ctx.inst.base,
        # A future reads the reference perpetual's path (its premium is removed with its basis).
        venue=ctx.inst.venue if ctx.futures is None else REFERENCE_VENUE,
        first_minute=first_minute,
        last_minute=last_minute,
        origin_ns=ctx.config.start_ns,
        ramp_steps=min(STEPS_PER_MINUTE // 2, int(ctx.preset.jump_ramp_s * 1e9) // STEP_NS + 1),
        burst_sigma=ctx.preset.burst_sigma,
    )
    flows = _flows(ctx, first_minute, last_minute, bursts, known)
    t = np.concatenate([f.t for f in flows])
    ids = np.concatenate([f.id for f in flows])
    order = np.lexsort((ids, t))
    ev = Arrivals(
        t=t[order],
        kind=np.concatenate([f.kind for f in flows])[order],
        side=np.concatenate([f.side for f in flows])[order],
        dist=np.concatenate([f.dist for f in flows])[order],
        size=np.concatenate([f.size for f in flows])[order],
        life=np.concatenate([f.life for f in flows])[order],
        id=ids[order],
    )
    if ctx.futures is not None:
        # Spot (the reference perpetual without its premium) plus the carry to expiry.
        t = ctx.config.start_ns + first_minute * NS_PER_MINUTE + STEP_NS * np.arange(log_path.size)
        basis = interp_minutes(ctx.skeleton.basis_start, t, ctx.config.start_ns)
        log_path = log_path - basis + ctx.futures.log_carry(t)
    fair = np.exp(log_path) / ctx.tick
    idx = [ctx.skeleton.index(m) for m in range(first_minute, last_minute)]
    band = np.repeat(ctx.params.band_frac[idx], STEPS_PER_MINUTE) * fair
    p = ctx.preset
    size_scale = ctx.preset.asset(ctx.inst.base).size_scale
    steps = Steps(
        t0=ctx.config.start_ns + first_minute * NS_PER_MINUTE,
        step_ns=STEP_NS,
        fair=fair,
        jit=np.concatenate([f.jit for f in flows]),
        dyn_id=np.concatenate([f.dyn_id for f in flows]),
        band=np.maximum(band, 1.0),
        lean=np.repeat(ctx.params.lean[idx], STEPS_PER_MINUTE),
        width=np.repeat(np.rint(ctx.params.width[idx]).astype(np.int64), STEPS_PER_MINUTE),
        protect=np.repeat(ctx.params.protect[idx], STEPS_PER_MINUTE) * fair,
        mm_size=np.concatenate([f.mm_size for f in flows]),
        mm_life=np.concatenate([f.mm_life for f in flows]),
        decay=float(np.exp(-STEP_NS / 1e9 / p.inventory_timescale_s)),
        skew=float(p.inventory_skew),
        inv_scale=float(p.inventory_scale * size_scale / ctx.lot),
        hold=float(p.mm_hold),
        take=bool(p.stale_take),
        impact=np.maximum(band, 1.0) / p.quote_band * p.flow_impact / np.sqrt(size_scale / ctx.lot),
        impact_decay=float(np.exp(-STEP_NS / 1e9 / p.impact_timescale_s)),
        impact_cap=max(1, round(p.impact_cap * size_scale / ctx.lot)),
        scale=ctx.scale,
        sig=ctx.sig,
    )
    return _Inputs(first_minute=first_minute, steps=steps, ev=ev, flows=tuple(flows))


class _Runner:
    """Drive ``run_steps`` over a step range, flushing its output buffer as it fills."""

    def __init__(
        self,
        ctx: _Context,
        inputs: _Inputs,
        *,
        emit_from: int,
        snapshots: tuple[I64, I64, int],
        ticker: tuple[int, I64, I64, I64],
        funding_times: I64,
        book: Book | None = None,
    ) -> None:
        self.ctx = ctx
        self.inputs = inputs
        self.book = empty_book(int(inputs.steps.fair[0])) if book is None else book
        snap_px, snap_sz, snap_dt = snapshots
        tick_dt, tick_bid, tick_ask, tick_last = ticker
        self.markers = Markers(
            emit_from=emit_from, snap_dt=snap_dt, snap_px=snap_px, snap_sz=snap_sz,
            tick_t0=inputs.steps.t0, tick_dt=tick_dt, tick_bid=tick_bid, tick_ask=tick_ask,
            tick_last=tick_last, fund_t=funding_times,
        )  # fmt: skip
        # Room for every row the run will likely emit (about 6 per arrival), so the buffer is
        # rarely grown; growing never changes what is simulated. Column-major, so the sinks
        # take each column as one contiguous array without transposing the rows.
        emitted = int(np.count_nonzero(inputs.ev.t >= emit_from))
        self.buffer = np.empty((6 * emitted + (1 << 16), 6), dtype=np.int64, order="F")
        self.n = 0

    def run(self, s_begin: int, s_end: int, progress: ProgressFn | None = None) -> None:
        inp = self.inputs
        s = s_begin
        while s < s_end:
            target = min(s_end, s + STEPS_PER_MINUTE)
            n, s_new = _run_steps(
                self.book, inp.steps, inp.ev, self.markers, s, target, self.buffer, self.n
            )
            error = int(self.book.sc[S_ERROR])
            if error:
                raise KernelCodeError(error)
            self.n = n
            if s_new < target:
                # The buffer is nearly full: grow it (never changes what is simulated).
                self._reserve(2 * self.buffer.shape[0])
            if progress is not None and s_new > s:
                progress(s_new - s, s_end - s_begin)
            s = s_new

    def _reserve(self, capacity: int) -> None:
        grown = np.empty((capacity, 6), dtype=np.int64, order="F")
        grown[: self.n] = self.buffer[: self.n]
        self.buffer = grown

    def append(self, rows: I64) -> None:
        if self.n + rows.shape[0] > self.buffer.shape[0]:
            self._reserve(self.n + rows.shape[0])
        self.buffer[self.n : self.n + rows.shape[0]] = rows
        self.n += rows.shape[0]

    def rows(self) -> I64:
        return self.buffer[: self.n]


def _grid(start: int, end: int, step: int) -> I64:
    return np.arange(-(-start // step) * step, end, step, dtype=np.int64)


def simulate_segment(
    config: DatasetConfig, index: int, *, progress: ProgressFn | None = None
) -> SegmentResult:
    """Return segment ``index`` of the dataset ``config`` describes.

    Pure: the result depends only on ``config``, ``index`` and the engine version. A segment
    never looks at another segment's output, so segments can run in any order, anywhere.
    """
    if not 0 <= index < segment_count(config):
        raise IndexError(f"segment {index} out of range 0..{segment_count(config) - 1}")
    start_ns, end_ns = segment_bounds(config, index)
    first = (start_ns - config.start_ns) // NS_PER_MINUTE
    last = (end_ns - config.start_ns) // NS_PER_MINUTE
    warm = config.warmup // NS_PER_MINUTE
    ctx = _context(config, last)

    # Markers: snapshots and tickers on epoch-aligned grids, funding on the UTC interval grid.
    snap_t = _grid(start_ns, end_ns, config.snapshot_interval)
    depth = config.snapshot_depth
    # Level-major ([side, level, snapshot]), so each snapshot column of the table is one
    # contiguous run; the result shows them as [snapshot, side, level].
    snap_px = np.full((2, depth, snap_t.size), -1, dtype=np.int64)
    snap_sz = np.zeros((2, depth, snap_t.size), dtype=np.int64)
    run_t0 = start_ns - config.warmup
    tick_t = _grid(run_t0, end_ns, config.ticker_interval)
    tick_bid = np.full(tick_t.size, -1, dtype=np.int64)
    tick_ask = np.full(tick_t.size, -1, dtype=np.int64)
    tick_last = np.full(tick_t.size, -1, dtype=np.int64)
    fund_t = _grid(start_ns, end_ns, ctx.inst.funding_interval_ns)
    if ctx.futures is not None:
        fund_t = fund_t[:0]  # futures pay no funding

    # The warm-up, unless the previous segment ran it in this process (see ``_handoff``;
    # futures sessions are run their own way and hand nothing over).
    config_key = config.model_dump_json()
    handed = take(config_key, index) if ctx.futures is None else None
    inputs = _inputs(ctx, first - warm, last, handed.flows if handed else ())
    runner = _Runner(
        ctx,
        inputs,
        emit_from=start_ns,
        snapshots=(snap_px, snap_sz, config.snapshot_interval),
        ticker=(config.ticker_interval, tick_bid, tick_ask, tick_last),
        funding_times=fund_t,
        book=handed.book if handed else None,
    )
    warm_steps = warm * STEPS_PER_MINUTE
    total_steps = (last - first + warm) * STEPS_PER_MINUTE
    if ctx.futures is not None:
        _run_futures(ctx, runner, emit=(start_ns, end_ns), first_segment=index == 0)
    else:
        if handed is None:
            runner.run(0, warm_steps)
        else:
            k = handed.tick_bid.size
            tick_bid[:k], tick_ask[:k] = handed.tick_bid, handed.tick_ask
            tick_last[:k] = handed.tick_last
        if index == 0:
            runner.append(snapshot_rows(live_orders(runner.book), start_ns))
        runner.run(warm_steps, total_steps, progress)

    # The next segment's warm-up, run here too, so the boundary can be made exact.
    next_inputs = _inputs(ctx, last - warm, last) if last - first < warm else None
    if next_inputs is None:
        offset = (last - first) * STEPS_PER_MINUTE  # steps of [last - warm, last) in `inputs`
        next_inputs = _slice_inputs(inputs, offset, ctx, last - warm)
    empty = np.zeros((2, 1, 0), dtype=np.int64)
    no_ticks = np.zeros(0, dtype=np.int64)
    # When it is handed over, it records the ticker samples the next segment's warm-up records
    # (they change nothing else).
    n_ticks = _grid(end_ns - config.warmup, end_ns, config.ticker_interval).size
    next_ticks = (
        np.full(n_ticks, -1, dtype=np.int64),
        np.full(n_ticks, -1, dtype=np.int64),
        np.full(n_ticks, -1, dtype=np.int64),
    )
    hand_over = (
        ctx.futures is None
        and index + 1 < segment_count(config)
        and last - first >= warm > 0
        and end_ns == config.start_ns + last * NS_PER_MINUTE
    )
    next_runner = _Runner(
        ctx,
        next_inputs,
        emit_from=_NO_EMIT,
        snapshots=(empty, empty.copy(), 0),
        ticker=(config.ticker_interval, *next_ticks) if hand_over else (0, *(no_ticks,) * 3),
        funding_times=no_ticks,
    )
    if ctx.futures is not None:
        _run_futures(ctx, next_runner, emit=None, first_segment=False)
    else:
        next_runner.run(0, warm_steps)
    recon = reconcile(live_orders(runner.book), live_orders(next_runner.book), end_ns - 1)
    runner.append(recon)
    if hand_over:
        flows = inputs.flows[len(inputs.flows) - warm :]
        offer(config_key, index + 1, WarmStart(next_runner.book, flows, *next_ticks))

    ticker = _ticker(ctx, tick_t, tick_bid, tick_ask, tick_last, inputs)
    settled = (
        settled_rates(ctx.skeleton, ctx.preset, ctx.inst, config.start_ns, fund_t)
        if fund_t.size
        else np.zeros(0)
    )
    tick_pos = np.searchsorted(tick_t, fund_t)
    return SegmentResult(
        index=index,
        start_ns=start_ns,
        end_ns=end_ns,
        rows=runner.rows(),
        snapshot_price=snap_px.transpose(2, 0, 1),
        snapshot_size=snap_sz.transpose(2, 0, 1),
        ticker=ticker,
        funding_rate=settled,
        funding_mark=np.asarray(ticker["mark_price"][tick_pos], dtype=np.float64),
        reconciliation_rows=int(recon.shape[0]),
    )


def _run_futures(
    ctx: _Context, runner: _Runner, *, emit: tuple[int, int] | None, first_segment: bool
) -> None:
    # Sessions only; the run ends where the runner's steps end (the segment's end).
    assert ctx.futures is not None
    base = runner.inputs
    t0 = int(base.steps.t0)
    t1 = t0 + base.steps.fair.size * STEP_NS

    def slice_from(ns: int) -> _Inputs:
        offset = (ns - t0) // STEP_NS
        return _slice_inputs(base, offset, ctx, (ns - ctx.config.start_ns) // NS_PER_MINUTE)

    run_sessions(
        runner, sessions(ctx.futures, t0, t1), slice_from=slice_from, emit=emit,
        snapshot_at_start=first_segment, snapshot_rows=snapshot_rows, clear_rows=reconcile,
        run_end=t1,
    )  # fmt: skip


def _slice_inputs(inputs: _Inputs, offset_steps: int, ctx: _Context, first_minute: int) -> _Inputs:
    # The warm-up of the next segment uses only blocks from `first_minute` on, exactly as the
    # next segment will; arrivals spawned by earlier blocks are dropped.
    st = inputs.steps
    first_id = (first_minute + BLOCK_OFFSET) << 22
    keep = inputs.ev.id >= first_id
    steps = st._replace(
        t0=ctx.config.start_ns + first_minute * NS_PER_MINUTE,
        fair=st.fair[offset_steps:],
        jit=st.jit[offset_steps:],
        dyn_id=st.dyn_id[offset_steps:],
        band=st.band[offset_steps:],
        lean=st.lean[offset_steps:],
        width=st.width[offset_steps:],
        protect=st.protect[offset_steps:],
        impact=st.impact[offset_steps:],
        mm_size=st.mm_size[offset_steps:],
        mm_life=st.mm_life[offset_steps:],
    )
    e = inputs.ev
    ev = Arrivals(
        t=e.t[keep], kind=e.kind[keep], side=e.side[keep], dist=e.dist[keep],
        size=e.size[keep], life=e.life[keep], id=e.id[keep],
    )  # fmt: skip
    return _Inputs(first_minute=first_minute, steps=steps, ev=ev)


def _ticker(
    ctx: _Context, t: I64, bid_t: I64, ask_t: I64, last_t: I64, inputs: _Inputs
) -> dict[str, npt.NDArray[np.generic]]:
    # Ticker samples over the run (warm-up included, for moving averages); prices in ticks.
    cfg = ctx.config
    step = np.clip((t - inputs.steps.t0) // STEP_NS, 0, inputs.steps.fair.size - 1)
    fair = inputs.steps.fair[step]
    if ctx.futures is None:
        basis = interp_minutes(ctx.skeleton.basis_start, t, cfg.start_ns)
    else:
        basis = ctx.futures.log_carry(t)  # the index of a future is the asset's spot
    index = fair * np.exp(-basis)
    bid = np.where(bid_t >= 0, bid_t, np.floor(fair)).astype(np.float64)
    ask = np.where(ask_t >= 0, ask_t, np.ceil(fair)).astype(np.float64)
    mid = 0.5 * (bid + ask)
    last = np.where(last_t >= 0, last_t, mid).astype(np.float64)
    funding = funding_path(ctx.skeleton, ctx.preset, ctx.inst, cfg.start_ns, t)
    if ctx.futures is not None:
        funding = FundingPath(rate=np.zeros(t.size), predicted=np.zeros(t.size), next_ts=t)
    interval = ctx.inst.funding_interval_ns
    until = (funding.next_ts - t) / interval
    mark = mark_prices(
        ctx.inst.mark_method,
        index=index,
        mid=mid,
        last=last,
        fair=fair,
        bid=bid,
        ask=ask,
        rate=funding.rate,
        until_next_frac=until,
        dt_s=cfg.ticker_interval / 1e9,
    )
    asset = ctx.preset.asset(ctx.inst.base)
    oi = asset.open_interest * np.exp(interp_minutes(ctx.skeleton.log_oi_start, t, cfg.start_ns))
    return {
        "ts": t,
        "mark_price": np.rint(mark).astype(np.int64),
        "index_price": np.rint(index).astype(np.int64),
        "last_price": np.rint(last).astype(np.int64),
        "funding_rate": funding.rate,
        "predicted_funding_rate": funding.predicted,
        "next_funding_ts": funding.next_ts,
        "open_interest": np.maximum(1, np.rint(oi / ctx.lot)).astype(np.int64),
    }
