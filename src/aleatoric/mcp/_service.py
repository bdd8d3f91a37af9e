"""What the MCP tools and resources do, as plain blocking methods over the library.

The server module only adapts these to the protocol (arguments, progress, errors). Every
method that takes a client's input raises :class:`InputError` with a ``"field: message"``
text when the input cannot be used.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aleatoric._generate import generate, unit_count
from aleatoric._job_backend import JobBackend, JobInfo, JobRequest, new_job_id
from aleatoric._version import __version__
from aleatoric.cache import CacheStore
from aleatoric.config import (
    TABLES,
    ConfigError,
    DatasetConfig,
    format_duration,
    get_preset,
    load_config,
    presets,
    scenario_presets,
)
from aleatoric.dataset import MANIFEST_NAME, Manifest, read_manifest
from aleatoric.errors import AleatoricError, DatasetError
from aleatoric.instruments import get_instrument, instruments, symbols_for, venues
from aleatoric.mcp._models import (
    ConfigValidation,
    FieldError,
    InstrumentInfo,
    IntegrityResult,
    PresetInfo,
    PresetList,
    RealismResult,
    SampleResult,
    ScenarioInfo,
    VenueInfo,
)
from aleatoric.mcp._paths import (
    PathRefusedError,
    check_name,
    dataset_id_of,
    resolve_dataset,
    resolve_output,
)
from aleatoric.mcp._settings import McpSettings
from aleatoric.mcp._summary import preview_rows, summarize_tables
from aleatoric.reactor import segment_count

__all__ = ["InputError", "Toolbox", "estimate_rows"]

#: Rows per limit-order arrival of the preset, per event table (calibrated on the shipped
#: presets; an order-of-magnitude guard, not a promise).
_ROWS_PER_ARRIVAL = {"mbo": 2.5, "book_delta": 1.9, "trades": 0.6}
#: Book levels per side shown in inline snapshot rows.
_PREVIEW_LEVELS = 5

#: ``progress(done, total, message)``, called from the generating thread.
Progress = Callable[[float, float | None, str], None]


class InputError(AleatoricError, ValueError):
    """A request that cannot be carried out; the text is ``"field: message"`` lines.

    Raised for input that cannot be used, and for a generation that failed (which leaves
    nothing behind), so that the client reads the reason.
    """


def _config_error(exc: ConfigError) -> InputError:
    return InputError("\n".join(f"{path}: {msg}" for path, msg in exc.errors))


def estimate_rows(config: DatasetConfig) -> dict[str, int]:
    """Return a rough row count per table of ``config`` (order of magnitude)."""
    seconds = config.duration / 1e9
    rate = get_preset(config.preset).limit_rate_s
    out: dict[str, int] = dict.fromkeys(config.tables, 0)
    for ref in config.instruments:
        interval_ns = get_instrument(ref.venue, ref.symbol).funding_interval_ns
        for table in config.tables:
            if table in _ROWS_PER_ARRIVAL:
                out[table] += round(rate * _ROWS_PER_ARRIVAL[table] * seconds)
            elif table == "book_snapshot":
                out[table] += config.duration // config.snapshot_interval
            elif table == "ticker":
                out[table] += config.duration // config.ticker_interval
            else:
                out[table] += config.duration // interval_ns + 1
    return out


def _allowed(field: str, message: str, data: Mapping[str, Any]) -> list[str]:
    if "; allowed: " in message:
        return [v.strip() for v in message.rsplit("; allowed: ", 1)[1].split(",")]
    head = field.split(".", 1)[0]
    tail = field.rsplit(".", 1)[-1]
    if head == "venue" or (head == "instruments" and tail == "venue"):
        return list(venues())
    if head == "symbol":
        venue = data.get("venue", "binance")
        return list(symbols_for(venue)) if venue in venues() else []
    if head == "preset":
        return list(presets())
    if head == "tables":
        return list(TABLES)
    return []


def _sample_name(config: DatasetConfig) -> str:
    text = json.dumps(config.canonical(), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    duration = format_duration(config.duration)
    first = config.instruments[0]
    more = f"+{len(config.instruments) - 1}" if len(config.instruments) > 1 else ""
    return (f"{first.venue}-{first.symbol}{more}-{config.preset}-{duration}-seed{config.seed}-"
            f"{digest}")  # fmt: skip


def _read_manifest(root: Path) -> Manifest | None:
    try:
        return read_manifest(root)[0]
    except DatasetError:
        return None


def _same_dataset(root: Path, config: DatasetConfig) -> Manifest | None:
    # The manifest of the dataset at root if it was written from config by this engine.
    manifest = _read_manifest(root)
    if manifest is None or (manifest.engine or {}).get("version") != __version__:
        return None
    try:
        if manifest.dataset_config != config:
            return None
    except DatasetError:
        return None
    return manifest


class Toolbox:
    """The server's state (settings, job backend, datasets being written) and its actions."""

    def __init__(self, settings: McpSettings, jobs: JobBackend) -> None:
        self.settings = settings
        self.jobs = jobs
        self._lock = threading.Lock()
        self._writing: set[Path] = set()

    @property
    def root(self) -> Path:
        """Return the data directory (created on first use)."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return self.settings.data_dir

    @property
    def cache(self) -> CacheStore | None:
        """Return the cache generation uses, or ``None`` when it is bypassed."""
        return CacheStore(self.settings.cache_dir) if self.settings.use_cache else None

    # --- configs, presets, venues ---------------------------------------------------------

    def validate_config(self, data: Mapping[str, Any]) -> ConfigValidation:
        """Return whether ``data`` is a usable config, with every field error."""
        try:
            config = load_config(**dict(data))
        except ConfigError as exc:
            errors = [FieldError(field=f, message=m, allowed=_allowed(f, m, data))
                      for f, m in exc.errors]  # fmt: skip
            return ConfigValidation(ok=False, errors=errors)
        rows = sum(estimate_rows(config).values())
        return ConfigValidation(
            ok=True, config=config.canonical(), segments=segment_count(config),
            estimated_rows=rows, fits_inline_sample=self._oversize(config, rows) is None,
        )  # fmt: skip

    def config(self, fields: Mapping[str, Any]) -> DatasetConfig:
        """Return the config of tool arguments (``None`` values take the defaults)."""
        try:
            return load_config(**dict(fields))
        except ConfigError as exc:
            raise _config_error(exc) from None

    def presets(self, name: str | None = None) -> PresetList:
        """Return every preset, or only ``name``."""
        table = presets()
        if name is not None and name not in table:
            raise InputError(f"name: unknown preset {name!r}; allowed: {', '.join(table)}")
        chosen = [table[name]] if name is not None else list(table.values())
        out = []
        for p in chosen:
            params = p.model_dump(mode="json", exclude={"name", "description", "assets"})
            scales = {base: s.model_dump(mode="json") for base, s in p.assets.items()}
            out.append(PresetInfo(name=p.name, description=p.description,
                                  assets=sorted(p.assets), parameters=params,
                                  asset_scales=scales))  # fmt: skip
        scenarios = [] if name is not None else [
            ScenarioInfo(name=s.name, kind=str(s.overlay["kind"]), description=s.description,
                         overlay=dict(s.overlay))
            for s in scenario_presets().values()
        ]  # fmt: skip
        return PresetList(presets=out, scenarios=scenarios)

    def venue(self, venue: str, symbol: str | None = None) -> VenueInfo:
        """Return a venue's instrument rules (or one symbol's) and its output formats."""
        from aleatoric.venues import VENUES

        if venue not in venues():
            raise InputError(f"venue: unknown venue {venue!r}; allowed: {', '.join(venues())}")
        if symbol is not None and symbol not in symbols_for(venue):
            allowed = ", ".join(symbols_for(venue))
            raise InputError(
                f"symbol: unknown symbol {symbol!r} for venue {venue!r}; allowed: {allowed}"
            )
        chosen = [i for i in instruments()
                  if i.venue == venue and (symbol is None or i.symbol == symbol)]  # fmt: skip
        bases = {i.base for i in chosen}
        return VenueInfo(
            venue=venue,
            instruments=[InstrumentInfo.model_validate(i.model_dump(mode="json")) for i in chosen],
            formats=["parquet", "native"] if venue in VENUES else ["parquet"],
            tables=list(TABLES),
            presets=[n for n, p in presets().items() if bases <= set(p.assets)],
        )

    # --- samples --------------------------------------------------------------------------

    def _oversize(self, config: DatasetConfig, rows: int) -> str | None:
        s = self.settings
        if config.duration > s.max_sample_duration_ns:
            return (f"duration: {format_duration(config.duration)} is longer than an inline "
                    f"sample may be ({s.max_sample_duration})")  # fmt: skip
        if rows > s.max_sample_rows:
            return (f"duration: about {rows:,} rows estimated, more than an inline sample may "
                    f"hold ({s.max_sample_rows:,})")  # fmt: skip
        return None

    def check_sample_size(self, config: DatasetConfig) -> None:
        """Refuse a sample too large to answer inline, pointing to ``submit_job``."""
        reason = self._oversize(config, sum(estimate_rows(config).values()))
        if reason is not None:
            raise InputError(f"{reason}; use submit_job for this dataset and follow it with "
                             "get_job")  # fmt: skip

    def _target(self, config: DatasetConfig, name: str | None, overwrite: bool) -> Path:
        out = resolve_output(self.root, name if name is not None else _sample_name(config))
        if (out.exists() and (not out.is_dir() or any(out.iterdir())) and not overwrite
                and _same_dataset(out, config) is None):  # fmt: skip
            dataset_id = dataset_id_of(self.root, out)
            raise InputError(f"name: dataset {dataset_id!r} already exists with another "
                             "config; choose another name or pass overwrite=true")  # fmt: skip
        return out

    @contextmanager
    def _claim(self, out: Path) -> Iterator[None]:
        # One writer per dataset directory at a time (samples and this process's jobs).
        dataset_id = dataset_id_of(self.root, out)
        busy = any(j.dataset_id == dataset_id and j.status in ("queued", "running")
                   for j in self.jobs.jobs())  # fmt: skip
        with self._lock:
            if busy or out in self._writing:
                raise InputError(f"name: dataset {dataset_id!r} is being written; wait for it "
                                 "or choose another name")  # fmt: skip
            self._writing.add(out)
        try:
            yield
        finally:
            with self._lock:
                self._writing.discard(out)

    def generate_sample(
        self,
        config: DatasetConfig,
        *,
        name: str | None = None,
        overwrite: bool = False,
        rows: int = 5,
        progress: Progress | None = None,
    ) -> SampleResult:
        """Generate (or reuse) a small dataset; return its summary and first rows."""
        self.check_sample_size(config)
        out = self._target(config, name, overwrite)
        n = unit_count(config)
        with self._claim(out):
            manifest = None if overwrite else _same_dataset(out, config)
            reused, cached = manifest is not None, False
            if manifest is None:
                callback = None
                if progress is not None:
                    callback = _segments_progress(n, progress)
                try:
                    result = generate(config, out, overwrite=overwrite, progress=callback,
                                      cache=self.cache)  # fmt: skip
                except (OSError, RuntimeError) as exc:
                    raise InputError(f"generation failed: {exc}; nothing was written") from None
                cached = result.cached
                manifest = _read_manifest(out)
                if manifest is None:
                    raise InputError(f"generation failed: {out} has no readable manifest")
            if progress is not None:
                progress(n, n, "reused an identical dataset" if reused else "written")
        dataset_id = dataset_id_of(self.root, out)
        files = manifest.file_entries
        return SampleResult(
            dataset_id=dataset_id, path=str(out), manifest_uri=f"datasets://{dataset_id}/manifest",
            reused=reused, cached=cached, config=config.canonical(), segments=n,
            rows=manifest.rows, bytes=sum(f.bytes or 0 for f in files),
            tables=summarize_tables(out, manifest),
            trades=preview_rows(out, "trades", rows),
            book_snapshots=preview_rows(out, "book_snapshot", rows, levels=_PREVIEW_LEVELS),
        )  # fmt: skip

    # --- jobs -----------------------------------------------------------------------------

    def submit_job(
        self, config: DatasetConfig, *, name: str | None = None, overwrite: bool = False
    ) -> JobInfo:
        """Queue a generation job; the dataset id is ``name`` or the job id."""
        job_id = new_job_id()
        out = self._target(config, name if name is not None else job_id, overwrite)
        # _target let through an existing dataset only if it is identical: rewrite it.
        replace = overwrite or (out.is_dir() and any(out.iterdir()))
        with self._claim(out):
            return self.jobs.submit(JobRequest(job_id, config, dataset_id_of(self.root, out),
                                               out, replace))  # fmt: skip

    def job(self, job_id: str, *, field: str = "job_id") -> JobInfo:
        """Return a job's state."""
        info = self.jobs.get(check_name(job_id, field=field))
        if info is None:
            raise InputError(f"{field}: no job {job_id!r} (submit_job returns the id)")
        return info

    # --- datasets -------------------------------------------------------------------------

    def dataset(self, path: str, *, field: str = "dataset") -> Path:
        """Return a dataset directory named by the client, confined to the data directory."""
        try:
            root = resolve_dataset(self.root, path, field=field)
        except PathRefusedError as exc:
            raise InputError(str(exc)) from None
        if not root.is_dir():
            raise InputError(f"{field}: no dataset {path!r} in the data directory")
        return root

    def manifest(self, dataset_id: str) -> dict[str, Any]:
        """Return the manifest of a dataset."""
        root = self.dataset(dataset_id, field="id")
        manifest = _read_manifest(root)
        if manifest is None:
            raise InputError(f"id: dataset {dataset_id!r} has no readable {MANIFEST_NAME}")
        return manifest.document()

    def check(
        self, path: str, *, rules: Sequence[str] | None = None, max_examples: int = 5
    ) -> IntegrityResult:
        """Run integrity rules on a dataset."""
        from aleatoric.integrity import IntegrityInputError, check_dataset, select_rules

        root = self.dataset(path)
        try:
            select_rules(rules)
        except IntegrityInputError as exc:
            raise InputError(f"rules: {exc}") from None
        try:
            report = check_dataset(root, rules=rules, max_examples=max_examples)
        except IntegrityInputError as exc:
            raise InputError(f"dataset: {exc}") from None
        return IntegrityResult(
            dataset_id=dataset_id_of(self.root, root), passed=report.passed,
            failed_rules=[r.name for r in report.failed], report=report.to_dict(),
        )  # fmt: skip

    def realism(self, path: str) -> RealismResult:
        """Return the realism scorecard of a dataset."""
        from aleatoric.realism import DatasetError, scorecard

        root = self.dataset(path)
        try:
            card = scorecard(root)
        except DatasetError as exc:
            raise InputError(f"dataset: {exc}") from None
        return RealismResult(
            dataset_id=dataset_id_of(self.root, root), passed=card.passed,
            verdict=card.verdict, failed_facts=[f.name for f in card.failed],
            insufficient_facts=[f.name for f in card.insufficient], report=card.to_dict(),
        )  # fmt: skip


def _segments_progress(segments: int, progress: Progress) -> Callable[[int, int, int], None]:
    # generate reports work units per segment; relay segments done (a never-decreasing sum).
    done: dict[int, float] = {}

    def callback(segment: int, units: int, total: int) -> None:
        done[segment] = max(done.get(segment, 0.0), units / total if total else 1.0)
        progress(sum(done.values()), segments, f"segment {segment + 1} of {segments}")

    return callback
