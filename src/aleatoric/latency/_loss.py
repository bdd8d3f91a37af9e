"""Losses in native captures: a Gilbert-Elliott chain over a connection's messages, resyncs.

Per minute of send time, the ``LOSS`` stream drives the chain over that minute's messages
in send order (it starts from its stationary law each minute). A lost message is left out
of the capture and listed in the drops table. When a lost message carried book sequence,
the next book message that arrives is followed by the venue's own resync (Binance: a new
REST depth snapshot; Bybit and OKX: the snapshot a resubscription sends), which a client
needs to rebuild the book; venues whose book messages are whole snapshots (Hyperliquid)
need none. A venue without a resync here keeps every book message and loses the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, stream_rng
from aleatoric.latency._model import LatencyModel
from aleatoric.latency._sample import NS_PER_MINUTE, gilbert_elliott

__all__ = ["Drops", "Resync", "lose_messages", "resync_for"]

I64 = npt.NDArray[np.int64]


class Resync(Protocol):
    """A venue's book-recovery knowledge, fed every message in send order."""

    def is_book(self, text: str) -> bool: ...

    def droppable(self, text: str) -> bool: ...

    def see(self, text: str) -> None: ...

    def snapshot(self, text: str) -> str: ...


class _Snapshots:
    # Whole-book messages (Hyperliquid l2Book): a loss needs no resync.
    def is_book(self, text: str) -> bool:
        return False

    def droppable(self, text: str) -> bool:
        return True

    def see(self, text: str) -> None:
        return None

    def snapshot(self, text: str) -> str:
        raise AssertionError("no resync for whole-book messages")


class _BooksKept:
    # No resync implemented: book messages are never dropped, the others may be.
    def __init__(self, book_markers: tuple[str, ...]) -> None:
        self.markers = book_markers

    def is_book(self, text: str) -> bool:
        return False

    def droppable(self, text: str) -> bool:
        return not any(m in text for m in self.markers)

    def see(self, text: str) -> None:
        return None

    def snapshot(self, text: str) -> str:
        raise AssertionError("book messages are kept")


def resync_for(venue: str) -> Resync:
    """Return a fresh resync state for ``venue``'s captures."""
    if venue == "binance":
        from aleatoric.venues.binance.resync import BinanceResync

        return BinanceResync()
    if venue == "bybit":
        from aleatoric.venues.bybit.resync import BybitResync

        return BybitResync()
    if venue == "okx":
        from aleatoric.venues.okx.resync import OkxResync

        return OkxResync()
    if venue == "hyperliquid":
        return _Snapshots()
    # A venue registered without a resync here: its book messages are never lost.
    return _BooksKept(('"topic":"orderbook.', '"channel":"books"', '"lastUpdateId"', "l2Book"))


@dataclass
class Drops:
    """Messages left out of one capture: position in send order, times, text."""

    position: list[int] = field(default_factory=list)
    sent_ns: list[int] = field(default_factory=list)
    recv_ns: list[int] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    messages: int = 0
    resyncs: int = 0
    #: Venue-outage windows ``[lo, hi)`` (send time, ns) of the capture's dataset.
    outages: list[tuple[int, int]] = field(default_factory=list)


def _lost(
    model: LatencyModel, sent: I64, seed: int, instrument: int, origin_ns: int
) -> npt.NDArray[np.bool_]:
    lost = np.zeros(sent.size, dtype=bool)
    block = (sent - origin_ns) // NS_PER_MINUTE
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(block)) + 1, [sent.size]])
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        rng = stream_rng(seed, instrument, Stream.LOSS, int(block[a]))
        lost[a:b] = gilbert_elliott(model, b - a, rng)
    return lost


def lose_messages(
    windows: list[tuple[LatencyModel, int, int]],
    sent: I64,
    recv: I64,
    texts: list[str],
    resync: Resync,
    *,
    seed: int,
    instrument: int,
    origin_ns: int,
    end_ns: int,
    outages: list[tuple[int, int]] | None = None,
) -> tuple[list[int], list[str], Drops]:
    """Return the delivered ``(local_ns, text)`` lines (resyncs inserted) and the drops.

    ``sent``, ``recv`` and ``texts`` are in send order; ``recv`` is non-decreasing. Every
    message sent inside an ``outages`` window ``[lo, hi)`` is lost (a venue outage).
    """
    lost = np.zeros(sent.size, dtype=bool)
    for lo, hi in outages or []:
        lost |= (sent >= lo) & (sent < hi)
    for model, lo, hi in windows:
        inside = (sent >= lo) & ((sent < hi) | (hi >= end_ns))
        if inside.any() and model.loss_p > 0:
            lost[inside] = _lost(model, sent[inside], seed, instrument, origin_ns)
    drops = Drops(messages=sent.size)
    local: list[int] = []
    out: list[str] = []
    broken = False
    recv_list = recv.tolist()
    sent_list = sent.tolist()
    lost_list = lost.tolist()
    for i, text in enumerate(texts):
        book = resync.is_book(text)
        resync.see(text)
        if lost_list[i] and resync.droppable(text):
            drops.position.append(i)
            drops.sent_ns.append(sent_list[i])
            drops.recv_ns.append(recv_list[i])
            drops.text.append(text)
            broken = broken or book
            continue
        local.append(recv_list[i])
        out.append(text)
        if book and broken:
            local.append(recv_list[i])
            out.append(resync.snapshot(text))
            drops.resyncs += 1
            broken = False
    return local, out, drops
