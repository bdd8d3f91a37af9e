"""Frame rules: the venue's own sequencing rules, checked on the raw frames of a capture.

Each rule sees every frame in order (``see``), counts the frames it checked (``rows``) and
records offending lines (``bad``); ``finish`` reports what only the end shows.
"""

from __future__ import annotations

from typing import Any

from aleatoric.venues._frames import FrameRule

__all__ = ["TradeIdsIncrease"]


class TradeIdsIncrease(FrameRule):
    """Trade ids (``i``) increase from one trade message to the next."""

    name = "template_trade_ids_increase"

    def __init__(self) -> None:
        super().__init__()
        self.prev: int | None = None

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        if msg.get("ch") != "trades" or not isinstance(msg.get("i"), int):
            return
        self.rows += 1
        if self.prev is not None and msg["i"] <= self.prev:
            self.bad(line, int(msg.get("T", 0)) * 1_000_000,
                     f"trade id {msg['i']} after {self.prev}")  # fmt: skip
        self.prev = msg["i"]
