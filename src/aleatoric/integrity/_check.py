"""Run integrity rules on a dataset: :func:`check_dataset`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# isort: off
# Importing the rule modules registers their rules; this order is the report order.
from aleatoric.integrity import _rules_grid, _rules_time, _rules_book, _rules_perp  # noqa: F401
from aleatoric.integrity import _rules_ids, _rules_band, _rules_futures  # noqa: F401

# isort: on
from aleatoric.integrity._context import CheckContext, CheckTarget, open_targets, plan_columns
from aleatoric.integrity._decoded import capture_rules, decoded_capture
from aleatoric.integrity._model import CheckReport, Example, IntegrityInputError, RuleResult
from aleatoric.integrity._registry import RULES, Rule

__all__ = ["check_dataset", "check_instruments", "rule_names", "select_rules"]


def rule_names() -> list[str]:
    """Return every registered rule name, in report order."""
    return list(RULES)


def select_rules(names: Sequence[str] | None) -> list[Rule]:
    """Return the rules called ``names`` in registry order, or every rule for ``None``.

    Raises
    ------
    IntegrityInputError
        If a name is not registered or no name is given; the message lists allowed names.
    """
    if names is None:
        return list(RULES.values())
    unknown = [n for n in names if n not in RULES]
    if unknown or not names:
        what = f"unknown rule(s) {', '.join(map(repr, unknown))}" if unknown else "no rule named"
        raise IntegrityInputError(f"{what}; allowed: {', '.join(RULES)}")
    wanted = set(names)
    return [r for r in RULES.values() if r.name in wanted]


def _check(target: CheckTarget, rules: Sequence[str] | None, max_examples: int) -> CheckReport:
    decoded = decoded_capture(target.root)
    # The truncation of the capture a folder was decoded from is reported when every rule
    # runs; `check` of the capture itself reports it from the capture.
    report_cut = decoded is not None and bool(decoded.get("truncated")) and rules is None
    if decoded is not None and rules is None:
        # A normalized capture gets the rule set `check` applies to the capture itself.
        rules = capture_rules(target.venue)
    selected = select_rules(rules)
    needs = (r.needs for r in selected)
    ctx = CheckContext(target, plan_columns(target, needs), max_examples=max_examples)
    results = [r.check(ctx) for r in selected]
    if report_cut and decoded is not None:
        cut: Example = {"table": "capture", "seq": 0, "ts_event": 0,
                        "message": str(decoded["truncated"])}  # fmt: skip
        results.append(RuleResult("capture_complete", False, 1, [cut], 0))
    rows = sum(ctx.frame(t).height for t in ctx.columns)
    return CheckReport(str(target.root), target.venue, target.symbol, rows, results)


def check_dataset(
    path: str | Path,
    *,
    rules: Sequence[str] | None = None,
    max_examples: int = 5,
    instrument: str | None = None,
) -> CheckReport:
    """Check one instrument of a canonical dataset against integrity rules.

    Parameters
    ----------
    path
        The dataset directory (``manifest.json`` and one directory per table).
    rules
        Names of the rules to run; all of them when ``None``.
    max_examples
        Offending rows to keep per rule, first by ``seq``.
    instrument
        ``venue:symbol`` or a symbol; needed only for a dataset of several instruments
        (:func:`check_instruments` checks each of them).

    Returns
    -------
    CheckReport
        One result per rule, in registry order.

    Raises
    ------
    IntegrityInputError
        If the directory is missing, holds no canonical table, names an unknown instrument,
        holds several instruments and none is named, or a rule name is unknown (the message
        lists the allowed names).
    """
    select_rules(rules)  # unknown names fail before the dataset is read
    targets = open_targets(path, instrument)
    if len(targets) > 1:
        listed = ", ".join(f"{t.venue}:{t.symbol}" for t in targets)
        raise IntegrityInputError(
            f"instrument: {path} holds {len(targets)} instruments; name one of {listed} "
            "(or use check_instruments)"
        )
    return _check(targets[0], rules, max_examples)


def check_instruments(
    path: str | Path,
    *,
    rules: Sequence[str] | None = None,
    max_examples: int = 5,
    instrument: str | None = None,
) -> list[CheckReport]:
    """Check every instrument (or the one named) of a dataset; one report per instrument.

    Raises
    ------
    IntegrityInputError
        As :func:`check_dataset`.
    """
    select_rules(rules)
    return [_check(t, rules, max_examples) for t in open_targets(path, instrument)]
