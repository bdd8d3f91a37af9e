"""Flow parameters per minute block: arrays a scenario overlay changes over its window.

Rates, the market maker's depth, spread and quote band, the lean of informed flow and the
side of metaorders are derived from the skeleton's activity and volatility minute by minute
(draw), then passed through the overlay step (a liquidity void thins ``mm_depth`` and widens
the spread over its window; a flash crash also sends one-sided metaorders, see
``_scenarios.py``), then read by each minute's flow draw and by the kernel (integrate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from aleatoric.config import Preset
from aleatoric.reactor._flow import STEPS_PER_MINUTE, FlowRow
from aleatoric.reactor._scenarios import ScenarioWindow, cascade_of
from aleatoric.reactor._skeleton import HISTORY_MINUTES, Skeleton

__all__ = ["PRICE_PROTECTION", "FlowParams", "flow_params"]

#: Market order price protection, as a fraction of the latent price (half the 5 % band that
#: the integrity check holds trades to).
PRICE_PROTECTION = 0.025

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FlowParams:
    """Per skeleton minute: rates per second, maker depth (base asset), band, lean.

    ``width`` is the maker's spread in price steps (1 unless a scenario widens it) and
    ``meta_sell`` the probability that a metaorder sells (0.5 unless a crash pushes it);
    ``touch`` multiplies the share of limit orders placed at the quote; ``protect`` is how
    far beyond the market maker's quote a market order fills at most (a fraction of the
    price; 0 = no limit): the preset's sweep limit, the venue's price protection in a scenario.
    """

    limit_rate: F64
    market_rate: F64
    meta_rate: F64
    mm_depth: F64
    band_frac: F64  # quote band as a fraction of the price
    lean: F64
    width: F64
    meta_sell: F64
    touch: F64
    protect: F64
    #: Forced market sells of liquidation cascades by skeleton minute: (fraction of the
    #: minute, size in the maker's calm quote size) per order.
    forced: dict[int, tuple[F64, F64]] = field(default_factory=dict)

    def row(self, i: int, burst: F64) -> FlowRow:
        """Return what a minute's flow draw reads (skeleton index ``i``, its latent bursts)."""
        return FlowRow(
            limit_rate=float(self.limit_rate[i]),
            market_rate=float(self.market_rate[i]),
            meta_rate=float(self.meta_rate[i]),
            mm_depth=float(self.mm_depth[i]),
            burst=burst,
            meta_sell=float(self.meta_sell[i]),
            touch=float(self.touch[i]),
            forced=self.forced.get(i),
        )


def _overlay(
    params: FlowParams, skeleton: Skeleton, scenarios: tuple[ScenarioWindow, ...],
    key: tuple[int, int] | None,
) -> FlowParams:  # fmt: skip
    # Scenarios change the parameters of their window's minutes only (in place on the fresh
    # arrays); minutes outside every window keep their values exactly.
    n = params.mm_depth.shape[0]
    for w in scenarios:
        v = w.values()
        if "depth" not in v:
            continue  # a funding squeeze acts on the basis only (skeleton)
        lo = min(n, w.first_minute + HISTORY_MINUTES)
        hi = min(n, lo + w.minutes)
        # Quotes are pulled from the touch (the maker's and others'); the book behind it
        # keeps its flow, so a sweep meets resting orders within a few basis points.
        params.mm_depth[lo:hi] *= v["depth"]
        params.touch[lo:hi] *= v["depth"]
        params.band_frac[lo:hi] *= v["band"]
        params.width[lo:hi] = np.maximum(params.width[lo:hi], v["spread"])
        # A stressed book is walked as far as the venue's price protection allows.
        params.protect[lo:hi] = PRICE_PROTECTION
        if w.kind in ("flash-crash", "liquidation-cascade"):
            fall = min(n, lo + w.fall_minutes)
            if skeleton.drift is not None:
                # The maker moves at most four bands per step: keep the band at least half
                # the crash's fall per step, so the book follows it (the latent price does not
                # run away from the traded price beyond the venue's price band).
                speed = np.abs(skeleton.drift[lo:fall]) / STEPS_PER_MINUTE
                params.band_frac[lo:fall] = np.maximum(params.band_frac[lo:fall], 0.5 * speed)
            if w.kind == "flash-crash":
                params.meta_rate[lo:fall] *= v["meta"]
                params.meta_sell[lo:fall] = v["sell_share"]
                params.lean[lo:fall] *= v["lean"]
        if w.kind == "liquidation-cascade" and key is not None:
            seed, instrument = key
            c = cascade_of(w, seed=seed, instrument=instrument, minutes=w.minutes)
            for m in np.unique(c.minute).tolist():
                if lo + m < n:
                    k = c.minute == m
                    params.forced[lo + m] = (c.frac[k], c.size[k])
    return params


def flow_params(
    preset: Preset, skeleton: Skeleton, scenarios: tuple[ScenarioWindow, ...] = (),
    *, key: tuple[int, int] | None = None,
) -> FlowParams:  # fmt: skip
    """Return the flow parameters of every skeleton minute.

    ``key`` (seed, instrument key) draws the forced orders of liquidation cascades.
    """
    volume = skeleton.activity * np.exp(skeleton.season)
    params = FlowParams(
        limit_rate=preset.limit_rate_s * volume,
        market_rate=preset.market_rate_s * volume,
        meta_rate=preset.meta_rate_s * volume,
        mm_depth=preset.mm_depth * np.power(skeleton.activity, -preset.mm_thin_exponent),
        band_frac=preset.quote_band * skeleton.sigma / math.sqrt(STEPS_PER_MINUTE),
        lean=np.full(skeleton.sigma.shape, preset.informed_lean),
        width=np.ones(skeleton.sigma.shape),
        meta_sell=np.full(skeleton.sigma.shape, 0.5),
        touch=np.ones(skeleton.sigma.shape),
        # Venues refuse market fills far from the mark (Binance's percent-price filter,
        # Hyperliquid's oracle band): a large child order meeting a thin stretch of book
        # expires beyond PRICE_PROTECTION instead of walking to a price the venue would reject.
        # Outside stress scenarios aggressive orders are marketable limit orders priced at most
        # ``sweep_limit_bps`` beyond the quote (execution algorithms cap their slippage): the
        # rest expires, and the book beyond that price stays.
        protect=np.full(skeleton.sigma.shape, min(PRICE_PROTECTION, 1e-4 * preset.sweep_limit_bps)),
    )
    return _overlay(params, skeleton, scenarios, key)
