"""Place named scenarios on a dataset's timeline: ``NAME@ISO_TIME`` -> an overlay entry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aleatoric.config import DatasetConfig, format_duration, parse_duration_ns
from aleatoric.config._scenarios import SCENARIO_KINDS, scenario_presets
from aleatoric.errors import ConfigError

__all__ = ["place_scenarios", "scenario_rows"]


def scenario_rows() -> list[dict[str, str]]:
    """Return one row per named scenario (for ``aleatoric scenarios`` and listings)."""
    rows = []
    for name, p in scenario_presets().items():
        given = p.overlay.get("params", {})
        params = ", ".join(f"{k}={v:g}" for k, v in given.items())
        rows.append({
            "scenario": name, "kind": str(p.overlay["kind"]),
            "duration": str(p.overlay["duration"]), "params": params,
            "description": p.description,
        })  # fmt: skip
    return rows


def _parse_time(text: str) -> datetime:
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    parsed = datetime.fromisoformat(t)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def place_scenarios(specs: list[str], config: DatasetConfig) -> list[dict[str, Any]]:
    """Return the overlay entries of ``NAME@ISO_TIME`` specs on ``config``'s timeline.

    Raises
    ------
    ConfigError
        Naming ``scenario`` with the allowed names, or the time that lies outside the dataset.
    """
    presets = scenario_presets()
    out = []
    for spec in specs:
        name, sep, when = spec.partition("@")
        if name not in presets:
            allowed = ", ".join(presets)
            raise ConfigError([("scenario", f"unknown scenario {name!r}; allowed: {allowed}")])
        if not sep or not when:
            raise ConfigError([("scenario", f"NAME@ISO_TIME (flash-crash@2026-01-01T14:00Z), "
                                            f"was {spec!r}")])  # fmt: skip
        try:
            at = _parse_time(when)
        except ValueError:
            msg = f"{name}: an ISO 8601 UTC time such as 2026-01-01T14:00Z, was {when!r}"
            raise ConfigError([("scenario", msg)]) from None
        offset = int((at - config.start).total_seconds()) * 1_000_000_000
        entry = dict(presets[name].overlay)
        length = parse_duration_ns(entry["duration"])
        if offset < 0 or offset + length > config.duration or offset % 60_000_000_000:
            raise ConfigError([(
                "scenario",
                f"{name}@{when}: a {format_duration(length)} window must start on a whole "
                f"minute and lie inside the dataset ({config.canonical()['start']} + "
                f"{format_duration(config.duration)})",
            )])  # fmt: skip
        if entry["kind"] not in SCENARIO_KINDS:  # a data file error, not a user error
            raise ValueError(f"scenarios.toml: {name} has unknown kind {entry['kind']!r}")
        out.append({**entry, "start": format_duration(offset) if offset else "0s"})
    return out
