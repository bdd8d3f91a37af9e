"""DBN metadata of one instrument's file (shared by the perpetual and futures writers)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = ["metadata_bytes"]

dbn: Any = importlib.import_module("databento_dbn")


@dataclass(frozen=True)
class _Interval:
    start_date: date
    end_date: date
    symbol: str


@dataclass(frozen=True)
class _Mapping:
    raw_symbol: str
    intervals: list[_Interval]


def _day(ns: int) -> date:
    return datetime.fromtimestamp(ns // 1_000_000_000, UTC).date()


def metadata_bytes(
    dataset: str, schema: Any, symbol: str, iid: int, start: int, last: int
) -> bytes:
    """Return the encoded DBN metadata of one instrument's file of ``schema``.

    ``start`` and ``last`` are the first and last ``ts_event`` (ns); the raw symbol maps to
    the instrument id from ``start``'s UTC date to the day after ``last``'s.
    """
    mapping = _Mapping(symbol, [_Interval(_day(start), _day(last) + timedelta(days=1), str(iid))])
    meta = dbn.Metadata(
        dataset, start, dbn.SType.RAW_SYMBOL, dbn.SType.INSTRUMENT_ID, schema,
        symbols=[symbol], end=last + 1, mappings=[mapping],
    )  # fmt: skip
    return bytes(meta)
