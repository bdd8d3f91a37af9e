"""The book the kernels work on, and how to read its live orders out in priority order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric.reactor._kernels._bundles import S_BASE, Book, new_book

__all__ = ["LEVELS", "ORDER_CAPACITY", "LiveOrders", "empty_book", "live_orders"]

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


def empty_book(center_ticks: int) -> Book:
    """Return an empty book whose level window is centred on ``center_ticks``."""
    return new_book(center_ticks - LEVELS // 2, LEVELS, ORDER_CAPACITY)


def live_orders(book: Book) -> LiveOrders:
    """Return every resting order, in canonical (priority) order."""
    ids: list[int] = []
    sides: list[int] = []
    prices: list[int] = []
    sizes: list[int] = []
    base = int(book.sc[S_BASE])
    for side in (0, 1):
        levels = np.flatnonzero(book.lv_size[side])
        if side == 0:
            levels = levels[::-1]
        for lvl in levels:
            slot = int(book.lv_head[side, lvl])
            while slot >= 0:
                ids.append(int(book.o_id[slot]))
                sides.append(side)
                prices.append(int(lvl) + base)
                sizes.append(int(book.o_rem[slot]))
                slot = int(book.o_next[slot])
    return LiveOrders(
        id=np.asarray(ids, dtype=np.int64),
        side=np.asarray(sides, dtype=np.int8),
        price=np.asarray(prices, dtype=np.int64),
        size=np.asarray(sizes, dtype=np.int64),
    )
