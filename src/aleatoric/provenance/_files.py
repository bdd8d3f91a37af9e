"""Walk a dataset directory and hash its files."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath

from aleatoric import dataset
from aleatoric.dataset import MANIFEST_NAME, Manifest
from aleatoric.errors import DatasetError
from aleatoric.provenance._errors import ProvenanceError
from aleatoric.sinks import file_sha256

__all__ = ["MANIFEST_NAME", "PROVENANCE_NAME", "dataset_files", "read_manifest", "sha256_of"]

#: The signed envelope, one JSON line, at the dataset root.
PROVENANCE_NAME = "provenance.intoto.jsonl"


def dataset_files(root: Path) -> list[str]:
    """Return every file under ``root`` except the provenance file, as sorted POSIX paths.

    Raises
    ------
    ProvenanceError
        If ``root`` is not a directory, or an entry is neither a directory nor a regular file
        (a symbolic link, for instance): such an entry cannot be attested by its bytes.
    """
    if not root.is_dir():
        raise ProvenanceError(f"{root}: not a directory")
    found: list[str] = []
    odd: list[str] = []

    def unreadable(exc: OSError) -> None:
        # A directory that cannot be listed could hide added files: fail, never skip it.
        where = os.path.relpath(exc.filename, root) if exc.filename else str(root)
        raise ProvenanceError(f"{PurePath(where).as_posix()}: cannot list ({exc.strerror})")

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        here = Path(dirpath)
        for name in dirnames:
            if (here / name).is_symlink():
                odd.append(PurePath(os.path.relpath(here / name, root)).as_posix())
        for name in filenames:
            rel = PurePath(os.path.relpath(here / name, root)).as_posix()
            if rel == PROVENANCE_NAME:
                continue
            if not stat.S_ISREG((here / name).lstat().st_mode):
                odd.append(rel)
            else:
                found.append(rel)
    if odd:
        raise ProvenanceError(f"{rel}: not a regular file" for rel in sorted(odd))
    return sorted(found)


def sha256_of(root: Path, rel: str) -> str:
    """Return the hex SHA-256 of the file at POSIX path ``rel`` under ``root``."""
    return file_sha256(root.joinpath(*rel.split("/")))


def read_manifest(root: Path) -> tuple[Manifest, str]:
    """Return the parsed ``manifest.json`` of a dataset and the hex SHA-256 of its bytes.

    The digest and the document come from the same read, so they always agree.

    Raises
    ------
    ProvenanceError
        If the manifest is missing, is not a JSON object, or lacks a field provenance uses.
    """
    try:
        manifest, digest = dataset.read_manifest(root)
    except DatasetError as exc:
        raise ProvenanceError(str(exc)) from None
    needed = ("config", "seed", "engine", "libraries", "files")
    missing = [k for k in needed if getattr(manifest, k) is None]
    if missing:
        raise ProvenanceError(f"{MANIFEST_NAME}: missing field {k!r}" for k in missing)
    return manifest, digest
