"""Liquidation cascade: a synthetic book of leveraged longs, liquidated as the price crosses.

The cascade is drawn from the scenario's own keyed stream (``Stream.SCENARIO`` keyed by the
window's first minute), in prices relative to the latent price at the window's start, so it
depends on the scenario's parameters and the seed only: the reactor, the labels and the
``liquidations`` table all compute the same schedule.

- ``positions`` long positions, each with a leverage drawn lognormally around ``leverage``
  (capped to 2-125x), an entry within about 0.5 % of the start price and a size drawn
  lognormally around ``position_size`` (in the maker's calm quote size). A position is
  liquidated when the price falls to ``entry * (1 - 1/leverage + MAINTENANCE)``.
- Minute by minute over the window, the trigger moves the latent log price down by its share
  of ``log(1 - trigger)``; every position whose level the price reaches fires a forced sell,
  and the share of the at-risk book liquidated in the minute pushes the price further down by
  ``log(1 - impact * share)`` in the same minute, which may reach further levels (repeated
  until none is reached). A forced order's time inside its minute is where the minute's
  straight path crosses its level.
- Open interest loses ``oi_share`` times the liquidated share of the book as they fire.
- After the window the price regains ``recovery`` of the fall with half-life
  ``half_life_min``; open interest stays lower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, stream_rng

__all__ = ["MAINTENANCE", "Cascade", "cascade"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
#: Maintenance margin of the synthetic positions (fraction of the notional).
MAINTENANCE = 0.005
#: The cascade's fall is capped at this log price (a 70 % fall).
FLOOR = math.log(0.3)


@dataclass(frozen=True)
class Cascade:
    """A cascade's latent offsets and its forced orders.

    ``offset`` and ``oi`` are log offsets of the price and the open interest at the start of
    minutes ``0..minutes`` from the window's start. Forced order ``k`` fires in minute
    ``minute[k]`` of the window at ``frac[k]`` of it, selling ``size[k]`` maker quote sizes.
    """

    offset: F64
    oi: F64
    minute: I64
    frac: F64
    size: F64


def cascade(
    values: dict[str, float], *, window_minutes: int, first_minute: int, seed: int,
    instrument: int, minutes: int,
) -> Cascade:  # fmt: skip
    """Return the cascade of one window (``values``: its parameters with intensity applied)."""
    v = values
    rng = stream_rng(seed, instrument, Stream.SCENARIO, first_minute)
    n = max(1, round(v["positions"]))
    leverage = np.clip(np.exp(rng.normal(math.log(v["leverage"]), 0.5, n)), 2.0, 125.0)
    entry = rng.normal(0.0, 0.005, n)
    level = entry + np.log(1.0 - 1.0 / leverage + MAINTENANCE)
    size = rng.lognormal(math.log(v["position_size"]), 1.0, n)
    share = size / size.sum()
    trigger_min = max(1, min(window_minutes, round(v["trigger_min"])))
    trigger = math.log(1.0 - v["trigger"]) / trigger_min
    offset = np.zeros(minutes + 1)
    oi = np.zeros(minutes + 1)
    fired = np.full(n, -1, dtype=np.int64)
    frac = np.zeros(n)
    done = 0.0
    push = 0.0  # the previous minute's liquidations, pushing this minute down
    for m in range(min(window_minutes, minutes)):
        start = offset[m]
        step = (trigger if m < trigger_min else 0.0) + push
        end = max(FLOOR, start + step)
        hit = (fired < 0) & (level >= end)
        fired[hit] = m
        if hit.any() and end < start:
            frac[hit] = np.clip((start - level[hit]) / (start - end), 0.0, 0.999)
        liquidated = float(share[hit].sum())
        done += liquidated
        push = math.log(max(0.05, 1.0 - v["impact"] * liquidated))
        offset[m + 1] = end
        oi[m + 1] = math.log(max(1e-3, 1.0 - v["oi_share"] * done))
    last = min(window_minutes, minutes)
    fall = offset[last]
    after = np.arange(minutes + 1 - last, dtype=np.float64)
    regained = v["recovery"] * (1.0 - np.power(2.0, -after / v["half_life_min"]))
    offset[last:] = fall * (1.0 - regained)
    oi[last:] = oi[last]
    order = np.flatnonzero(fired >= 0)
    order = order[np.lexsort((frac[order], fired[order]))]
    return Cascade(offset, oi, fired[order], frac[order], size[order])
