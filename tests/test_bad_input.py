"""Unusable input to every command that reads a file: binary, truncated or wrongly typed
configs, manifests and captures give exit 2 with a message naming what is wrong, never a
traceback. Also: ``reproduce`` reports each kind of difference once, and truncated captures
are normalized as far as they go and fail ``check``."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import aleatoric
from aleatoric.cli import app

SMALL: dict[str, Any] = {
    "duration": "5m", "segment": "5m", "warmup": "5m", "tables": ["trades", "ticker"],
}  # fmt: skip


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bad-input") / "good"
    aleatoric.generate(aleatoric.load_config(seed=11, **SMALL), out)
    return out


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("capture")
    config = aleatoric.load_config(seed=12, **{**SMALL, "tables": None})
    aleatoric.generate(config, root / "ds", formats=("native",))
    return next((root / "ds").rglob("*.gz"))


def _run(*args: object) -> Any:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: traceback {result.exception!r}\n{result.output}")
    assert "Traceback" not in result.output
    return result


CONFIGS = {
    "binary.toml": os.urandom(64) + b"\xff\xfe",
    "binary.json": b"\x89PNG\r\n\x1a\n" + os.urandom(64),
    "truncated.toml": b'venue = "bin',
    "truncated.json": b'{"venue": "binance", "dur',
    "wrong.json": b'{"duration": [1, 2]}',
    "array.json": b"[1, 2]",
    "list.yaml": b"- a\n- b\n",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_configs(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(CONFIGS[name])
    checked = _run("validate", path)
    assert checked.exit_code == 2 and ("config" in checked.output or "duration" in checked.output)
    generated = _run("generate", "--config", path, "--out", tmp_path / "out")
    assert generated.exit_code == 2, generated.output
    assert not (tmp_path / "out").exists()


def _manifests(good: dict[str, Any]) -> dict[str, bytes]:
    text = json.dumps(good).encode()
    return {
        "binary": os.urandom(200),
        "truncated": text[: len(text) // 2],
        "files-not-a-list": json.dumps({**good, "files": "x"}).encode(),
        "files-of-ints": json.dumps({**good, "files": [1, 2]}).encode(),
        "rows-a-string": json.dumps(
            {**good, "files": [{**good["files"][0], "rows": "many"}, *good["files"][1:]]}
        ).encode(),
        "tables-a-string": json.dumps({**good, "tables": "x"}).encode(),
        "config-wrong": json.dumps({**good, "config": {"duration": [1]}}).encode(),
        "an-array": b"[]",
    }


@pytest.mark.parametrize(
    "variant",
    ["binary", "truncated", "files-not-a-list", "files-of-ints", "rows-a-string",
     "tables-a-string", "config-wrong", "an-array"],
)  # fmt: skip
def test_manifests(variant: str, dataset: Path, tmp_path: Path) -> None:
    root = tmp_path / variant
    shutil.copytree(dataset, root)
    good = json.loads((dataset / "manifest.json").read_text())
    (root / "manifest.json").write_bytes(_manifests(good)[variant])
    key = tmp_path / "key.pem"
    key.write_bytes(os.urandom(64))
    for args in (
        ("reproduce", root),
        ("export", root, "--to", "lean", "--out", tmp_path / "export"),
        ("report", root),
        ("verify", root, "--key", key),
        ("sign", root, "--key", key),
    ):
        result = _run(*args)
        assert result.exit_code == 2, (args, result.output)
        if args[0] in ("export", "report", "verify", "sign"):
            continue  # refused for the manifest, the tables it lacks, or the unusable key
        assert "manifest" in result.output or "config" in result.output, result.output


def test_captures_that_are_not_captures(tmp_path: Path) -> None:
    binary = tmp_path / "btcusdt_20260101.gz"
    binary.write_bytes(os.urandom(300))
    normalized = _run("normalize", binary, "--venue", "binance", "--out", tmp_path / "n")
    assert normalized.exit_code == 2 and "not a gzip file" in " ".join(normalized.output.split())
    checked = _run("check", binary, "--venue", "binance")
    assert checked.exit_code == 2 and "not a gzip file" in " ".join(checked.output.split())
    assert not (tmp_path / "n").exists()


def test_a_truncated_capture_is_normalized_as_far_as_it_goes(capture: Path, tmp_path: Path) -> None:
    data = capture.read_bytes()
    cut = tmp_path / capture.name
    cut.write_bytes(data[: len(data) // 2])
    whole = _run("normalize", capture, "--venue", "binance", "--out", tmp_path / "whole")
    assert whole.exit_code == 0 and "truncated" not in whole.output
    part = _run("normalize", cut, "--venue", "binance", "--out", tmp_path / "part")
    assert part.exit_code == 0, part.output
    said = " ".join(part.output.split())  # the console wraps long lines
    assert "is truncated" in said and "ends early after line" in said
    lines = json.loads((tmp_path / "part" / "normalized.json").read_text())["lines"]
    assert 0 < lines < json.loads((tmp_path / "whole" / "normalized.json").read_text())["lines"]
    for target in (cut, tmp_path / "part"):
        args = (target, "--venue", "binance") if target.is_file() else (target,)
        checked = _run("check", *args, "--format", "json")
        assert checked.exit_code == 1, checked.output
        failed = [r["name"] for r in json.loads(checked.output)["results"] if not r["passed"]]
        assert failed == ["capture_complete"], failed


def test_a_normalized_capture_gets_the_capture_rule_set(capture: Path, tmp_path: Path) -> None:
    on_capture = _run("check", capture, "--venue", "binance", "--format", "json")
    _run("normalize", capture, "--venue", "binance", "--out", tmp_path / "n")
    on_folder = _run("check", tmp_path / "n", "--format", "json")
    assert on_capture.exit_code == 0 and on_folder.exit_code == 0, on_folder.output
    names = {r["name"] for r in json.loads(on_folder.output)["results"]}
    assert "trade_inside_touch" not in names and "delete_of_absent_level" not in names
    assert names <= {r["name"] for r in json.loads(on_capture.output)["results"]}


def _reproduce(root: Path) -> dict[str, Any]:
    result = _run("reproduce", root, "--format", "json")
    report: dict[str, Any] = json.loads(result.output)
    assert result.exit_code == (0 if report["reproduced"] else 1)
    return report


def test_reproduce_reports_each_difference_once(dataset: Path, tmp_path: Path) -> None:
    files = [f["path"] for f in json.loads((dataset / "manifest.json").read_text())["files"]]
    clean = _reproduce(dataset)
    assert clean["reproduced"] and clean["matched"] == clean["files"] == len(files)

    extra = tmp_path / "extra"
    shutil.copytree(dataset, extra)
    (extra / "trades" / "notes.txt").write_text("mine")
    report = _reproduce(extra)
    assert not report["reproduced"] and report["extra"] == ["trades/notes.txt"]
    assert report["matched"] == report["files"]

    missing = tmp_path / "missing"
    shutil.copytree(dataset, missing)
    (missing / files[0]).unlink()
    report = _reproduce(missing)
    assert report["missing"] == [files[0]] and report["matched"] == len(files) - 1
    assert report["changed_on_disk"] == report["mismatched"] == report["extra"] == []

    changed = tmp_path / "changed"
    shutil.copytree(dataset, changed)
    with (changed / files[0]).open("r+b") as fh:
        fh.write(b"X")
    report = _reproduce(changed)
    assert report["changed_on_disk"] == [files[0]] and report["matched"] == len(files) - 1
    assert report["mismatched"] == report["missing"] == report["extra"] == []
    text = " ".join(_run("reproduce", changed).output.split())
    assert f"NOT reproduced: {len(files) - 1}/{len(files)} files identical" in text

    rows = tmp_path / "rows"
    shutil.copytree(dataset, rows)
    manifest = json.loads((rows / "manifest.json").read_text())
    manifest["files"][0]["rows"] += 1
    (rows / "manifest.json").write_text(json.dumps(manifest))
    report = _reproduce(rows)
    assert report["rows_changed"] == [files[0]] and report["matched"] == len(files) - 1
    assert report["changed_on_disk"] == report["mismatched"] == report["missing"] == []
