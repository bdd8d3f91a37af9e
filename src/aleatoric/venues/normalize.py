"""Normalize native captures (ours, or recorded from a venue) into canonical Parquet tables.

Streaming: lines are decoded one by one and rows are flushed to Parquet every
``FLUSH_ROWS`` rows, so a day of a busy symbol fits in little memory. Lines that are not
``<timestamp> <json>``, not JSON, or not a known message are counted and reported, never
fatal. Columns a venue does not carry (order counts on Binance, open interest without a
ticker stream, ...) are null.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from aleatoric.sinks.schema import TIMESTAMP
from aleatoric.venues._capture import NORMALIZED_MARKER, ReadStats, read_capture
from aleatoric.venues._gaps import capture_gaps, write_gaps
from aleatoric.venues._stream import DecodedRows

__all__ = ["NORMALIZED_MARKER", "NORMALIZED_SCHEMAS", "NormalizeReport", "normalize"]

FLUSH_ROWS = 500_000
NS_PER_DAY = 86_400_000_000_000
EPOCH = date(1970, 1, 1)

_COMMON = [
    pa.field("ts_event", TIMESTAMP, nullable=False),
    pa.field("ts_recv", TIMESTAMP, nullable=False),
    pa.field("seq", pa.uint64(), nullable=False),
]
#: Canonical columns; those a venue may not carry are nullable.
NORMALIZED_SCHEMAS: dict[str, pa.Schema] = {
    "book_delta": pa.schema(
        [
            *_COMMON,
            pa.field("side", pa.string(), nullable=False),
            pa.field("price", pa.float64(), nullable=False),
            pa.field("size", pa.float64(), nullable=False),
            pa.field("order_count", pa.uint32()),
            pa.field("is_snapshot", pa.bool_(), nullable=False),
            pa.field("is_last", pa.bool_(), nullable=False),
        ]
    ),
    "trades": pa.schema(
        [
            *_COMMON,
            pa.field("trade_id", pa.uint64()),
            pa.field("price", pa.float64(), nullable=False),
            pa.field("size", pa.float64(), nullable=False),
            pa.field("side", pa.string(), nullable=False),
        ]
    ),
    "ticker": pa.schema(
        [
            *_COMMON,
            pa.field("mark_price", pa.float64()),
            pa.field("index_price", pa.float64()),
            pa.field("last_price", pa.float64()),
            pa.field("funding_rate", pa.float64()),
            pa.field("predicted_funding_rate", pa.float64()),
            pa.field("next_funding_ts", TIMESTAMP),
            pa.field("open_interest", pa.float64()),
        ]
    ),
    "funding": pa.schema(
        [
            *_COMMON,
            pa.field("funding_rate", pa.float64(), nullable=False),
            pa.field("mark_price", pa.float64()),
        ]
    ),
}


@dataclass
class NormalizeReport:
    """What a normalization read and wrote."""

    lines: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(NORMALIZED_SCHEMAS, 0))
    unknown: int = 0
    malformed: int = 0
    #: Where a truncated capture ends (its readable lines were normalized), else None.
    truncated: str | None = None
    examples: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain data."""
        return {
            "lines": self.lines,
            "rows": self.rows,
            "unknown": self.unknown,
            "malformed": self.malformed,
            "truncated": self.truncated,
            "examples": self.examples,
            "files": self.files,
        }


class _Writer:
    # Appends row batches as numbered part files per table and date.
    def __init__(self, root: Path, venue: str, symbol: str, report: NormalizeReport) -> None:
        self.root, self.venue, self.symbol, self.report = root, venue, symbol, report
        self.part = 0

    def flush(self, rows: DecodedRows) -> None:
        for table, schema in NORMALIZED_SCHEMAS.items():
            batch: list[dict[str, Any]] = getattr(rows, table)
            if not batch:
                continue
            by_day: dict[int, list[dict[str, Any]]] = {}
            for row in batch:
                by_day.setdefault(row["ts_event"] // NS_PER_DAY, []).append(row)
            for day, day_rows in sorted(by_day.items()):
                date = (EPOCH + timedelta(days=day)).isoformat()
                rel = (f"{table}/venue={self.venue}/symbol={self.symbol}/date={date}/"
                       f"part-{self.part:05d}.parquet")  # fmt: skip
                path = self.root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(pa.Table.from_pylist(day_rows, schema=schema), path,
                               compression="zstd")  # fmt: skip
                self.report.files.append(rel)
            self.report.rows[table] += len(batch)
            batch.clear()
        self.part += 1


def normalize(
    capture: str | os.PathLike[str],
    venue: str,
    out: str | os.PathLike[str],
    *,
    symbol: str | None = None,
) -> NormalizeReport:
    """Decode a capture of ``venue`` into canonical tables under ``out``.

    Output appears at ``out`` only when the whole capture was read. ``symbol`` defaults to
    the capture file name's prefix (``btcusdt_20260101.gz`` gives ``BTCUSDT``).

    Raises
    ------
    ValueError
        If ``venue`` has no decoder (the message lists those that do).
    FileNotFoundError
        If the capture does not exist.
    """
    from aleatoric.venues import decoder_for

    decode = decoder_for(venue)
    path = Path(capture)
    if not path.is_file():
        raise FileNotFoundError(f"no such capture file: {path}")
    sym = symbol or path.name.split("_")[0].upper()
    target = Path(out)
    tmp = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:12]}"
    tmp.mkdir(parents=True)
    report = NormalizeReport()
    stats = ReadStats()
    rows = DecodedRows()
    writer = _Writer(tmp, venue, sym, report)
    try:
        for line in read_capture(path, stats):
            decode(line.local_ns, line.text, line.line_no, rows)
            if rows.pending() >= FLUSH_ROWS:
                writer.flush(rows)
        writer.flush(rows)
        # Tells `check` that this folder is a decoded capture: the capture's rule set applies.
        marker = {"venue": venue, "symbol": sym, "capture": path.name,
                  "lines": stats.lines, "truncated": stats.truncated}  # fmt: skip
        # The capture's labelled gaps (from its drops table) become the feed_gaps table.
        gaps = capture_gaps(path)
        if write_gaps(tmp, gaps) is not None:
            marker["feed_gaps"] = len(gaps)
        (tmp / NORMALIZED_MARKER).write_text(json.dumps(marker, indent=2) + "\n")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.lines = stats.lines
    report.unknown = rows.unknown
    report.malformed = rows.malformed + stats.malformed
    report.truncated = stats.truncated
    report.examples = (stats.examples + rows.examples)[:10]
    return report
