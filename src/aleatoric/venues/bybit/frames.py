"""Bybit frame rules: the venue's own sequencing rules, checked on raw capture frames."""

from __future__ import annotations

from typing import Any

from aleatoric.venues._frames import FrameRule

__all__ = ["BybitUpdateIds"]


class BybitUpdateIds(FrameRule):
    """Bybit ``orderbook.*``: ``u`` +1 per delta, reset only by a snapshot; ``seq`` never falls."""

    name = "bybit_update_ids"

    def __init__(self) -> None:
        super().__init__()
        self.prev: dict[str, tuple[int, int]] = {}

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        topic = msg.get("topic", "")
        if not isinstance(topic, str) or not topic.startswith("orderbook."):
            return
        self.rows += 1
        data = msg.get("data", {})
        ts = int(msg.get("ts", 0)) * 1_000_000
        u, seq = int(data.get("u", -1)), int(data.get("seq", -1))
        prev = self.prev.get(topic)
        if msg.get("type") == "delta":
            if prev is None:
                self.bad(line, ts, "delta before any snapshot")
            else:
                if u != prev[0] + 1:
                    self.bad(line, ts, f"u {u} != previous u {prev[0]} + 1")
                if seq < prev[1]:
                    self.bad(line, ts, f"seq {seq} < previous seq {prev[1]}")
        self.prev[topic] = (u, seq)
