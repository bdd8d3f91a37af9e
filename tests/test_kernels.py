"""The book kernels on their own: heap, queues, matching, the market maker, every error code.

Small books (a few dozen levels, a few slots) driven directly, without a simulation; the
properties compare the kernels with a plain Python model of the same book.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aleatoric.errors
from aleatoric.reactor import dtypes as d
from aleatoric.reactor._kernels import heap, matching, queues
from aleatoric.reactor._kernels._bundles import (
    F_INVENTORY,
    INF,
    S_BEST_ASK,
    S_BEST_BID,
    S_CENTER,
    S_ERROR,
    S_HEAP_N,
    S_LAST_TRADE,
    S_LIVE_ASK,
    S_LIVE_BID,
    Book,
    Steps,
    new_book,
)
from aleatoric.reactor._kernels.errors import (
    ERR_HEAP_FULL,
    ERR_POOL_FULL,
    ERR_WINDOW,
    MESSAGES,
    KernelCodeError,
)
from aleatoric.reactor._kernels.maker import react, reaction_id, requote
from aleatoric.reactor._state import live_orders

LEVELS = 64
NEVER = int(INF)
# Numba dispatchers are opaque to type checkers.
add_order: Any = queues.add_order
remove_order: Any = queues.remove_order
record_levels: Any = queues.record_levels
heap_push: Any = heap.heap_push
heap_pop: Any = heap.heap_pop
sweep: Any = matching.sweep
pull_maker: Any = matching.pull_maker
snap_down: Any = queues.snap_down
snap_up: Any = queues.snap_up
_requote: Any = requote
_react: Any = react
_reaction_id: Any = reaction_id


def book(capacity: int = 32) -> Book:
    return new_book(1000, LEVELS, capacity)


def out_buffer() -> np.ndarray:
    return np.zeros((4096, 6), dtype=np.int64)


# --- heap ----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 10**6)), max_size=30, unique=True))
def test_heap_pops_in_time_then_id_order(entries: list[tuple[int, int]]) -> None:
    b = book(capacity=32)
    for slot, (t, oid) in enumerate(entries):
        heap_push(b, t, oid, slot)
    popped = []
    while b.sc[S_HEAP_N] > 0:
        popped.append((int(b.h_t[0]), int(b.h_id[0])))
        heap_pop(b)
    assert popped == sorted(entries)
    assert b.sc[S_ERROR] == 0


def test_heap_full_sets_its_error_code() -> None:
    b = book(capacity=2)
    heap_push(b, 1, 1, 0)
    heap_push(b, 2, 2, 1)
    assert b.sc[S_ERROR] == 0
    heap_push(b, 3, 3, 0)
    assert b.sc[S_ERROR] == ERR_HEAP_FULL and b.sc[S_HEAP_N] == 2


# --- queues --------------------------------------------------------------------------------

op = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 1), st.integers(0, 15), st.integers(1, 9)),
    st.tuples(st.just("remove"), st.integers(0, 40), st.just(0), st.just(0)),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(op, max_size=60))
def test_queues_match_a_reference_book(ops: list[tuple[str, int, int, int]]) -> None:
    # Bids rest on levels 0..15, asks on 40..55: never crossed, like the simulated book.
    b = book(capacity=64)
    model: dict[int, tuple[int, int, int]] = {}  # slot -> (side, level, size)
    order: list[int] = []  # slots in insertion order
    oid = 0
    for kind, a, lvl, size in ops:
        if kind == "add":
            level = lvl if a == d.BID else 40 + lvl
            oid += 1
            slot = add_order(b, a, level, size, oid, NEVER)
            assert slot >= 0
            model[slot] = (a, level, size)
            order.append(slot)
        elif model:
            slot = sorted(model)[a % len(model)]
            remove_order(b, slot)
            del model[slot]
            order.remove(slot)
    for side in (d.BID, d.ASK):
        levels = {lv for s, lv, _ in model.values() if s == side}
        for lv in range(LEVELS):
            expect = [q for s, l2, q in model.values() if s == side and l2 == lv]
            assert b.lv_size[side, lv] == sum(expect)
            assert b.lv_count[side, lv] == len(expect)
        best = (max(levels) if side == d.BID else min(levels)) if levels else -1
        assert b.sc[S_BEST_BID if side == d.BID else S_BEST_ASK] == best
    assert b.sc[S_LIVE_BID] + b.sc[S_LIVE_ASK] == len(model)
    # FIFO inside every level: live orders come out in insertion order per level.
    live = live_orders(b)
    for side, price in {(int(s), int(p)) for s, p in zip(live.side, live.price, strict=True)}:
        got = [int(i) for i, s, p in zip(live.id, live.side, live.price, strict=True)
               if s == side and p == price]  # fmt: skip
        want = [int(b.o_id[slot]) for slot in order
                if model[slot][0] == side and model[slot][1] + 1000 == price]  # fmt: skip
        assert got == want


def test_pool_full_and_window_errors() -> None:
    b = book(capacity=2)
    assert add_order(b, d.BID, 3, 1, 1, NEVER) >= 0
    assert add_order(b, d.BID, 3, 1, 2, NEVER) >= 0
    assert add_order(b, d.BID, 3, 1, 3, NEVER) == -1
    assert b.sc[S_ERROR] == ERR_POOL_FULL
    w = book()
    assert add_order(w, d.ASK, LEVELS, 1, 1, NEVER) == -1
    assert w.sc[S_ERROR] == ERR_WINDOW
    w2 = book()
    assert add_order(w2, d.ASK, -1, 1, 1, NEVER) == -1
    assert w2.sc[S_ERROR] == ERR_WINDOW


def test_every_error_code_has_a_message() -> None:
    for code in (ERR_WINDOW, ERR_POOL_FULL, ERR_HEAP_FULL):
        err = KernelCodeError(code)
        assert err.code == code and str(err) == MESSAGES[code] and isinstance(err, RuntimeError)
        assert isinstance(err, aleatoric.errors.KernelError)
    assert "kernel error 99" in str(KernelCodeError(99))


def test_record_levels_skips_gaps_and_pads() -> None:
    b = book()
    for lvl, size in ((10, 3), (7, 2), (5, 1)):
        add_order(b, d.BID, lvl, size, lvl, NEVER)
    px = np.zeros(4, dtype=np.int64)
    sz = np.zeros(4, dtype=np.int64)
    record_levels(b, d.BID, px, sz)
    assert px.tolist() == [1010, 1007, 1005, -1] and sz.tolist() == [3, 2, 1, 0]


# --- matching ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(40, 45), st.integers(1, 5)), min_size=1, max_size=12),
       st.integers(1, 40))  # fmt: skip
def test_sweep_fills_best_first_and_fifo(asks: list[tuple[int, int]], qty: int) -> None:
    b = book()
    for k, (lvl, size) in enumerate(asks):
        add_order(b, d.ASK, lvl, size, k + 1, NEVER)
    before = live_orders(b)
    out = out_buffer()
    n = sweep(b, out, 0, True, 5, d.BID, LEVELS - 1, qty, 999, False)
    trades = out[:n][(out[:n, 1] & 0xFF) == d.KIND_TRADE]
    filled = int(trades[:, 4].sum())
    assert filled == min(qty, int(before.size.sum()))
    # The fills take the canonical order's prefix: best price first, FIFO inside.
    left = filled
    expect = []
    for oid, size in zip(before.id, before.size, strict=True):
        if left == 0:
            break
        take = min(left, int(size))
        expect.append((int(oid), take))
        left -= take
    fills = out[:n][((out[:n, 1] & 0xFF) == d.KIND_MBO) & (((out[:n, 1] >> 8) & 0xFF)
                                                           == d.ACTION_FILL)]  # fmt: skip
    assert [(int(r[2]), int(r[4])) for r in fills] == expect
    assert b.lv_size[d.ASK].sum() == before.size.sum() - filled
    if filled:
        assert b.sc[S_LAST_TRADE] >= 40
        # One message: exactly one mbo row and one delta row carry the last flag.
        flags = (out[:n, 1] >> 24) & d.F_LAST
        assert int((flags != 0).sum()) == 2


def test_sweep_moves_the_makers_inventory_and_pull_cancels_only_maker_quotes() -> None:
    b = book()
    maker = (5 << 22) | matching.REACT_BIT
    add_order(b, d.ASK, 41, 4, maker, NEVER)
    add_order(b, d.ASK, 41, 4, 7, NEVER)
    out = out_buffer()
    sweep(b, out, 0, True, 1, d.BID, LEVELS - 1, 3, 999, False)
    assert b.fl[F_INVENTORY] == -3.0  # the maker sold 3 lots
    n = pull_maker(b, out, 0, True, 2, d.ASK, 50, True)
    assert n == 2 and out[0, 2] == maker
    assert [int(i) for i in live_orders(b).id] == [7]
    pull_maker(b, out, 0, True, 3, d.ASK, 50, False)  # everyone's stale orders
    assert b.sc[S_LIVE_ASK] == 0


def test_protected_sweep_never_takes_the_last_order_of_a_side() -> None:
    b = book()
    add_order(b, d.ASK, 41, 2, 1, NEVER)
    add_order(b, d.ASK, 42, 3, 2, NEVER)
    out = out_buffer()
    n = sweep(b, out, 0, True, 1, d.BID, LEVELS - 1, 100, 999, True)
    trades = out[:n][(out[:n, 1] & 0xFF) == d.KIND_TRADE]
    assert trades[:, 4].tolist() == [2, 2] and b.sc[S_LIVE_ASK] == 1 and b.lv_size[d.ASK, 42] == 1


# --- the market maker ----------------------------------------------------------------------


def steps(fair: list[float], band: float = 3.0) -> Steps:
    m = len(fair)
    return Steps(
        t0=0, step_ns=100, fair=np.asarray(fair, dtype=np.float64),
        jit=np.zeros(m, np.int64), dyn_id=(9 << 22) + (1 << 21) + 64 * np.arange(m),
        band=np.full(m, band), lean=np.zeros(m), width=np.ones(m, np.int64), protect=np.zeros(m),
        mm_size=np.full((m, 2), 5, np.int64),
        mm_life=np.full((m, 2), 10**6, np.int64), decay=1.0, skew=0.0, inv_scale=1.0,
        hold=10.0, take=True, impact=np.zeros(m), impact_decay=1.0, impact_cap=1, scale=0, sig=0,
    )  # fmt: skip


def test_requote_quotes_around_the_latent_price_and_moves_only_past_the_band() -> None:
    b = book()
    st_ = steps([1020.4, 1021.9, 1030.2], band=5.0)
    out = out_buffer()
    n = _requote(b, st_, out, 0, True, 0, 0)
    assert b.sc[S_CENTER] == 1020
    assert b.sc[S_BEST_BID] + 1000 == 1020 and b.sc[S_BEST_ASK] + 1000 == 1021
    assert b.lv_size[d.BID, 20] == 5 and b.lv_size[d.ASK, 21] == 5
    n = _requote(b, st_, out, n, True, 1, 1)  # 1.4 ticks from the centre: inside the band
    assert b.sc[S_CENTER] == 1020
    add_order(b, d.ASK, 25, 2, 77, NEVER)  # someone else's ask the move will run through
    n = _requote(b, st_, out, n, True, 2, 2)
    assert b.sc[S_CENTER] == 1030
    assert b.sc[S_BEST_BID] + 1000 == 1030 and b.sc[S_BEST_ASK] + 1000 == 1031
    trades = out[:n][(out[:n, 1] & 0xFF) == d.KIND_TRADE]
    assert trades[:, 3].tolist() == [1025] and trades[:, 4].tolist() == [2]
    assert b.sc[S_ERROR] == 0


def test_react_refills_or_steps_toward_the_latent_price() -> None:
    for latent, center in ((1020.2, 1020), (1021.4, 1021)):
        b = book()
        st_ = steps([latent])
        out = out_buffer()
        b.sc[S_CENTER] = 1020
        add_order(b, d.BID, 20, 5, 1, NEVER)
        add_order(b, d.ASK, 21, 5, 2, NEVER)
        n = sweep(b, out, 0, True, 1, d.BID, LEVELS - 1, 5, 3, False)  # the ask queue is gone
        assert b.sc[S_BEST_ASK] == -1
        n = _react(b, st_, out, n, True, 1, 0, latent, _reaction_id((7 << 22) | 12))
        assert b.sc[S_CENTER] == center
        assert b.sc[S_BEST_BID] + 1000 == center and b.sc[S_BEST_ASK] + 1000 == center + 1


def test_reaction_ids_are_distinct_from_arrivals_and_steps() -> None:
    arrival = (3 << 22) | 5
    rid = int(_reaction_id(arrival))
    assert rid >> 22 == 3 and rid & matching.REACT_BIT and not rid & (1 << 21)
    assert int(_reaction_id((3 << 22) | 6)) - rid == 4


@pytest.mark.parametrize(
    ("px", "down", "up"), [(123456, 123450, 123460), (1234567, 1234500, 1234600)]
)
def test_significant_figure_grid(px: int, down: int, up: int) -> None:
    # Five significant figures at scale 0 (prices in whole ticks).
    assert snap_down(px, 0, 5) == down and snap_up(px, 0, 5) == up
