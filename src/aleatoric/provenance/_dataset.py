"""Sign a dataset directory and verify it: every byte, every file, nothing added.

``sign_dataset`` writes ``provenance.intoto.jsonl`` at the dataset root: one line, a DSSE
envelope whose payload is the in-toto statement listing every file with its SHA-256.
``verify_dataset`` checks the signature, then every file against the statement, then the
manifest against the files.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aleatoric.provenance._dsse import sign_envelope, verify_envelope
from aleatoric.provenance._errors import ProvenanceError
from aleatoric.provenance._files import (
    MANIFEST_NAME,
    PROVENANCE_NAME,
    dataset_files,
    read_manifest,
    sha256_of,
)
from aleatoric.provenance._keys import (
    PrivateKey,
    PublicKey,
    key_id,
    load_private_key,
    load_public_key,
)
from aleatoric.provenance._statement import build_statement, canonical_json, subject_digests

__all__ = [
    "PROVENANCE_NAME",
    "VerifyReport",
    "read_envelope",
    "sign_dataset",
    "sign_dataset_with",
    "verify_dataset",
    "verify_dataset_with",
]


@dataclass(frozen=True)
class VerifyReport:
    """What a successful verification checked: the dataset, the key and the files."""

    root: Path
    key_id: str
    subjects: tuple[str, ...]
    statement: dict[str, Any]

    @property
    def files(self) -> int:
        """Return the number of files verified, ``manifest.json`` included."""
        return len(self.subjects)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # a signature is public; mkstemp creates files with mode 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sign_dataset_with(root: str | os.PathLike[str], private_key: PrivateKey) -> Path:
    """Sign the dataset at ``root`` with a loaded private key; see :func:`sign_dataset`."""
    base = Path(root)
    statement = build_statement(base)
    envelope = sign_envelope(statement, private_key)
    target = base / PROVENANCE_NAME
    _write_atomic(target, canonical_json(envelope) + b"\n")
    return target


def sign_dataset(root: str | os.PathLike[str], key_path: str | os.PathLike[str]) -> Path:
    """Sign the dataset at ``root``; write and return ``root/provenance.intoto.jsonl``.

    The file is written to a temporary name and renamed into place, so it is either the old
    one or the complete new one. An existing signature is replaced.

    Parameters
    ----------
    root
        The dataset directory (with ``manifest.json``).
    key_path
        The PEM private key (ECDSA P-256 or Ed25519) to sign with.

    Raises
    ------
    ProvenanceError
        If the key cannot be used, or the dataset differs from its manifest (a file missing,
        extra or with another SHA-256): such a dataset would never verify.
    """
    return sign_dataset_with(root, load_private_key(key_path))


def read_envelope(root: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the DSSE envelope stored in ``root/provenance.intoto.jsonl``.

    Raises
    ------
    ProvenanceError
        If the file is missing or does not hold exactly one JSON object line.
    """
    path = Path(root) / PROVENANCE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProvenanceError(f"{PROVENANCE_NAME}: not found; the dataset is not signed") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvenanceError(f"{PROVENANCE_NAME}: cannot read ({exc})") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ProvenanceError(f"{PROVENANCE_NAME}: expected one envelope line, found {len(lines)}")
    try:
        envelope = json.loads(lines[0])
    except json.JSONDecodeError:
        raise ProvenanceError(f"{PROVENANCE_NAME}: not valid JSON") from None
    if not isinstance(envelope, dict):
        raise ProvenanceError(f"{PROVENANCE_NAME}: not a JSON object")
    return envelope


def _check_manifest(base: Path, statement: dict[str, Any], actual: dict[str, str]) -> list[str]:
    # The manifest's own digest has been verified; now it must agree with the files. It is
    # read again here, so its digest is checked again on the very bytes that are parsed.
    manifest, digest = read_manifest(base)
    if digest != actual[MANIFEST_NAME]:
        return [f"{MANIFEST_NAME}: sha256 mismatch"]
    problems: list[str] = []
    for i, entry in enumerate(manifest.file_entries):
        path = entry.path
        where = f"{MANIFEST_NAME}: files[{i}] ({path})"
        if path not in actual:
            problems.append(f"{where}: file is not in the provenance statement")
        elif entry.sha256 != actual[path]:
            problems.append(f"{where}: sha256 does not match the file")
        elif (
            entry.bytes is not None
            and entry.bytes != base.joinpath(*path.split("/")).stat().st_size
        ):
            problems.append(f"{where}: bytes does not match the file size")
    external: Any = statement
    for key in ("predicate", "buildDefinition", "externalParameters"):
        external = external.get(key) if isinstance(external, dict) else None
    if not isinstance(external, dict):
        external = {}
    for field in ("config", "seed"):
        if external.get(field) != getattr(manifest, field):
            problems.append(
                f"statement: predicate.buildDefinition.externalParameters.{field} "
                f"does not match {MANIFEST_NAME}"
            )
    return problems


def verify_dataset_with(root: str | os.PathLike[str], public_key: PublicKey) -> VerifyReport:
    """Verify the dataset at ``root`` with a loaded public key; see :func:`verify_dataset`."""
    base = Path(root)
    if not base.is_dir():
        raise ProvenanceError(f"{base}: not a directory")
    statement = verify_envelope(read_envelope(base), public_key)
    signed = subject_digests(statement)
    present = set(dataset_files(base))
    problems: list[str] = []
    actual: dict[str, str] = {}
    if MANIFEST_NAME not in signed:
        problems.append(f"{MANIFEST_NAME}: not a subject of the provenance statement")
    for name in sorted(signed):
        if name not in present:
            problems.append(f"{name}: missing (signed, but not on disk)")
            continue
        actual[name] = sha256_of(base, name)
        if actual[name] != signed[name]:
            problems.append(f"{name}: sha256 mismatch")
    extra = sorted(present - signed.keys())
    problems += [f"extra file not in provenance: {name}" for name in extra]
    if not problems:
        problems = _check_manifest(base, statement, actual)
    if problems:
        raise ProvenanceError(problems)
    return VerifyReport(base, key_id(public_key), tuple(sorted(signed)), statement)


def verify_dataset(
    root: str | os.PathLike[str], public_key_path: str | os.PathLike[str]
) -> VerifyReport:
    """Verify the signed dataset at ``root`` against the public key at ``public_key_path``.

    Checks, in order: the envelope's payload type and signature; then every subject of the
    statement exists with the signed SHA-256 (``manifest.json`` included); then no other
    file exists under ``root`` (only ``provenance.intoto.jsonl`` itself is exempt); then
    every ``files`` entry of the manifest matches the file's SHA-256 and size.

    Returns
    -------
    VerifyReport
        The key id and the verified file names.

    Raises
    ------
    ProvenanceError
        On the first failing stage, with every problem of that stage in ``problems``, each
        naming its file or field, e.g. ``"extra file not in provenance: x.parquet"``.
    """
    return verify_dataset_with(root, load_public_key(public_key_path))
