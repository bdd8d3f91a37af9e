"""Labelled feed gaps: what a capture lost, so ``check`` can tell a known gap from a defect.

A capture written with a latency overlay or a venue outage has a drops table next to it
(``<capture>.drops.parquet``, one row per lost message, and the outage windows in its schema
metadata). :func:`capture_gaps` turns each venue-outage window into a gap. ``aleatoric
normalize`` writes them as the ``feed_gaps`` table of the canonical folder it decodes (so the
canonical tables mark where the feed was silent), and the trade-id rules accept an id jump
only across such a gap: the same jump with no labelled gap, or with the drops table
deleted, still fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "GAPS_PATH",
    "GAPS_TABLE",
    "FeedGap",
    "across_gap",
    "capture_gaps",
    "read_gaps",
    "write_gaps",
]

GAPS_TABLE = "feed_gaps"
GAPS_PATH = f"{GAPS_TABLE}/part-00000.parquet"
#: Slack on each side of a gap: frames carry exchange times in whole milliseconds.
SLACK_NS = 1_000_000
_SCHEMA = pa.schema([
    pa.field("start", pa.timestamp("ns", tz="UTC"), nullable=False),
    pa.field("end", pa.timestamp("ns", tz="UTC"), nullable=False),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("messages", pa.int64(), nullable=False),
])  # fmt: skip


@dataclass(frozen=True)
class FeedGap:
    """Messages sent in ``[start_ns, end_ns]`` were lost; ``reason`` says why."""

    start_ns: int
    end_ns: int
    reason: str
    messages: int


def _drops_file(capture: Path) -> Path:
    return capture.with_name(capture.name.removesuffix(".gz") + ".drops.parquet")


def capture_gaps(capture: Path) -> list[FeedGap]:
    """Return the venue-outage gaps of a capture from its drops table (none without one).

    Messages lost to a latency overlay's loss chain are not gaps: they model a lossy
    recording, whose recorder does not know what it missed (the trade-id rules flag them).
    """
    path = _drops_file(capture)
    if not path.is_file():
        return []
    table = pq.read_table(path, columns=["sent_ns"])
    meta = table.schema.metadata or {}
    outages = [(int(lo), int(hi)) for lo, hi in json.loads(meta.get(b"outages", b"[]"))]
    sent = table.column("sent_ns").to_pylist()
    gaps = [FeedGap(lo, hi, "venue-outage", sum(lo <= t < hi for t in sent)) for lo, hi in outages]
    return sorted(gaps, key=lambda g: (g.start_ns, g.end_ns))


def write_gaps(root: Path, gaps: list[FeedGap]) -> Path | None:
    """Write ``gaps`` as the ``feed_gaps`` table under ``root`` (nothing when empty)."""
    if not gaps:
        return None
    table = pa.table(
        {"start": [g.start_ns for g in gaps], "end": [g.end_ns for g in gaps],
         "reason": [g.reason for g in gaps], "messages": [g.messages for g in gaps]},
        schema=_SCHEMA,
    )  # fmt: skip
    path = root / GAPS_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return path


def read_gaps(root: Path) -> list[tuple[int, int]]:
    """Return the ``[start, end]`` spans (ns) of the ``feed_gaps`` table under ``root``."""
    path = root / GAPS_PATH
    if not path.is_file():
        return []
    table = pq.read_table(path, columns=["start", "end"])
    starts = table.column("start").cast(pa.int64()).to_pylist()
    ends = table.column("end").cast(pa.int64()).to_pylist()
    return list(zip(starts, ends, strict=True))


def across_gap(before_ns: int, after_ns: int, gaps: list[tuple[int, int]]) -> bool:
    """Return whether the time between two consecutive records overlaps a labelled gap."""
    return any(before_ns - SLACK_NS <= hi and after_ns + SLACK_NS >= lo for lo, hi in gaps)
