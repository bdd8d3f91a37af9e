"""The dataset manifest: what produced the data and a digest of every file.

The manifest holds no wall-clock time or host name, so it is as reproducible as the data.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from aleatoric._version import __version__
from aleatoric.config import DatasetConfig
from aleatoric.instruments import get_instrument
from aleatoric.sinks.parquet import FileEntry

__all__ = ["MANIFEST_FORMAT", "MANIFEST_NAME", "build_manifest", "library_versions", "write_json"]

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "aleatoric-dataset/1"


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
    config: DatasetConfig, files: list[FileEntry], segments: list[dict[str, int]]
) -> dict[str, Any]:
    """Return the manifest document for a finished dataset."""
    tables: dict[str, int] = dict.fromkeys(config.tables, 0)
    digests: dict[str, list[str]] = {}
    for f in files:
        tables[f.table] = tables.get(f.table, 0) + f.rows
        if f.content_sha256:
            digests.setdefault(f.table, []).append(f.content_sha256)
    return {
        "format": MANIFEST_FORMAT,
        "engine": {"name": "aleatoric", "version": __version__},
        "libraries": library_versions(),
        "seed": config.seed,
        "config": config.canonical(),
        "instrument": get_instrument(config.venue, config.symbol).model_dump(mode="json"),
        "tables": tables,
        # Per table: SHA-256 over its files' content digests in path order.
        "table_digests": {
            t: hashlib.sha256("".join(d).encode()).hexdigest() for t, d in sorted(digests.items())
        },
        "segments": segments,
        "files": [_file_entry(f) for f in files],
    }


def _file_entry(f: FileEntry) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "path": f.path, "table": f.table, "sha256": f.sha256, "bytes": f.bytes, "rows": f.rows,
    }  # fmt: skip
    if f.content_sha256:
        entry["content_sha256"] = f.content_sha256
        entry["schema"] = f.schema
    return entry


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write JSON with sorted keys and a trailing newline (stable bytes)."""
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
