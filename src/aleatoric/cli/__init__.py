"""The ``aleatoric`` command line: thin commands over the library.

Exit codes: 0 success, 1 failure while running, 2 unusable input (bad config or flags).
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from aleatoric._generate import OutputFormat, generate, unit_count
from aleatoric._version import __version__
from aleatoric.cache import CacheStore, parse_size
from aleatoric.cli._config_flags import with_config_flags
from aleatoric.cli._console import configure_help, make_console
from aleatoric.cli._errors import exit_on_error, fail
from aleatoric.cli._listing import FormatOption, ListFormat, print_rows
from aleatoric.config import (
    ConfigError,
    DatasetConfig,
    format_duration,
    load_config,
    presets,
)
from aleatoric.errors import DatasetError
from aleatoric.instruments import instruments
from aleatoric.reactor import segment_count
from aleatoric.scenarios import place_scenarios, scenario_rows

__all__ = ["app", "main"]

app = typer.Typer(
    name="aleatoric",
    help="Deterministic, realistic synthetic market data for crypto perpetuals.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
console = make_console()
err = make_console(stderr=True)
configure_help()


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
    return fail(exc)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


@app.command("generate")
@with_config_flags
def generate_cmd(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory (must not exist, or be empty).")
    ],
    overrides: dict[str, Any],
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Config file (.toml, .yaml, .json); flags override it."
        ),
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
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            help="Cache directory (default: $ALEATORIC_CACHE_DIR or the user cache directory)."
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write the cache.")
    ] = False,
    sign_key: Annotated[
        Path | None,
        typer.Option(
            envvar="ALEATORIC_SIGNING_KEY",
            help="Private key file: sign the dataset (provenance.intoto.jsonl) before publishing.",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
    export_to: Annotated[
        str | None,
        typer.Option(
            "--export",
            help="Then export for an engine or format (backtrader, lean, hftbacktest, nautilus, "
            "dbn) into --export-out.",
        ),
    ] = None,
    export_out: Annotated[
        Path | None, typer.Option(help="Export directory (default: OUT-ENGINE beside OUT).")
    ] = None,
    export_bar: Annotated[str, typer.Option(help="Bar size of the export.")] = "1m",
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="Place a named scenario (aleatoric scenarios lists them) at a time: "
            "flash-crash@2026-01-01T00:30Z. Repeatable.",
        ),
    ] = None,
    remote: Annotated[
        str | None,
        typer.Option(
            envvar="ALEATORIC_REMOTE",
            help="Job service URL: compute the segments there, write the dataset here "
            "(the same bytes; API key from ALEATORIC_API_KEY).",
        ),
    ] = None,
) -> None:
    """Generate a dataset as hive-partitioned Parquet plus manifest.json.

    Files appear at OUT only when the whole dataset is written.
    """
    try:
        config = load_config(config_file, **overrides)
        if scenario:
            placed = place_scenarios(scenario, config)
            given = [o.model_dump(mode="json") for o in config.overlays]
            config = load_config(config_file, **{**overrides, "overlays": given + placed})
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
    if export_to is not None:
        from aleatoric.cli._export import check_export_option

        check_export_option(config.tables, export_to, export_bar)
    cache = None if no_cache else _cache_store(cache_dir)
    if remote is not None:
        from aleatoric.cli import _service

        _service.generate_remote(
            config, out, remote, formats[output_format], overwrite=overwrite, cache=cache,
            sign_key=sign_key, quiet=quiet,
        )  # fmt: skip
        _export_after(out, export_to, export_out, export_bar, overwrite, quiet)
        return
    began = time.perf_counter()
    # SIGTERM (a container stop, kill) unwinds like Ctrl-C: the partial output is removed.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    with exit_on_error("; nothing was written"):
        if quiet:
            result = generate(
                config, out, workers=workers, overwrite=overwrite,
                formats=formats[output_format], cache=cache, sign_key=sign_key,
            )  # fmt: skip
        else:
            result = _generate_with_progress(
                config, out, workers, overwrite, formats[output_format], cache, sign_key
            )
    elapsed = time.perf_counter() - began
    if not quiet:
        _summary(config, result.tables, result.bytes, elapsed, out)
        if result.cached:
            console.print("served from the cache (digests verified)")
    _export_after(out, export_to, export_out, export_bar, overwrite, quiet)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _export_after(
    out: Path, engine: str | None, export_out: Path | None, bar: str, overwrite: bool, quiet: bool
) -> None:
    # generate --export: the dataset is published, then exported like `aleatoric export`.
    if engine is not None:
        from aleatoric.cli._export import export_after_generate

        export_after_generate(out, engine, export_out, bar, overwrite=overwrite, quiet=quiet)


#: Narrowest terminal on which the current segment gets its own bar under the overall one.
DETAIL_MIN_WIDTH = 100


def _generate_with_progress(
    config: DatasetConfig,
    out: Path,
    workers: int,
    overwrite: bool,
    formats: tuple[OutputFormat, ...],
    cache: CacheStore | None,
    sign_key: Path | None,
) -> Any:
    # One overall bar in segments (fractions count, so a one-segment run moves too) with the
    # elapsed time and an ETA; the running segment's own bar only on a wide terminal.
    n = unit_count(config)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[segments]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    detail = err.is_terminal and err.width >= DETAIL_MIN_WIDTH and workers == 1
    label = f"generating ({workers} worker{'s' if workers > 1 else ''})"
    with Progress(*columns, console=err, transient=False) as bar:
        overall = bar.add_task(label, total=n, segments=f"0/{n} segments")
        fraction: dict[int, float] = {}
        tasks: dict[int, Any] = {}

        def progress(index: int, done: int, total: int) -> None:
            fraction[index] = min(1.0, done / total) if total else 1.0
            complete = sum(1 for v in fraction.values() if v >= 1.0)
            bar.update(overall, completed=sum(fraction.values()),
                       segments=f"{complete}/{n} segments")  # fmt: skip
            if detail:
                if index not in tasks:
                    tasks[index] = bar.add_task(f"  segment {index}", total=1.0, segments="")
                bar.update(tasks[index], completed=fraction[index],
                           visible=fraction[index] < 1.0)  # fmt: skip

        result = generate(
            config, out, workers=workers, overwrite=overwrite, progress=progress,
            formats=formats, cache=cache, sign_key=sign_key,
        )  # fmt: skip
        # a dataset served from the cache reports no progress: it is complete all the same
        bar.update(overall, completed=n, segments=f"{n}/{n} segments")
        return result


def _summary(
    config: DatasetConfig, rows: dict[str, int], size: int, elapsed: float, out: Path
) -> None:
    names = " + ".join(f"{i.venue} {i.symbol}" for i in config.instruments)
    table = Table(title=f"{names} {config.preset} seed={config.seed}")
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

    with exit_on_error():
        try:
            report = normalize(capture, venue, out, symbol=symbol)
        except FileNotFoundError as exc:
            raise DatasetError(str(exc)) from None
    table = Table(title=f"{capture.name}: {report.lines:,} lines")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in report.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"unknown messages: {report.unknown:,}; malformed lines: {report.malformed:,}")
    if report.truncated:
        err.print(f"[yellow]warning[/]: {capture.name} is truncated: {report.truncated}")
    for example in report.examples:
        console.print(f"  {example}", highlight=False)


def _cache_store(cache_dir: Path | None) -> CacheStore:
    # The cache's limits come from the environment: a bad value is exit 2, no traceback.
    with exit_on_error():
        return CacheStore(cache_dir)


cache_app = typer.Typer(
    help="Inspect and trim the cache of segments and datasets.", no_args_is_help=True
)
app.add_typer(cache_app, name="cache")
CacheDir = Annotated[
    Path | None, typer.Option(help="Cache directory (default: the user cache directory).")
]


@cache_app.command("ls")
def cache_ls(cache_dir: CacheDir = None, fmt: FormatOption = ListFormat.table) -> None:
    """List cache entries, most recently used first (the table shortens keys to 16 digits)."""
    rows: list[dict[str, Any]] = []
    for e in _cache_store(cache_dir).entries():
        when = datetime.fromtimestamp(e.last_used, UTC).strftime("%Y-%m-%d %H:%M:%S")
        if fmt is ListFormat.table:
            rows.append({"kind": e.kind, "key": e.key[:16], "size": f"{e.bytes / 1e6:,.1f} MB",
                         "last used (UTC)": when})  # fmt: skip
        else:
            rows.append({"kind": e.kind, "key": e.key, "bytes": e.bytes,
                         "last_used_utc": when})  # fmt: skip
    columns = ("kind", "key", "size", "last used (UTC)") if fmt is ListFormat.table else None
    print_rows(console, rows, fmt, columns=columns)


@cache_app.command("info")
def cache_info(cache_dir: CacheDir = None) -> None:
    """Show where the cache is and how much it holds."""
    store = _cache_store(cache_dir)
    entries = store.entries()
    kinds = {k: [e for e in entries if e.kind == k] for k in ("segment", "dataset")}
    console.print(f"cache directory: {store.root}")
    for kind, items in kinds.items():
        size = sum(e.bytes for e in items)
        console.print(f"{kind}s: {len(items)} ({size / 1e6:,.1f} MB)")


@cache_app.command("gc")
def cache_gc(
    max_size: Annotated[str, typer.Option(help="Keep at most this much, e.g. 500MB, 2GB.")],
    cache_dir: CacheDir = None,
) -> None:
    """Delete least recently used entries until the cache fits MAX_SIZE."""
    try:
        limit = parse_size(max_size)
    except ValueError as exc:
        err.print(f"[bold red]invalid option[/]: --max-size: {escape(str(exc))}")
        raise typer.Exit(code=2) from None
    removed = _cache_store(cache_dir).gc(limit)
    freed = sum(e.bytes for e in removed)
    console.print(f"removed {len(removed)} entries, freed {freed / 1e6:,.1f} MB")


@app.command("reproduce")
def reproduce_cmd(
    dataset: Annotated[Path, typer.Argument(help="Dataset directory with manifest.json.")],
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Regenerate a dataset from its manifest and compare every file's SHA-256.

    Exit 0 when every file is reproduced byte for byte, 1 otherwise, 2 on unusable input.
    """
    from aleatoric._reproduce import reproduce

    with exit_on_error():
        report = reproduce(dataset, workers=workers)
    if output_format == "json":
        console.print_json(data=report.to_dict())
    else:
        verdict = "[green]reproduced[/]" if report.reproduced else "[bold red]NOT reproduced[/]"
        console.print(f"{verdict}: {report.matched}/{report.files} files identical")
        sections = (
            ("differs", report.mismatched),
            ("changed on disk", report.changed_on_disk),
            ("missing", report.missing),
            ("extra", report.extra),
            ("rows changed", report.rows_changed),
            ("same rows, other bytes", report.content_only),
        )
        for label, items in sections:
            for item in items:
                console.print(f"  {label}: {item}", highlight=False)
        for lib, (was, now) in report.library_differences.items():
            console.print(f"  library {lib}: manifest {was}, here {now}", highlight=False)
    if not report.reproduced:
        raise typer.Exit(code=1)


@app.command("validate")
def validate_cmd(
    file: Annotated[Path, typer.Argument(help="Config file (.toml, .yaml, .yml, .json).")],
) -> None:
    """Check a config file; print every error with its field path and the allowed values."""
    try:
        config = load_config(file)
    except ConfigError as exc:
        raise _fail_config(exc) from None
    names = " + ".join(f"{i.venue} {i.symbol}" for i in config.instruments)
    console.print(
        f"[green]ok[/]: {names} {config.preset}, "
        f"{format_duration(config.duration)} from {config.canonical()['start']}, "
        f"{segment_count(config)} segment(s)"
    )


@app.command("presets")
def presets_cmd(fmt: FormatOption = ListFormat.table) -> None:
    """List the regime presets with a one-line description."""
    rows = [
        {"preset": name, "assets": ", ".join(sorted(p.assets)), "description": p.description}
        for name, p in presets().items()
    ]
    print_rows(console, rows, fmt)


@app.command("scenarios")
def scenarios_cmd(fmt: FormatOption = ListFormat.table) -> None:
    """List the named stress scenarios (place one with generate --scenario NAME@TIME)."""
    print_rows(console, scenario_rows(), fmt)


@app.command("instruments")
def instruments_cmd(
    venue: Annotated[str | None, typer.Option(help="Only this venue.")] = None,
    fmt: FormatOption = ListFormat.table,
) -> None:
    """List the instruments and their rules (tick, lot, funding interval and cap).

    JSON and CSV carry every rule of the instrument registry.
    """
    rows = []
    for i in instruments():
        if venue is not None and i.venue != venue:
            continue
        row = {k: str(v) if not isinstance(v, (int, str)) else v
               for k, v in i.model_dump().items()}  # fmt: skip
        row.update({
            "tick": str(i.tick_size), "lot": str(i.lot_size), "contract": str(i.contract_value),
            "min notional": str(i.min_notional), "funding": f"{i.funding_interval_hours}h",
            "cap": str(i.funding_cap),
        })  # fmt: skip
        rows.append(row)
    if fmt is not ListFormat.table:
        for row in rows:
            for short in ("tick", "lot", "contract", "min notional", "funding", "cap"):
                del row[short]
    columns = ("venue", "symbol", "tick", "lot", "contract", "min notional", "funding", "cap")
    print_rows(console, rows, fmt, columns=columns)


def _register_extensions() -> None:
    # Command groups that live in their own modules.
    from aleatoric.cli import _check, _export, _provenance, _report

    _check.register(app)
    _export.register(app)
    _provenance.register(app)
    _report.register(app)

    from aleatoric.cli import _futures, _latency, _mcp

    _futures.register(app)
    _latency.register(app)
    _mcp.register(app)

    from aleatoric.cli import _opendata

    _opendata.register(app)

    from aleatoric.cli import _service

    _service.register(app)


_register_extensions()


def main() -> None:
    """Run the CLI (console-script entry point)."""
    app(prog_name="aleatoric")


if __name__ == "__main__":  # pragma: no cover
    main()
