"""Flow parameters per minute block: arrays a future overlay can change over a window.

Rates, the market maker's depth, the quote band and the lean of informed flow are derived
from the skeleton's activity and volatility minute by minute (draw), then passed through the
overlay seam (a liquidity void, say, would thin ``mm_depth`` and raise rates over its window),
then read by each minute's flow draw and by the kernel (integrate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric.config import Preset
from aleatoric.reactor._flow import STEPS_PER_MINUTE, FlowRow
from aleatoric.reactor._skeleton import Skeleton

__all__ = ["FlowParams", "flow_params"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FlowParams:
    """Per skeleton minute: rates per second, maker depth (base asset), band, lean."""

    limit_rate: F64
    market_rate: F64
    meta_rate: F64
    mm_depth: F64
    band_frac: F64  # quote band as a fraction of the price
    lean: F64

    def row(self, i: int, burst: F64) -> FlowRow:
        """Return what a minute's flow draw reads (skeleton index ``i``, its latent bursts)."""
        return FlowRow(
            limit_rate=float(self.limit_rate[i]),
            market_rate=float(self.market_rate[i]),
            meta_rate=float(self.meta_rate[i]),
            mm_depth=float(self.mm_depth[i]),
            burst=burst,
        )


def _overlay(params: FlowParams) -> FlowParams:
    # The overlay seam for flow parameters; no overlays exist yet.
    return params


def flow_params(preset: Preset, skeleton: Skeleton) -> FlowParams:
    """Return the flow parameters of every skeleton minute."""
    volume = skeleton.activity * np.exp(skeleton.season)
    params = FlowParams(
        limit_rate=preset.limit_rate_s * volume,
        market_rate=preset.market_rate_s * volume,
        meta_rate=preset.meta_rate_s * volume,
        mm_depth=preset.mm_depth * np.power(skeleton.activity, -preset.mm_thin_exponent),
        band_frac=preset.quote_band * skeleton.sigma / math.sqrt(STEPS_PER_MINUTE),
        lean=np.full(skeleton.sigma.shape, preset.informed_lean),
    )
    return _overlay(params)
