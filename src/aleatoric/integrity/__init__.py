"""Data-integrity assertions on canonical Parquet datasets.

Every rule holds for every venue, parameterized by the dataset's instrument::

    from aleatoric.integrity import check_dataset

    report = check_dataset("data/btc-calm")
    assert report.passed, report.to_text()
"""

from aleatoric.integrity._check import (
    check_dataset,
    check_instruments,
    rule_names,
    select_rules,
)
from aleatoric.integrity._context import CheckContext, CheckTarget, open_targets
from aleatoric.integrity._model import CheckReport, Example, IntegrityInputError, RuleResult
from aleatoric.integrity._native import FRAME_RULES, check_capture
from aleatoric.integrity._registry import RULES, Rule, rule

__all__ = [
    "FRAME_RULES",
    "RULES",
    "CheckContext",
    "CheckReport",
    "CheckTarget",
    "Example",
    "IntegrityInputError",
    "Rule",
    "RuleResult",
    "check_capture",
    "check_dataset",
    "check_instruments",
    "open_targets",
    "rule",
    "rule_names",
    "select_rules",
]
