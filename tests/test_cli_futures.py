"""`aleatoric futures` as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "futures", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_contracts_listed_at_a_time_as_json() -> None:
    res = run("contracts", "cme:MBT", "--at", "2026-07-31T15:00Z", "-f", "json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["symbol"] for r in rows] == ["MBTQ6", "MBTU6", "MBTV6", "MBTX6", "MBTZ6", "MBTF7",
                                           "MBTZ7"]  # fmt: skip
    assert rows[0]["last trade"] == "2026-08-28T15:00:00Z"


def test_sessions_show_the_weekend_and_the_pre_open() -> None:
    res = run("sessions", "cme_crypto", "--start", "2026-01-09T20:00Z", "--end",
              "2026-01-12T00:00Z", "-f", "csv")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [
        "start,end,state,trade date",
        "2026-01-09T20:00:00Z,2026-01-09T22:00:00Z,open,2026-01-09",
        "2026-01-09T22:00:00Z,2026-01-11T22:45:00Z,closed,2026-01-12",
        "2026-01-11T22:45:00Z,2026-01-11T23:00:00Z,pre_open,2026-01-12",
        "2026-01-11T23:00:00Z,2026-01-12T00:00:00Z,open,2026-01-12",
    ]


def test_bad_input_is_exit_2_naming_the_field() -> None:
    res = run("contracts", "cme:XBT")
    assert res.returncode == 2
    assert "product: unknown product 'cme:XBT'; allowed: cme:BTC" in res.stderr
    res = run("sessions", "sgx_cn", "--start", "yesterday", "--end", "2026-01-01")
    assert res.returncode == 2 and "--start: an ISO 8601 time" in res.stderr
    assert "Traceback" not in res.stderr
