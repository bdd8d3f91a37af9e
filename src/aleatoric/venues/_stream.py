"""Shared pieces of venue encoders and decoders: message merging and canonical row building."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

from aleatoric.venues._levels import LevelText

__all__ = ["DecodedRows", "Messages", "depth_windows", "last_per_level"]

I64 = npt.NDArray[np.int64]
NS_PER_MS = 1_000_000


@nb.njit(cache=True)
def _gather(buf, start, length, local, order):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Capture lines "<19-digit local ns> <text>\n" of rows ``order`` (local ns >= 0).
    total = 0
    for i in order:
        total += length[i] + 21
    out = np.empty(total, np.uint8)
    pos = 0
    for i in order:
        t = local[i]
        for k in range(18, -1, -1):
            out[pos + k] = 48 + t % 10
            t //= 10
        out[pos + 19] = 32
        pos += 20
        a = start[i]
        m = length[i]
        out[pos : pos + m] = buf[a : a + m]
        pos += m
        out[pos] = 10
        pos += 1
    return out


class Messages:
    """Encoded lines of several streams, merged by local receive time.

    Each stream adds lines with a priority; ties on local time keep stream priority, then
    insertion order, so the merge is deterministic. Texts are kept as UTF-8 bytes with
    offsets (one buffer per :meth:`add`), not as a string each: a day has millions.
    """

    def __init__(self) -> None:
        self._local: list[I64] = []
        self._prio: list[I64] = []
        self._buf: list[npt.NDArray[np.uint8]] = []
        self._start: list[I64] = []
        self._length: list[I64] = []

    def add(self, local_ns: npt.ArrayLike, texts: list[str] | LevelText, priority: int) -> None:
        """Add one stream's messages (texts or :func:`row_text` rows) and their local times."""
        local = np.asarray(local_ns, dtype=np.int64)
        if local.size != len(texts):
            raise ValueError("one local timestamp per message")
        if isinstance(texts, LevelText):
            off = texts.off
            buf, start, length = texts.buf, off[:-1], np.diff(off) - 1
        else:
            data = "".join(texts).encode()
            if len(data) == sum(map(len, texts)):  # ASCII: characters are bytes
                length = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            else:
                length = np.fromiter((len(t.encode()) for t in texts), dtype=np.int64,
                                     count=len(texts))  # fmt: skip
            buf = np.frombuffer(data, dtype=np.uint8)
            start = np.cumsum(length) - length
        self._local.append(local)
        self._prio.append(np.full(local.size, priority, dtype=np.int64))
        self._buf.append(buf)
        self._start.append(np.asarray(start, dtype=np.int64))
        self._length.append(np.asarray(length, dtype=np.int64))

    def __len__(self) -> int:
        return sum(x.size for x in self._local)

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

    def capture_blocks(self, lines: int = 65_536) -> Iterator[tuple[bytes, int]]:
        """Yield the capture bytes in blocks of up to ``lines`` lines, with each block's count.

        Equal to joining :meth:`capture_text`, without a string per line.
        """
        if not self._local:
            return
        local, order, buf, start, length = self._merged()
        if local.size and int(local.min()) < 0:  # 19-digit padding of a sign: rare, in Python
            text = "".join(self.capture_text()).encode()
            yield text, int(local.size)
            return
        for a in range(0, order.size, lines):
            block = order[a : a + lines]
            yield _gather(buf, start, length, local, block).tobytes(), int(block.size)

    def _merged(self) -> tuple[I64, I64, npt.NDArray[np.uint8], I64, I64]:
        local = np.concatenate(self._local)
        prio = np.concatenate(self._prio)
        order = np.lexsort((np.arange(local.size), prio, local))
        shift = np.cumsum([0] + [b.size for b in self._buf[:-1]])
        start = np.concatenate([s + k for s, k in zip(self._start, shift, strict=True)])
        return local, order, np.concatenate(self._buf), start, np.concatenate(self._length)

    def _ordered(self) -> tuple[list[int], list[str]]:
        if not self._local:
            return [], []
        local, order, buf, start, length = self._merged()
        data = buf.tobytes()
        texts = [
            data[a : a + m].decode()
            for a, m in zip(start[order].tolist(), length[order].tolist(), strict=True)
        ]
        return local[order].tolist(), texts


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
