"""Load and look up instruments from ``data/instruments.toml``."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict

from aleatoric.instruments._futures import futures_row, futures_venues
from aleatoric.instruments._grid import Grid

__all__ = [
    "Instrument",
    "bases_for",
    "futures_venues",
    "get_instrument",
    "instruments",
    "is_futures",
    "symbol_of",
    "symbols_for",
    "venues",
]


class Instrument(BaseModel):
    """One perpetual contract's rules at one venue.

    Decimal fields are kept as :class:`~decimal.Decimal` so grids are exact; sizes are in the
    venue's order unit (contracts on OKX) and ``contract_value`` converts to base asset.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    venue: str
    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    min_qty: Decimal
    contract_value: Decimal
    min_notional: Decimal
    price_precision: int
    size_precision: int
    significant_figures: int = 0
    price_band: Decimal
    funding_interval_hours: int
    funding_cap: Decimal
    funding_floor: Decimal
    funding_clamp_band: Decimal
    interest_rate: Decimal
    premium_sample_seconds: int
    premium_weighting: Literal["linear", "equal"]
    funding_rate_divisor: int
    mark_method: Literal["median3", "basis", "hyperliquid"]

    @property
    def price_grid(self) -> Grid:
        """Return the finest price grid (one tick)."""
        return Grid.from_decimal(self.tick_size)

    @property
    def size_grid(self) -> Grid:
        """Return the canonical size grid in base asset (one lot times the contract value)."""
        return Grid.from_decimal(self.lot_size * self.contract_value)

    @property
    def funding_interval_ns(self) -> int:
        """Return the funding interval in nanoseconds."""
        return self.funding_interval_hours * 3_600 * 1_000_000_000


@cache
def _load() -> tuple[Instrument, ...]:
    text = resources.files("aleatoric.instruments").joinpath("data/instruments.toml").read_text()
    rows = tomllib.loads(text)["instrument"]
    return tuple(Instrument.model_validate(row) for row in rows)


def instruments() -> tuple[Instrument, ...]:
    """Return every registered instrument, in file order."""
    return _load()


def venues() -> tuple[str, ...]:
    """Return the registered venue names, in file order."""
    return tuple(dict.fromkeys(i.venue for i in _load()))


def symbols_for(venue: str) -> tuple[str, ...]:
    """Return the symbols registered for ``venue``, in file order."""
    return tuple(i.symbol for i in _load() if i.venue == venue)


def get_instrument(venue: str, symbol: str) -> Instrument:
    """Return the instrument ``symbol`` at ``venue``.

    Raises
    ------
    KeyError
        If the venue or the symbol is not registered; the message lists what is.
    """
    for inst in _load():
        if inst.venue == venue and inst.symbol == symbol:
            return inst
    if venue in futures_venues():
        return _futures_instrument(venue, symbol)
    if venue not in venues():
        allowed = ", ".join((*venues(), *futures_venues()))
        raise KeyError(f"unknown venue {venue!r}; allowed: {allowed}")
    raise KeyError(
        f"unknown symbol {symbol!r} for venue {venue!r}; allowed: {', '.join(symbols_for(venue))}"
    )


@cache
def _futures_instrument(venue: str, symbol: str) -> Instrument:
    row = futures_row(venue, symbol)
    if row is None:
        raise KeyError(
            f"unknown symbol {symbol!r} for venue {venue!r}; allowed: a futures contract, "
            "root + month code (FGHJKMNQUVXZ) + year digit (MBTK6), or a perpetual's root "
            "(aleatoric futures products lists them)"
        )
    return Instrument.model_validate(row)


def is_futures(venue: str) -> bool:
    """Return whether ``venue`` lists exchange-traded futures (``cme``, ``sgx``)."""
    return venue in futures_venues()


def bases_for(venue: str) -> tuple[str, ...]:
    """Return the base assets listed at ``venue``, in file order."""
    return tuple(dict.fromkeys(i.base for i in _load() if i.venue == venue))


def symbol_of(venue: str, base: str) -> str:
    """Return the venue's own symbol of base asset ``base`` (``BTC`` at okx: ``BTC-USDT-SWAP``).

    Raises
    ------
    KeyError
        If the venue is not registered or does not list the asset; the message lists what is.
    """
    if venue not in venues():
        raise KeyError(f"unknown venue {venue!r}; allowed: {', '.join(venues())}")
    for inst in _load():
        if inst.venue == venue and inst.base == base:
            return inst.symbol
    raise KeyError(f"{base} is not listed on {venue}; allowed: {', '.join(bases_for(venue))}")
