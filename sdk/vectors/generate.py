"""Build the SDK test vectors: small golden datasets and the Python engine's figures for them.

    python sdk/vectors/generate.py [--out DIR] [--only NAME ...]

The vectors are the cross-language contract of the native SDKs: each SDK reads the datasets
written here and must reproduce the figures in ``expected.json`` (row counts, digests, chosen
rows, verification verdicts, book replay, merged-stream order). Everything is deterministic:
the data follows from config and seed, the signing keys are derived from fixed labels, and
Ed25519 signatures are deterministic. ECDSA signatures are randomized, so an existing ECDSA
envelope is kept when it still signs exactly the new statement; a fresh output directory gets
a fresh (equally valid) ECDSA signature.

Whoever changes the engine's bytes runs this script again and commits the result; the test
``tests/test_sdk_vectors.py`` fails while the committed vectors are stale. ``--only`` rebuilds
the named vectors (and the tampered copies of them) and keeps every other folder and entry of
``expected.json`` as it is, for adding a vector without touching the others.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

import aleatoric
from aleatoric.provenance import ProvenanceError
from aleatoric.provenance._dataset import read_envelope, sign_dataset_with, verify_dataset_with
from aleatoric.provenance._dsse import verify_envelope
from aleatoric.provenance._statement import build_statement, canonical_json
from aleatoric.sinks.schema import ns_table

HERE = Path(__file__).resolve().parent
TABLES = ("mbo", "book_delta", "book_snapshot", "trades", "ticker", "funding")
#: How many merged-stream entries expected.json lists from the start and from the end.
STREAM_HEAD = 64
STREAM_TAIL = 16


@dataclass(frozen=True)
class Vector:
    """One golden dataset: a config and the key that signs it."""

    name: str
    config: dict[str, Any]
    key: str
    formats: tuple[str, ...] = ("parquet", "native")


@dataclass(frozen=True)
class Tampered:
    """A copy of a signed vector with one deliberate change."""

    name: str
    source: str
    what: str
    change: Callable[[Path], dict[str, Any]] = field(repr=False)


VECTORS = (
    # Two minutes across midnight in one segment: every table has two date partitions, and
    # the funding settlement at 00:00 writes one funding row.
    Vector(
        "binance-btcusdt",
        {
            "venue": "binance",
            "symbol": "BTCUSDT",
            "preset": "calm",
            "seed": 11,
            "start": "2026-01-01T23:59:00Z",
            "duration": "2m",
            "segment": "2m",
        },
        key="ed25519",
    ),
    # Two one-minute segments around the hourly Hyperliquid settlement, 10 snapshot levels.
    Vector(
        "hyperliquid-eth",
        {
            "venue": "hyperliquid",
            "symbol": "ETH",
            "preset": "volatile",
            "seed": 12,
            "start": "2026-01-02T00:59:00Z",
            "duration": "2m",
            "segment": "1m",
            "snapshot_depth": 10,
        },
        key="ecdsa-p256",
    ),
)

#: Datasets of several instruments. Their per-instrument figures go under ``expected.json``'s
#: ``multi_instrument`` key (the figures under ``datasets`` assume one instrument). Their
#: tampered case is not stored: ``expected.json`` gives the change and the verdicts, and each
#: SDK's test applies the change to a scratch copy.
MULTI_VECTORS = (
    # Three instruments: two symbols of one venue, and one of them on another venue. One
    # minute from 00:00, so every instrument writes a funding row; sparse snapshots keep the
    # folder small.
    Vector(
        "multi-instrument",
        {
            "instruments": [
                {"venue": "binance", "symbol": "BTCUSDT"},
                {"venue": "binance", "symbol": "ETHUSDT"},
                {"venue": "hyperliquid", "symbol": "ETH"},
            ],
            "preset": "calm",
            "seed": 14,
            "start": "2026-01-02T00:00:00Z",
            "duration": "1m",
            "segment": "1m",
            "warmup": "5m",
            "snapshot_depth": 5,
            "snapshot_interval": "1s",
        },
        key="ed25519",
    ),
)


# --- keys ---------------------------------------------------------------------------------


def _keys() -> dict[str, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey]:
    # Test-only keys derived from public labels, so every run signs with the same keys. They
    # protect nothing; only the public halves are written.
    seed = hashlib.sha256(b"aleatoric sdk test vectors: ed25519").digest()
    scalar = int.from_bytes(hashlib.sha256(b"aleatoric sdk test vectors: p256").digest(), "big")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return {
        "ed25519": ed25519.Ed25519PrivateKey.from_private_bytes(seed),
        "ecdsa-p256": ec.derive_private_key(scalar % (order - 1) + 1, ec.SECP256R1()),
    }


def _public_pem(key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --- tampering ----------------------------------------------------------------------------


def _first_file(root: Path, table: str) -> str:
    manifest = json.loads((root / "manifest.json").read_text())
    return next(f["path"] for f in manifest["files"] if f["table"] == table)


def _flip_data_byte(root: Path) -> dict[str, Any]:
    return _flip_byte(root, _first_file(root, "trades"))


def _flip_byte(root: Path, rel: str) -> dict[str, Any]:
    # Flip one bit in the middle of a data file; the returned record lets readers redo it.
    path = root / rel
    data = bytearray(path.read_bytes())
    offset = len(data) // 2
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    return {"file": rel, "offset": offset, "xor": 1}


def _edit_envelope(root: Path) -> dict[str, Any]:
    # Point the statement's subject for one data file at another digest, as someone who
    # swapped that file would have to, and keep the original signature.
    rel = _first_file(root, "trades")
    path = root / "provenance.intoto.jsonl"
    envelope = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    for subject in statement["subject"]:
        if subject["name"] == rel:
            subject["digest"]["sha256"] = hashlib.sha256(b"not the signed file").hexdigest()
    envelope["payload"] = base64.b64encode(canonical_json(statement)).decode("ascii")
    path.write_bytes(canonical_json(envelope) + b"\n")
    return {"file": "provenance.intoto.jsonl", "subject": rel}


def _flip_last_trades_byte(root: Path) -> dict[str, Any]:
    # The last trades file in manifest order belongs to the last instrument in path order, so
    # a reader that checks only the first instrument's files misses the change.
    manifest = json.loads((root / "manifest.json").read_text())
    rel = [f["path"] for f in manifest["files"] if f["table"] == "trades"][-1]
    return _flip_byte(root, rel)


TAMPERED = (
    Tampered(
        "tampered-data", "binance-btcusdt", "one byte of a trades file changed", _flip_data_byte
    ),
    Tampered(
        "tampered-envelope",
        "binance-btcusdt",
        "a subject digest changed in the envelope payload, signature kept",
        _edit_envelope,
    ),
)

# --- figures ------------------------------------------------------------------------------


def _read_table(root: Path, manifest: dict[str, Any], table: str) -> pa.Table | None:
    paths = [f["path"] for f in manifest["files"] if f["table"] == table]
    if not paths:
        return None
    parts = [pq.read_table(root / p).replace_schema_metadata(None) for p in paths]
    return pa.concat_tables(parts).combine_chunks()


def _row(table: pa.Table, index: int) -> dict[str, Any]:
    return {"index": index, **table.slice(index, 1).to_pylist()[0]}


def _chosen_rows(table: pa.Table) -> list[dict[str, Any]]:
    n = table.num_rows
    return [_row(table, i) for i in sorted({0, n // 2, n - 1})]


def _lots(size: float, lot: float) -> int:
    return round(size / lot)


def _top(levels: dict[float, Any], best: Callable[..., float]) -> tuple[float | None, Any]:
    if not levels:
        return None, 0
    price = best(levels)
    return price, levels[price]


def _replay(tables: dict[str, pa.Table], lot: float) -> list[list[Any]]:
    """Replay book_delta (L2) and mbo (L3) in seq order; check both at every snapshot.

    Returns the top of book of every snapshot as ``[ts_recv, seq, bid_px, bid_sz, ask_px,
    ask_sz]``, taken from the snapshot rows themselves.
    """
    snaps = tables["book_snapshot"]
    names = ("ts_recv", "seq", "bid_px_00", "bid_sz_00", "ask_px_00", "ask_sz_00")
    cols = {c: snaps.column(c).to_pylist() for c in names}
    deltas = tables["book_delta"].select(["seq", "side", "price", "size"]).to_pylist()
    mbo = tables["mbo"].select(["seq", "order_id", "action", "side", "price", "size"]).to_pylist()
    l2: dict[str, dict[float, float]] = {"bid": {}, "ask": {}}
    l3_levels: dict[str, dict[float, int]] = {"B": {}, "A": {}}
    orders: dict[int, tuple[str, float, int]] = {}
    di = mi = 0
    top: list[list[Any]] = []

    def l3_change(side: str, price: float, lots: int) -> None:
        level = l3_levels[side]
        level[price] = level.get(price, 0) + lots
        if level[price] == 0:
            del level[price]

    for k, seq in enumerate(cols["seq"]):
        while di < len(deltas) and deltas[di]["seq"] < seq:
            d = deltas[di]
            if d["size"] == 0:
                l2[d["side"]].pop(d["price"], None)
            else:
                l2[d["side"]][d["price"]] = d["size"]
            di += 1
        while mi < len(mbo) and mbo[mi]["seq"] < seq:
            m = mbo[mi]
            mi += 1
            action, oid, lots = m["action"], m["order_id"], _lots(m["size"], lot)
            if action == "A":
                orders[oid] = (m["side"], m["price"], lots)
                l3_change(m["side"], m["price"], lots)
            elif action in ("C", "F", "M") and oid in orders:
                side, price, left = orders[oid]
                new = lots if action == "M" else left - lots
                l3_change(side, price, new - left)
                if new <= 0:
                    del orders[oid]
                else:
                    orders[oid] = (side, price, new)
        row = [cols[c][k] for c in cols]
        bid = _top(l2["bid"], max)
        ask = _top(l2["ask"], min)
        snapshot = (row[2], row[3], row[4], row[5])
        if (bid[0], bid[1], ask[0], ask[1]) != snapshot:
            raise AssertionError(f"L2 replay differs from snapshot seq {seq}: {bid} {ask}")
        l3_bid = _top(l3_levels["B"], max)
        l3_ask = _top(l3_levels["A"], min)
        lots_snapshot = (row[2], _lots(row[3], lot), row[4], _lots(row[5], lot))
        if (l3_bid[0], l3_bid[1], l3_ask[0], l3_ask[1]) != lots_snapshot:
            raise AssertionError(f"L3 replay differs from snapshot seq {seq}: {l3_bid} {l3_ask}")
        top.append(row)
    return top


def _merged_stream(tables: dict[str, pa.Table]) -> dict[str, Any]:
    keys: list[tuple[int, int, str]] = []
    for name in TABLES:
        if name in tables:
            t = tables[name]
            keys += zip(
                t.column("ts_recv").to_pylist(),
                t.column("seq").to_pylist(),
                [name] * t.num_rows,
                strict=True,
            )
    keys.sort(key=lambda k: (k[0], k[1]))
    digest = hashlib.sha256()
    for ts, seq, name in keys:
        digest.update(f"{ts} {seq} {name}\n".encode())
    seqs = [k[1] for k in keys]
    return {
        "order": ["ts_recv", "seq"],
        "events": len(keys),
        "sha256": digest.hexdigest(),
        "seq_order": seqs == sorted(seqs),
        "head": [list(k) for k in keys[:STREAM_HEAD]],
        "tail": [list(k) for k in keys[-STREAM_TAIL:]],
    }


def _verdicts(root: Path, keys: dict[str, Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, path in keys.items():
        public = serialization.load_pem_public_key(path.read_bytes())
        try:
            report = verify_dataset_with(root, public)  # type: ignore[arg-type]
            out[name] = {"ok": True, "exit": 0, "files": report.files, "key_id": report.key_id}
        except ProvenanceError as exc:
            out[name] = {"ok": False, "exit": 1, "problems": list(exc.problems)}
    return out


def _manifest_check(root: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    # What an SDK finds by hashing every file the manifest lists (no signature involved).
    bad = [
        f["path"]
        for f in manifest["files"]
        if hashlib.sha256((root / f["path"]).read_bytes()).hexdigest() != f["sha256"]
    ]
    return {"ok": not bad, "mismatched": bad}


def _figures(root: Path) -> dict[str, Any]:
    manifest = json.loads((root / "manifest.json").read_text())
    stored = {t: tb for t in TABLES if (tb := _read_table(root, manifest, t)) is not None}
    # Figures compare values: timestamps as their int64 ns (the schemas show the stored types).
    tables = {t: ns_table(tb) for t, tb in stored.items()}
    instruments = sorted(
        {
            (
                p["path"].split("/")[1].removeprefix("venue="),
                p["path"].split("/")[2].removeprefix("symbol="),
            )
            for p in manifest["files"]
            if p["table"] in TABLES
        }
    )
    lot = float(manifest["instrument"]["lot_size"])
    return {
        "instruments": [{"venue": v, "symbol": s} for v, s in instruments],
        "tables": {t: manifest["tables"].get(t, 0) for t in TABLES},
        "native": {
            f["path"]: {"lines": f["rows"], "sha256": f["sha256"]}
            for f in manifest["files"]
            if f["table"] == "native"
        },
        "table_digests": manifest["table_digests"],
        "segments": manifest["segments"],
        "files": [
            {k: f[k] for k in ("path", "table", "rows", "bytes", "sha256")}
            for f in manifest["files"]
        ],
        "schemas": {
            t: [[f.name, str(f.type), f.nullable] for f in tb.schema] for t, tb in stored.items()
        },
        "rows": {t: _chosen_rows(tb) for t, tb in tables.items()},
        "top_of_book": _replay(tables, lot),
        "merged_stream": _merged_stream(tables),
    }


def _multi_figures(root: Path) -> dict[str, Any]:
    """Per-instrument figures of a dataset of several instruments.

    ``instruments`` lists them sorted by venue, then symbol (as the SDKs list them from the
    table paths), each with its lot and tick size from the manifest, its files of every
    canonical table in manifest order, rows per table counted by reading those files, and its
    merged stream's length and digest.
    """
    manifest = json.loads((root / "manifest.json").read_text())
    rules = {(i["venue"], i["symbol"]): i for i in manifest["instruments"]}
    entries = []
    for venue, symbol in sorted(rules):
        files = [
            f["path"]
            for f in manifest["files"]
            if f["table"] in TABLES
            and f["path"].split("/")[1:3] == [f"venue={venue}", f"symbol={symbol}"]
        ]
        one = {**manifest, "files": [f for f in manifest["files"] if f["path"] in files]}
        stored = {t: tb for t in TABLES if (tb := _read_table(root, one, t)) is not None}
        stream = _merged_stream({t: ns_table(tb) for t, tb in stored.items()})
        entries.append(
            {
                "venue": venue,
                "symbol": symbol,
                "lot_size": rules[(venue, symbol)]["lot_size"],
                "tick_size": rules[(venue, symbol)]["tick_size"],
                "files": files,
                "tables": {t: stored[t].num_rows if t in stored else 0 for t in TABLES},
                "merged_stream": {k: stream[k] for k in ("events", "sha256")},
            }
        )
    return {
        "instruments": entries,
        "tables": {t: manifest["tables"].get(t, 0) for t in TABLES},
        "table_digests": manifest["table_digests"],
        "segments": manifest["segments"],
        "files": [
            {k: f[k] for k in ("path", "table", "rows", "bytes", "sha256")}
            for f in manifest["files"]
        ],
    }


# --- build --------------------------------------------------------------------------------


def _keep_old_ecdsa(new: Path, old: Path, public: Any) -> None:
    # Keep a committed ECDSA envelope that still signs exactly the new statement, so running
    # the script twice changes no byte.
    try:
        envelope = read_envelope(old)
        statement = verify_envelope(envelope, public)
    except ProvenanceError:
        return
    if canonical_json(statement) == canonical_json(build_statement(new)):
        shutil.copyfile(old / "provenance.intoto.jsonl", new / "provenance.intoto.jsonl")


def _write(v: Vector, root: Path, out: Path, keys: dict[str, Any]) -> None:
    # Generate and sign one vector (keeping a committed ECDSA envelope that still fits).
    config = aleatoric.load_config(**v.config)
    aleatoric.generate(config, root, formats=v.formats)  # type: ignore[arg-type]
    sign_dataset_with(root, keys[v.key])
    if v.key == "ecdsa-p256" and (out / v.name).is_dir():
        _keep_old_ecdsa(root, out / v.name, keys[v.key].public_key())


def _signed_figures(v: Vector, root: Path, key_paths: dict[str, Path]) -> dict[str, Any]:
    manifest = json.loads((root / "manifest.json").read_text())
    return {
        "signed_with": v.key,
        "config": manifest["config"],
        "manifest_check": _manifest_check(root, manifest),
        "verify": _verdicts(root, key_paths),
    }


def _tampered_figures(t: Tampered, root: Path, key_paths: dict[str, Path]) -> dict[str, Any]:
    change = t.change(root)
    manifest = json.loads((root / "manifest.json").read_text())
    return {
        "tampered": {"what": t.what, **change},
        "manifest_check": _manifest_check(root, manifest),
        "verify": _verdicts(root, key_paths),
    }


def build(out: Path, only: frozenset[str] | None = None) -> dict[str, Any]:
    """Write the vectors, the public keys and ``expected.json`` under ``out``.

    With ``only``, just the vectors of those names (and the tampered copies of them) are
    rebuilt; the other folders and their ``expected.json`` entries stay as they are.
    """
    names = {v.name for v in VECTORS + MULTI_VECTORS}
    if only is not None and not only <= names:
        unknown = ", ".join(sorted(only - names))
        raise SystemExit(f"--only: must be among {', '.join(sorted(names))}, was {unknown}")
    chosen = names if only is None else only
    keys = _keys()
    out.mkdir(parents=True, exist_ok=True)
    (out / "keys").mkdir(exist_ok=True)
    key_paths: dict[str, Path] = {}
    for name, key in keys.items():
        key_paths[name] = out / "keys" / f"{name}.pub"
        key_paths[name].write_bytes(_public_pem(key))
    expected: dict[str, Any] = {
        "format": "aleatoric-sdk-vectors/1",
        "keys": {n: p.relative_to(out).as_posix() for n, p in key_paths.items()},
        "datasets": {},
        "multi_instrument": {},
    }
    if only is not None and (out / "expected.json").is_file():
        kept = json.loads((out / "expected.json").read_text())
        expected["datasets"] = kept.get("datasets", {})
        expected["multi_instrument"] = kept.get("multi_instrument", {})
    vectors = [v for v in VECTORS if v.name in chosen]
    multi_vectors = [v for v in MULTI_VECTORS if v.name in chosen]
    tampered_copies = [t for t in TAMPERED if t.source in chosen]
    stage = Path(tempfile.mkdtemp(prefix=".vectors-", dir=out))
    try:
        for v in vectors:
            root = stage / v.name
            _write(v, root, out, keys)
            expected["datasets"][v.name] = {
                **_signed_figures(v, root, key_paths),
                **_figures(root),
            }
        for t in tampered_copies:
            root = stage / t.name
            shutil.copytree(stage / t.source, root)
            expected["datasets"][t.name] = {
                "copy_of": t.source,
                **_tampered_figures(t, root, key_paths),
            }
        for v in multi_vectors:
            root = stage / v.name
            _write(v, root, out, keys)
            # The tampered case, on a scratch copy that is not kept.
            scratch = stage / f".{v.name}-tampered"
            shutil.copytree(root, scratch)
            tampered = Tampered(
                "tampered",
                v.name,
                "one byte of the last instrument's trades file changed",
                _flip_last_trades_byte,
            )
            expected["multi_instrument"][v.name] = {
                **_signed_figures(v, root, key_paths),
                **_multi_figures(root),
                "tampered": _tampered_figures(tampered, scratch, key_paths),
            }
        for name in [v.name for v in vectors + multi_vectors] + [t.name for t in tampered_copies]:
            shutil.rmtree(out / name, ignore_errors=True)
            (stage / name).rename(out / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    text = json.dumps(expected, indent=1, sort_keys=True, allow_nan=False) + "\n"
    (out / "expected.json").write_text(text, encoding="utf-8")
    return expected


def main(argv: list[str] | None = None) -> int:
    """Build the vectors into ``--out`` (default: this script's folder)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="rebuild only these vectors; keep the others"
    )
    args = parser.parse_args(argv)
    expected = build(args.out, frozenset(args.only) if args.only else None)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    multi = expected["multi_instrument"]
    shown = {**expected["datasets"], **multi}
    shown.update({f"{n} (tampered copy)": d["tampered"] for n, d in multi.items()})
    for name, d in shown.items():
        verdicts = ", ".join(f"{k}: {'ok' if v['ok'] else 'fails'}" for k, v in d["verify"].items())
        print(f"{name}: {verdicts}")
    print(f"wrote {args.out} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
