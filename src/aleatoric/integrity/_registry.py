"""The rule registry: named, documented checks of a canonical dataset.

A rule is a function ``(ctx) -> RuleResult`` registered with :func:`rule`, together with the
columns it reads per table. :func:`violations` and :func:`outcome` turn boolean masks over
tables into a :class:`RuleResult` with the first offending rows as examples.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from aleatoric.integrity._context import CheckContext
from aleatoric.integrity._model import Example, RuleResult

__all__ = ["RULES", "Finding", "Rule", "RuleFn", "outcome", "rule", "violations"]

RuleFn = Callable[[CheckContext], RuleResult]
#: Build the messages of offending rows: ``(rows, their positions in the table) -> messages``.
Describe = Callable[[pl.DataFrame, npt.NDArray[np.int64]], list[str]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its name, its check and the columns it reads per table."""

    name: str
    check: RuleFn
    needs: Mapping[str, tuple[str, ...]]

    @property
    def summary(self) -> str:
        """Return the first line of the rule's docstring."""
        doc = inspect.getdoc(self.check) or ""
        return doc.splitlines()[0] if doc else ""


#: Every rule, in the order reports list them.
RULES: dict[str, Rule] = {}


def rule(name: str, needs: Mapping[str, tuple[str, ...]]) -> Callable[[RuleFn], RuleFn]:
    """Register a rule under ``name``; ``needs`` maps tables to the columns it reads.

    Column names may be glob patterns (``bid_px_*``) and end in ``?`` when optional (read
    if the table has them); ``seq`` is always read.
    """

    def register(check: RuleFn) -> RuleFn:
        if name in RULES:
            raise ValueError(f"rule {name!r} is registered twice")
        RULES[name] = Rule(name, check, dict(needs))
        return check

    return register


@dataclass(frozen=True)
class Finding:
    """The offending rows of one table: their count and the first few as examples."""

    table: str
    count: int
    examples: list[Example]


def violations(
    ctx: CheckContext,
    table: str,
    mask: npt.NDArray[np.bool_],
    describe: Describe,
) -> Finding:
    """Return the rows of ``table`` where ``mask`` is true, with messages for the first few."""
    frame = ctx.frame(table)
    where = np.flatnonzero(mask)
    first = where[: ctx.max_examples].astype(np.int64)
    rows = frame[first.tolist()] if first.size else frame.clear()
    messages = describe(rows, first) if first.size else []
    seqs = rows["seq"].to_list()
    ts = rows["ts_event"].to_list() if "ts_event" in rows.columns else [None] * len(seqs)
    examples: list[Example] = [
        {"table": table, "seq": int(s), "ts_event": t, "message": m}
        for s, t, m in zip(seqs, ts, messages, strict=True)
    ]
    return Finding(table, int(where.size), examples)


def outcome(
    ctx: CheckContext, name: str, findings: list[Finding], rows: int, note: str = ""
) -> RuleResult:
    """Return the result of rule ``name`` from its findings, examples first by ``seq``."""
    count = sum(f.count for f in findings)
    examples = sorted((e for f in findings for e in f.examples), key=lambda e: int(e["seq"]))
    return RuleResult(name, count == 0, count, examples[: ctx.max_examples], rows, note)


def missing(tables: list[str]) -> str:
    """Return the note for a rule that could not check some tables."""
    return f"no {', '.join(tables)} table" if tables else ""
