"""Decimal strings exactly as venues print them, built from integer grid units.

Floats never touch a wire price: a value is ``units * numerator / 10**scale`` and is printed
by integer arithmetic, so ``"63437.30"`` is always exactly the grid value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from aleatoric.instruments import Grid

__all__ = ["Formatter", "fixed", "fixed_list", "trimmed", "trimmed_keep_one"]


def _digits(units: int, grid: Grid, places: int) -> str:
    if places < grid.scale:
        raise ValueError(f"cannot print a {grid.step} grid with {places} decimals")
    n = units * grid.numerator * 10 ** (places - grid.scale)
    sign = "-" if n < 0 else ""
    text = str(abs(n)).rjust(places + 1, "0")
    if places == 0:
        return sign + text
    return f"{sign}{text[:-places]}.{text[-places:]}"


@lru_cache(maxsize=1 << 17)
def fixed(units: int, grid: Grid, places: int) -> str:
    """Return ``units`` steps of ``grid`` with exactly ``places`` decimals (``"0.000"``).

    Cached: a day of messages prints the same few thousand prices and sizes millions of times.
    """
    return _digits(units, grid, places)


def fixed_list(units: Sequence[int], grid: Grid, places: int) -> list[str]:
    """Return :func:`fixed` for every value."""
    return [_digits(u, grid, places) for u in units]


@lru_cache(maxsize=1 << 17)
def trimmed(units: int, grid: Grid) -> str:
    """Return the shortest exact decimal, trailing zeros removed (OKX: ``"64001"``)."""
    text = _digits(units, grid, grid.scale)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def trimmed_keep_one(units: int, grid: Grid) -> str:
    """Return the shortest exact decimal with at least one decimal (Hyperliquid: ``"1.0"``)."""
    text = trimmed(units, grid)
    return text if "." in text else text + ".0"


class Formatter(dict[int, str]):
    """A memo of one number style on one grid: ``fmt[units]`` is the wire string.

    A dict lookup per value; each distinct value is formatted once.
    """

    def __init__(self, grid: Grid, style: str = "fixed", places: int = 0) -> None:
        super().__init__()
        self.grid = grid
        self.style = style
        self.places = places

    def __missing__(self, units: int) -> str:
        if self.style == "fixed":
            text = _digits(units, self.grid, self.places)
        elif self.style == "trimmed":
            text = trimmed(units, self.grid)
        else:
            text = trimmed_keep_one(units, self.grid)
        self[units] = text
        return text
