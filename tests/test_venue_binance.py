"""Binance USD-M wire format: frame rules, round trip, and real client libraries."""

from __future__ import annotations

import gzip
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import aleatoric
from aleatoric.venues.normalize import normalize
from tests.conformance.books import as_levels, final_book
from tests.conformance.hft import hft_python
from tests.conftest import read_table

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = aleatoric.load_config(duration="10m", segment="5m", warmup="5m", seed=21)
    out = tmp_path_factory.mktemp("bn") / "ds"
    aleatoric.generate(config, out, formats=("parquet", "native"))
    return out


@pytest.fixture(scope="module")
def capture(dataset: Path) -> Path:
    return dataset / "native" / "binance" / "btcusdt_20260101.gz"


def _lines(capture: Path) -> list[tuple[int, str, Any]]:
    out = []
    with gzip.open(capture, "rt") as fh:
        for raw in fh:
            head, text = raw.rstrip("\n").split(" ", 1)
            out.append((head, text, json.loads(text)))
    return out


def test_frames_follow_binance_rules(capture: Path) -> None:
    lines = _lines(capture)
    assert all(len(h) == 19 and h.isdigit() for h, _, _ in lines)
    locals_ = [int(h) for h, _, _ in lines]
    assert locals_ == sorted(locals_)
    depth = [m["data"] for _, _, m in lines if m.get("stream") == "btcusdt@depth@100ms"]
    assert len(depth) > 100
    first = next(t for _, t, m in lines if m.get("stream") == "btcusdt@depth@100ms")
    assert first.startswith('{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":')
    assert list(depth[0]) == ["e", "E", "T", "s", "U", "u", "pu", "b", "a"]
    for prev, cur in itertools.pairwise(depth):
        assert cur["pu"] == prev["u"]
        assert cur["U"] <= cur["u"] and cur["u"] > prev["u"]
        assert cur["E"] >= cur["T"]
    for d in depth:
        for p, q in d["b"] + d["a"]:
            assert len(p.split(".")[1]) == 2 and len(q.split(".")[1]) == 3
    assert any(q == "0.000" for d in depth for _, q in d["b"] + d["a"])
    for h, _, m in lines:
        data = m.get("data", m)
        exch_ms = data.get("E", data.get("T"))
        assert int(h) > exch_ms * 1_000_000
    trade = next(m["data"] for _, _, m in lines if m.get("stream") == "btcusdt@trade")
    assert list(trade) == ["e", "E", "T", "s", "t", "p", "q", "X", "m", "st"]
    agg = next(m["data"] for _, _, m in lines if m.get("stream") == "btcusdt@aggTrade")
    assert list(agg) == ["e", "E", "a", "s", "p", "q", "nq", "f", "l", "T", "m"]
    mark = next(m["data"] for _, _, m in lines if m.get("stream") == "btcusdt@markPrice@1s")
    assert list(mark) == ["e", "E", "s", "p", "P", "i", "r", "T"]
    assert len(mark["p"].split(".")[1]) == 8 and mark["T"] % (8 * 3600 * 1000) == 0


def test_rest_snapshot_bridges_the_first_diff(capture: Path) -> None:
    lines = _lines(capture)
    snaps = [m for _, _, m in lines if "lastUpdateId" in m]
    assert len(snaps) == 1 and "stream" not in snaps[0]
    assert list(snaps[0]) == ["lastUpdateId", "E", "T", "bids", "asks"]
    first = next(m["data"] for _, _, m in lines if m.get("stream") == "btcusdt@depth@100ms")
    assert first["U"] <= snaps[0]["lastUpdateId"] <= first["u"]
    bids = [float(p) for p, _ in snaps[0]["bids"]]
    assert bids == sorted(bids, reverse=True)


def test_normalize_round_trip(dataset: Path, capture: Path, tmp_path: Path) -> None:
    report = normalize(capture, "binance", tmp_path / "norm")
    assert report.malformed == 0 and report.unknown == 0
    canon = read_table(dataset, "trades")
    norm = read_table(tmp_path / "norm", "trades")
    assert norm["trade_id"].to_list() == canon["trade_id"].to_list()
    assert norm["price"].to_list() == canon["price"].to_list()
    assert norm["size"].to_list() == canon["size"].to_list()
    assert norm["side"].to_list() == canon["side"].to_list()
    ms = (canon["ts_event"] // 1_000_000 * 1_000_000).to_list()
    assert norm["ts_event"].to_list() == ms
    ticker = read_table(dataset, "ticker")
    nt = read_table(tmp_path / "norm", "ticker")
    assert nt["mark_price"].to_list() == ticker["mark_price"].to_list()
    assert nt["index_price"].to_list() == ticker["index_price"].to_list()
    assert np.allclose(nt["predicted_funding_rate"], ticker["predicted_funding_rate"], atol=5e-9)
    # Depth carries each level's last size per 100 ms window: the same as the canonical
    # deltas aggregated that way.
    deltas = read_table(dataset, "book_delta").with_columns(w=pl.col("ts_event") // 100_000_000)
    agg = deltas.group_by(["w", "side", "price"]).agg(pl.col("size").sort_by("seq").last())
    nd = read_table(tmp_path / "norm", "book_delta").filter(~pl.col("is_snapshot"))
    assert nd.height == agg.height
    key = ["side", "price", "size"]
    assert nd.select(key).sort(key).equals(agg.select(key).sort(key))
    # Replaying the normalized snapshot and diffs ends in the canonical final book.
    assert final_book(tmp_path / "norm") == final_book(dataset)


def _ccxt_book(capture: Path, drop: int | None = None) -> tuple[Any, BaseException | None]:
    pytest.importorskip("ccxt.pro")
    from tests.conformance.ccxt_harness import binance_book

    msgs = [m for _, _, m in _lines(capture)]
    snapshot = next(m for m in msgs if "lastUpdateId" in m)
    depth = [m["data"] for m in msgs if m.get("stream") == "btcusdt@depth@100ms"]
    if drop is not None:
        del depth[drop]
    return binance_book(snapshot, depth)


def test_ccxt_builds_the_same_book(dataset: Path, capture: Path) -> None:
    book, error = _ccxt_book(capture)
    assert error is None
    ours = final_book(dataset)
    assert as_levels(book["bids"]) == as_levels(ours["bids"])
    assert as_levels(book["asks"]) == as_levels(ours["asks"])


def test_ccxt_rejects_a_broken_sequence(capture: Path) -> None:
    book, error = _ccxt_book(capture, drop=40)
    assert book is None or error is not None


def test_hftbacktest_rebuilds_the_same_book(dataset: Path, capture: Path) -> None:
    python = hft_python()
    res = subprocess.run(
        [python, str(HERE / "conformance" / "hft_rebuild.py"), "binance", str(capture),
         "0.1", "0.001"],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["trades"] == read_table(dataset, "trades").height
    ours = final_book(dataset)
    assert as_levels(out["bids"]) == as_levels(ours["bids"])
    assert as_levels(out["asks"]) == as_levels(ours["asks"])


@pytest.mark.slow
def test_native_bytes_are_deterministic(capture: Path, tmp_path: Path) -> None:
    config = aleatoric.load_config(duration="10m", segment="5m", warmup="5m", seed=21)
    aleatoric.generate(config, tmp_path / "again", workers=2, formats=("native",))
    again = tmp_path / "again" / "native" / "binance" / "btcusdt_20260101.gz"
    assert again.read_bytes() == capture.read_bytes()
    assert not (tmp_path / "again" / "trades").exists()


def test_normalize_counts_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "btcusdt_20260101.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("garbage\n")
        fh.write('1767225600005000000 {"stream":"x","data":{"e":"weird"}}\n')
        fh.write("1767225600005000000 {not json\n")
        fh.write('1767225600005000000 {"stream":"btcusdt@trade","data":{"e":"trade"}}\n')
    report = normalize(path, "binance", tmp_path / "out")
    assert report.lines == 4 and report.unknown == 1 and report.malformed == 3
    assert len(report.examples) == 4


def test_cli_format_errors_name_allowed_values(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "generate", "--out", str(tmp_path / "x"),
         "--format", "csv"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 2 and "parquet, native, both" in res.stderr
    assert not (tmp_path / "x").exists()
