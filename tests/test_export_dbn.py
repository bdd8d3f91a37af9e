"""DBN export: Databento's own decoder reads the files back equal to the canonical tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import databento_dbn as dbn
import numpy as np
import polars as pl
import pytest

from tests.conftest import read_table

PX = 100_000_000  # BTCUSDT tick 0.10 in DBN fixed point (1e-9)
LOT = 0.001  # BTCUSDT lot: DBN sizes are whole lots


@pytest.fixture(scope="module")
def exported(small_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dbn") / "out"
    res = subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "export", str(small_dataset), "--to", "dbn",
         "--out", str(out), "-q"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return out / "binance" / "BTCUSDT"


def decode(path: Path) -> tuple[Any, list[Any]]:
    decoder = dbn.DBNDecoder()
    decoder.write(path.read_bytes())
    first, *records = decoder.decode()
    return first, records


def ticks(prices: pl.Series) -> list[int]:
    return (np.rint(prices.to_numpy() / 0.1).astype(np.int64) * PX).tolist()


def lots(sizes: pl.Series) -> list[int]:
    return np.rint(sizes.to_numpy() / LOT).astype(np.int64).tolist()


def test_metadata_and_definition(exported: Path) -> None:
    meta, records = decode(exported / "definition.dbn")
    assert (meta.dataset, meta.schema, meta.symbols) == ("ALTR.BINANCE", "definition", ["BTCUSDT"])
    (d,) = records
    assert (d.raw_symbol, d.instrument_id, d.min_price_increment) == ("BTCUSDT", 1, PX)
    assert d.unit_of_measure_qty == 1_000_000  # 0.001 BTC


def test_trades_equal_canonical_rows(small_dataset: Path, exported: Path) -> None:
    meta, records = decode(exported / "trades.dbn")
    t = read_table(small_dataset, "trades")
    assert meta.schema == "trades" and len(records) == t.height > 0
    assert [r.ts_event for r in records] == t["ts_event"].to_list()
    assert [r.ts_recv for r in records] == t["ts_recv"].to_list()
    assert [r.sequence for r in records] == t["seq"].to_list()
    assert [r.price for r in records] == ticks(t["price"])
    assert [r.size for r in records] == lots(t["size"])
    assert [r.side for r in records] == ["B" if s == "buy" else "A" for s in t["side"]]
    assert {r.action for r in records} == {"T"}


def test_mbo_equal_canonical_rows(small_dataset: Path, exported: Path) -> None:
    _, records = decode(exported / "mbo.dbn")
    m = read_table(small_dataset, "mbo")
    assert len(records) == m.height > 0
    assert [r.order_id for r in records] == m["order_id"].to_list()
    assert [r.action for r in records] == m["action"].to_list()
    assert [r.side for r in records] == m["side"].to_list()
    assert [r.flags for r in records] == m["flags"].to_list()
    assert [r.price for r in records] == ticks(m["price"])
    assert [r.size for r in records] == lots(m["size"])
    assert [(r.ts_event, r.ts_recv, r.sequence) for r in records] == list(
        zip(m["ts_event"], m["ts_recv"], m["seq"], strict=True)
    )


def test_mbp10_rows_and_levels_match_the_book(small_dataset: Path, exported: Path) -> None:
    _, records = decode(exported / "mbp-10.dbn")
    d = read_table(small_dataset, "book_delta")
    assert len(records) == d.height > 0
    assert [r.sequence for r in records] == d["seq"].to_list()
    assert [r.price for r in records] == ticks(d["price"])
    assert [r.size for r in records] == lots(d["size"])
    assert [r.side for r in records] == ["B" if s == "bid" else "A" for s in d["side"]]
    assert [r.flags & dbn.F_LAST > 0 for r in records] == d["is_last"].to_list()
    # Levels after each row against the independent top-of-book snapshots: a snapshot shows
    # the book after every row with a smaller seq.
    seqs = np.array([r.sequence for r in records])
    snaps = read_table(small_dataset, "book_snapshot")[::40]
    assert snaps.height > 10
    for row in snaps.iter_rows(named=True):
        i = int(np.searchsorted(seqs, row["seq"])) - 1
        if i < 0:
            continue
        levels = records[i].levels
        for k in range(10):
            bid, ask = row[f"bid_px_{k:02d}"], row[f"ask_px_{k:02d}"]
            assert levels[k].bid_px == (round(bid / 0.1) * PX if bid else dbn.UNDEF_PRICE)
            assert levels[k].ask_px == (round(ask / 0.1) * PX if ask else dbn.UNDEF_PRICE)
            assert levels[k].bid_sz == round(row[f"bid_sz_{k:02d}"] / LOT)
            assert levels[k].ask_sz == round(row[f"ask_sz_{k:02d}"] / LOT)


def test_ohlcv_1m_equal_bars_of_the_trades(small_dataset: Path, exported: Path) -> None:
    meta, records = decode(exported / "ohlcv-1m.dbn")
    bars = (
        read_table(small_dataset, "trades")
        .with_columns((pl.col("ts_event") // 60_000_000_000 * 60_000_000_000).alias("start"))
        .group_by("start", maintain_order=True)
        .agg(
            pl.col("price").first().alias("open"),
            pl.col("price").max().alias("high"),
            pl.col("price").min().alias("low"),
            pl.col("price").last().alias("close"),
            pl.col("size").sum().alias("volume"),
        )
    )
    assert meta.schema == "ohlcv-1m" and len(records) == bars.height > 0
    assert [r.ts_event for r in records] == bars["start"].to_list()
    for name in ("open", "high", "low", "close"):
        assert [getattr(r, name) for r in records] == ticks(bars[name])
    assert [r.volume for r in records] == lots(bars["volume"])


def test_unknown_format_is_exit_2_listing_dbn(small_dataset: Path, tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "export", str(small_dataset), "--to", "dbm",
         "--out", str(tmp_path / "x")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 2
    assert "'dbm'; allowed: backtrader, lean, hftbacktest, nautilus, dbn" in res.stderr
    assert not (tmp_path / "x").exists()


def test_records_are_byte_identical_to_the_library_encoder(exported: Path) -> None:
    # The files are written as arrays in the layout databento-dbn declares; re-encoding the
    # decoded records with the library's own classes gives the same bytes.
    for name in ("mbo", "mbp-10", "trades", "ohlcv-1m", "definition"):
        raw = (exported / f"{name}.dbn").read_bytes()
        meta, records = decode(exported / f"{name}.dbn")
        body = b"".join(bytes(r) for r in records)
        assert raw.endswith(body) and len(raw) - len(body) == len(bytes(meta)), name
