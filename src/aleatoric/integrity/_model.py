"""Results of integrity rules: a :class:`RuleResult` per rule, in a :class:`CheckReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aleatoric.errors import IntegrityInputError

__all__ = ["CheckReport", "Example", "IntegrityInputError", "RuleResult"]

#: One offending row: at least ``table``, ``seq``, ``ts_event`` and ``message``.
Example = dict[str, Any]


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule on one dataset.

    Attributes
    ----------
    name
        The rule's registered name.
    passed
        True when the rule found no violation (also when it had nothing to check).
    violations
        The number of offending rows.
    examples
        The first offending rows in ``seq`` order, each a dict with ``table``, ``seq``,
        ``ts_event`` and ``message``.
    rows
        The number of rows the rule examined.
    note
        Why the rule checked less than usual (a table is absent), or an empty string.
    """

    name: str
    passed: bool
    violations: int
    examples: list[Example] = field(default_factory=list)
    rows: int = 0
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON-ready values."""
        return {
            "name": self.name,
            "passed": self.passed,
            "violations": self.violations,
            "rows": self.rows,
            "note": self.note,
            "examples": [dict(e) for e in self.examples],
        }


@dataclass(frozen=True)
class CheckReport:
    """Every rule's result for one dataset, in registry order."""

    path: str
    venue: str
    symbol: str
    rows: int
    results: list[RuleResult]

    @property
    def passed(self) -> bool:
        """Return whether every rule passed."""
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[RuleResult]:
        """Return the results of the rules that found violations."""
        return [r for r in self.results if not r.passed]

    def result(self, name: str) -> RuleResult:
        """Return the result of rule ``name``.

        Raises
        ------
        KeyError
            If the rule was not run.
        """
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(f"rule {name!r} was not run; ran: {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        """Return the names of the rules that ran."""
        return [r.name for r in self.results]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready values."""
        return {
            "path": self.path,
            "venue": self.venue,
            "symbol": self.symbol,
            "rows": self.rows,
            "passed": self.passed,
            "results": [r.to_dict() for r in self.results],
        }

    def to_text(self) -> str:
        """Return a plain-text summary: one line per rule, then the failed rules' examples."""
        lines = [f"{self.venue} {self.symbol}: {self.rows:,} rows at {self.path}"]
        for r in self.results:
            status = "PASS" if r.passed else "FAIL"
            note = f" ({r.note})" if r.note else ""
            lines.append(f"  {status} {r.name}: {r.violations:,} violation(s){note}")
        for r in self.failed:
            lines.append(f"{r.name}:")
            lines += [
                f"  {e['table']} seq={e['seq']} ts_event={e['ts_event']}: {e['message']}"
                for e in r.examples
            ]
        return "\n".join(lines)
