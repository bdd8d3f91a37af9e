"""The event loop: steps of the latent price, arrivals, cancellations and markers in time order.

Inside each 100 ms step the latent price moves at a drawn instant (``steps.jit``); before it,
the previous step's value holds. At that instant the market maker checks its quotes
(:func:`~aleatoric.reactor._kernels.maker.requote`); between instants, arrivals and scheduled
cancellations are processed in time order, and markers (snapshots, tickers, funding) record
the book as it is after everything before their instant.
"""

from __future__ import annotations

from aleatoric.reactor._kernels._bundles import (
    EV_MARKET,
    I64,
    INF,
    S_BASE,
    S_BEST_ASK,
    S_BEST_BID,
    S_CENTER,
    S_ERROR,
    S_EV_PTR,
    S_HEAP_N,
    S_LAST_TRADE,
    S_LIVE_ASK,
    S_LIVE_BID,
    Arrivals,
    Book,
    Markers,
    Steps,
    kernel,
)
from aleatoric.reactor._kernels.heap import heap_pop
from aleatoric.reactor._kernels.maker import (
    ask_of,
    fair_value,
    react,
    reaction_id,
    record_impact,
    requote,
)
from aleatoric.reactor._kernels.matching import add_and_emit, cancel_and_emit, emit, sweep
from aleatoric.reactor._kernels.queues import record_levels, snap_down, snap_up, step_at
from aleatoric.reactor.dtypes import ASK, BID, KIND_FUNDING, KIND_SNAPSHOT, KIND_TICKER

__all__ = ["run_steps"]

NEVER = int(INF)


def _limit_price_impl(book: Book, steps: Steps, s: int, side: int, dist: float, f: float) -> int:
    # A distance behind the maker's quote on that side, never marketable.
    c = book.sc[S_CENTER]
    base = book.sc[S_BASE]
    a = ask_of(steps, s, c)
    d = int(dist * f)
    if dist > 0.0:
        d += 1
    if side == BID:
        px = snap_down(c - d * step_at(c, steps.scale, steps.sig), steps.scale, steps.sig)
        ba = book.sc[S_BEST_ASK]
        if ba >= 0 and px >= ba + base:
            px = snap_down(ba + base - 1, steps.scale, steps.sig)
    else:
        px = snap_up(a + d * step_at(a, steps.scale, steps.sig), steps.scale, steps.sig)
        bb = book.sc[S_BEST_BID]
        if bb >= 0 and px <= bb + base:
            px = snap_up(bb + base + 1, steps.scale, steps.sig)
    return px


_limit_price = kernel()(_limit_price_impl)


def _one_event_impl(
    book: Book, steps: Steps, ev: Arrivals, out: I64, n: int, emit_from: int, s: int, f: float
) -> int:
    # The earliest of the next scheduled cancellation and the next arrival (cancellation
    # first on a tie).
    sc = book.sc
    n_ev = ev.t.shape[0]
    t_arr = int(ev.t[sc[S_EV_PTR]]) if sc[S_EV_PTR] < n_ev else NEVER
    t_can = int(book.h_t[0]) if sc[S_HEAP_N] > 0 else NEVER
    if t_can <= t_arr:
        slot = int(book.h_slot[0])
        oid = book.h_id[0]
        heap_pop(book)
        side = int(book.o_side[slot])
        last = (sc[S_LIVE_BID] if side == BID else sc[S_LIVE_ASK]) == 1
        if side >= 0 and book.o_id[slot] == oid and not last:
            # The last order of a side stays (until filled): a side is never empty.
            n = cancel_and_emit(book, out, n, bool(t_can >= emit_from), t_can, slot)
        return n
    i = sc[S_EV_PTR]
    sc[S_EV_PTR] = i + 1
    on = bool(t_arr >= emit_from)
    if sc[S_CENTER] < 0:
        return n  # no quotes yet: the flow waits for the market maker's first quote
    side = int(ev.side[i])
    c = int(sc[S_CENTER])
    latent = f
    f = fair_value(book, latent)
    if ev.kind[i] == EV_MARKET:
        if side > 1:
            a = ask_of(steps, s, c)
            x = (f - 0.5 * (c + a)) / steps.band[s]
            x = min(1.0, max(-1.0, x))
            side = BID if ev.dist[i] < 0.5 + steps.lean[s] * x else ASK
        limit_lvl = book.lv_size.shape[1] - 1 if side == BID else 0
        if steps.protect[s] > 0.0:
            # Price protection: the remainder beyond ``protect`` of the market maker's quote
            # expires (the quote, not the latent price, which can run ahead of the book in a
            # jump: the book beyond the limit stays).
            if side == BID:
                top = ask_of(steps, s, c) + steps.protect[s]
                limit_lvl = min(limit_lvl, int(top) - book.sc[S_BASE])
            else:
                limit_lvl = max(limit_lvl, int(c - steps.protect[s]) + 1 - book.sc[S_BASE])
        n = sweep(book, out, n, on, t_arr, side, limit_lvl, int(ev.size[i]), int(ev.id[i]), True)
        if ev.side[i] < 2:
            # Only orders whose side was drawn with the flow shift the maker's fair value, so
            # the shift is a function of the flow alone and two runs of it agree.
            record_impact(book, steps, s, side, int(ev.size[i]))
            f = fair_value(book, latent)
    else:
        px = _limit_price(book, steps, s, side, float(ev.dist[i]), f)
        n = add_and_emit(
            book, out, n, on, t_arr, side, px, int(ev.size[i]), int(ev.id[i]), int(ev.life[i])
        )
    return react(book, steps, out, n, on, t_arr, s, f, reaction_id(int(ev.id[i])))


_one_event = kernel()(_one_event_impl)


def _marks_impl(book: Book, mk: Markers, out: I64, n: int, t_mark: int, t_snap: int,
                t_tick: int, t_fund: int) -> int:  # fmt: skip
    sc = book.sc
    base = sc[S_BASE]
    if t_tick == t_mark:
        i = (t_tick - mk.tick_t0) // mk.tick_dt
        if 0 <= i < mk.tick_bid.shape[0]:
            bb, ba, lt = sc[S_BEST_BID], sc[S_BEST_ASK], sc[S_LAST_TRADE]
            mk.tick_bid[i] = bb + base if bb >= 0 else -1
            mk.tick_ask[i] = ba + base if ba >= 0 else -1
            mk.tick_last[i] = lt + base if lt >= 0 else -1
            if t_tick >= mk.emit_from:
                n = emit(out, n, t_tick, KIND_TICKER, 0, 0, 0, 0, 0, 0, i)
    if t_snap == t_mark:
        j = (t_snap - mk.emit_from) // mk.snap_dt
        if 0 <= j < mk.snap_px.shape[2]:
            record_levels(book, BID, mk.snap_px[BID, :, j], mk.snap_sz[BID, :, j])
            record_levels(book, ASK, mk.snap_px[ASK, :, j], mk.snap_sz[ASK, :, j])
            n = emit(out, n, t_snap, KIND_SNAPSHOT, 0, 0, 0, 0, 0, 0, j)
    if t_fund == t_mark:
        for k in range(mk.fund_t.shape[0]):
            if mk.fund_t[k] == t_fund:
                n = emit(out, n, t_fund, KIND_FUNDING, 0, 0, 0, 0, 0, 0, k)
    return n


_marks = kernel()(_marks_impl)


def _run_steps_impl(
    book: Book, steps: Steps, ev: Arrivals, mk: Markers, s_begin: int, s_end: int,
    out: I64, n: int,
) -> tuple[int, int]:  # fmt: skip
    sc = book.sc
    cap = out.shape[0]
    n_ev = ev.t.shape[0]
    step_ns = steps.step_ns
    markers = (
        3
        + (step_ns // mk.snap_dt if mk.snap_dt > 0 else 0)
        + (step_ns // mk.tick_dt if mk.tick_dt > 0 else 0)
    )
    s = s_begin
    while s < s_end:
        t_s = steps.t0 + s * step_ns
        t_next = t_s + step_ns
        live = sc[S_LIVE_BID] + sc[S_LIVE_ASK]
        ptr = sc[S_EV_PTR]
        arrivals = 0
        while ptr + arrivals < n_ev and ev.t[ptr + arrivals] < t_next:
            arrivals += 1
        if n + 4 * (live + 6 * arrivals + 16) + 256 + markers * 4 > cap:
            break
        t_upd = t_s + steps.jit[s]
        f = steps.fair[s - 1] if s > 0 else steps.fair[s]
        t_cur = t_s
        stale = True
        t_snap = t_tick = t_fund = t_mark = NEVER
        for phase in range(2):
            t_hi = t_upd if phase == 0 else t_next
            if phase == 1:
                f = steps.fair[s]
                n = requote(book, steps, out, n, t_upd >= mk.emit_from, t_upd, s)
            while True:
                if stale:
                    # Next marker instants at or after t_cur; recomputed when t_cur moves.
                    t_snap = NEVER
                    if mk.snap_dt > 0 and mk.emit_from < NEVER:
                        first = t_cur if t_cur >= mk.emit_from else mk.emit_from
                        t_snap = -(-first // mk.snap_dt) * mk.snap_dt
                    t_tick = -(-t_cur // mk.tick_dt) * mk.tick_dt if mk.tick_dt > 0 else NEVER
                    t_fund = NEVER
                    for k in range(mk.fund_t.shape[0]):
                        if mk.fund_t[k] >= t_cur and mk.fund_t[k] >= mk.emit_from:
                            t_fund = int(mk.fund_t[k])
                            break
                    t_mark = min(t_snap, t_tick, t_fund)
                    stale = False
                t_arr = int(ev.t[sc[S_EV_PTR]]) if sc[S_EV_PTR] < n_ev else NEVER
                t_can = int(book.h_t[0]) if sc[S_HEAP_N] > 0 else NEVER
                t_ev = min(t_arr, t_can)
                if t_mark <= t_ev and (t_mark <= t_hi if phase == 0 else t_mark < t_hi):
                    n = _marks(book, mk, out, n, t_mark, t_snap, t_tick, t_fund)
                    t_cur = t_mark + 1
                    stale = True
                    continue
                if t_ev >= t_hi:
                    break
                n = _one_event(book, steps, ev, out, n, mk.emit_from, s, f)
                if sc[S_ERROR] != 0:
                    return n, s
        if sc[S_ERROR] != 0:
            return n, s
        s += 1
    return n, s


#: Simulate steps ``[s_begin, s_end)``; return ``(rows written, next step)``. Stops early,
#: before a step, when ``out`` might not hold that step's rows; the caller flushes and calls
#: again. Where it stops never changes what is simulated.
run_steps = kernel()(_run_steps_impl)
