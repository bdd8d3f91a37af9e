"""Binance USD-M frame rules: the venue's own sequencing rules, checked on raw capture frames."""

from __future__ import annotations

from typing import Any

from aleatoric.venues._frames import FrameRule

__all__ = ["BinanceDepthContinuity", "BinanceSnapshotBridge"]


class BinanceDepthContinuity(FrameRule):
    """Binance ``depthUpdate``: ``pu`` equals the previous ``u``, ``U <= u``, ``u`` grows."""

    name = "binance_depth_continuity"

    def __init__(self) -> None:
        super().__init__()
        self.prev_u: int | None = None

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        data = msg.get("data", msg)
        if not isinstance(data, dict) or data.get("e") != "depthUpdate":
            return
        self.rows += 1
        ts = int(data.get("T", 0)) * 1_000_000
        first, last, prev = data.get("U"), data.get("u"), data.get("pu")
        if not all(isinstance(v, int) for v in (first, last, prev)):
            self.bad(line, ts, "U, u and pu must be integers")
            return
        assert isinstance(first, int) and isinstance(last, int)
        if first > last:
            self.bad(line, ts, f"U {first} > u {last}")
        if self.prev_u is not None:
            if prev != self.prev_u:
                self.bad(line, ts, f"pu {prev} != previous u {self.prev_u}")
            if last <= self.prev_u:
                self.bad(line, ts, f"u {last} does not increase (previous {self.prev_u})")
        self.prev_u = last


class BinanceSnapshotBridge(FrameRule):
    """A REST depth snapshot's ``lastUpdateId`` falls inside ``[U, u]`` of a later diff."""

    name = "binance_snapshot_bridge"

    def __init__(self) -> None:
        super().__init__()
        self.pending: tuple[int, int] | None = None
        self.last_diff: tuple[int, int] | None = None

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        data = msg.get("data", msg)
        if not isinstance(data, dict):
            return
        if "lastUpdateId" in data:
            self.rows += 1
            snap = int(data["lastUpdateId"])
            # The diff just before the snapshot may already bridge it.
            if self.last_diff and self.last_diff[0] <= snap <= self.last_diff[1]:
                return
            if self.pending is not None:
                self.bad(self.pending[0], 0, f"snapshot {self.pending[1]} never bridged")
            self.pending = (line, snap)
        elif data.get("e") == "depthUpdate":
            first, last = int(data["U"]), int(data["u"])
            self.last_diff = (first, last)
            if self.pending is not None and last >= self.pending[1]:
                if first > self.pending[1]:
                    message = f"first diff after snapshot {self.pending[1]} starts at U {first}"
                    self.bad(line, int(data.get("T", 0)) * 1_000_000, message)
                self.pending = None

    def finish(self) -> None:
        if self.pending is not None:
            self.bad(self.pending[0], 0, f"snapshot {self.pending[1]} never bridged")
            self.pending = None
