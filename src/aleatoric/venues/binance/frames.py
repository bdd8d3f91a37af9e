"""Binance USD-M frame rules: the venue's own sequencing rules, checked on raw capture frames."""

from __future__ import annotations

from typing import Any

from aleatoric.venues._frames import FrameRule

__all__ = ["BinanceDepthContinuity", "BinanceSnapshotBridge"]


class BinanceDepthContinuity(FrameRule):
    """Binance ``depthUpdate``: ``pu`` equals the previous ``u``, ``U <= u``, ``u`` grows.

    A broken chain (lost diffs) is the venue's resync case: it passes when the next depth
    frame is a REST snapshot whose ``lastUpdateId`` lies in the breaking diff's ``[U, u]``,
    which is how a client restarts its book.
    """

    name = "binance_depth_continuity"

    def __init__(self) -> None:
        super().__init__()
        self.prev_u: int | None = None
        #: A diff that broke the chain: (line, ts, message, U, u), until a snapshot bridges it.
        self.gap: tuple[int, int, str, int, int] | None = None

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        data = msg.get("data", msg)
        if not isinstance(data, dict):
            return
        if "lastUpdateId" in data and self.gap is not None:
            if self.gap[3] <= int(data["lastUpdateId"]) <= self.gap[4]:
                self.gap = None  # resynced
            return
        if data.get("e") != "depthUpdate":
            return
        self._report_gap()
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
                message = f"pu {prev} != previous u {self.prev_u}, and no snapshot resyncs"
                self.gap = (line, ts, message, first, last)
            if last <= self.prev_u:
                self.bad(line, ts, f"u {last} does not increase (previous {self.prev_u})")
        self.prev_u = last

    def _report_gap(self) -> None:
        if self.gap is not None:
            self.bad(self.gap[0], self.gap[1], self.gap[2])
            self.gap = None

    def finish(self) -> None:
        self._report_gap()


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
