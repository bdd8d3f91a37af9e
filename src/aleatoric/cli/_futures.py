"""The ``aleatoric futures`` commands: CME and SGX products, listed contracts, sessions.

Exit codes: 0 done, 2 unusable input (an unknown product or calendar, a time that is not ISO
8601, a range the calendar libraries do not cover, the ``tradfi`` extra missing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from aleatoric.cli._console import make_console
from aleatoric.cli._errors import exit_on_error
from aleatoric.cli._listing import FormatOption, ListFormat, print_rows
from aleatoric.errors import ConfigError

__all__ = ["futures_app", "register"]

futures_app = typer.Typer(
    help="CME and SGX futures: products, listed contracts, session calendars (docs/tradfi.md).",
    no_args_is_help=True,
)
console = make_console()
_NS = 1_000_000_000


def _ns(field: str, text: str) -> int:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            [(field, f"an ISO 8601 time such as 2026-01-05T00:00Z, was {text!r}")]
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # a time without a zone is UTC
    return int(when.timestamp() * 1_000_000) * 1_000


def _iso(ns: int | None) -> str:
    if ns is None:
        return ""
    return datetime.fromtimestamp(ns / _NS, UTC).isoformat().replace("+00:00", "Z")


@futures_app.command("products")
def products_cmd(fmt: FormatOption = ListFormat.table) -> None:
    """List the futures products with their terms."""
    from aleatoric.tradfi import products

    rows = [
        {"product": p.key, "name": p.name, "kind": p.kind, "multiplier": str(p.multiplier),
         "tick": str(p.tick_size), "tick value": str(p.tick_value), "quote": p.quote,
         "calendar": p.calendar}
        for p in products()
    ]  # fmt: skip
    print_rows(console, rows, fmt)


@futures_app.command("contracts")
def contracts_cmd(
    product: Annotated[str, typer.Argument(help="venue:root, e.g. cme:MBT (futures products).")],
    at: Annotated[str, typer.Option(help="ISO 8601 time (UTC if no zone); default now.")] = "",
    fmt: FormatOption = ListFormat.table,
) -> None:
    """List the contracts of PRODUCT listed at --at, nearest expiry first."""
    from aleatoric.tradfi import listed_contracts

    with exit_on_error():
        ts = _ns("--at", at) if at else int(datetime.now(UTC).timestamp()) * _NS
        listed = listed_contracts(product, ts)
        rows = [
            {
                "symbol": c.symbol,
                "year": c.year,
                "month": c.month,
                "last trade": _iso(c.last_trade_ns),
            }
            for c in listed
        ]
    print_rows(console, rows, fmt)


@futures_app.command("sessions")
def sessions_cmd(
    calendar: Annotated[str, typer.Argument(help="cme_crypto, sgx_cn or sgx_crypto_perp.")],
    start: Annotated[str, typer.Option(help="ISO 8601 time (UTC if no zone).")],
    end: Annotated[str, typer.Option(help="ISO 8601 time (UTC if no zone).")],
    fmt: FormatOption = ListFormat.table,
) -> None:
    """List the session states of CALENDAR between --start and --end, with trade dates."""
    import numpy as np

    from aleatoric.tradfi import SessionState, calendar_for

    with exit_on_error():
        lo, hi = _ns("--start", start), _ns("--end", end)
        if hi <= lo:
            raise ConfigError([("--end", f"must be after --start, was {end!r}")])
        if hi - lo > 366 * 86_400 * _NS:
            raise ConfigError([("--end", "at most 366 days after --start")])
        timeline = calendar_for(calendar).timeline(lo, hi)
    ends = np.append(timeline.start[1:], timeline.end)
    keep = (ends > lo) & (timeline.start < hi)
    rows = [
        {"start": _iso(max(int(s), lo)), "end": _iso(min(int(e), hi)),
         "state": SessionState(int(st)).name.lower(), "trade date": str(np.datetime64(int(d), "D"))}
        for s, e, st, d in zip(timeline.start[keep], ends[keep], timeline.state[keep],
                               timeline.trade_date[keep], strict=True)
    ]  # fmt: skip
    print_rows(console, rows, fmt)


def register(app: typer.Typer) -> None:
    """Add the ``futures`` command group to ``app``."""
    app.add_typer(futures_app, name="futures")
