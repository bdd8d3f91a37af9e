"""The in-toto Statement (v1) with a SLSA Provenance (v1) predicate describing a dataset.

Subjects are every file the manifest lists plus ``manifest.json`` itself, sorted by name. The
predicate records what determines the bytes: the config and seed (external parameters) and
the engine and library versions (internal parameters). Serialization is canonical (sorted
keys, compact separators), so the same dataset always yields the same statement bytes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aleatoric.dataset import Manifest
from aleatoric.provenance._errors import ProvenanceError
from aleatoric.provenance._files import MANIFEST_NAME, dataset_files, read_manifest, sha256_of

__all__ = [
    "BUILDER_ID",
    "BUILD_TYPE",
    "PREDICATE_TYPE",
    "STATEMENT_TYPE",
    "build_statement",
    "canonical_json",
    "statement_for",
    "subject_digests",
]

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://aleatoric.dev/dataset/v1"
BUILDER_ID = "https://aleatoric.dev/builder/local/v1"


def canonical_json(document: Any) -> bytes:
    """Serialize ``document`` as UTF-8 JSON with sorted keys and compact separators."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def statement_for(
    manifest: Manifest | Mapping[str, Any], digests: Mapping[str, str]
) -> dict[str, Any]:
    """Return the statement for a manifest and the SHA-256 of each subject file.

    Parameters
    ----------
    manifest
        The parsed ``manifest.json`` (or its JSON document).
    digests
        Hex SHA-256 per relative POSIX path, for every data file and ``manifest.json``.
    """
    if isinstance(manifest, Manifest):
        manifest = manifest.document()
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": name, "digest": {"sha256": digests[name]}} for name in sorted(digests)
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {"config": manifest["config"], "seed": manifest["seed"]},
                "internalParameters": {
                    "engine": manifest["engine"],
                    "libraries": manifest["libraries"],
                },
            },
            "runDetails": {"builder": {"id": BUILDER_ID}, "metadata": {}},
        },
    }


def build_statement(root: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the provenance statement for the dataset at ``root``, hashing every file.

    The dataset must be exactly what its manifest says: every listed file present with the
    listed SHA-256, and no other file (besides ``manifest.json`` and an existing provenance
    file). A statement over anything else would never verify.

    Raises
    ------
    ProvenanceError
        Naming every file that is missing, extra or different from the manifest.
    """
    base = Path(root)
    manifest, manifest_sha256 = read_manifest(base)
    present = set(dataset_files(base))
    listed: dict[str, str] = {}
    problems: list[str] = []
    for entry in manifest.file_entries:
        path = entry.path
        if path == MANIFEST_NAME:
            problems.append(f"{MANIFEST_NAME}: lists itself among its files")
            continue
        if path in listed:
            problems.append(f"{MANIFEST_NAME}: file {path} listed twice")
        listed[path] = entry.sha256
    digests: dict[str, str] = {}
    for path in sorted(listed):
        if path not in present:
            problems.append(f"{path}: listed in {MANIFEST_NAME} but missing")
            continue
        digests[path] = sha256_of(base, path)
        if digests[path] != listed[path]:
            problems.append(f"{path}: sha256 mismatch with {MANIFEST_NAME}")
    problems += [
        f"extra file not in {MANIFEST_NAME}: {path}"
        for path in sorted(present - listed.keys() - {MANIFEST_NAME})
    ]
    if problems:
        raise ProvenanceError(problems)
    digests[MANIFEST_NAME] = manifest_sha256
    return statement_for(manifest, digests)


def subject_digests(statement: Mapping[str, Any]) -> dict[str, str]:
    """Return the SHA-256 per subject name of a statement, checking its type and shape.

    Raises
    ------
    ProvenanceError
        If ``_type`` or ``predicateType`` is not the expected one, or the subjects are not a
        list of uniquely named entries with a SHA-256 digest.
    """
    if statement.get("_type") != STATEMENT_TYPE:
        raise ProvenanceError(
            f"statement: _type is {statement.get('_type')!r}, expected {STATEMENT_TYPE!r}"
        )
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise ProvenanceError(
            f"statement: predicateType is {statement.get('predicateType')!r}, "
            f"expected {PREDICATE_TYPE!r}"
        )
    subjects = statement.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise ProvenanceError("statement: subject must be a non-empty list")
    digests: dict[str, str] = {}
    for i, subject in enumerate(subjects):
        name = subject.get("name") if isinstance(subject, dict) else None
        digest = subject.get("digest") if isinstance(subject, dict) else None
        sha = digest.get("sha256") if isinstance(digest, dict) else None
        if not isinstance(name, str) or not isinstance(sha, str):
            raise ProvenanceError(f"statement: subject[{i}] needs a name and a sha256 digest")
        if name in digests:
            raise ProvenanceError(f"statement: subject {name} appears twice")
        digests[name] = sha
    return digests
