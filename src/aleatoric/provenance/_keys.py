"""Create and load signing keys: ECDSA P-256 or Ed25519, as unencrypted PEM files.

The private key is PKCS#8 PEM, created with mode 0600 (never readable by others, not even
for a moment); the public key is SubjectPublicKeyInfo PEM next to it, with ``.pub`` appended
to the name. A key id is the hex SHA-256 of the DER-encoded public key.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal, TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from aleatoric.provenance._errors import ProvenanceError

__all__ = [
    "ALGORITHMS",
    "Algorithm",
    "PrivateKey",
    "PublicKey",
    "generate_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "public_key_path",
]

Algorithm: TypeAlias = Literal["ecdsa-p256", "ed25519"]
#: The supported signing algorithms, the default first.
ALGORITHMS: tuple[Algorithm, ...] = ("ecdsa-p256", "ed25519")

PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey: TypeAlias = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def public_key_path(path: str | os.PathLike[str]) -> Path:
    """Return where :func:`generate_key` writes the public key for private key ``path``."""
    return Path(f"{os.fspath(path)}.pub")


def key_id(public_key: PublicKey) -> str:
    """Return the key id of ``public_key``: the hex SHA-256 of its DER SubjectPublicKeyInfo."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _new_private_key(algorithm: Algorithm) -> PrivateKey:
    if algorithm == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown algorithm {algorithm!r}; allowed: {', '.join(ALGORITHMS)}")


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL: never overwrite or follow an existing name. The mode is given to open(), so the
    # file never exists with wider permissions; fchmod then sets it exactly despite the umask.
    fd = os.open(path, _CREATE, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def generate_key(
    path: str | os.PathLike[str], *, algorithm: Algorithm = "ecdsa-p256"
) -> tuple[Path, Path]:
    """Create a new key pair: the private key at ``path``, the public key at ``path.pub``.

    Parameters
    ----------
    path
        Where to write the private key (PKCS#8 PEM, unencrypted, mode 0600).
    algorithm
        ``"ecdsa-p256"`` (ECDSA on NIST P-256 with SHA-256, the default) or ``"ed25519"``.

    Returns
    -------
    tuple of Path
        The private and the public key paths.

    Raises
    ------
    FileExistsError
        If either file exists already; existing keys are never overwritten.
    ValueError
        If ``algorithm`` is not supported.
    """
    private_path = Path(path)
    public_path = public_key_path(path)
    for p in (private_path, public_path):
        if p.exists() or p.is_symlink():
            raise FileExistsError(f"{p} exists; refusing to overwrite a key")
    key = _new_private_key(algorithm)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(
        private_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        0o600,
    )
    try:
        _write_new(public_path, public_pem, 0o644)
    except BaseException:
        private_path.unlink(missing_ok=True)
        raise
    return private_path, public_path


def _unsupported(key: object, path: Path, kind: str) -> ProvenanceError:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        what = f"curve {key.curve.name}"
    else:
        what = f"{kind} key type {type(key).__name__}"
    return ProvenanceError(f"{path}: unsupported {what}; allowed: {', '.join(ALGORITHMS)}")


def _read_key_file(path: Path, kind: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ProvenanceError(f"{path}: no such {kind} key file") from None
    except OSError as exc:
        raise ProvenanceError(f"{path}: cannot read {kind} key ({exc.strerror})") from None


def load_private_key(path: str | os.PathLike[str]) -> PrivateKey:
    """Return the unencrypted PEM private key at ``path`` (ECDSA P-256 or Ed25519).

    Raises
    ------
    ProvenanceError
        If the file is missing or unreadable, is not an unencrypted PEM private key, or holds
        another key type. The message never contains key material.
    """
    p = Path(path)
    data = _read_key_file(p, "private")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ProvenanceError(f"{p}: encrypted private keys are not supported") from None
    except (ValueError, UnsupportedAlgorithm):
        raise ProvenanceError(f"{p}: not a PEM private key") from None
    if isinstance(key, ed25519.Ed25519PrivateKey) or (
        isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    ):
        return key
    raise _unsupported(key, p, "private")


def load_public_key(path: str | os.PathLike[str]) -> PublicKey:
    """Return the PEM (SubjectPublicKeyInfo) public key at ``path`` (ECDSA P-256 or Ed25519).

    Raises
    ------
    ProvenanceError
        If the file is missing or unreadable, is not a PEM public key, or holds another key
        type.
    """
    p = Path(path)
    data = _read_key_file(p, "public")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        if b"PRIVATE KEY" in data:
            raise ProvenanceError(f"{p}: is a private key; pass the public key") from None
        raise ProvenanceError(f"{p}: not a PEM public key") from None
    if isinstance(key, ed25519.Ed25519PublicKey) or (
        isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    ):
        return key
    raise _unsupported(key, p, "public")
