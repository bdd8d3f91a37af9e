"""Sign and verify DSSE envelopes (Dead Simple Signing Envelope, v1) holding a statement.

The signature covers ``PAE(payloadType, payload)``::

    "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

with lengths as ASCII decimal byte counts. ECDSA P-256 signs with SHA-256 and a DER-encoded
signature; Ed25519 signs the raw PAE bytes. ``keyid`` is the hex SHA-256 of the signer's DER
public key; as the DSSE spec says, it is a hint, never trusted on its own.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from aleatoric.provenance._errors import ProvenanceError
from aleatoric.provenance._keys import PrivateKey, PublicKey, key_id
from aleatoric.provenance._statement import canonical_json

__all__ = ["PAYLOAD_TYPE", "pae", "sign_envelope", "verify_envelope"]

#: The DSSE payload type of an in-toto statement.
PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """Return the DSSE v1 pre-authentication encoding of a payload type and payload."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def _sign(private_key: PrivateKey, message: bytes) -> bytes:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(message)
    return private_key.sign(message, ec.ECDSA(hashes.SHA256()))


def _verifies(public_key: PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        if isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, message)
        else:
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def _b64decode(value: str, field: str) -> bytes:
    # DSSE allows standard or URL-safe base64; anything outside the alphabet is rejected.
    try:
        altchars = b"-_" if "-" in value or "_" in value else None
        return base64.b64decode(value.encode("ascii"), altchars=altchars, validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ProvenanceError(f"envelope: {field} is not valid base64") from None


def sign_envelope(statement: Mapping[str, Any], private_key: PrivateKey) -> dict[str, Any]:
    """Return a DSSE envelope over the canonical JSON of ``statement``, signed by one key.

    Parameters
    ----------
    statement
        The in-toto statement; serialized with sorted keys and compact separators.
    private_key
        An ECDSA P-256 or Ed25519 private key.

    Returns
    -------
    dict
        ``{"payloadType", "payload", "signatures": [{"keyid", "sig"}]}``, ready for
        ``json.dumps``.
    """
    body = canonical_json(statement)
    signature = _sign(private_key, pae(PAYLOAD_TYPE, body))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(body).decode("ascii"),
        "signatures": [
            {
                "keyid": key_id(private_key.public_key()),
                "sig": base64.b64encode(signature).decode("ascii"),
            }
        ],
    }


def verify_envelope(envelope: Mapping[str, Any], public_key: PublicKey) -> dict[str, Any]:
    """Check that ``public_key`` signed ``envelope``; return the statement it carries.

    A signature counts if its ``keyid`` is absent, empty or equal to the key's id and it
    verifies over the PAE of the payload type and payload. One such signature is enough.

    Raises
    ------
    ProvenanceError
        If the envelope is malformed, its payloadType is not the in-toto type, no signature
        verifies with the key, or the payload is not a JSON object.
    """
    kind = envelope.get("payloadType")
    payload = envelope.get("payload")
    signatures = envelope.get("signatures")
    if not isinstance(kind, str) or not isinstance(payload, str):
        raise ProvenanceError("envelope: payloadType and payload must be strings")
    if kind != PAYLOAD_TYPE:
        raise ProvenanceError(f"envelope: payloadType is {kind!r}, expected {PAYLOAD_TYPE!r}")
    if not isinstance(signatures, list) or not signatures:
        raise ProvenanceError("envelope: signatures must be a non-empty list")
    body = _b64decode(payload, "payload")
    message = pae(kind, body)
    expected = key_id(public_key)
    others: list[str] = []
    verified = False
    for i, entry in enumerate(signatures):
        if not isinstance(entry, dict) or not isinstance(entry.get("sig"), str):
            raise ProvenanceError(f"envelope: signatures[{i}] needs a sig string")
        keyid = entry.get("keyid") or ""
        if not isinstance(keyid, str):
            raise ProvenanceError(f"envelope: signatures[{i}].keyid must be a string")
        if keyid and keyid != expected:
            others.append(keyid)
            continue
        if _verifies(public_key, _b64decode(entry["sig"], f"signatures[{i}].sig"), message):
            verified = True
            break
    if not verified:
        reason = (
            f": the envelope is signed only by key(s) {', '.join(others)}"
            if len(others) == len(signatures)
            else ""
        )
        raise ProvenanceError(f"signature does not verify with key {expected}{reason}")
    try:
        statement = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProvenanceError("envelope: payload is not UTF-8 JSON") from None
    if not isinstance(statement, dict):
        raise ProvenanceError("envelope: payload is not a JSON object")
    return statement
