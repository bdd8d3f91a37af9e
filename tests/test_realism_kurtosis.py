"""Kurtosis decay is measured with every placement of each horizon's grid, so the band tests the
process and not the luck of one grid, and still fails a process whose tails do not thin out."""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt

from aleatoric.realism._facts import kurtosis_decay_fact
from aleatoric.realism._metrics import excess_kurtosis, horizon_kurtosis
from aleatoric.realism._series import HORIZONS_MIN

N = 2 * 1440  # two days of 1-minute returns, as the preset tests use


def _on_grid(r: npt.NDArray[np.float64]) -> dict[int, npt.NDArray[np.float64]]:
    path = np.concatenate(([0.0], np.cumsum(r)))
    return {h: np.diff(path[::h]) for h in HORIZONS_MIN}


def _clustered(seed: int) -> npt.NDArray[np.float64]:
    """GARCH(1,1) returns with Gaussian shocks plus rare jumps, like the engine's latent path."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(N)
    r = np.empty(N)
    var = 1e-8
    for t in range(N):
        r[t] = math.sqrt(var) * z[t]
        var = 1e-9 + 0.1 * r[t] ** 2 + 0.8 * var
    jumps = (rng.random(N) < 0.003) * rng.normal(0.0, 8e-4, N)
    return r + jumps


def test_one_minute_is_the_plain_kurtosis_and_placements_are_averaged() -> None:
    r = np.random.default_rng(3).standard_t(4, 600)
    assert horizon_kurtosis(r, 1) == excess_kurtosis(r)
    path = np.concatenate(([0.0], np.cumsum(r)))
    by_phase = [excess_kurtosis(np.diff(path[p::5])) for p in range(5)]
    assert math.isclose(horizon_kurtosis(r, 5), float(np.mean(by_phase)))
    assert math.isnan(horizon_kurtosis(r[:10], 5))  # no placement has 4 returns


def test_decaying_kurtosis_passes_more_often_than_with_one_grid() -> None:
    averaged = one_grid = 0
    for r in map(_clustered, range(20)):
        grid = _on_grid(r)
        averaged += kurtosis_decay_fact(grid, r).passed is True
        ks = [excess_kurtosis(grid[h]) for h in HORIZONS_MIN[:4]]  # the horizons counted
        one_grid += all(b < a for a, b in itertools.pairwise(ks))
    assert averaged >= 16 and averaged > one_grid, (averaged, one_grid)


def test_kurtosis_that_grows_with_the_horizon_fails() -> None:
    # A volatility level that changes every hour: Gaussian within the hour, so 1-minute returns
    # are near-Gaussian after rescaling, while hourly returns mix the levels.
    rng = np.random.default_rng(5)
    level = np.repeat(np.exp(rng.normal(0.0, 1.2, N // 60)), 60)
    noise = rng.normal(0.0, 1e-4, N)
    r = noise / level * np.repeat(rng.normal(0.0, 1.0, N // 60) ** 2 + 0.2, 60)
    fact = kurtosis_decay_fact(_on_grid(r), r)
    assert fact.passed is False, fact.display
