"""Datasets of several instruments: each instrument keyed and numbered on its own, end to end."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import aleatoric
from aleatoric.cli import app
from aleatoric.config import DatasetConfig
from aleatoric.dataset import open_dataset

BASE = {"duration": "10m", "segment": "5m", "warmup": "5m", "seed": 21}
PAIR = ["binance:BTCUSDT", "okx:ETH-USDT-SWAP"]
runner = CliRunner()


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def pair_config() -> DatasetConfig:
    return aleatoric.load_config(
        instruments=PAIR, venue_options={"okx": {"checksum": True}}, **BASE
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, pair_config: DatasetConfig) -> Path:
    out = tmp_path_factory.mktemp("pair") / "ds"
    # Two workers: the units (instrument x segment) are spread over processes.
    aleatoric.generate(pair_config, out, formats=("parquet", "native"), workers=2)
    return out


def test_adding_an_instrument_changes_no_other_instruments_bytes(
    pair: Path, tmp_path: Path
) -> None:
    both = _digests(pair)
    union: set[str] = {"manifest.json"}
    for name, kwargs in (
        ("binance", {"venue": "binance", "symbol": "BTCUSDT"}),
        ("okx", {"venue": "okx", "symbol": "ETH-USDT-SWAP", "okx_checksum": True}),
    ):
        alone = tmp_path / name
        aleatoric.generate(aleatoric.load_config(**kwargs, **BASE), alone,
                           formats=("parquet", "native"))  # fmt: skip
        files = {k: v for k, v in _digests(alone).items() if k != "manifest.json"}
        assert len(files) > 10
        assert any(k.startswith("native/") for k in files)
        # Every file of the instrument alone is in the pair, byte for byte, at the same path.
        assert {k: both.get(k) for k in files} == files
        union |= files.keys()
    # ... and the pair holds nothing else.
    assert set(both) == union


def test_seq_and_trade_ids_count_per_instrument(pair: Path) -> None:
    dataset = open_dataset(pair)
    assert [str(i) for i in dataset.instruments] == PAIR
    for ref in dataset.instruments:
        seqs = pl.concat([
            pl.read_parquet(f, columns=["seq"])
            for t in ("mbo", "book_delta", "book_snapshot", "trades", "ticker", "funding")
            for f in dataset.table_files(t, ref)
        ])["seq"].sort()  # fmt: skip
        assert seqs.to_list() == list(range(len(seqs)))
        trades = pl.concat([pl.read_parquet(f) for f in dataset.table_files("trades", ref)])
        assert trades["trade_id"].sort().to_list()[0] in (0, 1)
        assert trades["trade_id"].is_unique().all()


def test_manifest_lists_instruments_and_named_segments(pair: Path) -> None:
    manifest = json.loads((pair / "manifest.json").read_text())
    assert "instrument" not in manifest
    assert [i["symbol"] for i in manifest["instruments"]] == ["BTCUSDT", "ETH-USDT-SWAP"]
    named = [(s["venue"], s["symbol"], s["index"]) for s in manifest["segments"]]
    assert named == [("binance", "BTCUSDT", 0), ("binance", "BTCUSDT", 1),
                     ("okx", "ETH-USDT-SWAP", 0), ("okx", "ETH-USDT-SWAP", 1)]  # fmt: skip
    assert manifest["config"]["venue_options"] == {"okx": {"checksum": True}}
    totals = {t: 0 for t in manifest["tables"]}
    for f in manifest["files"]:
        if f["table"] in totals:
            totals[f["table"]] += f["rows"]
    assert totals == manifest["tables"]


def test_cli_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    flags = [f"--instrument={i}" for i in PAIR]
    result = runner.invoke(app, ["generate", "-o", str(out), *flags, "--duration", "10m",
                                 "--segment", "5m", "--warmup", "5m", "--seed", "21", "-q",
                                 "--no-cache"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [str(i) for i in open_dataset(out).instruments] == PAIR

    check = runner.invoke(app, ["check", str(out), "--format", "json"])
    assert check.exit_code == 0, check.output
    reports = json.loads(check.output)
    assert [(r["venue"], r["symbol"], r["passed"]) for r in reports] == [
        ("binance", "BTCUSDT", True), ("okx", "ETH-USDT-SWAP", True)]  # fmt: skip
    one = runner.invoke(app, ["check", str(out), "--instrument", "okx:ETH-USDT-SWAP"])
    assert one.exit_code == 0 and "ETH-USDT-SWAP" in one.output and "BTCUSDT" not in one.output

    report = runner.invoke(app, ["report", str(out), "--format", "json"])
    assert report.exit_code in (0, 1, 3), report.output
    cards = [json.loads(line) for line in report.output.splitlines() if line.strip()]
    # One card per instrument, then the cross-asset card across them.
    assert [(c["venue"], c["symbol"]) for c in cards] == [
        ("binance", "BTCUSDT"), ("okx", "ETH-USDT-SWAP"), ("*", "cross-asset")]  # fmt: skip
    assert [f["name"] for f in cards[-1]["facts"]][:3] == [
        "cross_correlation_1m", "cross_correlation_5m", "cross_correlation_1h"]  # fmt: skip
    html = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "r.html")])
    assert html.exit_code == 2 and "name one of" in html.output

    again = runner.invoke(app, ["reproduce", str(out)])
    assert again.exit_code == 0 and "reproduced" in again.output, again.output

    key = tmp_path / "key"
    assert runner.invoke(app, ["keygen", str(key)]).exit_code == 0
    assert runner.invoke(app, ["sign", str(out), "--key", str(key)]).exit_code == 0
    verified = runner.invoke(app, ["verify", str(out), "--key", f"{key}.pub"])
    assert verified.exit_code == 0, verified.output
