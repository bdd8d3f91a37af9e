"""Read a dataset's ``manifest.json`` and check its shape before anything trusts it.

A manifest that is not JSON, truncated, or has fields of the wrong type is unusable input:
commands that read one report the field at fault (exit 2) instead of a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from aleatoric.errors import DatasetError
from aleatoric.sinks.manifest import MANIFEST_NAME

__all__ = ["ManifestError", "check_manifest", "read_manifest"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ManifestError(DatasetError):
    """A dataset's manifest is missing, unreadable or not shaped like a manifest."""


def _kind(value: object) -> str:
    return type(value).__name__


def read_manifest(root: Path) -> dict[str, Any]:
    """Return the checked manifest of the dataset at ``root``; ManifestError otherwise."""
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"{root} has no {MANIFEST_NAME}: not an aleatoric dataset")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: not a text file (binary data)") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: not valid JSON (truncated?): {exc}") from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read: {exc}") from None
    check_manifest(manifest, str(path))
    return manifest  # type: ignore[no-any-return]


def check_manifest(manifest: object, where: str = MANIFEST_NAME) -> None:
    """Raise ManifestError naming the first field whose type is wrong."""
    if not isinstance(manifest, dict):
        raise ManifestError(f"{where}: must be a JSON object, was {_kind(manifest)}")
    if not isinstance(manifest.get("config"), dict):
        raise ManifestError(
            f"{where}: config must be an object, was {_kind(manifest.get('config'))}"
        )
    files = manifest.get("files")
    if not isinstance(files, list):
        raise ManifestError(f"{where}: files must be a list, was {_kind(files)}")
    for i, entry in enumerate(files):
        if not isinstance(entry, dict):
            raise ManifestError(f"{where}: files[{i}] must be an object, was {_kind(entry)}")
        for key, kind in (("path", str), ("table", str), ("sha256", str), ("rows", int)):
            value = entry.get(key)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ManifestError(
                    f"{where}: files[{i}].{key} must be {kind.__name__}, was {value!r}"
                )
        rel = PurePosixPath(entry["path"])
        if rel.is_absolute() or ".." in rel.parts:
            raise ManifestError(f"{where}: files[{i}].path must stay inside the dataset, was "
                                f"{entry['path']!r}")  # fmt: skip
        if not _SHA256.match(entry["sha256"]):
            raise ManifestError(
                f"{where}: files[{i}].sha256 must be 64 hex digits, was {entry['sha256']!r}"
            )
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in tables.values()
    ):
        raise ManifestError(f"{where}: tables must map table names to row counts, was {tables!r}")
