"""A content-addressed cache of segments and whole datasets.

Keys are SHA-256 digests of everything that determines the bytes: the canonical config
(defaults filled, keys sorted), the engine version and the versions of the numeric libraries
(see :func:`aleatoric.sinks.library_versions`). Two kinds of entries:

- ``segments/<key>.npz``: one simulated segment of one instrument (the raw rows before global
  counters, compressed by :mod:`aleatoric.cache._codec`), keyed only by what changes a
  segment: not the dataset's duration and tables (a longer time range reuses the segments it
  already has), nor the receive latency or the venues' wire options (both applied after the
  segment, when writing);
- ``datasets/<key>/``: a finished dataset (files and manifest), keyed by the full config and
  output formats; a hit is a copy (a reflink where the file system has it, never a hard
  link) verified against the manifest.

Every entry is written to a temporary name and renamed, under a file lock, and carries the
SHA-256 of its bytes: an entry whose digest no longer matches, or that cannot be read at
all (a truncated file, a corrupt or wrongly typed manifest), is deleted with a
:class:`CacheCorruptionWarning` and regenerated, never served.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
from filelock import FileLock

from aleatoric._version import __version__
from aleatoric.cache._codec import decode_arrays, encode_arrays
from aleatoric.cache._copy import copy_tree
from aleatoric.config import TABLES, DatasetConfig
from aleatoric.dataset import MANIFEST_NAME, read_manifest
from aleatoric.errors import ConfigError, DatasetError
from aleatoric.reactor import SegmentResult, segment_bounds
from aleatoric.sinks.manifest import library_versions
from aleatoric.sinks.parquet import file_sha256, schema_fingerprint
from aleatoric.sinks.schema import schema_for

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DEFAULT_WARN_SIZE",
    "NOT_IN_SEGMENT",
    "CacheCorruptionWarning",
    "CacheEntry",
    "CacheGrowthWarning",
    "CacheStore",
    "default_cache_dir",
    "parse_size",
]

#: Config fields that do not change a simulated segment: applied when writing (tables,
#: latency, wire options) or outside the segment's bounds (duration; the bounds are in the
#: key). Everything else is in the key, so a new field is too until it is listed here.
NOT_IN_SEGMENT = ("duration", "tables", "latency", "okx_checksum", "venue_options")


class CacheCorruptionWarning(RuntimeWarning):
    """A cache entry was corrupt; it was deleted and will be regenerated."""


class CacheGrowthWarning(UserWarning):
    """A run added more to the cache than ``ALEATORIC_CACHE_WARN_SIZE``."""


#: Default size cap: after a run, least recently used entries go until the cache fits.
DEFAULT_MAX_SIZE = "20GB"
#: Default growth that triggers a :class:`CacheGrowthWarning`.
DEFAULT_WARN_SIZE = "5GB"
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6,
          "g": 10**9, "gb": 10**9, "t": 10**12, "tb": 10**12}  # fmt: skip


def parse_size(text: str) -> int:
    """Return a byte count from ``"500MB"``, ``"2GB"``, ``"1.5G"`` or a plain number."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?b?)\s*", text.lower())
    if match is None:
        raise ValueError(f"a size such as 500MB or 2GB, was {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def _env_size(name: str, default: str) -> int:
    text = os.environ.get(name, default)
    try:
        return parse_size(text)
    except ValueError as exc:
        raise ConfigError([(name, str(exc))]) from None


def _evicted(kind: str, key: str, why: str) -> None:
    warnings.warn(
        f"cache: corrupt {kind} entry {key[:16]} ({why}); deleted, regenerating it",
        CacheCorruptionWarning,
        stacklevel=3,
    )


_TICKER_KEYS = (
    "ts", "mark_price", "index_price", "last_price", "funding_rate",
    "predicted_funding_rate", "next_funding_ts", "open_interest",
)  # fmt: skip


def default_cache_dir() -> Path:
    """Return ``$ALEATORIC_CACHE_DIR`` or the user cache directory for aleatoric."""
    env = os.environ.get("ALEATORIC_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("aleatoric"))


def _digest(document: dict[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


#: Files whose content decides what the engine writes.
_CODE_SUFFIXES = frozenset({".py", ".toml", ".json", ".csv"})


def _identity() -> dict[str, Any]:
    # The column types are part of what a cached dataset is: an entry written with another
    # schema (int64 timestamps before they were typed) is not reused.
    libs = library_versions()
    schemas = "".join(schema_fingerprint(schema_for(t)) for t in TABLES)
    return {"engine": __version__, "code": code_digest(),
            "libraries": {k: libs[k] for k in sorted(libs)},
            "schema": hashlib.sha256(schemas.encode()).hexdigest()[:16]}  # fmt: skip


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """Return a digest of the installed package's source and data files.

    The version number alone does not say which bytes a build produces: two builds of one
    version (a development checkout before and after a model change, or two branches sharing
    the user cache) would otherwise serve each other's segments.
    """
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class CacheEntry:
    """One cache entry as listed by ``aleatoric cache ls``."""

    kind: str
    key: str
    bytes: int
    last_used: float
    path: Path


class CacheStore:
    """The cache at ``root`` (created on first write).

    ``max_bytes`` caps its size: :meth:`settle`, called after a run, deletes least recently
    used entries until the cache fits (default ``$ALEATORIC_CACHE_MAX_SIZE`` or 20 GB; 0 means
    no cap). ``warn_bytes`` is the growth of one run that :meth:`settle` warns about (default
    ``$ALEATORIC_CACHE_WARN_SIZE`` or 5 GB; 0 never warns).
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        max_bytes: int | None = None,
        warn_bytes: int | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        if max_bytes is None:
            max_bytes = _env_size("ALEATORIC_CACHE_MAX_SIZE", DEFAULT_MAX_SIZE)
        if warn_bytes is None:
            warn_bytes = _env_size("ALEATORIC_CACHE_WARN_SIZE", DEFAULT_WARN_SIZE)
        if max_bytes < 0 or warn_bytes < 0:
            raise ValueError(f"cache sizes must be >= 0, were {max_bytes} and {warn_bytes}")
        self.max_bytes = max_bytes
        self.warn_bytes = warn_bytes

    # --- keys ---------------------------------------------------------------------------

    def segment_key(self, config: DatasetConfig, index: int) -> str:
        """Return the key of segment ``index`` of a single-instrument config.

        Independent of duration and tables. A config of several instruments has one key per
        instrument: pass ``config.for_instrument(ref)``.
        """
        if len(config.instruments) != 1:
            raise ValueError("segment_key: pass a single-instrument config (for_instrument)")
        canonical = config.canonical()
        for field in NOT_IN_SEGMENT:
            canonical.pop(field, None)
        start, end = segment_bounds(config, index)
        return _digest({"kind": "segment", "config": canonical, "index": index,
                        "start_ns": start, "end_ns": end, **_identity()})  # fmt: skip

    def dataset_key(self, config: DatasetConfig, formats: Sequence[str]) -> str:
        """Return the key of a whole dataset in the given output formats."""
        return _digest({"kind": "dataset", "config": config.canonical(),
                        "formats": sorted(formats), **_identity()})  # fmt: skip

    # --- segments -------------------------------------------------------------------------

    def _segment_path(self, key: str) -> Path:
        return self.root / "segments" / key[:2] / f"{key}.npz"

    def get_segment(self, key: str) -> SegmentResult | None:
        """Return a cached segment, or None when absent or corrupt (corrupt ones are deleted)."""
        path = self._segment_path(key)
        sidecar = path.with_suffix(".sha256")
        if not path.is_file() or not sidecar.is_file():
            return None
        with self._lock(key):
            try:
                if file_sha256(path) != sidecar.read_text().strip():
                    raise ValueError("its SHA-256 does not match")
                with np.load(path) as data:
                    arrays = decode_arrays(data)
                result = self._segment(arrays)
            except (OSError, ValueError, KeyError, IndexError, TypeError, EOFError) as exc:
                path.unlink(missing_ok=True)
                sidecar.unlink(missing_ok=True)
                _evicted("segment", key, str(exc) or type(exc).__name__)
                return None
            os.utime(path)
        return result

    @staticmethod
    def _segment(arrays: dict[str, Any]) -> SegmentResult:
        meta = arrays["meta"]
        return SegmentResult(
            index=int(meta[0]),
            start_ns=int(meta[1]),
            end_ns=int(meta[2]),
            rows=arrays["rows"],
            snapshot_price=arrays["snapshot_price"],
            snapshot_size=arrays["snapshot_size"],
            ticker={k: arrays[f"ticker_{k}"] for k in _TICKER_KEYS},
            funding_rate=arrays["funding_rate"],
            funding_mark=arrays["funding_mark"],
            reconciliation_rows=int(meta[3]),
        )

    def put_segment(self, key: str, result: SegmentResult) -> None:
        """Store a segment atomically (temporary file, rename, digest sidecar)."""
        path = self._segment_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.npz")
        meta = np.array(
            [result.index, result.start_ns, result.end_ns, result.reconciliation_rows],
            dtype=np.int64,
        )
        arrays: dict[str, Any] = {f"ticker_{k}": result.ticker[k] for k in _TICKER_KEYS}
        arrays.update(
            meta=meta, rows=result.rows, snapshot_price=result.snapshot_price,
            snapshot_size=result.snapshot_size, funding_rate=result.funding_rate,
            funding_mark=result.funding_mark,
        )  # fmt: skip
        tmp.write_bytes(encode_arrays(arrays))
        digest = file_sha256(tmp)
        with self._lock(key):
            os.replace(tmp, path)
            _write_atomic(path.with_suffix(".sha256"), digest + "\n")

    # --- datasets -------------------------------------------------------------------------

    def _dataset_path(self, key: str) -> Path:
        return self.root / "datasets" / key

    def get_dataset(self, key: str, into: Path) -> bool:
        """Copy a cached dataset into the empty directory ``into``; False if absent or corrupt."""
        src = self._dataset_path(key)
        manifest_path = src / MANIFEST_NAME
        if not manifest_path.is_file():
            return False
        with self._lock(key):
            why = self._dataset_fault(src, manifest_path)
            if why is not None:
                shutil.rmtree(src, ignore_errors=True)
                _evicted("dataset", key, why)
                return False
            copy_tree(src, into)
            os.utime(manifest_path)
        return True

    @staticmethod
    def _dataset_fault(src: Path, manifest_path: Path) -> str | None:
        # Why a cached dataset cannot be served, or None when every file checks out.
        try:
            manifest, _ = read_manifest(manifest_path.parent)
        except DatasetError as exc:
            return f"unreadable manifest: {exc}"
        files = manifest.files
        if files is None or manifest.segments is None:
            return "the manifest is not shaped like one"
        if any(".." in Path(f.path).parts for f in files):
            return "the manifest lists a path outside the dataset"
        for entry in files:
            f = src / entry.path
            if not f.is_file() or file_sha256(f) != entry.sha256:
                return f"{entry.path} does not match its SHA-256"
        return None

    def put_dataset(self, key: str, dataset: Path) -> None:
        """Store a copy of a finished dataset (a reflink where possible)."""
        dst = self._dataset_path(key)
        if (dst / MANIFEST_NAME).is_file():
            return
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{key}.{uuid.uuid4().hex[:8]}")
        # Signatures belong to one publication, not to the content: never cached.
        copy_tree(dataset, tmp, skip={"provenance.intoto.jsonl"})
        with self._lock(key):
            if (dst / MANIFEST_NAME).is_file():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                shutil.rmtree(dst, ignore_errors=True)
                tmp.rename(dst)

    # --- housekeeping ---------------------------------------------------------------------

    def entries(self) -> list[CacheEntry]:
        """Return every entry, most recently used first."""
        out: list[CacheEntry] = []
        for path in sorted((self.root / "segments").glob("*/*.npz")):
            st = path.stat()
            out.append(CacheEntry("segment", path.stem, st.st_size, st.st_mtime, path))
        for path in sorted((self.root / "datasets").glob("*")):
            manifest = path / MANIFEST_NAME
            if not path.is_dir() or not manifest.is_file():
                continue
            size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
            out.append(CacheEntry("dataset", path.name, size, manifest.stat().st_mtime, path))
        return sorted(out, key=lambda e: e.last_used, reverse=True)

    def gc(self, max_bytes: int) -> list[CacheEntry]:
        """Delete least recently used entries until the cache fits ``max_bytes``."""
        removed: list[CacheEntry] = []
        entries = self.entries()
        total = sum(e.bytes for e in entries)
        for entry in reversed(entries):
            if total <= max_bytes:
                break
            with self._lock(entry.key):
                if entry.kind == "segment":
                    entry.path.unlink(missing_ok=True)
                    entry.path.with_suffix(".sha256").unlink(missing_ok=True)
                else:
                    shutil.rmtree(entry.path, ignore_errors=True)
            total -= entry.bytes
            removed.append(entry)
        return removed

    def size(self) -> int:
        """Return the bytes the cache's entries hold."""
        return sum(e.bytes for e in self.entries())

    def settle(self, before: int) -> list[CacheEntry]:
        """End a run that started with the cache at ``before`` bytes: warn, then cap.

        Warns with :class:`CacheGrowthWarning` when the run added more than ``warn_bytes``,
        then deletes least recently used entries beyond ``max_bytes``; returns them.
        """
        after = self.size()
        added = after - before
        if self.warn_bytes and added > self.warn_bytes:
            cap = f"{self.max_bytes / 1e9:,.1f} GB" if self.max_bytes else "no cap"
            warnings.warn(
                f"cache: this run added {added / 1e9:,.2f} GB to {self.root} (now "
                f"{after / 1e9:,.2f} GB, {cap}); `aleatoric cache gc --max-size SIZE` trims "
                "it, ALEATORIC_CACHE_MAX_SIZE and ALEATORIC_CACHE_WARN_SIZE set the limits",
                CacheGrowthWarning,
                stacklevel=2,
            )
        if self.max_bytes and after > self.max_bytes:
            return self.gc(self.max_bytes)
        return []

    def _lock(self, key: str) -> FileLock:
        locks = self.root / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        return FileLock(str(locks / f"{key[:16]}.lock"), timeout=600)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(text)
    os.replace(tmp, path)
