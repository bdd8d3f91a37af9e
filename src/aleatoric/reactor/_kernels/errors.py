"""Kernel error codes, written to ``book.sc[S_ERROR]``, and their messages.

A kernel never raises: it stops, leaves a code, and the driver raises ``KernelCodeError``
(a :class:`~aleatoric.errors.KernelError`, so callers catch it under the one error root).
"""

from __future__ import annotations

from aleatoric.errors import KernelError

__all__ = ["ERR_HEAP_FULL", "ERR_POOL_FULL", "ERR_WINDOW", "MESSAGES", "KernelCodeError"]

ERR_WINDOW = 1
ERR_POOL_FULL = 2
ERR_HEAP_FULL = 3

MESSAGES = {
    ERR_WINDOW: "the price left the simulation window (over +-50% within one segment)",
    ERR_POOL_FULL: "the order pool is full: the preset rests too many orders at once",
    ERR_HEAP_FULL: "the cancellation heap is full",
}


class KernelCodeError(KernelError):
    """The book kernel stopped with an error code (``code``); the message says which."""

    def __init__(self, code: int) -> None:
        self.code = code
        super().__init__(MESSAGES.get(code, f"kernel error {code}"))
