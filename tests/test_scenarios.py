"""Stress scenarios end to end: real generation, measured on the written tables.

One 35-minute dataset holds a liquidity void (5m-13m), a flash crash (18m-33m, an 8 % drop
over 4 minutes, half of it regained with a 5-minute half-life) and a funding squeeze
(20m-35m, a 150 bps premium). It is generated with
one and with two workers, beside the same config without scenarios.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import aleatoric
from aleatoric.config import ConfigError, DatasetConfig, load_config
from aleatoric.dataset import open_dataset
from aleatoric.scenarios import LABELS_PATH, place_scenarios, scenario_rows
from tests.conftest import read_table

MIN = 60_000_000_000
BASE = {"duration": "35m", "segment": "5m", "warmup": "5m", "seed": 3}
VOID = {"kind": "liquidity-void", "start": "5m", "duration": "8m"}
CRASH = {
    "kind": "flash-crash", "start": "18m", "duration": "15m",
    "params": {"drop": 0.08, "fall_min": 4, "recovery": 0.5, "half_life_min": 5},
}  # fmt: skip
SQUEEZE = {
    "kind": "funding-squeeze", "start": "20m", "duration": "15m",
    "params": {"premium_bps": 150, "ramp_min": 2},
}  # fmt: skip
TICK = 0.1  # binance BTCUSDT
CAP = 0.003  # its funding cap


@pytest.fixture(scope="module")
def config() -> DatasetConfig:
    return load_config(None, **BASE, overlays=[VOID, CRASH, SQUEEZE])


@pytest.fixture(scope="module")
def stressed(tmp_path_factory: pytest.TempPathFactory, config: DatasetConfig) -> Path:
    out = tmp_path_factory.mktemp("scen") / "w2"
    aleatoric.generate(config, out, workers=2)
    return out


@pytest.fixture(scope="module")
def stressed_serial(tmp_path_factory: pytest.TempPathFactory, config: DatasetConfig) -> Path:
    out = tmp_path_factory.mktemp("scen") / "w1"
    aleatoric.generate(config, out, workers=1)
    return out


@pytest.fixture(scope="module")
def calm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scen") / "calm"
    aleatoric.generate(load_config(None, **BASE), out)
    return out


def _book(root: Path) -> pl.DataFrame:
    snap = read_table(root, "book_snapshot")
    return snap.select(
        pl.col("ts_event").alias("ts"),
        ((pl.col("bid_px_00") + pl.col("ask_px_00")) / 2).alias("mid"),
        (pl.col("ask_px_00") - pl.col("bid_px_00")).alias("spread"),
        ((pl.col("bid_sz_00") + pl.col("ask_sz_00")) / 2).alias("touch"),
    )


def _window(frame: pl.DataFrame, root: Path, lo_min: float, hi_min: float) -> pl.DataFrame:
    t0 = open_dataset(root).config.start_ns
    return frame.filter(
        (pl.col("ts") >= t0 + int(lo_min * MIN)) & (pl.col("ts") < t0 + int(hi_min * MIN))
    )


def _labels(root: Path) -> list[dict[str, Any]]:
    return pl.read_parquet(root / LABELS_PATH).sort("start").to_dicts()


def test_crash_drops_the_traded_price_by_the_configured_depth(stressed: Path) -> None:
    # The traded price, per second (median of the second's trades): peak before the trough
    # and the trough, inside the crash window.
    trades = read_table(stressed, "trades")
    per_s = (
        _window(trades.rename({"ts_event": "ts"}), stressed, 18, 33)
        .group_by((pl.col("ts") // 1_000_000_000).alias("s"))
        .agg(pl.col("price").median())
        .sort("s")
    )
    px = per_s["price"].to_numpy()
    k = int(np.argmin(px))
    drop = 1.0 - px[k] / px[: k + 1].max()
    assert 0.065 < drop < 0.095, drop
    # The trough comes at the end of the configured fall (4 minutes), not before 3.
    assert 3 * 60 <= per_s["s"][k] - per_s["s"][0] <= 5 * 60
    # Partial recovery: 0.5 * (1 - 2**(-11/5)) = 0.39 of the fall regained by the end.
    regained = (px[-1] - px[k]) / (px[: k + 1].max() - px[k])
    assert 0.25 < regained < 0.55, regained


def test_depth_falls_and_spread_widens_inside_windows_only(stressed: Path) -> None:
    book = _book(stressed)
    before = _window(book, stressed, 0, 5)
    for lo, hi, depth_max, spread_min in ((5, 13, 0.3, 2.5), (18, 33, 0.2, 3.0)):
        inside = _window(book, stressed, lo, hi)
        assert inside["touch"].mean() < depth_max * before["touch"].mean()
        assert inside["spread"].mean() > spread_min * before["spread"].mean()
    # Calm outside: before the first window and after the void, the maker's one-tick spread.
    for lo, hi in ((0, 5), (14, 18)):
        calm = _window(book, stressed, lo, hi)
        assert calm["spread"].mean() < 1.5 * TICK
    # A liquidity void forces no price move: the mid stays within 1 % over its window.
    void = _window(book, stressed, 5, 13)["mid"]
    assert void.max() / void.min() - 1.0 < 0.01


def test_labels_match_the_data(stressed: Path, config: DatasetConfig) -> None:
    labels = _labels(stressed)
    assert [r["kind"] for r in labels] == ["liquidity-void", "flash-crash", "funding-squeeze"]
    book = _book(stressed)
    outside = book
    for row, overlay in zip(labels, config.overlays, strict=True):
        lo, hi = config.overlay_window(overlay)
        assert (row["start"].timestamp() * 1e9, row["end"].timestamp() * 1e9) == (lo, hi)
        assert (row["venue"], row["symbol"]) == ("binance", "BTCUSDT")
        assert json.loads(row["params"]) == {**overlay.scenario_params(), "intensity": 1.0}
        outside = outside.filter((pl.col("ts") < lo) | (pl.col("ts") >= hi))
    for row in labels:
        lo = int(row["start"].timestamp() * 1e9)
        hi = int(row["end"].timestamp() * 1e9)
        inside = book.filter((pl.col("ts") >= lo) & (pl.col("ts") < hi))
        mid = inside["mid"].to_numpy()
        k = int(np.argmin(mid))
        assert row["peak_to_trough"] == pytest.approx(1 - mid[k] / mid[: k + 1].max())
        assert row["time_to_trough_s"] == pytest.approx((inside["ts"][k] - lo) / 1e9)
        spread = inside["spread"].mean() / outside["spread"].mean()
        depth = inside["touch"].mean() / outside["touch"].mean()
        assert row["spread_multiple"] == pytest.approx(spread)
        assert row["depth_multiple"] == pytest.approx(depth)
    crash = labels[1]
    assert crash["peak_to_trough"] == pytest.approx(0.08, abs=0.015)
    assert crash["depth_multiple"] < 0.2 and crash["spread_multiple"] > 3
    assert labels[0]["peak_to_trough"] < 0.01
    manifest = open_dataset(stressed).manifest
    assert manifest.tables["scenario_labels"] == 3


def test_funding_squeeze_runs_funding_to_its_cap(stressed: Path) -> None:
    ticker = read_table(stressed, "ticker").rename({"ts_event": "ts"})
    premium = (pl.col("last_price") / pl.col("index_price") - 1.0).alias("premium")
    before = _window(ticker, stressed, 0, 18).select(premium, "predicted_funding_rate")
    during = _window(ticker, stressed, 23, 35).select(premium, "predicted_funding_rate")
    assert abs(before["premium"].mean()) < 0.001
    assert during["premium"].mean() == pytest.approx(0.015, abs=0.002)
    assert before["predicted_funding_rate"].max() < CAP / 2
    assert during["predicted_funding_rate"].max() == pytest.approx(CAP)
    label = _labels(stressed)[2]
    assert label["peak_funding_rate"] == pytest.approx(CAP)
    assert label["mean_premium"] == pytest.approx(0.015, abs=0.002)
    # The squeeze acts on the basis only: the book keeps its depth and spread.
    squeeze_only = _window(_book(stressed), stressed, 33, 35)
    assert squeeze_only["spread"].mean() < 1.5 * TICK


def test_scorecard_judges_calm_bands_outside_windows_and_each_scenario(stressed: Path) -> None:
    from aleatoric.realism import compute_facts, load_observations, scorecard
    from aleatoric.realism._stress import read_labels, scenario_facts

    card = scorecard(stressed)
    # Calm bands: outside the void (5m-13m) and the crash (18m-33m), each plus 3 minutes.
    t0 = open_dataset(stressed).config.start_ns
    assert card.stressed == ((t0 + 5 * MIN, t0 + 16 * MIN), (t0 + 18 * MIN, t0 + 36 * MIN))
    assert card.fact("spread_one_tick").passed is True
    # Over every minute, the same band fails: the stress is where it was placed.
    whole = {f.name: f for f in compute_facts(load_observations(stressed))}
    assert whole["spread_one_tick"].passed is False
    # Each scenario's measures are checked against its configured shape, and hold.
    names = {f.name: f for f in card.scenarios}
    for name in ("peak_to_trough", "time_to_trough_s", "recovered_share", "spread_multiple",
                 "depth_multiple"):  # fmt: skip
        assert names[f"flash-crash@18m.{name}"].passed is True, names[f"flash-crash@18m.{name}"]
    assert names["liquidity-void@5m.depth_multiple"].passed is True
    assert names["liquidity-void@5m.spread_multiple"].passed is True
    assert names["funding-squeeze@20m.mean_premium"].passed is True
    assert names["funding-squeeze@20m.peak_funding_rate"].passed is True
    assert not card.failed
    # The same data against another configured shape fail: a deeper drop, a later trough,
    # a thinner book and a smaller premium.
    labels = read_labels(stressed, "binance", "BTCUSDT")
    for row in labels:
        row["params"] = {**row["params"], "drop": 0.15, "fall_min": 10, "depth": 0.01,
                         "premium_bps": 400}  # fmt: skip
    wrong = {f.name: f for f in scenario_facts(labels, funding_cap=CAP, start_ns=t0)}
    for name in ("flash-crash@18m.peak_to_trough", "flash-crash@18m.time_to_trough_s",
                 "flash-crash@18m.depth_multiple", "liquidity-void@5m.depth_multiple",
                 "funding-squeeze@20m.mean_premium"):  # fmt: skip
        assert wrong[name].passed is False, wrong[name]


def test_same_bytes_for_one_and_two_workers(stressed: Path, stressed_serial: Path) -> None:
    a, b = open_dataset(stressed).manifest, open_dataset(stressed_serial).manifest
    assert a.table_digests == b.table_digests
    assert (stressed / LABELS_PATH).read_bytes() == (stressed_serial / LABELS_PATH).read_bytes()


def test_minutes_before_the_first_window_keep_their_bytes(stressed: Path, calm: Path) -> None:
    # Segment 0 ([0, 5m)) ends where the void begins: every table's file is identical.
    def first_segment(root: Path) -> dict[str, str]:
        return {
            f.path: f.content_sha256
            for f in open_dataset(root).manifest.file_entries
            if f.path.endswith("part-00000.parquet") and f.table != "scenario_labels"
        }

    assert first_segment(stressed) == first_segment(calm)
    assert len(first_segment(calm)) >= 5
    # Later minutes change (the scenario does something), and the calm dataset has no labels.
    assert (
        open_dataset(stressed).manifest.table_digests != open_dataset(calm).manifest.table_digests
    )
    assert not (calm / LABELS_PATH).exists()
    assert "scenario_labels" not in open_dataset(calm).manifest.tables


def test_stressed_dataset_passes_the_integrity_check(stressed: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "check", str(stressed)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


# --- validation (no generation) --------------------------------------------------------


@pytest.mark.parametrize(
    ("overlays", "field", "words"),
    [
        ([{**CRASH, "kind": "flash-crsh"}], "overlays.0.kind",
         "allowed: flash-crash, funding-squeeze, latency, liquidation-cascade, liquidity-void"),
        ([{**CRASH, "params": {"dorp": 0.1}}], "overlays.0", "params.dorp: not a parameter"),
        ([{**CRASH, "params": {"drop": 0.9}}], "overlays.0",
         "params.drop: must be in [0.001, 0.5]"),
        ([{**CRASH, "intensity": 0}], "overlays.0", "intensity: must be in (0, 10]"),
        ([{**CRASH, "duration": None}], "overlays.0", "duration: a scenario needs"),
        ([{**CRASH, "profile": "retail"}], "overlays.0", "profile: kind 'flash-crash' takes no"),
        ([{**CRASH, "params": {"fall_min": 20}}], "overlays.0", "params.fall_min: the trough"),
        ([{**CRASH, "start": "30m"}], "overlays.0.duration", "must end inside the dataset"),
        ([CRASH, {**VOID, "start": "20m"}], "overlays.1", "overlaps the one of overlays.0"),
        ([{**CRASH, "instrument": "okx:BTC-USDT-SWAP"}], "overlays.0.instrument",
         "not in the config; allowed: binance:BTCUSDT"),
        ([{"kind": "latency", "profile": "retail", "intensity": 2}], "overlays.0",
         "intensity: only stress scenarios take it"),
        ([{"kind": "venue-outage", "start": "1m", "duration": "2m", "params": {"gap": 1}}],
         "overlays.0", "params.gap: not a parameter of venue-outage; allowed: none"),
    ],
)  # fmt: skip
def test_bad_scenarios_name_the_field(overlays: list[Any], field: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, **BASE, overlays=overlays)
    assert [path for path, _ in info.value.errors] == [field]
    assert words in info.value.errors[0][1]


def test_scenarios_on_different_instruments_may_overlap() -> None:
    config = load_config(
        None, **BASE, instruments=["binance:BTCUSDT", "bybit:BTCUSDT"],
        overlays=[{**CRASH, "instrument": "binance:BTCUSDT"},
                  {**VOID, "start": "20m", "instrument": "bybit:BTCUSDT"}],
    )  # fmt: skip
    bybit = config.for_instrument("bybit:BTCUSDT")
    assert [o.kind for o in bybit.overlays] == ["liquidity-void"]


def test_latency_overlays_serialize_as_before() -> None:
    config = load_config(None, **BASE, overlays=[{"kind": "latency", "profile": "retail"}])
    assert set(config.canonical()["overlays"][0]) == {"kind", "profile", "start", "duration",
                                                      "params"}  # fmt: skip


def test_every_preset_places_and_validates() -> None:
    names = [r["scenario"] for r in scenario_rows()]
    assert {"flash-crash", "liquidity-void"} <= set(names)
    config = load_config(None, duration="3h")
    placed = place_scenarios([f"{n}@2026-01-01T00:10Z" for n in names[:1]], config)
    assert placed[0]["start"] == "10m"
    for name in names:
        entries = place_scenarios([f"{name}@2026-01-01T00:30Z"], config)
        ok = load_config(None, duration="3h", overlays=entries)
        assert ok.overlays[0].is_scenario


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", *args], capture_output=True, text=True,
        check=False, cwd=cwd,
    )  # fmt: skip


def test_cli_lists_scenarios_and_refuses_bad_ones(tmp_path: Path) -> None:
    listed = _cli("scenarios", "--format", "json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert {"flash-crash", "liquidity-void"} <= {r["scenario"] for r in json.loads(listed.stdout)}
    out = tmp_path / "out"
    for spec, words in (
        ("flash-crsh@2026-01-01T00:10Z", "unknown scenario 'flash-crsh'; allowed: flash-crash"),
        ("flash-crash@noon", "an ISO 8601 UTC time"),
        ("flash-crash@2026-01-01T00:50Z", "lie inside the dataset"),
    ):
        done = _cli("generate", "-o", str(out), "--duration", "1h", "--scenario", spec,
                    cwd=tmp_path)  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert "scenario" in done.stderr and words in done.stderr
        assert "Traceback" not in done.stderr and not out.exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('duration = "1h"\n[[overlays]]\nkind = "flash-crash"\nstart = "10m"\n'
                   'duration = "15m"\nparams = { dorp = 0.1 }\n')  # fmt: skip
    done = _cli("generate", "-o", str(out), "-c", str(bad), cwd=tmp_path)
    assert done.returncode == 2 and "params.dorp" in done.stderr and "allowed: drop" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
