"""Run integrity rules on a dataset: :func:`check_dataset`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# isort: off
# Importing the rule modules registers their rules; this order is the report order.
from aleatoric.integrity import _rules_grid, _rules_time, _rules_book, _rules_perp  # noqa: F401
from aleatoric.integrity import _rules_ids, _rules_band  # noqa: F401

# isort: on
from aleatoric.integrity._context import CheckContext, open_dataset, plan_columns
from aleatoric.integrity._decoded import capture_rules, decoded_capture
from aleatoric.integrity._model import CheckReport, Example, IntegrityInputError, RuleResult
from aleatoric.integrity._registry import RULES, Rule

__all__ = ["check_dataset", "rule_names", "select_rules"]


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


def check_dataset(
    path: str | Path, *, rules: Sequence[str] | None = None, max_examples: int = 5
) -> CheckReport:
    """Check a canonical dataset against integrity rules.

    Parameters
    ----------
    path
        The dataset directory (``manifest.json`` and one directory per table).
    rules
        Names of the rules to run; all of them when ``None``.
    max_examples
        Offending rows to keep per rule, first by ``seq``.

    Returns
    -------
    CheckReport
        One result per rule, in registry order.

    Raises
    ------
    IntegrityInputError
        If the directory is missing, holds no canonical table, names an unknown instrument,
        or a rule name is unknown (the message lists the allowed names).
    """
    dataset = open_dataset(path)
    decoded = decoded_capture(dataset.root)
    # The truncation of the capture a folder was decoded from is reported when every rule
    # runs; `check` of the capture itself reports it from the capture.
    report_cut = decoded is not None and bool(decoded.get("truncated")) and rules is None
    if decoded is not None and rules is None:
        # A normalized capture gets the rule set `check` applies to the capture itself.
        rules = capture_rules(dataset.venue)
    selected = select_rules(rules)
    ctx = CheckContext(
        dataset, plan_columns(dataset, (r.needs for r in selected)), max_examples=max_examples
    )
    results = [r.check(ctx) for r in selected]
    if report_cut and decoded is not None:
        cut: Example = {"table": "capture", "seq": 0, "ts_event": 0,
                        "message": str(decoded["truncated"])}  # fmt: skip
        results.append(RuleResult("capture_complete", False, 1, [cut], 0))
    rows = sum(ctx.frame(t).height for t in ctx.columns)
    return CheckReport(str(dataset.root), dataset.venue, dataset.symbol, rows, results)
