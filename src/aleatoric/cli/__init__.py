"""The ``aleatoric`` command line: thin commands over the library.

Exit codes: 0 success, 1 failure while running, 2 unusable input (bad config or flags).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from aleatoric._generate import OutputExistsError, OutputFormat, generate
from aleatoric._version import __version__
from aleatoric.config import (
    TABLES,
    ConfigError,
    DatasetConfig,
    format_duration,
    load_config,
    presets,
)
from aleatoric.instruments import instruments
from aleatoric.reactor import segment_count

__all__ = ["app", "main"]

app = typer.Typer(
    name="aleatoric",
    help="Deterministic, realistic synthetic market data for crypto perpetuals.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"aleatoric {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Deterministic, realistic synthetic market data for crypto perpetuals."""


def _fail_config(exc: ConfigError) -> typer.Exit:
    err.print(f"[bold red]invalid config[/] ({len(exc.errors)} error(s)):")
    for path, msg in exc.errors:
        err.print(f"  [bold]{path}[/]: {msg}", highlight=False)
    return typer.Exit(code=2)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


@app.command("generate")
def generate_cmd(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory (must not exist, or be empty).")
    ],
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Config file (.toml, .yaml, .json); flags override it."
        ),
    ] = None,
    venue: Annotated[
        str | None, typer.Option(help="Venue: binance, bybit, okx, hyperliquid.")
    ] = None,
    symbol: Annotated[
        str | None, typer.Option(help="The venue's own symbol, e.g. BTCUSDT.")
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="Regime preset (see `aleatoric presets`).")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="Start, UTC, whole minute: 2026-01-01T00:00:00Z.")
    ] = None,
    duration: Annotated[str | None, typer.Option(help="Length: 1h, 30m, 2d, PT1H.")] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed (integer >= 0).")] = None,
    segment: Annotated[str | None, typer.Option(help="Segment length (default 1h).")] = None,
    warmup: Annotated[
        str | None, typer.Option(help="Book warm-up replayed before each segment (5m..1h).")
    ] = None,
    latency: Annotated[str | None, typer.Option(help="ts_recv - ts_event (default 5ms).")] = None,
    tables: Annotated[
        str | None, typer.Option(help=f"Comma-separated tables; default all: {','.join(TABLES)}.")
    ] = None,
    snapshot_depth: Annotated[int | None, typer.Option(help="Levels per snapshot side.")] = None,
    snapshot_interval: Annotated[
        str | None, typer.Option(help="Snapshot interval, e.g. 100ms.")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes; output is identical for any number.")
    ] = 1,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="parquet (canonical tables), native (venue captures: gzip, "
            "'<ns> <json>' lines, one file per day) or both.",
        ),
    ] = "parquet",
    overwrite: Annotated[bool, typer.Option(help="Replace a non-empty output directory.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
) -> None:
    """Generate a dataset as hive-partitioned Parquet plus manifest.json.

    Files appear at OUT only when the whole dataset is written.
    """
    try:
        config = load_config(
            config_file,
            venue=venue,
            symbol=symbol,
            preset=preset,
            start=start,
            duration=duration,
            seed=seed,
            segment=segment,
            warmup=warmup,
            latency=latency,
            tables=_split(tables),
            snapshot_depth=snapshot_depth,
            snapshot_interval=snapshot_interval,
        )
    except ConfigError as exc:
        raise _fail_config(exc) from None
    formats: dict[str, tuple[OutputFormat, ...]] = {
        "parquet": ("parquet",),
        "native": ("native",),
        "both": ("parquet", "native"),
    }
    if output_format not in formats:
        err.print(f"[bold red]invalid option[/]: --format {output_format!r}; "
                  "allowed: parquet, native, both")  # fmt: skip
        raise typer.Exit(code=2)
    began = time.perf_counter()
    try:
        if quiet:
            result = generate(
                config, out, workers=workers, overwrite=overwrite,
                formats=formats[output_format],
            )  # fmt: skip
        else:
            result = _generate_with_progress(
                config, out, workers, overwrite, formats[output_format]
            )
    except OutputExistsError as exc:
        err.print(f"[bold red]error[/]: {exc} (--overwrite replaces it)")
        raise typer.Exit(code=2) from None
    except ValueError as exc:
        err.print(f"[bold red]invalid input[/]: {exc}; nothing was written")
        raise typer.Exit(code=2) from None
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/]: nothing was written")
        raise typer.Exit(code=130) from None
    except (RuntimeError, OSError) as exc:
        err.print(f"[bold red]error[/]: {exc}; nothing was written")
        raise typer.Exit(code=1) from None
    elapsed = time.perf_counter() - began
    if not quiet:
        _summary(config, result.tables, result.bytes, elapsed, out)


def _generate_with_progress(
    config: DatasetConfig,
    out: Path,
    workers: int,
    overwrite: bool,
    formats: tuple[OutputFormat, ...],
) -> Any:
    n = segment_count(config)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        overall = bar.add_task("segments", total=n)
        tasks: dict[int, Any] = {}

        def progress(index: int, done: int, total: int) -> None:
            if index not in tasks:
                tasks[index] = bar.add_task(f"segment {index}", total=total)
            bar.update(tasks[index], completed=done, total=total)
            if done >= total:
                bar.update(tasks[index], visible=False)
                bar.advance(overall)

        return generate(
            config, out, workers=workers, overwrite=overwrite, progress=progress,
            formats=formats,
        )  # fmt: skip


def _summary(
    config: DatasetConfig, rows: dict[str, int], size: int, elapsed: float, out: Path
) -> None:
    table = Table(title=f"{config.venue} {config.symbol} {config.preset} seed={config.seed}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in rows.items():
        table.add_row(name, f"{count:,}")
    total = sum(rows.values())
    table.add_row("[bold]total[/]", f"[bold]{total:,}[/]")
    console.print(table)
    console.print(
        f"wrote {size / 1e6:,.1f} MB to {out} in {elapsed:,.1f} s "
        f"({total / max(elapsed, 1e-9):,.0f} events/s)"
    )


@app.command("normalize")
def normalize_cmd(
    capture: Annotated[
        Path, typer.Argument(help="Capture file: gzip or text, '<ns> <json>' lines.")
    ],
    venue: Annotated[str, typer.Option(help="Venue whose messages the capture holds.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory for canonical tables.")
    ],
    symbol: Annotated[
        str | None, typer.Option(help="Symbol (default: from the file name, e.g. btcusdt_...).")
    ] = None,
) -> None:
    """Decode a native capture (ours or recorded from the venue) into canonical Parquet.

    Malformed and unknown lines are counted and reported, never fatal.
    """
    from aleatoric.venues.normalize import normalize

    try:
        report = normalize(capture, venue, out, symbol=symbol)
    except (ValueError, FileNotFoundError) as exc:
        err.print(f"[bold red]invalid input[/]: {exc}")
        raise typer.Exit(code=2) from None
    table = Table(title=f"{capture.name}: {report.lines:,} lines")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in report.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"unknown messages: {report.unknown:,}; malformed lines: {report.malformed:,}")
    for example in report.examples:
        console.print(f"  {example}", highlight=False)


@app.command("validate")
def validate_cmd(
    file: Annotated[Path, typer.Argument(help="Config file (.toml, .yaml, .yml, .json).")],
) -> None:
    """Check a config file; print every error with its field path and the allowed values."""
    try:
        config = load_config(file)
    except ConfigError as exc:
        raise _fail_config(exc) from None
    console.print(
        f"[green]ok[/]: {config.venue} {config.symbol} {config.preset}, "
        f"{format_duration(config.duration)} from {config.canonical()['start']}, "
        f"{segment_count(config)} segment(s)"
    )


@app.command("presets")
def presets_cmd() -> None:
    """List the regime presets with a one-line description."""
    table = Table()
    table.add_column("preset")
    table.add_column("assets")
    table.add_column("description")
    for name, p in presets().items():
        table.add_row(name, ", ".join(sorted(p.assets)), p.description)
    console.print(table)


@app.command("instruments")
def instruments_cmd(
    venue: Annotated[str | None, typer.Option(help="Only this venue.")] = None,
) -> None:
    """List the instruments and their rules (tick, lot, funding interval and cap)."""
    table = Table()
    for col in ("venue", "symbol", "tick", "lot", "contract", "min notional", "funding", "cap"):
        table.add_column(col)
    for i in instruments():
        if venue is not None and i.venue != venue:
            continue
        table.add_row(
            i.venue, i.symbol, str(i.tick_size), str(i.lot_size), str(i.contract_value),
            str(i.min_notional), f"{i.funding_interval_hours}h", str(i.funding_cap),
        )  # fmt: skip
    console.print(table)


def main() -> None:
    """Run the CLI (console-script entry point)."""
    app(prog_name="aleatoric")


if __name__ == "__main__":  # pragma: no cover
    main()
