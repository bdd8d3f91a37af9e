"""A binary min-heap of scheduled cancellations keyed by ``(time, order id)``.

Lifetimes are drawn when an order is born, so its cancellation is known when it is added. An
entry whose order was filled or pulled meanwhile is skipped when it comes due (the slot may
have been reused, hence the id in the key).
"""

from __future__ import annotations

from aleatoric.reactor._kernels._bundles import S_ERROR, S_HEAP_N, Book, kernel
from aleatoric.reactor._kernels.errors import ERR_HEAP_FULL

__all__ = ["heap_pop", "heap_push"]


def _less_impl(book: Book, a: int, b: int) -> bool:
    ta, tb = book.h_t[a], book.h_t[b]
    return bool(ta < tb or (ta == tb and book.h_id[a] < book.h_id[b]))


_less = kernel(inline=True)(_less_impl)


def _swap_impl(book: Book, a: int, b: int) -> None:
    h_t, h_id, h_slot = book.h_t, book.h_id, book.h_slot
    h_t[a], h_t[b] = h_t[b], h_t[a]
    h_id[a], h_id[b] = h_id[b], h_id[a]
    h_slot[a], h_slot[b] = h_slot[b], h_slot[a]


_swap = kernel(inline=True)(_swap_impl)


def _heap_push_impl(book: Book, t: int, oid: int, slot: int) -> None:
    i = book.sc[S_HEAP_N]
    if i >= book.h_t.shape[0]:
        book.sc[S_ERROR] = ERR_HEAP_FULL
        return
    book.h_t[i] = t
    book.h_id[i] = oid
    book.h_slot[i] = slot
    book.sc[S_HEAP_N] = i + 1
    while i > 0:
        parent = (i - 1) // 2
        if not _less(book, i, parent):
            break
        _swap(book, i, parent)
        i = parent


#: Schedule the cancellation of the order ``oid`` in pool slot ``slot`` at ``t``.
heap_push = kernel(inline=True)(_heap_push_impl)


def _heap_pop_impl(book: Book) -> None:
    n = book.sc[S_HEAP_N] - 1
    book.sc[S_HEAP_N] = n
    _swap(book, 0, n)
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        child = left
        if left + 1 < n and _less(book, left + 1, left):
            child = left + 1
        if not _less(book, child, i):
            break
        _swap(book, i, child)
        i = child


#: Remove the earliest entry (``h_*[0]``); the heap must not be empty.
heap_pop = kernel(inline=True)(_heap_pop_impl)
