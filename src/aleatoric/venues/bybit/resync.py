"""Bybit resync after a broken ``orderbook`` chain: the snapshot a resubscription sends.

Bybit's rule is that ``u`` grows by one per delta and a ``snapshot`` resets the book; after
a lost delta a client resubscribes and gets a snapshot. This keeps the book every
``orderbook`` message describes (lost or not) and writes that snapshot right after the
first delta that arrives after a loss: the book after it (the topic's depth), with its
``u``, ``seq``, ``ts`` and ``cts``, so the next delta continues at ``u + 1``.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BybitResync"]


class BybitResync:
    """The true ``orderbook`` book from every message; a snapshot of it on request."""

    def __init__(self) -> None:
        self.bids: dict[str, str] = {}
        self.asks: dict[str, str] = {}

    def is_book(self, text: str) -> bool:
        """Return whether a message is an ``orderbook`` message (it carries ``u``)."""
        return '"topic":"orderbook.' in text

    def droppable(self, text: str) -> bool:
        """Return True: every message travels on the one WebSocket connection."""
        return True

    def see(self, text: str) -> None:
        """Apply an ``orderbook`` snapshot or delta to the true book."""
        if '"topic":"orderbook.' not in text:
            return
        msg: dict[str, Any] = json.loads(text)
        data = msg["data"]
        if msg.get("type") == "snapshot":
            self.bids, self.asks = {}, {}
        for side, levels in ((self.bids, data.get("b", [])), (self.asks, data.get("a", []))):
            for price, size in levels:
                if float(size) == 0:
                    side.pop(price, None)
                else:
                    side[price] = size

    def snapshot(self, text: str) -> str:
        """Return the ``snapshot`` message bridging the delta ``text`` (already seen)."""
        msg: dict[str, Any] = json.loads(text)
        depth = int(msg["topic"].split(".")[1])
        data = msg["data"]
        bids = sorted(self.bids.items(), key=lambda kv: -float(kv[0]))[:depth]
        asks = sorted(self.asks.items(), key=lambda kv: float(kv[0]))[:depth]
        out = {
            "topic": msg["topic"], "type": "snapshot", "ts": msg["ts"],
            "data": {"s": data["s"], "b": [list(kv) for kv in bids],
                     "a": [list(kv) for kv in asks], "u": data["u"], "seq": data["seq"]},
            "cts": msg.get("cts", msg["ts"]),
        }  # fmt: skip
        return json.dumps(out, separators=(",", ":"))
