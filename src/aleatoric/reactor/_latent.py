"""The latent fair price inside each minute: a Brownian bridge between skeleton endpoints.

Each minute's path is drawn from that minute's own keyed stream and pinned to the skeleton's
endpoints, so any minute can be produced alone. A jump, if the skeleton has one in the
minute, unfolds as a ramp over a drawn number of steps from its drawn instant.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, stream_rng
from aleatoric.reactor._flow import STEPS_PER_MINUTE
from aleatoric.reactor._skeleton import Skeleton

__all__ = ["SECONDS", "latent_log_path"]

SECONDS = 60
#: Steps between the end of a jump ramp and the end of its minute.
RAMP_MARGIN = 50


def latent_log_path(
    skeleton: Skeleton,
    *,
    seed: int,
    instrument: int,
    first_minute: int,
    last_minute: int,
    ramp_steps: int,
    burst_sigma: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return the latent log price at every step of minutes ``[first_minute, last_minute)``
    and each second's variance multiplier (``[minute, second]``, mean 1 in each minute).

    Inside a minute, variance arrives in bursts: each second gets a log-normal multiplier
    (``burst_sigma``), and the bridge is pinned in that business time. Seconds with little
    variance leave the quotes alone; busy seconds move them several times, as real markets do.
    """
    minutes = last_minute - first_minute
    out = np.empty((minutes, STEPS_PER_MINUTE))
    bursts = np.empty((minutes, SECONDS))
    per_second = STEPS_PER_MINUTE // SECONDS
    for row, minute in enumerate(range(first_minute, last_minute)):
        i = skeleton.index(minute)
        rng = stream_rng(seed, instrument, Stream.BRIDGE, minute)
        z = rng.standard_normal(STEPS_PER_MINUTE)
        u_ramp = float(rng.random())
        v = rng.lognormal(0.0, burst_sigma, SECONDS)
        v /= v.mean()
        bursts[row] = v
        var = np.repeat(v, per_second) / STEPS_PER_MINUTE
        frac = np.empty(STEPS_PER_MINUTE + 1)
        frac[0] = 0.0
        np.cumsum(var, out=frac[1:])
        frac /= frac[-1]
        walk = np.empty(STEPS_PER_MINUTE + 1)
        walk[0] = 0.0
        np.cumsum(z * np.sqrt(var), out=walk[1:])
        walk *= skeleton.sigma[i]
        bridge = walk - frac * (walk[-1] - skeleton.diffusion[i])
        path = skeleton.log_price_start[i] + bridge[:STEPS_PER_MINUTE]
        if skeleton.drift is not None:
            # A scenario's drift, evenly over the minute's clock time.
            path += skeleton.drift[i] * (np.arange(STEPS_PER_MINUTE) / STEPS_PER_MINUTE)
        # A jump unfolds over a ramp of ``ramp`` steps (up to ``jump_ramp_s``), not in one
        # step: large moves come as bursts of flow over seconds.
        ramp = 1 + int(u_ramp * (ramp_steps - 1))
        # The ramp ends at least ``RAMP_MARGIN`` steps before the minute does, so a jump is
        # whole inside its minute on any sampling grid up to a few seconds.
        jump_step = 1 + int(skeleton.jump_at[i] * (STEPS_PER_MINUTE - 1 - ramp - RAMP_MARGIN))
        path[jump_step : jump_step + ramp] += skeleton.jump[i] * (np.arange(1, ramp + 1) / ramp)
        path[jump_step + ramp :] += skeleton.jump[i]
        out[row] = path
    return out.reshape(-1), bursts
