"""An OpenData day built through the job service (what the daily CronJob runs) has the bytes
of a local build: real API and worker processes on Redis and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aleatoric.opendata import build_release, load_universe, parse_date
from tests.service._procs import ServiceProcess
from tests.service.conftest import API_KEY, tree_digests

UNIVERSE = """
version = 1
preset = "volatile"
tables = ["book_snapshot", "trades", "ticker", "funding"]
snapshot_depth = 10
snapshot_interval = "1s"
instruments = [{ venue = "bybit", symbol = "ETHUSDT" }]
[native]
duration = "1m"
instruments = [{ venue = "okx", symbol = "BTC-USDT-SWAP" }]
"""


@pytest.mark.slow
def test_a_day_built_through_the_job_service_equals_a_local_build(
    api: str, worker: ServiceProcess, tmp_path: Path
) -> None:
    universe = tmp_path / "universe.toml"
    universe.write_text(UNIVERSE)
    env = {**os.environ, "ALEATORIC_API_KEY": API_KEY, "ALEATORIC_CACHE_DIR": str(tmp_path / "c")}
    remote = tmp_path / "remote"
    res = subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "opendata", "build", "--date", "2026-04-05",
         "--out", str(remote), "--duration", "2m", "--universe", str(universe), "--remote", api,
         "--index", "--quiet"],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert (remote / "catalog.json").is_file() and (remote / "index.html").is_file()
    local = build_release(
        parse_date("2026-04-05"), tmp_path / "local", duration_ns=120_000_000_000,
        spec=load_universe(universe),
    )  # fmt: skip
    for part in ("data", "captures"):
        mine = tree_digests(local.path / part)
        assert mine and tree_digests(remote / "2026-04-05" / part) == mine
