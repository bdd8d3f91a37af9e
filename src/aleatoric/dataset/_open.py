"""One way to open a dataset: :func:`open_dataset` returns a :class:`Dataset`.

A dataset is a directory with ``manifest.json`` and, per table and instrument, hive
partitions ``<table>/venue=<v>/symbol=<s>/date=<YYYY-MM-DD>/part-<segment>.parquet``. The
layout is defined here (:func:`partition`) and nowhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from aleatoric.config import DatasetConfig, InstrumentRef
from aleatoric.dataset._manifest import MANIFEST_NAME, Manifest, ManifestFile, read_manifest
from aleatoric.errors import DatasetError
from aleatoric.instruments import Instrument, get_instrument

__all__ = ["Dataset", "open_dataset", "partition"]


def partition(table: str, venue: str, symbol: str) -> str:
    """Return the directory of one instrument's files of ``table``, relative to the root."""
    return f"{table}/venue={venue}/symbol={symbol}"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A dataset on disk: its manifest (parsed once), instruments, tables and files."""

    root: Path
    manifest: Manifest
    manifest_sha256: str

    @cached_property
    def instruments(self) -> tuple[InstrumentRef, ...]:
        """Return the instruments the dataset holds, in config order."""
        return self.manifest.instrument_refs

    @cached_property
    def config(self) -> DatasetConfig:
        """Return the validated config the dataset was generated from (DatasetError if not)."""
        return self.manifest.dataset_config

    @property
    def tables(self) -> dict[str, int]:
        """Return rows per table, over every instrument, as the manifest counts them."""
        return self.manifest.tables

    @property
    def files(self) -> tuple[ManifestFile, ...]:
        """Return every listed file."""
        return self.manifest.file_entries

    @property
    def digests(self) -> dict[str, str]:
        """Return the SHA-256 of every listed file, by path."""
        return self.manifest.digests

    def instrument(self, ref: InstrumentRef) -> Instrument:
        """Return the rules of one of the dataset's instruments."""
        return get_instrument(ref.venue, ref.symbol)

    def table_files(self, table: str, ref: InstrumentRef | None = None) -> list[Path]:
        """Return the Parquet files of ``table`` (of one instrument, or all) in seq order."""
        base = self.root / (partition(table, ref.venue, ref.symbol) if ref else table)
        return sorted(base.rglob("*.parquet")) if base.is_dir() else []


def open_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Open the dataset at ``path``: read and parse its manifest once.

    Raises
    ------
    DatasetError
        If ``path`` is not a directory, or its manifest is missing or malformed.
    """
    root = Path(path)
    if not root.is_dir():
        raise DatasetError(f"no dataset at {root}: not a directory")
    if not (root / MANIFEST_NAME).is_file():
        raise DatasetError(f"no dataset at {root}: {MANIFEST_NAME} is missing")
    manifest, digest = read_manifest(root)
    return Dataset(root, manifest, digest)
