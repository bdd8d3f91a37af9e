"""The dataset manifest: what produced the data and a digest of every file.

The manifest holds no wall-clock time or host name, so it is as reproducible as the data.
"""

from __future__ import annotations

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
    for f in files:
        tables[f.table] = tables.get(f.table, 0) + f.rows
    return {
        "format": MANIFEST_FORMAT,
        "engine": {"name": "aleatoric", "version": __version__},
        "libraries": library_versions(),
        "seed": config.seed,
        "config": config.canonical(),
        "instrument": get_instrument(config.venue, config.symbol).model_dump(mode="json"),
        "tables": tables,
        "segments": segments,
        "files": [
            {"path": f.path, "table": f.table, "sha256": f.sha256, "bytes": f.bytes, "rows": f.rows}
            for f in files
        ],
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write JSON with sorted keys and a trailing newline (stable bytes)."""
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
