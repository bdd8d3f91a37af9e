"""Generate a dataset on disk: plan segments, simulate, number rows, write, publish atomically.

The reactor is pure; this module does the I/O. Output goes to a hidden temporary directory
next to the target and is renamed into place only when every file and the manifest are
written, so a failed or interrupted run leaves nothing at the target.

Global counters (``seq``, ``trade_id``) need the row counts of all earlier segments. One
process simulates segments in order and carries the counts along. Several workers first
simulate every segment (spilling results to the temporary directory), then the parent sums
the counts and the workers write Parquet with their offsets: the bytes are the same.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aleatoric._outdir import OutputClaim, OutputExistsError, locked_dir, partial_dir, remove_stale
from aleatoric.cache import CacheStore
from aleatoric.config import DatasetConfig
from aleatoric.instruments import get_instrument
from aleatoric.reactor import SegmentResult, segment_bounds, segment_count, simulate_segment
from aleatoric.sinks import (
    MANIFEST_NAME,
    FileEntry,
    Offsets,
    build_manifest,
    file_sha256,
    segment_counts,
    segment_tables,
    write_segment_tables,
)
from aleatoric.sinks.manifest import write_json

__all__ = [
    "GenerateResult",
    "OutputExistsError",
    "ProgressCallback",
    "compute_segments",
    "generate",
]

OutputFormat = Literal["parquet", "native"]
#: ``callback(segment, done, total)``: work units done so far within a segment.
ProgressCallback = Callable[[int, int, int], None]


@dataclass(frozen=True)
class GenerateResult:
    """What a run wrote: the dataset root, its files and per-table row counts."""

    path: Path
    files: list[FileEntry]
    tables: dict[str, int]
    segments: list[dict[str, int]] = field(default_factory=list)
    cached: bool = False

    @property
    def bytes(self) -> int:
        """Return the total size of the Parquet files."""
        return sum(f.bytes for f in self.files)

    @property
    def rows(self) -> int:
        """Return the total number of rows over all tables."""
        return sum(self.tables.values())


def _segment_meta(result: SegmentResult, rows: int, trades: int) -> dict[str, int]:
    return {
        "index": result.index,
        "start_ns": result.start_ns,
        "end_ns": result.end_ns,
        "rows": rows,
        "trades": trades,
        "reconciliation_rows": result.reconciliation_rows,
    }


def _write(
    config: DatasetConfig, result: SegmentResult, offsets: Offsets, root: Path
) -> list[FileEntry]:
    inst = get_instrument(config.venue, config.symbol)
    tables = segment_tables(result, config, inst, offsets)
    meta = {"venue": config.venue, "symbol": config.symbol, "seed": str(config.seed)}
    return write_segment_tables(
        tables, root, venue=config.venue, symbol=config.symbol, segment=result.index,
        metadata=meta,
    )  # fmt: skip


# --- worker entry points (module level so that they pickle) ------------------------------


def _simulate_and_spill(
    config_json: str, index: int, spill: str, cache_root: str | None
) -> tuple[int, int, dict[str, int]]:
    config = DatasetConfig.model_validate_json(config_json)
    cache = CacheStore(cache_root) if cache_root is not None else None
    result = _simulate_cached(config, index, cache)
    rows, trades = segment_counts(result, config.tables)
    with open(spill, "wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return rows, trades, _segment_meta(result, rows, trades)


def _write_spilled(
    config_json: str, spill: str, seq: int, trades: int, root: str
) -> list[FileEntry]:
    config = DatasetConfig.model_validate_json(config_json)
    with open(spill, "rb") as fh:
        result: SegmentResult = pickle.load(fh)
    os.unlink(spill)
    return _write(config, result, Offsets(seq, trades), Path(root))


def _simulate_cached(
    config: DatasetConfig,
    index: int,
    cache: CacheStore | None,
    progress: Callable[[int, int], None] | None = None,
) -> SegmentResult:
    # A cached segment is verified against its digest before use; a miss is simulated and
    # stored.
    if cache is None:
        return simulate_segment(config, index, progress=progress)
    key = cache.segment_key(config, index)
    result = cache.get_segment(key)
    if result is None:
        result = simulate_segment(config, index, progress=progress)
        cache.put_segment(key, result)
    return result


def compute_segments(
    config: DatasetConfig, indices: Sequence[int], cache: CacheStore
) -> list[dict[str, int]]:
    """Simulate segments into ``cache`` (reusing valid entries); return their metadata.

    This is the unit of distributed work: any process with access to the same cache (or one
    whose entries are copied there) can then publish the dataset with :func:`generate`, which
    only reads the cached segments and writes; the bytes equal a local run's.
    """
    out = []
    for index in indices:
        result = _simulate_cached(config, index, cache)
        rows, trades = segment_counts(result, config.tables)
        out.append(_segment_meta(result, rows, trades))
    return out


def _run_serial(
    config: DatasetConfig, root: Path, progress: ProgressCallback | None, cache: CacheStore | None
) -> tuple[list[FileEntry], list[dict[str, int]]]:
    files: list[FileEntry] = []
    segments: list[dict[str, int]] = []
    offsets = Offsets(0, 0)
    for index in range(segment_count(config)):
        callback = None
        if progress is not None:
            done = [0]

            def callback(n: int, total: int, index: int = index, done: list[int] = done) -> None:
                done[0] += n
                progress(index, done[0], total)

        result = _simulate_cached(config, index, cache, callback)
        if progress is not None:
            progress(index, 1, 1)
        rows, trades = segment_counts(result, config.tables)
        files += _write(config, result, offsets, root)
        segments.append(_segment_meta(result, rows, trades))
        offsets = Offsets(offsets.seq + rows, offsets.trades + trades)
    return files, segments


def _run_parallel(
    config: DatasetConfig,
    root: Path,
    workers: int,
    progress: ProgressCallback | None,
    cache: CacheStore | None,
) -> tuple[list[FileEntry], list[dict[str, int]]]:
    n = segment_count(config)
    spill_dir = root / ".spill"
    spill_dir.mkdir()
    config_json = config.model_dump_json()
    spills = [str(spill_dir / f"{i:05d}.pkl") for i in range(n)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        cache_root = str(cache.root) if cache is not None else None
        futures = [
            pool.submit(_simulate_and_spill, config_json, i, spills[i], cache_root)
            for i in range(n)
        ]
        counts = []
        for i, fut in enumerate(futures):
            counts.append(fut.result())
            if progress is not None:
                progress(i, 1, 2)
        seq = trades = 0
        writes = []
        for i, (rows, n_trades, _) in enumerate(counts):
            writes.append(
                pool.submit(_write_spilled, config_json, spills[i], seq, trades, str(root))
            )
            seq += rows
            trades += n_trades
        files: list[FileEntry] = []
        for i, written in enumerate(writes):
            files += written.result()
            if progress is not None:
                progress(i, 2, 2)
    spill_dir.rmdir()
    return files, [meta for _, _, meta in counts]


def generate(
    config: DatasetConfig,
    out: str | os.PathLike[str],
    *,
    workers: int = 1,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    formats: Sequence[OutputFormat] = ("parquet",),
    cache: CacheStore | None = None,
    sign_key: str | os.PathLike[str] | None = None,
) -> GenerateResult:
    """Write the dataset ``config`` describes to the directory ``out``.

    ``formats`` selects canonical Parquet, native venue captures (``native/<venue>/...gz``,
    see :mod:`aleatoric.venues`), or both. The bytes written depend only on ``config`` and
    the engine and library versions, never on ``workers``. Nothing appears at ``out`` unless
    the whole dataset was written.

    Raises
    ------
    OutputExistsError
        If ``out`` exists, is not empty and ``overwrite`` is false.
    ValueError
        If ``workers`` < 1, a format is unknown, or native output lacks a table it needs.

    With a ``cache``, a dataset generated before is copied from it (verified), and segments
    generated before (for any duration) are reused. With ``sign_key`` (a private key file),
    the dataset is signed before it is published (``provenance.intoto.jsonl``).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, was {workers}")
    _check_formats(config, formats)
    target = Path(out)
    _check_empty(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    with OutputClaim(target, shared=overwrite):
        _check_empty(target, overwrite)  # another run may have finished meanwhile
        return _generate_into(config, target, workers, overwrite, progress, formats, cache,
                              sign_key)  # fmt: skip


def _check_empty(target: Path, overwrite: bool) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())) and not overwrite:
        raise OutputExistsError(f"{target} exists and is not empty; pass overwrite to replace it")


def _generate_into(
    config: DatasetConfig,
    target: Path,
    workers: int,
    overwrite: bool,
    progress: ProgressCallback | None,
    formats: Sequence[OutputFormat],
    cache: CacheStore | None,
    sign_key: str | os.PathLike[str] | None,
) -> GenerateResult:
    tmp = partial_dir(target)
    tmp.mkdir()
    key = cache.dataset_key(config, formats) if cache is not None else ""
    try:
        if cache is not None and cache.get_dataset(key, tmp):
            manifest = json.loads((tmp / MANIFEST_NAME).read_text())
            _sign(tmp, sign_key)
            _publish(tmp, target, overwrite)
            return GenerateResult(target, _entries(manifest), manifest["tables"],
                                  manifest["segments"], cached=True)  # fmt: skip
        workers = min(workers, segment_count(config))
        if workers == 1:
            files, segments = _run_serial(config, tmp, progress, cache)
        else:
            files, segments = _run_parallel(config, tmp, workers, progress, cache)
        if "native" in formats:
            write_json(tmp / MANIFEST_NAME, build_manifest(config, files, segments))
            files += _encode_native(tmp)
            if "parquet" not in formats:
                for table in config.tables:
                    shutil.rmtree(tmp / table, ignore_errors=True)
                files = [f for f in files if f.table.startswith("native")]
        files.sort(key=lambda f: f.path)
        manifest = build_manifest(config, files, segments)
        write_json(tmp / MANIFEST_NAME, manifest)
        _sign(tmp, sign_key)
        _publish(tmp, target, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if cache is not None:
        cache.put_dataset(key, target)
    return GenerateResult(target, files, manifest["tables"], segments)


def _sign(root: Path, key: str | os.PathLike[str] | None) -> None:
    if key is not None:
        from aleatoric.provenance import sign_dataset

        sign_dataset(root, key)


def _entries(manifest: dict[str, Any]) -> list[FileEntry]:
    return [
        FileEntry(
            f["path"],
            f["table"],
            f["sha256"],
            f["bytes"],
            f["rows"],
            f.get("content_sha256", ""),
            f.get("schema", ""),
        )
        for f in manifest["files"]
    ]


def _check_formats(config: DatasetConfig, formats: Sequence[str]) -> None:
    unknown = [f for f in formats if f not in ("parquet", "native")]
    if unknown or not formats:
        raise ValueError(f"format: unknown {unknown or formats!r}; allowed: parquet, native")
    if "native" in formats:
        from aleatoric.venues import NATIVE_TABLES, VENUES

        if config.venue not in VENUES:
            supported = ", ".join(VENUES)
            raise ValueError(
                f"format: no native format for {config.venue!r}; supported: {supported}"
            )
        missing = [t for t in NATIVE_TABLES if t not in config.tables]
        if missing:
            raise ValueError(f"tables: native output needs {', '.join(missing)} as well")


def _encode_native(root: Path) -> list[FileEntry]:
    from aleatoric.venues import encode_dataset

    # The encoder reads the manifest for the config; a provisional one is replaced later.
    entries = []
    for path, lines in encode_dataset(root, root / "native"):
        rel = str(path.relative_to(root))
        entries.append(FileEntry(rel, "native", file_sha256(path), path.stat().st_size, lines))
    return entries


def _publish(tmp: Path, target: Path, overwrite: bool) -> None:
    # Rename into place; an old target is moved aside first and removed only afterwards.
    # Under a lock, so that runs replacing the same output (overwrite) take turns.
    with locked_dir(target.parent):
        _check_empty(target, overwrite)
        _replace(tmp, target)


def _replace(tmp: Path, target: Path) -> None:
    old: Path | None = None
    if target.exists():
        old = partial_dir(target, "old")
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _segment_starts(config: DatasetConfig) -> list[tuple[int, int]]:
    return [segment_bounds(config, i) for i in range(segment_count(config))]


def describe_plan(config: DatasetConfig) -> dict[str, Any]:
    """Return the segment plan of a config (for dry runs and job splitting)."""
    return {"segments": _segment_starts(config), "count": segment_count(config)}
