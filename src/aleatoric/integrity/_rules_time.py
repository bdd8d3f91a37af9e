"""Sequence and time rules: gap-free ``seq``, monotone ``ts_event``, ``ts_recv`` after it."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from aleatoric.config import TABLES
from aleatoric.integrity._context import CheckContext
from aleatoric.integrity._model import Example, RuleResult
from aleatoric.integrity._registry import Finding, outcome, rule, violations

__all__ = ["seq_gap_free", "ts_monotone", "ts_recv_after_event"]

I64 = npt.NDArray[np.int64]
_EVERY_TABLE: dict[str, tuple[str, ...]] = dict.fromkeys(TABLES, ("ts_event",))


def _present(ctx: CheckContext) -> list[str]:
    return [t for t in TABLES if ctx.has(t)]


def _missing_examples(
    ctx: CheckContext, gaps: I64, counts: npt.NDArray[np.intp], ts_by_seq: I64
) -> list[Example]:
    examples: list[Example] = []
    for s in gaps[: ctx.max_examples].tolist():
        before = np.flatnonzero(counts[:s])
        prev = int(before[-1]) if before.size else None
        ts = int(ts_by_seq[prev]) if prev is not None else None
        where = f"; ts_event is that of the previous row (seq {prev})" if prev is not None else ""
        examples.append(
            {"table": "*", "seq": s, "ts_event": ts, "message": f"no row has seq {s}{where}"}
        )
    return examples


def _manifest_rows(ctx: CheckContext) -> int:
    # Rows the manifest counts over every table: a dataset cut short has a gap at its end.
    return ctx.dataset.manifest_rows


@rule("seq_gap_free", _EVERY_TABLE)
def seq_gap_free(ctx: CheckContext) -> RuleResult:
    """Check that the union of every table's ``seq`` is ``0..N-1``, each value once.

    ``N`` is the larger of the largest seq plus one and the manifest's row count. Violations
    are missing values (gaps, also at either end), rows that share a seq with another row,
    and rows whose seq is absurdly beyond the row count.
    """
    tables = _present(ctx)
    seqs = [ctx.frame(t)["seq"].to_numpy().astype(np.int64) for t in tables]
    n = sum(s.size for s in seqs)
    every = np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.int64)
    # A seq far past the row count is reported per row instead of being counted into a gap.
    limit = 4 * n + 1024
    in_range = (every >= 0) & (every < limit)
    top = max(int(every[in_range].max()) + 1 if in_range.any() else 0, _manifest_rows(ctx))
    counts = np.bincount(every[in_range], minlength=top)
    ts_by_seq = np.zeros(top, dtype=np.int64)
    findings: list[Finding] = []
    for table, seq in zip(tables, seqs, strict=True):
        frame = ctx.frame(table)
        ok = (seq >= 0) & (seq < limit)
        ts_by_seq[seq[ok]] = frame["ts_event"].to_numpy()[ok]
        dup = np.zeros(seq.size, dtype=np.bool_)
        dup[ok] = counts[seq[ok]] > 1
        findings.append(
            violations(
                ctx, table, dup, lambda rows, _: ["seq shared with another row"] * rows.height
            )
        )
        findings.append(
            violations(
                ctx, table, ~ok, lambda rows, _: [f"seq far beyond the {n:,} rows"] * rows.height
            )
        )
    gaps = np.flatnonzero(counts == 0).astype(np.int64)
    findings.append(Finding("*", int(gaps.size), _missing_examples(ctx, gaps, counts, ts_by_seq)))
    return outcome(ctx, "seq_gap_free", findings, n)


@rule("ts_monotone", _EVERY_TABLE)
def ts_monotone(ctx: CheckContext) -> RuleResult:
    """Check that ``ts_event`` never goes back in ``seq`` order within each table."""
    findings: list[Finding] = []
    rows = 0
    for table in _present(ctx):
        frame = ctx.frame(table)
        ts = frame["ts_event"].to_numpy()
        back = np.zeros(ts.size, dtype=np.bool_)
        back[1:] = ts[1:] < ts[:-1]
        seq = frame["seq"].to_numpy()

        def describe(rows_: pl.DataFrame, idx: I64, ts: I64 = ts, seq: I64 = seq) -> list[str]:
            return [
                f"ts_event {int(ts[i])} is before {int(ts[i - 1])} of the previous row "
                f"(seq {int(seq[i - 1])})"
                for i in idx.tolist()
            ]

        findings.append(violations(ctx, table, back, describe))
        rows += ts.size
    return outcome(ctx, "ts_monotone", findings, rows)


@rule("ts_recv_after_event", {t: ("ts_event", "ts_recv") for t in TABLES})
def ts_recv_after_event(ctx: CheckContext) -> RuleResult:
    """Check that every row's ``ts_recv`` is strictly after its ``ts_event``."""
    findings: list[Finding] = []
    rows = 0
    for table in _present(ctx):
        frame = ctx.frame(table)
        early = (frame["ts_recv"] <= frame["ts_event"]).to_numpy()
        findings.append(
            violations(
                ctx,
                table,
                early,
                lambda r, _: [
                    f"ts_recv {a} is not after ts_event {b}"
                    for a, b in zip(r["ts_recv"].to_list(), r["ts_event"].to_list(), strict=True)
                ],
            )
        )
        rows += frame.height
    return outcome(ctx, "ts_recv_after_event", findings, rows)
