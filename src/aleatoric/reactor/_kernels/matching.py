"""Rows out, matching, and the book changes that emit rows: add, cancel, sweep.

Rows go to ``out[n, 6]`` as documented in :mod:`aleatoric.reactor.dtypes`; every function
returns the new row count. ``emit`` false (the warm-up) changes the book without rows.
"""

from __future__ import annotations

import numpy as np

from aleatoric.reactor._kernels._bundles import (
    F_INVENTORY,
    I64,
    S_BASE,
    S_BEST_ASK,
    S_BEST_BID,
    S_LAST_TRADE,
    S_LIVE_ASK,
    S_LIVE_BID,
    Book,
    kernel,
)
from aleatoric.reactor._kernels.queues import add_order, remove_order
from aleatoric.reactor.dtypes import (
    ACTION_ADD,
    ACTION_CANCEL,
    ACTION_FILL,
    ACTION_TRADE,
    ASK,
    BID,
    F_LAST,
    KIND_DELTA,
    KIND_MBO,
    KIND_TRADE,
)

__all__ = ["add_and_emit", "cancel_and_emit", "emit", "is_maker", "pull_maker", "set_last", "sweep"]

#: Bit 21 of an id: an order the book's state caused (a quote or a sweep) at a step.
STEP_BIT = 1 << 21
#: Bit 20 of an id: a market maker's quote posted in reaction to an arrival.
REACT_BIT = 1 << 20


def _is_maker_impl(oid: int) -> bool:
    # Market-maker quotes: reaction ids, and step ids whose two low bits are 2 or 3.
    return bool((oid & REACT_BIT) != 0 or ((oid & STEP_BIT) != 0 and (oid & 3) >= 2))


#: Whether an order id belongs to the market maker.
is_maker = kernel(inline=True)(_is_maker_impl)


def _emit_impl(
    out: I64, n: int, ts: int, kind: int, action: int, side: int, flags: int,
    oid: int, px: int, sz: int, aux: int,
) -> int:  # fmt: skip
    out[n, 0] = ts
    out[n, 1] = kind | (action << 8) | (side << 16) | (flags << 24)
    out[n, 2] = oid
    out[n, 3] = px
    out[n, 4] = sz
    out[n, 5] = aux
    return n + 1


#: Write one row; return the new row count.
emit = kernel(inline=True)(_emit_impl)


def _set_last_impl(out: I64, row: int) -> None:
    if row >= 0:
        out[row, 1] |= np.int64(F_LAST << 24)


#: Flag row ``row`` as the last of its message (nothing when ``row`` is -1).
set_last = kernel()(_set_last_impl)


def _add_and_emit_impl(
    book: Book, out: I64, n: int, on: bool, ts: int, side: int, px: int, size: int,
    oid: int, life: int,
) -> int:  # fmt: skip
    lvl = px - book.sc[S_BASE]
    slot = add_order(book, side, lvl, size, oid, ts + life)
    if slot >= 0 and on:
        n = emit(out, n, ts, KIND_MBO, ACTION_ADD, side, F_LAST, oid, px, size, 0)
        n = emit(out, n, ts, KIND_DELTA, 0, side, F_LAST, 0, px, book.lv_size[side, lvl],
                 book.lv_count[side, lvl])  # fmt: skip
    return n


#: Rest a new order at ``px`` ticks (one message: add and level change).
add_and_emit = kernel()(_add_and_emit_impl)


def _cancel_and_emit_impl(book: Book, out: I64, n: int, on: bool, ts: int, slot: int) -> int:
    side = int(book.o_side[slot])
    lvl = book.o_px[slot]
    rem = book.o_rem[slot]
    oid = book.o_id[slot]
    remove_order(book, slot)
    if on:
        px = lvl + book.sc[S_BASE]
        n = emit(out, n, ts, KIND_MBO, ACTION_CANCEL, side, F_LAST, oid, px, rem, 0)
        n = emit(out, n, ts, KIND_DELTA, 0, side, F_LAST, 0, px, book.lv_size[side, lvl],
                 book.lv_count[side, lvl])  # fmt: skip
    return n


#: Cancel the resting order in ``slot`` (one message).
cancel_and_emit = kernel()(_cancel_and_emit_impl)


def _sweep_impl(
    book: Book, out: I64, n: int, on: bool, ts: int, aggressor: int, limit_lvl: int,
    qty: int, aggressor_id: int, protect: bool,
) -> int:  # fmt: skip
    # Match an aggressor against the opposite side, best level first and FIFO inside a level,
    # until ``qty`` lots are filled or no level at or better than ``limit_lvl`` remains. One
    # message: T and F (mbo), the level change and a trades row for every match.
    opp = ASK if aggressor == BID else BID
    last_mbo = -1
    last_delta = -1
    base = book.sc[S_BASE]
    while qty > 0:
        lvl = book.sc[S_BEST_ASK] if opp == ASK else book.sc[S_BEST_BID]
        if lvl < 0 or (lvl > limit_lvl if opp == ASK else lvl < limit_lvl):
            break
        slot = book.lv_head[opp, lvl]
        rem = book.o_rem[slot]
        fill = rem if rem < qty else qty
        live = book.sc[S_LIVE_ASK] if opp == ASK else book.sc[S_LIVE_BID]
        if protect and live == 1 and fill == rem:
            # Price protection: a market order never takes the last order of a side.
            fill = rem - 1
            qty = fill
            if fill == 0:
                break
        resting = book.o_id[slot]
        book.sc[S_LAST_TRADE] = lvl
        if is_maker(resting):
            book.fl[F_INVENTORY] += fill if opp == BID else -fill
        if rem == fill:
            remove_order(book, slot)
        else:
            book.o_rem[slot] = rem - fill
            book.lv_size[opp, lvl] -= fill
        qty -= fill
        if on:
            px = lvl + base
            n = emit(out, n, ts, KIND_MBO, ACTION_TRADE, aggressor, 0, aggressor_id, px, fill, 0)
            n = emit(out, n, ts, KIND_MBO, ACTION_FILL, opp, 0, resting, px, fill, 0)
            last_mbo = n - 1
            n = emit(out, n, ts, KIND_DELTA, 0, opp, 0, 0, px, book.lv_size[opp, lvl],
                     book.lv_count[opp, lvl])  # fmt: skip
            last_delta = n - 1
            n = emit(out, n, ts, KIND_TRADE, 0, aggressor, 0, aggressor_id, px, fill, 0)
    set_last(out, last_mbo)
    set_last(out, last_delta)
    return n


#: Match an aggressive order (one message); the unfilled rest is dropped. With ``protect`` it
#: never takes the last order of a side (the venue's price protection).
sweep = kernel()(_sweep_impl)


def _pull_maker_impl(book: Book, out: I64, n: int, on: bool, ts: int, side: int,
                     limit_lvl: int, only_maker: bool) -> int:  # fmt: skip
    # Cancel the market maker's quotes (``only_maker``, else every order) on ``side`` at levels
    # at or beyond ``limit_lvl`` toward the spread (asks at or below it, bids at or above it);
    # one message.
    last_mbo = -1
    last_delta = -1
    base = book.sc[S_BASE]
    nl = book.lv_size.shape[1]
    lvl = book.sc[S_BEST_BID] if side == BID else book.sc[S_BEST_ASK]
    if lvl < 0:
        return n
    while 0 <= lvl < nl and (lvl <= limit_lvl if side == ASK else lvl >= limit_lvl):
        slot = book.lv_head[side, lvl]
        while slot >= 0:
            nxt = book.o_next[slot]
            oid = book.o_id[slot]
            if is_maker(oid) or not only_maker:
                rem = book.o_rem[slot]
                remove_order(book, slot)
                if on:
                    n = emit(out, n, ts, KIND_MBO, ACTION_CANCEL, side, 0, oid, lvl + base,
                             rem, 0)  # fmt: skip
                    last_mbo = n - 1
                    n = emit(out, n, ts, KIND_DELTA, 0, side, 0, 0, lvl + base,
                             book.lv_size[side, lvl], book.lv_count[side, lvl])  # fmt: skip
                    last_delta = n - 1
            slot = nxt
        lvl = lvl + 1 if side == ASK else lvl - 1
    set_last(out, last_mbo)
    set_last(out, last_delta)
    return n


#: Cancel the market maker's stale quotes on one side (one message).
pull_maker = kernel()(_pull_maker_impl)
