"""Generate a dataset on disk: plan segments, simulate, number rows, write, publish atomically.

The reactor is pure; this module does the I/O. Output goes to a hidden temporary directory
next to the target and is renamed into place only when every file and the manifest are
written, so a failed or interrupted run leaves nothing at the target.

Each instrument of the config is simulated on its own (its random streams are keyed by the
instrument) and numbered on its own: ``seq`` and ``trade_id`` count per instrument, so adding
an instrument changes no byte of another one's files. The unit of work is one segment of one
instrument.

The counters need the row counts of all earlier segments of the instrument. One process
simulates an instrument's segments in order and carries the counts along. Several workers
(the parent's own thread and ``workers - 1`` processes) take units in order; each simulates
its unit, publishes the unit's counts in shared memory, waits until the counts of the
instrument's earlier units are known (their sum is its offsets: a prefix sum, usually ready
by then since the earlier units started first) and writes its Parquet files from memory.
Nothing is spilled or pickled, and the bytes are the same.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

from aleatoric._outdir import OutputClaim, locked_dir, partial_dir, remove_stale, replace_dir
from aleatoric._settlements import SETTLEMENT_TABLE, write_settlements
from aleatoric.cache import CacheStore
from aleatoric.config import DatasetConfig, InstrumentRef
from aleatoric.dataset import Manifest, read_manifest, write_manifest
from aleatoric.errors import AleatoricError, OutputExistsError
from aleatoric.instruments import get_instrument
from aleatoric.reactor import SegmentResult, segment_bounds, segment_count, simulate_segment
from aleatoric.scenarios import LABELS_TABLE, write_labels
from aleatoric.sinks import (
    FileEntry,
    Offsets,
    build_manifest,
    file_sha256,
    segment_counts,
    segment_tables,
    write_segment_tables,
)

__all__ = [
    "GenerateResult",
    "OutputExistsError",
    "ProgressCallback",
    "compute_segments",
    "generate",
    "unit_count",
]

OutputFormat = Literal["parquet", "native"]
#: ``callback(unit, done, total)``: steps done so far within one unit of work (a segment of
#: one instrument; units count instrument by instrument, see :func:`unit_count`).
ProgressCallback = Callable[[int, int, int], None]


class _Unit(NamedTuple):
    # One segment of one instrument; ``number`` orders units instrument by instrument.
    number: int
    instrument: int
    segment: int


def unit_count(config: DatasetConfig) -> int:
    """Return the units of work of a config: segments times instruments."""
    return segment_count(config) * len(config.instruments)


def _units(config: DatasetConfig) -> list[_Unit]:
    n = segment_count(config)
    return [_Unit(k * n + i, k, i) for k in range(len(config.instruments)) for i in range(n)]


@dataclass(frozen=True)
class GenerateResult:
    """What a run wrote: the dataset root, its files and per-table row counts."""

    path: Path
    files: list[FileEntry]
    tables: dict[str, int]
    segments: list[dict[str, int | str]] = field(default_factory=list)
    cached: bool = False

    @property
    def bytes(self) -> int:
        """Return the total size of the Parquet files."""
        return sum(f.bytes for f in self.files)

    @property
    def rows(self) -> int:
        """Return the total number of rows over all tables."""
        return sum(self.tables.values())


def _segment_meta(
    ref: InstrumentRef | None, result: SegmentResult, rows: int, trades: int
) -> dict[str, int | str]:
    # One instrument: the entries as they always were. Several: each names its instrument.
    named: dict[str, int | str] = {} if ref is None else {"venue": ref.venue, "symbol": ref.symbol}
    return {
        **named,
        "index": result.index,
        "start_ns": result.start_ns,
        "end_ns": result.end_ns,
        "rows": rows,
        "trades": trades,
        "reconciliation_rows": result.reconciliation_rows,
    }


def _named(config: DatasetConfig, k: int) -> InstrumentRef | None:
    return config.instruments[k] if len(config.instruments) > 1 else None


def _write(
    config: DatasetConfig, result: SegmentResult, offsets: Offsets, root: Path
) -> list[FileEntry]:
    # ``config`` is one instrument's (DatasetConfig.for_instrument).
    inst = get_instrument(config.venue, config.symbol)
    tables = segment_tables(result, config, inst, offsets)
    meta = {"venue": config.venue, "symbol": config.symbol, "seed": str(config.seed)}
    return write_segment_tables(
        tables, root, venue=config.venue, symbol=config.symbol, segment=result.index,
        metadata=meta,
    )  # fmt: skip


# --- worker entry points (module level so that they pickle) ------------------------------

#: Shared between the parent and its workers (set by :func:`_init_worker`): per unit, the
#: row and trade counts (-1 until known), whether it is written, the next unit to take, a
#: flag the parent raises to stop everyone, and the condition that guards them all.
_SHARED: dict[str, Any] = {}
_FAILED = -2


def _init_worker(counts: Any, written: Any, next_unit: Any, abort: Any, cond: Any) -> None:
    _SHARED.update(counts=counts, written=written, next_unit=next_unit, abort=abort, cond=cond)


def _work(
    configs: list[str], n_seg: int, n_units: int, root: str, cache_root: str | None
) -> list[tuple[int, list[FileEntry], dict[str, int | str]]]:
    # Take units in increasing order until none is left. A unit waits only for earlier
    # units, all taken before it by a worker that never waits for a later one: no deadlock.
    cond, next_unit, abort = _SHARED["cond"], _SHARED["next_unit"], _SHARED["abort"]
    cache = CacheStore(cache_root, max_bytes=0, warn_bytes=0) if cache_root else None
    parsed: dict[int, DatasetConfig] = {}
    done: list[tuple[int, list[FileEntry], dict[str, int | str]]] = []
    while True:
        with cond:
            number = next_unit.value
            if abort.value or number >= n_units:
                return done
            next_unit.value = number + 1
        instrument, segment = divmod(number, n_seg)
        if instrument not in parsed:
            parsed[instrument] = DatasetConfig.model_validate_json(configs[instrument])
        earlier = range(instrument * n_seg, number)
        files, meta = _simulate_and_write(parsed[instrument], number, segment, earlier,
                                          Path(root), cache)  # fmt: skip
        done.append((number, files, meta))


def _simulate_and_write(
    config: DatasetConfig, number: int, index: int, earlier: range, root: Path,
    cache: CacheStore | None,
) -> tuple[list[FileEntry], dict[str, int | str]]:  # fmt: skip
    # Simulate one unit, publish its counts, wait for the counts of the instrument's earlier
    # units (their sum is this unit's offsets), then write from memory.
    counts, written = _SHARED["counts"], _SHARED["written"]
    abort, cond = _SHARED["abort"], _SHARED["cond"]
    try:
        result = _simulate_cached(config, index, cache)
    except BaseException:
        with cond:
            counts[2 * number] = _FAILED
            abort.value = 1
            cond.notify_all()
        raise
    rows, trades = segment_counts(result, config.tables)
    with cond:
        counts[2 * number], counts[2 * number + 1] = rows, trades
        cond.notify_all()

        def ready() -> bool:
            return bool(abort.value) or all(counts[2 * u] >= 0 for u in earlier)

        while not cond.wait_for(ready, timeout=1.0):
            pass
        if abort.value:
            raise _Aborted
        offsets = Offsets(sum(counts[2 * u] for u in earlier),
                          sum(counts[2 * u + 1] for u in earlier))  # fmt: skip
    files = _write(config, result, offsets, root)
    with cond:
        written[number] = 1
        cond.notify_all()
    return files, _segment_meta(None, result, rows, trades)


class _Aborted(AleatoricError, RuntimeError):
    """Another worker failed: this one stops without writing."""


def _simulate_cached(
    config: DatasetConfig,
    index: int,
    cache: CacheStore | None,
    progress: Callable[[int, int], None] | None = None,
) -> SegmentResult:
    # ``config`` is one instrument's. A cached segment is verified against its digest before
    # use; a miss is simulated and stored.
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
) -> list[dict[str, int | str]]:
    """Simulate segments of every instrument into ``cache``; return their metadata.

    This is the unit of distributed work: any process with access to the same cache (or one
    whose entries are copied there) can then publish the dataset with :func:`generate`, which
    only reads the cached segments and writes; the bytes equal a local run's.
    """
    out = []
    for k, ref in enumerate(config.instruments):
        one = config.for_instrument(ref)
        for index in indices:
            result = _simulate_cached(one, index, cache)
            rows, trades = segment_counts(result, one.tables)
            out.append(_segment_meta(_named(config, k), result, rows, trades))
    return out


def _run_serial(
    config: DatasetConfig, root: Path, progress: ProgressCallback | None, cache: CacheStore | None
) -> tuple[list[FileEntry], list[dict[str, int | str]]]:
    files: list[FileEntry] = []
    segments: list[dict[str, int | str]] = []
    offsets = [Offsets(0, 0) for _ in config.instruments]
    for unit in _units(config):
        one = config.for_instrument(config.instruments[unit.instrument])
        callback = None
        if progress is not None:
            done = [0]

            def callback(
                n: int, total: int, unit: int = unit.number, done: list[int] = done
            ) -> None:
                done[0] += n
                progress(unit, done[0], total)

        result = _simulate_cached(one, unit.segment, cache, callback)
        if progress is not None:
            progress(unit.number, 1, 1)
        rows, trades = segment_counts(result, one.tables)
        at = offsets[unit.instrument]
        files += _write(one, result, at, root)
        segments.append(_segment_meta(_named(config, unit.instrument), result, rows, trades))
        offsets[unit.instrument] = Offsets(at.seq + rows, at.trades + trades)
    return files, segments


def _run_parallel(
    config: DatasetConfig,
    root: Path,
    workers: int,
    progress: ProgressCallback | None,
    cache: CacheStore | None,
) -> tuple[list[FileEntry], list[dict[str, int | str]]]:
    # The parent is one of the workers (a thread: it is already imported and compiled) and
    # starts ``workers - 1`` processes; all take units from one shared counter.
    units = _units(config)
    n_seg = segment_count(config)
    configs = [config.for_instrument(ref).model_dump_json() for ref in config.instruments]
    ctx = multiprocessing.get_context("spawn")
    shared = (
        ctx.Array("q", [-1] * (2 * len(units)), lock=False),  # rows, trades per unit
        ctx.Array("b", [0] * len(units), lock=False),  # written per unit
        ctx.Value("q", 0, lock=False),  # next unit to take
        ctx.Value("b", 0, lock=False),  # abort
        ctx.Condition(),
    )
    written, abort, cond = shared[1], shared[3], shared[4]
    _init_worker(*shared)
    args = (configs, n_seg, len(units), str(root), str(cache.root) if cache else None)
    reported = [False] * len(units)
    try:
        with (
            ProcessPoolExecutor(max_workers=workers - 1, mp_context=ctx,
                                initializer=_init_worker, initargs=shared) as pool,
            ThreadPoolExecutor(max_workers=1) as own,
        ):  # fmt: skip
            futures = [pool.submit(_work, *args) for _ in range(workers - 1)]
            futures.append(own.submit(_work, *args))
            try:
                while not all(f.done() for f in futures):
                    with cond:
                        cond.wait(timeout=0.5)
                        finished = [u for u in range(len(units)) if written[u] and not reported[u]]
                    for u in finished:
                        reported[u] = True
                        if progress is not None:
                            progress(u, 1, 1)
                    if any(f.done() and f.exception() is not None for f in futures):
                        break
            except BaseException:
                with cond:
                    abort.value = 1
                    cond.notify_all()
                raise
            with cond:
                if any(f.done() and f.exception() is not None for f in futures):
                    abort.value = 1
                    cond.notify_all()
            errors = [f.exception() for f in futures]  # waits for every worker to stop
    finally:
        _SHARED.clear()
    # The failure itself, not a worker that stopped because of it.
    for error in sorted((e for e in errors if e is not None),
                        key=lambda e: isinstance(e, _Aborted)):  # fmt: skip
        raise error
    done = sorted(item for f in futures for item in f.result())
    files: list[FileEntry] = []
    segments: list[dict[str, int | str]] = []
    for number, unit_files, meta in done:
        files += unit_files
        ref = _named(config, units[number].instrument)
        named = {} if ref is None else {"venue": ref.venue, "symbol": ref.symbol}
        segments.append({**named, **meta})
        if progress is not None and not reported[number]:
            progress(number, 1, 1)
    return files, segments


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
    generated before (for any duration) are reused; afterwards the cache warns when the run
    added more than its ``warn_bytes`` and is trimmed to its ``max_bytes`` (least recently
    used entries first, see :class:`~aleatoric.cache.CacheStore`). With ``sign_key`` (a
    private key file), the dataset is signed before it is published
    (``provenance.intoto.jsonl``).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, was {workers}")
    _check_formats(config, formats)
    target = Path(out)
    _check_empty(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    before = cache.size() if cache is not None else 0
    with OutputClaim(target, shared=overwrite):
        _check_empty(target, overwrite)  # another run may have finished meanwhile
        result = _generate_into(config, target, workers, overwrite, progress, formats, cache,
                                sign_key)  # fmt: skip
    if cache is not None:
        # Warn about a large addition, then keep the cache under its cap (LRU).
        cache.settle(before)
    return result


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
            manifest, _ = read_manifest(tmp)
            _sign(tmp, sign_key)
            _publish(tmp, target, overwrite)
            return GenerateResult(target, _entries(manifest), manifest.tables,
                                  list(manifest.segments or ()), cached=True)  # fmt: skip
        workers = min(workers, unit_count(config))
        if workers == 1:
            files, segments = _run_serial(config, tmp, progress, cache)
        else:
            files, segments = _run_parallel(config, tmp, workers, progress, cache)
        # Scenario labels are measured on the canonical tables just written.
        files += write_labels(config, tmp)
        files += write_settlements(config, tmp)  # CME futures: daily and final settlements
        if "native" in formats:
            write_manifest(tmp, build_manifest(config, files, segments))
            files += _encode_native(tmp)
            if "parquet" not in formats:
                for table in config.tables:
                    shutil.rmtree(tmp / table, ignore_errors=True)
                files = [
                    f
                    for f in files
                    if f.table.startswith("native")
                    or f.table in (LABELS_TABLE, "liquidations", SETTLEMENT_TABLE)
                ]
        files.sort(key=lambda f: f.path)
        manifest = build_manifest(config, files, segments)
        write_manifest(tmp, manifest)
        _sign(tmp, sign_key)
        _publish(tmp, target, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if cache is not None:
        cache.put_dataset(key, target)
    return GenerateResult(target, files, manifest.tables, segments)


def _sign(root: Path, key: str | os.PathLike[str] | None) -> None:
    if key is not None:
        from aleatoric.provenance import sign_dataset

        sign_dataset(root, key)


def _entries(manifest: Manifest) -> list[FileEntry]:
    return [
        FileEntry(f.path, f.table, f.sha256, f.bytes or 0, f.rows or 0, f.content_sha256, f.schema_)
        for f in manifest.file_entries
    ]


def _check_formats(config: DatasetConfig, formats: Sequence[str]) -> None:
    unknown = [f for f in formats if f not in ("parquet", "native")]
    if unknown or not formats:
        raise ValueError(f"format: unknown {unknown or formats!r}; allowed: parquet, native")
    if "native" in formats:
        from aleatoric.venues import NATIVE_TABLES, VENUES

        for ref in config.instruments:
            if ref.venue not in VENUES:
                supported = ", ".join(VENUES)
                raise ValueError(
                    f"format: no native format for {ref.venue!r}; supported: {supported}"
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
        replace_dir(tmp, target)


def _segment_starts(config: DatasetConfig) -> list[tuple[int, int]]:
    return [segment_bounds(config, i) for i in range(segment_count(config))]


def describe_plan(config: DatasetConfig) -> dict[str, Any]:
    """Return the segment plan of a config (for dry runs and job splitting)."""
    return {"segments": _segment_starts(config), "count": segment_count(config)}
