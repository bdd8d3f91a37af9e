"""The basket model: correlations by horizon, co-jumps, and keyed independence of assets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from aleatoric.basket import (
    MINUTES_PER_DAY,
    asset_loading,
    basket_assets,
    basket_regime,
    basket_returns,
    implied_correlation,
)
from aleatoric.config import get_preset

DAYS = 120


def _setup(regime: str, bases: tuple[str, ...] | None = None):  # type: ignore[no-untyped-def]
    preset = get_preset(regime)
    names = bases or basket_assets()
    loadings = {b: asset_loading(b) for b in names}
    sigmas = {b: preset.sigma_minute * preset.asset(b).sigma_scale for b in names}
    return loadings, sigmas, basket_regime(regime)


@pytest.fixture(scope="module", params=["calm", "volatile"])
def run(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    loadings, sigmas, regime = _setup(request.param)
    path = basket_returns(loadings, sigmas, regime, seed=11, first_minute=0,
                          last_minute=DAYS * MINUTES_PER_DAY)  # fmt: skip
    return request.param, loadings, sigmas, regime, path


def _corr(path, names, minutes):  # type: ignore[no-untyped-def]
    x = np.vstack([path.returns[n] for n in names])
    return np.corrcoef(x.reshape(len(names), -1, minutes).sum(axis=2))


def test_defaults_put_alts_in_the_realistic_band(run) -> None:  # type: ignore[no-untyped-def]
    _, loadings, sigmas, regime, _ = run
    names, c = implied_correlation(loadings, sigmas, regime)
    assert names[0] == "BTC"
    assert np.all((c[0, 1:] >= 0.6) & (c[0, 1:] <= 0.86)), c[0]


def test_hourly_correlation_matches_the_configured_matrix(run) -> None:  # type: ignore[no-untyped-def]
    _, loadings, sigmas, regime, path = run
    names, want = implied_correlation(loadings, sigmas, regime)
    got = _corr(path, names, 60)
    assert np.abs(got - want).max() <= 0.05, np.round(got - want, 3)


def test_epps_effect(run) -> None:  # type: ignore[no-untyped-def]
    _, loadings, _, _, path = run
    names = tuple(loadings)
    c1, c5, c60 = (_corr(path, names, m)[0, 1:] for m in (1, 5, 60))
    assert np.all(c1 < c60 - 0.005), (c1, c60)
    assert np.all(c1 < c5) and float(np.mean(c60 - c1)) > 0.04


def test_co_jump_share_matches_the_configuration(run) -> None:  # type: ignore[no-untyped-def]
    _, loadings, _, regime, path = run
    rate_c = regime.common_jumps_per_day
    p_btc = regime.participation(loadings["BTC"])
    for name in tuple(loadings)[1:]:
        p = regime.participation(loadings[name])
        want = rate_c * p * p_btc / (rate_c * p + regime.idio_rate(loadings[name]))
        own = path.jumps[name]
        got = (own & path.jumps["BTC"]).sum() / own.sum()
        assert abs(got - want) < 0.06, (name, got, want)


def test_co_jumps_are_stronger_in_the_volatile_regime() -> None:
    shares = {}
    for regime_name in ("calm", "volatile"):
        loadings, _, regime = _setup(regime_name)
        p_btc = regime.participation(loadings["BTC"])
        shares[regime_name] = [
            regime.common_jumps_per_day * regime.participation(x) * p_btc
            / (regime.common_jumps_per_day * regime.participation(x) + regime.idio_rate(x))
            for x in loadings.values()
        ]  # fmt: skip
    assert all(v > c for v, c in zip(shares["volatile"], shares["calm"], strict=True))
    assert basket_regime("volatile").common_jump_scale > basket_regime("calm").common_jump_scale


def test_adding_an_asset_changes_no_other_assets_returns() -> None:
    small = _setup("calm", ("BTC", "SOL"))
    large = _setup("calm", ("BTC", "SOL", "WIF", "ETH"))
    kw = {"seed": 5, "first_minute": -30, "last_minute": 2 * MINUTES_PER_DAY}
    a = basket_returns(*small, **kw)  # type: ignore[arg-type]
    b = basket_returns(*large, **kw)  # type: ignore[arg-type]
    for name in ("BTC", "SOL"):
        assert np.array_equal(a.returns[name], b.returns[name])
        assert np.array_equal(a.jumps[name], b.jumps[name])
    assert not np.array_equal(b.returns["WIF"], b.returns["SOL"])


def test_any_split_of_minutes_gives_the_same_returns() -> None:
    setup = _setup("volatile", ("BTC", "DOGE"))
    whole = basket_returns(*setup, seed=9, first_minute=-100, last_minute=3000)
    cuts = [-100, 1, 1439, 1440, 2000, 3000]
    for name in ("BTC", "DOGE"):
        parts = [basket_returns(*setup, seed=9, first_minute=lo, last_minute=hi).returns[name]
                 for lo, hi in itertools.pairwise(cuts)]  # fmt: skip
        assert np.array_equal(np.concatenate(parts), whole.returns[name])
    other = basket_returns(*setup, seed=10, first_minute=-100, last_minute=3000)
    assert not np.array_equal(other.returns["BTC"], whole.returns["BTC"])


def test_bad_ranges_and_unknown_assets() -> None:
    setup = _setup("calm", ("BTC",))
    with pytest.raises(ValueError, match="last_minute"):
        basket_returns(*setup, seed=0, first_minute=5, last_minute=5)
    with pytest.raises(ValueError, match="vol"):
        basket_returns(*setup, seed=0, first_minute=0, last_minute=5, vol=np.ones(3))
    with pytest.raises(KeyError, match="allowed: BTC, ETH"):
        asset_loading("ADA")
    with pytest.raises(KeyError, match="allowed: calm, volatile"):
        basket_regime("wild")


def test_a_configs_venues_of_one_asset_share_its_returns() -> None:
    import aleatoric
    from aleatoric.basket import instrument_returns

    small = aleatoric.load_config(venues="binance,okx", symbols="BTC,SOL", seed=3)
    large = aleatoric.load_config(venues="binance,okx,hyperliquid", symbols="BTC,SOL,WIF", seed=3)
    a = instrument_returns(small, -10, 200)
    b = instrument_returns(large, -10, 200)
    assert np.array_equal(a["binance:SOLUSDT"], a["okx:SOL-USDT-SWAP"])
    assert not np.array_equal(a["binance:SOLUSDT"], a["binance:BTCUSDT"])
    for name, r in a.items():
        assert np.array_equal(b[name], r), name
    assert np.array_equal(b["hyperliquid:SOL"], a["binance:SOLUSDT"])
    assert len(b) == 9 and b["okx:WIF-USDT-SWAP"].shape == (210,)
