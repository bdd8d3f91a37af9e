"""The final L2 book of a canonical dataset, and comparisons with books other tools rebuild."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.conftest import read_table


def final_book(root: Path, depth: int | None = None) -> dict[str, list[tuple[float, float]]]:
    """Return ``{"bids": [(px, size)...], "asks": [...]}`` after the last book_delta row."""
    d = read_table(root, "book_delta")
    last = d.group_by(["side", "price"]).agg(pl.col("size").sort_by("seq").last())
    book: dict[str, list[tuple[float, float]]] = {}
    for side, key, desc in (("bid", "bids", True), ("ask", "asks", False)):
        rows = last.filter((pl.col("side") == side) & (pl.col("size") > 0)).sort(
            "price", descending=desc
        )
        levels = list(zip(rows["price"].to_list(), rows["size"].to_list(), strict=True))
        book[key] = levels[:depth] if depth else levels
    return book


def as_levels(levels: list[list[float]] | list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Return levels as rounded ``(price, size)`` tuples for exact comparison."""
    return [(round(float(p), 8), round(float(q), 8)) for p, q, *_ in levels]
