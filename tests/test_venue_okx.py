"""OKX v5 swap wire format: frame rules, checksums, round trip, and a real client library."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import aleatoric
from aleatoric.instruments import get_instrument
from aleatoric.venues import DecodedRows, capture_path, write_capture
from aleatoric.venues._inputs import DayInput, iter_days
from aleatoric.venues.normalize import normalize
from aleatoric.venues.okx import Encoder, checksum, decode_message
from tests.conformance.books import as_levels, final_book
from tests.conftest import read_table

HERE = Path(__file__).parent
INST = "BTC-USDT-SWAP"
#: Crosses midnight: two capture files and a funding settlement.
CONFIG = {"venue": "okx", "symbol": INST, "start": "2026-01-01T23:55:00Z", "duration": "10m",
          "segment": "5m", "warmup": "5m", "seed": 21}  # fmt: skip
CT = Decimal("0.01")  # BTC per contract
T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = aleatoric.load_config(**CONFIG)
    out = tmp_path_factory.mktemp("okx") / "ds"
    aleatoric.generate(config, out, formats=("parquet", "native"))
    return out


@pytest.fixture(scope="module")
def captures(dataset: Path) -> list[Path]:
    files = sorted((dataset / "native" / "okx").glob("*.gz"))
    assert [f.name for f in files] == ["btc-usdt-swap_20260101.gz", "btc-usdt-swap_20260102.gz"]
    return files


def _lines(capture: Path) -> list[tuple[str, str, Any]]:
    with gzip.open(capture, "rt") as fh:
        return [(h, t, json.loads(t)) for h, t in (r.rstrip("\n").split(" ", 1) for r in fh)]


def _channel(lines: list[tuple[str, str, Any]], name: str) -> list[Any]:
    return [m for _, _, m in lines if m["arg"]["channel"] == name]


def _crc(text: str) -> int:
    # The venue's documented algorithm, written out independently of the encoder.
    v = zlib.crc32(text.encode()) & 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _replay(frames: list[Any], verify_checksum: bool = False) -> dict[str, dict[str, str]]:
    """Merge books frames as the venue documents it; check sequence, crossing and checksums."""
    book: dict[str, dict[str, str]] = {"bids": {}, "asks": {}}
    prev = None
    for m in frames:
        (d,) = m["data"]
        if m["action"] == "snapshot":
            assert d["prevSeqId"] == -1
            book = {"bids": {}, "asks": {}}
        else:
            assert d["prevSeqId"] == prev, "broken prevSeqId chain"
            assert d["seqId"] > d["prevSeqId"] or (d["seqId"] == d["prevSeqId"]
                                                   and not d["asks"] and not d["bids"])  # fmt: skip
        prev = d["seqId"]
        for side in ("bids", "asks"):
            for p, q, zero, n in d[side]:
                assert zero == "0"
                if q == "0":
                    assert n == "0" and p in book[side]
                    del book[side][p]
                else:
                    book[side][p] = q
        bids = sorted(book["bids"].items(), key=lambda kv: -float(kv[0]))
        asks = sorted(book["asks"].items(), key=lambda kv: float(kv[0]))
        if bids and asks:
            assert float(bids[0][0]) < float(asks[0][0]), "crossed book"
        if verify_checksum:
            parts = []
            for i in range(25):
                if i < len(bids):
                    parts.append(f"{bids[i][0]}:{bids[i][1]}")
                if i < len(asks):
                    parts.append(f"{asks[i][0]}:{asks[i][1]}")
            assert d["checksum"] == _crc(":".join(parts))
        else:
            assert d["checksum"] == 0
    return book


def test_frames_follow_okx_rules(captures: list[Path]) -> None:
    for capture in captures:
        lines = _lines(capture)
        assert all(len(h) == 19 and h.isdigit() for h, _, _ in lines)
        assert [int(h) for h, _, _ in lines] == sorted(int(h) for h, _, _ in lines)
        for h, _, m in lines:
            assert int(h) > int(m["data"][0]["ts"]) * 1_000_000
            assert m["arg"] == {"channel": m["arg"]["channel"], "instId": INST}
        books = [(t, m) for _, t, m in lines if m["arg"]["channel"] == "books"]
        assert books[0][0].startswith(
            '{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"snapshot","data":[{"asks":'
        )
        assert [m["action"] for _, m in books] == ["snapshot"] + ["update"] * (len(books) - 1)
        for _, m in books:
            assert list(m) == ["arg", "action", "data"]
            (d,) = m["data"]
            assert list(d) == ["asks", "bids", "ts", "checksum", "prevSeqId", "seqId"]
            assert isinstance(d["ts"], str) and isinstance(d["seqId"], int)
            for level in d["asks"] + d["bids"]:
                assert len(level) == 4 and all(isinstance(x, str) for x in level)
                for x in level[:2]:
                    assert x == "0" or not (x.endswith("0") and "." in x), x
                    assert not x.endswith(".")
        snap = books[0][1]["data"][0]
        assert 0 < len(snap["bids"]) <= 400 and 0 < len(snap["asks"]) <= 400
        assert any(lv[1] == "0" and lv[3] == "0" for _, m in books for lv in m["data"][0]["asks"])

        trades = _channel(lines, "trades")
        (t0,) = trades[0]["data"]
        keys = ["instId", "tradeId", "px", "sz", "side", "ts", "count", "source", "seqId"]
        assert list(t0) == keys
        assert any(int(t["data"][0]["count"]) > 1 for t in trades)

        funding = _channel(lines, "funding-rate")
        (f0,) = funding[0]["data"]
        assert list(f0) == sorted(f0) and len(f0) == 17
        assert f0["method"] == "current_period" and f0["instType"] == "SWAP"
        assert f0["maxFundingRate"] == "0.00375" and f0["minFundingRate"] == "-0.00375"
        assert int(f0["fundingTime"]) - int(f0["prevFundingTime"]) == 8 * 3_600_000
        assert len(f0["fundingRate"].split(".")[1]) == 16
        gaps = np.diff([int(f["data"][0]["ts"]) for f in funding])
        assert gaps.min() >= 30_000

        marks = _channel(lines, "mark-price")
        assert list(marks[0]["data"][0]) == ["instId", "instType", "markPx", "ts"]
        px = [m["data"][0]["markPx"] for m in marks]
        ts = [int(m["data"][0]["ts"]) for m in marks]
        for (p0, t0_), (p1, t1) in itertools.pairwise(zip(px, ts, strict=True)):
            assert p1 != p0 or t1 - t0_ >= 10_000


def test_books_sequence_and_crossing(captures: list[Path]) -> None:
    for capture in captures:
        books = _channel(_lines(capture), "books")
        _replay(books)
        seqs = [m["data"][0]["seqId"] for m in books]
        assert seqs == sorted(seqs)


def _day(rows: list[tuple[int, int, int, int, int, int, int]]) -> DayInput:
    """A hand-made day: book rows ``(ts, seq, side, price ticks, lots, count, snapshot)``."""
    config = aleatoric.load_config(venue="okx", symbol=INST, duration="10m", segment="5m",
                                   warmup="5m")  # fmt: skip
    cols = np.array(rows, dtype=np.int64).T
    delta = dict(zip(["ts", "seq", "side", "price", "size", "count", "snapshot"], cols,
                     strict=True))  # fmt: skip
    empty = np.zeros(0, dtype=np.int64)
    trades = dict.fromkeys(["ts", "seq", "trade_id", "price", "size", "side"], empty)
    ticker: dict[str, Any] = dict.fromkeys(["ts", "seq", "mark", "index", "last", "next_ts",
                                            "oi", "rate", "predicted"], empty)  # fmt: skip
    funding: dict[str, Any] = dict.fromkeys(["ts", "seq", "rate", "mark"], empty)
    return DayInput("2026-01-01", config, get_instrument("okx", INST), delta, trades, ticker,
                    funding)  # fmt: skip


QUIET_DAY = [
    (T0, 0, 0, 949_990, 100, 1, 1),
    (T0, 1, 0, 949_980, 50, 1, 1),
    (T0, 2, 1, 950_010, 70, 2, 1),
    (T0, 3, 1, 950_020, 20, 1, 1),
    (T0 + 250_000_000, 4, 0, 949_990, 120, 2, 0),
    (T0 + 150_000_000_000, 5, 1, 950_010, 0, 0, 0),
]


@pytest.mark.parametrize("crc", [False, True])
def test_keepalive_after_60s_without_change(crc: bool) -> None:
    msgs = [json.loads(t) for _, t in Encoder(checksum=crc).encode(_day(QUIET_DAY)).lines()]
    books = [m for m in msgs if m["arg"]["channel"] == "books"]
    data = [m["data"][0] for m in books]
    assert [(d["prevSeqId"], d["seqId"]) for d in data] == [(-1, 3), (3, 4), (4, 4), (4, 4),
                                                            (4, 5)]  # fmt: skip
    assert [d["ts"] for d in data] == ["1767225600000", "1767225600250", "1767225660300",
                                       "1767225720300", "1767225750000"]  # fmt: skip
    for d in data[2:4]:
        assert d["asks"] == [] and d["bids"] == [] and d["checksum"] == data[1]["checksum"]
    assert list(data[2]) == ["asks", "bids", "ts", "checksum", "prevSeqId", "seqId"]
    assert data[0]["bids"] == [["94999", "1", "0", "1"], ["94998", "0.5", "0", "1"]]
    assert data[4]["asks"] == [["95001", "0", "0", "0"]]
    book = _replay(books, verify_checksum=crc)
    assert book == {"bids": {"94999": "1.2", "94998": "0.5"}, "asks": {"95002": "0.2"}}
    book_ccxt, error = _ccxt_book(books)
    assert error is None and book_ccxt["nonce"] == 5


def test_checksum_vectors() -> None:
    # The documented examples: interleaved levels, a short side skipped where it has none.
    assert _crc("3366.1:7:3366.8:9:3366:6:3368:8") == -1881014294
    assert _crc("3366.1:7:3366.8:9:3368:8:3372:8") == 831078360
    assert checksum([("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")]) == (
        -1881014294
    )
    assert checksum([("3366.1", "7")], [("3366.8", "9"), ("3368", "8"), ("3372", "8")]) == (
        831078360
    )
    bids = [(str(100 - i), "1") for i in range(30)]
    asks = [(str(101 + i), "2") for i in range(30)]
    text = ":".join(f"{b[0]}:{b[1]}:{a[0]}:{a[1]}" for b, a in zip(bids[:25], asks[:25],
                                                                   strict=True))  # fmt: skip
    assert checksum(bids, asks) == _crc(text)


def test_checksum_matches_the_merged_book(dataset: Path, tmp_path: Path) -> None:
    encoder = Encoder(checksum=True)
    files = []
    for day in iter_days(dataset):
        messages = encoder.encode(day)
        books = [json.loads(t) for _, t in messages.lines() if '"channel":"books"' in t]
        _replay(books, verify_checksum=True)
        assert len({m["data"][0]["checksum"] for m in books}) > len(books) // 2
        path = capture_path(tmp_path, "okx", INST, day.day)
        write_capture(path, messages.capture_text())
        files.append(path)
    # The project's integrity rules agree, ccxt accepts it, and the book is the same.
    from aleatoric.integrity._native import check_capture

    for path in files:
        report = check_capture(path, "okx")
        assert report.passed, report.to_text()
        for name in ("okx_seq_chain", "okx_checksum", "local_after_exchange", "price_on_tick"):
            assert report.result(name).rows > 0, name
    frames = [m for f in files for m in _channel(_lines(f), "books")]
    book, error = _ccxt_book(frames)
    assert error is None
    _check_ccxt(book, dataset)


def test_normalize_round_trip(dataset: Path, captures: list[Path], tmp_path: Path) -> None:
    norms = []
    for i, capture in enumerate(captures):
        report = normalize(capture, "okx", tmp_path / f"norm{i}")
        assert report.malformed == 0 and report.unknown == 0
        norms.append(tmp_path / f"norm{i}")
    # Trades: one message per taker order and price, as the canonical fills aggregate.
    new = (
        (pl.col("ts_event") != pl.col("ts_event").shift())
        | (pl.col("side") != pl.col("side").shift())
        | (pl.col("price") != pl.col("price").shift())
    )
    canon = read_table(dataset, "trades").with_columns(run=new.fill_null(True).cum_sum())
    lots = (pl.col("size") / 0.0001).round().sum().cast(pl.Int64).alias("lots")
    agg = canon.group_by("run", maintain_order=True).agg(
        pl.col("ts_event").first(), pl.col("trade_id").last(), pl.col("price").first(),
        pl.col("side").first(), lots,
    )  # fmt: skip
    trades = pl.concat([read_table(n, "trades") for n in norms])
    assert trades["trade_id"].to_list() == agg["trade_id"].to_list()
    assert trades["price"].to_list() == agg["price"].to_list()
    assert trades["side"].to_list() == agg["side"].to_list()
    assert (trades["size"] / 0.0001).round().cast(pl.Int64).to_list() == agg["lots"].to_list()
    assert trades["ts_event"].to_list() == (agg["ts_event"] // 1_000_000 * 1_000_000).to_list()
    # Sizes come back in base asset, exactly on the canonical grid.
    lots = (trades["size"] / 0.0001).round()
    assert (lots * 0.0001).round(4).to_list() == trades["size"].to_list()
    # The book: the last file's snapshot and updates end in the canonical top 400.
    assert final_book(norms[-1]) == final_book(dataset, 400)
    orders = read_table(norms[-1], "book_delta")["order_count"]
    assert orders.null_count() == 0 and orders.max() > 1
    # Funding settlements and the ticker channels.
    funding = pl.concat([read_table(n, "funding") for n in norms])
    for row in read_table(dataset, "funding").iter_rows(named=True):
        (got,) = funding.filter(pl.col("ts_event") == row["ts_event"])["funding_rate"].to_list()
        assert got == pytest.approx(row["funding_rate"], abs=1e-16)
    ticker = read_table(dataset, "ticker")
    nt = pl.concat([read_table(n, "ticker") for n in norms])
    marks = nt.filter(pl.col("mark_price").is_not_null())
    joined = ticker.join(marks, on="ts_event", suffix="_n")
    assert joined.height == marks.height > 0
    assert joined["mark_price_n"].to_list() == joined["mark_price"].to_list()
    rates = nt.filter(pl.col("predicted_funding_rate").is_not_null())
    joined = ticker.join(rates, on="ts_event", suffix="_n")
    assert joined.height == rates.height >= 10
    assert joined["next_funding_ts_n"].to_list() == joined["next_funding_ts"].to_list()
    assert np.allclose(joined["funding_rate_n"], joined["funding_rate"], rtol=1e-12, atol=0)
    assert np.allclose(joined["predicted_funding_rate_n"], joined["predicted_funding_rate"],
                       rtol=1e-12, atol=0)  # fmt: skip


def test_decoder_reads_real_frames() -> None:
    rows = DecodedRows()
    lines = (HERE / "data" / "okx" / "real_frames.jsonl").read_text().splitlines()
    for i, text in enumerate(lines, start=1):
        decode_message(1_800_000_000_000_000_000, text, i, rows)
    # Neither the inverse future nor BCH-USDT-SWAP has a known contract value.
    assert rows.unknown == 2 and rows.malformed == 0
    assert all("no contract value" in e for e in rows.examples)
    spot = [r for r in rows.book_delta if r["price"] in (8476.98, 8477.0, 8476.97, 8475.55)]
    got = [(r["side"], r["price"], r["size"], r["order_count"], r["is_snapshot"]) for r in spot]
    assert got[:4] == [
        ("bid", 8476.97, 256.0, 12, True), ("bid", 8475.55, 101.0, 1, True),
        ("ask", 8476.98, 415.0, 13, True), ("ask", 8477.0, 7.0, 2, True),
    ]  # fmt: skip
    assert spot[0]["ts_event"] == 1597026383085 * 1_000_000
    swap = [r for r in rows.book_delta if r["price"] > 60000 and r["price"] < 70000]
    # books5 on a swap: contracts times 0.01 BTC.
    assert [(r["side"], r["price"], r["size"]) for r in swap] == [
        ("bid", 63921.4, 4.2193), ("ask", 63921.5, 7.9041), ("ask", 63921.8, 0.0032)]  # fmt: skip
    (trade,) = rows.trades
    assert trade == {**trade, "trade_id": 2832749645, "price": 63913.4, "size": 0.3495,
                     "side": "sell", "ts_event": 1786540436090 * 1_000_000}  # fmt: skip
    (settled,) = rows.funding
    assert settled["ts_event"] == 1790352000000 * 1_000_000
    assert settled["funding_rate"] == 0.0000341625964238
    fr, mark, index = rows.ticker
    assert fr["predicted_funding_rate"] == 0.0000263463215391
    assert fr["next_funding_ts"] == 1790380800000 * 1_000_000
    assert mark["mark_price"] == 83679.8 and index["index_price"] == 83700.1


def test_normalize_counts_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "btc-usdt-swap_20260101.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("garbage\n")
        fh.write('1767225600005000000 {"arg":{"channel":"candle1m","instId":"X"},"data":[]}\n')
        fh.write("1767225600005000000 {not json\n")
        fh.write('1767225600005000000 {"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},'
                 '"action":"update","data":[{"asks":[["1"]],"bids":[]}]}\n')  # fmt: skip
        fh.write('1767225600005000000 {"event":"subscribe","arg":{"channel":"books"}}\n')
    report = normalize(path, "okx", tmp_path / "out")
    assert report.lines == 5 and report.unknown == 1 and report.malformed == 3


def _ccxt_book(frames: list[Any], drop: int | None = None) -> tuple[Any, BaseException | None]:
    ccxtpro = pytest.importorskip("ccxt.pro")
    from tests.conformance.ccxt_harness import feed_order_book, install_fake_transport, swap_market

    frames = list(frames)
    if drop is not None:
        del frames[drop]
    ex = ccxtpro.okx()
    ex.set_markets([swap_market(INST, "BTC/USDT:USDT", "BTC", "USDT", price=0.1, amount=0.01,
                                contract_size=0.01)])  # fmt: skip
    install_fake_transport(ex)
    return asyncio.run(feed_order_book(ex, "BTC/USDT:USDT", frames))


def _check_ccxt(book: Any, dataset: Path) -> None:
    # ccxt keeps OKX amounts in contracts.
    ours = final_book(dataset, 400)
    for side in ("bids", "asks"):
        got = [(p, float(Decimal(str(q)) * CT)) for p, q in book[side]]
        assert as_levels(got) == as_levels(ours[side])


def test_ccxt_builds_the_same_book(dataset: Path, captures: list[Path]) -> None:
    frames = [m for c in captures for m in _channel(_lines(c), "books")]
    book, error = _ccxt_book(frames)
    assert error is None
    _check_ccxt(book, dataset)
    assert book["nonce"] == frames[-1]["data"][0]["seqId"]


def test_ccxt_rejects_a_broken_sequence(captures: list[Path]) -> None:
    frames = _channel(_lines(captures[-1]), "books")
    book, _ = _ccxt_book(frames)
    assert book is not None
    # The watch resolved on the snapshot; the gap makes ccxt reject the chain and drop the book.
    book, _ = _ccxt_book(frames, drop=40)
    assert book is None


@pytest.mark.slow
def test_native_bytes_are_deterministic(captures: list[Path], tmp_path: Path) -> None:
    config = aleatoric.load_config(**CONFIG)
    aleatoric.generate(config, tmp_path / "again", workers=2, formats=("native",))
    for capture in captures:
        again = tmp_path / "again" / "native" / "okx" / capture.name
        assert again.read_bytes() == capture.read_bytes()
