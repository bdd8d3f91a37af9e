"""Move segment entries between caches as bytes: serve them, verify them, install them.

A segment entry is ``segments/<key[:2]>/<key>.npz`` plus a ``.sha256`` sidecar holding the
digest of the file's bytes. Serving reads both and checks one against the other; installing
writes the file under a temporary name, verifies it and renames it into place before the
sidecar, so a reader never sees a half-written entry.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path

from aleatoric.cache._store import CacheStore
from aleatoric.errors import SegmentDigestError

__all__ = ["SEGMENT_KEY", "SegmentDigestError", "install_segment", "read_segment"]

#: A segment key: the SHA-256 of what determines the segment, 64 lower-case hex digits.
SEGMENT_KEY = re.compile(r"^[0-9a-f]{64}$")


def _paths(store: CacheStore, key: str) -> tuple[Path, Path]:
    if not SEGMENT_KEY.match(key):
        raise ValueError(f"not a segment key: {key!r}")
    path = store._segment_path(key)  # the store's layout, kept in one place
    return path, path.with_suffix(".sha256")


def read_segment(store: CacheStore, key: str) -> tuple[bytes, str] | None:
    """Return ``(bytes, sha256)`` of a cached segment, or None when absent or corrupt.

    The digest is recomputed and compared with the sidecar, so a caller never serves an
    entry that was damaged on disk or replaced while it was read.
    """
    path, sidecar = _paths(store, key)
    for _ in range(3):
        try:
            expected = sidecar.read_text().strip()
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        digest = hashlib.sha256(data).hexdigest()
        if digest == expected:
            return data, digest
    return None


def install_segment(store: CacheStore, key: str, data: bytes, sha256: str) -> Path:
    """Write a segment entry received as bytes into ``store``; return its path.

    Raises
    ------
    SegmentDigestError
        If ``data`` does not hash to ``sha256``; nothing is written then.
    """
    path, sidecar = _paths(store, key)
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256.lower():
        raise SegmentDigestError(f"segment {key[:16]}: sha256 {digest}, expected {sha256}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.npz")
    tmp.write_bytes(data)
    side_tmp = sidecar.with_name(f".{sidecar.name}.{uuid.uuid4().hex[:8]}")
    side_tmp.write_text(digest + "\n")
    with store._lock(key):  # the lock CacheStore.get_segment takes
        os.replace(tmp, path)
        os.replace(side_tmp, sidecar)
    return path
