"""Hyperliquid frame rules: the venue's own sequencing rules, checked on raw capture frames."""

from __future__ import annotations

from typing import Any

from aleatoric.venues._frames import FrameRule

__all__ = ["HyperliquidSnapshotSpacing"]


class HyperliquidSnapshotSpacing(FrameRule):
    """Hyperliquid ``l2Book`` snapshots come no more often than every 0.5 s."""

    name = "hyperliquid_snapshot_spacing"

    def __init__(self) -> None:
        super().__init__()
        self.prev: int | None = None

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        if msg.get("channel") != "l2Book":
            return
        self.rows += 1
        t = int(msg.get("data", {}).get("time", 0))
        if self.prev is not None and t - self.prev < 500:
            self.bad(line, t * 1_000_000, f"snapshot {t - self.prev} ms after the previous one")
        self.prev = t
