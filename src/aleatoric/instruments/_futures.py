"""Futures contracts as instruments, so one dataset can hold perpetuals and dated futures.

The terms come from ``data/futures.toml`` (read again here, not through
``aleatoric.tradfi``, which builds on this package). A contract's symbol is the product's
root, a month code and a year digit (``MBTK6``), or the root alone for a perpetual; every
contract of a product has the same instrument terms, so the year digit needs no calendar.
Prices are per unit of the underlying; sizes are whole contracts, and ``contract_value`` is
the multiplier (0.1 BTC for Micro Bitcoin), as OKX's contracts are modelled.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["FUTURES_MONTH_CODES", "futures_row", "futures_venues"]

#: Futures month codes, January first (as ``aleatoric.tradfi.MONTH_CODES``).
FUTURES_MONTH_CODES = "FGHJKMNQUVXZ"


@cache
def _products() -> tuple[dict[str, Any], ...]:
    text = resources.files("aleatoric.instruments").joinpath("data/futures.toml").read_text()
    return tuple(tomllib.loads(text)["product"])


def futures_venues() -> tuple[str, ...]:
    """Return the venues that list futures (``cme``, ``sgx``), in file order."""
    return tuple(dict.fromkeys(str(p["venue"]) for p in _products()))


def _product_of(venue: str, symbol: str) -> dict[str, Any] | None:
    for p in _products():
        if p["venue"] != venue:
            continue
        root = str(p["root"])
        if p["kind"] == "perpetual":
            if symbol == root:
                return p
            continue
        rest = symbol[len(root) :] if symbol.startswith(root) else ""
        if len(rest) == 2 and rest[0] in FUTURES_MONTH_CODES and rest[1].isdigit():
            return p
    return None


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def futures_row(venue: str, symbol: str) -> dict[str, Any] | None:
    """Return the instrument fields of futures contract ``symbol`` at ``venue``, or ``None``.

    The perpetual-only fields get neutral values: no funding (an interval of a day that
    the generator never uses for futures), the mark is the basis method's, price
    protection 5 % like the perpetuals'.
    """
    p = _product_of(venue, symbol)
    if p is None:
        return None
    tick = Decimal(str(p["tick_size"]))
    return {
        "venue": venue,
        "symbol": symbol,
        "base": p["base"],
        "quote": p["quote"],
        "tick_size": tick,
        "lot_size": Decimal(1),
        "min_qty": Decimal(1),
        "contract_value": Decimal(str(p["multiplier"])),
        "min_notional": Decimal(0),
        "price_precision": _decimals(tick),
        "size_precision": 0,
        "price_band": Decimal("0.05"),
        "funding_interval_hours": 24,
        "funding_cap": Decimal(0),
        "funding_floor": Decimal(0),
        "funding_clamp_band": Decimal(0),
        "interest_rate": Decimal(0),
        "premium_sample_seconds": 60,
        "premium_weighting": "equal",
        "funding_rate_divisor": 1,
        "mark_method": "basis",
    }
