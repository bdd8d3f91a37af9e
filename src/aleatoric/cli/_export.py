"""The ``aleatoric export`` command: a dataset in a backtesting engine's own format.

Exit codes: 0 written, 1 failure while writing (nothing left at OUT), 2 unusable input
(unknown engine or bar size, a dataset without a table the engine needs, OUT not empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aleatoric.cli._console import make_console

__all__ = [
    "check_export_option",
    "export_after_generate",
    "export_cmd",
    "register",
    "run_export",
]

ENGINE_HELP = "Engine or format: backtrader, lean, hftbacktest, nautilus, dbn (Databento)."
BAR_HELP = (
    "Bar size for backtrader and nautilus: 1s, 5s, 10s, 15s, 30s, 1m, 5m, 15m, 30m, 1h, 4h, 1d."
)


def run_export(
    dataset: Path, engine: str, out: Path, *, bar: str, overwrite: bool, quiet: bool
) -> None:
    """Export with a progress bar; turn bad input into exit 2 and failures into exit 1."""
    from aleatoric.integrations import ExportError, check_export, export

    err = make_console(stderr=True, soft_wrap=True)
    try:
        check_export(dataset, engine, out, bar=bar, overwrite=overwrite)
        if quiet:
            result = export(dataset, engine, out, bar=bar, overwrite=overwrite)
        else:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn())  # fmt: skip
            with Progress(*columns, console=err, transient=False) as bar_ui:
                task = bar_ui.add_task(f"export {engine}", total=None)

                def progress(done: int, total: int) -> None:
                    bar_ui.update(task, completed=done, total=total)

                result = export(dataset, engine, out, bar=bar, overwrite=overwrite,
                                progress=progress)  # fmt: skip
    except ExportError as exc:
        err.print(
            f"[bold red]invalid input[/]: {escape(str(exc))}; nothing was written", highlight=False
        )
        raise typer.Exit(code=2) from None
    except ValueError as exc:
        err.print(
            f"[bold red]invalid input[/]: {escape(str(exc))}; nothing was written", highlight=False
        )
        raise typer.Exit(code=2) from None
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/]: nothing was written")
        raise typer.Exit(code=130) from None
    except (RuntimeError, OSError) as exc:
        err.print(f"[bold red]error[/]: {escape(str(exc))}; nothing was written", highlight=False)
        raise typer.Exit(code=1) from None
    if not quiet:
        make_console().print(
            f"wrote {len(result.files)} {engine} files ({result.bytes / 1e6:,.1f} MB) to {out}; "
            "digests in export.json"
        )


def export_cmd(
    dataset: Annotated[Path, typer.Argument(help="Dataset directory (with manifest.json).")],
    to: Annotated[str, typer.Option("--to", help=ENGINE_HELP)],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory (must not exist, or be empty).")
    ],
    bar: Annotated[str, typer.Option(help=BAR_HELP)] = "1m",
    overwrite: Annotated[bool, typer.Option(help="Replace a non-empty output directory.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Write a dataset in a backtesting engine's format, with digests in export.json.

    Files appear at OUT only when all are written.
    """
    run_export(dataset, to, out, bar=bar, overwrite=overwrite, quiet=quiet)


def check_export_option(tables: Sequence[str], engine: str, bar: str) -> None:
    """Refuse a bad ``generate --export`` (exit 2) before anything is generated."""
    from aleatoric.integrations import BAR_SIZES, ENGINES

    problem = None
    if engine not in ENGINES:
        problem = f"--export {engine!r}; allowed: {', '.join(ENGINES)}"
    elif bar not in BAR_SIZES:
        problem = f"--export-bar {bar!r}; allowed: {', '.join(BAR_SIZES)}"
    else:
        missing = [t for t in ENGINES[engine].tables if t not in tables]
        if missing:
            problem = f"--export {engine} needs the table(s) {', '.join(missing)} in --tables"
    if problem is not None:
        make_console(stderr=True).print(
            f"[bold red]invalid option[/]: {escape(problem)}", soft_wrap=True, highlight=False
        )
        raise typer.Exit(code=2)


def export_after_generate(
    out: Path, engine: str, export_out: Path | None, bar: str, *, overwrite: bool, quiet: bool
) -> None:
    """Export a just-generated dataset to ``export_out`` (default ``OUT-ENGINE`` beside it)."""
    target = export_out if export_out is not None else out.parent / f"{out.name}-{engine}"
    run_export(out, engine, target, bar=bar, overwrite=overwrite, quiet=quiet)


def register(app: typer.Typer) -> None:
    """Add the ``export`` command to ``app``."""
    app.command("export")(export_cmd)
