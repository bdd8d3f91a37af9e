"""Rules of exchange-traded futures: events only in open sessions (docs/tradfi.md).

A perpetual's venue is always open, so its rows all pass. The contract is the instrument's
symbol at its venue, its year digit read near the dataset's first event.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

from aleatoric.instruments import is_futures
from aleatoric.integrity._context import CheckContext
from aleatoric.integrity._model import RuleResult
from aleatoric.integrity._registry import Finding, outcome, rule, violations
from aleatoric.tradfi import SESSION_TABLES, SessionState, contract_of, outside_sessions

__all__ = ["session_open"]


@rule(
    "session_open",
    {
        "mbo": ("ts_event", "flags"),
        "book_delta": ("ts_event", "is_snapshot"),
        "book_snapshot": ("ts_event",),
        "trades": ("ts_event",),
    },
)
def session_open(ctx: CheckContext) -> RuleResult:
    """Check that a futures contract has no event while its venue is not open.

    Every row of ``mbo``, ``book_delta``, ``book_snapshot`` and ``trades`` lies in an OPEN
    session of the contract's calendar and before its last trade, except the book being
    cleared at the instant of a close and snapshot rows in a pre-open.
    """
    inst = ctx.instrument
    frames = {t: ctx.frame(t) for t in SESSION_TABLES if ctx.has(t)}
    if not is_futures(inst.venue):  # a perpetual's venue never closes
        return RuleResult("session_open", True, 0, [], sum(f.height for f in frames.values()))
    stamps = [
        int(f["ts_event"].cast(pl.Int64).to_numpy().min()) for f in frames.values() if f.height
    ]
    if not stamps:
        return RuleResult("session_open", True, 0, [], 0, "no events")
    near = datetime.fromtimestamp(min(stamps) // 1_000_000_000, UTC).date()
    contract = contract_of(inst.venue, inst.symbol, near)
    findings: list[Finding] = []
    rows = 0
    for name, (bad, state) in outside_sessions(contract, frames).items():
        rows += int(bad.size)

        def describe(r: object, idx: np.ndarray, state: np.ndarray = state) -> list[str]:
            return [
                f"event while {SessionState(int(state[i])).name} ({contract.symbol})"
                for i in idx.tolist()
            ]

        findings.append(violations(ctx, name, bad, describe))
    return outcome(ctx, "session_open", findings, rows)
