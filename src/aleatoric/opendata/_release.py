"""The release document (``release.json``) and the release-wide signature.

A release directory holds two datasets (``data/``, ``captures/``), the scorecards, the
dataset card and ``release.json``, which lists every other file with its SHA-256 and size.
The signature (``provenance.intoto.jsonl`` at the release root) is an in-toto statement in a
DSSE envelope, the format of :mod:`aleatoric.provenance`, whose subjects are every file of
the release; its external parameters are what a rebuild needs (date, seed, duration and the
universe version).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aleatoric.errors import DatasetError, ProvenanceError
from aleatoric.provenance import PROVENANCE_NAME, sign_envelope, verify_envelope
from aleatoric.provenance._dataset import read_envelope
from aleatoric.provenance._files import dataset_files, sha256_of
from aleatoric.provenance._keys import PrivateKey, PublicKey, key_id
from aleatoric.provenance._statement import PREDICATE_TYPE, STATEMENT_TYPE, subject_digests

__all__ = [
    "BUILD_TYPE",
    "RELEASE_FORMAT",
    "RELEASE_NAME",
    "check_files",
    "read_release",
    "release_bytes",
    "release_statement",
    "sign_release",
    "verify_signature",
]

RELEASE_NAME = "release.json"
RELEASE_FORMAT = "aleatoric-opendata/1"
BUILD_TYPE = "https://aleatoric.dev/opendata/v1"
BUILDER_ID = "https://aleatoric.dev/builder/opendata/v1"
#: What a rebuild needs, copied from release.json into the signed statement.
REBUILD_FIELDS = ("date", "seed", "duration", "universe_version")


def release_bytes(document: dict[str, Any]) -> bytes:
    """Return the bytes of ``release.json``: sorted keys, two-space indent, final newline."""
    return (json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n").encode()


def read_release(root: Path) -> dict[str, Any]:
    """Return the parsed ``release.json`` of the release at ``root``.

    Raises
    ------
    DatasetError
        If ``root`` is not a release: no directory, no or unreadable ``release.json``, or a
        document of another format.
    """
    if not root.is_dir():
        raise DatasetError(f"{root}: not a directory")
    try:
        document = json.loads((root / RELEASE_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{root}: no {RELEASE_NAME}; not an OpenData release") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{RELEASE_NAME}: cannot read ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != RELEASE_FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        raise DatasetError(f"{RELEASE_NAME}: format must be {RELEASE_FORMAT!r}, was {found!r}")
    files = document.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("path"), str) for f in files
    ):
        raise DatasetError(f"{RELEASE_NAME}: files must be a list of {{path, sha256, bytes}}")
    return document


def check_files(root: Path, document: dict[str, Any]) -> list[str]:
    """Return every difference between the files at ``root`` and ``release.json``'s list.

    Each problem names its file: missing, changed (SHA-256 or size), or not listed.
    """
    listed = {f["path"]: f for f in document["files"]}
    present = set(dataset_files(root)) - {RELEASE_NAME}
    problems: list[str] = []
    for path in sorted(listed):
        if path not in present:
            problems.append(f"{path}: missing (listed in {RELEASE_NAME})")
            continue
        entry = listed[path]
        if sha256_of(root, path) != entry.get("sha256"):
            problems.append(f"{path}: sha256 mismatch")
        elif root.joinpath(*path.split("/")).stat().st_size != entry.get("bytes"):
            problems.append(f"{path}: size differs from {RELEASE_NAME}")
    problems += [f"{path}: not listed in {RELEASE_NAME}" for path in sorted(present - set(listed))]
    return problems


def release_statement(root: Path, document: dict[str, Any]) -> dict[str, Any]:
    """Return the in-toto statement over every file of the release at ``root``."""
    digests = {path: sha256_of(root, path) for path in dataset_files(root)}
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": n, "digest": {"sha256": digests[n]}} for n in sorted(digests)],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {k: document[k] for k in REBUILD_FIELDS},
                "internalParameters": {
                    "engine": document["engine"],
                    "libraries": document["libraries"],
                },
            },
            "runDetails": {"builder": {"id": BUILDER_ID}, "metadata": {}},
        },
    }


def sign_release(root: Path, document: dict[str, Any], key: PrivateKey) -> None:
    """Sign the release at ``root``: write ``provenance.intoto.jsonl`` at its root."""
    from aleatoric.provenance._statement import canonical_json

    envelope = sign_envelope(release_statement(root, document), key)
    (root / PROVENANCE_NAME).write_bytes(canonical_json(envelope) + b"\n")


def verify_signature(root: Path, document: dict[str, Any], key: PublicKey) -> str:
    """Check the release signature at ``root`` with ``key``; return the key id.

    Raises
    ------
    ProvenanceError
        If the envelope does not verify, or a signed file is missing, changed or extra, or
        the signed rebuild parameters differ from ``release.json``'s.
    """
    statement = verify_envelope(read_envelope(root), key)
    signed = subject_digests(statement)
    present = set(dataset_files(root))
    problems = [
        f"{name}: missing (signed, but not on disk)" for name in sorted(signed.keys() - present)
    ]
    problems += [
        f"{name}: sha256 mismatch"
        for name in sorted(signed.keys() & present)
        if sha256_of(root, name) != signed[name]
    ]
    problems += [f"extra file not in provenance: {n}" for n in sorted(present - signed.keys())]
    external = statement.get("predicate", {}).get("buildDefinition", {})
    external = external.get("externalParameters", {}) if isinstance(external, dict) else {}
    problems += [
        f"statement: externalParameters.{k} does not match {RELEASE_NAME}"
        for k in REBUILD_FIELDS
        if external.get(k) != document.get(k)
    ]
    if statement.get("predicate", {}).get("buildDefinition", {}).get("buildType") != BUILD_TYPE:
        problems.append(f"statement: buildType is not {BUILD_TYPE!r}; not an OpenData release")
    if problems:
        raise ProvenanceError(problems)
    return key_id(key)
