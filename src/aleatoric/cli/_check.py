"""The ``aleatoric check`` command: integrity rules on a canonical dataset.

Exit codes: 0 every rule passed, 1 some rule found violations, 2 unusable input.
"""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aleatoric.cli._console import make_console
from aleatoric.cli._errors import fail
from aleatoric.integrity import (
    CheckReport,
    IntegrityInputError,
    RuleResult,
    check_capture,
    check_instruments,
)
from aleatoric.integrity import rule_names as _rule_names
from aleatoric.venues._capture import CaptureError

__all__ = ["OutputFormat", "check_cmd", "register"]

#: Offending rows shown per rule in the table.
SHOWN = 3


class OutputFormat(StrEnum):
    """How ``check`` prints its report."""

    table = "table"
    json = "json"


def _examples(result: RuleResult) -> str:
    if result.note and result.passed:
        return f"[dim]{result.note}[/]"
    lines = [
        f"seq {e['seq']} ts_event {e['ts_event']} {e['table']}: {e['message']}"
        for e in result.examples[:SHOWN]
    ]
    if result.violations > SHOWN:
        lines.append(f"… {result.violations - SHOWN:,} more")
    return "\n".join(lines)


def _print_table(console: Console, report: CheckReport, elapsed: float) -> None:
    table = Table(title=f"{report.venue} {report.symbol}: {report.path}")
    table.add_column("rule")
    table.add_column("result")
    table.add_column("violations", justify="right")
    table.add_column("first offending rows (seq, ts_event)", overflow="fold")
    for r in report.results:
        status = "[green]PASS[/]" if r.passed else "[bold red]FAIL[/]"
        table.add_row(r.name, status, f"{r.violations:,}", _examples(r))
    console.print(table, highlight=False)
    failed = len(report.failed)
    verdict = (
        "[green]all rules passed[/]" if not failed else f"[bold red]{failed} rule(s) failed[/]"
    )
    console.print(
        f"{verdict}: {len(report.results)} rule(s) over {report.rows:,} rows in {elapsed:.2f} s",
        highlight=False,
    )


def check_cmd(
    path: Annotated[
        Path,
        typer.Argument(help="Dataset directory (manifest.json and tables), or a native capture."),
    ],
    venue: Annotated[
        str | None,
        typer.Option(help="Venue of a native capture file (binance, bybit, okx, hyperliquid)."),
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option(help=f"Comma-separated rules; default all: {','.join(_rule_names())}."),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Report as a table or as JSON.")
    ] = OutputFormat.table,
    instrument: Annotated[
        str | None,
        typer.Option(help="Only this instrument of a dataset (venue:symbol or the symbol)."),
    ] = None,
) -> None:
    """Check a dataset against the integrity rules; list the first offending rows.

    A dataset of several instruments is checked instrument by instrument (``seq`` runs per
    instrument). Exit 0 when every rule passes, 1 on violations, 2 on unusable input.
    """
    names = None if rules is None else [r.strip() for r in rules.split(",") if r.strip()]
    began = time.perf_counter()
    try:
        if path.is_file():
            if venue is None:
                raise IntegrityInputError(f"{path} is a capture file: name its --venue")
            reports = [check_capture(path, venue, rules=names)]
        else:
            reports = check_instruments(path, rules=names, instrument=instrument)
    except (IntegrityInputError, CaptureError) as exc:
        raise fail(exc) from None
    elapsed = time.perf_counter() - began
    if output is OutputFormat.json:
        # One instrument: the report itself, as always; several: a list of reports.
        dicts = [r.to_dict() for r in reports]
        typer.echo(json.dumps(dicts[0] if len(dicts) == 1 else dicts, indent=2))
    else:
        for report in reports:
            _print_table(make_console(), report, elapsed)
    if not all(r.passed for r in reports):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the ``check`` command to ``app``."""
    app.command("check")(check_cmd)
