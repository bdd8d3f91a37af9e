"""Price levels and their FIFO queues: add, remove, best prices, level snapshots, the grid."""

from __future__ import annotations

import numpy as np
from numba.cpython.unsafe.numbers import leading_zeros, trailing_zeros

from aleatoric.reactor._kernels._bundles import (
    I64,
    INF,
    S_BASE,
    S_BEST_ASK,
    S_BEST_BID,
    S_ERROR,
    S_FREE_TOP,
    S_LIVE_ASK,
    S_LIVE_BID,
    SIDE_FREE,
    Book,
    kernel,
)
from aleatoric.reactor._kernels.errors import ERR_POOL_FULL, ERR_WINDOW
from aleatoric.reactor._kernels.heap import heap_push
from aleatoric.reactor.dtypes import BID

__all__ = [
    "add_order",
    "level_at_or_above",
    "level_at_or_below",
    "record_levels",
    "remove_order",
    "snap_down",
    "snap_up",
    "step_at",
]

_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


def _step_at_impl(px: int, scale: int, sig: int) -> int:
    # Smallest valid price increment (ticks) at ``px`` ticks under a significant-figure rule
    # (Hyperliquid); 1 when ``sig`` is 0.
    if sig <= 0:
        return 1
    whole = px
    for _ in range(scale):
        whole //= 10
    digits = 1
    while whole >= 10:
        whole //= 10
        digits += 1
    step = 1
    for _ in range(digits - sig + scale):
        step *= 10
    return step


#: The price step (ticks) at ``px`` ticks.
step_at = kernel(inline=True)(_step_at_impl)


def _snap_down_impl(px: int, scale: int, sig: int) -> int:
    step = step_at(px, scale, sig)
    return (px // step) * step


def _snap_up_impl(px: int, scale: int, sig: int) -> int:
    step = step_at(px, scale, sig)
    return -((-px) // step) * step


#: The largest valid price at or below ``px``.
snap_down = kernel(inline=True)(_snap_down_impl)
#: The smallest valid price at or above ``px``.
snap_up = kernel(inline=True)(_snap_up_impl)


def _mark_impl(book: Book, side: int, lvl: int) -> None:
    # Keep the level's bit in ``lv_bits`` equal to "the level has resting lots".
    w = lvl >> 6
    bit = np.uint64(1) << np.uint64(lvl & 63)
    if book.lv_size[side, lvl] > 0:
        book.lv_bits[side, w] |= bit
    else:
        book.lv_bits[side, w] &= ~bit


_mark = kernel(inline=True)(_mark_impl)


def _level_at_or_below_impl(book: Book, side: int, lvl: int) -> int:
    if lvl < 0:
        return -1
    if lvl >= book.lv_size.shape[1]:
        lvl = book.lv_size.shape[1] - 1
    w = lvl >> 6
    word = book.lv_bits[side, w] & (_ONES >> np.uint64(63 - (lvl & 63)))
    while word == 0:
        w -= 1
        if w < 0:
            return -1
        word = book.lv_bits[side, w]
    return int(w * 64 + 63 - int(leading_zeros(word)))  # type: ignore[call-arg]


#: The highest level at or below ``lvl`` with resting lots on ``side``; -1 when none.
level_at_or_below = kernel()(_level_at_or_below_impl)


def _level_at_or_above_impl(book: Book, side: int, lvl: int) -> int:
    nl = book.lv_size.shape[1]
    if lvl >= nl:
        return -1
    if lvl < 0:
        lvl = 0
    w = lvl >> 6
    nw = book.lv_bits.shape[1]
    word = book.lv_bits[side, w] & (_ONES << np.uint64(lvl & 63))
    while word == 0:
        w += 1
        if w >= nw:
            return -1
        word = book.lv_bits[side, w]
    return int(w * 64 + int(trailing_zeros(word)))  # type: ignore[call-arg]


#: The lowest level at or above ``lvl`` with resting lots on ``side``; -1 when none.
level_at_or_above = kernel()(_level_at_or_above_impl)


def _refresh_best_impl(book: Book, side: int) -> None:
    # After the best level of ``side`` emptied, find the next one away from the spread.
    live = book.sc[S_LIVE_BID] if side == BID else book.sc[S_LIVE_ASK]
    idx = S_BEST_BID if side == BID else S_BEST_ASK
    if live == 0:
        book.sc[idx] = -1
        return
    lvl = book.sc[idx]
    if side == BID:
        book.sc[idx] = level_at_or_below(book, side, lvl)
    else:
        book.sc[idx] = level_at_or_above(book, side, lvl)


_refresh_best = kernel()(_refresh_best_impl)


def _add_order_impl(book: Book, side: int, lvl: int, size: int, oid: int, cancel_at: int) -> int:
    if lvl < 0 or lvl >= book.lv_size.shape[1]:
        book.sc[S_ERROR] = ERR_WINDOW
        return -1
    top = book.sc[S_FREE_TOP]
    if top == 0:
        book.sc[S_ERROR] = ERR_POOL_FULL
        return -1
    slot = int(book.free[top - 1])
    book.sc[S_FREE_TOP] = top - 1
    book.o_id[slot] = oid
    book.o_side[slot] = side
    book.o_px[slot] = lvl
    book.o_rem[slot] = size
    tail = book.lv_tail[side, lvl]
    book.o_prev[slot] = tail
    book.o_next[slot] = -1
    if tail >= 0:
        book.o_next[tail] = slot
    else:
        book.lv_head[side, lvl] = slot
    book.lv_tail[side, lvl] = slot
    book.lv_size[side, lvl] += size
    book.lv_count[side, lvl] += 1
    _mark(book, side, lvl)
    if side == BID:
        book.sc[S_LIVE_BID] += 1
        if book.sc[S_BEST_BID] < 0 or lvl > book.sc[S_BEST_BID]:
            book.sc[S_BEST_BID] = lvl
    else:
        book.sc[S_LIVE_ASK] += 1
        if book.sc[S_BEST_ASK] < 0 or lvl < book.sc[S_BEST_ASK]:
            book.sc[S_BEST_ASK] = lvl
    if cancel_at < INF:
        heap_push(book, cancel_at, oid, slot)
    return slot


#: Rest an order at the tail of its level's queue; return its slot, or -1 with an error code.
add_order = kernel(inline=True)(_add_order_impl)


def _remove_order_impl(book: Book, slot: int) -> None:
    side = book.o_side[slot]
    lvl = book.o_px[slot]
    prev = book.o_prev[slot]
    nxt = book.o_next[slot]
    if prev >= 0:
        book.o_next[prev] = nxt
    else:
        book.lv_head[side, lvl] = nxt
    if nxt >= 0:
        book.o_prev[nxt] = prev
    else:
        book.lv_tail[side, lvl] = prev
    book.lv_size[side, lvl] -= book.o_rem[slot]
    book.lv_count[side, lvl] -= 1
    _mark(book, side, lvl)
    book.o_rem[slot] = 0
    book.o_side[slot] = SIDE_FREE
    book.free[book.sc[S_FREE_TOP]] = slot
    book.sc[S_FREE_TOP] += 1
    if side == BID:
        book.sc[S_LIVE_BID] -= 1
        if book.lv_size[side, lvl] == 0 and lvl == book.sc[S_BEST_BID]:
            _refresh_best(book, side)
    else:
        book.sc[S_LIVE_ASK] -= 1
        if book.lv_size[side, lvl] == 0 and lvl == book.sc[S_BEST_ASK]:
            _refresh_best(book, side)


#: Unlink a live order from its queue, free its slot and keep the best prices current.
remove_order = kernel(inline=True)(_remove_order_impl)


def _record_levels_impl(book: Book, side: int, px_out: I64, sz_out: I64) -> None:
    depth = px_out.shape[0]
    k = 0
    lvl = book.sc[S_BEST_BID] if side == BID else book.sc[S_BEST_ASK]
    base = book.sc[S_BASE]
    if lvl >= 0:
        while k < depth:
            if side == BID:
                lvl = level_at_or_below(book, side, lvl)
            else:
                lvl = level_at_or_above(book, side, lvl)
            if lvl < 0:
                break
            px_out[k] = lvl + base
            sz_out[k] = book.lv_size[side, lvl]
            k += 1
            lvl = lvl - 1 if side == BID else lvl + 1
    while k < depth:
        px_out[k] = -1
        sz_out[k] = 0
        k += 1


#: Write the top levels of ``side`` (price ticks, lots) into the outputs; -1 when absent.
record_levels = kernel()(_record_levels_impl)
