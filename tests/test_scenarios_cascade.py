"""Liquidation cascade end to end: forced sells through the order flow, labels, liquidations.

One 30-minute dataset with the ``liquidation-cascade`` preset at 00:05 (15 minutes), written
with one and with two workers (10-minute segments).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import aleatoric
from aleatoric.config import ConfigError, DatasetConfig, load_config
from aleatoric.dataset import open_dataset
from aleatoric.scenarios import LABELS_PATH, LIQUIDATIONS_PATH, forced_orders, place_scenarios
from tests.conftest import read_table

MIN = 60_000_000_000


def _config() -> DatasetConfig:
    base = load_config(None, duration="30m", segment="10m", warmup="5m", seed=0)
    overlays = place_scenarios(["liquidation-cascade@2026-01-01T00:05Z"], base)
    return load_config(None, duration="30m", segment="10m", warmup="5m", seed=0,
                       overlays=overlays)  # fmt: skip


@pytest.fixture(scope="module")
def cascade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cascade") / "w2"
    aleatoric.generate(_config(), out, workers=2)
    return out


def test_forced_sells_fill_through_the_book_and_are_labelled(cascade: Path) -> None:
    config = _config()
    t, requested = forced_orders(config, config.instruments[0])
    lo, hi = config.start_ns + 5 * MIN, config.start_ns + 20 * MIN
    assert t.size > 100 and (t >= lo).all() and (t < hi).all()
    # Each forced order is a market sell reaching the book at its time: the trades printed at
    # that nanosecond, measured here from the trades table, are what the tables report.
    trades = read_table(cascade, "trades")
    ts = trades["ts_event"].cast(pl.Int64).to_numpy()
    sell = (trades["side"] == "sell").to_numpy()
    size = trades["size"].to_numpy()
    filled = np.array([size[(ts == x) & sell].sum() for x in t.tolist()])
    assert (filled > 0).mean() > 0.9
    assert (filled <= requested + 1e-9).all()
    liq = pl.read_parquet(cascade / LIQUIDATIONS_PATH)
    assert liq.height == int((filled > 0).sum())
    assert liq["size"].sum() == pytest.approx(filled.sum())
    assert set(liq["side"]) == {"sell"}
    (label,) = pl.read_parquet(cascade / LABELS_PATH).to_dicts()
    assert label["kind"] == "liquidation-cascade"
    assert label["liquidated_volume"] == pytest.approx(filled.sum())
    # The cascade moves the market: a fall of 10-25 % (3 % triggered, the rest forced), a
    # thinner touch and a wider spread, and open interest down by about its share.
    assert 0.10 < label["peak_to_trough"] < 0.25
    assert label["depth_multiple"] < 0.5 and label["spread_multiple"] > 1.5
    ticker = read_table(cascade, "ticker").select("ts_event", "open_interest")
    oi = ticker["open_interest"].to_numpy()
    t_oi = ticker["ts_event"].cast(pl.Int64).to_numpy()
    before = oi[(t_oi >= lo - 2 * MIN) & (t_oi < lo)].mean()
    after = oi[(t_oi >= hi) & (t_oi < hi + 2 * MIN)].mean()
    assert 0.85 < after / before < 0.95


def test_same_bytes_for_one_and_two_workers(cascade: Path, tmp_path: Path) -> None:
    serial = tmp_path / "w1"
    aleatoric.generate(_config(), serial, workers=1)
    a, b = open_dataset(cascade).manifest, open_dataset(serial).manifest
    assert a.table_digests == b.table_digests
    assert {"liquidations", "scenario_labels"} <= set(a.table_digests)
    assert (cascade / LIQUIDATIONS_PATH).read_bytes() == (serial / LIQUIDATIONS_PATH).read_bytes()


def test_check_and_the_scorecard_pass(cascade: Path) -> None:
    from aleatoric.realism import scorecard

    done = subprocess.run([sys.executable, "-m", "aleatoric.cli", "check", str(cascade)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    card = scorecard(cascade)
    facts = {f.name: f for f in card.scenarios}
    assert facts["liquidation-cascade@5m.liquidated_volume"].passed is True
    assert facts["liquidation-cascade@5m.depth_multiple"].passed is True
    assert card.fact("spread_one_tick").passed is True  # outside 00:05-00:23


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"leverage": 500}, "params.leverage: must be in [2, 125], was 500"),
        ({"trigger_min": 30}, "params.trigger_min: the trigger must fall inside the window"),
        ({"levrage": 20}, "params.levrage: not a parameter of liquidation-cascade"),
    ],
)
def test_bad_cascade_params_name_the_field(params: dict[str, float], words: str) -> None:
    overlay = {"kind": "liquidation-cascade", "start": "5m", "duration": "15m", "params": params}
    with pytest.raises(ConfigError) as err:
        load_config(None, duration="30m", overlays=[overlay])
    assert words in str(err.value)


# --- native liquidation streams, on each venue -------------------------------------------

NATIVE = {"binance": "BTCUSDT", "bybit": "BTCUSDT", "okx": "BTC-USDT-SWAP", "hyperliquid": "BTC"}
#: How each venue's liquidation stream is recognised in a capture line.
STREAM = {"binance": '"e":"forceOrder"', "bybit": '"topic":"allLiquidation.',
          "okx": '"channel":"liquidation-orders"'}  # fmt: skip


@pytest.fixture(scope="module", params=list(NATIVE))
def native(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venue = request.param
    base = load_config(None, venue=venue, symbol=NATIVE[venue], duration="20m", segment="20m",
                       warmup="5m", seed=5)  # fmt: skip
    overlays = place_scenarios(["liquidation-cascade@2026-01-01T00:05Z"], base)
    config = load_config(None, venue=venue, symbol=NATIVE[venue], duration="20m",
                         segment="20m", warmup="5m", seed=5, overlays=overlays)  # fmt: skip
    out = tmp_path_factory.mktemp("native") / venue
    aleatoric.generate(config, out, formats=("parquet", "native"))
    return out


def test_each_venue_streams_its_liquidations_natively(native: Path) -> None:
    import gzip
    import json

    from aleatoric.integrity import check_capture

    venue = native.name
    (capture,) = sorted((native / "native" / venue).glob("*.gz"))
    with gzip.open(capture, "rt") as fh:
        msgs = [json.loads(line.split(" ", 1)[1]) for line in fh]
    liq = pl.read_parquet(native / LIQUIDATIONS_PATH)
    assert liq.height > 50
    ms = liq["ts_event"].cast(pl.Int64).to_numpy() // 1_000_000
    if venue == "hyperliquid":  # no public liquidation stream: the fills are trades only
        assert not any(
            "liquidat" in json.dumps(m).lower() for m in msgs[:: max(1, len(msgs) // 5000)]
        )
    else:
        found = [m for m in msgs if STREAM[venue] in json.dumps(m, separators=(",", ":"))]
        if venue == "binance":  # the latest order of every second
            assert len(found) == np.unique(ms // 1000).size
            o = found[-1]["data"]["o"]
            assert (o["S"], o["o"], o["f"], o["X"]) == ("SELL", "LIMIT", "IOC", "FILLED")
            assert float(o["z"]) == pytest.approx(liq["size"][-1])
        elif venue == "bybit":  # every 500 ms, every liquidation of the window
            assert sum(len(m["data"]) for m in found) == liq.height
            assert len(found) == np.unique(ms // 500).size
            assert {d["S"] for m in found for d in m["data"]} == {"Buy"}  # longs liquidated
            total = sum(float(d["v"]) for m in found for d in m["data"])
            assert total == pytest.approx(liq["size"].sum(), rel=1e-6)
        else:  # okx: the latest order per second, size in contracts (0.01 BTC)
            assert len(found) == np.unique(ms // 1000).size
            d = found[-1]["data"][0]["details"][0]
            assert (d["side"], d["posSide"]) == ("sell", "long")
            assert float(d["sz"]) * 0.01 == pytest.approx(liq["size"][-1])
    # The capture still passes every rule (decoders skip the liquidation stream).
    report = check_capture(capture, venue)
    failed = {r.name: r.violations for r in report.results if r.violations}
    assert not failed, failed
