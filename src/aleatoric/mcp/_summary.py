"""Summary statistics and first rows of a written dataset, small enough to answer inline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from aleatoric.dataset import Manifest
from aleatoric.mcp._models import TableSummary
from aleatoric.sinks.schema import AS_NS

__all__ = ["preview_rows", "summarize_tables"]

_KEYS = ("ts_event", "ts_recv", "seq")


def _iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    seconds, rest = divmod(int(ns), 1_000_000_000)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}.{rest:09d}Z"


def _files(root: Path, table: str) -> list[str]:
    # Sorted by date partition, then segment part: the order of seq.
    return sorted(str(p) for p in (root / table).rglob("*.parquet"))


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return float(value)


def _stats(table: str, scan: Any) -> dict[str, float | int | None]:
    # One aggregation per table; names are what a client sees.
    col = pl.col
    exprs: list[Any] = []
    if table == "trades":
        exprs = [
            col("size").sum().alias("volume"),
            (col("price") * col("size")).sum().alias("notional"),
            col("price").min().alias("price_min"),
            col("price").max().alias("price_max"),
            (col("side") == "buy").mean().alias("buy_share"),
        ]
    elif table == "book_snapshot":
        mid = (col("bid_px_00") + col("ask_px_00")) / 2
        spread = col("ask_px_00") - col("bid_px_00")
        exprs = [
            mid.drop_nulls().first().alias("mid_first"),
            mid.drop_nulls().last().alias("mid_last"),
            spread.mean().alias("spread_mean"),
            (spread / mid * 1e4).mean().alias("spread_mean_bps"),
        ]
    elif table == "ticker":
        exprs = [
            col("mark_price").first().alias("mark_first"),
            col("mark_price").last().alias("mark_last"),
            col("index_price").last().alias("index_last"),
            col("funding_rate").last().alias("funding_rate_last"),
            col("open_interest").last().alias("open_interest_last"),
        ]
    elif table == "mbo":
        names = {"A": "adds", "C": "cancels", "M": "modifies", "T": "trades", "F": "fills"}
        exprs = [(col("action") == a).sum().alias(n) for a, n in names.items()]
    elif table == "book_delta":
        exprs = [
            col("is_snapshot").sum().alias("snapshot_rows"),
            (col("size") == 0).sum().alias("levels_removed"),
        ]
    elif table == "funding":
        exprs = [col("funding_rate").last().alias("funding_rate_last")]
    exprs += [col("ts_event").min().alias("_first"), col("ts_event").max().alias("_last")]
    row = scan.sort("seq").select(exprs).collect().row(0, named=True)
    stats = {k: _number(v) for k, v in row.items()}
    if table == "trades" and stats.get("volume"):
        stats["vwap"] = float(stats["notional"] or 0.0) / float(stats["volume"] or 1.0)
    return stats


def summarize_tables(root: Path, manifest: Manifest) -> list[TableSummary]:
    """Return one summary per table listed in the dataset's manifest (all instruments)."""
    files = manifest.file_entries
    out = []
    for table, rows in manifest.tables.items():
        entries = [f for f in files if f.table == table]
        paths = _files(root, table)
        stats: dict[str, float | int | None] = {}
        if paths:
            stats = _stats(
                table, pl.scan_parquet(paths, hive_partitioning=False).with_columns(AS_NS)
            )
        first, last = stats.pop("_first", None), stats.pop("_last", None)
        summary = TableSummary(
            table=table, rows=int(rows), files=len(entries),
            bytes=sum(f.bytes or 0 for f in entries),
            ts_first=_iso(None if first is None else int(first)),
            ts_last=_iso(None if last is None else int(last)), stats=stats,
        )  # fmt: skip
        out.append(summary)
    return out


def preview_rows(
    root: Path, table: str, n: int, *, levels: int | None = None
) -> list[dict[str, Any]]:
    """Return the first ``n`` rows of ``table`` in ``seq`` order as JSON-ready dicts.

    ``levels`` keeps only that many book levels of a ``book_snapshot`` (level 00 first).
    """
    paths = _files(root, table)
    if n <= 0 or not paths:
        return []
    scan = pl.scan_parquet(paths, hive_partitioning=False).with_columns(AS_NS)
    names: Sequence[str] = scan.collect_schema().names()
    if levels is not None:
        wanted = {f"{side}_{kind}_{i:02d}" for side in ("bid", "ask") for kind in ("px", "sz")
                  for i in range(levels)}  # fmt: skip
        names = [c for c in names if c in _KEYS or c in wanted]
    frame = scan.select(names).head(n).collect().sort("seq")
    rows: list[dict[str, Any]] = frame.to_dicts()
    return rows
