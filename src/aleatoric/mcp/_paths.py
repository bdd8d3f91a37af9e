"""Confine every path a client names to the data directory.

A client names datasets by id (one directory name right under the data directory) or by a
path inside it. ``..`` components, absolute paths elsewhere and symbolic links that lead out
are refused before anything is read or written.
"""

from __future__ import annotations

import re
from pathlib import Path

from aleatoric.errors import AleatoricError

__all__ = ["PathRefusedError", "check_name", "dataset_id_of", "resolve_dataset", "resolve_output"]

#: One directory name: letters, digits, ``.``, ``_`` and ``-``, not starting with a dot.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class PathRefusedError(AleatoricError, ValueError):
    """A path argument that names something outside the data directory, or no valid name.

    The message starts with the argument's name (``"dataset: ..."``).
    """


def check_name(name: str, *, field: str) -> str:
    """Return ``name`` if it is a valid dataset id (one directory name).

    Raises
    ------
    PathRefusedError
        If ``name`` is empty, holds a separator or ``..``, or starts with a dot.
    """
    if ".." in re.split(r"[/\\]", name):
        raise PathRefusedError(f"{field}: '..' is not allowed, was {name!r}")
    if not _NAME.fullmatch(name):
        raise PathRefusedError(
            f"{field}: a dataset id is one name of letters, digits, '.', '_' or '-' "
            f"(not starting with '.'), was {name!r}"
        )
    return name


def _inside(root: Path, candidate: Path, text: str, field: str) -> Path:
    # Resolve symbolic links on both sides, then require the result strictly inside root.
    real_root = root.resolve()
    resolved = candidate.resolve()
    if resolved == real_root or not resolved.is_relative_to(real_root):
        raise PathRefusedError(f"{field}: {text!r} is outside the data directory")
    return resolved


def resolve_dataset(root: Path, path: str, *, field: str = "dataset") -> Path:
    """Return the directory a client names by id, relative path or absolute path.

    Parameters
    ----------
    root
        The data directory.
    path
        A dataset id (``"btc-calm"``), a path relative to the data directory
        (``"runs/btc-calm"``) or an absolute path inside it.
    field
        The argument's name, for the error message.

    Raises
    ------
    PathRefusedError
        If the path is empty or has a NUL byte or a ``..`` component, or if it resolves
        (symbolic links followed) outside the data directory or to the directory itself.
    """
    if not path.strip():
        raise PathRefusedError(f"{field}: must name a dataset in the data directory, was empty")
    if "\x00" in path:
        raise PathRefusedError(f"{field}: must not contain a NUL byte")
    if ".." in re.split(r"[/\\]", path):
        raise PathRefusedError(f"{field}: '..' is not allowed; name a dataset inside the data "
                               f"directory, was {path!r}")  # fmt: skip
    given = Path(path)
    candidate = given if given.is_absolute() else root / given
    return _inside(root, candidate, path, field)


def resolve_output(root: Path, name: str, *, field: str = "name") -> Path:
    """Return where the dataset with id ``name`` is written (symbolic links followed).

    Raises
    ------
    PathRefusedError
        If ``name`` is not a valid id, or an existing symbolic link leads outside the data
        directory.
    """
    check_name(name, field=field)
    return _inside(root, root / name, name, field)


def dataset_id_of(root: Path, path: Path) -> str:
    """Return the id (path relative to the data directory, ``/``-separated) of ``path``."""
    return path.relative_to(root.resolve()).as_posix()
