"""Dated contracts: month codes, symbols, listing cycles, last trading times, the front month.

A contract is a product and a month; its symbol is the root, the month code and the last
digit of the year (``MBTF6`` is Micro Bitcoin January 2026, as CME Globex spells it). Which
months are listed and when each stops trading are rules of the product's data
(``instruments/data/futures.toml``); holidays come from the calendar libraries.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np

from aleatoric.tradfi._business_days import business_days
from aleatoric.tradfi._errors import TradfiError
from aleatoric.tradfi._products import Product, get_product, products

__all__ = [
    "MONTH_CODES",
    "Contract",
    "contract",
    "contract_for_symbol",
    "contract_of",
    "front_month",
    "last_trade_day",
    "listed_contracts",
]

#: Futures month codes, January first.
MONTH_CODES = "FGHJKMNQUVXZ"
_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Contract:
    """One contract of a product: a delivery month, or the one perpetual contract.

    ``year`` and ``month`` are 0 for a perpetual.
    """

    product: Product
    year: int
    month: int

    @property
    def symbol(self) -> str:
        """Return the exchange symbol: root, month code, last digit of the year (``MBTF6``)."""
        if self.product.kind == "perpetual":
            return self.product.root
        return f"{self.product.root}{MONTH_CODES[self.month - 1]}{self.year % 10}"

    @property
    def last_trade_ns(self) -> int | None:
        """Return when trading ends (ns since the epoch, UTC), ``None`` for a perpetual."""
        if self.product.kind == "perpetual":
            return None
        return _last_trade_ns(self.product, self.year, self.month)

    @property
    def last_trade(self) -> datetime | None:
        """Return when trading ends as an aware UTC datetime, ``None`` for a perpetual."""
        ns = self.last_trade_ns
        return None if ns is None else datetime.fromtimestamp(ns / _NS, UTC)

    def __repr__(self) -> str:
        return f"Contract({self.product.key}, {self.symbol})"


def _product(product: Product | str) -> Product:
    return product if isinstance(product, Product) else get_product(product)


def contract(product: Product | str, year: int, month: int) -> Contract:
    """Return the contract of ``product`` for ``year``-``month`` (any month, listed or not)."""
    p = _product(product)
    if p.kind == "perpetual":
        return Contract(p, 0, 0)
    if not 1 <= month <= 12:
        raise TradfiError("month", f"month must be 1 to 12, was {month}")
    if not 2000 <= year <= 2099:
        raise TradfiError("year", f"year must be 2000 to 2099, was {year}")
    return Contract(p, year, month)


def contract_for_symbol(product: Product | str, symbol: str, near: date) -> Contract:
    """Return the contract with ``symbol``; the one-digit year is the one nearest ``near``."""
    p = _product(product)
    if p.kind == "perpetual":
        if symbol != p.root:
            raise TradfiError("symbol", f"symbol of {p.key} must be {p.root}, was {symbol!r}")
        return Contract(p, 0, 0)
    rest = symbol[len(p.root) :] if symbol.startswith(p.root) else ""
    if len(rest) != 2 or rest[0] not in MONTH_CODES or not rest[1].isdigit():
        raise TradfiError(
            "symbol",
            f"symbol must be {p.root} + a month code ({MONTH_CODES}) + a year digit, "
            f"was {symbol!r}",
        )
    digit = int(rest[1])
    year = min(
        (near.year // 10 * 10 + d * 10 + digit for d in (-1, 0, 1)),
        key=lambda y: abs(y - near.year),
    )
    return contract(p, year, MONTH_CODES.index(rest[0]) + 1)


def contract_of(venue: str, symbol: str, near: date) -> Contract:
    """Return the contract with exchange symbol ``symbol`` at ``venue`` (``cme``, ``MBTK6``).

    The product is the one whose root the symbol starts with (followed by a month code and
    a year digit, or alone for a perpetual); the year is the one nearest ``near``.
    """
    for p in products():
        if p.venue != venue:
            continue
        dated = p.kind == "monthly" and symbol.startswith(p.root) and len(symbol) == len(p.root) + 2
        if dated or (p.kind == "perpetual" and symbol == p.root):
            return contract_for_symbol(p, symbol, near)
    roots = ", ".join(p.root for p in products() if p.venue == venue)
    raise TradfiError("symbol", f"no {venue} product has symbol {symbol!r}; roots: {roots}")


def last_trade_day(product: Product | str, year: int, month: int) -> date:
    """Return the last trading day of ``product``'s ``year``-``month`` contract.

    ``last_friday``: the last Friday of the month, or the preceding day that is a business
    day in every one of the product's calendars (CME: London and New York) if it is not.
    ``nth_last_business_day``: the n-th last such business day of the month (SGX CN: the
    second-last China business day).
    """
    p = _product(product)
    first = np.datetime64(f"{year:04d}-{month:02d}-01")
    last = np.datetime64(date(year, month, _calendar.monthrange(year, month)[1]))
    if p.last_trade_rule == "last_friday":
        day = last - (last.astype(date).weekday() - 4) % 7
        # The preceding common business day: look back a month at most.
        days = business_days(p.business_calendars, day - 31, day)
        if days.size == 0:  # pragma: no cover - a month without a business day
            raise TradfiError("month", f"no business day before {day}")
        return days[-1].astype(date)  # type: ignore[no-any-return]
    if p.last_trade_rule == "nth_last_business_day":
        days = business_days(p.business_calendars, first, last)
        if days.size < p.last_trade_n:  # pragma: no cover - a month of holidays
            raise TradfiError("month", f"{year}-{month:02d} has {days.size} business days")
        return days[-p.last_trade_n].astype(date)  # type: ignore[no-any-return]
    raise TradfiError("product", f"{p.key} has no expiry (a perpetual)")


@cache
def _last_trade_ns(product: Product, year: int, month: int) -> int:
    day = last_trade_day(product, year, month)
    assert product.last_trade_time is not None and product.last_trade_tz is not None
    local = datetime.combine(day, product.last_trade_time, ZoneInfo(product.last_trade_tz))
    return int(local.timestamp()) * _NS


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _from_index(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


def _utc_month(ts_ns: int) -> tuple[int, int]:
    when = datetime.fromtimestamp(ts_ns // _NS, UTC)
    return when.year, when.month


def front_month(product: Product | str, ts_ns: int) -> Contract:
    """Return the contract trading at ``ts_ns`` that expires first (the lead month).

    The first month, from the month of ``ts_ns`` on, whose last trade is after ``ts_ns``.
    """
    p = _product(product)
    if p.kind == "perpetual":
        return Contract(p, 0, 0)
    index = _month_index(*_utc_month(ts_ns))
    for i in range(index - 1, index + 3):
        c = Contract(p, *_from_index(i))
        if c.last_trade_ns is not None and c.last_trade_ns > ts_ns:
            return c
    raise AssertionError("a month's last trade is within it")  # pragma: no cover


def listed_contracts(product: Product | str, ts_ns: int) -> tuple[Contract, ...]:
    """Return the contracts listed at ``ts_ns``, nearest expiry first.

    The front month and, counted from it, the first ``serial_months`` months, the first
    ``quarterly_months`` March-cycle months and the first ``december_months`` Decembers.
    """
    p = _product(product)
    front = front_month(p, ts_ns)
    if p.kind == "perpetual":
        return (front,)
    start = _month_index(front.year, front.month)
    months: set[int] = set(range(start, start + max(p.serial_months, 1)))
    quarterly = [i for i in range(start, start + 12 * 3) if i % 12 in (2, 5, 8, 11)]
    months.update(quarterly[: p.quarterly_months])
    decembers = [i for i in range(start, start + 12 * 3) if i % 12 == 11]
    months.update(decembers[: p.december_months])
    return tuple(Contract(p, *_from_index(i)) for i in sorted(months))
