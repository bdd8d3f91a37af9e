"""Integrity rules on native captures: venue frame rules, then canonical rules after decoding."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

import aleatoric
from aleatoric.integrity import IntegrityInputError, check_capture
from aleatoric.venues.okx import okx_crc32


@pytest.fixture(scope="module")
def binance_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    config = aleatoric.load_config(duration="5m", segment="5m", warmup="5m", seed=8)
    out = tmp_path_factory.mktemp("nat") / "ds"
    aleatoric.generate(config, out, formats=("native",))
    path = out / "native" / "binance" / "btcusdt_20260101.gz"
    with gzip.open(path, "rt") as fh:
        return fh.read().splitlines()


def _write(tmp: Path, lines: list[str], name: str = "btcusdt_20260101.gz") -> Path:
    path = tmp / name
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def _depth_indices(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if '"e":"depthUpdate"' in line]


def test_clean_binance_capture_passes(binance_lines: list[str], tmp_path: Path) -> None:
    report = check_capture(_write(tmp_path, binance_lines), "binance")
    assert report.passed, report.to_text()
    names = [r.name for r in report.results]
    assert "binance_depth_continuity" in names and "price_on_tick" in names


def test_dropped_diff_breaks_continuity(binance_lines: list[str], tmp_path: Path) -> None:
    lines = list(binance_lines)
    victim = _depth_indices(lines)[20]
    del lines[victim]
    report = check_capture(_write(tmp_path, lines), "binance", rules=["binance_depth_continuity"])
    result = report.result("binance_depth_continuity")
    assert not result.passed and result.violations == 1
    # Reported on the diff that followed the dropped one (line numbers count from 1).
    assert result.examples[0]["seq"] == _depth_indices(lines)[20] + 1


def test_swapped_diffs_break_continuity(binance_lines: list[str], tmp_path: Path) -> None:
    lines = list(binance_lines)
    a, b = _depth_indices(lines)[10:12]
    lines[a], lines[b] = lines[b], lines[a]
    report = check_capture(_write(tmp_path, lines), "binance", rules=["binance_depth_continuity"])
    assert report.result("binance_depth_continuity").violations >= 1


def test_price_off_tick_in_a_frame(binance_lines: list[str], tmp_path: Path) -> None:
    lines = list(binance_lines)
    i = _depth_indices(lines)[5]
    head, text = lines[i].split(" ", 1)
    msg = json.loads(text)
    side = "b" if msg["data"]["b"] else "a"
    price = msg["data"][side][0][0]
    msg["data"][side][0][0] = f"{float(price) + 0.05:.2f}"
    lines[i] = f"{head} {json.dumps(msg, separators=(',', ':'))}"
    report = check_capture(_write(tmp_path, lines), "binance", rules=["price_on_tick"])
    assert not report.result("price_on_tick").passed


def test_local_time_before_exchange(binance_lines: list[str], tmp_path: Path) -> None:
    lines = list(binance_lines)
    head, text = lines[3].split(" ", 1)
    lines[3] = f"{int(head) - 10**9:019d} {text}"
    report = check_capture(_write(tmp_path, lines), "binance", rules=["local_after_exchange"])
    result = report.result("local_after_exchange")
    assert result.violations == 1 and result.examples[0]["seq"] == 4


def _frame(local: int, msg: dict[str, Any]) -> str:
    return f"{local:019d} {json.dumps(msg, separators=(',', ':'))}"


def test_okx_checksum_and_seq_chain(tmp_path: Path) -> None:
    bids = [["3366.1", "7", "0", "1"], ["3366", "6", "0", "1"]]
    asks = [["3366.8", "9", "0", "1"], ["3368", "8", "0", "1"]]
    arg = {"channel": "books", "instId": "BTC-USDT-SWAP"}
    book = {"bids": {3366.1: ("3366.1", "7"), 3366.0: ("3366", "6")},
            "asks": {3366.8: ("3366.8", "9"), 3368.0: ("3368", "8")}}  # fmt: skip
    assert okx_crc32(book) == -1881014294  # the documented test vector

    def frames(checksum: int, prev: int) -> list[str]:
        snap = {
            "arg": arg,
            "action": "snapshot",
            "data": [
                {
                    "asks": asks,
                    "bids": bids,
                    "ts": "1767225600000",
                    "checksum": -1881014294,
                    "prevSeqId": -1,
                    "seqId": 10,
                }
            ],
        }
        upd = {"arg": arg, "action": "update", "data": [{"asks": [["3368", "0", "0", "0"],
               ["3372", "8", "0", "1"]], "bids": [], "ts": "1767225600100",
               "checksum": checksum, "prevSeqId": prev, "seqId": 15}]}  # fmt: skip
        return [_frame(1767225600005000000, snap), _frame(1767225600105000000, upd)]

    # After the update the merged book is bids 3366.1/3366, asks 3366.8/3372.
    raw = zlib.crc32(b"3366.1:7:3366.8:9:3366:6:3372:8")
    expected = raw - (1 << 32) if raw >= 1 << 31 else raw
    rules = ["okx_checksum", "okx_seq_chain"]
    good = check_capture(_write(tmp_path, frames(expected, 10), "btc-usdt-swap_a.gz"), "okx",
                         rules=rules)  # fmt: skip
    assert good.passed, good.to_text()
    bad = check_capture(_write(tmp_path, frames(expected + 1, 11), "btc-usdt-swap_b.gz"), "okx",
                        rules=rules)  # fmt: skip
    assert bad.result("okx_checksum").examples[0]["seq"] == 2
    assert bad.result("okx_seq_chain").examples[0]["seq"] == 2


def test_bybit_update_ids(tmp_path: Path) -> None:
    def msg(kind: str, u: int, seq: int) -> dict[str, Any]:
        return {"topic": "orderbook.50.BTCUSDT", "type": kind, "ts": 1767225600000,
                "data": {"s": "BTCUSDT", "b": [], "a": [], "u": u, "seq": seq},
                "cts": 1767225600000}  # fmt: skip

    lines = [_frame(1767225600005000000 + i, m) for i, m in enumerate(
        [msg("snapshot", 7, 100), msg("delta", 8, 101), msg("delta", 10, 99)])]  # fmt: skip
    report = check_capture(_write(tmp_path, lines), "bybit", rules=["bybit_update_ids"])
    result = report.result("bybit_update_ids")
    assert result.violations == 2 and {e["seq"] for e in result.examples} == {3}


def test_hyperliquid_snapshot_spacing(tmp_path: Path) -> None:
    def book(t: int) -> dict[str, Any]:
        return {"channel": "l2Book", "data": {"coin": "BTC", "time": t, "levels": [[], []]}}

    lines = [_frame((t + 5) * 1_000_000, book(t)) for t in (1000, 1500, 1700)]
    report = check_capture(_write(tmp_path, lines, "btc_20260101.gz"), "hyperliquid",
                           rules=["hyperliquid_snapshot_spacing"])  # fmt: skip
    result = report.result("hyperliquid_snapshot_spacing")
    assert result.violations == 1 and result.examples[0]["seq"] == 3


def test_unusable_input(tmp_path: Path) -> None:
    with pytest.raises(IntegrityInputError, match="does not exist"):
        check_capture(tmp_path / "nope.gz", "binance")
    path = _write(tmp_path, ["1767225600005000000 {}"])
    with pytest.raises(IntegrityInputError, match="allowed: binance"):
        check_capture(path, "kraken")
    with pytest.raises(IntegrityInputError, match="unknown rule"):
        check_capture(path, "binance", rules=["nonsense"])
