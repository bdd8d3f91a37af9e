"""The mutable book state the kernels work on, and how to read live orders out of it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from aleatoric.reactor._kernels import book as k

__all__ = ["BookState", "LiveOrders"]

#: Price levels in the window around the segment's first price: +-2**19 ticks.
LEVELS = 1 << 20
ORDER_CAPACITY = 1 << 17
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LiveOrders:
    """Resting orders in canonical order: bids best-first, then asks best-first, FIFO inside."""

    id: I64
    side: npt.NDArray[np.int8]
    price: I64
    size: I64


@dataclass
class BookState:
    """Arrays of one book (see :mod:`aleatoric.reactor._kernels.book`)."""

    base: int
    sc: I64 = field(init=False)

    def __post_init__(self) -> None:
        self.sc = np.zeros(k.N_SCALARS, dtype=np.int64)
        self.sc[k.S_BEST_BID] = -1
        self.sc[k.S_BEST_ASK] = -1
        self.sc[k.S_LAST_TRADE] = -1
        self.sc[k.S_BASE] = self.base
        self.sc[k.S_FREE_TOP] = ORDER_CAPACITY
        self.lv_size = np.zeros((2, LEVELS), dtype=np.int64)
        self.lv_head = np.full((2, LEVELS), -1, dtype=np.int32)
        self.lv_tail = np.full((2, LEVELS), -1, dtype=np.int32)
        self.o_id = np.zeros(ORDER_CAPACITY, dtype=np.int64)
        self.o_side = np.full(ORDER_CAPACITY, -1, dtype=np.int8)
        self.o_px = np.zeros(ORDER_CAPACITY, dtype=np.int64)
        self.o_rem = np.zeros(ORDER_CAPACITY, dtype=np.int64)
        self.o_prev = np.full(ORDER_CAPACITY, -1, dtype=np.int32)
        self.o_next = np.full(ORDER_CAPACITY, -1, dtype=np.int32)
        # Free slots popped from the end: slot 0 first.
        self.free = np.arange(ORDER_CAPACITY - 1, -1, -1, dtype=np.int32)
        self.h_t = np.zeros(ORDER_CAPACITY, dtype=np.int64)
        self.h_id = np.zeros(ORDER_CAPACITY, dtype=np.int64)
        self.h_slot = np.zeros(ORDER_CAPACITY, dtype=np.int32)

    def arrays(self) -> tuple[npt.NDArray[np.generic], ...]:
        """Return the state arrays in the kernels' argument order."""
        return (
            self.sc, self.lv_size, self.lv_head, self.lv_tail, self.o_id, self.o_side,
            self.o_px, self.o_rem, self.o_prev, self.o_next, self.free,
            self.h_t, self.h_id, self.h_slot,
        )  # fmt: skip

    def live_orders(self) -> LiveOrders:
        """Return every resting order, in canonical (priority) order."""
        ids: list[int] = []
        sides: list[int] = []
        prices: list[int] = []
        sizes: list[int] = []
        for side in (0, 1):
            levels = np.flatnonzero(self.lv_size[side])
            if side == 0:
                levels = levels[::-1]
            for lvl in levels:
                slot = int(self.lv_head[side, lvl])
                while slot >= 0:
                    ids.append(int(self.o_id[slot]))
                    sides.append(side)
                    prices.append(int(lvl) + self.base)
                    sizes.append(int(self.o_rem[slot]))
                    slot = int(self.o_next[slot])
        return LiveOrders(
            id=np.asarray(ids, dtype=np.int64),
            side=np.asarray(sides, dtype=np.int8),
            price=np.asarray(prices, dtype=np.int64),
            size=np.asarray(sizes, dtype=np.int64),
        )
