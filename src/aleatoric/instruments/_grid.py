"""Exact decimal grids: integer ticks and lots to float64 and back.

Inside the engine every price is an integer number of ticks and every size an integer number
of lots. A grid step is a decimal ``numerator / 10**scale``; converting ``n`` steps to a float
is one integer multiply and one correctly rounded division, so the float is the nearest double
to the exact decimal value (what a venue prints), never ``n * 0.1`` with its accumulated error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

__all__ = ["Grid"]


@dataclass(frozen=True, slots=True)
class Grid:
    """A decimal step ``numerator / 10**scale`` (for example 0.10 is ``1 / 10**1``)."""

    numerator: int
    scale: int

    @classmethod
    def from_decimal(cls, step: str | Decimal) -> Grid:
        """Build the grid of a decimal step such as ``"0.10"``."""
        value = Decimal(step).normalize()
        if value <= 0:
            raise ValueError(f"grid step must be positive, was {step}")
        _, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        numerator = int("".join(map(str, digits)))
        if exponent >= 0:
            return cls(numerator * 10**exponent, 0)
        return cls(numerator, -exponent)

    @property
    def step(self) -> Decimal:
        """Return the step as an exact decimal."""
        return Decimal(self.numerator).scaleb(-self.scale)

    @property
    def denominator(self) -> int:
        """Return ``10**scale``."""
        return int(10**self.scale)

    def to_float(self, units: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Return the float64 values of integer grid units, exactly rounded."""
        n = np.asarray(units, dtype=np.int64)
        out = (n * self.numerator if self.numerator != 1 else n).astype(np.float64)
        if out.ndim == 0:
            return out / float(self.denominator)
        out /= float(self.denominator)  # in place: one pass fewer over large columns
        return out

    def to_units(self, values: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Return the nearest integer grid units of float values."""
        v = np.asarray(values, dtype=np.float64)
        return np.rint(v * self.denominator / self.numerator).astype(np.int64)

    def on_grid(self, values: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Return whether each float is exactly the float of some whole number of steps."""
        v = np.asarray(values, dtype=np.float64)
        return np.asarray(self.to_float(self.to_units(v)) == v)

    def format(self, units: int) -> str:
        """Return the exact decimal string of ``units`` steps, at the grid's scale."""
        return str(Decimal(units * self.numerator).scaleb(-self.scale))
