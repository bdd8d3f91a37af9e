"""Shared pieces of venue encoders and decoders: message merging and canonical row building."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["DecodedRows", "Messages", "depth_windows", "last_per_level"]

I64 = npt.NDArray[np.int64]
NS_PER_MS = 1_000_000


class Messages:
    """Encoded lines of several streams, merged by local receive time.

    Each stream adds lines with a priority; ties on local time keep stream priority, then
    insertion order, so the merge is deterministic.
    """

    def __init__(self) -> None:
        self._local: list[I64] = []
        self._prio: list[I64] = []
        self._text: list[list[str]] = []

    def add(self, local_ns: npt.ArrayLike, texts: list[str], priority: int) -> None:
        local = np.asarray(local_ns, dtype=np.int64)
        if local.size != len(texts):
            raise ValueError("one local timestamp per message")
        self._local.append(local)
        self._prio.append(np.full(local.size, priority, dtype=np.int64))
        self._text.append(texts)

    def __len__(self) -> int:
        return sum(len(t) for t in self._text)

    def lines(self) -> list[tuple[int, str]]:
        """Return ``(local_ns, text)`` in receive order."""
        local, texts = self._ordered()
        return list(zip(local, texts, strict=True))

    def ordered(self) -> tuple[list[int], list[str]]:
        """Return local times and texts in receive order (ties: priority, then insertion)."""
        return self._ordered()

    def capture_text(self) -> list[str]:
        """Return the capture lines ``"<19-digit local ns> <json>\\n"`` in receive order."""
        local, texts = self._ordered()
        return [f"{t:019d} {x}\n" for t, x in zip(local, texts, strict=True)]

    def _ordered(self) -> tuple[list[int], list[str]]:
        if not self._local:
            return [], []
        local = np.concatenate(self._local)
        prio = np.concatenate(self._prio)
        order = np.lexsort((np.arange(local.size), prio, local))
        texts = [t for chunk in self._text for t in chunk]
        return local[order].tolist(), [texts[i] for i in order.tolist()]


def depth_windows(ts: I64, window_ns: int) -> tuple[I64, I64, I64]:
    """Group time-sorted rows into fixed windows aligned to the epoch.

    Returns ``(window ids with rows, end row index of each, window end time in ns)``.
    """
    wid = ts // window_ns
    change = np.flatnonzero(np.diff(wid)) + 1
    ends = np.concatenate([change, [ts.size]]).astype(np.int64)
    ids = wid[ends - 1] if ts.size else np.zeros(0, dtype=np.int64)
    return ids, ends, (ids + 1) * window_ns


def last_per_level(window: I64, side: I64, price: I64) -> I64:
    """Return row indices of the last row per (window, side, price), sorted by those keys."""
    order = np.lexsort((np.arange(window.size), price, side, window))
    w, s, p = window[order], side[order], price[order]
    last = np.ones(order.size, dtype=bool)
    if order.size > 1:
        last[:-1] = (w[1:] != w[:-1]) | (s[1:] != s[:-1]) | (p[1:] != p[:-1])
    return np.asarray(order[last], dtype=np.int64)


@dataclass
class DecodedRows:
    """Canonical rows decoded from native messages, per table, plus what could not be read.

    ``seq`` numbers rows over all tables in decode order, as in a generated dataset.
    """

    book_delta: list[dict[str, Any]] = field(default_factory=list)
    trades: list[dict[str, Any]] = field(default_factory=list)
    ticker: list[dict[str, Any]] = field(default_factory=list)
    funding: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0
    #: Per-capture decoder state (a venue's merged ticker, the last book snapshot...).
    state: dict[str, Any] = field(default_factory=dict)
    unknown: int = 0
    malformed: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Append a row to ``table`` with the next ``seq``."""
        row["seq"] = self.seq
        self.seq += 1
        rows: list[dict[str, Any]] = getattr(self, table)
        rows.append(row)

    def add_levels(
        self, ts: int, local: int, levels: list[tuple[str, float, float]], snapshot: bool,
        count: list[int | None] | None = None,
    ) -> None:  # fmt: skip
        """Append one message's level changes to ``book_delta``; the last one is flagged."""
        for i, (side, price, size) in enumerate(levels):
            self.add("book_delta", {
                "ts_event": ts, "ts_recv": local, "side": side, "price": price, "size": size,
                "order_count": None if count is None else count[i],
                "is_snapshot": snapshot, "is_last": i == len(levels) - 1,
            })  # fmt: skip

    def parse_object(self, text: str, line_no: int) -> dict[str, Any] | None:
        """Return the JSON object of a line, or None after counting it as malformed."""
        try:
            msg = json.loads(text)
        except ValueError as exc:
            self.reject("malformed", line_no, f"not JSON ({exc})")
            return None
        if not isinstance(msg, dict):
            self.reject("malformed", line_no, "not a JSON object")
            return None
        return msg

    def reject(self, kind: str, line_no: int, why: str) -> None:
        """Count a line that is not a known message (``unknown``) or cannot be read."""
        if kind == "unknown":
            self.unknown += 1
        else:
            self.malformed += 1
        if len(self.examples) < 10:
            self.examples.append(f"line {line_no}: {kind}: {why}")

    def pending(self) -> int:
        """Return how many rows wait to be written."""
        return len(self.book_delta) + len(self.trades) + len(self.ticker) + len(self.funding)
