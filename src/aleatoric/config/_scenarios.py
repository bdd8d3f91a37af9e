"""Stress-scenario kinds, their parameters, and the named presets in ``data/scenarios.toml``.

A scenario is an overlay entry (``kind``, ``start``, ``duration``, ``intensity``, ``params``)
whose kind is registered here. This module only describes and validates; the reactor applies
a scenario in the skeleton's overlay step (the latent drop of a crash) and in the flow
parameters' overlay step (depth, spread, band, one-sided flow), see ``reactor/_scenarios.py``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "SCENARIO_KINDS",
    "ParamSpec",
    "ScenarioKind",
    "ScenarioPreset",
    "resolve_params",
    "scenario_presets",
]


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a scenario kind: default, allowed closed range, what it means."""

    default: float
    low: float
    high: float
    doc: str


@dataclass(frozen=True)
class ScenarioKind:
    """A scenario kind: one-line description and its parameters by name."""

    description: str
    params: dict[str, ParamSpec]


_STRESS = {
    "depth": ParamSpec(0.1, 0.001, 1.0, "multiple of the depth quoted at the touch"),
    "spread": ParamSpec(8.0, 1.0, 200.0, "multiple of the maker's spread (one price step)"),
    "band": ParamSpec(3.0, 1.0, 50.0, "multiple of the maker's quote band (slower requotes)"),
}

#: Scenario kinds by name.
SCENARIO_KINDS: dict[str, ScenarioKind] = {
    "flash-crash": ScenarioKind(
        "one-sided sell metaorders, liquidity withdrawal, spread widening and a latent drop "
        "of `drop` over `fall_min` minutes, `recovery` of it regained with `half_life_min`",
        {
            "drop": ParamSpec(0.08, 0.001, 0.5, "fraction of the price lost at the trough"),
            "fall_min": ParamSpec(5.0, 1.0, 240.0, "minutes from the start to the trough"),
            "recovery": ParamSpec(0.5, 0.0, 1.0, "fraction of the drop regained afterwards"),
            "half_life_min": ParamSpec(10.0, 0.5, 1440.0, "half-life of the recovery, minutes"),
            **_STRESS,
            "sell_share": ParamSpec(0.9, 0.5, 1.0, "share of metaorders that sell"),
            "meta": ParamSpec(4.0, 1.0, 100.0, "multiple of the metaorder rate"),
            "lean": ParamSpec(2.0, 1.0, 10.0, "multiple of the informed lean"),
        },
    ),
    "funding-squeeze": ScenarioKind(
        "a persistent basis blow-out: the perp's premium over the index rises to "
        "`premium_bps` over `ramp_min` minutes, holds over the window and decays after it with "
        "`half_life_min`, pushing funding toward its cap",
        {
            "premium_bps": ParamSpec(60.0, 1.0, 400.0, "premium of the perp over the index"),
            "ramp_min": ParamSpec(10.0, 1.0, 1440.0, "minutes for the premium to build up"),
            "half_life_min": ParamSpec(30.0, 0.5, 1440.0, "half-life of the decay afterwards"),
        },
    ),
    "venue-outage": ScenarioKind(
        "the venue's feed goes silent over the window (native captures lose every message, "
        "listed in the drops table), then the venue's own resync (Binance REST snapshot and "
        "`pu` chain restart, Bybit and OKX snapshot); canonical tables are unchanged",
        {},
    ),
    "liquidation-cascade": ScenarioKind(
        "a `trigger` fall over `trigger_min` minutes crosses the liquidation levels of a "
        "synthetic book of leveraged longs; each crossed position sends a forced market sell, "
        "each minute's liquidations push the price further (`impact`) and open interest falls; "
        "depth thins and the spread widens over the window; `recovery` of the fall regained "
        "after it with `half_life_min`",
        {
            "trigger": ParamSpec(0.03, 0.001, 0.3, "fraction of the price lost by the trigger"),
            "trigger_min": ParamSpec(2.0, 1.0, 60.0, "minutes the trigger takes"),
            "positions": ParamSpec(300.0, 1.0, 5000.0, "leveraged long positions at risk"),
            "position_size": ParamSpec(
                1.0, 0.01, 100.0, "median size of one, multiple of the maker's calm quote size"
            ),
            "leverage": ParamSpec(25.0, 2.0, 125.0, "median leverage of the positions"),
            "impact": ParamSpec(
                0.15, 0.0, 0.9, "fall over the next minute per unit of the book liquidated"
            ),
            "oi_share": ParamSpec(0.1, 0.0, 0.9, "share of open interest the positions hold"),
            "recovery": ParamSpec(0.3, 0.0, 1.0, "fraction of the fall regained after the window"),
            "half_life_min": ParamSpec(15.0, 0.5, 1440.0, "half-life of the recovery, minutes"),
            "depth": ParamSpec(0.3, 0.001, 1.0, _STRESS["depth"].doc),
            "spread": ParamSpec(4.0, 1.0, 200.0, _STRESS["spread"].doc),
            "band": ParamSpec(2.0, 1.0, 50.0, _STRESS["band"].doc),
        },
    ),
    "liquidity-void": ScenarioKind(
        "depth at the touch thins and the spread widens over the window, no forced price move",
        {
            "depth": ParamSpec(0.15, 0.001, 1.0, _STRESS["depth"].doc),
            "spread": ParamSpec(4.0, 1.0, 200.0, _STRESS["spread"].doc),
            "band": ParamSpec(2.0, 1.0, 50.0, _STRESS["band"].doc),
        },
    ),
}


def resolve_params(kind: str, params: dict[str, float]) -> dict[str, float]:
    """Return a scenario's parameters with defaults filled in; ValueError names the param."""
    spec = SCENARIO_KINDS[kind].params
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise ValueError(
            f"params.{unknown[0]}: not a parameter of {kind}; allowed: "
            f"{', '.join(spec) or 'none (the kind takes no params)'}"
        )
    out = {}
    for name, p in spec.items():
        value = float(params.get(name, p.default))
        if not p.low <= value <= p.high:
            raise ValueError(f"params.{name}: must be in [{p.low:g}, {p.high:g}], was {value:g}")
        out[name] = value
    return out


@dataclass(frozen=True)
class ScenarioPreset:
    """A named scenario: description and the overlay entry it places (without ``start``)."""

    name: str
    description: str
    overlay: dict[str, Any]


@cache
def scenario_presets() -> dict[str, ScenarioPreset]:
    """Return the named scenarios of ``data/scenarios.toml``, by name."""
    text = resources.files("aleatoric.config").joinpath("data/scenarios.toml").read_text()
    out = {}
    for name, entry in tomllib.loads(text).items():
        entry = dict(entry)
        description = str(entry.pop("description"))
        out[name] = ScenarioPreset(name, description, entry)
    return out
