"""OKX frame rules: the venue's own sequencing rules, checked on raw capture frames."""

from __future__ import annotations

import zlib
from typing import Any

from aleatoric.venues._frames import FrameRule
from aleatoric.venues._gaps import across_gap

__all__ = ["OkxChecksum", "OkxSeqChain", "OkxTradeIds", "okx_crc32"]


class _Resyncable(FrameRule):
    # A break a client repairs by resubscribing passes when the next ``books`` frame is the
    # snapshot that restarts the chain at the breaking update's ``seqId``.

    def __init__(self) -> None:
        super().__init__()
        self.gap: tuple[int, int, str, Any] | None = None

    def resynced(self, msg: dict[str, Any]) -> None:
        # Called on every books frame before it is checked.
        if self.gap is None:
            return
        data = msg.get("data") or [{}]
        if msg.get("action") == "snapshot" and data[0].get("seqId") == self.gap[3]:
            self.gap = None
        else:
            self.bad(self.gap[0], self.gap[1], self.gap[2])
            self.gap = None

    def finish(self) -> None:
        if self.gap is not None:
            self.bad(self.gap[0], self.gap[1], self.gap[2])
            self.gap = None


class OkxSeqChain(_Resyncable):
    """OKX ``books``: ``prevSeqId`` equals the previous ``seqId`` (keepalives and resets ok).

    A break passes when a snapshot at the breaking update's ``seqId`` follows it (the
    resubscription after a loss).
    """

    name = "okx_seq_chain"

    def __init__(self) -> None:
        super().__init__()
        self.prev: int | None = None

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        arg = msg.get("arg", {})
        if not isinstance(arg, dict) or arg.get("channel") != "books" or "action" not in msg:
            return
        self.resynced(msg)
        for item in msg.get("data", []):
            self.rows += 1
            ts = int(item.get("ts", 0)) * 1_000_000
            seq, prev = item.get("seqId"), item.get("prevSeqId")
            if seq is None:
                continue
            if msg["action"] == "snapshot":
                if prev != -1:
                    self.bad(line, ts, f"snapshot prevSeqId {prev} != -1")
            elif self.prev is None:
                self.bad(line, ts, "update before any snapshot")
            elif prev != self.prev:
                text = f"prevSeqId {prev} != previous seqId {self.prev}, and no snapshot resyncs"
                self.gap = (line, ts, text, seq)
            self.prev = int(seq)


class OkxTradeIds(FrameRule):
    """OKX ``trades``: each message's ``tradeId`` is the previous one plus its ``count``
    (the channel merges fills at one price into one message); a jump is a lost trade, accepted
    only across a labelled feed gap (the capture's drops table)."""

    name = "okx_trade_id_gap_free"

    def __init__(self) -> None:
        super().__init__()
        self.prev: int | None = None
        self.prev_ts = 0

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        arg = msg.get("arg", {})
        if not isinstance(arg, dict) or arg.get("channel") != "trades":
            return
        for item in msg.get("data", []):
            self.rows += 1
            try:
                trade_id, count = int(item["tradeId"]), int(item.get("count", 1))
            except (KeyError, TypeError, ValueError):
                continue
            ts = int(item.get("ts", 0)) * 1_000_000
            if (
                self.prev is not None
                and trade_id != self.prev + count
                and not (trade_id > self.prev and across_gap(self.prev_ts, ts, self.gaps))
            ):
                self.bad(line, ts, f"tradeId {trade_id} after {self.prev} with count {count}: "
                                   f"{trade_id - self.prev - count} trade(s) missing")  # fmt: skip
            self.prev, self.prev_ts = trade_id, ts


class OkxChecksum(_Resyncable):
    """OKX ``books``: a non-zero ``checksum`` equals the CRC32 of the merged top 25 levels.

    A mismatch after lost updates passes when the resync snapshot follows it.
    """

    name = "okx_checksum"

    def __init__(self) -> None:
        super().__init__()
        self.book: dict[str, dict[float, tuple[str, str]]] = {"bids": {}, "asks": {}}

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        arg = msg.get("arg", {})
        if not isinstance(arg, dict) or arg.get("channel") != "books" or "action" not in msg:
            return
        self.resynced(msg)
        for item in msg.get("data", []):
            if msg["action"] == "snapshot":
                self.book = {"bids": {}, "asks": {}}
            for side in ("bids", "asks"):
                levels = self.book[side]
                for level in item.get(side, []):
                    px, sz = level[0], level[1]
                    if float(sz) == 0:
                        levels.pop(float(px), None)
                    else:
                        levels[float(px)] = (px, sz)
            checksum = item.get("checksum")
            if not checksum:
                continue
            self.rows += 1
            expected = okx_crc32(self.book)
            if checksum != expected:
                text = f"checksum {checksum} != CRC32 of the book {expected}"
                self.gap = (line, int(item.get("ts", 0)) * 1_000_000, text, item.get("seqId"))


def okx_crc32(book: dict[str, dict[float, tuple[str, str]]]) -> int:
    """Return OKX's signed CRC32 of the top 25 levels, interleaved bid/ask, original strings."""
    bids = [book["bids"][p] for p in sorted(book["bids"], reverse=True)[:25]]
    asks = [book["asks"][p] for p in sorted(book["asks"])[:25]]
    parts = []
    for i in range(25):
        if i < len(bids):
            parts.append(f"{bids[i][0]}:{bids[i][1]}")
        if i < len(asks):
            parts.append(f"{asks[i][0]}:{asks[i][1]}")
    value = zlib.crc32(":".join(parts).encode()) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value
