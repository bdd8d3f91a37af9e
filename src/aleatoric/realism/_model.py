"""Result types of the realism scorecard and of compare mode: plain, frozen, JSON-ready."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aleatoric.errors import DatasetError

if TYPE_CHECKING:
    from aleatoric.realism._load import Observations

__all__ = [
    "TICK_LEVEL_IN_VERDICT",
    "Comparison",
    "DatasetError",
    "Distance",
    "Fact",
    "Scorecard",
    "jsonable",
]

#: Whether the tick-level facts count in :attr:`Scorecard.passed` and the report's verdict.
#: Off until the order-flow model meets their bands; their PASS/FAIL is shown either way.
TICK_LEVEL_IN_VERDICT = False


def jsonable(value: Any) -> Any:
    """Return ``value`` with NumPy scalars and arrays as Python values and NaN/inf as ``None``."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class Fact:
    """One stylized fact: the measured value, its band and whether the value lies in it.

    ``passed`` is ``None`` when the band does not apply (information only, another regime or
    asset) or the data are insufficient; ``reason`` then says which. ``min_duration_s`` is the
    shortest dataset the band is judged on (``insufficient`` when the dataset is shorter).
    ``tick_level`` marks the facts of the 100 ms to seconds scale; they count in the verdict
    only when :data:`TICK_LEVEL_IN_VERDICT` is true.
    """

    name: str
    title: str
    value: float | None
    band: str
    passed: bool | None
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    display: str = ""
    tick_level: bool = False
    min_duration_s: float | None = None
    insufficient: bool = False

    @property
    def counts(self) -> bool:
        """Return whether this fact counts in the scorecard's verdict."""
        return TICK_LEVEL_IN_VERDICT or not self.tick_level

    @property
    def value_text(self) -> str:
        """Return the value as shown in tables: ``display`` if set, else 4 significant digits."""
        if self.display:
            return self.display
        if self.value is None or not math.isfinite(self.value):
            return "-"
        return f"{self.value:.4g}"

    @property
    def status(self) -> str:
        """Return ``PASS``, ``FAIL`` or ``N/A``."""
        if self.passed is None:
            return "N/A"
        return "PASS" if self.passed else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        """Return the fact as JSON-ready data."""
        out: dict[str, Any] = jsonable(
            {
                "name": self.name,
                "title": self.title,
                "value": self.value,
                "value_text": self.value_text,
                "band": self.band,
                "passed": self.passed,
                "status": self.status,
                "reason": self.reason,
                "tick_level": self.tick_level,
                "min_duration_s": self.min_duration_s,
                "insufficient": self.insufficient,
                "details": dict(self.details),
            }
        )
        return out


@dataclass(frozen=True, eq=False)
class Scorecard:
    """Every stylized fact of one dataset; ``observations`` keeps the loaded series for plots.

    ``scenarios`` holds the measures of the dataset's stress scenarios checked against their
    configured shapes; they count in the verdict like the facts. ``stressed`` lists the spans
    ``[lo, hi)`` (ns) left out of the calm facts.
    """

    path: str
    venue: str
    symbol: str
    preset: str
    seed: int | None
    facts: tuple[Fact, ...]
    observations: Observations | None = field(default=None, repr=False)
    scenarios: tuple[Fact, ...] = ()
    stressed: tuple[tuple[int, int], ...] = ()

    @property
    def insufficient(self) -> tuple[Fact, ...]:
        """Return the facts that count in the verdict but are N/A for lack of data."""
        return tuple(f for f in self.facts if f.insufficient and f.counts)

    @property
    def verdict(self) -> str:
        """Return ``FAIL``, ``INSUFFICIENT DATA`` or ``PASS``.

        ``FAIL`` when a counted band fails; else ``INSUFFICIENT DATA`` when a counted fact is
        N/A because the dataset is shorter than it needs; else ``PASS``.
        """
        if self.failed:
            return "FAIL"
        return "INSUFFICIENT DATA" if self.insufficient else "PASS"

    @property
    def min_duration_s(self) -> float:
        """Return the dataset length every counted fact needs (0 when none has a minimum)."""
        needs = [f.min_duration_s for f in self.facts if f.counts and f.min_duration_s]
        return max(needs, default=0.0)

    @property
    def passed(self) -> bool:
        """Return whether every applicable band that counts passes (N/A does not count)."""
        return not self.failed

    @property
    def failed(self) -> tuple[Fact, ...]:
        """Return the facts (and scenario measures) that count and whose band fails."""
        return tuple(f for f in self.facts + self.scenarios if f.passed is False and f.counts)

    def fact(self, name: str) -> Fact:
        """Return the fact (or scenario measure) called ``name``."""
        for f in self.facts + self.scenarios:
            if f.name == name:
                return f
        raise KeyError(f"no fact {name!r}; facts: {', '.join(f.name for f in self.facts)}")

    def to_dict(self) -> dict[str, Any]:
        """Return the scorecard as JSON-ready data (without the raw series)."""
        counts = {s: sum(f.status == s for f in self.facts) for s in ("PASS", "FAIL", "N/A")}
        return {
            "path": self.path,
            "venue": self.venue,
            "symbol": self.symbol,
            "preset": self.preset,
            "seed": self.seed,
            "passed": self.passed,
            "verdict": self.verdict,
            "insufficient": [f.name for f in self.insufficient],
            "min_duration_s": self.min_duration_s,
            "counts": counts,
            "facts": [f.to_dict() for f in self.facts],
            "scenarios": [f.to_dict() for f in self.scenarios],
            "stressed": [list(span) for span in self.stressed],
        }


@dataclass(frozen=True, eq=False)
class Distance:
    """The 1-Wasserstein distance between one quantity's distributions in two datasets.

    ``a`` and ``b`` hold the samples themselves (not serialized), for plots.
    """

    name: str
    title: str
    unit: str
    w1: float
    a_stats: Mapping[str, float]
    b_stats: Mapping[str, float]
    a: Any = field(default=None, repr=False)
    b: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the distance and both summaries as JSON-ready data."""
        out: dict[str, Any] = jsonable(
            {
                "name": self.name,
                "title": self.title,
                "unit": self.unit,
                "wasserstein1": self.w1,
                "a": dict(self.a_stats),
                "b": dict(self.b_stats),
            }
        )
        return out


@dataclass(frozen=True, eq=False)
class Comparison:
    """Distribution distances between dataset ``a`` and dataset ``b``."""

    a_path: str
    b_path: str
    a_label: str
    b_label: str
    distances: tuple[Distance, ...]
    a_facts: tuple[Fact, ...] = ()
    b_facts: tuple[Fact, ...] = ()
    b_observations: Observations | None = field(default=None, repr=False)

    def fact_pairs(self) -> list[tuple[Fact, Fact]]:
        """Return each fact of A with the same fact of B (facts both scorecards have)."""
        b = {f.name: f for f in self.b_facts}
        return [(f, b[f.name]) for f in self.a_facts if f.name in b]

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as JSON-ready data."""
        return {
            "a": {"path": self.a_path, "label": self.a_label},
            "b": {"path": self.b_path, "label": self.b_label},
            "distances": [d.to_dict() for d in self.distances],
            "facts": [
                {"name": a.name, "title": a.title, "tick_level": a.tick_level, "band": a.band,
                 "a": a.to_dict(), "b": b.to_dict()}
                for a, b in self.fact_pairs()
            ],
        }  # fmt: skip
