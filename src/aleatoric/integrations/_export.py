"""Export a dataset for a backtesting engine: validate, write to a temp dir, publish atomically.

Every export writes ``export.json`` beside its files: the engine, the options, the source
dataset's digest and the SHA-256 of every file. Like a dataset's manifest it holds no
wall-clock time, so the same dataset and options give the same bytes.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from aleatoric._version import __version__
from aleatoric.integrations._bars import parse_bar
from aleatoric.integrations._dataset import ExportError, SourceDataset, open_source
from aleatoric.sinks.manifest import library_versions
from aleatoric.sinks.parquet import file_sha256

__all__ = ["ENGINES", "EXPORT_MANIFEST", "ExportResult", "check_export", "export"]

EXPORT_MANIFEST = "export.json"
EXPORT_FORMAT = "aleatoric-export/1"
#: ``progress(done, total)``: segments read so far over all instruments.
ExportProgress = Callable[[int, int], None]
Writer = Callable[[SourceDataset, Path, dict[str, Any], Callable[[], None]], dict[str, Any]]


@dataclass(frozen=True)
class _Engine:
    module: str  # aleatoric.integrations.<module> has the writer
    writer: str
    tables: tuple[str, ...]
    package: str | None  # the engine's own package, needed to write (None: not needed)
    extra: str


ENGINES: dict[str, _Engine] = {
    "backtrader": _Engine("_backtrader_csv", "write_backtrader", ("trades", "ticker", "funding"),
                          None, "backtrader"),
    "lean": _Engine("lean", "write_lean", ("trades", "book_snapshot", "funding"), None, "lean"),
    "hftbacktest": _Engine("hftbacktest", "write_hftbacktest", ("book_delta", "trades"), None,
                           "hftbacktest"),
    "nautilus": _Engine("nautilus", "write_nautilus", ("book_delta", "trades"),
                        "nautilus_trader", "nautilus"),
    "dbn": _Engine("dbn", "write_dbn", ("book_delta", "trades"), "databento_dbn", "dbn"),
}  # fmt: skip


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: where, for which engine, and every file with its digest."""

    path: Path
    engine: str
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        """Return the total size of the exported files."""
        return sum(int(f["bytes"]) for f in self.files)


def _check_engine(engine: str) -> _Engine:
    if engine not in ENGINES:
        raise ExportError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    spec = ENGINES[engine]
    if spec.package is not None and importlib.util.find_spec(spec.package) is None:
        raise ExportError(
            f"the {engine} export needs the {spec.package} package; "
            f"install it with: pip install 'aleatoric[{spec.extra}]'"
        )
    return spec


def _check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out must be a directory, was the file {out}")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ExportError(
            f"output directory {out} exists and is not empty (--overwrite replaces it)"
        )


def _check(
    dataset: str | Path, engine: str, out: str | Path, bar: str, overwrite: bool
) -> tuple[_Engine, SourceDataset, int]:
    spec = _check_engine(engine)
    bar_ns = parse_bar(bar)
    source = open_source(dataset)
    source.require(spec.tables, engine)
    _check_out(Path(out), overwrite)
    return spec, source, bar_ns


def check_export(
    dataset: str | Path, engine: str, out: str | Path, *, bar: str = "1m", overwrite: bool = False
) -> None:
    """Raise :class:`ExportError` if :func:`export` would refuse these arguments."""
    _check(dataset, engine, out, bar, overwrite)


def export(
    dataset: str | Path,
    engine: str,
    out: str | Path,
    *,
    bar: str = "1m",
    overwrite: bool = False,
    progress: ExportProgress | None = None,
) -> ExportResult:
    """Export the dataset at ``dataset`` for ``engine`` into the directory ``out``.

    ``engine`` is one of :data:`ENGINES`; ``bar`` is the bar size for the engines that take
    bars (backtrader, nautilus). Files appear at ``out`` only when all are written; on any
    error nothing is left there. Raises :class:`ExportError` (a ``ValueError``) on bad input.
    """
    spec, source, bar_ns = _check(dataset, engine, out, bar, overwrite)
    target = Path(out)
    writer: Writer = getattr(importlib.import_module(f"aleatoric.integrations.{spec.module}"),
                             spec.writer)  # fmt: skip
    instruments = source.instruments()
    total = sum(len(source.segment_indexes(i)) for i in instruments)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done, total), total)

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.export-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        options = {"bar": bar, "bar_ns": bar_ns}
        extra = writer(source, tmp, options, tick)
        files = [
            {"path": p.relative_to(tmp).as_posix(), "sha256": file_sha256(p),
             "bytes": p.stat().st_size}
            for p in sorted(tmp.rglob("*"), key=lambda p: p.relative_to(tmp).as_posix())
            if p.is_file()
        ]  # fmt: skip
        libraries = library_versions()
        if spec.package is not None:
            libraries[spec.package] = _version_of(spec.package)
        document = {
            "format": EXPORT_FORMAT,
            "engine": engine,
            "aleatoric": __version__,
            "libraries": libraries,
            "options": {"bar": bar} if engine in ("backtrader", "nautilus") else {},
            "source": {
                "digest": source.digest,
                "seed": source.manifest.seed,
                "config": source.manifest.config,
            },
            **extra,
            "files": files,
        }
        (tmp / EXPORT_MANIFEST).write_text(
            json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        _publish(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(target, engine, files)


def _version_of(package: str) -> str:
    try:
        return version(package.replace("_", "-"))
    except PackageNotFoundError:  # pragma: no cover - found by find_spec above
        return "unknown"


def _publish(tmp: Path, target: Path) -> None:
    if target.exists():
        trash = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:12]}"
        target.rename(trash)
        tmp.rename(target)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        tmp.rename(target)
