"""Instrument registry: the venue rules the engine obeys, loaded from data files."""

from aleatoric.instruments._grid import Grid
from aleatoric.instruments._registry import (
    Instrument,
    bases_for,
    futures_venues,
    get_instrument,
    instruments,
    is_futures,
    symbol_of,
    symbols_for,
    venues,
)

__all__ = [
    "Grid",
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
