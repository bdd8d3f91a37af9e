"""Order latency: the Python API, the hftbacktest order-latency file, and a real backtest on it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

import aleatoric
from aleatoric.integrations import export
from aleatoric.latency import PROFILES, sample_order_latency
from tests.conformance.hft import hft_python

HERE = Path(__file__).parent
START = 1_767_225_600_000_000_000


def test_order_latency_api() -> None:
    model = PROFILES["cross-region"]
    ts = START + np.arange(0, 600_000_000_000, 50_000_000)
    entry, response = sample_order_latency(model, ts, rate=100.0, seed=4, origin_ns=START)
    again = sample_order_latency(model, ts, rate=100.0, seed=4, origin_ns=START)
    assert np.array_equal(entry, again[0]) and np.array_equal(response, again[1])
    assert entry.min() >= 65_000_000 and response.min() >= 65_000_000
    assert np.median(entry) == pytest.approx(68_000_000, rel=0.03)
    assert abs(np.corrcoef(np.log(entry - 65e6), np.log(response - 65e6))[0, 1]) < 0.1
    busy, _ = sample_order_latency(model, ts, rate=1000.0, seed=4, origin_ns=START)
    # Ten times the reference rate: log excess up by rate_elasticity * log(10).
    ratio = np.median(busy - 65e6) / np.median(entry - 65e6)
    assert ratio == pytest.approx(10**model.rate_elasticity, rel=0.01)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hftlat")
    config = aleatoric.load_config(
        duration="5m", segment="5m", warmup="5m", seed=8, tables=["book_delta", "trades"],
        overlays=[{"kind": "latency", "profile": "retail"}],
    )  # fmt: skip
    aleatoric.generate(config, root / "ds")
    export(root / "ds", "hftbacktest", root / "hft")
    return root / "hft"


def _rows(exported: Path) -> np.ndarray:
    return np.load(exported / "binance/BTCUSDT/order_latency.npz")["data"]


def test_order_latency_file_follows_the_model(exported: Path) -> None:
    rows = _rows(exported)
    assert rows.size == 300  # one row per second
    entry = rows["exch_ts"] - rows["req_ts"]
    response = rows["resp_ts"] - rows["exch_ts"]
    assert entry.min() >= 20_000_000 and response.min() >= 20_000_000
    assert np.unique(entry).size == rows.size
    assert not np.array_equal(entry, response)
    assert (np.diff(rows["req_ts"]) > 0).all()


@pytest.mark.slow
def test_hftbacktest_runs_with_the_order_latency_file(exported: Path) -> None:
    res = subprocess.run(
        [hft_python(), str(HERE / "conformance" / "hft_order_latency.py"), str(exported)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    orders = np.array(json.loads(res.stdout.splitlines()[-1])["orders"], dtype=np.int64)
    assert len(orders) > 200
    rows = _rows(exported)
    req = rows["req_ts"].astype(float)
    sent, taken, answered = orders[:, 0], orders[:, 1], orders[:, 2]
    expected_entry = np.interp(sent, req, (rows["exch_ts"] - rows["req_ts"]).astype(float))
    # hftbacktest interpolates the file's entry latency at the send time.
    assert np.abs((taken - sent) - expected_entry).max() < 1_000  # ns
    assert (answered > taken).all()
    assert np.unique(taken - sent).size > 100  # the model's delays, not a constant
