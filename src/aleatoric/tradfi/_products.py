"""Futures products loaded from ``instruments/data/futures.toml``: the rules as data."""

from __future__ import annotations

import tomllib
from datetime import time
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict

from aleatoric.instruments import Grid
from aleatoric.tradfi._errors import TradfiError

__all__ = ["Product", "get_product", "products"]


class Product(BaseModel):
    """One futures product at one venue: its contract terms, listing cycle and expiry rule.

    ``kind`` is ``"monthly"`` (dated contracts, one per listed month) or ``"perpetual"`` (one
    contract that never expires). The listing and last-trade fields are explained in the data
    file's header; they are unused for perpetuals.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    venue: str
    root: str
    name: str
    kind: Literal["monthly", "perpetual"]
    base: str
    quote: str
    multiplier: Decimal
    tick_size: Decimal
    spread_tick_size: Decimal | None = None
    calendar: str
    final_settlement: str
    serial_months: int = 0
    quarterly_months: int = 0
    december_months: int = 0
    last_trade_rule: Literal["last_friday", "nth_last_business_day"] | None = None
    last_trade_n: int = 1
    last_trade_time: time | None = None
    last_trade_tz: str | None = None
    business_calendars: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Return ``venue:root``, the name :func:`get_product` takes."""
        return f"{self.venue}:{self.root}"

    @property
    def price_grid(self) -> Grid:
        """Return the outright price grid (one tick)."""
        return Grid.from_decimal(self.tick_size)

    @property
    def tick_value(self) -> Decimal:
        """Return what one tick is worth per contract, in ``quote``."""
        return self.tick_size * self.multiplier


@cache
def _load() -> tuple[Product, ...]:
    path = resources.files("aleatoric.instruments").joinpath("data/futures.toml")
    rows = tomllib.loads(path.read_text())["product"]
    return tuple(Product.model_validate(row) for row in rows)


def products() -> tuple[Product, ...]:
    """Return every futures product, in file order."""
    return _load()


def get_product(key: str) -> Product:
    """Return the product named ``venue:root`` (for example ``"cme:MBT"``).

    Raises
    ------
    TradfiError
        If no product has that name; the message lists the names there are.
    """
    for product in _load():
        if product.key == key:
            return product
    allowed = ", ".join(p.key for p in _load())
    raise TradfiError("product", f"unknown product {key!r}; allowed: {allowed}")
