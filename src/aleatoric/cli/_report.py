"""The ``aleatoric report`` command: the realism scorecard of a dataset.

Exit codes: 0 when every applicable band passes, 1 when one fails, 2 on unusable input (no
dataset, no book table, an HTML report without the ``report`` extra), 3 when no band fails but
the dataset is too short for some facts (verdict INSUFFICIENT DATA).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from aleatoric.cli._console import make_console
from aleatoric.cli._errors import fail

__all__ = ["CROSS", "EXIT_CODES", "ReportFormat", "register", "report_cmd"]

#: The name that selects the cross-asset scorecard of a dataset of several instruments.
CROSS = "cross-asset"
#: Exit code of each verdict (2 is unusable input).
EXIT_CODES = {"PASS": 0, "FAIL": 1, "INSUFFICIENT DATA": 3}


class ReportFormat(StrEnum):
    """Output format on stdout."""

    table = "table"
    json = "json"


def report_cmd(
    dataset: Annotated[Path, typer.Argument(help="Dataset directory (with manifest.json).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also write a self-contained HTML report here."),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Output on stdout: table or json.")
    ] = ReportFormat.table,
    against: Annotated[
        Path | None,
        typer.Option(help="Another dataset: add distribution distances (Wasserstein-1)."),
    ] = None,
    instrument: Annotated[
        str | None,
        typer.Option(help="The instrument to score in a dataset of several (venue:symbol)."),
    ] = None,
) -> None:
    """Score a dataset's realism: stylized facts of returns, spreads, trades and funding.

    A dataset of several instruments is scored instrument by instrument (one JSON line each
    with --format json), then across them (cross-asset correlation, co-jumps, lead-lag,
    no-arbitrage band: --instrument cross-asset alone), unless --instrument names one; --out
    and --against need one.
    Exits 0 when every applicable band passes, 1 when one fails, 2 on unusable input, 3 when
    the dataset is too short to judge some facts (INSUFFICIENT DATA); with several
    instruments, the worst of their codes (1 before 3).
    """
    from aleatoric.realism import DatasetError, compare_with
    from aleatoric.realism._report import MissingExtraError, ensure_matplotlib

    console = make_console()
    err = make_console(stderr=True)
    if instrument is None:
        names = _instruments(dataset)
        if len(names) > 1 and out is None and against is None:
            codes = [_score(dataset, name, fmt, console) for name in [*names, CROSS]]
            raise typer.Exit(code=1 if 1 in codes else max(codes))
    try:
        if out is not None:
            ensure_matplotlib()
        card = _card(dataset, instrument)
        comparison = compare_with(card, against) if against is not None else None
    except (MissingExtraError, DatasetError) as exc:
        raise fail(exc) from None
    if fmt is ReportFormat.json:
        payload: dict[str, Any] = card.to_dict()
        if card.observations is not None:
            from aleatoric.realism._overview import overview_dict

            payload["overview"] = overview_dict(card.observations)
        if comparison is not None:
            payload["comparison"] = comparison.to_dict()
        typer.echo(json.dumps(payload, indent=2, allow_nan=False))
    else:
        from aleatoric.realism import render_terminal

        render_terminal(card, console, comparison)
    if out is not None:
        from aleatoric.realism import render_html

        try:
            written = render_html(card, out, comparison)
        except OSError as exc:
            err.print(
                f"[bold red]error[/]: cannot write {out}: {escape(str(exc))}", highlight=False
            )
            raise typer.Exit(code=1) from None
        err.print(f"wrote {written}", highlight=False)
    raise typer.Exit(code=EXIT_CODES[card.verdict])


def _card(dataset: Path, name: str | None) -> Any:
    # One instrument's scorecard, or the cross-asset one.
    from aleatoric.realism import cross_scorecard, scorecard

    return cross_scorecard(dataset) if name == CROSS else scorecard(dataset, name)


def _instruments(dataset: Path) -> list[str]:
    # The dataset's instruments; an unreadable dataset is reported by the scorecard itself.
    from aleatoric.dataset import open_dataset
    from aleatoric.errors import DatasetError

    try:
        return [str(i) for i in open_dataset(dataset).instruments]
    except DatasetError:
        return []


def _score(dataset: Path, name: str, fmt: ReportFormat, console: Any) -> int:
    # One instrument of several: its card, as a table or one JSON line; its exit code.
    from aleatoric.realism import DatasetError, render_terminal

    try:
        card = _card(dataset, name)
    except DatasetError as exc:
        raise fail(exc) from None
    if fmt is ReportFormat.json:
        typer.echo(json.dumps(card.to_dict(), allow_nan=False))
    else:
        render_terminal(card, console, None)
    return EXIT_CODES[card.verdict]


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report_cmd)
