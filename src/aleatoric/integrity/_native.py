"""Integrity rules for native captures: the venue's own sequencing rules on raw frames, then
the canonical rules on the capture normalized through the venue decoder.

Frame rules read the capture once, streaming. Each is a small class that sees every frame in
order and reports offending lines (``seq`` in an example is the capture line number).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aleatoric.integrity._check import check_dataset, rule_names
from aleatoric.integrity._decoded import NOT_FOR_VENUE
from aleatoric.integrity._model import CheckReport, Example, IntegrityInputError, RuleResult
from aleatoric.venues._capture import ReadStats, read_capture

__all__ = ["FRAME_RULES", "check_capture"]

MAX_EXAMPLES = 5


class _FrameRule:
    name = ""
    venue = ""

    def __init__(self) -> None:
        self.rows = 0
        self.violations = 0
        self.examples: list[Example] = []

    def bad(self, line: int, ts: int, message: str) -> None:
        self.violations += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append({"table": "capture", "seq": line, "ts_event": ts,
                                  "message": message})  # fmt: skip

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        raise NotImplementedError

    def result(self) -> RuleResult:
        note = "" if self.rows else "no frames of this kind in the capture"
        return RuleResult(self.name, self.violations == 0, self.violations, self.examples,
                          self.rows, note)  # fmt: skip


class LocalAfterExchange(_FrameRule):
    """The local receive time of every frame is after the exchange time it carries."""

    name = "local_after_exchange"

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        exch = _exchange_ms(msg.get("data", msg))
        if exch is None:
            exch = _exchange_ms(msg)
        if exch is None:
            return
        self.rows += 1
        if local <= exch * 1_000_000:
            self.bad(line, exch * 1_000_000, f"local {local} is not after exchange {exch} ms")


def _exchange_ms(data: Any) -> int | None:
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if not isinstance(data, dict):
        return None
    for key in ("E", "T", "ts", "time"):
        value = data.get(key)
        if value is not None:
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


class BinanceDepthContinuity(_FrameRule):
    """Binance ``depthUpdate``: ``pu`` equals the previous ``u``, ``U <= u``, ``u`` grows."""

    name = "binance_depth_continuity"
    venue = "binance"

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


class BinanceSnapshotBridge(_FrameRule):
    """A REST depth snapshot's ``lastUpdateId`` falls inside ``[U, u]`` of a later diff."""

    name = "binance_snapshot_bridge"
    venue = "binance"

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

    def result(self) -> RuleResult:
        if self.pending is not None:
            self.bad(self.pending[0], 0, f"snapshot {self.pending[1]} never bridged")
            self.pending = None
        return super().result()


class BybitUpdateIds(_FrameRule):
    """Bybit ``orderbook.*``: ``u`` +1 per delta, reset only by a snapshot; ``seq`` never falls."""

    name = "bybit_update_ids"
    venue = "bybit"

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


class OkxSeqChain(_FrameRule):
    """OKX ``books``: ``prevSeqId`` equals the previous ``seqId`` (keepalives and resets ok)."""

    name = "okx_seq_chain"
    venue = "okx"

    def __init__(self) -> None:
        super().__init__()
        self.prev: int | None = None

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        arg = msg.get("arg", {})
        if not isinstance(arg, dict) or arg.get("channel") != "books" or "action" not in msg:
            return
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
                self.bad(line, ts, f"prevSeqId {prev} != previous seqId {self.prev}")
            self.prev = int(seq)


class OkxTradeIds(_FrameRule):
    """OKX ``trades``: each message's ``tradeId`` is the previous one plus its ``count``
    (the channel merges fills at one price into one message); a jump is a lost trade."""

    name = "okx_trade_id_gap_free"
    venue = "okx"

    def __init__(self) -> None:
        super().__init__()
        self.prev: int | None = None

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
            if self.prev is not None and trade_id != self.prev + count:
                ts = int(item.get("ts", 0)) * 1_000_000
                self.bad(line, ts, f"tradeId {trade_id} after {self.prev} with count {count}: "
                                   f"{trade_id - self.prev - count} trade(s) missing")  # fmt: skip
            self.prev = trade_id


class OkxChecksum(_FrameRule):
    """OKX ``books``: a non-zero ``checksum`` equals the CRC32 of the merged top 25 levels."""

    name = "okx_checksum"
    venue = "okx"

    def __init__(self) -> None:
        super().__init__()
        self.book: dict[str, dict[float, tuple[str, str]]] = {"bids": {}, "asks": {}}

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        arg = msg.get("arg", {})
        if not isinstance(arg, dict) or arg.get("channel") != "books" or "action" not in msg:
            return
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
                self.bad(line, int(item.get("ts", 0)) * 1_000_000,
                         f"checksum {checksum} != CRC32 of the book {expected}")  # fmt: skip


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


class HyperliquidSnapshotSpacing(_FrameRule):
    """Hyperliquid ``l2Book`` snapshots come no more often than every 0.5 s."""

    name = "hyperliquid_snapshot_spacing"
    venue = "hyperliquid"

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


#: Frame rules by venue (every venue also gets ``local_after_exchange``).
FRAME_RULES: dict[str, tuple[type[_FrameRule], ...]] = {
    "binance": (BinanceDepthContinuity, BinanceSnapshotBridge),
    "bybit": (BybitUpdateIds,),
    "okx": (OkxSeqChain, OkxChecksum, OkxTradeIds),
    "hyperliquid": (HyperliquidSnapshotSpacing,),
}
#: Canonical rules that a venue feed cannot be held to. Depth is published per window
#: (100 ms, 20 ms) or as periodic snapshots, so a trade can print at a level that the
#: window's final state no longer shows: ``trade_inside_touch`` needs the canonical,
#: event-by-event book. Binance diffs may also delete levels a local book does not hold.
_NOT_FOR_VENUE = NOT_FOR_VENUE


def check_capture(
    path: str | Path, venue: str, *, rules: Sequence[str] | None = None
) -> CheckReport:
    """Check a native capture: the venue's frame rules, then canonical rules after decoding.

    Raises
    ------
    IntegrityInputError
        If the file is missing, the venue has no rules, or a rule name is unknown.
    """
    capture = Path(path)
    if not capture.is_file():
        raise IntegrityInputError(f"capture file {capture} does not exist")
    if venue not in FRAME_RULES:
        raise IntegrityInputError(f"unknown venue {venue!r}; allowed: {', '.join(FRAME_RULES)}")
    frame_rules: list[_FrameRule] = [LocalAfterExchange()]
    frame_rules += [cls() for cls in FRAME_RULES[venue]]
    frame_names = [r.name for r in frame_rules]
    canonical = [n for n in rule_names() if n not in _NOT_FOR_VENUE.get(venue, set())]
    if rules is not None:
        unknown = [r for r in rules if r not in frame_names and r not in canonical]
        if unknown:
            allowed = ", ".join(frame_names + canonical)
            raise IntegrityInputError(f"unknown rule(s) {', '.join(unknown)}; allowed: {allowed}")
        frame_rules = [r for r in frame_rules if r.name in rules]
        canonical = [n for n in canonical if n in rules]
    stats = ReadStats()
    for line in read_capture(capture, stats):
        try:
            msg = json.loads(line.text)
        except ValueError:
            stats.bad(line.line_no, "not JSON")
            continue
        if isinstance(msg, dict):
            for rule in frame_rules:
                rule.see(line.line_no, line.local_ns, msg)
    results = [r.result() for r in frame_rules]
    if stats.malformed:
        examples: list[Example] = [
            {"table": "capture", "seq": 0, "ts_event": 0, "message": e}
            for e in stats.examples[:MAX_EXAMPLES]
        ]
        bad_lines = RuleResult(
            "capture_lines_readable", False, stats.malformed, examples, stats.lines
        )
        results.append(bad_lines)
    if stats.truncated:
        cut: Example = {"table": "capture", "seq": 0, "ts_event": 0, "message": stats.truncated}
        results.append(RuleResult("capture_complete", False, 1, [cut], stats.lines))
    rows = stats.lines
    symbol = capture.name.split("_")[0].upper()
    if canonical:
        from aleatoric.venues.normalize import normalize

        scratch = Path(tempfile.mkdtemp(prefix="aleatoric-check-"))
        try:
            normalize(capture, venue, scratch / "ds")
            if (scratch / "ds").exists() and any((scratch / "ds").rglob("*.parquet")):
                report = check_dataset(scratch / "ds", rules=canonical)
                results += report.results
                symbol = report.symbol
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return CheckReport(str(capture), venue, symbol, rows, results)
