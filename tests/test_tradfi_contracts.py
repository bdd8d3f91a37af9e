"""Futures contracts: terms from the data file, symbols, listing cycles and last trading days.

Expected dates are worked out by hand from the venues' rules (docs/tradfi.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from aleatoric.tradfi import (
    TradfiError,
    contract,
    contract_for_symbol,
    front_month,
    get_product,
    listed_contracts,
    products,
)


def ns(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp()) * 1_000_000_000


def test_contract_terms_and_tick_values() -> None:
    # CME: BTC $25, MBT $0.50, ETH $25, MET $0.05 per tick and contract.
    values = {p.key: p.tick_value for p in products()}
    assert values["cme:BTC"] == Decimal(25)
    assert values["cme:MBT"] == Decimal("0.5")
    assert values["cme:ETH"] == Decimal(25)
    assert values["cme:MET"] == Decimal("0.05")
    assert values["sgx:CN"] == Decimal(1)
    assert values["sgx:BTCPERP"] == values["sgx:ETHPERP"] == Decimal(1)


@pytest.mark.parametrize(
    ("key", "year", "month", "symbol", "last_trade"),
    [
        ("cme:MBT", 2026, 1, "MBTF6", "2026-01-30T16:00:00+00:00"),  # London in GMT
        ("cme:MBT", 2026, 4, "MBTJ6", "2026-04-24T15:00:00+00:00"),  # London in BST
        ("cme:BTC", 2024, 3, "BTCH4", "2024-03-28T16:00:00+00:00"),  # Good Friday: Thursday
        ("cme:MET", 2026, 12, "METZ6", "2026-12-24T16:00:00+00:00"),  # Christmas Friday
        ("cme:ETH", 2025, 12, "ETHZ5", "2025-12-24T16:00:00+00:00"),  # Boxing Day Friday
        ("sgx:CN", 2026, 2, "CNG6", "2026-02-26T08:00:00+00:00"),  # after the Spring Festival
        ("sgx:CN", 2026, 12, "CNZ6", "2026-12-30T08:00:00+00:00"),  # second-last: Wednesday
    ],
)
def test_symbols_and_last_trade(
    key: str, year: int, month: int, symbol: str, last_trade: str
) -> None:
    c = contract(key, year, month)
    assert c.symbol == symbol
    assert c.last_trade == datetime.fromisoformat(last_trade)
    assert contract_for_symbol(key, symbol, date(year, 6, 1)) == c


def test_cme_listing_six_months_and_two_decembers() -> None:
    symbols = [c.symbol for c in listed_contracts("cme:BTC", ns("2026-01-05T00:00:00+00:00"))]
    assert symbols == ["BTCF6", "BTCG6", "BTCH6", "BTCJ6", "BTCK6", "BTCM6", "BTCZ6", "BTCZ7"]
    # July 2026 expired at 15:00 UTC on Friday the 31st: six months from August include a
    # December, so only one more is listed.
    after = [c.symbol for c in listed_contracts("cme:MBT", ns("2026-07-31T15:00:00+00:00"))]
    assert after == ["MBTQ6", "MBTU6", "MBTV6", "MBTX6", "MBTZ6", "MBTF7", "MBTZ7"]
    before = listed_contracts("cme:MBT", ns("2026-07-31T14:59:59+00:00"))
    assert before[0].symbol == "MBTN6"


def test_sgx_cn_listing_two_serial_and_quarterlies() -> None:
    symbols = [c.symbol for c in listed_contracts("sgx:CN", ns("2026-02-05T00:00:00+00:00"))]
    assert symbols == ["CNG6", "CNH6", "CNM6", "CNU6", "CNZ6"]


def test_front_month_rolls_at_the_last_trade() -> None:
    expiry = contract("cme:MBT", 2026, 1).last_trade_ns
    assert expiry is not None
    assert front_month("cme:MBT", expiry - 1).symbol == "MBTF6"
    assert front_month("cme:MBT", expiry).symbol == "MBTG6"


def test_perpetual_has_one_contract_and_no_expiry() -> None:
    listed = listed_contracts("sgx:BTCPERP", ns("2026-03-02T00:00:00+00:00"))
    assert [c.symbol for c in listed] == ["BTCPERP"]
    assert listed[0].last_trade is None


def test_bad_input_names_the_field_and_what_is_allowed() -> None:
    with pytest.raises(TradfiError, match=r"product: unknown product 'cme:XBT'; allowed: cme:BTC"):
        get_product("cme:XBT")
    with pytest.raises(TradfiError, match=r"symbol: .*month code \(FGHJKMNQUVXZ\).*was 'MBTA6'"):
        contract_for_symbol("cme:MBT", "MBTA6", date(2026, 1, 1))
    with pytest.raises(TradfiError, match=r"month: month must be 1 to 12, was 13"):
        contract("cme:MBT", 2026, 13)
    # exchange_calendars knows Chinese holidays only to a year (2026 in 4.13): no guessing
    # past that.
    with pytest.raises(TradfiError, match=r"time: the XSHG holidays are known from .* to 20"):
        _ = contract("sgx:CN", 2039, 3).last_trade_ns
