"""Signed provenance: keys, DSSE envelopes, statements, signing and verifying datasets.

Real files throughout: one small dataset is generated per module and copied for each test
that signs or tampers with it. securesystemslib verifies our envelopes independently.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import CryptoSigner, SSlibKey

import aleatoric
from aleatoric.provenance import (
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    PROVENANCE_NAME,
    ProvenanceError,
    build_statement,
    generate_key,
    key_id,
    load_private_key,
    load_public_key,
    sign_dataset,
    sign_envelope,
    verify_dataset,
    verify_envelope,
)
from aleatoric.provenance._dsse import pae
from aleatoric.provenance._keys import Algorithm
from aleatoric.provenance._statement import canonical_json, statement_for

ALGORITHMS: tuple[Algorithm, ...] = ("ecdsa-p256", "ed25519")
TRADES = "trades/venue=binance/symbol=BTCUSDT/date=2026-01-01/part-00000.parquet"
TICKER = "ticker/venue=binance/symbol=BTCUSDT/date=2026-01-01/part-00000.parquet"
CLI = "from aleatoric.cli._provenance import register; import typer; app = typer.Typer(); "
CLI += "register(app); app()"


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny unsigned dataset; tests copy it before changing anything."""
    out = tmp_path_factory.mktemp("prov") / "ds"
    config = aleatoric.load_config(
        duration="5m", segment="5m", warmup="5m", seed=1, tables=("trades", "ticker", "funding")
    )
    aleatoric.generate(config, out)
    return out


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Two key pairs per algorithm: ``"<alg>"`` and ``"<alg>-other"``."""
    root = tmp_path_factory.mktemp("keys")
    out: dict[str, tuple[Path, Path]] = {}
    for alg in ALGORITHMS:
        for name in (alg, f"{alg}-other"):
            out[name] = generate_key(root / f"{name}.key", algorithm=alg)
    return out


@pytest.fixture(params=ALGORITHMS)
def alg(request: pytest.FixtureRequest) -> Algorithm:
    return cast(Algorithm, request.param)


@pytest.fixture
def copy_of(dataset: Path, tmp_path: Path) -> Path:
    """A private copy of the dataset."""
    return Path(shutil.copytree(dataset, tmp_path / "ds"))


@pytest.fixture
def signed(copy_of: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm) -> Path:
    """A private copy of the dataset, signed with the ``alg`` key."""
    sign_dataset(copy_of, keys[alg][0])
    return copy_of


def envelope_of(root: Path) -> dict[str, Any]:
    lines = (root / PROVENANCE_NAME).read_text().splitlines()
    assert len(lines) == 1
    envelope: dict[str, Any] = json.loads(lines[0])
    return envelope


def write_envelope(root: Path, envelope: dict[str, Any]) -> None:
    (root / PROVENANCE_NAME).write_text(json.dumps(envelope) + "\n")


def verify_fails(root: Path, public: Path) -> str:
    with pytest.raises(ProvenanceError) as info:
        verify_dataset(root, public)
    return str(info.value)


@pytest.fixture
def umask_0() -> Iterator[None]:
    """Run with the most permissive umask, so only the explicit mode protects the key."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


# --- keys ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("umask_0")
def test_keygen_writes_pkcs8_private_0600_and_spki_public(tmp_path: Path, alg: Algorithm) -> None:
    private, public = generate_key(tmp_path / "signing.key", algorithm=alg)
    assert private == tmp_path / "signing.key"
    assert public == tmp_path / "signing.key.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----\n")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----\n")
    priv = load_private_key(private)
    pub = load_public_key(public)
    assert priv.public_key() == pub
    der = pub.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert key_id(pub) == hashlib.sha256(der).hexdigest()


def test_keygen_defaults_to_ecdsa_p256(tmp_path: Path) -> None:
    private, _ = generate_key(tmp_path / "k")
    key = load_private_key(private)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(key.curve, ec.SECP256R1)


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    private, public = generate_key(tmp_path / "k")
    before = private.read_bytes()
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        generate_key(tmp_path / "k", algorithm="ed25519")
    assert private.read_bytes() == before
    public.unlink()
    with pytest.raises(FileExistsError):  # the private half alone blocks it too
        generate_key(tmp_path / "k")
    (tmp_path / "j.pub").write_text("x")
    with pytest.raises(FileExistsError):
        generate_key(tmp_path / "j")
    assert not (tmp_path / "j").exists()


def test_load_rejects_unusable_keys(tmp_path: Path, keys: dict[str, tuple[Path, Path]]) -> None:
    with pytest.raises(ProvenanceError, match="no such private key file"):
        load_private_key(tmp_path / "missing")
    with pytest.raises(ProvenanceError, match="no such public key file"):
        load_public_key(tmp_path / "missing")
    with pytest.raises(ProvenanceError, match="not a PEM private key"):
        load_private_key(keys["ed25519"][1])
    with pytest.raises(ProvenanceError, match="is a private key"):
        load_public_key(keys["ed25519"][0])
    p384 = ec.generate_private_key(ec.SECP384R1())
    path = tmp_path / "p384.key"
    path.write_bytes(
        p384.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ProvenanceError, match="unsupported curve secp384r1"):
        load_private_key(path)
    encrypted = tmp_path / "enc.key"
    encrypted.write_bytes(
        p384.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        )
    )
    with pytest.raises(ProvenanceError, match="encrypted private keys are not supported"):
        load_private_key(encrypted)


# --- DSSE and the statement ---------------------------------------------------------------


def test_pae_matches_the_dsse_spec_example() -> None:
    assert (
        pae("http://example.com/HelloWorld", b"hello world")
        == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    assert pae("t", b"") == b"DSSEv1 1 t 0 "
    assert pae("é", b"x") == b"DSSEv1 2 \xc3\xa9 1 x"  # lengths count bytes


def test_envelope_round_trip_and_shape(keys: dict[str, tuple[Path, Path]], alg: Algorithm) -> None:
    statement = {"_type": "https://in-toto.io/Statement/v1", "subject": [], "x": [1, "é"]}
    env = sign_envelope(statement, load_private_key(keys[alg][0]))
    public = load_public_key(keys[alg][1])
    assert set(env) == {"payloadType", "payload", "signatures"}
    assert env["payloadType"] == PAYLOAD_TYPE
    assert base64.b64decode(env["payload"]) == canonical_json(statement)
    assert env["signatures"] == [{"keyid": key_id(public), "sig": env["signatures"][0]["sig"]}]
    assert verify_envelope(env, public) == statement
    if alg == "ed25519":
        assert len(base64.b64decode(env["signatures"][0]["sig"])) == 64
    else:
        assert base64.b64decode(env["signatures"][0]["sig"])[0] == 0x30  # DER SEQUENCE


def test_envelope_rejects_tampering(keys: dict[str, tuple[Path, Path]], alg: Algorithm) -> None:
    env = sign_envelope({"a": 1}, load_private_key(keys[alg][0]))
    public = load_public_key(keys[alg][1])
    kid = key_id(public)
    bad = {**env, "payload": base64.b64encode(b'{"a":2}').decode()}
    with pytest.raises(ProvenanceError, match=f"signature does not verify with key {kid}$"):
        verify_envelope(bad, public)
    bad = {**env, "payloadType": "application/json"}
    with pytest.raises(ProvenanceError, match="payloadType is 'application/json', expected"):
        verify_envelope(bad, public)
    bad = {**env, "signatures": [{"keyid": "ab" * 32, "sig": env["signatures"][0]["sig"]}]}
    with pytest.raises(ProvenanceError, match=f"with key {kid}: the envelope is signed only by"):
        verify_envelope(bad, public)
    bad = {**env, "signatures": []}
    with pytest.raises(ProvenanceError, match="signatures must be a non-empty list"):
        verify_envelope(bad, public)
    bad = {**env, "payload": "not base64!"}
    with pytest.raises(ProvenanceError, match="payload is not valid base64"):
        verify_envelope(bad, public)
    # URL-safe base64 is valid DSSE too.
    urlsafe = {
        **env,
        "payload": base64.urlsafe_b64encode(base64.b64decode(env["payload"])).decode(),
        "signatures": [
            {**sig, "sig": base64.urlsafe_b64encode(base64.b64decode(sig["sig"])).decode()}
            for sig in env["signatures"]
        ],
    }
    assert verify_envelope(urlsafe, public) == {"a": 1}
    # DSSE keyids are hints: a signature without one is still checked, and accepted.
    unnamed = {**env, "signatures": [{"sig": env["signatures"][0]["sig"]}]}
    assert verify_envelope(unnamed, public) == {"a": 1}


def test_statement_is_deterministic_and_complete(dataset: Path) -> None:
    statement = build_statement(dataset)
    assert canonical_json(build_statement(dataset)) == canonical_json(statement)
    manifest = json.loads((dataset / "manifest.json").read_text())
    names = [s["name"] for s in statement["subject"]]
    assert names == sorted([f["path"] for f in manifest["files"]] + ["manifest.json"])
    assert len(names) == 4
    for subject in statement["subject"]:
        data = (dataset / subject["name"]).read_bytes()
        assert subject["digest"] == {"sha256": hashlib.sha256(data).hexdigest()}
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == PREDICATE_TYPE == "https://slsa.dev/provenance/v1"
    assert statement["predicate"] == {
        "buildDefinition": {
            "buildType": "https://aleatoric.dev/dataset/v1",
            "externalParameters": {"config": manifest["config"], "seed": 1},
            "internalParameters": {
                "engine": manifest["engine"],
                "libraries": manifest["libraries"],
            },
        },
        "runDetails": {"builder": {"id": "https://aleatoric.dev/builder/local/v1"}, "metadata": {}},
    }
    body = canonical_json(statement)  # sorted keys, compact separators
    assert body.startswith(b'{"_type":"https://in-toto.io/Statement/v1","predicate":{"build')
    assert json.loads(body) == statement


def test_sign_refuses_a_dataset_that_differs_from_its_manifest(
    copy_of: Path, keys: dict[str, tuple[Path, Path]]
) -> None:
    (copy_of / "stray.txt").write_text("x")
    path = copy_of / TICKER
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ProvenanceError) as info:
        sign_dataset(copy_of, keys["ed25519"][0])
    assert info.value.problems == [
        f"{TICKER}: sha256 mismatch with manifest.json",
        "extra file not in manifest.json: stray.txt",
    ]
    assert not (copy_of / PROVENANCE_NAME).exists()
    assert sorted(p.name for p in copy_of.iterdir()) == [
        "funding", "manifest.json", "stray.txt", "ticker", "trades",
    ]  # fmt: skip


# --- sign and verify ----------------------------------------------------------------------


def test_sign_then_verify(signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm) -> None:
    text = (signed / PROVENANCE_NAME).read_text()
    assert text.endswith("}\n") and text.count("\n") == 1
    assert not [p for p in signed.iterdir() if p.name.startswith(".")]  # no temp file left
    report = verify_dataset(signed, keys[alg][1])
    assert report.files == 4
    assert "manifest.json" in report.subjects and TRADES in report.subjects
    assert report.key_id == key_id(load_public_key(keys[alg][1]))
    assert report.statement == build_statement(signed)


def test_resigning_replaces_the_signature(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    other = keys[f"{alg}-other"]
    sign_dataset(signed, other[0])
    assert verify_dataset(signed, other[1]).files == 4
    assert "signature does not verify" in verify_fails(signed, keys[alg][1])


def test_ed25519_signature_bytes_are_reproducible(
    dataset: Path, tmp_path: Path, keys: dict[str, tuple[Path, Path]]
) -> None:
    a = Path(shutil.copytree(dataset, tmp_path / "a"))
    b = Path(shutil.copytree(dataset, tmp_path / "b"))
    sign_dataset(a, keys["ed25519"][0])
    sign_dataset(b, keys["ed25519"][0])
    assert (a / PROVENANCE_NAME).read_bytes() == (b / PROVENANCE_NAME).read_bytes()


def test_flipped_byte_in_parquet_fails(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    path = signed / TRADES
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    assert verify_fails(signed, keys[alg][1]) == f"{TRADES}: sha256 mismatch"


def test_deleted_file_fails(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    (signed / TICKER).unlink()
    assert verify_fails(signed, keys[alg][1]) == f"{TICKER}: missing (signed, but not on disk)"


def test_added_file_fails(signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm) -> None:
    shutil.copy(signed / TRADES, signed / "x.parquet")
    (signed / "trades" / ".hidden").write_text("")
    message = verify_fails(signed, keys[alg][1])
    assert message == (
        "extra file not in provenance: trades/.hidden; extra file not in provenance: x.parquet"
    )


def test_edited_manifest_fails(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    path = signed / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["seed"] = 2
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    assert verify_fails(signed, keys[alg][1]) == "manifest.json: sha256 mismatch"


def test_signature_swapped_from_another_key_fails(
    signed: Path, dataset: Path, tmp_path: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    other = Path(shutil.copytree(dataset, tmp_path / "other"))
    sign_dataset(other, keys[f"{alg}-other"][0])
    theirs = envelope_of(other)["signatures"][0]
    env = envelope_of(signed)
    kid = key_id(load_public_key(keys[alg][1]))
    # The whole signature entry (their keyid and sig) swapped in.
    write_envelope(signed, {**env, "signatures": [theirs]})
    message = verify_fails(signed, keys[alg][1])
    assert message.startswith(f"signature does not verify with key {kid}")
    assert theirs["keyid"] in message
    # Only the signature bytes swapped in, under our keyid.
    write_envelope(signed, {**env, "signatures": [{"keyid": kid, "sig": theirs["sig"]}]})
    assert verify_fails(signed, keys[alg][1]) == f"signature does not verify with key {kid}"


def test_verify_with_another_key_fails(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    for other in (f"{alg}-other", "ed25519" if alg == "ecdsa-p256" else "ecdsa-p256"):
        kid = key_id(load_public_key(keys[other][1]))
        message = verify_fails(signed, keys[other][1])
        assert message.startswith(f"signature does not verify with key {kid}")


def test_changed_payload_type_fails(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    env = envelope_of(signed)
    write_envelope(signed, {**env, "payloadType": "application/vnd.in-toto+json; x=1"})
    message = verify_fails(signed, keys[alg][1])
    assert message.startswith("envelope: payloadType is 'application/vnd.in-toto+json; x=1'")


def test_rewritten_payload_fails(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    env = envelope_of(signed)
    statement = json.loads(base64.b64decode(env["payload"]))
    statement["subject"] = [s for s in statement["subject"] if s["name"] != TICKER]
    write_envelope(signed, {**env, "payload": base64.b64encode(canonical_json(statement)).decode()})
    kid = key_id(load_public_key(keys[alg][1]))
    assert verify_fails(signed, keys[alg][1]) == f"signature does not verify with key {kid}"


def test_unsigned_or_damaged_provenance_file_fails(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    path = signed / PROVENANCE_NAME
    text = path.read_text()
    path.write_text(text + text)
    assert "expected one envelope line, found 2" in verify_fails(signed, keys[alg][1])
    path.unlink()
    assert "not found; the dataset is not signed" in verify_fails(signed, keys[alg][1])


def test_manifest_entries_are_cross_checked(
    copy_of: Path, keys: dict[str, tuple[Path, Path]]
) -> None:
    # A statement that matches every file, over a manifest that does not: only a signer that
    # bypasses sign_dataset could produce it, and verification still catches it.
    path = copy_of / "manifest.json"
    manifest = json.loads(path.read_text())
    index = next(i for i, f in enumerate(manifest["files"]) if f["path"] == TRADES)
    manifest["files"][index]["sha256"] = "0" * 64
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    names = [f["path"] for f in manifest["files"]] + ["manifest.json"]
    digests = {n: hashlib.sha256((copy_of / n).read_bytes()).hexdigest() for n in names}
    env = sign_envelope(statement_for(manifest, digests), load_private_key(keys["ed25519"][0]))
    write_envelope(copy_of, env)
    assert verify_fails(copy_of, keys["ed25519"][1]) == (
        f"manifest.json: files[{index}] ({TRADES}): sha256 does not match the file"
    )


def test_symlink_is_not_accepted(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    (signed / "link.parquet").symlink_to(signed / TRADES)
    assert verify_fails(signed, keys[alg][1]) == "link.parquet: not a regular file"


# --- independent verification -------------------------------------------------------------


def test_securesystemslib_verifies_our_envelopes(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    public = load_public_key(keys[alg][1])
    key = SSlibKey.from_crypto(public, keyid=key_id(public))
    env = envelope_of(signed)
    envelope = Envelope.from_dict(copy.deepcopy(env))
    assert envelope.pae() == pae(env["payloadType"], base64.b64decode(env["payload"]))
    assert set(envelope.verify([key], 1)) == {key_id(public)}
    statement = json.loads(envelope.payload)
    assert statement["predicateType"] == PREDICATE_TYPE
    # ...and rejects a changed payload or another key.
    tampered = Envelope.from_dict(copy.deepcopy(env))
    tampered.payload = tampered.payload.replace(b"trades", b"trade5", 1)
    with pytest.raises(VerificationError):
        tampered.verify([key], 1)
    other_public = load_public_key(keys[f"{alg}-other"][1])
    other = SSlibKey.from_crypto(other_public, keyid=key_id(public))  # same keyid, wrong key
    with pytest.raises(VerificationError):
        Envelope.from_dict(copy.deepcopy(env)).verify([other], 1)


def test_we_verify_securesystemslib_envelopes(
    dataset: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    private = load_private_key(keys[alg][0])
    public = load_public_key(keys[alg][1])
    signer = CryptoSigner(private, SSlibKey.from_crypto(public, keyid=key_id(public)))
    statement = build_statement(dataset)
    envelope = Envelope(canonical_json(statement), PAYLOAD_TYPE, {})
    envelope.sign(signer)
    assert verify_envelope(envelope.to_dict(), public) == statement


# --- command line -------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args], capture_output=True, text=True, timeout=300, env=env
    )


@pytest.mark.slow
def test_cli_keygen_sign_verify(copy_of: Path, tmp_path: Path, alg: Algorithm) -> None:
    key = tmp_path / "k.key"
    res = run("keygen", str(key), "--algorithm", alg)
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    kid = key_id(load_public_key(tmp_path / "k.key.pub"))
    assert kid in res.stdout and alg in res.stdout
    assert "PRIVATE KEY" not in res.stdout + res.stderr

    res = run("sign", str(copy_of), "--key", str(key))
    assert res.returncode == 0, res.stderr
    assert f"signed {copy_of / PROVENANCE_NAME} with key {kid}" in res.stdout

    res = run("verify", str(copy_of), "--key", str(tmp_path / "k.key.pub"))
    assert res.returncode == 0, res.stderr
    assert f"verified 4 files in {copy_of} with key {kid}" in res.stdout

    path = copy_of / TRADES
    path.write_bytes(path.read_bytes()[:-1])
    (copy_of / "x.parquet").write_bytes(b"")
    res = run("verify", str(copy_of), "--key", str(tmp_path / "k.key.pub"))
    assert res.returncode == 1
    assert f"error: {TRADES}: sha256 mismatch\n" in res.stderr
    assert "error: extra file not in provenance: x.parquet\n" in res.stderr
    assert "Traceback" not in res.stderr and "verified" not in res.stdout


@pytest.mark.slow
def test_cli_unusable_input_exits_2(
    signed: Path, tmp_path: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    cases = [
        (["verify", str(signed), "--key", str(tmp_path / "nope.pub")], "no such public key file"),
        (["verify", str(signed), "--key", str(keys[alg][0])], "is a private key"),
        (["sign", str(signed), "--key", str(tmp_path / "nope")], "no such private key file"),
        (["sign", str(signed), "--key", str(keys[alg][1])], "not a PEM private key"),
        (["verify", str(tmp_path / "none"), "--key", str(keys[alg][1])], "not a directory"),
        (["verify", str(tmp_path), "--key", str(keys[alg][1])], "no manifest.json"),
        (["keygen", str(keys[alg][0])], "refusing to overwrite"),
        (["keygen", str(tmp_path / "k"), "--algorithm", "rsa"], "rsa"),
    ]
    for args, message in cases:
        res = run(*args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert message in res.stderr, (args, res.stderr)
        assert "Traceback" not in res.stderr


def test_cli_wrong_key_exits_1(
    signed: Path, keys: dict[str, tuple[Path, Path]], alg: Algorithm
) -> None:
    other = keys[f"{alg}-other"][1]
    res = run("verify", str(signed), "--key", str(other))
    assert res.returncode == 1
    assert f"signature does not verify with key {key_id(load_public_key(other))}" in res.stderr
