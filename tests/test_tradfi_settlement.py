"""Settlement procedures and price limits on hand-computed cases."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from aleatoric.tradfi import (
    TradfiError,
    brr_end_ns,
    cme_daily_settlement,
    cme_settlement_window,
    price_limit_check,
    reference_rate,
    sgx_cn_final_settlement,
)

S = 1_000_000_000
DAY = date(2026, 1, 5)  # 15:00 CT = 21:00 UTC in winter


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text + "+00:00").timestamp()) * S


def test_window_is_1459_to_1500_central() -> None:
    assert cme_settlement_window(DAY) == (utc("2026-01-05T20:59:00"), utc("2026-01-05T21:00:00"))
    assert cme_settlement_window(date(2026, 7, 6))[1] == utc("2026-07-06T20:00:00")  # CDT


def _trades(rows: list[tuple[str, float, float]]) -> dict[str, np.ndarray]:
    return {
        "trade_ts": np.array([utc(t) for t, _, _ in rows], np.int64),
        "trade_price": np.array([p for _, p, _ in rows]),
        "trade_size": np.array([q for _, _, q in rows]),
    }


def test_tier1_vwap_of_the_window_rounded_to_tick() -> None:
    trades = _trades([
        ("2026-01-05T20:58:59", 90000.0, 1.0),  # before the window
        ("2026-01-05T20:59:10", 90005.0, 1.0),
        ("2026-01-05T20:59:30", 90010.0, 3.0),
        ("2026-01-05T21:00:00", 95000.0, 9.0),  # the window's end is excluded
    ])  # fmt: skip
    s = cme_daily_settlement(DAY, "5", **trades, prior_settle=89000.0)
    # (90005 + 3 * 90010) / 4 = 90008.75: the nearest multiple of 5 is 90010.
    assert (s.price, s.tier, s.volume, s.trades) == (90010.0, 1, 4.0, 2)


def test_tier1_exact_half_rounds_toward_the_prior_settle() -> None:
    trades = _trades([("2026-01-05T20:59:10", 90005.0, 0.1), ("2026-01-05T20:59:20", 90010.0, 0.1)])
    # VWAP 90007.5 exactly (0.1 lots are exact as decimals).
    assert cme_daily_settlement(DAY, "5", **trades, prior_settle=90100.0).price == 90010.0
    assert cme_daily_settlement(DAY, "5", **trades, prior_settle=89000.0).price == 90005.0


def test_tier2_mid_of_the_last_two_sided_quote() -> None:
    quotes = {
        "quote_ts": np.array([utc("2026-01-05T20:59:05"), utc("2026-01-05T20:59:50"),
                              utc("2026-01-05T21:00:01")]),
        "bid": np.array([90000.0, 90000.0, 1.0]),
        "ask": np.array([90010.0, 90015.0, 2.0]),
    }  # fmt: skip
    none = _trades([("2026-01-05T20:58:00", 90000.0, 1.0)])
    s = cme_daily_settlement(DAY, "5", **none, **quotes, prior_settle=89000.0)
    assert (s.price, s.tier) == (90005.0, 2)  # mid 90007.5, half toward the prior


def test_tier3_reference_formula_and_its_missing_inputs() -> None:
    none = _trades([])
    s = cme_daily_settlement(DAY, "5", **none, reference_rate=90000.0, days_to_expiry=30, rate=0.05)
    # 90000 + 30/365 * 0.05 * 90000 = 90369.86...: 90370.
    assert (s.price, s.tier) == (90370.0, 3)
    with pytest.raises(TradfiError, match="reference_rate: no trade and no two-sided quote"):
        cme_daily_settlement(DAY, "5", **none)


def test_reference_rate_is_the_mean_of_volume_weighted_medians() -> None:
    end = brr_end_ns(date(2026, 1, 30))
    assert end == utc("2026-01-30T16:00:00")
    ts, px, sz = [], [], []
    for i in range(12):
        if i == 3:
            continue  # an empty partition is left out of the mean
        t0 = end - 3600 * S + i * 300 * S
        if i == 0:
            # Sizes 1, 1, 5: half the volume (3.5) is reached at 102, not the plain median 101.
            rows = [(100.0, 1.0), (101.0, 1.0), (102.0, 5.0)]
        else:
            rows = [(100.0 + i, 1.0), (200.0, 0.5)]
        for k, (p, q) in enumerate(rows):
            ts.append(t0 + k * S)
            px.append(p)
            sz.append(q)
    ts += [end - 3600 * S - 1, end]  # outside the hour
    px += [1e6, 1e6]
    sz += [1.0, 1.0]
    # Medians 102 and 100 + i for i in 1..11 but 3: (102 + 1166 - 100 - 103) / 11 = 105.909...
    assert reference_rate(np.array(ts), np.array(px), np.array(sz), end_ns=end) == 105.91
    with pytest.raises(TradfiError, match="trades: no trade in the 12 partitions"):
        reference_rate(np.array([end]), np.array([1.0]), np.array([1.0]), end_ns=end)


def test_sgx_cn_final_settlement_rounds_the_index_close() -> None:
    assert sgx_cn_final_settlement("13456.785") == 13456.79
    assert sgx_cn_final_settlement(13456.784) == 13456.78
    with pytest.raises(TradfiError, match="index_close: must be a positive number, was -1"):
        sgx_cn_final_settlement(-1)


def test_sgx_limits_widen_after_cooling_off_then_lift() -> None:
    m = 60 * S
    ts = np.array([0, 1 * m, 2 * m, 6 * m, 7 * m, 12 * m], np.int64)
    px = np.array([10500.0, 11000.0, 11001.0, 11400.0, 11500.0, 12000.0])
    check = price_limit_check(ts, px, 10000.0, "sgx_cn", "1")
    assert check.violation.tolist() == [False, False, True, False, False, False]
    assert check.upper[:3].tolist() == [11000.0] * 3  # ±10 % until 5 minutes after the hit
    assert check.upper[3:5].tolist() == [11500.0] * 2  # then ±15 %
    assert np.isnan(check.upper[5])  # then no limit for the rest of the day


def test_cme_2017_limits_end_in_a_hard_limit() -> None:
    m = 60 * S
    ts = np.arange(5, dtype=np.int64) * 3 * m
    px = np.array([107000.0, 113000.0, 120000.0, 125000.0, 119000.0])
    check = price_limit_check(ts, px, 100000.0, "cme_crypto_2017", "5")
    assert check.upper.tolist() == [107000.0, 113000.0, 120000.0, 120000.0, 120000.0]
    assert check.violation.tolist() == [False, False, False, True, False]
    with pytest.raises(TradfiError, match="limits: unknown rule 'x'; allowed: sgx_cn"):
        price_limit_check(ts, px, 100000.0, "x", "5")


def test_settlement_table_of_a_week_to_expiry() -> None:
    from aleatoric.tradfi import Prints, contract, settlement_table

    mbt = contract("cme:MBT", 2026, 1)  # last trade Friday 2026-01-30 16:00 UTC
    t, p, q = [], [], []
    for k, day in enumerate(("26", "28")):  # trades in the window on Monday and Wednesday
        for price in (90000.0 + 200 * k, 90010.0 + 200 * k):
            t.append(utc(f"2026-01-{day}T20:59:30"))
            p.append(price)
            q.append(1.0)
    trades = Prints.of(t, p, q)
    quotes = Prints.of([utc("2026-01-29T20:59:40")], [90100.0], [90120.0])  # Thursday: no trade
    st, sp = [], []
    for day, price in (("27", 95000.0), ("30", 96000.12)):  # spot in 15:00-16:00 London
        for i in range(12):
            st.append(utc(f"2026-01-{day}T15:00:00") + i * 300 * S)
            sp.append(price)
    spot = Prints.of(st, sp, [1.0] * len(st))
    table = settlement_table(
        mbt, utc("2026-01-26T00:00:00"), utc("2026-01-31T00:00:00"),
        trades=trades, quotes=quotes, spot=spot, rate=0.05,
    )  # fmt: skip
    rows = table.to_pylist()
    assert [(str(r["trade_date"]), r["kind"], r["price"], r["tier"]) for r in rows] == [
        ("2026-01-26", "daily", 90005.0, 1),  # VWAP of 90000 and 90010
        ("2026-01-27", "daily", 95040.0, 3),  # 95000 * (1 + 3/365 * 0.05) = 95039.04
        ("2026-01-28", "daily", 90205.0, 1),
        ("2026-01-29", "daily", 90110.0, 2),  # mid of 90100 / 90120
        ("2026-01-30", "final", 96000.12, 0),  # the reference rate at the last trade
    ]
    assert rows[0]["ts_event"].timestamp() == utc("2026-01-26T21:01:00") / S
    assert rows[-1]["ts_event"].timestamp() == utc("2026-01-30T16:00:00") / S
    assert set(table.column("symbol").to_pylist()) == {"MBTF6"}
    with pytest.raises(TradfiError, match="contract: settlement tables cover CME monthly"):
        settlement_table(contract("sgx:CN", 2026, 3), 0, 1, trades=trades)


def test_settlement_table_leaves_out_what_the_range_cannot_settle() -> None:
    from aleatoric.tradfi import Prints, contract, settlement_table

    mbt = contract("cme:MBT", 2026, 1)  # last trade Friday 2026-01-30 16:00 UTC
    trades = Prints.of([utc("2026-01-28T20:59:30")], [90000.0], [1.0])
    # From the end of Monday's window (its minute lies before the range) to after the last
    # trade but without the reference hour's first half: Tuesday has no print at all.
    table = settlement_table(
        mbt, utc("2026-01-26T21:00:00"), utc("2026-01-31T00:00:00"), trades=trades,
        spot=Prints.of([utc("2026-01-30T15:40:00")], [95000.0], [1.0]),
    )  # fmt: skip
    rows = [(str(r["trade_date"]), r["kind"], r["tier"]) for r in table.to_pylist()]
    assert rows == [("2026-01-28", "daily", 1), ("2026-01-30", "final", 0)]
    later = settlement_table(
        mbt, utc("2026-01-30T15:30:00"), utc("2026-01-31T00:00:00"), trades=trades,
        spot=Prints.of([utc("2026-01-30T15:40:00")], [95000.0], [1.0]),
    )  # fmt: skip
    assert later.num_rows == 0  # the reference hour starts before the range
