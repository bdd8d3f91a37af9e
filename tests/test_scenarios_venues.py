"""Every named scenario on every venue: one dataset per venue holds all of them.

Placed at 00:05 (flash-crash-severe, 20m, and the 2h funding squeeze over everything), 00:30
(liquidation-cascade, 15m), 00:50 (liquidity-void, 20m), 01:15 (flash-crash, 15m) and 01:35
(venue-outage, 5m) in a 2h05m dataset. Each generates, passes ``aleatoric check`` and the
capture's rules, and its label says what the written book shows.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import aleatoric
from aleatoric.config import load_config
from aleatoric.config._scenarios import scenario_presets
from aleatoric.integrity import check_capture
from aleatoric.scenarios import LABELS_PATH, place_scenarios
from tests.conftest import read_table

VENUES = {"binance": "BTCUSDT", "bybit": "BTCUSDT", "okx": "BTC-USDT-SWAP", "hyperliquid": "BTC"}
AT = {
    "flash-crash-severe": "00:05", "funding-squeeze": "00:05", "liquidation-cascade": "00:30",
    "liquidity-void": "00:50", "flash-crash": "01:15", "venue-outage": "01:35",
}  # fmt: skip


@pytest.fixture(scope="module", params=list(VENUES))
def every(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venue = request.param
    kw = {"venue": venue, "symbol": VENUES[venue], "duration": "2h5m", "seed": 9}
    specs = [f"{name}@2026-01-01T{at}Z" for name, at in AT.items()]
    config = load_config(None, **kw, overlays=place_scenarios(specs, load_config(None, **kw)))
    out = tmp_path_factory.mktemp("every") / venue
    aleatoric.generate(config, out, formats=("parquet", "native"))
    return out


@pytest.mark.slow
def test_every_preset_generates_on_every_venue(every: Path) -> None:
    assert set(AT) == set(scenario_presets())  # a new preset joins this test
    done = subprocess.run([sys.executable, "-m", "aleatoric.cli", "check", str(every)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    (capture,) = sorted((every / "native" / every.name).glob("*.gz"))
    report = check_capture(capture, every.name)
    assert not {r.name: r.violations for r in report.results if r.violations}
    labels = pl.read_parquet(every / LABELS_PATH).sort("start", "kind").to_dicts()
    assert sorted(r["kind"] for r in labels) == sorted(
        str(p.overlay["kind"]) for p in scenario_presets().values()
    )
    snap = read_table(every, "book_snapshot")
    ts = snap["ts_event"].cast(pl.Int64).to_numpy()
    mid = ((snap["bid_px_00"] + snap["ask_px_00"]) / 2).to_numpy()
    for row in labels:
        if row["kind"] == "venue-outage":
            continue
        lo, hi = (int(row[k].timestamp()) * 1_000_000_000 for k in ("start", "end"))
        m = mid[(ts >= lo) & (ts < hi) & np.isfinite(mid)]
        k = int(np.argmin(m))
        assert row["peak_to_trough"] == pytest.approx(1 - m[k] / m[: k + 1].max()), row["kind"]
        if row["kind"] in ("flash-crash", "flash-crash-severe"):
            drop = 0.08 if "0.08" in row["params"] else 0.15
            assert row["peak_to_trough"] == pytest.approx(drop, rel=0.3), row
        if row["kind"] in ("flash-crash", "liquidity-void", "liquidation-cascade"):
            assert row["depth_multiple"] < 0.5 and row["spread_multiple"] > 1.5, row
        if row["kind"] == "liquidation-cascade":
            assert row["liquidated_volume"] > 0
        if row["kind"] == "funding-squeeze":
            assert row["mean_premium"] > 0.003, row
