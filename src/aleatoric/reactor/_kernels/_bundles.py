"""The kernels' state and inputs as typed bundles: NamedTuples of arrays and scalars.

Numba passes a NamedTuple as one value and caches functions that take it, so a kernel takes
``book``, ``steps``, ``arrivals`` and ``markers`` instead of dozens of loose arrays. Scalars
that the kernels change live in the integer array ``book.sc`` (indices ``S_*``) and the float
array ``book.fl`` (indices ``F_*``), because a NamedTuple field cannot be reassigned.

Book layout: ``lv_size[side, level]`` resting lots and ``lv_count[side, level]`` resting
orders, ``lv_head``/``lv_tail`` the FIFO queue ends, with ``level = price_ticks - base``, and
``lv_bits[side, level // 64]`` a bitmap of the levels with resting lots, so walks away from
the spread (snapshots, a new best price) skip 64 empty levels at a time; an
order pool (``o_*``, ``o_side == -1`` marks a free slot) with a stack of free slots; a binary
heap of scheduled cancellations keyed by ``(time, order id)``.

Every kernel is compiled with ``_nrt=False`` (no Numba runtime): kernels never allocate, and
without the runtime Numba does not increment and decrement the reference count of each array
of a bundle on every call between kernels, which took about two thirds of the kernel time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

import numba as nb
import numpy as np
import numpy.typing as npt

__all__ = [
    "EV_LIMIT",
    "EV_MARKET",
    "F_INVENTORY",
    "F_OFFSET",
    "INF",
    "N_FLOATS",
    "N_SCALARS",
    "SIDE_FREE",
    "S_BASE",
    "S_BEST_ASK",
    "S_BEST_BID",
    "S_CENTER",
    "S_ERROR",
    "S_EV_PTR",
    "S_FREE_TOP",
    "S_HEAP_N",
    "S_LAST_TRADE",
    "S_LIVE_ASK",
    "S_LIVE_BID",
    "Arrivals",
    "Book",
    "Markers",
    "Steps",
    "kernel",
    "new_book",
]

I8 = npt.NDArray[np.int8]
U64 = npt.NDArray[np.uint64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_F = TypeVar("_F", bound=Callable[..., Any])


def kernel(*, inline: bool = False) -> Callable[[_F], _F]:
    """Return the decorator of every kernel: cached, compiled without the Numba runtime."""
    options: dict[str, Any] = {"cache": True, "_nrt": False}
    if inline:
        options["inline"] = "always"

    def wrap(fn: _F) -> _F:
        return cast(_F, nb.njit(**options)(fn))

    return wrap


#: A time later than any event.
INF = np.int64(2**62)

# Integer scalars in ``Book.sc``.
S_BEST_BID = 0  #: level of the best bid, -1 when the side is empty
S_BEST_ASK = 1  #: level of the best ask, -1 when the side is empty
S_FREE_TOP = 2  #: free slots on the stack
S_HEAP_N = 3  #: scheduled cancellations in the heap
S_LIVE_BID = 4  #: resting bids
S_LIVE_ASK = 5  #: resting asks
S_LAST_TRADE = 6  #: level of the last trade, -1 before the first
S_BASE = 7  #: price in ticks of level 0
S_ERROR = 8  #: nonzero: a kernel error code (see ``errors``)
S_EV_PTR = 9  #: next arrival to process
S_CENTER = 10  #: the market maker's bid level (its ask is ``width`` steps above); -1 unset
N_SCALARS = 11

# Float scalars in ``Book.fl``.
F_INVENTORY = 0  #: the market maker's inventory in lots (long > 0), decaying as it hedges
F_OFFSET = 1  #: the maker's flow-driven shift of its fair value (ticks), decaying (transient)
N_FLOATS = 2

#: ``o_side`` of a free pool slot.
SIDE_FREE = -1

# Arrival kinds.
EV_LIMIT = 0
EV_MARKET = 1


class Book(NamedTuple):
    """One order book: price levels, the order pool, the cancellation heap and scalars."""

    sc: I64
    fl: F64
    lv_size: I64
    lv_count: I64
    lv_head: I32
    lv_tail: I32
    o_id: I64
    o_side: I8
    o_px: I64
    o_rem: I64
    o_prev: I32
    o_next: I32
    free: I32
    h_t: I64
    h_id: I64
    h_slot: I32
    lv_bits: U64


class Arrivals(NamedTuple):
    """Order arrivals sorted by ``(t, id)``; drawn per minute block, before any book exists.

    ``side`` 2 on a market order means undecided: the kernel picks the side with the lean
    toward the latent price, using ``dist`` as the uniform draw. On a limit order ``dist`` is
    the distance behind the market maker's quote as a fraction of the price (0 = at it).
    """

    t: I64
    kind: I8
    side: I8
    dist: F64
    size: I64
    life: I64
    id: I64


class Steps(NamedTuple):
    """Per 100 ms step: the latent price (ticks), when in the step it moves, ids and quotes.

    ``band`` is the half-width (ticks) the latent price may drift from the quote centre before
    the market maker requotes; ``lean`` is how strongly undecided market orders lean toward the
    latent price; ``width`` is the market maker's spread in price steps (its ask is ``width``
    steps above its bid; 1 outside stress scenarios); ``protect`` (ticks, 0 = none) is the
    venue's market order price protection: a market order does not fill further than this from
    the market maker's quote, its remainder expires;
    ``mm_size``/``mm_life`` are the sizes and lifetimes of the market maker's new quotes
    ``[step, side]``; ``decay`` is the inventory kept per step; ``hold`` is the share of the
    band beyond which the maker stops refilling the quote the latent price leans against;
    ``take`` whether stale orders of others are picked off by a sweep when the maker requotes
    (else they are pulled too); ``impact`` (ticks per square root of a lot, per step) is how far
    each market order shifts the maker's fair value, a shift that decays by ``impact_decay`` per
    step (transient impact), with sizes capped at ``impact_cap`` lots.
    """

    t0: int
    step_ns: int
    fair: F64
    jit: I64
    dyn_id: I64
    band: F64
    lean: F64
    width: I64
    protect: F64
    mm_size: I64
    mm_life: I64
    decay: float
    skew: float
    inv_scale: float
    hold: float
    take: bool
    impact: F64
    impact_decay: float
    impact_cap: int
    scale: int
    sig: int


class Markers(NamedTuple):
    """Snapshot, ticker and funding instants and the arrays they fill."""

    emit_from: int
    snap_dt: int
    snap_px: I64  # [side, level, snapshot]: level-major, each column of the table contiguous
    snap_sz: I64
    tick_t0: int
    tick_dt: int
    tick_bid: I64
    tick_ask: I64
    tick_last: I64
    fund_t: I64


def new_book(base: int, levels: int, capacity: int) -> Book:
    """Return an empty book whose level 0 is price ``base`` (ticks)."""
    sc = np.zeros(N_SCALARS, dtype=np.int64)
    sc[S_BEST_BID] = -1
    sc[S_BEST_ASK] = -1
    sc[S_LAST_TRADE] = -1
    sc[S_CENTER] = -1
    sc[S_BASE] = base
    sc[S_FREE_TOP] = capacity
    return Book(
        sc=sc,
        fl=np.zeros(N_FLOATS, dtype=np.float64),
        lv_size=np.zeros((2, levels), dtype=np.int64),
        lv_count=np.zeros((2, levels), dtype=np.int64),
        lv_head=np.full((2, levels), -1, dtype=np.int32),
        lv_tail=np.full((2, levels), -1, dtype=np.int32),
        o_id=np.zeros(capacity, dtype=np.int64),
        o_side=np.full(capacity, SIDE_FREE, dtype=np.int8),
        o_px=np.zeros(capacity, dtype=np.int64),
        o_rem=np.zeros(capacity, dtype=np.int64),
        o_prev=np.full(capacity, -1, dtype=np.int32),
        o_next=np.full(capacity, -1, dtype=np.int32),
        # Free slots are popped from the end: slot 0 first.
        free=np.arange(capacity - 1, -1, -1, dtype=np.int32),
        h_t=np.zeros(capacity, dtype=np.int64),
        h_id=np.zeros(capacity, dtype=np.int64),
        h_slot=np.zeros(capacity, dtype=np.int32),
        lv_bits=np.zeros((2, -(-levels // 64)), dtype=np.uint64),
    )
