"""Session-gated generation of CME futures, beside the perpetual of the same asset.

Short datasets around CME's daily halt (2026-03-26 16:00-17:00 CT, 21:00-22:00 UTC) and the
expiry of MBTH6 (2026-03-27 16:00 London, 16:00 UTC).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.dataset as pads
import pytest

import aleatoric
from aleatoric.integrations import export
from aleatoric.integrity import check_instruments
from aleatoric.reactor._futures import CARRY_MAX, CARRY_MIN

pytest.importorskip("exchange_calendars")
pytest.importorskip("pandas_market_calendars")
dbn = pytest.importorskip("databento_dbn")

HALT = 1_774_558_800_000_000_000  # 2026-03-26T21:00Z, the close before the daily halt
OPEN = HALT + 3_600_000_000_000  # 22:00Z, the open after the 16:45 CT pre-open
EXPIRY = 1_774_627_200_000_000_000  # 2026-03-27T16:00Z, MBTH6's last trade
SETTLE = 1_774_555_200_000_000_000  # 2026-03-26T20:00Z, 15:00 CT: the daily window's end
TABLES = ["mbo", "book_snapshot", "trades", "ticker"]
BASE = {"segment": "20m", "warmup": "5m", "seed": 3, "tables": TABLES}
HALT_SPAN = {"start": "2026-03-26T19:50Z", "duration": "2h30m"}


def _table(root: Path, table: str, symbol: str) -> dict[str, np.ndarray]:
    data = pads.dataset(root / table, format="parquet", partitioning="hive").to_table()
    data = data.filter(pads.field("symbol") == symbol).sort_by("seq")
    return {c: data[c].to_numpy(zero_copy_only=False) for c in data.column_names}


def _digests(root: Path, part: str) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
        if part in str(p)
    }


@pytest.fixture(scope="module")
def halt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("halt") / "ds"
    config = aleatoric.load_config(
        instruments=["binance:BTCUSDT", "cme:MBTJ6"], **HALT_SPAN, **BASE
    )
    aleatoric.generate(config, out, workers=2)
    return out


def test_no_event_while_halted_book_cleared_and_reopened(halt: Path) -> None:
    mbo = _table(halt, "mbo", "MBTJ6")
    trades = _table(halt, "trades", "MBTJ6")
    ts, mts = trades["ts_event"].astype(np.int64), mbo["ts_event"].astype(np.int64)
    assert ts.size > 1000
    assert not np.any((ts >= HALT) & (ts < OPEN))
    assert not np.any((mts > HALT) & (mts < OPEN))
    # At the close every resting order is cancelled: the adds minus the cancels and fills
    # up to the close leave nothing, and the close's rows are all cancels.
    at_close = mbo["action"][mts == HALT]
    assert at_close.size > 10 and set(at_close) == {"C"}
    # At the open, the book built in the pre-open arrives as one snapshot message.
    at_open = mbo["flags"][mts == OPEN].astype(np.int64)
    assert at_open.size > 10 and np.all(at_open & 32) and int(at_open[-1]) & 128
    snaps = _table(halt, "book_snapshot", "MBTJ6")["ts_event"].astype(np.int64)
    assert not np.any((snaps >= HALT) & (snaps < OPEN))
    # The latent price moved on through the halt: the first print gaps from the last.
    before, after = trades["price"][ts < HALT][-1], trades["price"][ts >= OPEN][0]
    assert before != after
    assert np.all(np.mod(trades["price"], 5.0) == 0)  # the MBT tick grid


def test_integrity_passes_with_the_session_rule(halt: Path) -> None:
    reports = {f"{r.venue}:{r.symbol}": r for r in check_instruments(halt)}
    assert [r.name for rep in reports.values() for r in rep.results if not r.passed] == []
    rule = next(r for r in reports["cme:MBTJ6"].results if r.name == "session_open")
    assert rule.rows > 1000


def test_a_trade_in_the_halt_fires_the_session_rule(halt: Path, tmp_path: Path) -> None:
    root = tmp_path / "ds"
    shutil.copytree(halt, root)
    path = root / "trades/venue=cme/symbol=MBTJ6/date=2026-03-26/part-00003.parquet"
    frame = pl.read_parquet(path)
    last = frame.height - 1  # the segment ending at the close: its last trade, moved into the halt
    seq = int(frame["seq"][last])
    moved = frame.with_columns(
        pl.when(pl.int_range(frame.height) == last)
        .then(pl.lit(HALT + 60_000_000_000).cast(frame["ts_event"].dtype))
        .otherwise(pl.col("ts_event"))
        .alias("ts_event")
    )
    moved.write_parquet(path)
    (report,) = check_instruments(root, instrument="cme:MBTJ6", rules=["session_open"])
    result = report.results[0]
    assert not result.passed and result.violations == 1
    assert [e["seq"] for e in result.examples] == [seq]


def test_basis_over_the_perp_is_the_carry(halt: Path) -> None:
    fut = _table(halt, "trades", "MBTJ6")
    perp = _table(halt, "trades", "BTCUSDT")
    # Minute VWAPs of both, over minutes where both trade.
    out = []
    for lo in range(HALT - 20 * 60_000_000_000, HALT, 60_000_000_000):
        f = (fut["ts_event"].astype(np.int64) >= lo) & (
            fut["ts_event"].astype(np.int64) < lo + 60_000_000_000
        )
        p = (perp["ts_event"].astype(np.int64) >= lo) & (
            perp["ts_event"].astype(np.int64) < lo + 60_000_000_000
        )
        if f.any() and p.any():
            out.append(np.log(np.average(fut["price"][f], weights=fut["size"][f])
                              / np.average(perp["price"][p], weights=perp["size"][p])))  # fmt: skip
    tau = (1_777_042_800_000_000_000 - HALT) / (365 * 86_400e9)  # to MBTJ6's last trade
    basis = float(np.median(out))
    assert CARRY_MIN * tau - 0.002 < basis < CARRY_MAX * tau + 0.002


def test_adding_the_future_leaves_the_perp_bytes_and_workers_do_not_matter(
    halt: Path, tmp_path: Path
) -> None:
    alone = tmp_path / "perp"
    aleatoric.generate(
        aleatoric.load_config(venue="binance", symbol="BTCUSDT", **HALT_SPAN, **BASE), alone
    )
    perp = _digests(alone, "BTCUSDT")
    assert perp and perp == _digests(halt, "BTCUSDT")
    # The contract alone, in one process: the same bytes as beside the perpetual, two workers.
    one = tmp_path / "one"
    aleatoric.generate(
        aleatoric.load_config(venue="cme", symbol="MBTJ6", **HALT_SPAN, **BASE), one, workers=1
    )
    futures = _digests(one, "MBTJ6")
    assert len(futures) > 5 and futures == _digests(halt, "MBTJ6")


def _settlements(root: Path, symbol: str) -> dict[str, np.ndarray]:
    data = pads.dataset(root / "settlement", format="parquet", partitioning="hive").to_table()
    data = data.filter(pads.field("symbol") == symbol)
    return {c: data[c].to_numpy(zero_copy_only=False) for c in data.column_names}


def test_daily_settlement_is_the_vwap_of_the_window(halt: Path) -> None:
    trades = _table(halt, "trades", "MBTJ6")
    ts = trades["ts_event"].astype(np.int64)
    window = (ts >= SETTLE - 60_000_000_000) & (ts < SETTLE)
    assert window.sum() > 10
    vwap = np.sum(trades["price"][window] * trades["size"][window]) / trades["size"][window].sum()
    table = pads.dataset(halt / "settlement", format="parquet", partitioning="hive").to_table()
    rows = table.filter(pads.field("symbol") == "MBTJ6").to_pylist()
    assert [(r["kind"], str(r["trade_date"]), r["tier"]) for r in rows] == [
        ("daily", "2026-03-26", 1)
    ]
    assert abs(rows[0]["price"] - vwap) <= 2.5 and rows[0]["price"] % 5 == 0
    assert rows[0]["price"] == 5 * np.floor(vwap / 5 + 0.5) or abs(vwap / 5 % 1 - 0.5) < 1e-9
    assert int(rows[0]["ts_event"].timestamp()) * 10**9 == SETTLE + 60_000_000_000


def _brr(ts: np.ndarray, price: np.ndarray, end: int) -> float:
    # 12 five-minute partitions of the hour before ``end``; unit sizes: the median is the
    # lowest price at which half the partition's prints are reached.
    medians = []
    for k in range(12):
        lo = end - 3_600_000_000_000 + k * 300_000_000_000
        p = np.sort(price[(ts >= lo) & (ts < lo + 300_000_000_000)])
        if p.size:
            medians.append(p[int(np.ceil(p.size / 2)) - 1])
    return float(np.floor(np.mean(medians) * 100 + 0.5) / 100)


@pytest.fixture(scope="module")
def expiry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("expiry") / "ds"
    config = aleatoric.load_config(
        instruments=["cme:MBTH6", "cme:MBTJ6"], start="2026-03-27T14:50Z", duration="1h20m",
        **{**BASE, "tables": [*TABLES, "book_delta"]},
    )  # fmt: skip
    aleatoric.generate(config, out)
    return out


def test_expiry_final_settlement_and_basis_convergence(expiry: Path) -> None:
    out = expiry
    mbo = _table(out, "mbo", "MBTH6")
    trades = _table(out, "trades", "MBTH6")
    ts = trades["ts_event"].astype(np.int64)
    assert ts.size > 100 and ts.max() < EXPIRY
    mts = mbo["ts_event"].astype(np.int64)
    assert mts.max() == EXPIRY and set(mbo["action"][mts == EXPIRY]) == {"C"}
    assert _table(out, "trades", "MBTJ6")["ts_event"].astype(np.int64).max() > EXPIRY
    ticker = _table(out, "ticker", "MBTH6")
    tt = ticker["ts_event"].astype(np.int64)
    final = _brr(tt, ticker["index_price"].astype(np.float64), EXPIRY)
    rows = _settlements(out, "MBTH6")
    assert list(rows["kind"]) == ["final"] and rows["price"][0] == final
    # The basis over spot has converged: the last minute's trades sit on the spot index.
    last, spot = ts >= EXPIRY - 60_000_000_000, tt >= EXPIRY - 60_000_000_000
    basis = np.median(trades["price"][last]) / np.median(ticker["index_price"][spot]) - 1
    assert abs(basis) < 0.001


def _decode(path: Path) -> tuple[Any, list[Any]]:
    decoder = dbn.DBNDecoder()
    decoder.write(path.read_bytes())
    first, *records = decoder.decode()
    return first, records


def test_dbn_export_reads_back_equal_rows(expiry: Path, tmp_path: Path) -> None:
    out = tmp_path / "dbn"
    export(expiry, "dbn", out)
    folder = out / "cme" / "MBTH6"
    _, (definition,) = _decode(folder / "definition.dbn")
    assert (definition.raw_symbol, definition.expiration) == ("MBTH6", EXPIRY)
    assert definition.min_price_increment == 5 * 10**9  # $5 per bitcoin
    assert definition.unit_of_measure_qty == 10**8  # 0.1 BTC a contract
    _, trades = _decode(folder / "trades.dbn")
    t = _table(expiry, "trades", "MBTH6")
    assert len(trades) == t["seq"].size > 100
    assert [r.ts_event for r in trades] == t["ts_event"].astype(np.int64).tolist()
    assert [r.price for r in trades] == (np.rint(t["price"] / 5) * 5 * 10**9).astype(int).tolist()
    assert [r.size for r in trades] == np.rint(t["size"] / 0.1).astype(int).tolist()
    _, mbo = _decode(folder / "mbo.dbn")
    m = _table(expiry, "mbo", "MBTH6")
    assert [(r.ts_event, r.order_id, r.action, r.flags) for r in mbo] == list(
        zip(m["ts_event"].astype(np.int64).tolist(), m["order_id"].tolist(),
            m["action"].tolist(), m["flags"].tolist(), strict=True)
    )  # fmt: skip
    _, (stat,) = _decode(folder / "statistics.dbn")
    final = _settlements(expiry, "MBTH6")["price"][0]
    assert (stat.ts_event, stat.price, stat.stat_flags) == (EXPIRY, round(final * 10**9), 3)


def test_sgx_perpetual_pauses_between_the_t_and_t1_sessions(tmp_path: Path) -> None:
    # SGX Bitcoin perpetual: T session until 16:00 SGT (08:00Z), T+1 from 16:05 SGT.
    out = tmp_path / "sgx"
    config = aleatoric.load_config(
        venue="sgx", symbol="BTCPERP", start="2026-03-26T07:50Z", duration="20m",
        **{**BASE, "segment": "10m"},
    )  # fmt: skip
    aleatoric.generate(config, out)
    close, reopen = 1_774_512_000_000_000_000, 1_774_512_300_000_000_000
    ts = _table(out, "trades", "BTCPERP")["ts_event"].astype(np.int64)
    assert (ts < close).sum() > 100 and (ts >= reopen).sum() > 100
    assert not np.any((ts >= close) & (ts < reopen))
    mbo = _table(out, "mbo", "BTCPERP")
    mts = mbo["ts_event"].astype(np.int64)
    assert not np.any((mts > close) & (mts < reopen))
    assert set(mbo["action"][mts == close]) == {"C"}
    (report,) = check_instruments(out, rules=["session_open", "price_on_tick"])
    assert report.passed


def test_cme_trades_through_the_former_halt_in_the_24_7_regime(tmp_path: Path) -> None:
    # From 2026-05-29 16:00 CT, CME crypto trades around the clock (but for a weekly window):
    # Tuesday 2026-06-16 16:00-17:00 CT (21:00-22:00Z) is open, in a session that began days
    # before the dataset.
    out = tmp_path / "continuous"
    config = aleatoric.load_config(
        venue="cme", symbol="MBTN6", start="2026-06-16T20:50Z", duration="20m",
        **{**BASE, "segment": "10m"},
    )  # fmt: skip
    aleatoric.generate(config, out)
    ts = _table(out, "trades", "MBTN6")["ts_event"].astype(np.int64)
    former_halt = 1_781_643_600_000_000_000  # 2026-06-16T21:00Z
    assert (ts < former_halt).sum() > 100 and (ts >= former_halt).sum() > 100
    mbo = _table(out, "mbo", "MBTN6")
    assert int(mbo["flags"][0]) & 32  # the dataset opens on a snapshot of the running book
