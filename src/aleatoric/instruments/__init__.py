"""Instrument registry: the venue rules the engine obeys, loaded from data files."""

from aleatoric.instruments._grid import Grid
from aleatoric.instruments._registry import (
    Instrument,
    get_instrument,
    instruments,
    symbols_for,
    venues,
)

__all__ = ["Grid", "Instrument", "get_instrument", "instruments", "symbols_for", "venues"]
