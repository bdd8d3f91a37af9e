"""Regime presets, loaded from ``data/presets.toml``."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AssetScale", "Preset", "get_preset", "presets"]


class AssetScale(BaseModel):
    """Per-asset scales that turn one regime into BTC or ETH magnitudes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial_price: Decimal = Field(gt=0)
    size_scale: float = Field(gt=0)
    sigma_scale: float = Field(gt=0)
    open_interest: float = Field(gt=0)


class Preset(BaseModel):
    """Regime parameters of the latent price and the order flow (units in presets.toml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    sigma_minute: float = Field(gt=0)
    vol_timescales_min: tuple[float, ...]
    vol_stds: tuple[float, ...]
    jump_rate_per_day: float = Field(ge=0)
    jump_scale: float = Field(ge=0)
    jump_exponent: float
    activity_exponent: float
    activity_slow_exponent: float
    limit_rate_s: float = Field(gt=0)
    touch_prob: float = Field(ge=0, le=1)
    depth_scale_bps: float = Field(gt=0)
    depth_alpha: float = Field(gt=0)
    depth_max_bps: float = Field(gt=0)
    deep_from_bps: float = Field(ge=0)
    deep_life_factor: float = Field(ge=1)
    sweep_limit_bps: float = Field(gt=0)
    limit_size_median: float = Field(gt=0)
    limit_size_sigma: float = Field(ge=0)
    lifetime_median_s: float = Field(gt=0)
    lifetime_sigma: float = Field(ge=0)
    market_rate_s: float = Field(ge=0)
    market_branching: float = Field(ge=0, lt=1)
    market_same_side: float = Field(ge=0, le=1)
    hawkes_timescales_s: tuple[float, ...]
    hawkes_weights: tuple[float, ...]
    hawkes_add_share: float = Field(ge=0, le=1)
    meta_rate_s: float = Field(ge=0)
    meta_alpha: float = Field(gt=1)
    meta_max_children: int = Field(ge=1)
    meta_gap_s: float = Field(gt=0)
    market_size_median: float = Field(gt=0)
    market_size_sigma: float = Field(ge=0)
    size_tail_prob: float = Field(ge=0, le=1)
    size_tail_min: float = Field(gt=0)
    size_tail_alpha: float = Field(gt=0)
    size_tail_max: float = Field(gt=0)
    size_round_prob: float = Field(ge=0, le=1)
    mm_depth: float = Field(gt=0)
    mm_size_sigma: float = Field(ge=0)
    mm_life_s: float = Field(gt=0)
    mm_thin_exponent: float = Field(ge=0)
    quote_band: float = Field(gt=0)
    informed_lean: float = Field(ge=0, le=0.5)
    mm_hold: float = Field(ge=0)
    stale_take: bool
    flow_impact: float = Field(ge=0)
    impact_timescale_s: float = Field(gt=0)
    impact_cap: float = Field(gt=0)
    inventory_timescale_s: float = Field(gt=0)
    inventory_skew: float = Field(ge=0, lt=1)
    inventory_scale: float = Field(gt=0)
    jump_ramp_s: float = Field(ge=0)
    burst_sigma: float = Field(ge=0)
    burst_coupling: float = Field(ge=0)
    season_sigma_amplitude: float = Field(ge=0)
    season_activity_amplitude: float = Field(ge=0)
    basis_mean_bps: float
    basis_std_bps: float = Field(ge=0)
    basis_timescale_min: float = Field(gt=0)
    impact_half_spread_bps: float = Field(ge=0)
    open_interest_vol: float = Field(ge=0)
    open_interest_timescale_min: float = Field(gt=0)
    assets: dict[str, AssetScale]

    def asset(self, base: str) -> AssetScale:
        """Return the scales for base asset ``base`` (``"BTC"``, ``"ETH"``)."""
        try:
            return self.assets[base]
        except KeyError:
            allowed = ", ".join(sorted(self.assets))
            raise KeyError(
                f"preset {self.name!r} has no scales for {base!r}; allowed: {allowed}"
            ) from None


@cache
def _load() -> dict[str, Preset]:
    text = resources.files("aleatoric.config").joinpath("data/presets.toml").read_text()
    raw = tomllib.loads(text)
    return {name: Preset.model_validate({"name": name, **body}) for name, body in raw.items()}


def presets() -> dict[str, Preset]:
    """Return every preset by name, in file order."""
    return dict(_load())


def get_preset(name: str) -> Preset:
    """Return the preset ``name``; the error lists the allowed names."""
    table = _load()
    if name not in table:
        raise KeyError(f"unknown preset {name!r}; allowed: {', '.join(table)}")
    return table[name]
