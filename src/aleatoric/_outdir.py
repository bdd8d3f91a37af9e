"""Claim an output directory for one run, and clean up what dead runs left next to it.

A run claims ``OUT`` by creating ``.OUT.claim`` exclusively (``O_CREAT | O_EXCL``) with its
``host:pid``; a second run to the same ``OUT`` fails at once instead of silently replacing
the first run's dataset at the end. A claim or a temporary ``.OUT.partial-*`` / ``.OUT.old-*``
directory whose process no longer exists on this host is stale and removed by the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

from aleatoric.errors import OutputExistsError

__all__ = [
    "OutputClaim",
    "OutputExistsError",
    "locked_dir",
    "partial_dir",
    "remove_stale",
    "replace_dir",
]


@contextlib.contextmanager
def locked_dir(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (``flock`` on its descriptor; no file left)."""
    try:
        import fcntl
    except ImportError:  # no flock: renames stay atomic, concurrent replacements are rare
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _dead(host: str, pid: str) -> bool:
    # Only a process of this host can be checked; others are left alone.
    if host != _host() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def partial_dir(target: Path, kind: str = "partial") -> Path:
    """Return a fresh temporary name next to ``target`` that records this process."""
    return target.parent / f".{target.name}.{kind}-{_host()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def replace_dir(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``; an old ``target`` is moved aside first, removed afterwards.

    Readers see the old directory or the new one, never a mix; the caller holds
    :func:`locked_dir` on the parent so that runs replacing the same target take turns.
    """
    old: Path | None = None
    if target.exists():
        old = partial_dir(target, "old")
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_stale(target: Path) -> list[Path]:
    """Remove temporary directories of ``target`` left by dead processes; return them."""
    removed: list[Path] = []
    if not target.parent.is_dir():
        return removed
    for kind in ("partial", "old"):
        for path in target.parent.glob(f".{target.name}.{kind}-*"):
            parts = path.name.rsplit(".", 1)[-1].split("-")
            if len(parts) == 4 and _dead(parts[1], parts[2]):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


class OutputClaim:
    """Exclusive claim of an output directory for the life of one run (a context manager).

    ``shared=True`` (``--overwrite``) records the run without requiring exclusivity: a run
    that replaces the output on purpose may run beside another.
    """

    def __init__(self, target: Path, *, shared: bool = False) -> None:
        self.target = target
        self.path = target.parent / f".{target.name}.claim"
        self.shared = shared
        self._owned = False

    def _owner(self) -> str:
        return f"{_host()}:{os.getpid()}"

    def acquire(self) -> None:
        """Claim the output; raise FileExistsError naming the live owner otherwise."""
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    owner = self.path.read_text().strip()
                except OSError:
                    owner = ""
                host, _, pid = owner.partition(":")
                if owner and _dead(host, pid):
                    with contextlib.suppress(FileNotFoundError):
                        self.path.unlink()
                    continue
                if self.shared:
                    return
                raise OutputExistsError(
                    f"{self.target} is being written by another run (process {pid or '?'}); "
                    f"wait for it, or pass overwrite to replace its output"
                ) from None
            with os.fdopen(fd, "w") as fh:
                fh.write(self._owner())
            self._owned = True
            return

    def release(self) -> None:
        """Remove the claim if this run holds it."""
        if self._owned:
            with contextlib.suppress(FileNotFoundError):
                if self.path.read_text().strip() == self._owner():
                    self.path.unlink()
            self._owned = False

    def __enter__(self) -> OutputClaim:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()
