"""The command line's output when piped or captured: complete, machine-readable, verbatim."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = [sys.executable, "-m", "aleatoric.cli"]


def piped(*args: str, program: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a pipe would: no terminal and no COLUMNS set."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [*(program or BIN), *args], capture_output=True, text=True, timeout=600, env=env
    )


def test_piped_tables_and_help_are_not_truncated() -> None:
    res = piped("instruments")
    assert res.returncode == 0, res.stderr
    assert "…" not in res.stdout
    assert "BTC-USDT-SWAP" in res.stdout and "min notional" in res.stdout
    res = piped("generate", "--help")
    assert res.returncode == 0, res.stderr
    assert "…" not in res.stdout
    for flag in ("--snapshot-depth", "--snapshot-interval", "--okx-checksum", "--workers"):
        assert flag in res.stdout, flag


@pytest.mark.slow
def test_listing_commands_print_json_and_csv(tmp_path: Path) -> None:
    data = json.loads(piped("instruments", "--format", "json").stdout)
    okx = next(i for i in data if i["venue"] == "okx" and i["symbol"] == "BTC-USDT-SWAP")
    assert okx["contract_value"] == "0.01" and okx["funding_interval_hours"] == 8
    rows = list(csv.DictReader(io.StringIO(piped("instruments", "-f", "csv", "--venue",
                                                 "bybit").stdout)))  # fmt: skip
    assert {r["venue"] for r in rows} == {"bybit"} and {r["symbol"] for r in rows} >= {"BTCUSDT"}
    presets = json.loads(piped("presets", "--format", "json").stdout)
    assert {p["preset"] for p in presets} >= {"calm", "volatile"}
    assert all(p["description"] for p in presets)
    cache = piped("cache", "ls", "--cache-dir", str(tmp_path / "c"), "--format", "json")
    assert cache.returncode == 0, cache.stderr
    assert json.loads(cache.stdout) == []
    bad = piped("presets", "--format", "xml")
    assert bad.returncode == 2 and "xml" in bad.stderr


def test_install_hint_is_printed_verbatim(tmp_path: Path) -> None:
    # Without matplotlib the HTML report names its extra; markup must not eat "[report]".
    program = [sys.executable, "-c",
               "import sys; sys.modules['matplotlib'] = None\n"
               "from aleatoric.cli import main; main()"]  # fmt: skip
    res = piped("report", str(tmp_path), "--out", str(tmp_path / "r.html"), program=program)
    assert res.returncode == 2
    assert "pip install 'aleatoric[report]'" in res.stderr, res.stderr


@pytest.mark.slow
def test_one_overall_progress_bar(tmp_path: Path) -> None:
    flags = ["--duration", "20m", "--segment", "10m", "--warmup", "5m", "--tables", "trades"]
    res = piped("generate", *flags, "--out", str(tmp_path / "ds"), "--no-cache",
                "--workers", "2")  # fmt: skip
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr  # no bar per segment when piped
    assert "generating (2 workers)" in lines[0] and "2/2 segments" in lines[0]
    assert "100%" in lines[0] and "ETA" in lines[0]
