"""Business days and CME Globex sessions from the calendar libraries (the ``tradfi`` extra).

Holidays come from ``exchange_calendars`` (``XLON``, ``XNYS``, ``XSHG``, ``XSES``, ...) and
the CME Globex crypto schedule (with its early closes) from ``pandas_market_calendars``; the
engine lays its own session templates on top (:mod:`aleatoric.tradfi._sessions`). Both
libraries are imported lazily, so importing :mod:`aleatoric.tradfi` costs nothing until a
calendar is used. Some calendars know their holidays only up to a year (``XSHG`` and ``XSES``
end with 2026 in exchange_calendars 4.13): a date past that is an error naming the range,
never a silent weekday guess.
"""

from __future__ import annotations

import warnings
from datetime import date
from functools import cache

import numpy as np
import numpy.typing as npt

from aleatoric.tradfi._errors import TradfiError, require_calendars

__all__ = ["CME_CRYPTO_CALENDAR", "business_days", "cme_crypto_schedule", "is_business_day"]

#: The pandas_market_calendars name of the CME Globex crypto schedule.
CME_CRYPTO_CALENDAR = "CME Globex Crypto"
Days = npt.NDArray[np.datetime64]
I64 = npt.NDArray[np.int64]
# The widest range asked of a rule-based calendar (precomputed ones stop earlier).
_FIRST, _LAST = date(2010, 1, 1), date(2040, 12, 31)


@cache
def _sessions(code: str) -> tuple[Days, date, date]:
    require_calendars()
    import exchange_calendars as xc

    if code not in xc.get_calendar_names(include_aliases=True):
        raise TradfiError("business_calendars", f"unknown exchange calendar {code!r}")
    # The calendar classes know the last year of a precomputed holiday list.
    factories = getattr(xc.calendar_utils, "_default_calendar_factories", {})
    factory = factories.get(xc.resolve_alias(code))
    lo, hi = _FIRST, _LAST
    if factory is not None:
        bmin, bmax = factory.bound_min(), factory.bound_max()
        if bmin is not None:
            lo = max(lo, bmin.date())
        if bmax is not None:
            hi = min(hi, bmax.date())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = xc.get_calendar(code, start=lo.isoformat(), end=hi.isoformat())
    days = cal.sessions.values.astype("datetime64[D]")
    return days, lo, hi


def _check_range(code: str, day: np.datetime64, lo: date, hi: date) -> None:
    if not (np.datetime64(lo, "D") <= day <= np.datetime64(hi, "D")):
        raise TradfiError(
            "time",
            f"the {code} holidays are known from {lo} to {hi} in the installed "
            f"exchange_calendars; was {day}",
        )


def business_days(codes: tuple[str, ...], start: np.datetime64, end: np.datetime64) -> Days:
    """Return the days in ``[start, end]`` that are sessions of every calendar in ``codes``."""
    start, end = start.astype("datetime64[D]"), end.astype("datetime64[D]")
    out: Days | None = None
    for code in codes:
        days, lo, hi = _sessions(code)
        _check_range(code, start, lo, hi)
        _check_range(code, end, lo, hi)
        these = days[(days >= start) & (days <= end)]
        out = these if out is None else np.intersect1d(out, these)
    if out is None:
        return np.arange(start, end + 1, dtype="datetime64[D]")
    return out


def is_business_day(codes: tuple[str, ...], day: np.datetime64) -> bool:
    """Return whether ``day`` is a session of every calendar in ``codes``."""
    return business_days(codes, day, day).size == 1


@cache
def _cme_year(year: int) -> tuple[Days, I64, I64]:
    require_calendars()
    import pandas_market_calendars as mcal

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schedule = mcal.get_calendar(CME_CRYPTO_CALENDAR).schedule(f"{year}-01-01", f"{year}-12-31")
    days = schedule.index.values.astype("datetime64[D]")
    opens = schedule["market_open"].values.astype("datetime64[ns]").astype(np.int64)
    closes = schedule["market_close"].values.astype("datetime64[ns]").astype(np.int64)
    return days, opens, closes


def cme_crypto_schedule(first_year: int, last_year: int) -> tuple[Days, I64, I64]:
    """Return the CME Globex crypto trade dates with their open and close (ns, UTC).

    From pandas_market_calendars' ``"CME Globex Crypto"``: the session of trade date D opens
    17:00 CT on the previous business day and closes 16:00 CT on D (earlier on the
    early-close days of its holiday rules); full holidays have no session.
    """
    if not (_FIRST.year <= first_year <= last_year <= _LAST.year):
        raise TradfiError(
            "time", f"CME sessions are built for {_FIRST.year} to {_LAST.year}; "
            f"was {first_year} to {last_year}"
        )  # fmt: skip
    parts = [_cme_year(y) for y in range(first_year, last_year + 1)]
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )
