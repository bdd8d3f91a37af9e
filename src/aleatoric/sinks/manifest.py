"""Build the manifest of a finished dataset (the model lives in :mod:`aleatoric.dataset`)."""

from __future__ import annotations

import hashlib
import platform
import sys
from collections.abc import Sequence
from importlib.metadata import version

from aleatoric._version import __version__
from aleatoric.config import DatasetConfig
from aleatoric.dataset import MANIFEST_FORMAT, MANIFEST_NAME, Manifest, ManifestFile
from aleatoric.instruments import get_instrument
from aleatoric.sinks.parquet import FileEntry

__all__ = ["MANIFEST_FORMAT", "MANIFEST_NAME", "build_manifest", "library_versions"]


def library_versions() -> dict[str, str]:
    """Return the versions of everything that can change output bytes."""
    return {
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "numba": version("numba"),
        "pyarrow": version("pyarrow"),
        "platform": f"{sys.platform}-{platform.machine()}",
    }


def build_manifest(
    config: DatasetConfig, files: Sequence[FileEntry], segments: Sequence[dict[str, int | str]]
) -> Manifest:
    """Return the manifest of a finished dataset."""
    tables: dict[str, int] = dict.fromkeys(config.tables, 0)
    digests: dict[str, list[str]] = {}
    for f in files:
        tables[f.table] = tables.get(f.table, 0) + f.rows
        if f.content_sha256:
            digests.setdefault(f.table, []).append(f.content_sha256)
    return Manifest(
        format=MANIFEST_FORMAT,
        engine={"name": "aleatoric", "version": __version__},
        libraries=library_versions(),
        seed=config.seed,
        config=config.canonical(),
        instruments=tuple(
            get_instrument(i.venue, i.symbol).model_dump(mode="json") for i in config.instruments
        ),
        tables=tables,
        # Per table: SHA-256 over its files' content digests in path order.
        table_digests={
            t: hashlib.sha256("".join(d).encode()).hexdigest() for t, d in sorted(digests.items())
        },
        segments=tuple(dict(s) for s in segments),
        files=tuple(_file_entry(f) for f in files),
    )


def _file_entry(f: FileEntry) -> ManifestFile:
    return ManifestFile(
        path=f.path, table=f.table, sha256=f.sha256, bytes=f.bytes, rows=f.rows,
        content_sha256=f.content_sha256, schema=f.schema,
    )  # fmt: skip
