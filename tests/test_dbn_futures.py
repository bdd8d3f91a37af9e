"""DBN definitions and settlement statistics of futures, read back with Databento's decoder."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import databento_dbn as dbn
import numpy as np

from aleatoric.integrations.dbn_futures import (
    STAT_ACTUAL,
    STAT_FINAL,
    Settlement,
    contract_definition,
    settlement_statistics,
    write_futures_dbn,
)
from aleatoric.tradfi import cme_daily_settlement, cme_settlement_window, contract

S = 1_000_000_000


def decode(path: Path) -> tuple[Any, list[Any]]:
    decoder = dbn.DBNDecoder()
    decoder.write(path.read_bytes())
    first, *records = decoder.decode()
    return first, records


def test_contract_definition_carries_expiry_and_terms(tmp_path: Path) -> None:
    mbt = contract("cme:MBT", 2026, 1)
    ts = int(datetime(2025, 12, 1, tzinfo=UTC).timestamp()) * S
    write_futures_dbn(tmp_path / "def.dbn", mbt, 7, "definition", [contract_definition(mbt, 7, ts)])
    meta, (d,) = decode(tmp_path / "def.dbn")
    assert (meta.schema, meta.symbols, meta.dataset) == ("definition", ["MBTF6"], "ALTR.CME")
    assert (d.raw_symbol, d.instrument_id, d.security_type, d.exchange) == (
        "MBTF6",
        7,
        "FUT",
        "XCME",
    )
    assert d.expiration == mbt.last_trade_ns  # 2026-01-30 16:00 London
    assert d.min_price_increment == 5 * S  # $5 per bitcoin
    assert d.unit_of_measure_qty == S // 10  # 0.1 BTC
    assert d.min_price_increment_amount == S // 2  # $0.50 per contract
    assert (d.maturity_year, d.maturity_month) == (2026, 1)


def test_settlement_statistics_round_trip(tmp_path: Path) -> None:
    mbt = contract("cme:MBT", 2026, 1)
    day = date(2026, 1, 5)
    start, end = cme_settlement_window(day)
    daily = cme_daily_settlement(
        day, "5", trade_ts=np.array([start + S, start + 2 * S]),
        trade_price=np.array([90005.0, 90010.0]), trade_size=np.array([1.0, 3.0]),
    )  # fmt: skip
    rows = [
        Settlement(end + 60 * S, end + 60 * S, day, daily.price),
        Settlement(mbt.last_trade_ns or 0, (mbt.last_trade_ns or 0) + S, date(2026, 1, 30),
                   91234.56, final=True),
    ]  # fmt: skip
    write_futures_dbn(tmp_path / "stats.dbn", mbt, 7, "statistics",
                      settlement_statistics(mbt, 7, rows))  # fmt: skip
    meta, records = decode(tmp_path / "stats.dbn")
    assert meta.schema == "statistics" and len(records) == 2
    assert [r.stat_type for r in records] == [dbn.StatType.SETTLEMENT_PRICE] * 2
    assert records[0].price == 90010 * S  # the VWAP 90008.75 rounded to the $5 tick
    assert records[0].ts_ref == int(datetime(2026, 1, 5, tzinfo=UTC).timestamp()) * S
    assert records[0].stat_flags == STAT_ACTUAL
    assert records[1].stat_flags == STAT_ACTUAL | STAT_FINAL
    assert records[1].price == 91_234_560_000_000  # the reference rate's cents, not a tick
    assert [r.ts_event for r in records] == [rows[0].ts_event, rows[1].ts_event]
