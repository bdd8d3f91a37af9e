"""Numba kernels that replay a book over NumPy arrays, one pass in ``seq`` order.

Levels are dense integer indices (see :mod:`aleatoric.integrity._replay`), sizes integer
lots, so every comparison is exact. The kernels write per-row results into arrays the caller
allocates; the rules turn those into masks with NumPy.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

__all__ = [
    "ERR_ADD_LIVE",
    "ERR_BAD_CODE",
    "ERR_EXCEEDS",
    "ERR_UNKNOWN",
    "ERR_WRONG_LEVEL",
    "replay_l2",
    "replay_l3",
]

I8 = npt.NDArray[np.int8]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
B = npt.NDArray[np.bool_]

#: mbo action codes passed to :func:`replay_l3` (0 = an unknown letter).
ACT_ADD, ACT_CANCEL, ACT_MODIFY, ACT_TRADE, ACT_FILL = 1, 2, 3, 4, 5
#: Error bits of an mbo row.
ERR_UNKNOWN = 1  #: cancel, modify or fill of an order that is not resting
ERR_EXCEEDS = 2  #: cancel or fill larger than the order's remaining size
ERR_WRONG_LEVEL = 4  #: side or price differs from the resting order's
ERR_ADD_LIVE = 8  #: add of an order id that is already resting
ERR_BAD_CODE = 16  #: unknown action letter, or a book action without side B or A

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _remove_level_impl(size: I64, live: I64, best: I64, side: int, lvl: int) -> None:
    # Empty a live level and move the best price of its side when it was the best.
    size[side, lvl] = 0
    live[side] -= 1
    if best[side] != lvl:
        return
    if live[side] == 0:
        best[side] = -1
        return
    step = -1 if side == 0 else 1
    b = lvl + step
    while 0 <= b < size.shape[1] and size[side, b] <= 0:
        b += step
    best[side] = b if 0 <= b < size.shape[1] else -1


_remove_level = nb.njit(cache=True)(_remove_level_impl)


def _replay_l2_impl(
    d_seq: I64,
    d_side: I8,
    d_lvl: I64,
    d_size: I64,
    d_last: B,
    d_reset: B,
    t_seq: I64,
    n_levels: int,
    absent: B,
    crossed: B,
    d_best: I64,
    t_best: I64,
) -> None:
    size = np.zeros((2, n_levels), dtype=np.int64)
    live = np.zeros(2, dtype=np.int64)
    best = np.full(2, -1, dtype=np.int64)
    n_t = t_seq.shape[0]
    j = 0
    for i in range(d_seq.shape[0]):
        while j < n_t and t_seq[j] < d_seq[i]:
            t_best[j, 0] = best[0]
            t_best[j, 1] = best[1]
            j += 1
        if d_reset[i]:  # a snapshot message replaces the book (a resync)
            size[:, :] = 0
            live[:] = 0
            best[:] = -1
        s = d_side[i]
        if 0 <= s <= 1:
            lvl = d_lvl[i]
            new = d_size[i]
            if new <= 0:
                if size[s, lvl] <= 0:
                    absent[i] = True
                else:
                    _remove_level(size, live, best, s, lvl)
            else:
                if size[s, lvl] <= 0:
                    live[s] += 1
                size[s, lvl] = new
                if best[s] < 0 or (lvl > best[s] if s == 0 else lvl < best[s]):
                    best[s] = lvl
            if d_last[i] and best[0] >= 0 and best[1] >= 0 and best[0] >= best[1]:
                crossed[i] = True
        d_best[i, 0] = best[0]
        d_best[i, 1] = best[1]
    while j < n_t:
        t_best[j, 0] = best[0]
        t_best[j, 1] = best[1]
        j += 1


#: Replay book_delta rows as an L2 book: flag removals of absent levels and, after rows
#: with ``is_last``, crossed books; clear the book where ``d_reset`` (the first row of a
#: snapshot message) says so; record the best level indices after every delta row
#: and before every trade (``-1`` = side empty).
replay_l2 = nb.njit(cache=True)(_replay_l2_impl)


def _slot_impl(keys: U64, used: B, shift: np.uint64, key: np.uint64) -> int:
    # Linear probing; return the position holding ``key`` or the empty one it would take.
    mask = keys.shape[0] - 1
    pos: int = int((key * _GOLDEN) >> shift) & mask
    while used[pos] and keys[pos] != key:
        pos = (pos + 1) & mask
    return pos


_slot = nb.njit(cache=True)(_slot_impl)


def _replay_l3_impl(
    m_seq: I64,
    m_act: I8,
    m_side: I8,
    m_oid: U64,
    m_lvl: I64,
    m_size: I64,
    d_seq: I64,
    d_side: I8,
    d_lvl: I64,
    n_levels: int,
    bits: int,
    m_err: I8,
    m_rem: I64,
    d_l3: I64,
    d_orders: I64,
) -> None:
    level = np.zeros((2, n_levels), dtype=np.int64)
    orders = np.zeros((2, n_levels), dtype=np.int64)
    capacity = 1 << bits
    keys = np.zeros(capacity, dtype=np.uint64)
    used = np.zeros(capacity, dtype=np.bool_)
    slot_of = np.zeros(capacity, dtype=np.int64)
    n_add = 0
    for a in m_act:
        if a == ACT_ADD:
            n_add += 1
    o_side = np.zeros(n_add + 1, dtype=np.int64)
    o_lvl = np.zeros(n_add + 1, dtype=np.int64)
    o_rem = np.zeros(n_add + 1, dtype=np.int64)
    o_live = np.zeros(n_add + 1, dtype=np.bool_)
    shift = np.uint64(64 - bits)
    n_orders = 0
    n_m = m_seq.shape[0]
    n_d = d_seq.shape[0]
    i = 0
    k = 0
    while i < n_m or k < n_d:
        if k < n_d and (i >= n_m or d_seq[k] < m_seq[i]):
            s = d_side[k]
            if 0 <= s <= 1:
                d_l3[k] = level[s, d_lvl[k]]
                d_orders[k] = orders[s, d_lvl[k]]
            k += 1
            continue
        act = m_act[i]
        s = m_side[i]
        if act == ACT_TRADE:
            i += 1
            continue
        if act == 0 or s < 0 or s > 1:
            m_err[i] = ERR_BAD_CODE
            i += 1
            continue
        lvl = m_lvl[i]
        qty = m_size[i]
        pos = _slot(keys, used, shift, m_oid[i])
        o = slot_of[pos] if used[pos] else -1
        if act == ACT_ADD:
            if o < 0:
                o = n_orders
                n_orders += 1
                used[pos] = True
                keys[pos] = m_oid[i]
                slot_of[pos] = o
            elif o_live[o]:
                m_err[i] = ERR_ADD_LIVE
                m_rem[i] = o_rem[o]
                level[o_side[o], o_lvl[o]] -= o_rem[o]
                orders[o_side[o], o_lvl[o]] -= 1
            o_side[o] = s
            o_lvl[o] = lvl
            o_rem[o] = qty
            o_live[o] = True
            level[s, lvl] += qty
            orders[s, lvl] += 1
        elif o < 0 or not o_live[o]:
            m_err[i] = ERR_UNKNOWN
        else:
            rem = o_rem[o]
            m_rem[i] = rem
            os = o_side[o]
            ol = o_lvl[o]
            if act == ACT_MODIFY:
                if os != s:
                    m_err[i] = ERR_WRONG_LEVEL
                level[os, ol] -= rem
                orders[os, ol] -= 1
                if qty > 0:
                    o_lvl[o] = lvl
                    o_rem[o] = qty
                    level[os, lvl] += qty
                    orders[os, lvl] += 1
                else:
                    o_rem[o] = 0
                    o_live[o] = False
            else:
                err = 0
                if os != s or ol != lvl:
                    err |= ERR_WRONG_LEVEL
                take = qty
                if take > rem:
                    err |= ERR_EXCEEDS
                    take = rem
                m_err[i] = err
                o_rem[o] = rem - take
                level[os, ol] -= take
                if o_rem[o] <= 0:
                    o_live[o] = False
                    orders[os, ol] -= 1
        i += 1


#: Replay mbo rows as an L3 book (orders by id through an open-addressing hash table of
#: ``2**bits`` slots): set error bits per mbo row, the order's remaining size before it, and
#: for every book_delta row the L3 size and order count of its level after all mbo rows with
#: a smaller seq (left untouched for a row without a valid side).
replay_l3 = nb.njit(cache=True)(_replay_l3_impl)
