"""Cross-asset and cross-venue facts on synthetic inputs with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from aleatoric.basket import asset_loading, basket_regime, basket_returns, implied_correlation
from aleatoric.realism import (
    band_share,
    bar_returns,
    co_jump_share,
    correlation_by_horizon,
    correlation_matrix,
    lead_lag,
)

MIN = 60_000_000_000


def test_bar_returns_align_series_of_different_spans() -> None:
    ts_a = np.arange(0, 10 * MIN, MIN // 2, dtype=np.int64)
    ts_b = np.arange(3 * MIN, 10 * MIN, MIN // 4, dtype=np.int64)
    a = np.exp(np.arange(ts_a.size) * 0.001)
    b = np.full(ts_b.size, 7.0)
    out = bar_returns({"a": (ts_a, a), "b": (ts_b, b)}, MIN, 10 * MIN)
    # Bars 3..9 are covered by both: six returns each.
    assert out["a"].size == out["b"].size == 6
    assert np.allclose(out["a"], 0.002) and np.all(out["b"] == 0)


def test_correlation_rises_with_horizon_on_basket_prices() -> None:
    bases = ("BTC", "SOL", "WIF")
    loadings = {b: asset_loading(b) for b in bases}
    sigmas = {"BTC": 0.0004, "SOL": 0.0006, "WIF": 0.001}
    regime = basket_regime("calm")
    days = 40
    path = basket_returns(loadings, sigmas, regime, seed=2, first_minute=0,
                          last_minute=days * 1440)  # fmt: skip
    ts = np.arange(days * 1440, dtype=np.int64) * MIN + MIN - 1
    series = {b: (ts, 100.0 * np.exp(np.cumsum(path.returns[b]))) for b in bases}
    by_h = correlation_by_horizon(series, days * 1440 * MIN)
    names, want = implied_correlation(loadings, sigmas, regime)
    assert by_h[60][0] == names
    c1, c5, c60 = (by_h[h][1] for h in (1, 5, 60))
    # WIF answers a third of the market factor a minute late: the one-minute correlation is
    # clearly the lowest; five minutes recover most of it.
    assert c1[0, 2] < c60[0, 2] - 0.02 and c5[0, 2] > c1[0, 2] - 0.01
    assert np.abs(c60 - want).max() < 0.06


def test_correlation_matrix_refuses_misaligned_input() -> None:
    with pytest.raises(ValueError, match="aligned"):
        correlation_matrix({"a": np.zeros(5), "b": np.zeros(4)})


def test_co_jump_share_counts_planted_jumps() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    lead, other = rng.normal(0, 1e-4, n), rng.normal(0, 1e-4, n)
    common = rng.choice(n, 40, replace=False)
    lead[common] += 0.01
    other[common[:10]] -= 0.01  # ten co-jumps
    own = np.setdiff1d(np.arange(n), common)[:30]
    other[own] += 0.01  # thirty jumps of its own
    share = co_jump_share({"btc": lead, "alt": other}, "btc")
    assert share["alt"] == pytest.approx(10 / 40)
    with pytest.raises(KeyError, match="allowed: btc, alt"):
        co_jump_share({"btc": lead, "alt": other}, "eth")


def test_lead_lag_finds_the_leader_and_its_lag() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(size=5_000)
    b = np.roll(a, 3) + 0.5 * rng.normal(size=a.size)  # b follows a three bars later
    lags, xc, peak = lead_lag(a, b, max_lag=10)
    assert peak == 3 and xc[lags == 3][0] > 0.8
    assert lead_lag(b, a, max_lag=10)[2] == -3


def test_band_share_of_two_venues_mids() -> None:
    a = np.full(1000, 100.0)
    b = a * (1 + np.where(np.arange(1000) < 990, 1e-4, 1e-2))  # 1 bp, then 100 bp dislocations
    assert band_share(a, b, band_bps=5.0) == pytest.approx(0.99)
    with pytest.raises(ValueError, match="aligned"):
        band_share(a, b[:-1], 5.0)
