"""Session-gated generation of CME futures, beside the perpetual of the same asset.

Short datasets around CME's daily halt (2026-03-26 16:00-17:00 CT, 21:00-22:00 UTC) and the
expiry of MBTH6 (2026-03-27 16:00 London, 16:00 UTC).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.dataset as pads
import pytest

import aleatoric
from aleatoric.integrity import check_instruments
from aleatoric.reactor._futures import CARRY_MAX, CARRY_MIN

pytest.importorskip("exchange_calendars")
pytest.importorskip("pandas_market_calendars")

HALT = 1_774_558_800_000_000_000  # 2026-03-26T21:00Z, the close before the daily halt
OPEN = HALT + 3_600_000_000_000  # 22:00Z, the open after the 16:45 CT pre-open
EXPIRY = 1_774_627_200_000_000_000  # 2026-03-27T16:00Z, MBTH6's last trade
BASE = {"segment": "20m", "warmup": "5m", "seed": 3, "tables": ["mbo", "book_snapshot", "trades"]}
HALT_SPAN = {"start": "2026-03-26T20:40Z", "duration": "1h40m"}


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
    path = root / "trades/venue=cme/symbol=MBTJ6/date=2026-03-26/part-00000.parquet"
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
    one = tmp_path / "one"
    aleatoric.generate(
        aleatoric.load_config(instruments=["binance:BTCUSDT", "cme:MBTJ6"], **HALT_SPAN, **BASE),
        one,
    )
    assert _digests(one, "MBTJ6") == _digests(halt, "MBTJ6")


def test_no_event_after_the_last_trade(tmp_path: Path) -> None:
    out = tmp_path / "expiry"
    config = aleatoric.load_config(
        venue="cme", symbol="MBTH6", start="2026-03-27T15:30Z", duration="50m", **BASE
    )
    aleatoric.generate(config, out)
    mbo = _table(out, "mbo", "MBTH6")
    ts = _table(out, "trades", "MBTH6")["ts_event"].astype(np.int64)
    assert ts.size > 100 and ts.max() < EXPIRY
    mts = mbo["ts_event"].astype(np.int64)
    assert mts.max() == EXPIRY and set(mbo["action"][mts == EXPIRY]) == {"C"}
