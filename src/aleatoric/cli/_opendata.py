"""The ``opendata`` commands: build a day's release, verify one, index a catalogue.

Exit codes: 0 success (a release already built with the same parameters counts), 1 the work
or a verification failed, 2 unusable input (a bad date or duration, a release directory
holding something else, an unreadable key).
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from aleatoric.cli._console import make_console
from aleatoric.cli._errors import exit_on_error

__all__ = ["register"]

console = make_console()
err = make_console(stderr=True)
opendata_app = typer.Typer(
    help="Daily public releases: build a day, verify a download, index a catalogue.",
    no_args_is_help=True,
)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@opendata_app.command("build")
def build_cmd(
    day: Annotated[
        str, typer.Option("--date", help="UTC day to build: YYYY-MM-DD, or yesterday (UTC).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Catalogue directory; the day goes to OUT/DATE.")
    ],
    duration: Annotated[
        str | None,
        typer.Option(help="Build only the first part of the day (e.g. 10m; default: 1d)."),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(envvar="ALEATORIC_SIGNING_KEY", help="Private key: sign the release."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    remote: Annotated[
        str | None,
        typer.Option(envvar="ALEATORIC_REMOTE", help="Job service URL to compute segments on."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace OUT/DATE when it holds another or a damaged release.")
    ] = False,
    universe: Annotated[
        Path | None,
        typer.Option(help="Universe file (TOML) instead of the one shipped with the engine."),
    ] = None,
    index: Annotated[
        bool, typer.Option("--index", help="Then index OUT (catalog.json, index.html, README.md).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Build one day's release into OUT/DATE (atomically; a rerun changes nothing)."""
    from aleatoric.opendata import build_release, load_universe, parse_date, release_duration

    began = time.perf_counter()
    signal.signal(signal.SIGTERM, _interrupt)
    with exit_on_error("; nothing was written"):
        when = _yesterday() if day == "yesterday" else parse_date(day)
        ns = release_duration(duration)
        spec = load_universe(universe)

        def say(step: str) -> None:
            if not quiet:
                err.print(f"{escape(step)}", highlight=False, soft_wrap=True)

        result = build_release(
            when, out, duration_ns=ns, key=key, workers=workers, remote=remote,
            overwrite=overwrite, progress=say, spec=spec,
        )  # fmt: skip
    if result.unchanged:
        console.print(f"{escape(str(result.path))}: already built, unchanged", soft_wrap=True)
    else:
        console.print(
            f"built {escape(str(result.path))}: {result.files} files, "
            f"{result.bytes / 1e6:,.1f} MB in {time.perf_counter() - began:,.1f} s",
            soft_wrap=True,
        )
    if index:
        index_cmd(out)


def _yesterday() -> date:
    # The day before today in UTC: what a daily schedule publishes.
    return datetime.now(UTC).date() - timedelta(days=1)


@opendata_app.command("verify")
def verify_cmd(
    source: Annotated[str, typer.Argument(help="Release directory or its http(s) URL.")],
    key: Annotated[
        Path | None, typer.Option("--key", "-k", help="Public key the release was signed with.")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option(help="Also rebuild the day and compare every data file.")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes for --rebuild.")] = 1,
) -> None:
    """Check a release: its signature (with --key), every file's SHA-256, optionally a rebuild.

    Exit 0 when every check passes, 1 when one fails, 2 on unusable input.
    """
    from aleatoric.opendata import verify_release

    with exit_on_error():
        result = verify_release(source, key, rebuild=rebuild, workers=workers)
    for problem in result.problems:
        err.print(f"[bold red]error[/]: {escape(problem)}", soft_wrap=True)
    if not result.ok:
        console.print(f"[bold red]NOT verified[/]: {escape(source)}", soft_wrap=True)
        raise typer.Exit(code=1)
    signed = (
        f"signature by key {result.key_id}" if result.key_id else "signature not checked (no --key)"
    )
    rebuilt = (
        f"; rebuilt, {result.rebuilt} data files identical" if result.rebuilt is not None else ""
    )
    what = f"{result.files} files, {signed}{rebuilt}"
    console.print(
        f"[green]verified[/] {escape(source)} ({result.date}): {what}",
        soft_wrap=True,
    )


@opendata_app.command("index")
def index_cmd(
    root: Annotated[Path, typer.Argument(help="Catalogue directory (with YYYY-MM-DD releases).")],
) -> None:
    """Write catalog.json, index.html and README.md over every day built under ROOT."""
    from aleatoric.opendata import index_catalog

    with exit_on_error():
        result = index_catalog(root)
    console.print(
        f"indexed {len(result.days)} day(s) in {escape(str(root))}: catalog.json, index.html, "
        "README.md",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``opendata`` command group to ``app``."""
    app.add_typer(opendata_app, name="opendata")
