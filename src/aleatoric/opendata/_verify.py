"""Check a downloaded release: signature, every digest, and optionally a rebuild.

A release can be checked in a directory or at a URL (static hosting): from a URL,
``release.json``, the signature and every listed file are downloaded into a temporary
directory first, so the checks are the same.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from aleatoric.errors import DatasetError, ProvenanceError
from aleatoric.opendata._release import RELEASE_NAME, check_files, read_release, verify_signature
from aleatoric.opendata._universe import parse_date, release_duration, universe_from_release
from aleatoric.provenance import PROVENANCE_NAME
from aleatoric.provenance._dataset import verify_dataset_with
from aleatoric.provenance._files import dataset_files, sha256_of
from aleatoric.provenance._keys import PublicKey, load_public_key

__all__ = ["DATA_DIRS", "VerifyResult", "verify_release"]

#: The datasets of a release, each with its own manifest and signature.
DATA_DIRS = ("data", "captures")


@dataclass(frozen=True)
class VerifyResult:
    """What was checked: the files, the key (when a signature was checked), the rebuild."""

    date: str
    files: int
    key_id: str | None = None
    rebuilt: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether every check passed."""
        return not self.problems


def _download(url: str, into: Path) -> None:
    base = url.rstrip("/") + "/"

    def get(rel: str, required: bool = True) -> None:
        dest = into.joinpath(*rel.split("/"))
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with urllib.request.urlopen(base + rel, timeout=60) as answer, dest.open("wb") as fh:
                shutil.copyfileobj(answer, fh)
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and not required:
                return
            raise DatasetError(f"{base}{rel}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise DatasetError(f"{base}{rel}: cannot download ({exc})") from None

    get(RELEASE_NAME)
    document = read_release(into)
    get(PROVENANCE_NAME, required=False)
    for entry in document["files"]:
        path = entry["path"]
        if path.startswith("/") or ".." in path.split("/"):
            raise DatasetError(f"{RELEASE_NAME}: files: path {path!r} leaves the release")
        get(path)


def verify_release(
    source: str, key: str | Path | None, *, rebuild: bool = False, workers: int = 1
) -> VerifyResult:
    """Verify the release at ``source`` (a directory or an http(s) URL).

    Checks every file against ``release.json``; with ``key`` (a public key file) the
    release's signature and each dataset's own; with ``rebuild`` rebuilds the day in a
    temporary directory and compares every data file byte for byte.

    Raises
    ------
    DatasetError
        If ``source`` is not a release (or cannot be downloaded).
    ProvenanceError
        If ``key`` cannot be read.
    """
    public = load_public_key(key) if key is not None else None
    if source.startswith(("http://", "https://")):
        with tempfile.TemporaryDirectory(prefix="aleatoric-opendata-") as scratch:
            _download(source, Path(scratch))
            return _verify(Path(scratch), public, rebuild, workers)
    return _verify(Path(source), public, rebuild, workers)


def _verify(root: Path, public: PublicKey | None, rebuild: bool, workers: int) -> VerifyResult:
    document = read_release(root)
    problems = check_files(root, document)
    kid = None
    if public is not None and not problems:
        try:
            kid = verify_signature(root, document, public)
            for sub in DATA_DIRS:
                verify_dataset_with(root / sub, public)
        except ProvenanceError as exc:
            problems += exc.problems
    rebuilt = None
    if rebuild and not problems:
        rebuilt, differ = _rebuild_and_compare(root, document, workers)
        problems += differ
    return VerifyResult(document.get("date", "?"), len(document["files"]), kid, rebuilt, problems)


def _data_digests(root: Path) -> dict[str, str]:
    return {
        f"{sub}/{p}": sha256_of(root / sub, p)
        for sub in DATA_DIRS
        for p in dataset_files(root / sub)
    }


def _rebuild_and_compare(
    root: Path, document: dict[str, object], workers: int
) -> tuple[int, list[str]]:
    from aleatoric.opendata._build import build_release

    spec = universe_from_release(document.get("universe"))
    day = parse_date(str(document["date"]))
    duration = release_duration(str(document["duration"]))
    with tempfile.TemporaryDirectory(prefix="aleatoric-rebuild-") as scratch:
        built = build_release(day, scratch, duration_ns=duration, workers=workers, spec=spec)
        mine, theirs = _data_digests(built.path), _data_digests(root)
    problems = [
        f"{p}: differs from the rebuild"
        for p in sorted(p for p in mine if p in theirs and mine[p] != theirs[p])
    ]
    problems += [
        f"{p}: missing from the release (the rebuild has it)"
        for p in sorted(mine.keys() - theirs.keys())
    ]
    problems += [f"{p}: not in the rebuild" for p in sorted(theirs.keys() - mine.keys())]
    return len(mine), problems
