"""Bybit v5 linear wire format: frame rules, round trip, and real client libraries."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import aleatoric
from aleatoric.venues import DecodedRows
from aleatoric.venues.bybit import decode_message, trade_id_from_uuid, trade_uuids
from aleatoric.venues.normalize import normalize
from tests.conformance.books import as_levels, final_book
from tests.conformance.hft import hft_python
from tests.conftest import read_table

HERE = Path(__file__).parent
#: Crosses midnight: two capture files, so state carried across days is tested too.
CONFIG = {"venue": "bybit", "symbol": "BTCUSDT", "start": "2026-01-01T23:55:00Z",
          "duration": "10m", "segment": "5m", "warmup": "5m", "seed": 21}  # fmt: skip
BOOK = "orderbook.50.BTCUSDT"
TICKER_FIELDS = [
    "symbol", "tickDirection", "price24hPcnt", "lastPrice", "prevPrice24h", "highPrice24h",
    "lowPrice24h", "prevPrice1h", "markPrice", "indexPrice", "openInterest",
    "openInterestValue", "turnover24h", "volume24h", "fundingIntervalHour", "fundingCap",
    "nextFundingTime", "fundingRate", "bid1Price", "bid1Size", "ask1Price", "ask1Size",
    "preOpenPrice", "preQty", "curPreListingPhase",
]  # fmt: skip


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = aleatoric.load_config(**CONFIG)
    out = tmp_path_factory.mktemp("bybit") / "ds"
    aleatoric.generate(config, out, formats=("parquet", "native"))
    return out


@pytest.fixture(scope="module")
def captures(dataset: Path) -> list[Path]:
    files = sorted((dataset / "native" / "bybit").glob("*.gz"))
    assert [f.name for f in files] == ["btcusdt_20260101.gz", "btcusdt_20260102.gz"]
    return files


def _lines(capture: Path) -> list[tuple[str, str, Any]]:
    with gzip.open(capture, "rt") as fh:
        return [(h, t, json.loads(t)) for h, t in (r.rstrip("\n").split(" ", 1) for r in fh)]


def _all(captures: list[Path]) -> list[tuple[str, str, Any]]:
    return [line for c in captures for line in _lines(c)]


def test_frames_follow_bybit_rules(captures: list[Path]) -> None:
    for capture in captures:
        lines = _lines(capture)
        assert all(len(h) == 19 and h.isdigit() for h, _, _ in lines)
        assert [int(h) for h, _, _ in lines] == sorted(int(h) for h, _, _ in lines)
        for h, _, m in lines:
            assert int(h) > m["ts"] * 1_000_000
        books = [(t, m) for _, t, m in lines if m["topic"] == BOOK]
        assert books[0][1]["type"] == "snapshot" and len(books) > 100
        assert books[0][0].startswith('{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":')
        assert all(m["type"] == "delta" for _, m in books[1:])
        for _, m in books:
            assert list(m) == ["topic", "type", "ts", "data", "cts"]
            assert list(m["data"]) == ["s", "b", "a", "u", "seq"]
            assert m["ts"] % 20 == 0 and m["cts"] <= m["ts"]
            d = m["data"]
            assert [float(p) for p, _ in d["b"]] == sorted((float(p) for p, _ in d["b"]),
                                                           reverse=True)  # fmt: skip
            assert [float(p) for p, _ in d["a"]] == sorted(float(p) for p, _ in d["a"])
            for p, q in d["b"] + d["a"]:
                assert len(p.split(".")[1]) == 2
                assert q == "0" or len(q.split(".")[1]) == 3
        snap = books[0][1]["data"]
        # The full 50 levels a side, as the venue sends (the book keeps a deep side beyond the
        # touch; docs/realism.md, `book_depth`).
        assert len(snap["b"]) == len(snap["a"]) == 50
        assert all(q != "0" for _, q in snap["b"] + snap["a"])
        assert any(q == "0" for _, m in books for _, q in m["data"]["b"] + m["data"]["a"])

        trades = [m for _, _, m in lines if m["topic"] == "publicTrade.BTCUSDT"]
        assert list(trades[0]) == ["topic", "type", "ts", "data"]
        entry = trades[0]["data"][0]
        assert list(entry) == ["T", "s", "S", "v", "p", "L", "i", "BT", "RPI", "seq"]
        assert uuid.UUID(entry["i"]).version == 5 and str(uuid.UUID(entry["i"])) == entry["i"]
        for m in trades:
            assert all(e["T"] == m["ts"] for e in m["data"])
            assert len({e["S"] for e in m["data"]}) == 1 and len(m["data"]) <= 1024

        tickers = [(t, m) for _, t, m in lines if m["topic"] == "tickers.BTCUSDT"]
        assert tickers[0][1]["type"] == "snapshot"
        assert tickers[0][0].startswith('{"topic":"tickers.BTCUSDT","type":"snapshot","data":')
        assert list(tickers[0][1]["data"]) == TICKER_FIELDS
        for _, m in tickers:
            assert list(m) == ["topic", "type", "data", "cs", "ts"]
            keys = list(m["data"])
            assert keys[0] == "symbol" and keys == [k for k in TICKER_FIELDS if k in keys]
            assert all(isinstance(v, str) for v in m["data"].values())
        assert all(m["type"] == "delta" for _, m in tickers[1:])
        assert all(len(m["data"]) > 1 for _, m in tickers[1:])
        first = tickers[0][1]["data"]
        assert first["nextFundingTime"].isdigit()
        assert first["fundingIntervalHour"] == "8" and first["fundingCap"] == "0.00375"
        assert len(first["openInterestValue"].split(".")[1]) == 2
        assert len(first["turnover24h"].split(".")[1]) == 4
        assert len(first["volume24h"].split(".")[1]) == 4
        assert len(first["price24hPcnt"].split(".")[1]) == 6


def test_sequence_rules(captures: list[Path]) -> None:
    msgs = [m for _, _, m in _all(captures)]
    books = [m["data"] for m in msgs if m["topic"] == BOOK]
    # u grows by one per message over both files; each file opens with a snapshot.
    assert [d["u"] for d in books] == list(range(1, len(books) + 1))
    for prev, cur in itertools.pairwise(books):
        assert cur["seq"] >= prev["seq"]
    seqs = [e["seq"] for m in msgs if m["topic"].startswith("publicTrade") for e in m["data"]]
    assert seqs == sorted(seqs)
    cs = [m["cs"] for m in msgs if m["topic"].startswith("tickers")]
    assert cs == sorted(cs)


def _replay(frames: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Apply snapshot and delta frames as the venue's rules say; check them on the way."""
    book: dict[str, dict[str, str]] = {"b": {}, "a": {}}
    for m in frames:
        if m["type"] == "snapshot":
            book = {"b": {}, "a": {}}
        for side in ("b", "a"):
            for p, q in m["data"][side]:
                if q == "0":
                    assert p in book[side], "a delta deletes a price absent from the book"
                    del book[side][p]
                else:
                    book[side][p] = q
        if book["b"] and book["a"]:
            assert max(map(float, book["b"])) < min(map(float, book["a"])), "crossed book"
        assert len(book["b"]) <= 50 and len(book["a"]) <= 50
    return book


def test_book_is_never_crossed(captures: list[Path]) -> None:
    assert captures, "the dataset wrote no capture"
    for capture in captures:
        frames = [m for _, _, m in _lines(capture) if m["topic"] == BOOK]
        assert len(frames) > 100, f"{capture.name}: {len(frames)} book messages"
        book = _replay(frames)
        assert book["b"] and book["a"], "the replayed book ends with an empty side"


def test_trade_ids_and_tick_directions(dataset: Path, captures: list[Path]) -> None:
    entries = [e for _, _, m in _all(captures) if m["topic"].startswith("publicTrade")
               for e in m["data"]]  # fmt: skip
    canon = read_table(dataset, "trades")
    assert [trade_id_from_uuid(e["i"]) for e in entries] == canon["trade_id"].to_list()
    prices = [float(e["p"]) for e in entries]
    direction, want = 1, []
    for prev, cur in zip([prices[0], *prices], prices, strict=False):
        if cur != prev:
            direction = 1 if cur > prev else -1
            want.append("PlusTick" if cur > prev else "MinusTick")
        else:
            want.append("ZeroPlusTick" if direction > 0 else "ZeroMinusTick")
    assert [e["L"] for e in entries] == want


def test_trade_uuids_round_trip() -> None:
    ids = np.array([0, 1, 2, 3, 99_999, 2**40 + 7, 2**60 - 1], dtype=np.int64)
    texts = trade_uuids(ids)
    assert len(set(texts)) == ids.size
    assert [trade_id_from_uuid(t) for t in texts] == ids.tolist()
    assert all(uuid.UUID(t).version == 5 for t in texts)
    # The venue's own ids (and any other UUID) are not ours.
    assert trade_id_from_uuid("2a74ac78-691c-5b54-9dbe-5aafe8364627") is None
    assert trade_id_from_uuid(str(uuid.UUID(int=12345, version=5))) is None
    assert trade_id_from_uuid("not-a-uuid") is None
    with pytest.raises(ValueError, match="2\\*\\*60"):
        trade_uuids(np.array([2**60], dtype=np.int64))


def test_normalize_round_trip(dataset: Path, captures: list[Path], tmp_path: Path) -> None:
    norms = []
    for i, capture in enumerate(captures):
        report = normalize(capture, "bybit", tmp_path / f"norm{i}")
        assert report.malformed == 0 and report.unknown == 0
        norms.append(tmp_path / f"norm{i}")
    canon = read_table(dataset, "trades")
    trades = pl.concat([read_table(n, "trades") for n in norms])
    for col in ("trade_id", "price", "size", "side"):
        assert trades[col].to_list() == canon[col].to_list()
    assert trades["ts_event"].to_list() == (canon["ts_event"] // 1_000_000 * 1_000_000).to_list()
    # Replaying the last file's snapshot and deltas ends in the canonical top 50.
    assert final_book(norms[-1]) == final_book(dataset, 50)
    # The ticker as a client merges it: a row is pushed at its own time (the first one once
    # the book is there, 100 ms later), so 100 ms after each canonical row the client holds it.
    ticker = read_table(dataset, "ticker").with_columns(at=pl.col("ts_event") + 100_000_000)
    nt = pl.concat([read_table(n, "ticker") for n in norms]).sort("ts_event")
    joined = ticker.sort("at").join_asof(nt, left_on="at", right_on="ts_event", suffix="_n")
    for col in ("mark_price", "index_price", "open_interest", "next_funding_ts"):
        assert joined[f"{col}_n"].to_list() == joined[col].to_list()
    assert np.allclose(joined["predicted_funding_rate_n"], joined["predicted_funding_rate"],
                       rtol=0, atol=5e-9)  # fmt: skip


def test_ticker_statistics(dataset: Path, captures: list[Path]) -> None:
    state: dict[str, str] = {}
    for _, _, m in _all(captures):
        if m["topic"] == "tickers.BTCUSDT":
            state.update(m["data"])
    canon = read_table(dataset, "trades")
    # Less than a day of data: the 24 h window holds every trade.
    assert float(state["volume24h"]) == pytest.approx(canon["size"].sum(), abs=1e-6)
    assert float(state["highPrice24h"]) == canon["price"].max()
    assert float(state["lowPrice24h"]) == canon["price"].min()
    assert float(state["lastPrice"]) == canon["price"][-1]
    turnover = (canon["price"] * canon["size"]).sum()
    assert float(state["turnover24h"]) == pytest.approx(turnover, abs=1e-3)
    book = final_book(dataset, 1)
    assert (float(state["bid1Price"]), float(state["bid1Size"])) == book["bids"][0]
    assert (float(state["ask1Price"]), float(state["ask1Size"])) == book["asks"][0]


def test_decoder_reads_real_frames() -> None:
    rows = DecodedRows()
    lines = (HERE / "data" / "bybit" / "real_frames.jsonl").read_text().splitlines()
    for i, text in enumerate(lines, start=1):
        decode_message(1_800_000_000_000_000_000, text, i, rows)
    assert rows.unknown == 0 and rows.malformed == 0
    assert [(r["side"], r["price"], r["size"], r["is_snapshot"]) for r in rows.book_delta[:2]] == [
        ("bid", 109378.8, 1.273, True), ("ask", 109378.9, 6.278, True)]  # fmt: skip
    assert rows.book_delta[0]["ts_event"] == 1758841134598 * 1_000_000
    delta = [r for r in rows.book_delta if not r["is_snapshot"]]
    assert [(r["side"], r["price"], r["size"]) for r in delta][2:4] == [
        ("ask", 109148.0, 0.0), ("ask", 109154.3, 0.076)]  # fmt: skip
    assert len(rows.book_delta) == 2 + 7 + 4
    (trade,) = rows.trades
    assert trade["trade_id"] is None and trade["side"] == "buy" and trade["size"] == 0.02
    assert trade["ts_event"] == 1758841135823 * 1_000_000
    # The snapshot carries the ticker columns; the bid-only delta adds no row.
    (tick,) = rows.ticker
    assert tick["mark_price"] == 66666.6 and tick["index_price"] == 115418.19
    assert tick["next_funding_ts"] == 1760342400000 * 1_000_000
    assert tick["predicted_funding_rate"] == -0.005 and tick["open_interest"] == 492373.72


def test_normalize_counts_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "btcusdt_20260101.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("garbage\n")
        fh.write('1767225600005000000 {"topic":"kline.1.BTCUSDT","data":[]}\n')
        fh.write("1767225600005000000 {not json\n")
        fh.write('1767225600005000000 {"topic":"orderbook.50.BTCUSDT","type":"delta"}\n')
        fh.write('1767225600005000000 {"topic":"publicTrade.BTCUSDT","data":[{"T":1}]}\n')
    report = normalize(path, "bybit", tmp_path / "out")
    assert report.lines == 5 and report.unknown == 1 and report.malformed == 4
    assert len(report.examples) == 5


def _ccxt_book(captures: list[Path]) -> tuple[Any, BaseException | None]:
    ccxtpro = pytest.importorskip("ccxt.pro")
    from tests.conformance.ccxt_harness import feed_order_book, install_fake_transport, swap_market

    frames = [m for _, _, m in _all(captures) if m["topic"] == BOOK]
    ex = ccxtpro.bybit()
    ex.set_markets([swap_market("BTCUSDT", "BTC/USDT:USDT", "BTC", "USDT", price=0.1,
                                amount=0.001)])  # fmt: skip
    install_fake_transport(ex)
    return asyncio.run(feed_order_book(ex, "BTC/USDT:USDT", frames))


def test_ccxt_builds_the_same_book(dataset: Path, captures: list[Path]) -> None:
    book, error = _ccxt_book(captures)
    assert error is None
    ours = final_book(dataset, 50)
    assert as_levels(book["bids"]) == as_levels(ours["bids"])
    assert as_levels(book["asks"]) == as_levels(ours["asks"])


def test_hftbacktest_rebuilds_the_same_book(dataset: Path, captures: list[Path]) -> None:
    python = hft_python()
    trades = 0
    for capture in captures:
        res = subprocess.run(
            [python, str(HERE / "conformance" / "hft_rebuild.py"), "bybit", str(capture),
             "0.1", "0.001"],
            capture_output=True, text=True, timeout=600, check=True,
        )  # fmt: skip
        out = json.loads(res.stdout.strip().splitlines()[-1])
        trades += out["trades"]
    assert trades == read_table(dataset, "trades").height
    ours = final_book(dataset, 50)
    assert as_levels(out["bids"]) == as_levels(ours["bids"])
    assert as_levels(out["asks"]) == as_levels(ours["asks"])


@pytest.mark.slow
def test_native_bytes_are_deterministic(captures: list[Path], tmp_path: Path) -> None:
    config = aleatoric.load_config(**CONFIG)
    aleatoric.generate(config, tmp_path / "again", workers=2, formats=("native",))
    for capture in captures:
        again = tmp_path / "again" / "native" / "bybit" / capture.name
        assert again.read_bytes() == capture.read_bytes()


def test_integrity_rules_hold(captures: list[Path]) -> None:
    from aleatoric.integrity._native import check_capture

    for capture in captures:
        report = check_capture(capture, "bybit")
        failed = [(r.name, r.examples[:1]) for r in report.results if not r.passed]
        assert not failed
        assert {"bybit_update_ids", "book_not_crossed", "delete_of_absent_level"} <= {
            r.name for r in report.results if r.rows
        }
