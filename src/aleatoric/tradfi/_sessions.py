"""Session calendars per venue: CME Globex crypto and the SGX templates.

``calendar_for(name, **options)`` returns a calendar; ``calendar.timeline(start, end)`` the
states over a range and ``calendar.state_at(ts)`` the state of each timestamp of an int64 ns
array. CME before its 24/7 cut-over follows pandas_market_calendars' "CME Globex Crypto"
sessions (Sunday-Friday 17:00-16:00 CT, holidays, early closes) with a pre-open before each
open; after it, trading is continuous except a weekly maintenance window. SGX calendars run
the templates of ``instruments/data/sessions.toml`` on the business days of their exchange
calendars.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from aleatoric.tradfi._business_days import business_days, cme_crypto_schedule
from aleatoric.tradfi._contracts import Contract
from aleatoric.tradfi._errors import TradfiError
from aleatoric.tradfi._timeline import SessionState, Span, Timeline, as_ns, fill

__all__ = [
    "CALENDARS",
    "CME_CONTINUOUS_FROM_NS",
    "CmeCryptoCalendar",
    "SessionCalendar",
    "TemplateCalendar",
    "calendar_for",
    "contract_state_at",
]

_NS = 1_000_000_000
_DAY_NS = 86_400 * _NS
_PAD = 10  # days of context on each side of a requested range
_CT = ZoneInfo("America/Chicago")
#: CME crypto futures trade 24/7 from Friday 2026-05-29 16:00 CT (21:00 UTC), as announced
#: on 2026-02-19 "pending regulatory review".
CME_CONTINUOUS_FROM_NS = int(datetime(2026, 5, 29, 16, 0, tzinfo=_CT).timestamp()) * _NS
I8 = npt.NDArray[np.int8]


class SessionCalendar(Protocol):
    """What every venue calendar offers."""

    @property
    def name(self) -> str:
        """Return the calendar's name (a product's ``calendar``)."""
        ...

    def timeline(self, start_ns: int, end_ns: int) -> Timeline:
        """Return the states over ``[start_ns, end_ns)`` (with some days of context)."""
        ...

    def state_at(self, ts: npt.ArrayLike) -> I8:
        """Return the :class:`SessionState` value at each timestamp."""
        ...


def _state_at(cal: SessionCalendar, ts: npt.ArrayLike) -> I8:
    t = as_ns(ts)
    if t.size == 0:
        return np.zeros(0, np.int8)
    return cal.timeline(int(t.min()), int(t.max()) + 1).state_at(t)


def _day(ns: int) -> date:
    return datetime.fromtimestamp(ns // _NS, UTC).date()


def _epoch_day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


@dataclass(frozen=True)
class CmeCryptoCalendar:
    """CME Globex crypto futures (BTC, MBT, ETH, MET).

    Before ``continuous_from_ns``: the "CME Globex Crypto" sessions of pandas_market_calendars,
    ``pre_open_minutes`` of pre-open before each open (16:45-17:00 CT), the daily 16:00 CT
    break as HALTED and weekends and holidays as CLOSED. From ``continuous_from_ns`` (None:
    never): OPEN around the clock but for a weekly maintenance window (HALTED, its last
    ``pre_open_minutes`` PRE_OPEN) starting ``maintenance_weekday`` (0 Monday .. 6 Sunday) at
    ``maintenance_start`` CT for ``maintenance_minutes``. CME has announced "at least a
    two-hour weekly maintenance period over the weekend" without its time: the default
    Saturday 16:00 CT is an assumption. Trade dates: the session opening at 17:00 CT belongs
    to the next business day; in the 24/7 regime every moment from 16:00 CT on a day belongs
    to the next business day (weekend and holiday trading carries the next business day's date).
    """

    name: str = "cme_crypto"
    pre_open_minutes: int = 15
    halt_max_minutes: int = 60
    continuous_from_ns: int | None = CME_CONTINUOUS_FROM_NS
    maintenance_weekday: int = 5
    maintenance_start: time = time(16, 0)
    maintenance_minutes: int = 120

    def __post_init__(self) -> None:
        if not 0 <= self.maintenance_weekday <= 6:
            raise TradfiError(
                "maintenance_weekday",
                f"must be 0 (Monday) to 6 (Sunday), was {self.maintenance_weekday}",
            )
        if not 0 < self.maintenance_minutes < 24 * 60:
            raise TradfiError(
                "maintenance_minutes", f"must be 1 to 1439, was {self.maintenance_minutes}"
            )
        if not 0 <= self.pre_open_minutes <= 60:
            raise TradfiError("pre_open_minutes", f"must be 0 to 60, was {self.pre_open_minutes}")

    def timeline(self, start_ns: int, end_ns: int) -> Timeline:
        """Return the states over ``[start_ns, end_ns)`` (with some days of context)."""
        lo = _day(start_ns) - timedelta(days=_PAD)
        hi = _day(end_ns) + timedelta(days=_PAD)
        days, opens, closes = cme_crypto_schedule(lo.year, hi.year)
        cut = self.continuous_from_ns
        pre = self.pre_open_minutes * 60 * _NS
        spans: list[Span] = []
        for d, o, c in zip(_epoch_days(days), opens.tolist(), closes.tolist(), strict=True):
            if cut is not None and o >= cut:
                break
            c = c if cut is None else min(c, cut)
            if pre:
                spans.append((o - pre, o, int(SessionState.PRE_OPEN), d))
            spans.append((o, c, int(SessionState.OPEN), d))
        if cut is not None:
            spans += self._continuous(cut, lo, hi, days)
        lo_ns = _epoch_day(lo) * _DAY_NS
        hi_ns = _epoch_day(hi) * _DAY_NS
        return fill(spans, lo_ns, hi_ns, self.halt_max_minutes * 60 * _NS)

    def _continuous(
        self, cut: int, lo: date, hi: date, days: npt.NDArray[np.datetime64]
    ) -> list[Span]:
        bdays = _epoch_days(days)
        first = max(lo, _day(cut) - timedelta(days=1))
        spans: list[Span] = []
        pre = self.pre_open_minutes * 60 * _NS
        d = first
        while d <= hi:
            # [d 16:00 CT, d+1 16:00 CT) carries the first business day after d.
            a = int(datetime.combine(d, time(16, 0), _CT).timestamp()) * _NS
            b = int(datetime.combine(d + timedelta(days=1), time(16, 0), _CT).timestamp()) * _NS
            k = int(np.searchsorted(bdays, _epoch_day(d), side="right"))
            td = int(bdays[k]) if k < len(bdays) else _epoch_day(d) + 1
            pieces: list[tuple[int, int, int]] = [(a, b, int(SessionState.OPEN))]
            for m in (d, d + timedelta(days=1)):
                if m.weekday() != self.maintenance_weekday:
                    continue
                ms = int(datetime.combine(m, self.maintenance_start, _CT).timestamp()) * _NS
                me = ms + self.maintenance_minutes * 60 * _NS
                pieces = _carve(pieces, ms, me - pre, int(SessionState.HALTED))
                pieces = _carve(pieces, me - pre, me, int(SessionState.PRE_OPEN))
            spans += [(s, e, st, td) for s, e, st in pieces if e > max(s, cut) and s >= cut]
            d += timedelta(days=1)
        return spans

    def state_at(self, ts: npt.ArrayLike) -> I8:
        """Return the :class:`SessionState` value at each timestamp."""
        return _state_at(self, ts)


def _carve(
    pieces: list[tuple[int, int, int]], s: int, e: int, state: int
) -> list[tuple[int, int, int]]:
    if e <= s:
        return pieces
    out: list[tuple[int, int, int]] = []
    for a, b, st in pieces:
        if b <= s or a >= e:
            out.append((a, b, st))
            continue
        if a < s:
            out.append((a, s, st))
        out.append((max(a, s), min(b, e), state))
        if b > e:
            out.append((e, b, st))
    return out


def _epoch_days(days: npt.NDArray[np.datetime64]) -> list[int]:
    return days.astype("datetime64[D]").astype(np.int64).tolist()  # type: ignore[no-any-return]


class _Phase(BaseModel):
    model_config = ConfigDict(frozen=True)
    state: Literal["pre_open", "open", "pre_close"]
    start: int  # minutes after local midnight of T
    end: int
    session: Literal["T", "T+1"]


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


class _Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    tz: str
    business_calendars: tuple[str, ...]
    halt_max_minutes: int
    phases: tuple[tuple[str, str, str, str], ...]

    def parsed(self) -> tuple[_Phase, ...]:
        return tuple(
            _Phase(state=s, start=_minutes(a), end=_minutes(b), session=k)
            for s, a, b, k in self.phases
        )


@cache
def _templates() -> dict[str, _Template]:
    text = resources.files("aleatoric.instruments").joinpath("data/sessions.toml").read_text()
    rows = tomllib.loads(text)["calendar"]
    return {row["name"]: _Template.model_validate(row) for row in rows}


@dataclass(frozen=True)
class TemplateCalendar:
    """A venue whose every business day runs the same phases (SGX T and T+1 sessions)."""

    name: str
    tz: str
    business_calendars: tuple[str, ...]
    halt_max_minutes: int
    phases: tuple[_Phase, ...] = field(repr=False)

    def timeline(self, start_ns: int, end_ns: int) -> Timeline:
        """Return the states over ``[start_ns, end_ns)`` (with some days of context)."""
        lo = np.datetime64(_day(start_ns) - timedelta(days=_PAD))
        hi = np.datetime64(_day(end_ns) + timedelta(days=_PAD))
        days = business_days(self.business_calendars, lo, hi)
        tz = ZoneInfo(self.tz)
        spans: list[Span] = []
        epoch = _epoch_days(days)
        for i, d in enumerate(days.astype(date).tolist()):
            midnight = datetime.combine(d, time(0), tz)
            for p in self.phases:
                s = int((midnight + timedelta(minutes=p.start)).timestamp()) * _NS
                e = int((midnight + timedelta(minutes=p.end)).timestamp()) * _NS
                td = (
                    epoch[i]
                    if p.session == "T"
                    else (epoch[i + 1] if i + 1 < len(epoch) else epoch[i] + 1)
                )
                spans.append((s, e, int(SessionState[p.state.upper()]), td))
        lo_ns = int(lo.astype(np.int64)) * _DAY_NS
        hi_ns = int(hi.astype(np.int64)) * _DAY_NS
        return fill(spans, lo_ns, hi_ns, self.halt_max_minutes * 60 * _NS)

    def state_at(self, ts: npt.ArrayLike) -> I8:
        """Return the :class:`SessionState` value at each timestamp."""
        return _state_at(self, ts)


#: The calendar names :func:`calendar_for` knows.
CALENDARS = ("cme_crypto", "sgx_cn", "sgx_crypto_perp")


def calendar_for(name: str, **options: object) -> SessionCalendar:
    """Return the session calendar ``name`` (a product's ``calendar``); see :data:`CALENDARS`.

    ``options`` set the fields of :class:`CmeCryptoCalendar` (``continuous_from_ns``,
    ``maintenance_weekday``, ...); the SGX templates take none.
    """
    if name == "cme_crypto":
        allowed = set(CmeCryptoCalendar.__dataclass_fields__) - {"name"}
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise TradfiError(unknown[0], f"unknown option; allowed: {', '.join(sorted(allowed))}")
        return CmeCryptoCalendar(**options)  # type: ignore[arg-type]
    templates = _templates()
    if name not in templates:
        raise TradfiError("calendar", f"unknown calendar {name!r}; allowed: {', '.join(CALENDARS)}")
    if options:
        raise TradfiError(sorted(options)[0], f"the {name} calendar takes no options")
    t = templates[name]
    return TemplateCalendar(t.name, t.tz, t.business_calendars, t.halt_max_minutes, t.parsed())


def contract_state_at(contract: Contract, ts: npt.ArrayLike, **options: object) -> I8:
    """Return the state of ``contract`` at each timestamp: its venue's, CLOSED after expiry."""
    t = as_ns(ts)
    state = calendar_for(contract.product.calendar, **options).state_at(t)
    last = contract.last_trade_ns
    if last is not None:
        state = np.where(t >= last, np.int8(SessionState.CLOSED), state).astype(np.int8)
    return state
