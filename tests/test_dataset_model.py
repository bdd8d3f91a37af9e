"""The dataset model: the typed manifest (parsed once, written back byte for byte)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aleatoric.config import DatasetConfig
from aleatoric.dataset import (
    MANIFEST_NAME,
    Manifest,
    manifest_bytes,
    open_dataset,
    read_manifest,
)
from aleatoric.errors import AleatoricError, DatasetError


def test_written_manifest_reads_back_to_the_same_bytes(small_dataset: Path) -> None:
    raw = (small_dataset / MANIFEST_NAME).read_bytes()
    manifest, digest = read_manifest(small_dataset)
    assert manifest_bytes(manifest) == raw
    dataset = open_dataset(small_dataset)
    assert dataset.manifest_sha256 == digest
    assert [str(i) for i in dataset.instruments] == ["binance:BTCUSDT"]
    assert isinstance(dataset.config, DatasetConfig)
    assert dataset.tables == json.loads(raw)["tables"]
    assert len(dataset.digests) == len(dataset.files) > 10
    assert dataset.table_files("trades") == dataset.table_files("trades", dataset.instruments[0])
    assert dataset.table_files("trades")


@pytest.mark.parametrize(
    ("write", "words"),
    [
        (None, "not a directory"),
        ("", f"{MANIFEST_NAME} is missing"),
        ("{", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"tables": {}}', "config"),
        ('{"config": {}, "files": [{"path": 1}]}', "files.0"),
        (
            '{"config": {}, "files": [{"path": "../x", "sha256": "%s"}]}' % ("0" * 64),
            "files.0.path: must be a relative path inside the dataset, was '../x'",
        ),
        (
            '{"config": {}, "files": [{"path": "/etc/x", "sha256": "%s"}]}' % ("0" * 64),
            "files.0.path: must be a relative path inside the dataset",
        ),
        (
            '{"config": {}, "files": [{"path": "a", "sha256": "ABC"}]}',
            "files.0.sha256: must be 64 lowercase hex digits, was 'ABC'",
        ),
    ],
)
def test_unusable_datasets_raise(tmp_path: Path, write: str | None, words: str) -> None:
    root = tmp_path / "ds"
    if write is not None:
        root.mkdir()
        if write:
            (root / MANIFEST_NAME).write_text(write)
    with pytest.raises(DatasetError, match=words) as info:
        open_dataset(root)
    assert isinstance(info.value, AleatoricError) and isinstance(info.value, ValueError)


def test_unknown_instrument_is_a_dataset_error(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text('{"config": {"venue": "x", "symbol": "y"}}')
    with pytest.raises(DatasetError, match="unknown venue 'x'"):
        _ = open_dataset(tmp_path).instruments


_hex = st.text("0123456789abcdef", min_size=64, max_size=64)
_name = st.text("abcdefghijklmnopqrstuvwxyz_=/.0123456789-", min_size=1, max_size=40)
_path = _name.filter(lambda p: not p.startswith("/") and ".." not in p.split("/"))
_files = st.lists(
    st.fixed_dictionaries(
        {"path": _path, "table": _name, "sha256": _hex, "bytes": st.integers(0, 2**40),
         "rows": st.integers(0, 2**40)},
        optional={"content_sha256": _hex, "schema": st.text("0123456789abcdef", max_size=16)},
    ),
    max_size=5,
)  # fmt: skip
_instrument = st.fixed_dictionaries({"venue": _name, "symbol": _name, "tick_size": _name})
_documents = st.fixed_dictionaries(
    {"config": st.dictionaries(_name, st.integers() | _name, max_size=5),
     "tables": st.dictionaries(_name, st.integers(0, 2**40), max_size=6)},
    optional={
        "format": _name, "seed": st.integers(0, 2**128),
        "engine": st.fixed_dictionaries({"name": _name, "version": _name}),
        "libraries": st.dictionaries(_name, _name, max_size=4),
        "table_digests": st.dictionaries(_name, _hex, max_size=4),
        "segments": st.lists(st.dictionaries(_name, st.integers(), max_size=4), max_size=3),
        "files": _files,
        "instrument": _instrument,
        "instruments": st.lists(_instrument, min_size=2, max_size=3),
    },
)  # fmt: skip


@given(_documents)
@settings(max_examples=80, deadline=None)
def test_manifest_round_trips(document: dict[str, object]) -> None:
    if "instrument" in document and "instruments" in document:
        del document["instruments"]
    for entry in document.get("files", []):  # type: ignore[attr-defined]
        if "schema" in entry and "content_sha256" not in entry:
            del entry["schema"]
        if "content_sha256" in entry:
            entry.setdefault("schema", "")
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    manifest = Manifest.model_validate_json(text)
    assert manifest_bytes(manifest) == text.encode()
    assert Manifest.model_validate(manifest.document()) == manifest
