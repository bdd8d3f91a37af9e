"""The no-autocorrelation band holds uncorrelated but volatility-clustered returns to the right
standard error, and still catches real autocorrelation."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from aleatoric.realism._facts import autocorrelation_fact

N = 2 * 1440  # two days of 1-minute returns, as the preset tests use


def _clustered(seed: int) -> npt.NDArray[np.float64]:
    """GARCH(1,1) returns with Student-t(5) shocks: uncorrelated, heavy-tailed, clustered."""
    rng = np.random.default_rng(seed)
    z = rng.standard_t(5, N) / math.sqrt(5.0 / 3.0)
    r = np.empty(N)
    var = 1e-8
    for t in range(N):
        r[t] = math.sqrt(var) * z[t]
        var = 2e-10 + 0.12 * r[t] ** 2 + 0.86 * var
    return r


def test_independent_gaussian_returns_get_the_textbook_error() -> None:
    r = np.random.default_rng(1).normal(0.0, 1e-4, N)
    fact = autocorrelation_fact(r)
    assert fact.passed is True
    se = np.asarray(fact.details["robust_se"])
    np.testing.assert_allclose(se, 1 / math.sqrt(N), rtol=0.15)


def test_clustered_uncorrelated_returns_pass_at_the_nominal_rate() -> None:
    robust = [autocorrelation_fact(_clustered(seed)) for seed in range(20)]
    naive = [f.value >= f.details["iid_limit"] for f in robust]  # type: ignore[operator]
    failed = sum(f.passed is False for f in robust)
    # Ten lags at three standard errors: a few per cent of false alarms, not a quarter.
    assert failed <= 2, failed
    assert sum(naive) > failed  # what the 3/sqrt(N) band got wrong


def test_autocorrelated_returns_fail() -> None:
    for seed in range(5):
        r = _clustered(100 + seed)
        ar = np.empty_like(r)
        ar[0] = r[0]
        for t in range(1, N):
            ar[t] = 0.25 * ar[t - 1] + r[t]
        fact = autocorrelation_fact(ar)
        assert fact.passed is False, (seed, fact.value, fact.details["limits"])
        assert fact.value > 0.15
