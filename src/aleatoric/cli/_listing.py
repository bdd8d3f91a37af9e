"""Listing commands print a table, JSON or CSV (``--format``), the same rows in each."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["FormatOption", "ListFormat", "print_rows"]


class ListFormat(StrEnum):
    """Output of a listing command."""

    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    ListFormat,
    typer.Option("--format", "-f", help="table (for people), json or csv (for programs)."),
]


def print_rows(
    console: Console,
    rows: Sequence[dict[str, Any]],
    fmt: ListFormat,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Print ``rows`` (dicts with the same keys) as a Rich table, a JSON array or CSV.

    The table shows ``columns`` (default: every key); JSON and CSV always carry every key, and
    are written verbatim (no markup, no wrapping).
    """
    keys = list(rows[0]) if rows else list(columns or [])
    if fmt is ListFormat.json:
        typer.echo(json.dumps(list(rows), indent=2, default=str))
        return
    if fmt is ListFormat.csv:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buf.getvalue(), nl=False)
        return
    table = Table(title=title)
    shown = list(columns) if columns is not None else keys
    for col in shown:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(escape(str(row.get(col, ""))) for col in shown))
    console.print(table)
