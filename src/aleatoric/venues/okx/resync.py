"""OKX resync after a broken ``books`` chain: the snapshot a resubscription sends.

OKX's procedure when ``prevSeqId`` does not match the previous ``seqId`` is to resubscribe;
the venue then sends a ``snapshot`` (``prevSeqId`` -1) and chains updates on its ``seqId``.
This keeps the book every ``books`` message describes (lost or not) and writes that
snapshot right after the first update that arrives after a loss: the book after it, with
its ``seqId`` and ``ts``, and the CRC32 checksum when the capture carries checksums.
"""

from __future__ import annotations

import json
from typing import Any

from aleatoric.venues.okx.encode import checksum

__all__ = ["OkxResync"]

#: Levels per side of a ``books`` snapshot.
DEPTH = 400


class OkxResync:
    """The true ``books`` book from every message; a snapshot of it on request."""

    def __init__(self) -> None:
        self.bids: dict[str, list[str]] = {}
        self.asks: dict[str, list[str]] = {}

    def is_book(self, text: str) -> bool:
        """Return whether a message is a ``books`` message (it carries the seqId chain)."""
        return '"channel":"books"' in text

    def droppable(self, text: str) -> bool:
        """Return True: every message travels on the one WebSocket connection."""
        return True

    def see(self, text: str) -> None:
        """Apply a ``books`` snapshot or update to the true book."""
        if '"channel":"books"' not in text:
            return
        msg: dict[str, Any] = json.loads(text)
        for item in msg.get("data", []):
            if msg.get("action") == "snapshot":
                self.bids, self.asks = {}, {}
            for side, levels in (
                (self.bids, item.get("bids", [])),
                (self.asks, item.get("asks", [])),
            ):
                for level in levels:
                    if float(level[1]) == 0:
                        side.pop(level[0], None)
                    else:
                        side[level[0]] = level

    def snapshot(self, text: str) -> str:
        """Return the ``snapshot`` message that restarts the chain at the update ``text``."""
        msg: dict[str, Any] = json.loads(text)
        item = msg["data"][0]
        bids = sorted(self.bids.values(), key=lambda lv: -float(lv[0]))[:DEPTH]
        asks = sorted(self.asks.values(), key=lambda lv: float(lv[0]))[:DEPTH]
        crc = 0
        if item.get("checksum", 0) != 0:
            crc = checksum([(lv[0], lv[1]) for lv in bids], [(lv[0], lv[1]) for lv in asks])
        data = {"asks": asks, "bids": bids, "ts": item["ts"], "checksum": crc,
                "prevSeqId": -1, "seqId": item["seqId"]}  # fmt: skip
        return json.dumps(
            {"arg": msg["arg"], "action": "snapshot", "data": [data]}, separators=(",", ":")
        )
