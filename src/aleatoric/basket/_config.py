"""A dataset config's basket: its base assets, their loadings and the preset's scales.

The bridge from a config to :func:`~aleatoric.basket.basket_returns` that the skeleton will
use (docs/baskets.md): every instrument of one base asset reads the same minute returns, so
the venues of an asset share one efficient price.
"""

from __future__ import annotations

from aleatoric.basket._model import F64, basket_returns
from aleatoric.basket._params import asset_loading, basket_regime
from aleatoric.config import DatasetConfig, get_preset
from aleatoric.instruments import get_instrument

__all__ = ["instrument_returns"]


def instrument_returns(
    config: DatasetConfig, first_minute: int, last_minute: int
) -> dict[str, F64]:
    """Return the latent minute log returns of each of the config's instruments, by name.

    Names are ``venue:symbol``; instruments of one base asset get the same array. The
    diffusive scale of an asset is the preset's ``sigma_minute`` times its ``sigma_scale``.
    """
    preset = get_preset(config.preset)
    base_of = {str(i): get_instrument(i.venue, i.symbol).base for i in config.instruments}
    bases = list(dict.fromkeys(base_of.values()))
    loadings = {b: asset_loading(b) for b in bases}
    sigmas = {b: preset.sigma_minute * preset.asset(b).sigma_scale for b in bases}
    path = basket_returns(loadings, sigmas, basket_regime(config.preset), seed=config.seed,
                          first_minute=first_minute, last_minute=last_minute)  # fmt: skip
    return {name: path.returns[base] for name, base in base_of.items()}
