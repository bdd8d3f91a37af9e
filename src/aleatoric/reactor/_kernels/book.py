"""Numba kernels of the order-level book: a price-level array of FIFO queues of orders.

State lives in plain arrays owned by :class:`aleatoric.reactor._state.BookState` so that the
kernels stay pure functions of arrays and scalars (cacheable, no Python objects):

- ``lv_size[side, level]`` total resting lots, ``lv_head/lv_tail[side, level]`` queue ends,
  with ``level = price_ticks - base``;
- an order pool: ``o_id``, ``o_side`` (-1 = free slot), ``o_px``, ``o_rem``, ``o_prev``,
  ``o_next`` and a stack of free slots;
- a binary heap of scheduled cancellations keyed by ``(time, order id)``: lifetimes are drawn
  at birth, so a cancellation is known when the order is added; a heap entry whose order was
  filled meanwhile is skipped when it comes due;
- ``sc`` scalars: see the ``S_*`` indices.

Rows go to ``out[n, 6]`` as documented in :mod:`aleatoric.reactor.dtypes`.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from aleatoric.reactor.dtypes import (
    ACTION_ADD,
    ACTION_CANCEL,
    ACTION_FILL,
    ACTION_TRADE,
    ASK,
    BID,
    F_LAST,
    KIND_DELTA,
    KIND_FUNDING,
    KIND_MBO,
    KIND_SNAPSHOT,
    KIND_TICKER,
    KIND_TRADE,
)

# Scalar slots in ``sc``.
S_BEST_BID = 0  # level index of the best bid, -1 if none
S_BEST_ASK = 1  # level index of the best ask, -1 if none
S_FREE_TOP = 2  # number of free slots on the stack
S_HEAP_N = 3
S_LIVE_BID = 4  # live orders per side
S_LIVE_ASK = 5
S_LAST_TRADE = 6  # level index of the last trade, -1 if none yet
S_BASE = 7  # price ticks of level 0
S_ERROR = 8  # nonzero: 1 price left the level window, 2 order pool full, 3 heap full
S_EV_PTR = 9  # next arrival to process
N_SCALARS = 10

INF = np.int64(2**62)

# Arrival kinds.
EV_LIMIT = 0
EV_MARKET = 1


@nb.njit(cache=True, inline="always")
def _code(kind: int, action: int, side: int, flags: int) -> np.int64:  # pragma: no cover
    return np.int64(kind | (action << 8) | (side << 16) | (flags << 24))


@nb.njit(cache=True)
def _emit(out, n, ts, kind, action, side, flags, oid, px, sz, aux):  # type: ignore[no-untyped-def]  # pragma: no cover
    out[n, 0] = ts
    out[n, 1] = _code(kind, action, side, flags)
    out[n, 2] = oid
    out[n, 3] = px
    out[n, 4] = sz
    out[n, 5] = aux
    return n + 1


@nb.njit(cache=True)
def _set_last(out, row):  # type: ignore[no-untyped-def]  # pragma: no cover
    if row >= 0:
        out[row, 1] |= np.int64(F_LAST << 24)


# --- heap of scheduled cancellations -----------------------------------------------------


@nb.njit(cache=True)
def _heap_less(h_t, h_id, a, b):  # type: ignore[no-untyped-def]  # pragma: no cover
    return h_t[a] < h_t[b] or (h_t[a] == h_t[b] and h_id[a] < h_id[b])


@nb.njit(cache=True)
def _heap_swap(h_t, h_id, h_slot, a, b):  # type: ignore[no-untyped-def]  # pragma: no cover
    h_t[a], h_t[b] = h_t[b], h_t[a]
    h_id[a], h_id[b] = h_id[b], h_id[a]
    h_slot[a], h_slot[b] = h_slot[b], h_slot[a]


@nb.njit(cache=True)
def _heap_push(sc, h_t, h_id, h_slot, t, oid, slot):  # type: ignore[no-untyped-def]  # pragma: no cover
    i = sc[S_HEAP_N]
    if i >= h_t.shape[0]:
        sc[S_ERROR] = 3
        return
    h_t[i] = t
    h_id[i] = oid
    h_slot[i] = slot
    sc[S_HEAP_N] = i + 1
    while i > 0:
        parent = (i - 1) // 2
        if _heap_less(h_t, h_id, i, parent):
            _heap_swap(h_t, h_id, h_slot, i, parent)
            i = parent
        else:
            break


@nb.njit(cache=True)
def _heap_pop(sc, h_t, h_id, h_slot):  # type: ignore[no-untyped-def]  # pragma: no cover
    n = sc[S_HEAP_N] - 1
    sc[S_HEAP_N] = n
    _heap_swap(h_t, h_id, h_slot, 0, n)
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        child = left
        if left + 1 < n and _heap_less(h_t, h_id, left + 1, left):
            child = left + 1
        if _heap_less(h_t, h_id, child, i):
            _heap_swap(h_t, h_id, h_slot, i, child)
            i = child
        else:
            break


@nb.njit(cache=True)
def _count(lv_head, o_next, side, lvl):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Orders resting at a level (queues are short: a walk is cheaper than another array).
    k = 0
    slot = lv_head[side, lvl]
    while slot >= 0:
        k += 1
        slot = o_next[slot]
    return k


# --- price grid --------------------------------------------------------------------------


@nb.njit(cache=True)
def _step_at(px, scale, sig):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Smallest valid price increment (in ticks) at ``px`` ticks under a significant-figure
    # rule (Hyperliquid); 1 when ``sig`` is 0.
    if sig <= 0:
        return np.int64(1)
    whole = px
    for _ in range(scale):
        whole //= 10
    digits = 1
    while whole >= 10:
        whole //= 10
        digits += 1
    e = digits - sig + scale
    step = np.int64(1)
    for _ in range(e):
        step *= 10
    return step


@nb.njit(cache=True)
def _snap_down(px, scale, sig):  # type: ignore[no-untyped-def]  # pragma: no cover
    step = _step_at(px, scale, sig)
    return (px // step) * step


@nb.njit(cache=True)
def _snap_up(px, scale, sig):  # type: ignore[no-untyped-def]  # pragma: no cover
    step = _step_at(px, scale, sig)
    return -((-px) // step) * step


# --- book maintenance --------------------------------------------------------------------


@nb.njit(cache=True)
def _refresh_best(sc, lv_size, side):  # type: ignore[no-untyped-def]  # pragma: no cover
    # After the best level of ``side`` emptied, walk away from the spread to the next one.
    idx = BID if side == BID else ASK
    live = sc[S_LIVE_BID] if side == BID else sc[S_LIVE_ASK]
    if live == 0:
        sc[S_BEST_BID + idx] = -1
        return
    lvl = sc[S_BEST_BID + idx]
    nl = lv_size.shape[1]
    if side == BID:
        while lvl >= 0 and lv_size[BID, lvl] == 0:
            lvl -= 1
    else:
        while lvl < nl and lv_size[ASK, lvl] == 0:
            lvl += 1
        if lvl >= nl:
            lvl = -1
    sc[S_BEST_BID + idx] = lvl


@nb.njit(cache=True)
def add_order(  # type: ignore[no-untyped-def]  # pragma: no cover
    sc,
    lv_size,
    lv_head,
    lv_tail,
    o_id,
    o_side,
    o_px,
    o_rem,
    o_prev,
    o_next,
    free,
    h_t,
    h_id,
    h_slot,
    side,
    lvl,
    size,
    oid,
    cancel_at,
):
    """Rest an order at the tail of its level's queue; return its slot or -1 on error."""
    if lvl < 0 or lvl >= lv_size.shape[1]:
        sc[S_ERROR] = 1
        return -1
    top = sc[S_FREE_TOP]
    if top == 0:
        sc[S_ERROR] = 2
        return -1
    slot = free[top - 1]
    sc[S_FREE_TOP] = top - 1
    o_id[slot] = oid
    o_side[slot] = side
    o_px[slot] = lvl
    o_rem[slot] = size
    tail = lv_tail[side, lvl]
    o_prev[slot] = tail
    o_next[slot] = -1
    if tail >= 0:
        o_next[tail] = slot
    else:
        lv_head[side, lvl] = slot
    lv_tail[side, lvl] = slot
    lv_size[side, lvl] += size
    if side == BID:
        sc[S_LIVE_BID] += 1
        if sc[S_BEST_BID] < 0 or lvl > sc[S_BEST_BID]:
            sc[S_BEST_BID] = lvl
    else:
        sc[S_LIVE_ASK] += 1
        if sc[S_BEST_ASK] < 0 or lvl < sc[S_BEST_ASK]:
            sc[S_BEST_ASK] = lvl
    if cancel_at < INF:
        _heap_push(sc, h_t, h_id, h_slot, cancel_at, oid, slot)
    return slot


@nb.njit(cache=True)
def remove_order(  # type: ignore[no-untyped-def]  # pragma: no cover
    sc,
    lv_size,
    lv_head,
    lv_tail,
    o_side,
    o_px,
    o_rem,
    o_prev,
    o_next,
    free,
    slot,
):
    """Unlink a live order from its queue, free its slot and keep the best prices current."""
    side = o_side[slot]
    lvl = o_px[slot]
    prev = o_prev[slot]
    nxt = o_next[slot]
    if prev >= 0:
        o_next[prev] = nxt
    else:
        lv_head[side, lvl] = nxt
    if nxt >= 0:
        o_prev[nxt] = prev
    else:
        lv_tail[side, lvl] = prev
    lv_size[side, lvl] -= o_rem[slot]
    o_rem[slot] = 0
    o_side[slot] = -1
    free[sc[S_FREE_TOP]] = slot
    sc[S_FREE_TOP] += 1
    if side == BID:
        sc[S_LIVE_BID] -= 1
        if lv_size[BID, lvl] == 0 and lvl == sc[S_BEST_BID]:
            _refresh_best(sc, lv_size, BID)
    else:
        sc[S_LIVE_ASK] -= 1
        if lv_size[ASK, lvl] == 0 and lvl == sc[S_BEST_ASK]:
            _refresh_best(sc, lv_size, ASK)


@nb.njit(cache=True)
def _sweep(  # type: ignore[no-untyped-def]  # pragma: no cover
    sc,
    lv_size,
    lv_head,
    lv_tail,
    o_id,
    o_side,
    o_px,
    o_rem,
    o_prev,
    o_next,
    free,
    out,
    n,
    emit,
    ts,
    aggressor_side,
    limit_lvl,
    qty,
    aggressor_id,
):
    # Match an aggressor against the opposite side, best level first and FIFO inside a level,
    # until ``qty`` lots are filled or no level at or better than ``limit_lvl`` remains.
    # Emits T and F (mbo), the level change (book_delta) and a trades row for every match.
    opp = ASK if aggressor_side == BID else BID
    last_mbo = -1
    last_delta = -1
    while qty > 0:
        lvl = sc[S_BEST_ASK] if opp == ASK else sc[S_BEST_BID]
        if lvl < 0:
            break
        if opp == ASK and lvl > limit_lvl:
            break
        if opp == BID and lvl < limit_lvl:
            break
        slot = lv_head[opp, lvl]
        fill = o_rem[slot] if o_rem[slot] < qty else qty
        px = lvl + sc[S_BASE]
        resting_id = o_id[slot]
        sc[S_LAST_TRADE] = lvl
        if o_rem[slot] == fill:
            remove_order(
                sc, lv_size, lv_head, lv_tail, o_side, o_px, o_rem, o_prev, o_next, free, slot
            )
        else:
            o_rem[slot] -= fill
            lv_size[opp, lvl] -= fill
        qty -= fill
        if emit:
            n = _emit(
                out, n, ts, KIND_MBO, ACTION_TRADE, aggressor_side, 0, aggressor_id, px, fill, 0
            )
            n = _emit(out, n, ts, KIND_MBO, ACTION_FILL, opp, 0, resting_id, px, fill, 0)
            last_mbo = n - 1
            n = _emit(
                out, n, ts, KIND_DELTA, 0, opp, 0, 0, px, lv_size[opp, lvl],
                _count(lv_head, o_next, opp, lvl),
            )  # fmt: skip
            last_delta = n - 1
            n = _emit(out, n, ts, KIND_TRADE, 0, aggressor_side, 0, aggressor_id, px, fill, 0)
    _set_last(out, last_mbo)
    _set_last(out, last_delta)
    return n, qty


@nb.njit(cache=True)
def _pull_stale_quotes(  # type: ignore[no-untyped-def]  # pragma: no cover
    sc,
    lv_size,
    lv_head,
    lv_tail,
    o_id,
    o_side,
    o_px,
    o_rem,
    o_prev,
    o_next,
    free,
    out,
    n,
    emit,
    ts,
    side,
    limit_lvl,
):
    # Cancel market-maker quotes (requotes: dynamic ids with code 2 or 3) resting on ``side``
    # at levels the latent price crossed; one message. Other orders stay for the takers.
    last_mbo = -1
    last_delta = -1
    base = sc[S_BASE]
    nl = lv_size.shape[1]
    lvl = sc[S_BEST_BID] if side == BID else sc[S_BEST_ASK]
    if lvl < 0:
        return n
    while 0 <= lvl < nl and (lvl <= limit_lvl if side == ASK else lvl >= limit_lvl):
        slot = lv_head[side, lvl]
        while slot >= 0:
            nxt = o_next[slot]
            oid = o_id[slot]
            if (oid >> 21) & 1 and (oid & 3) >= 2:
                rem = o_rem[slot]
                remove_order(sc, lv_size, lv_head, lv_tail, o_side, o_px, o_rem, o_prev, o_next,
                             free, slot)  # fmt: skip
                if emit:
                    n = _emit(out, n, ts, KIND_MBO, ACTION_CANCEL, side, 0, oid, lvl + base,
                              rem, 0)  # fmt: skip
                    last_mbo = n - 1
                    n = _emit(out, n, ts, KIND_DELTA, 0, side, 0, 0, lvl + base,
                              lv_size[side, lvl], _count(lv_head, o_next, side, lvl))  # fmt: skip
                    last_delta = n - 1
            slot = nxt
        lvl = lvl + 1 if side == ASK else lvl - 1
    _set_last(out, last_mbo)
    _set_last(out, last_delta)
    return n


@nb.njit(cache=True)
def _total_crossing(sc, lv_size, side, limit_lvl):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Resting lots on ``side`` at levels that cross ``limit_lvl`` (stale against the latent).
    total = 0
    if side == ASK:
        lvl = sc[S_BEST_ASK]
        if lvl < 0:
            return 0
        while lvl <= limit_lvl:
            total += lv_size[ASK, lvl]
            lvl += 1
    else:
        lvl = sc[S_BEST_BID]
        if lvl < 0:
            return 0
        while lvl >= limit_lvl:
            total += lv_size[BID, lvl]
            lvl -= 1
    return total


@nb.njit(cache=True)
def _add_and_emit(  # type: ignore[no-untyped-def]  # pragma: no cover
    sc,
    lv_size,
    lv_head,
    lv_tail,
    o_id,
    o_side,
    o_px,
    o_rem,
    o_prev,
    o_next,
    free,
    h_t,
    h_id,
    h_slot,
    out,
    n,
    emit,
    ts,
    side,
    px,
    size,
    oid,
    life,
):
    lvl = px - sc[S_BASE]
    slot = add_order(
        sc,
        lv_size,
        lv_head,
        lv_tail,
        o_id,
        o_side,
        o_px,
        o_rem,
        o_prev,
        o_next,
        free,
        h_t,
        h_id,
        h_slot,
        side,
        lvl,
        size,
        oid,
        ts + life,
    )
    if slot >= 0 and emit:
        n = _emit(out, n, ts, KIND_MBO, ACTION_ADD, side, F_LAST, oid, px, size, 0)
        n = _emit(
            out, n, ts, KIND_DELTA, 0, side, F_LAST, 0, px, lv_size[side, lvl],
            _count(lv_head, o_next, side, lvl),
        )  # fmt: skip
    return n


@nb.njit(cache=True)
def record_levels(sc, lv_size, side, depth, px_out, sz_out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Write the top ``depth`` levels of ``side`` (price ticks, lots); -1 price when absent."""
    k = 0
    lvl = sc[S_BEST_BID] if side == BID else sc[S_BEST_ASK]
    nl = lv_size.shape[1]
    if lvl >= 0:
        while k < depth and 0 <= lvl < nl:
            if lv_size[side, lvl] > 0:
                px_out[k] = lvl + sc[S_BASE]
                sz_out[k] = lv_size[side, lvl]
                k += 1
            lvl = lvl - 1 if side == BID else lvl + 1
    while k < depth:
        px_out[k] = -1
        sz_out[k] = 0
        k += 1


@nb.njit(cache=True)
def run_steps(  # type: ignore[no-untyped-def]  # pragma: no cover
    # book state
    sc,
    lv_size,
    lv_head,
    lv_tail,
    o_id,
    o_side,
    o_px,
    o_rem,
    o_prev,
    o_next,
    free,
    h_t,
    h_id,
    h_slot,
    # latent price and requotes, one row per step
    t0,
    step_ns,
    fair,
    req_u,
    req_size,
    req_life,
    dyn_id,
    jit,
    requote_prob,
    scale,
    sig,
    # arrivals, sorted by (time, id)
    ev_t,
    ev_kind,
    ev_side,
    ev_dist,
    ev_size,
    ev_life,
    ev_id,
    # markers
    emit_from,
    snap_dt,
    snap_px,
    snap_sz,
    tick_t0,
    tick_dt,
    tick_bid,
    tick_ask,
    tick_last,
    fund_t,
    # work window and output
    s_begin,
    s_end,
    out,
    n,
):
    """Simulate steps ``[s_begin, s_end)``; return ``(rows written, next step)``.

    Stops early, before a step, when ``out`` might not hold that step's rows; the caller
    flushes and calls again. Where it stops never changes what is simulated.
    """
    depth = snap_px.shape[2]
    cap = out.shape[0]
    n_ev = ev_t.shape[0]
    s = s_begin
    while s < s_end:
        t_s = t0 + s * step_ns
        t_next = t_s + step_ns
        live = sc[S_LIVE_BID] + sc[S_LIVE_ASK]
        ptr = sc[S_EV_PTR]
        arrivals = 0
        while ptr + arrivals < n_ev and ev_t[ptr + arrivals] < t_next:
            arrivals += 1
        markers = (
            3
            + (step_ns // snap_dt if snap_dt > 0 else 0)
            + (step_ns // tick_dt if tick_dt > 0 else 0)
        )
        if n + 4 * (live + arrivals + 8) + markers * 4 > cap:
            break
        emit = t_s >= emit_from
        base = sc[S_BASE]
        # The latent price moves at a drawn instant inside the step, so reactions to it do not
        # all print on the step grid. Before that instant the previous step's price holds.
        t_upd = t_s + jit[s]
        pf = fair[s - 1] if s > 0 else fair[s]
        pqb = _snap_down(np.int64(np.floor(pf)), scale, sig)
        pqa = _snap_up(pqb + 1, scale, sig)
        t_cur = t_s
        stale_marks = True
        t_snap = t_tick = t_fund = t_mark = INF
        for phase in range(2):
            t_hi = t_upd if phase == 0 else t_next
            if phase == 1:
                # 1. The latent price moves: market makers pull the quotes it left behind, takers
                #    sweep the rest, and a vacated touch is requoted.
                f = fair[s]
                qb = _snap_down(np.int64(np.floor(f)), scale, sig)
                qa = _snap_up(qb + 1, scale, sig)
                for side in (BID, ASK):
                    opp = ASK if side == BID else BID
                    limit_lvl = (qb if side == BID else qa) - base
                    n = _pull_stale_quotes(
                        sc, lv_size, lv_head, lv_tail, o_id, o_side, o_px, o_rem, o_prev,
                        o_next, free, out, n, emit, t_upd, opp, limit_lvl,
                    )  # fmt: skip
                    stale = _total_crossing(sc, lv_size, opp, limit_lvl)
                    if stale > 0:
                        n, _ = _sweep(
                            sc,
                            lv_size,
                            lv_head,
                            lv_tail,
                            o_id,
                            o_side,
                            o_px,
                            o_rem,
                            o_prev,
                            o_next,
                            free,
                            out,
                            n,
                            emit,
                            t_upd,
                            side,
                            limit_lvl,
                            stale,
                            dyn_id[s] + side,
                        )
                for side in (BID, ASK):
                    best = sc[S_BEST_BID] if side == BID else sc[S_BEST_ASK]
                    target = qb if side == BID else qa
                    vacated = best < 0 or (
                        best + base < target if side == BID else best + base > target
                    )
                    if vacated and req_u[s, side] < requote_prob:
                        n = _add_and_emit(
                            sc,
                            lv_size,
                            lv_head,
                            lv_tail,
                            o_id,
                            o_side,
                            o_px,
                            o_rem,
                            o_prev,
                            o_next,
                            free,
                            h_t,
                            h_id,
                            h_slot,
                            out,
                            n,
                            emit,
                            t_upd,
                            side,
                            target,
                            req_size[s, side],
                            dyn_id[s] + 2 + side,
                            req_life[s, side],
                        )

                pf = f
                pqb = qb
                pqa = qa
            # 2. Markers, cancellations and arrivals inside the step, in time order. Markers at
            #    an instant come first: they show the book after everything before that instant.
            while True:
                if stale_marks:
                    # Next marker instants at or after t_cur; recomputed only when t_cur moves.
                    t_snap = INF
                    if snap_dt > 0 and emit_from < INF:
                        first = t_cur if t_cur >= emit_from else emit_from
                        t_snap = -(-first // snap_dt) * snap_dt
                    t_tick = -(-t_cur // tick_dt) * tick_dt if tick_dt > 0 else INF
                    t_fund = INF
                    for k in range(fund_t.shape[0]):
                        if fund_t[k] >= t_cur and fund_t[k] >= emit_from:
                            t_fund = fund_t[k]
                            break
                    t_mark = min(t_snap, t_tick, t_fund)
                    stale_marks = False
                t_arr = ev_t[sc[S_EV_PTR]] if sc[S_EV_PTR] < n_ev else INF
                t_can = h_t[0] if sc[S_HEAP_N] > 0 else INF
                t_ev = min(t_arr, t_can)
                if t_mark <= t_ev and (t_mark <= t_hi if phase == 0 else t_mark < t_hi):
                    if t_tick == t_mark:
                        i = (t_tick - tick_t0) // tick_dt
                        if 0 <= i < tick_bid.shape[0]:
                            bb = sc[S_BEST_BID]
                            ba = sc[S_BEST_ASK]
                            lt = sc[S_LAST_TRADE]
                            tick_bid[i] = bb + base if bb >= 0 else -1
                            tick_ask[i] = ba + base if ba >= 0 else -1
                            tick_last[i] = lt + base if lt >= 0 else -1
                            if t_tick >= emit_from:
                                n = _emit(out, n, t_tick, KIND_TICKER, 0, 0, 0, 0, 0, 0, i)
                    if t_snap == t_mark:
                        j = (t_snap - emit_from) // snap_dt
                        if 0 <= j < snap_px.shape[0]:
                            record_levels(sc, lv_size, BID, depth, snap_px[j, 0], snap_sz[j, 0])
                            record_levels(sc, lv_size, ASK, depth, snap_px[j, 1], snap_sz[j, 1])
                            n = _emit(out, n, t_snap, KIND_SNAPSHOT, 0, 0, 0, 0, 0, 0, j)
                    if t_fund == t_mark:
                        for k in range(fund_t.shape[0]):
                            if fund_t[k] == t_fund:
                                n = _emit(out, n, t_fund, KIND_FUNDING, 0, 0, 0, 0, 0, 0, k)
                    t_cur = t_mark + 1
                    stale_marks = True
                    continue
                if t_ev >= t_hi:
                    break
                n = _one_event(
                    sc,
                    lv_size,
                    lv_head,
                    lv_tail,
                    o_id,
                    o_side,
                    o_px,
                    o_rem,
                    o_prev,
                    o_next,
                    free,
                    h_t,
                    h_id,
                    h_slot,
                    pqb,
                    pqa,
                    scale,
                    sig,
                    ev_t,
                    ev_kind,
                    ev_side,
                    ev_dist,
                    ev_size,
                    ev_life,
                    ev_id,
                    emit_from,
                    out,
                    n,
                    pf,
                )
                if sc[S_ERROR] != 0:
                    return n, s
        if sc[S_ERROR] != 0:
            return n, s
        s += 1
    return n, s


@nb.njit(cache=True)
def _one_event(  # type: ignore[no-untyped-def]  # pragma: no cover
    sc,
    lv_size,
    lv_head,
    lv_tail,
    o_id,
    o_side,
    o_px,
    o_rem,
    o_prev,
    o_next,
    free,
    h_t,
    h_id,
    h_slot,
    qb,
    qa,
    scale,
    sig,
    ev_t,
    ev_kind,
    ev_side,
    ev_dist,
    ev_size,
    ev_life,
    ev_id,
    emit_from,
    out,
    n,
    fair,
):
    # Process the earliest of the next scheduled cancellation and the next arrival
    # (cancellation first on a tie).
    n_ev = ev_t.shape[0]
    t_arr = ev_t[sc[S_EV_PTR]] if sc[S_EV_PTR] < n_ev else INF
    t_can = h_t[0] if sc[S_HEAP_N] > 0 else INF
    base = sc[S_BASE]
    if t_can <= t_arr:
        slot = h_slot[0]
        oid = h_id[0]
        _heap_pop(sc, h_t, h_id, h_slot)
        if o_side[slot] >= 0 and o_id[slot] == oid:
            side = o_side[slot]
            lvl = o_px[slot]
            rem = o_rem[slot]
            remove_order(
                sc, lv_size, lv_head, lv_tail, o_side, o_px, o_rem, o_prev, o_next, free, slot
            )
            if t_can >= emit_from:
                n = _emit(
                    out, n, t_can, KIND_MBO, ACTION_CANCEL, side, F_LAST, oid, lvl + base, rem, 0
                )
                n = _emit(
                    out,
                    n,
                    t_can,
                    KIND_DELTA,
                    0,
                    side,
                    F_LAST,
                    0,
                    lvl + base,
                    lv_size[side, lvl],
                    _count(lv_head, o_next, side, lvl),
                )
        return n
    i = sc[S_EV_PTR]
    sc[S_EV_PTR] = i + 1
    emit = t_arr >= emit_from
    side = ev_side[i]
    if ev_kind[i] == EV_MARKET:
        limit_lvl = lv_size.shape[1] - 1 if side == BID else 0
        n, _ = _sweep(
            sc,
            lv_size,
            lv_head,
            lv_tail,
            o_id,
            o_side,
            o_px,
            o_rem,
            o_prev,
            o_next,
            free,
            out,
            n,
            emit,
            t_arr,
            side,
            limit_lvl,
            ev_size[i],
            ev_id[i],
        )
        return n
    # Limit order: a distance behind the touch implied by the latent price, never marketable.
    d = np.int64(ev_dist[i] * fair)
    if ev_dist[i] > 0.0:
        d += 1
    if side == BID:
        px = qb - d * _step_at(qb, scale, sig)
        px = _snap_down(px, scale, sig)
        ba = sc[S_BEST_ASK]
        if ba >= 0 and px >= ba + base:
            px = _snap_down(ba + base - 1, scale, sig)
    else:
        px = qa + d * _step_at(qa, scale, sig)
        px = _snap_up(px, scale, sig)
        bb = sc[S_BEST_BID]
        if bb >= 0 and px <= bb + base:
            px = _snap_up(bb + base + 1, scale, sig)
    return _add_and_emit(
        sc,
        lv_size,
        lv_head,
        lv_tail,
        o_id,
        o_side,
        o_px,
        o_rem,
        o_prev,
        o_next,
        free,
        h_t,
        h_id,
        h_slot,
        out,
        n,
        emit,
        t_arr,
        side,
        px,
        ev_size[i],
        ev_id[i],
        ev_life[i],
    )
