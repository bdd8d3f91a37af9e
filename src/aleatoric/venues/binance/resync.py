"""Binance resync after lost diffs: the REST depth snapshot a recorder fetches again.

Binance's own procedure for a broken ``pu`` chain is to fetch ``/fapi/v1/depth`` again and
restart from it: drop diffs with ``u`` below its ``lastUpdateId``, apply the first diff whose
``[U, u]`` holds it, then continue. This keeps the book every diff describes (lost or not)
and writes that snapshot: the book after the first diff that arrives after a loss, with
that diff's ``u`` as ``lastUpdateId``, placed right after it, exactly as the capture's first
snapshot is placed after the first diff.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BinanceResync"]

#: Levels per side of the REST snapshot (``limit=1000``).
REST_DEPTH = 1000


class BinanceResync:
    """The true book from every depth message; a REST snapshot of it on request."""

    def __init__(self) -> None:
        self.bids: dict[str, str] = {}
        self.asks: dict[str, str] = {}

    def is_book(self, text: str) -> bool:
        """Return whether a message carries book sequence (a diff; never the REST line)."""
        return '"e":"depthUpdate"' in text

    def droppable(self, text: str) -> bool:
        """Return whether a message travels on the stream connection (REST lines do not)."""
        return '"lastUpdateId"' not in text

    def see(self, text: str) -> None:
        """Apply a depth diff or a REST snapshot to the true book."""
        if '"lastUpdateId"' in text:
            msg = json.loads(text)
            self.bids = {p: q for p, q in msg["bids"]}
            self.asks = {p: q for p, q in msg["asks"]}
        elif '"e":"depthUpdate"' in text:
            data = json.loads(text)["data"]
            for side, levels in ((self.bids, data["b"]), (self.asks, data["a"])):
                for price, qty in levels:
                    if float(qty) == 0:
                        side.pop(price, None)
                    else:
                        side[price] = qty

    def snapshot(self, text: str) -> str:
        """Return the REST snapshot bridging the diff ``text`` (already seen)."""
        data: dict[str, Any] = json.loads(text)["data"]
        bids = sorted(self.bids.items(), key=lambda kv: -float(kv[0]))[:REST_DEPTH]
        asks = sorted(self.asks.items(), key=lambda kv: float(kv[0]))[:REST_DEPTH]

        def levels(side: list[tuple[str, str]]) -> str:
            return ",".join(f'["{p}","{q}"]' for p, q in side)

        return (
            f'{{"lastUpdateId":{data["u"]},"E":{data["E"]},"T":{data["T"]},'
            f'"bids":[{levels(bids)}],"asks":[{levels(asks)}]}}'
        )
