"""The market model in the reactor: assets co-move as configured, venues share one price."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import aleatoric
from aleatoric._seeding import instrument_key
from aleatoric.basket import asset_loading, basket_regime
from aleatoric.cli import app
from aleatoric.config import get_preset
from aleatoric.reactor._market import market_skeleton
from aleatoric.reactor._scenarios import ScenarioWindow
from aleatoric.reactor._skeleton import HISTORY_MINUTES, Skeleton
from aleatoric.realism import cross_scorecard
from aleatoric.realism._cross_card import band_fact, correlation_fact, expected_correlation

BASES = ("BTC", "ETH", "SOL")
DAYS = 20


def _skeleton(preset: str, venue: str, base: str, days: int = DAYS, seed: int = 3) -> Skeleton:
    p = get_preset(preset)
    a = p.asset(base)
    symbol = {"hyperliquid": base, "okx": f"{base}-USDT-SWAP"}.get(venue, f"{base}USDT")
    return market_skeleton(
        p, base=base, sigma_scale=a.sigma_scale, initial_price=float(a.initial_price),
        seed=seed, instrument=instrument_key(venue, symbol), end_minute=days * 1440,
    )  # fmt: skip


@pytest.mark.parametrize("preset", ["calm", "volatile"])
def test_latent_correlation_matches_the_model_and_rises_with_horizon(preset: str) -> None:
    paths = {b: _skeleton(preset, "binance", b).log_price_start[HISTORY_MINUTES:] for b in BASES}
    means = {}
    for h, tol in ((1, 0.05), (5, 0.05), (60, 0.08)):
        x = np.vstack([np.diff(paths[b][::h]) for b in BASES])
        measured = np.corrcoef(x)
        want = expected_correlation(preset, BASES, h)
        # 1 h: 480 bars, a standard error near 0.025 with heavy tails; 1 m and 5 m: many more.
        assert np.abs(measured - want).max() <= tol, (h, measured.round(3), want.round(3))
        means[h] = measured[np.triu_indices(3, 1)].mean()
    # Epps effect: correlation rises with horizon; alt-coins correlate 0.6-0.85 with BTC at 1 h.
    assert means[1] < means[5] < means[60] + 0.02
    assert expected_correlation(preset, BASES, 60)[0, 1:].min() >= 0.6
    assert expected_correlation(preset, BASES, 60)[0, 1:].max() <= 0.9


def test_volatile_shares_more_jumps() -> None:
    def shared(preset: str) -> tuple[float, float]:
        btc, sol = (_skeleton(preset, "binance", b).jump != 0 for b in ("BTC", "SOL"))
        # The model's share: SOL's common jumps (BTC takes part in all) over all its jumps.
        rg, lo = basket_regime(preset), asset_loading("SOL")
        common = rg.common_jumps_per_day * rg.participation(lo)
        return float((btc & sol).sum() / sol.sum()), common / (common + rg.idio_rate(lo))

    (calm, calm_model), (volatile, volatile_model) = shared("calm"), shared("volatile")
    # About 400 SOL jump minutes in 20 days: a standard error near 0.02 on each share.
    assert abs(calm - calm_model) < 0.06 and abs(volatile - volatile_model) < 0.06
    assert volatile_model > calm_model + 0.1
    assert volatile > calm + 0.05


def test_one_asset_on_several_venues_shares_one_efficient_price() -> None:
    one, two, three = (_skeleton("volatile", v, "ETH", days=2)
                       for v in ("binance", "bybit", "hyperliquid"))  # fmt: skip
    for other in (two, three):
        for field in ("log_price_start", "sigma", "diffusion", "jump", "jump_at"):
            assert np.array_equal(getattr(one, field), getattr(other, field)), field
        assert one.premium_start is not None and other.premium_start is not None
        # Each venue has its own premium (and so its own basis and funding) ...
        assert not np.array_equal(one.premium_start, other.premium_start)
        # ... over one common basis: the index is the same on every venue.
        assert np.allclose(one.basis_start - one.premium_start,
                           other.basis_start - other.premium_start)  # fmt: skip
        # Two premia never differ by more than twice the cap (3.5 bps in volatile), inside
        # the band of two taker fees (about 10 bps).
        assert np.abs(one.premium_start - other.premium_start).max() * 1e4 < 7.0


def test_correlation_and_band_facts_fail_on_independent_venues_and_assets() -> None:
    rng = np.random.default_rng(1)
    ts = np.arange(0, 3 * 3600 * 10**9, 10**8, dtype=np.int64)
    walks = {b: (ts, 100.0 * np.exp(np.cumsum(rng.normal(0, 2e-5, ts.size)))) for b in BASES}
    fact = correlation_fact(walks, "calm", int(ts[-1]) + 10**8, 1)
    assert fact.passed is False
    venues = {"BTC": {"binance": walks["BTC"], "bybit": walks["ETH"]}}
    symbols = {("binance", "BTC"): "BTCUSDT", ("bybit", "BTC"): "BTCUSDT"}
    assert band_fact(venues, symbols, int(ts[-1]) + 10**8).passed is False


def _digests(root: Path) -> dict[str, str]:
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.name != "manifest.json"]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.slow
def test_generated_basket_co_moves_and_keeps_other_instruments_bytes(tmp_path: Path) -> None:
    base = {"venues": ["binance", "bybit"], "duration": "20m", "segment": "10m",
            "warmup": "5m", "seed": 9}  # fmt: skip
    small = aleatoric.load_config(symbols=["BTC", "ETH"], **base)
    large = aleatoric.load_config(symbols=list(BASES), **base)
    aleatoric.generate(small, tmp_path / "small", workers=1)
    aleatoric.generate(large, tmp_path / "large", workers=2)
    before, after = _digests(tmp_path / "small"), _digests(tmp_path / "large")
    assert len(before) > 8
    # Adding SOL, and two workers instead of one, change no BTC or ETH file.
    assert {k: after.get(k) for k in before} == before
    assert set(after) - set(before) and all("SOL" in k for k in set(after) - set(before))

    card = cross_scorecard(tmp_path / "large")
    assert card.fact("lead_lag").passed, card.fact("lead_lag").details
    band = card.fact("cross_venue_band")
    assert band.passed and band.value is not None and band.value >= 0.99, band.details
    corr = card.fact("cross_correlation_1m")
    assert corr.passed, corr.details
    # The assets co-move as the model says (independent prices would give about 0).
    assert min(p["measured"] for p in corr.details["pairs"].values()) > 0.4

    result = CliRunner().invoke(app, ["report", str(tmp_path / "large"), "-f", "json"])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [c["symbol"] for c in lines][-1] == "cross-asset"
    assert len(lines) == 7


def test_a_crash_has_one_shape_on_every_venue_of_an_asset() -> None:
    crash = ScenarioWindow(kind="flash-crash", first_minute=30, minutes=20, intensity=1.0,
                           params=(("drop", 0.08), ("fall_min", 5.0), ("half_life_min", 10.0),
                                   ("recovery", 0.5)))  # fmt: skip
    p = get_preset("calm")
    a = p.asset("BTC")

    def sk(venue: str, base: str = "BTC") -> Skeleton:
        symbol = {"hyperliquid": base}.get(venue, f"{base}USDT")
        return market_skeleton(
            p, base=base, sigma_scale=a.sigma_scale, initial_price=float(a.initial_price),
            seed=4, instrument=instrument_key(venue, symbol), end_minute=120, scenarios=(crash,),
        )  # fmt: skip

    one, two, eth = sk("binance"), sk("hyperliquid"), sk("binance", "ETH")
    assert one.drift is not None and two.drift is not None and eth.drift is not None
    # One efficient price: the crash falls in the same legs on both venues ...
    assert np.array_equal(one.drift, two.drift)
    assert np.array_equal(one.log_price_start, two.log_price_start)
    # ... by the configured depth, in legs of the asset's own (ETH's differ).
    assert math.isclose(math.exp(one.drift.sum(where=one.drift < 0)), 0.92, rel_tol=0.02)
    assert not np.array_equal(one.drift, eth.drift)
