"""Exact decimal text for grid values, deterministic zip entries, UTC date helpers."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from aleatoric.instruments import Grid

__all__ = ["NS_PER_DAY", "DayZip", "decimal_strings", "rate_string", "utc"]

NS_PER_DAY = 86_400_000_000_000
#: A fixed timestamp for zip entries: the zip's bytes depend only on its content.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def decimal_strings(units: npt.NDArray[np.int64], grid: Grid) -> list[str]:
    """Return the exact decimals of integer grid units (``"94999.9"``), at the grid's scale."""
    scaled = (np.asarray(units, np.int64) * grid.numerator).tolist()
    if grid.scale == 0:
        return [str(v) for v in scaled]
    d = grid.denominator
    w = grid.scale
    return [f"{'-' if v < 0 else ''}{abs(v) // d}.{abs(v) % d:0{w}d}" for v in scaled]


def rate_string(rate: float) -> str:
    """Return a rate without an exponent (``-0.00004062``), shortest round-trip digits."""
    return np.format_float_positional(rate, trim="-")


def utc(ns: int) -> datetime:
    """Return the UTC datetime of ns since the epoch (microsecond precision)."""
    return datetime.fromtimestamp(ns // 1000 / 1e6, UTC)


def zip_info(name: str) -> zipfile.ZipInfo:
    """Return a zip entry header with fixed time, permissions and compression."""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


class DayZip:
    """One zip holding one CSV entry, written line batch by line batch (bounded memory)."""

    def __init__(self, path: Path, entry: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self._entry: IO[bytes] = self._zip.open(zip_info(entry), "w", force_zip64=False)

    def write(self, lines: list[str]) -> None:
        """Append CSV lines (without newlines)."""
        if lines:
            self._entry.write(("\n".join(lines) + "\n").encode("ascii"))

    def close(self) -> None:
        """Finish the entry and the zip."""
        self._entry.close()
        self._zip.close()
