"""Signed provenance for datasets: an in-toto statement in a DSSE envelope.

Signing a dataset writes ``provenance.intoto.jsonl`` next to ``manifest.json``: a DSSE
envelope whose payload is an in-toto Statement v1 with a SLSA Provenance v1 predicate. Its
subjects are every data file and the manifest, each with its SHA-256; the predicate records
the config, seed, engine and library versions. Keys are ECDSA P-256 (the default, as used by
cosign) or Ed25519, stored as PEM files::

    from aleatoric.provenance import generate_key, sign_dataset, verify_dataset

    private, public = generate_key("signing.key")
    sign_dataset("data/btc", private)
    report = verify_dataset("data/btc", public)
"""

from aleatoric.provenance._dataset import VerifyReport, sign_dataset, verify_dataset
from aleatoric.provenance._dsse import PAYLOAD_TYPE, sign_envelope, verify_envelope
from aleatoric.provenance._errors import ProvenanceError
from aleatoric.provenance._files import PROVENANCE_NAME
from aleatoric.provenance._keys import (
    generate_key,
    key_id,
    load_private_key,
    load_public_key,
)
from aleatoric.provenance._statement import PREDICATE_TYPE, build_statement

__all__ = [
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "PROVENANCE_NAME",
    "ProvenanceError",
    "VerifyReport",
    "build_statement",
    "generate_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "sign_dataset",
    "sign_envelope",
    "verify_dataset",
    "verify_envelope",
]
