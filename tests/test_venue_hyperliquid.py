"""Hyperliquid wire format: frame rules, round trip, real frames, and real client libraries."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import aleatoric
from aleatoric.integrity import check_capture
from aleatoric.venues import DecodedRows
from aleatoric.venues.hyperliquid import decode_message, tid_of, trade_id_of
from aleatoric.venues.normalize import normalize
from tests.conformance.books import as_levels, final_book
from tests.conformance.hft import hft_python
from tests.conftest import read_table

HERE = Path(__file__).parent
FIXTURES = HERE / "data" / "hyperliquid"
SIZE_DECIMALS = {"BTC": 5, "ETH": 4}
LOT = {"BTC": 0.00001, "ETH": 0.0001}
TRADE_KEYS = ["coin", "side", "px", "sz", "time", "hash", "tid", "users"]
CTX_KEYS = ["funding", "openInterest", "prevDayPx", "dayNtlVlm", "premium", "oraclePx", "markPx",
            "midPx", "impactPxs", "dayBaseVlm"]  # fmt: skip
PRICE = re.compile(r"^[1-9]\d*\.\d+$")
SIZE = re.compile(r"^\d+\.\d+$")
HEX = re.compile(r"^0x[0-9a-f]+$")


def _generate(out: Path, symbol: str, seed: int, **extra: Any) -> Path:
    options = {"duration": "10m", "segment": "5m", "warmup": "5m", **extra}
    config = aleatoric.load_config(venue="hyperliquid", symbol=symbol, seed=seed, **options)
    aleatoric.generate(config, out, formats=("parquet", "native"))
    return out


@pytest.fixture(scope="module", params=["BTC", "ETH"])
def dataset(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    symbol = request.param
    return _generate(tmp_path_factory.mktemp("hl") / symbol, symbol, seed=21)


def _capture(dataset: Path) -> Path:
    return dataset / "native" / "hyperliquid" / f"{dataset.name.lower()}_20260101.gz"


def _lines(capture: Path) -> list[tuple[str, str, Any]]:
    out = []
    with gzip.open(capture, "rt") as fh:
        for raw in fh:
            head, text = raw.rstrip("\n").split(" ", 1)
            out.append((head, text, json.loads(text)))
    return out


def _valid_price(price: str, coin: str) -> bool:
    # The venue's rule: an integer, or at most 5 significant figures and 6 - szDecimals
    # decimals.
    whole, decimals = price.split(".")
    if decimals == "0":
        return True
    figures = len((whole + decimals).lstrip("0"))
    return figures <= 5 and len(decimals) <= 6 - SIZE_DECIMALS[coin]


def _trimmed(number: str) -> bool:
    # The venue's style: no trailing zero in the decimals, but at least one decimal ("1.0").
    decimals = number.split(".")[1]
    return decimals == "0" or not decimals.endswith("0")


def test_frames_follow_hyperliquid_rules(dataset: Path) -> None:
    coin = dataset.name
    lines = _lines(_capture(dataset))
    assert all(len(h) == 19 and h.isdigit() for h, _, _ in lines)
    local = [int(h) for h, _, _ in lines]
    assert local == sorted(local)
    by_channel: dict[str, list[tuple[int, str, Any]]] = {}
    for h, text, msg in lines:
        by_channel.setdefault(msg["channel"], []).append((int(h), text, msg))
    assert set(by_channel) == {"l2Book", "trades", "activeAssetCtx"}

    books = by_channel["l2Book"]
    assert len(books) > 600
    first = books[0][1]
    assert first.startswith(f'{{"channel":"l2Book","data":{{"coin":"{coin}","time":')
    times = [m["data"]["time"] for _, _, m in books]
    assert min(b - a for a, b in itertools.pairwise(times)) >= 500
    assert all(t % 500 == 0 for t in times)
    for recv, _, m in books:
        data = m["data"]
        assert list(data) == ["coin", "time", "levels"] and recv > data["time"] * 1_000_000
        bids, asks = data["levels"]
        # The full 20 levels a side in every message (the book keeps a deep side).
        assert len(bids) == len(asks) == 20
        for level in bids + asks:
            assert list(level) == ["px", "sz", "n"]
            assert PRICE.match(level["px"]) and _valid_price(level["px"], coin)
            assert SIZE.match(level["sz"]) and len(level["sz"].split(".")[1]) <= SIZE_DECIMALS[coin]
            assert float(level["sz"]) > 0 and isinstance(level["n"], int) and level["n"] >= 1
        bid_px = [float(lv["px"]) for lv in bids]
        ask_px = [float(lv["px"]) for lv in asks]
        assert bid_px == sorted(bid_px, reverse=True) and ask_px == sorted(ask_px)
        assert len(set(bid_px)) == 20 and len(set(ask_px)) == 20
        assert bid_px[0] < ask_px[0]
    levels = [lv for _, _, m in books for side in m["data"]["levels"] for lv in side]
    assert all(_trimmed(lv["px"]) and _trimmed(lv["sz"]) for lv in levels)
    assert any(lv["px"].endswith(".0") for lv in levels)

    trades = [(recv, t) for recv, _, m in by_channel["trades"] for t in m["data"]]
    assert len(trades) == read_table(dataset, "trades").height
    for recv, t in trades:
        assert list(t) == TRADE_KEYS and t["coin"] == coin and t["side"] in ("A", "B")
        assert PRICE.match(t["px"]) and _valid_price(t["px"], coin) and SIZE.match(t["sz"])
        assert _trimmed(t["px"]) and _trimmed(t["sz"])
        assert len(t["sz"].split(".")[1]) <= SIZE_DECIMALS[coin]
        assert HEX.match(t["hash"]) and len(t["hash"]) == 66
        assert isinstance(t["tid"], int) and 0 <= t["tid"] < 2**50
        assert len(t["users"]) == 2 and t["users"][0] != t["users"][1]
        assert all(HEX.match(u) and len(u) == 42 for u in t["users"])
        assert recv > t["time"] * 1_000_000
    # One message per taker and instant: one time, one side and one hash in each.
    for _, _, m in by_channel["trades"]:
        assert len({(t["time"], t["side"], t["hash"]) for t in m["data"]}) == 1
    assert len({t["tid"] for _, t in trades}) == len(trades)

    ctxs = by_channel["activeAssetCtx"]
    assert len(ctxs) == read_table(dataset, "ticker").height
    gaps = [b - a for (a, _, _), (b, _, _) in itertools.pairwise(ctxs)]
    assert set(gaps) == {1_000_000_000}
    for _, text, m in ctxs:
        assert text.startswith(f'{{"channel":"activeAssetCtx","data":{{"coin":"{coin}","ctx":')
        ctx = m["data"]["ctx"]
        assert list(ctx) == CTX_KEYS
        for key in ("prevDayPx", "oraclePx", "markPx", "midPx"):
            assert PRICE.match(ctx[key]) and _trimmed(ctx[key]), (key, ctx[key])
        assert all(PRICE.match(p) for p in ctx["impactPxs"])
        assert float(ctx["impactPxs"][0]) <= float(ctx["midPx"]) <= float(ctx["impactPxs"][1])
        for key in ("funding", "premium", "openInterest", "dayNtlVlm", "dayBaseVlm"):
            assert re.match(r"^-?\d+\.\d+$", ctx[key]), (key, ctx[key])


def test_ctx_follows_the_canonical_rows(dataset: Path) -> None:
    lines = _lines(_capture(dataset))
    ctxs = [m["data"]["ctx"] for _, _, m in lines if m["channel"] == "activeAssetCtx"]
    ticker = read_table(dataset, "ticker")
    trades = read_table(dataset, "trades")
    assert [float(c["markPx"]) for c in ctxs] == ticker["mark_price"].to_list()
    assert [float(c["oraclePx"]) for c in ctxs] == ticker["index_price"].to_list()
    assert [float(c["openInterest"]) for c in ctxs] == ticker["open_interest"].to_list()
    funding = np.array([float(c["funding"]) for c in ctxs])
    assert np.allclose(funding, ticker["predicted_funding_rate"].to_numpy(), rtol=0, atol=5e-11)
    # Less than 24 h of data: the volumes are every trade before the row (by seq), and the
    # previous day's price is the first trade's.
    seq = trades["seq"].to_numpy()
    size = [Decimal(repr(s)) for s in trades["size"].to_list()]
    notional = [Decimal(repr(p)) * s for p, s in zip(trades["price"].to_list(), size, strict=True)]
    cum_size = list(itertools.accumulate(size, initial=Decimal(0)))
    cum_notional = list(itertools.accumulate(notional, initial=Decimal(0)))
    for ctx, row_seq in zip(ctxs, ticker["seq"].to_list(), strict=True):
        n = int(np.searchsorted(seq, row_seq))
        assert Decimal(ctx["dayBaseVlm"]) == cum_size[n]
        assert Decimal(ctx["dayNtlVlm"]) == cum_notional[n]
        if n:
            assert float(ctx["prevDayPx"]) == trades["price"][0]


def test_normalize_round_trip(dataset: Path, tmp_path: Path) -> None:
    coin = dataset.name
    report = normalize(_capture(dataset), "hyperliquid", tmp_path / "norm")
    assert report.malformed == 0 and report.unknown == 0
    canon = read_table(dataset, "trades")
    norm = read_table(tmp_path / "norm", "trades")
    assert trade_id_of(norm["trade_id"].to_numpy(), coin).tolist() == canon["trade_id"].to_list()
    assert norm["trade_id"].to_list() == tid_of(canon["trade_id"].to_numpy(), coin).tolist()
    assert norm["price"].to_list() == canon["price"].to_list()
    assert norm["size"].to_list() == canon["size"].to_list()
    assert norm["side"].to_list() == canon["side"].to_list()
    assert norm["ts_event"].to_list() == (canon["ts_event"] // 1_000_000 * 1_000_000).to_list()
    ticker = read_table(dataset, "ticker")
    nt = read_table(tmp_path / "norm", "ticker")
    assert nt["mark_price"].to_list() == ticker["mark_price"].to_list()
    assert nt["index_price"].to_list() == ticker["index_price"].to_list()
    assert nt["open_interest"].to_list() == ticker["open_interest"].to_list()
    assert np.allclose(nt["predicted_funding_rate"], ticker["predicted_funding_rate"], atol=5e-11)
    assert (nt["ts_recv"] - nt["ts_event"]).to_list() == [1] * nt.height
    # Snapshots become differences: one snapshot of 40 levels, then changes that replay to
    # the canonical top 20.
    nd = read_table(tmp_path / "norm", "book_delta")
    assert nd["is_snapshot"].sum() == 40 and nd["is_snapshot"][:40].all()
    assert final_book(tmp_path / "norm") == final_book(dataset, 20)


def test_capture_passes_the_integrity_rules(dataset: Path) -> None:
    report = check_capture(_capture(dataset), "hyperliquid")
    assert report.passed, report.to_text()
    names = {r.name for r in report.results}
    assert {"hyperliquid_snapshot_spacing", "book_not_crossed", "price_on_tick"} <= names


def _decode(lines: list[str]) -> DecodedRows:
    rows = DecodedRows()
    for i, text in enumerate(lines, start=1):
        decode_message(1_788_658_300_000_000_000 + i, text, i, rows)
    return rows


def test_real_frames_decode() -> None:
    frames = (FIXTURES / "btc_2026_frames.jsonl").read_text().splitlines()
    rows = _decode(frames)
    assert rows.unknown == 0 and rows.malformed == 0
    book = [(r["side"], r["price"], r["size"], r["order_count"], r["is_snapshot"])
            for r in rows.book_delta]  # fmt: skip
    assert book == [("bid", 79889.0, 7.85045, 22, True), ("bid", 79885.0, 1.2, 3, True),
                    ("ask", 79890.0, 4.16384, 20, True)]  # fmt: skip
    assert [r["is_last"] for r in rows.book_delta] == [False, False, True]
    assert rows.book_delta[0]["ts_event"] == 1788658200000 * 1_000_000
    (trade,) = rows.trades
    assert (trade["trade_id"], trade["price"], trade["size"], trade["side"]) == (
        226388921035269, 79889.0, 0.00054, "sell")  # fmt: skip
    assert trade["ts_event"] == 1788658198628 * 1_000_000
    (tick,) = rows.ticker
    assert (tick["mark_price"], tick["index_price"], tick["predicted_funding_rate"],
            tick["open_interest"]) == (79890.0, 79922.0, 0.0000125, 35409.41702)  # fmt: skip
    assert tick["next_funding_ts"] % 3_600_000_000_000 == 0
    assert tick["ts_event"] < tick["ts_recv"] < tick["next_funding_ts"]
    control = (FIXTURES / "control_2026.jsonl").read_text().splitlines()
    rows = _decode(control)
    assert rows.unknown == 2 and rows.malformed == 0 and rows.pending() == 0


def _l2(t: int, bids: list[tuple[str, str, int]], asks: list[tuple[str, str, int]]) -> str:
    def side(levels: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
        return [{"px": p, "sz": s, "n": n} for p, s, n in levels]

    data = {"coin": "BTC", "time": t, "levels": [side(bids), side(asks)]}
    return json.dumps({"channel": "l2Book", "data": data}, separators=(",", ":"))


def test_snapshots_decode_as_differences() -> None:
    rows = _decode([
        _l2(1000, [("100.0", "1.0", 1), ("99.0", "2.0", 2)], [("101.0", "1.5", 1)]),
        _l2(1500, [("100.0", "1.0", 1), ("98.0", "3.0", 1)], [("101.0", "1.5", 2)]),
        _l2(2000, [("100.0", "1.0", 1), ("98.0", "3.0", 1)], [("101.0", "1.5", 2)]),
        _l2(2500, [("99.5", "0.5", 1)], [("100.0", "0.2", 1)]),
    ])  # fmt: skip
    got = [(r["ts_event"] // 1_000_000, r["side"], r["price"], r["size"], r["order_count"],
            r["is_snapshot"], r["is_last"]) for r in rows.book_delta]  # fmt: skip
    assert got == [
        (1000, "bid", 100.0, 1.0, 1, True, False),
        (1000, "bid", 99.0, 2.0, 2, True, False),
        (1000, "ask", 101.0, 1.5, 1, True, True),
        # 99 left, 98 arrived, the ask's order count changed.
        (1500, "bid", 99.0, 0.0, 0, False, False),
        (1500, "bid", 98.0, 3.0, 1, False, False),
        (1500, "ask", 101.0, 1.5, 2, False, True),
        # An identical snapshot changes nothing; then everything moves (never crossed after
        # the message).
        (2500, "bid", 100.0, 0.0, 0, False, False),
        (2500, "bid", 98.0, 0.0, 0, False, False),
        (2500, "bid", 99.5, 0.5, 1, False, False),
        (2500, "ask", 101.0, 0.0, 0, False, False),
        (2500, "ask", 100.0, 0.2, 1, False, True),
    ]


def test_normalize_counts_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "btc_20260101.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("garbage\n")
        fh.write('1767225600005000000 {"channel":"subscriptionResponse","data":{}}\n')
        fh.write('1767225600005000000 {"channel":"pong"}\n')
        fh.write("1767225600005000000 {not json\n")
        fh.write("1767225600005000000 [1,2]\n")
        fh.write('1767225600005000000 {"channel":"trades","data":[{"coin":"BTC"}]}\n')
        fh.write('1767225600005000000 {"channel":"l2Book","data":{"coin":"BTC"}}\n')
        fh.write('1767225600005000000 {"channel":"activeAssetCtx","data":{"coin":"BTC"}}\n')
    report = normalize(path, "hyperliquid", tmp_path / "out")
    assert report.lines == 8 and report.unknown == 2 and report.malformed == 6
    assert len(report.examples) == 8


def test_tids_are_a_bijection() -> None:
    ids = np.array([1, 2, 3, 1000, 2**40 - 1, 123_456_789], dtype=np.uint64)
    btc, eth = tid_of(ids, "BTC"), tid_of(ids, "ETH")
    assert (btc < 2**50).all() and len(set(btc.tolist()) | set(eth.tolist())) == 2 * ids.size
    assert trade_id_of(btc, "BTC").tolist() == ids.tolist()
    assert trade_id_of(eth, "ETH").tolist() == ids.tolist()
    assert tid_of([5], "BTC").tolist() == tid_of(np.array([5]), "BTC").tolist()
    with pytest.raises(ValueError, match="2\\*\\*40"):
        tid_of([2**40], "BTC")


def _market(coin: str, tick: float) -> dict[str, Any]:
    from tests.conformance.ccxt_harness import swap_market

    return swap_market(str(list(SIZE_DECIMALS).index(coin)), f"{coin}/USDC:USDC", coin, "USDC",
                       price=tick, amount=LOT[coin], baseName=coin)  # fmt: skip


def _tick(dataset: Path) -> float:
    # The effective tick under five significant figures at the data's price level.
    price = read_table(dataset, "trades")["price"][0]
    return float(10.0 ** (len(str(int(price))) - 5))


def test_ccxt_builds_the_same_book(dataset: Path) -> None:
    ccxtpro = pytest.importorskip("ccxt.pro")
    from tests.conformance.ccxt_harness import install_fake_transport

    coin = dataset.name
    symbol = f"{coin}/USDC:USDC"
    frames = [m for _, _, m in _lines(_capture(dataset))]
    ex = ccxtpro.hyperliquid()
    ex.set_markets([_market(coin, _tick(dataset))])
    install_fake_transport(ex)

    async def run() -> tuple[Any, Any, Any, list[Any]]:
        task = asyncio.ensure_future(ex.watch_order_book(symbol))
        for _ in range(10):
            await asyncio.sleep(0)
        client = next(iter(ex.clients.values()))
        assert client.url == "wss://api.hyperliquid.xyz/ws"
        assert client.connection.sent[0] == {
            "method": "subscribe", "subscription": {"type": "l2Book", "coin": coin}}  # fmt: skip
        for frame in frames:
            ex.handle_message(client, frame)
            await asyncio.sleep(0)
        await asyncio.wait_for(task, timeout=5)
        book = ex.orderbooks[symbol]
        trades = list(ex.trades[symbol])
        ticker = ex.tickers[symbol]
        sent = client.connection.sent
        await ex.close()
        return book, trades, ticker, sent

    book, trades, ticker, _ = asyncio.run(run())
    ours = final_book(dataset, 20)
    assert as_levels(book["bids"]) == as_levels(ours["bids"])
    assert as_levels(book["asks"]) == as_levels(ours["asks"])
    # ccxt keeps the latest trades: the same ids, sides, prices and amounts as ours.
    canon = read_table(dataset, "trades").tail(len(trades))
    assert [t["id"] for t in trades] == [str(t) for t in tid_of(canon["trade_id"], coin).tolist()]
    assert [t["side"] for t in trades] == canon["side"].to_list()
    assert [t["price"] for t in trades] == canon["price"].to_list()
    assert [t["amount"] for t in trades] == canon["size"].to_list()
    last = next(m["data"]["ctx"] for m in reversed(frames) if m["channel"] == "activeAssetCtx")
    assert ticker["close"] == float(last["midPx"])
    assert [ticker["bid"], ticker["ask"]] == [float(p) for p in last["impactPxs"]]


def test_hftbacktest_rebuilds_the_same_book(dataset: Path) -> None:
    python = hft_python()
    coin = dataset.name
    res = subprocess.run(
        [python, str(HERE / "conformance" / "hft_rebuild.py"), "hyperliquid",
         str(_capture(dataset)), repr(_tick(dataset)), repr(LOT[coin])],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["trades"] == read_table(dataset, "trades").height
    ours = final_book(dataset, 20)
    assert as_levels(out["bids"]) == as_levels(ours["bids"])
    assert as_levels(out["asks"]) == as_levels(ours["asks"])


@pytest.mark.slow
def test_native_bytes_are_deterministic(dataset: Path, tmp_path: Path) -> None:
    config = aleatoric.load_config(
        venue="hyperliquid", symbol=dataset.name, duration="10m", segment="5m", warmup="5m",
        seed=21,
    )  # fmt: skip
    aleatoric.generate(config, tmp_path / "again", workers=2, formats=("native",))
    again = tmp_path / "again" / "native" / "hyperliquid" / _capture(dataset).name
    assert again.read_bytes() == _capture(dataset).read_bytes()


def test_state_carries_across_days(tmp_path: Path) -> None:
    root = _generate(tmp_path / "BTC", "BTC", seed=4, start="2026-01-01T23:56:00Z",
                     duration="8m", segment="4m")  # fmt: skip
    files = sorted((root / "native" / "hyperliquid").iterdir())
    assert [f.name for f in files] == ["btc_20260101.gz", "btc_20260102.gz"]
    day1, day2 = _lines(files[0]), _lines(files[1])
    books = [m["data"]["time"] for _, _, m in day1 + day2 if m["channel"] == "l2Book"]
    assert min(b - a for a, b in itertools.pairwise(books)) >= 500
    # The second day's first context counts the first day's trades in its 24 h volume.
    trades = read_table(root, "trades")
    first = next(m["data"]["ctx"] for _, _, m in day2 if m["channel"] == "activeAssetCtx")
    ticker = read_table(root, "ticker").filter(pl.col("ts_event") >= 1_767_312_000_000_000_000)
    n = int(np.searchsorted(trades["seq"].to_numpy(), ticker["seq"][0]))
    total = sum((Decimal(repr(s)) for s in trades["size"][:n].to_list()), Decimal(0))
    assert Decimal(first["dayBaseVlm"]) == total
    assert float(first["prevDayPx"]) == trades["price"][0]
    tids = [t["tid"] for _, _, m in day1 + day2 if m["channel"] == "trades" for t in m["data"]]
    assert trade_id_of(tids, "BTC").tolist() == trades["trade_id"].to_list()
