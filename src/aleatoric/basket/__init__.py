"""Cross-asset baskets: a shared factor and common jumps across assets (docs/baskets.md)."""

from aleatoric.basket._config import instrument_returns
from aleatoric.basket._model import MINUTES_PER_DAY, BasketPath, basket_returns, implied_correlation
from aleatoric.basket._params import (
    AssetLoading,
    BasketRegime,
    asset_loading,
    basket_assets,
    basket_regime,
)

__all__ = [
    "MINUTES_PER_DAY",
    "AssetLoading",
    "BasketPath",
    "BasketRegime",
    "asset_loading",
    "basket_assets",
    "basket_regime",
    "basket_returns",
    "implied_correlation",
    "instrument_returns",
]
