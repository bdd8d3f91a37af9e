"""Bybit frame rules: the venue's own sequencing rules, checked on raw capture frames."""

from __future__ import annotations

from typing import Any

from aleatoric.venues._frames import FrameRule

__all__ = ["BybitUpdateIds"]


class BybitUpdateIds(FrameRule):
    """Bybit ``orderbook.*``: ``u`` +1 per delta, reset only by a snapshot; ``seq`` never falls.

    A skipped ``u`` (lost deltas) passes when the next frame of the topic is the snapshot a
    resubscription sends, at the skipping delta's ``u``.
    """

    name = "bybit_update_ids"

    def __init__(self) -> None:
        super().__init__()
        self.prev: dict[str, tuple[int, int]] = {}
        self.gap: dict[str, tuple[int, int, str, int]] = {}

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        topic = msg.get("topic", "")
        if not isinstance(topic, str) or not topic.startswith("orderbook."):
            return
        self.rows += 1
        data = msg.get("data", {})
        ts = int(msg.get("ts", 0)) * 1_000_000
        u, seq = int(data.get("u", -1)), int(data.get("seq", -1))
        gap = self.gap.pop(topic, None)
        if gap is not None and not (msg.get("type") == "snapshot" and u == gap[3]):
            self.bad(gap[0], gap[1], gap[2])
        prev = self.prev.get(topic)
        if msg.get("type") == "delta":
            if prev is None:
                self.bad(line, ts, "delta before any snapshot")
            else:
                if u != prev[0] + 1:
                    text = f"u {u} != previous u {prev[0]} + 1, and no snapshot resyncs"
                    self.gap[topic] = (line, ts, text, u)
                if seq < prev[1]:
                    self.bad(line, ts, f"seq {seq} < previous seq {prev[1]}")
        self.prev[topic] = (u, seq)

    def finish(self) -> None:
        for line, ts, text, _ in self.gap.values():
            self.bad(line, ts, text)
        self.gap.clear()
