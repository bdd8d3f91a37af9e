"""hftbacktest export: event arrays match the dataset, and a real backtest fills on them."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from aleatoric.integrations import export
from aleatoric.integrations.hftbacktest import (
    ADD_ORDER_EVENT,
    BUY_EVENT,
    CANCEL_ORDER_EVENT,
    DEPTH_EVENT,
    DEPTH_SNAPSHOT_EVENT,
    EVENT_DTYPE,
    EXCH_EVENT,
    FILL_EVENT,
    LOCAL_EVENT,
    MODIFY_ORDER_EVENT,
    SELL_EVENT,
    TRADE_EVENT,
)
from tests.conformance.books import final_book
from tests.conformance.hft import hft_python
from tests.conftest import read_table

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def hft(small_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hft") / "hft"
    res = subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "export", str(small_dataset), "--to",
         "hftbacktest", "--out", str(out), "-q"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return out


def _events(root: Path, key: str = "data") -> np.ndarray:
    (inst,) = json.loads((root / "export.json").read_text())["instruments"]
    return np.concatenate([np.load(root / f)["data"] for f in inst[key]])


def test_events_are_the_dataset_rows(hft: Path, small_dataset: Path) -> None:
    events = _events(hft)
    assert events.dtype == EVENT_DTYPE and EVENT_DTYPE.itemsize == 64
    delta, trades = read_table(small_dataset, "book_delta"), read_table(small_dataset, "trades")
    assert events.size == delta.height + trades.height
    ev = events["ev"].astype(np.int64)
    assert np.all(ev & EXCH_EVENT) and np.all(ev & LOCAL_EVENT)
    kind = ev & 0xFF
    is_trade = kind == TRADE_EVENT
    assert is_trade.sum() == trades.height
    assert np.all(events["local_ts"] > events["exch_ts"])
    assert np.all(np.diff(events["exch_ts"]) >= 0) and np.all(np.diff(events["local_ts"]) >= 0)
    t = events[is_trade]
    assert t["px"].tolist() == trades["price"].to_list()
    assert t["qty"].tolist() == trades["size"].to_list()
    assert t["local_ts"].tolist() == trades["ts_recv"].to_list()
    buys = (trades["side"] == "buy").to_numpy()
    assert np.array_equal((ev[is_trade] & BUY_EVENT) != 0, buys)
    assert np.array_equal((ev[is_trade] & SELL_EVENT) != 0, ~buys)
    d = events[~is_trade]
    assert d["px"].tolist() == delta["price"].to_list()
    assert d["qty"].tolist() == delta["size"].to_list()
    snap = delta["is_snapshot"].to_numpy()
    assert np.array_equal(kind[~is_trade], np.where(snap, DEPTH_SNAPSHOT_EVENT, DEPTH_EVENT))
    bids = (delta["side"] == "bid").to_numpy()
    assert np.array_equal((ev[~is_trade] & BUY_EVENT) != 0, bids)


def test_order_latency_file(hft: Path, small_dataset: Path) -> None:
    lat = np.load(hft / "binance/BTCUSDT/order_latency.npz")["data"]
    assert lat.dtype.names == ("req_ts", "exch_ts", "resp_ts", "_padding")
    assert lat.dtype.itemsize == 32 and lat.size == 15 * 60  # one row per second of data
    feed = 5_000_000  # the dataset's latency (ts_recv - ts_event)
    assert np.all(lat["exch_ts"] - lat["req_ts"] == feed)
    assert np.all(lat["resp_ts"] - lat["exch_ts"] == feed)
    assert np.all(np.diff(lat["req_ts"]) > 0)


def test_npz_bytes_are_deterministic(hft: Path, small_dataset: Path, tmp_path: Path) -> None:
    again = export(small_dataset, "hftbacktest", tmp_path / "again")
    assert (again.path / "export.json").read_bytes() == (hft / "export.json").read_bytes()
    with zipfile.ZipFile(hft / "binance/BTCUSDT/part-00000.npz") as z:
        assert z.namelist() == ["data.npy"]
        assert z.infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)


def test_l3_events_are_the_mbo_rows(hft: Path, small_dataset: Path) -> None:
    events = _events(hft, "data_l3")
    mbo = read_table(small_dataset, "mbo")
    action = mbo["action"].to_numpy()
    fills = int((action == "F").sum())
    assert events.size == mbo.height + fills  # a fill also updates or removes the order
    kind = events["ev"].astype(np.int64) & 0xFF
    for letter, code in (("A", ADD_ORDER_EVENT), ("T", TRADE_EVENT), ("F", FILL_EVENT)):
        assert int((kind == code).sum()) == int((action == letter).sum()), letter
    adds = events[kind == ADD_ORDER_EVENT]
    a = mbo.filter(mbo["action"] == "A")
    assert adds["order_id"].tolist() == a["order_id"].to_list()
    assert adds["qty"].tolist() == a["size"].to_list()
    removed = int((kind == CANCEL_ORDER_EVENT).sum()) - int((action == "C").sum())
    modified = int((kind == MODIFY_ORDER_EVENT).sum()) - int((action == "M").sum())
    assert removed + modified == fills and removed > 0 and modified > 0


@pytest.fixture(scope="module")
def backtests(hft: Path) -> dict[str, dict[str, float]]:
    """Both backtests in one process of the hftbacktest environment (one JIT compile)."""
    python = hft_python()
    res = subprocess.run(
        [python, str(HERE / "conformance" / "hft_market_maker.py"), str(hft), "l2", "l3"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    runs = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    return {run["level"]: run for run in runs}


@pytest.mark.parametrize("level", ["l2", "l3"])
def test_hftbacktest_market_maker_fills(
    backtests: dict[str, dict[str, float]], hft: Path, small_dataset: Path, level: str
) -> None:
    out = backtests[level]
    assert out["events"] == _events(hft, "data_l3" if level == "l3" else "data").size
    assert out["steps"] >= 15 * 60 * 10 - 10 and out["crossed"] == 0  # 100 ms steps, 15 min
    assert out["num_trades"] > 0 and out["trading_volume"] > 0
    assert out["mean_spread"] >= 0.1  # at least one tick
    book = final_book(small_dataset)
    assert out["best_bid"] == pytest.approx(book["bids"][0][0], abs=1e-6)
    assert out["best_ask"] == pytest.approx(book["asks"][0][0], abs=1e-6)
