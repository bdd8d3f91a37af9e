"""The `aleatoric` command as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = [sys.executable, "-m", "aleatoric.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [*BIN, *args], capture_output=True, text=True, timeout=600, cwd=cwd, env=env
    )


def test_generate_writes_dataset_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    flags = ["--venue", "bybit", "--symbol", "BTCUSDT", "--duration", "5m", "--segment", "5m"]
    res = run("generate", *flags, "--seed", "0", "--out", str(out), "--tables", "trades,ticker")
    assert res.returncode == 0, res.stderr
    assert "events/s" in res.stdout and "trades" in res.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["tables"]) == {"trades", "ticker"}
    assert manifest["config"]["seed"] == 0
    for entry in manifest["files"]:
        assert (out / entry["path"]).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("flags", "field", "hint"),
    [
        (["--venue", "kraken"], "venue", "binance, bybit, okx, hyperliquid"),
        (["--symbol", "ADAUSDT"], "symbol", "BTCUSDT, ETHUSDT"),
        (["--duration", "-1h"], "duration", "positive"),
        (["--duration", "soon"], "duration", "'1h'"),
        (["--start", "2026-13-45"], "start", "ISO 8601"),
        (["--preset", "wild"], "preset", "calm, volatile"),
        (["--tables", "trades,quotes"], "tables", "'mbo'"),
    ],
)
def test_bad_input_exit_2_names_field_writes_nothing(
    tmp_path: Path, flags: list[str], field: str, hint: str
) -> None:
    out = tmp_path / "ds"
    res = run("generate", "--out", str(out), *flags)
    assert res.returncode == 2, res.stderr
    assert field in res.stderr and hint in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_type_is_usage_error(tmp_path: Path) -> None:
    res = run("generate", "--out", str(tmp_path / "x"), "--seed", "abc")
    assert res.returncode == 2
    assert "--seed" in res.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_existing_output_refused_then_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    args = ["generate", "--out", str(out), "--duration", "5m", "--segment", "5m",
            "--tables", "funding", "-q"]  # fmt: skip
    res = run(*args)
    assert res.returncode == 2 and "overwrite" in res.stderr
    assert (out / "keep.txt").exists()
    res = run(*args, "--overwrite")
    assert res.returncode == 0, res.stderr
    assert not (out / "keep.txt").exists() and (out / "manifest.json").exists()


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".json"])
def test_validate_good_config_files(tmp_path: Path, suffix: str) -> None:
    body = {
        ".toml": 'venue = "okx"\nsymbol = "BTC-USDT-SWAP"\nduration = "2h"\nseed = 5\n',
        ".yaml": "venue: okx\nsymbol: BTC-USDT-SWAP\nduration: 2h\nseed: 5\n",
        ".json": '{"venue": "okx", "symbol": "BTC-USDT-SWAP", "duration": "2h", "seed": 5}',
    }[suffix]
    path = tmp_path / f"c{suffix}"
    path.write_text(body)
    res = run("validate", str(path))
    assert res.returncode == 0, res.stderr
    assert "2 segment(s)" in res.stdout


def test_validate_reports_every_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("venue: binance\nsymbol: BTC\nseed: -3\nduration: 90s\ncolour: red\n")
    res = run("validate", str(path))
    assert res.returncode == 2
    for needle in ("symbol", "BTCUSDT, ETHUSDT", "seed", "greater than or equal to 0",
                   "duration", "whole number of minutes", "colour", "unknown field"):  # fmt: skip
        assert needle in res.stderr, (needle, res.stderr)


def test_presets_and_instruments_listed() -> None:
    res = run("presets")
    assert res.returncode == 0
    assert "calm" in res.stdout and "volatile" in res.stdout
    assert "BNB, BTC, DOGE, ETH, SOL, SUI, WIF, XRP" in res.stdout
    res = run("instruments", "--venue", "okx")
    assert "BTC-USDT-SWAP" in res.stdout and "binance" not in res.stdout


def test_help_is_complete() -> None:
    res = run("--help")
    for command in ("generate", "validate", "presets", "instruments"):
        assert command in res.stdout
    res = run("generate", "--help")
    for flag in ("--venue", "--symbol", "--preset", "--start", "--duration", "--seed",
                 "--out", "--workers", "--config"):  # fmt: skip
        assert flag in res.stdout
