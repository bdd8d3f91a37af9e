"""Cross-asset baskets: a shared factor and common jumps across assets (docs/baskets.md)."""

from aleatoric.basket._config import instrument_returns
from aleatoric.basket._model import (
    MINUTES_PER_DAY,
    BasketPath,
    basket_returns,
    correlation_at_horizon,
    implied_correlation,
)
from aleatoric.basket._params import (
    AssetLoading,
    BasketRegime,
    VenueLink,
    asset_loading,
    basket_assets,
    basket_regime,
    venue_link,
)

__all__ = [
    "MINUTES_PER_DAY",
    "AssetLoading",
    "BasketPath",
    "BasketRegime",
    "VenueLink",
    "asset_loading",
    "basket_assets",
    "basket_regime",
    "basket_returns",
    "correlation_at_horizon",
    "implied_correlation",
    "instrument_returns",
    "venue_link",
]
