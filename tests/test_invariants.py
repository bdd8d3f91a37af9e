"""Invariants of real generated output, checked by an independent replay of the tables."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import aleatoric
from aleatoric.instruments import get_instrument
from tests.conftest import read_table
from tests.replay import BestTracker, L3Replay

MBO_SIDE = {"B": "bid", "A": "ask"}


def _merged(root: Path) -> list[tuple[int, str, dict[str, object]]]:
    rows: list[tuple[int, str, dict[str, object]]] = []
    for table in ("mbo", "book_delta", "trades", "book_snapshot"):
        df = read_table(root, table)
        rows += [(r["seq"], table, r) for r in df.iter_rows(named=True)]
    rows.sort(key=lambda x: x[0])
    return rows


def test_seq_gap_free_and_time_ordered(small_dataset: Path) -> None:
    frames = []
    for table in ("mbo", "book_delta", "book_snapshot", "trades", "ticker", "funding"):
        df = read_table(small_dataset, table)
        assert df.height > 0, table
        frames.append(df.select("seq", "ts_event", "ts_recv"))
    allrows = pl.concat(frames).sort("seq")
    seq = allrows["seq"].to_numpy()
    assert seq[0] == 0
    assert np.array_equal(seq, np.arange(seq.size)), "seq must be gap-free and unique"
    ts = allrows["ts_event"].to_numpy()
    assert np.all(np.diff(ts) >= 0), "ts_event must not go back in seq order"
    assert np.all(allrows["ts_recv"].to_numpy() > ts)


def _check_replay(root: Path) -> int:
    l3 = L3Replay()
    l2 = BestTracker()
    last_fill: tuple[float, float] | None = None
    checked_snapshots = 0
    mismatches: list[str] = []
    for n, (seq, table, r) in enumerate(_merged(root)):
        if table == "mbo":
            action, side = r["action"], r["side"]
            if action == "F":
                # A fill happens at the touch: no better level on the resting side.
                best = l2.best(MBO_SIDE[side])
                if best != r["price"]:
                    mismatches.append(f"seq {seq}: fill at {r['price']}, touch {best}")
                last_fill = (r["price"], r["size"])
            if action != "T":
                l3.apply(seq, action, side, r["order_id"], r["price"], r["size"])
        elif table == "book_delta":
            key_side = "B" if r["side"] == "bid" else "A"
            if not math.isclose(l3.level(key_side, r["price"]), r["size"], abs_tol=1e-9):
                mismatches.append(f"seq {seq}: delta {r['size']} != mbo level")
            if l3.counts[(key_side, r["price"])] != r["order_count"]:
                mismatches.append(f"seq {seq}: order_count {r['order_count']} != mbo orders")
            l2.set(r["side"], r["price"], r["size"])
            if r["is_last"]:
                bid, ask = l2.best("bid"), l2.best("ask")
                if bid is not None and ask is not None and bid >= ask:
                    mismatches.append(f"seq {seq}: crossed book {bid} >= {ask}")
        elif table == "trades":
            assert last_fill == (r["price"], r["size"]), f"seq {seq}: trade without its fill"
        elif table == "book_snapshot" and n % 17 == 0:
            checked_snapshots += 1
            for side in ("bid", "ask"):
                top = l2.top(side, 25)
                for i in range(25):
                    px, sz = r[f"{side}_px_{i:02d}"], r[f"{side}_sz_{i:02d}"]
                    expect = top[i] if i < len(top) else (None, 0.0)
                    if px != expect[0] or not math.isclose(sz, expect[1], abs_tol=1e-9):
                        mismatches.append(f"seq {seq}: snapshot {side} {i} {px, sz} != {expect}")
        if len(mismatches) > 10:
            break
    assert not l3.errors[:10]
    assert not mismatches
    return checked_snapshots


def test_l3_l2_trades_and_snapshots_agree(small_dataset: Path) -> None:
    assert _check_replay(small_dataset) > 100


def test_reconciled_boundary_stays_consistent(tmp_path: Path) -> None:
    # Seed 2 of this config needs a boundary reconciliation (found by searching seeds as
    # benchmarks/boundary_reconciliation.py does); the books must still replay exactly.
    config = aleatoric.load_config(
        preset="volatile", seed=2, segment="5m", warmup="5m", duration="10m"
    )
    aleatoric.generate(config, tmp_path / "ds")
    manifest = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert manifest["segments"][0]["reconciliation_rows"] > 0
    assert _check_replay(tmp_path / "ds") > 50


def test_snapshot_never_crossed_and_mostly_one_tick(small_dataset: Path) -> None:
    snap = read_table(small_dataset, "book_snapshot")
    spread = (snap["ask_px_00"] - snap["bid_px_00"]).to_numpy()
    assert np.all(spread > 0)
    tick = float(get_instrument("binance", "BTCUSDT").tick_size)
    one_tick = np.isclose(spread, tick).mean()
    assert one_tick >= 0.9, f"one-tick share {one_tick:.3f}"


def _on_grid(values: np.ndarray, step: Decimal) -> bool:
    units = np.rint(values / float(step))
    return bool(
        np.all(units * float(step) == values)
        or np.all([Decimal(repr(v)) % step == 0 for v in values[:: max(1, values.size // 2000)]])
    )


def _check_grids(root: Path, venue: str, symbol: str) -> None:
    inst = get_instrument(venue, symbol)
    price_grid, size_grid = inst.price_grid, inst.size_grid
    for table in ("mbo", "book_delta", "trades"):
        df = read_table(root, table)
        prices = df["price"].to_numpy()
        assert price_grid.on_grid(prices).all(), f"{table} price off tick"
        assert size_grid.on_grid(df["size"].to_numpy()).all(), f"{table} size off lot"
        if inst.significant_figures:
            sig = inst.significant_figures
            digits = np.floor(np.log10(prices)) + 1
            step = 10.0 ** np.maximum(digits - sig, -inst.price_grid.scale)
            assert np.all(np.isclose(np.rint(prices / step) * step, prices, rtol=0, atol=1e-9))


def test_values_on_instrument_grid(small_dataset: Path) -> None:
    _check_grids(small_dataset, "binance", "BTCUSDT")


def test_other_venues_grids_and_replay(venue_dataset: Path) -> None:
    venue = venue_dataset.name
    symbol = {"bybit": "ETHUSDT", "okx": "ETH-USDT-SWAP", "hyperliquid": "ETH"}[venue]
    _check_grids(venue_dataset, venue, symbol)
    l3 = L3Replay()
    mbo = read_table(venue_dataset, "mbo")
    for r in mbo.iter_rows(named=True):
        if r["action"] != "T":
            l3.apply(r["seq"], r["action"], r["side"], r["order_id"], r["price"], r["size"])
    assert not l3.errors[:10]


def test_funding_within_caps_on_interval_grid(venue_dataset: Path) -> None:
    venue = venue_dataset.name
    symbol = {"bybit": "ETHUSDT", "okx": "ETH-USDT-SWAP", "hyperliquid": "ETH"}[venue]
    inst = get_instrument(venue, symbol)
    ticker = read_table(venue_dataset, "ticker")
    for col in ("funding_rate", "predicted_funding_rate"):
        rates = ticker[col].to_numpy()
        assert np.all(rates <= float(inst.funding_cap)) and np.all(
            rates >= float(inst.funding_floor)
        )
    assert np.all(ticker["next_funding_ts"].to_numpy() % inst.funding_interval_ns == 0)
    funding = read_table(venue_dataset, "funding")
    assert np.all(funding["ts_event"].to_numpy() % inst.funding_interval_ns == 0)


@pytest.mark.parametrize("table", ["mbo", "trades", "book_delta"])
def test_l3_rows_have_ids_and_sides(small_dataset: Path, table: str) -> None:
    df = read_table(small_dataset, table)
    if table == "mbo":
        assert set(df["action"].unique()) <= set("ACMTF")
        assert set(df["side"].unique()) <= {"B", "A", "N"}
        assert df.filter(pl.col("action") != "T")["order_id"].min() > 0
    elif table == "trades":
        ids = df["trade_id"].to_numpy()
        assert np.array_equal(ids, np.arange(1, ids.size + 1))
        assert set(df["side"].unique()) == {"buy", "sell"}
    else:
        assert set(df["side"].unique()) == {"bid", "ask"}
