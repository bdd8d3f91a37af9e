"""Basket parameters: per-asset loadings and per-regime common jumps, from ``data/basket.toml``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AssetLoading",
    "BasketRegime",
    "VenueLink",
    "asset_loading",
    "basket_assets",
    "basket_regime",
    "venue_link",
]


class AssetLoading(BaseModel):
    """How one asset loads on the shared factor and the common jump process."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    beta: float = Field(ge=0, lt=1)
    lag_share: float = Field(ge=0, le=1)
    jump_loading: float = Field(ge=0, le=1)
    jump_size: float = Field(ge=0)
    idio_jumps_per_day: float = Field(ge=0)


class BasketRegime(BaseModel):
    """The common jump process of one regime (a preset name)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    common_jumps_per_day: float = Field(ge=0)
    common_jump_scale: float = Field(ge=0)
    idio_jump_scale: float = Field(ge=0)
    loading_boost: float = Field(ge=0, le=1)
    idio_rate_scale: float = Field(1.0, ge=0)
    venue_premium_std_bps: float = Field(0.0, ge=0)
    venue_premium_timescale_min: float = Field(60.0, gt=0)
    venue_premium_cap_bps: float = Field(3.0, ge=0)

    def participation(self, loading: AssetLoading) -> float:
        """Return the chance that an asset takes part in a common jump in this regime."""
        return loading.jump_loading + self.loading_boost * (1.0 - loading.jump_loading)

    def idio_rate(self, loading: AssetLoading) -> float:
        """Return the asset's own jumps per day in this regime.

        Calm markets have more of their jumps alone (news on one token), stressed ones move
        together: with the same own rate in both, the share of jumps shared with the leader
        barely differs between regimes.
        """
        return loading.idio_jumps_per_day * self.idio_rate_scale


class VenueLink(BaseModel):
    """How one venue's prices follow an asset's efficient price (lead-lag and fees)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    delay_ms: float = Field(ge=0, le=1000)
    taker_fee_bps: float = Field(ge=0)


@cache
def _load() -> tuple[dict[str, AssetLoading], dict[str, BasketRegime]]:
    text = resources.files("aleatoric.basket").joinpath("data/basket.toml").read_text()
    raw = tomllib.loads(text)
    assets = {k: AssetLoading.model_validate(v) for k, v in raw["assets"].items()}
    regimes = {k: BasketRegime.model_validate(v) for k, v in raw["regimes"].items()}
    return assets, regimes


@cache
def _venues() -> dict[str, VenueLink]:
    text = resources.files("aleatoric.basket").joinpath("data/basket.toml").read_text()
    return {k: VenueLink.model_validate(v) for k, v in tomllib.loads(text)["venues"].items()}


def basket_assets() -> tuple[str, ...]:
    """Return the base assets that have loadings, in file order."""
    return tuple(_load()[0])


def asset_loading(base: str) -> AssetLoading:
    """Return the loadings of base asset ``base``; the error lists the allowed names."""
    assets = _load()[0]
    if base not in assets:
        raise KeyError(f"no basket loadings for {base!r}; allowed: {', '.join(assets)}")
    return assets[base]


def basket_regime(name: str) -> BasketRegime:
    """Return the common jump process of regime ``name``; the error lists the allowed names."""
    regimes = _load()[1]
    if name not in regimes:
        raise KeyError(f"no basket regime {name!r}; allowed: {', '.join(regimes)}")
    return regimes[name]


def venue_link(venue: str) -> VenueLink:
    """Return how venue ``venue`` follows efficient prices; the error lists the allowed names."""
    links = _venues()
    if venue not in links:
        raise KeyError(f"no venue link for {venue!r}; allowed: {', '.join(links)}")
    return links[venue]
