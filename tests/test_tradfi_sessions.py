"""Session calendars: states at hand-picked moments and open time per trade date."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from aleatoric.tradfi import (
    SessionState,
    TradfiError,
    calendar_for,
    contract,
    contract_state_at,
)

CT = ZoneInfo("America/Chicago")
SGT = ZoneInfo("Asia/Singapore")
S = SessionState


def ns(y: int, mo: int, d: int, h: int, mi: int, tz: ZoneInfo) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=tz).timestamp()) * 1_000_000_000


CME_CASES = [
    ((2026, 1, 5, 15, 59), S.OPEN, "2026-01-05"),
    ((2026, 1, 5, 16, 0), S.HALTED, "2026-01-06"),  # the daily halt
    ((2026, 1, 5, 16, 45), S.PRE_OPEN, "2026-01-06"),
    ((2026, 1, 5, 17, 0), S.OPEN, "2026-01-06"),  # the evening belongs to the next day
    ((2026, 1, 9, 16, 30), S.CLOSED, "2026-01-12"),  # Friday after the close
    ((2026, 1, 10, 12, 0), S.CLOSED, "2026-01-12"),  # Saturday
    ((2026, 1, 11, 16, 50), S.PRE_OPEN, "2026-01-12"),
    ((2025, 12, 24, 12, 14), S.OPEN, "2025-12-24"),  # Christmas Eve closes at 12:15
    ((2025, 12, 24, 12, 15), S.CLOSED, "2025-12-26"),
    ((2026, 4, 3, 10, 15), S.CLOSED, "2026-04-06"),  # Good Friday closes at 10:15
    ((2026, 5, 29, 15, 59), S.OPEN, "2026-05-29"),
    ((2026, 5, 29, 16, 0), S.OPEN, "2026-06-01"),  # 24/7 from here
    ((2026, 5, 30, 12, 0), S.OPEN, "2026-06-01"),  # Saturday trading
    ((2026, 5, 30, 16, 30), S.HALTED, "2026-06-01"),  # weekly maintenance (assumed time)
    ((2026, 5, 30, 17, 50), S.PRE_OPEN, "2026-06-01"),
    ((2026, 12, 25, 12, 0), S.OPEN, "2026-12-28"),  # Christmas: open, next business day
]


def test_cme_states_and_trade_dates() -> None:
    ts = np.array([ns(*when, CT) for when, _, _ in CME_CASES], np.int64)
    cal = calendar_for("cme_crypto")
    timeline = cal.timeline(int(ts.min()), int(ts.max()) + 1)
    assert [S(s) for s in cal.state_at(ts)] == [c[1] for c in CME_CASES]
    assert [str(d) for d in timeline.trade_date_at(ts)] == [c[2] for c in CME_CASES]


def _open_minutes_by_trade_date(cal_name: str, start: int, days: int) -> dict[str, int]:
    cal = calendar_for(cal_name)
    minutes = start + np.arange(days * 1440, dtype=np.int64) * 60_000_000_000
    timeline = cal.timeline(int(minutes[0]), int(minutes[-1]) + 1)
    is_open = timeline.state_at(minutes) == S.OPEN
    dates, counts = np.unique(timeline.trade_date_at(minutes)[is_open], return_counts=True)
    return {str(d): int(c) for d, c in zip(dates, counts, strict=True)}


def test_cme_week_has_23_hour_sessions_and_a_weekend_gap() -> None:
    # Sunday 2026-01-11 00:00 CT for 7 days: five full sessions of 23 hours.
    by_date = _open_minutes_by_trade_date("cme_crypto", ns(2026, 1, 11, 0, 0, CT), 7)
    assert by_date == {f"2026-01-{d}": 23 * 60 for d in range(12, 17)}


def test_cme_continuous_week_loses_only_the_maintenance_window() -> None:
    cal = calendar_for("cme_crypto")
    start = ns(2026, 6, 7, 0, 0, CT)
    minutes = start + np.arange(7 * 1440, dtype=np.int64) * 60_000_000_000
    assert int((cal.state_at(minutes) == S.OPEN).sum()) == 7 * 1440 - 120
    legacy = calendar_for("cme_crypto", continuous_from_ns=None)
    assert int((legacy.state_at(minutes) == S.OPEN).sum()) == 5 * 23 * 60


SGX_CASES = [
    ((2026, 3, 2, 8, 44), S.CLOSED, "2026-03-02"),
    ((2026, 3, 2, 8, 58), S.PRE_OPEN, "2026-03-02"),  # non-cancel phase of the pre-open
    ((2026, 3, 2, 9, 0), S.OPEN, "2026-03-02"),  # T session
    ((2026, 3, 2, 16, 31), S.PRE_CLOSE, "2026-03-02"),
    ((2026, 3, 2, 16, 40), S.HALTED, "2026-03-03"),  # between T and T+1
    ((2026, 3, 2, 16, 55), S.PRE_OPEN, "2026-03-03"),
    ((2026, 3, 3, 5, 14), S.OPEN, "2026-03-03"),  # T+1 session, to 05:15 the next day
    ((2026, 3, 3, 5, 15), S.CLOSED, "2026-03-03"),
    ((2026, 2, 17, 12, 0), S.CLOSED, "2026-02-24"),  # Spring Festival: China closed
]


def test_sgx_cn_t_and_t1_sessions() -> None:
    ts = np.array([ns(*when, SGT) for when, _, _ in SGX_CASES], np.int64)
    cal = calendar_for("sgx_cn")
    timeline = cal.timeline(int(ts.min()), int(ts.max()) + 1)
    assert [S(s) for s in cal.state_at(ts)] == [c[1] for c in SGX_CASES]
    assert [str(d) for d in timeline.trade_date_at(ts)] == [c[2] for c in SGX_CASES]
    # A full trade date: T+1 of the day before (12h15) and T (7h30).
    by_date = _open_minutes_by_trade_date("sgx_cn", ns(2026, 3, 2, 0, 0, SGT), 5)
    assert by_date["2026-03-03"] == 735 + 450


def test_expired_contract_is_closed_after_its_last_trade() -> None:
    cn = contract("sgx:CN", 2026, 2)  # last trade 2026-02-26 16:00 SGT
    ts = np.array([ns(2026, 2, 26, 15, 59, SGT), ns(2026, 2, 26, 16, 10, SGT)], np.int64)
    assert list(calendar_for("sgx_cn").state_at(ts)) == [S.OPEN, S.OPEN]
    assert list(contract_state_at(cn, ts)) == [S.OPEN, S.CLOSED]


def test_bad_calendar_input_names_the_field() -> None:
    with pytest.raises(TradfiError, match=r"calendar: unknown calendar 'nyse'; allowed: cme_"):
        calendar_for("nyse")
    with pytest.raises(TradfiError, match=r"maintenance_weekday: must be 0 \(Monday\) to 6"):
        calendar_for("cme_crypto", maintenance_weekday=7)
    with pytest.raises(TradfiError, match=r"halt: unknown option; allowed: continuous_from_ns"):
        calendar_for("cme_crypto", halt=1)
    with pytest.raises(TradfiError, match=r"ts: timestamps must be int64 ns or datetime64"):
        calendar_for("sgx_cn").state_at(np.array([1.5]))


def test_session_check_flags_events_while_closed() -> None:
    from aleatoric.tradfi import check_sessions

    mbt = contract("cme:MBT", 2026, 1)
    open_ = ns(2026, 1, 5, 10, 0, CT)
    halted = ns(2026, 1, 5, 16, 10, CT)
    pre = ns(2026, 1, 5, 16, 50, CT)
    saturday = ns(2026, 1, 10, 12, 0, CT)
    close = ns(2026, 1, 5, 16, 0, CT)
    tables = {
        "trades": {"ts_event": np.array([open_, halted, saturday], np.int64)},
        # The opening snapshot may sit in the pre-open; a plain add may not.
        "mbo": {"ts_event": np.array([pre, pre, close], np.int64),
                "flags": np.array([32, 0, 0], np.uint8)},
        "ticker": {"ts_event": np.array([saturday], np.int64)},  # state samples: not checked
    }  # fmt: skip
    result = check_sessions(mbt, tables)
    assert not result.passed
    assert result.violations == {"trades": 2, "mbo": 1}
    assert result.examples["trades"] == [(halted, "HALTED"), (saturday, "CLOSED")]
    assert result.examples["mbo"] == [(pre, "PRE_OPEN")]
    # After the last trade (2026-01-30 16:00 London) the expired contract has no session.
    after = ns(2026, 1, 30, 11, 0, CT)
    assert check_sessions(mbt, {"trades": {"ts_event": np.array([after])}}).violations == {
        "trades": 1
    }
    assert check_sessions(mbt, {"trades": {"ts_event": np.array([open_])}}).passed


def test_returns_across_the_halt_and_the_weekend_are_kept_apart() -> None:
    from aleatoric.tradfi import session_returns

    ts = np.array([
        ns(2026, 1, 8, 15, 58, CT), ns(2026, 1, 8, 15, 59, CT),  # Thursday, same session
        ns(2026, 1, 8, 17, 1, CT),  # after the daily halt
        ns(2026, 1, 9, 15, 59, CT),  # Friday, same session as the evening before
        ns(2026, 1, 11, 17, 1, CT),  # after the weekend
    ], np.int64)  # fmt: skip
    price = np.array([100.0, 101.0, 103.0, 104.0, 110.0])
    r = session_returns(calendar_for("cme_crypto"), ts, price)
    assert r.across_closure.tolist() == [False, True, False, True]
    assert np.allclose(r.within, np.log([101 / 100, 104 / 103]))
    assert np.allclose(r.across, np.log([103 / 101, 110 / 104]))
    with pytest.raises(TradfiError, match="ts: timestamps must be increasing"):
        session_returns(calendar_for("cme_crypto"), ts[::-1], price)
