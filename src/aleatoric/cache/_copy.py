"""Copy a directory tree without sharing inodes: a reflink where the file system has one
(Btrfs, XFS: the blocks are shared copy-on-write, so editing one copy never changes the
other), a plain copy otherwise. Hard links are never used: a dataset edited in place would
change the cache and every other dataset served from it."""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["copy_file", "copy_tree"]

_FICLONE = 0x40049409  # Linux ioctl: clone a whole file (reflink)


def copy_file(src: Path, dst: Path) -> None:
    """Copy ``src`` to the new file ``dst`` (reflink when possible) with its timestamps."""
    try:
        import fcntl

        with open(src, "rb") as fin, open(dst, "xb") as fout:
            try:
                fcntl.ioctl(fout.fileno(), _FICLONE, fin.fileno())
                cloned = True
            except OSError:
                cloned = False
        if cloned:
            shutil.copystat(src, dst)
            return
        dst.unlink()
    except ImportError:
        pass
    shutil.copy2(src, dst)


def copy_tree(src: Path, dst: Path, skip: frozenset[str] | set[str] = frozenset()) -> None:
    """Copy every file under ``src`` to the same place under ``dst``, except names in ``skip``."""
    for path in sorted(src.rglob("*")):
        if path.name in skip:
            continue
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_file(path, target)
