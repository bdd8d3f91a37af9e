"""The latent fair price inside each minute: a Brownian bridge between skeleton endpoints.

Each minute's path is drawn from that minute's own keyed stream and pinned to the skeleton's
endpoints, so any minute can be produced alone. A jump, if the skeleton has one in the
minute, is a step at its drawn instant.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, stream_rng
from aleatoric.reactor._flow import STEPS_PER_MINUTE
from aleatoric.reactor._skeleton import Skeleton

__all__ = ["latent_log_path"]


def latent_log_path(
    skeleton: Skeleton, *, seed: int, instrument: int, first_minute: int, last_minute: int
) -> npt.NDArray[np.float64]:
    """Return the latent log price at every step of minutes ``[first_minute, last_minute)``."""
    minutes = last_minute - first_minute
    out = np.empty((minutes, STEPS_PER_MINUTE))
    frac = np.arange(STEPS_PER_MINUTE + 1) / STEPS_PER_MINUTE
    for row, minute in enumerate(range(first_minute, last_minute)):
        i = skeleton.index(minute)
        z = stream_rng(seed, instrument, Stream.BRIDGE, minute).standard_normal(STEPS_PER_MINUTE)
        walk = np.empty(STEPS_PER_MINUTE + 1)
        walk[0] = 0.0
        np.cumsum(z, out=walk[1:])
        walk *= skeleton.sigma[i] / math.sqrt(STEPS_PER_MINUTE)
        bridge = walk - frac * (walk[-1] - skeleton.diffusion[i])
        path = skeleton.log_price_start[i] + bridge[:STEPS_PER_MINUTE]
        jump_step = 1 + int(skeleton.jump_at[i] * (STEPS_PER_MINUTE - 1))
        path[jump_step:] += skeleton.jump[i]
        out[row] = path
    return out.reshape(-1)
