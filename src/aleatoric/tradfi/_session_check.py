"""The session integrity rule: no order, trade or book event while a contract is not open.

Written for futures datasets once generation is session-aware (docs/tradfi.md): it takes a
contract and its canonical tables and reports, per table, the rows whose ``ts_event`` falls
where the contract's venue is not OPEN (or after the contract's last trade). Rows flagged
``F_SNAPSHOT`` in ``mbo`` or ``is_snapshot`` in ``book_delta`` may sit in the pre-open (the
opening snapshot), and rows at the exact instant of a close may clear the book.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from aleatoric.tradfi._contracts import Contract
from aleatoric.tradfi._sessions import calendar_for
from aleatoric.tradfi._timeline import SessionState, as_ns

__all__ = ["SESSION_TABLES", "SessionCheck", "check_sessions", "outside_sessions"]

#: The tables whose rows are market events (``ticker`` and ``funding`` are state samples).
SESSION_TABLES = ("mbo", "book_delta", "book_snapshot", "trades")
_F_SNAPSHOT = 32


@dataclass(frozen=True)
class SessionCheck:
    """Rows outside the open sessions, per table: counts and the first offending timestamps."""

    violations: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Return whether no table has a row outside the open sessions."""
        return not any(self.violations.values())


def _column(table: Any, name: str) -> npt.NDArray[Any]:
    return np.asarray(table[name])


def check_sessions(
    contract: Contract,
    tables: Mapping[str, Any],
    *,
    max_examples: int = 5,
    **calendar_options: object,
) -> SessionCheck:
    """Check that every event of ``tables`` falls in an OPEN session of ``contract``.

    ``tables`` maps canonical table names to anything with columns (a polars or pandas frame,
    an Arrow table, a dict of arrays); tables not in :data:`SESSION_TABLES` are ignored.
    """
    present = {
        n: t for n, t in tables.items() if n in SESSION_TABLES and len(_column(t, "ts_event"))
    }
    out = SessionCheck()
    if not present:
        return out
    for name, (bad, state) in outside_sessions(contract, present, **calendar_options).items():
        where = np.flatnonzero(bad)
        ts = as_ns(_column(present[name], "ts_event"))
        out.violations[name] = int(where.size)
        out.examples[name] = [
            (int(ts[i]), SessionState(int(state[i])).name) for i in where[:max_examples]
        ]
    return out


def outside_sessions(
    contract: Contract, tables: Mapping[str, Any], **calendar_options: object
) -> dict[str, tuple[npt.NDArray[np.bool_], npt.NDArray[np.int8]]]:
    """Return, per table of :data:`SESSION_TABLES`, which rows break the session rule.

    Each value is ``(bad, state)``: a mask over the table's rows and the session state at
    each row. Rows at the instant of a close or of the last trade (the book being cleared)
    and snapshot rows in a pre-open are allowed.
    """
    present = {
        n: t for n, t in tables.items() if n in SESSION_TABLES and len(_column(t, "ts_event"))
    }
    if not present:
        return {}
    stamps = {n: as_ns(_column(t, "ts_event")) for n, t in present.items()}
    lo = min(int(s.min()) for s in stamps.values())
    hi = max(int(s.max()) for s in stamps.values()) + 1
    timeline = calendar_for(contract.product.calendar, **calendar_options).timeline(lo, hi)
    closes = timeline.spans(SessionState.OPEN)[1]
    last = contract.last_trade_ns
    out: dict[str, tuple[npt.NDArray[np.bool_], npt.NDArray[np.int8]]] = {}
    for name, ts in stamps.items():
        state = timeline.state_at(ts)
        ok = state == int(SessionState.OPEN)
        if last is not None:
            ok &= ts < last
            ok |= ts == last  # the book is cleared at the last trade
        ok |= np.isin(ts, closes)  # the book may be cleared at the close
        if name in ("mbo", "book_delta"):
            table = present[name]
            snap = (
                (_column(table, "flags").astype(np.int64) & _F_SNAPSHOT) > 0
                if name == "mbo"
                else _column(table, "is_snapshot").astype(bool)
            )
            ok |= snap & (state == int(SessionState.PRE_OPEN))
        out[name] = (~ok, state)
    return out
