"""Stress scenarios in the reactor: a latent-price shape and a flow-parameter overlay.

A scenario acts only through the model's own inputs, never on prices after the fact:

- in the skeleton's overlay step a flash crash adds a per-minute drift to the latent log
  price: a fall of ``drop`` over ``fall_min`` minutes (the split of the fall across those
  minutes drawn from the scenario's own keyed stream), then a recovery of ``recovery`` of it
  with half-life ``half_life_min``, which continues after the window;
- in the flow parameters' overlay step every scenario thins the maker's depth and the limit
  order rate (``depth``), widens the maker's spread (``spread``) and quote band (``band``)
  over its window; a crash also multiplies the metaorder rate (``meta``), makes metaorders
  sell (``sell_share``) and strengthens the informed lean (``lean``) while it falls.

Minutes before a window keep their values exactly; see docs/scenarios.md for what changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, stream_rng
from aleatoric.config import DatasetConfig
from aleatoric.reactor._cascade import Cascade, cascade

__all__ = [
    "ScenarioWindow",
    "basis_offset",
    "cascade_of",
    "crash_drift",
    "effective_params",
    "oi_offset",
    "scenario_windows",
]

F64 = npt.NDArray[np.float64]
NS_PER_MINUTE = 60_000_000_000
#: Scenario kinds that change the simulation (a venue outage changes native captures only).
REACTOR_KINDS = ("flash-crash", "liquidity-void", "funding-squeeze", "liquidation-cascade")


@dataclass(frozen=True)
class ScenarioWindow:
    """One scenario on one instrument, in dataset minutes; hashable (a cache key part)."""

    kind: str
    first_minute: int
    minutes: int
    intensity: float
    params: tuple[tuple[str, float], ...]

    def values(self) -> dict[str, float]:
        """Return the parameters with ``intensity`` applied (see :func:`effective_params`)."""
        return effective_params(dict(self.params), self.intensity)

    @property
    def fall_minutes(self) -> int:
        """Return the whole minutes of a crash's fall (a cascade's window; 0 for others)."""
        if self.kind == "liquidation-cascade":
            return self.minutes
        fall = dict(self.params).get("fall_min")
        return 0 if fall is None else max(1, min(self.minutes, round(fall)))


def effective_params(params: dict[str, float], intensity: float) -> dict[str, float]:
    """Scale a scenario's stress by ``intensity``: 1 leaves it, 0.5 halves it, 2 doubles it.

    Multiples move toward or away from 1 (no stress) linearly, the depth multiple and the
    drop geometrically/linearly so that they stay in range.
    """
    out = dict(params)
    k = intensity
    for name in ("spread", "band", "meta", "lean"):
        if name in out:
            out[name] = max(1.0, 1.0 + (out[name] - 1.0) * k)
    if "depth" in out:
        out["depth"] = out["depth"] ** k
    if "drop" in out:
        out["drop"] = min(0.9, out["drop"] * k)
    if "trigger" in out:
        out["trigger"] = min(0.3, out["trigger"] * k)
    if "premium_bps" in out:
        out["premium_bps"] = out["premium_bps"] * k
    if "sell_share" in out:
        out["sell_share"] = min(1.0, 0.5 + (out["sell_share"] - 0.5) * k)
    return out


def scenario_windows(config: DatasetConfig) -> tuple[ScenarioWindow, ...]:
    """Return the scenarios of a single-instrument config, in dataset minutes."""
    ref = config.instruments[0]
    out = []
    for o in config.overlays:
        if o.kind not in REACTOR_KINDS or o.instrument not in (None, ref):
            continue
        assert o.duration is not None  # validated: a scenario has a positive duration
        out.append(
            ScenarioWindow(
                kind=o.kind,
                first_minute=o.start // NS_PER_MINUTE,
                minutes=o.duration // NS_PER_MINUTE,
                intensity=1.0 if o.intensity is None else float(o.intensity),
                params=tuple(sorted(o.scenario_params().items())),
            )
        )
    return tuple(out)


def crash_offset(window: ScenarioWindow, *, seed: int, instrument: int, minutes: int) -> F64:
    """Return a crash's log-price offset at the start of minutes ``0..minutes`` of it."""
    v = window.values()
    fall = window.fall_minutes
    rng = stream_rng(seed, instrument, Stream.SCENARIO, window.first_minute)
    # Uneven minutes of the fall: some minutes carry most of it, as real crashes come in legs.
    w = rng.gamma(2.0, 1.0, fall)
    cum = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    low = math.log(1.0 - v["drop"])
    m = np.arange(minutes + 1, dtype=np.float64)
    after = m - fall
    recovered = v["recovery"] * (1.0 - np.power(2.0, -np.maximum(after, 0.0) / v["half_life_min"]))
    out = low * (1.0 - recovered)
    head = min(fall + 1, minutes + 1)
    out[:head] = low * cum[:head]
    return out


def basis_offset(windows: tuple[ScenarioWindow, ...], *, n: int, origin: int) -> F64 | None:
    """Return the basis added by every funding squeeze per skeleton minute (``None``: none).

    The premium builds linearly to ``premium_bps`` over ``ramp_min`` minutes, holds to the
    window's end and decays with ``half_life_min`` after it.
    """
    squeezes = [w for w in windows if w.kind == "funding-squeeze"]
    if not squeezes:
        return None
    out = np.zeros(n)
    for w in squeezes:
        v = w.values()
        first = w.first_minute + origin
        if first >= n:
            continue
        m = np.arange(n - first, dtype=np.float64)
        level = np.minimum(1.0, m / v["ramp_min"])
        after = np.maximum(0.0, m - w.minutes)
        out[first:] += 1e-4 * v["premium_bps"] * level * np.power(2.0, -after / v["half_life_min"])
    return out


def cascade_of(window: ScenarioWindow, *, seed: int, instrument: int, minutes: int) -> Cascade:
    """Return the cascade of a ``liquidation-cascade`` window over ``minutes`` from its start."""
    return cascade(window.values(), window_minutes=window.minutes, first_minute=window.first_minute,
                   seed=seed, instrument=instrument, minutes=minutes)  # fmt: skip


def oi_offset(
    windows: tuple[ScenarioWindow, ...], *, seed: int, instrument: int, n: int, origin: int
) -> F64 | None:
    """Return the log open interest every cascade removes per skeleton minute (``None``: none)."""
    cascades = [w for w in windows if w.kind == "liquidation-cascade"]
    if not cascades:
        return None
    out = np.zeros(n)
    for w in cascades:
        first = w.first_minute + origin
        if first >= n:
            continue
        c = cascade_of(w, seed=seed, instrument=instrument, minutes=n - first)
        out[first:] += c.oi[: n - first]
    return out


def crash_drift(
    windows: tuple[ScenarioWindow, ...], *, seed: int, instrument: int, n: int, origin: int
) -> F64 | None:
    """Return the per-minute log-price drift of every crash (``None`` without one).

    Index ``i`` of the result is skeleton minute ``i``; dataset minute 0 is index ``origin``.
    """
    crashes = [w for w in windows if w.kind in ("flash-crash", "liquidation-cascade")]
    if not crashes:
        return None
    drift = np.zeros(n)
    for w in crashes:
        first = w.first_minute + origin
        if first >= n:
            continue
        if w.kind == "flash-crash":
            offset = crash_offset(w, seed=seed, instrument=instrument, minutes=n - first)
        else:
            offset = cascade_of(w, seed=seed, instrument=instrument, minutes=n - first).offset
        drift[first:] += np.diff(offset)
    return drift
