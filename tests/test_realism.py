"""The realism scorecard: metrics with known answers, facts, reports, CLI and the presets."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
import scipy.stats

import aleatoric
from aleatoric.realism import (
    ALL_FACT_NAMES,
    FACT_NAMES,
    TICK_FACT_NAMES,
    DatasetError,
    Scorecard,
    compare,
    compare_with,
    render_html,
    render_terminal,
    scorecard,
)
from aleatoric.realism._metrics import (
    acf,
    excess_kurtosis,
    fano_factor,
    hill_tail_index,
    log_returns,
    pearson,
    power_law_exponent,
    summary,
    wasserstein1,
)
from aleatoric.realism._series import resample_last, window_counts

F64 = npt.NDArray[np.float64]
NS = 1_000_000_000
START_NS = 1_767_225_600 * NS  # 2026-01-01T00:00:00Z
IMG = "<img alt='{}' src=\"data:image/png;base64,"
IMG_PREFIX = 'src="data:image/png;base64,'


# --- metrics: known answers ------------------------------------------------------------------


def test_hill_recovers_pareto_alpha() -> None:
    rng = np.random.default_rng(20260101)
    x = rng.pareto(3.0, 20_000) + 1.0  # classical Pareto, x_m = 1, alpha = 3
    assert hill_tail_index(x) == pytest.approx(3.0, abs=0.25)
    assert hill_tail_index(-x, k=500) == pytest.approx(3.0, abs=0.35)  # signs are ignored


def test_hill_default_k_and_small_samples() -> None:
    rng = np.random.default_rng(1)
    x = rng.pareto(2.0, 100) + 1.0  # 5 % is 5 < 10: k = 10
    top = np.sort(x)[::-1]
    expected = 1.0 / np.mean(np.log(top[:10]) - np.log(top[10]))
    assert hill_tail_index(x) == pytest.approx(expected)
    assert math.isnan(hill_tail_index(x[:10]))
    with pytest.raises(ValueError, match="k must be"):
        hill_tail_index(x, k=0)


def test_acf_of_ar1() -> None:
    rng = np.random.default_rng(7)
    n, phi = 100_000, 0.6
    eps = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = eps[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + eps[t]
    rho = acf(x, [0, 1, 2, 3])
    assert rho[0] == pytest.approx(1.0)
    assert rho[1] == pytest.approx(0.6, abs=0.02)
    assert rho[2] == pytest.approx(0.36, abs=0.02)
    assert rho[3] == pytest.approx(0.216, abs=0.02)


def test_acf_edge_cases() -> None:
    assert np.isnan(acf([1.0, 2.0, 3.0], [5])).all()
    assert np.isnan(acf(np.ones(10), [1])).all()
    with pytest.raises(ValueError, match="non-negative"):
        acf([1.0, 2.0], [-1])


def test_fano_of_poisson_process_is_one() -> None:
    rng = np.random.default_rng(3)
    rate, horizon = 5.0, 20_000.0
    times = np.cumsum(rng.exponential(1.0 / rate, int(rate * horizon * 1.1)))
    ts = (times[times < horizon] * NS).astype(np.int64)
    counts = window_counts(ts, 0, int(horizon * NS), 10 * NS)
    assert counts.size == 2_000
    assert fano_factor(counts) == pytest.approx(1.0, abs=0.1)
    assert fano_factor(rng.poisson(3.0, 50_000)) == pytest.approx(1.0, abs=0.03)


def test_fano_of_clustered_counts_exceeds_one() -> None:
    rng = np.random.default_rng(4)
    lam = rng.choice([1.0, 20.0], size=5_000)  # regime-switching intensity
    assert fano_factor(rng.poisson(lam)) > 5.0
    assert math.isnan(fano_factor([0, 0, 0]))


def test_excess_kurtosis_normal_and_student_t() -> None:
    rng = np.random.default_rng(11)
    assert excess_kurtosis(rng.standard_normal(400_000)) == pytest.approx(0.0, abs=0.05)
    # Student-t(nu): 6 / (nu - 4) = 3 for nu = 6; its sample kurtosis converges slowly.
    assert excess_kurtosis(rng.standard_t(6, 2_000_000)) == pytest.approx(3.0, abs=0.6)
    assert math.isnan(excess_kurtosis([1.0, 1.0, 1.0, 1.0]))


@pytest.mark.parametrize("seed", range(6))
def test_wasserstein1_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_t(3, int(rng.integers(5, 3_000)))
    b = rng.normal(0.3, 2.0, int(rng.integers(5, 3_000)))
    assert wasserstein1(a, b) == pytest.approx(scipy.stats.wasserstein_distance(a, b), rel=1e-9)
    # heavy ties, as with sizes and times on a grid
    c = rng.integers(0, 8, 500).astype(float) * 0.1
    d = rng.integers(0, 5, 333).astype(float) * 0.1
    assert wasserstein1(c, d) == pytest.approx(scipy.stats.wasserstein_distance(c, d), rel=1e-9)


def test_wasserstein1_basics() -> None:
    assert wasserstein1([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert wasserstein1([0.0], [2.5]) == pytest.approx(2.5)
    assert wasserstein1([1.0, 2.0, 3.0], [11.0, 12.0, 13.0]) == pytest.approx(10.0)
    assert math.isnan(wasserstein1([], [1.0]))


def test_log_returns_pearson_power_law_summary() -> None:
    assert log_returns([100.0, 110.0, 99.0]) == pytest.approx(
        [math.log(1.1), math.log(99.0 / 110.0)]
    )
    assert log_returns([5.0]).size == 0
    with pytest.raises(ValueError, match="positive"):
        log_returns([1.0, 0.0])
    x = np.arange(1.0, 50.0)
    assert pearson(x, 3.0 * x + 1.0) == pytest.approx(1.0)
    assert pearson(x, -x) == pytest.approx(-1.0)
    assert power_law_exponent(x, 0.4 * x**-0.3) == pytest.approx(0.3)
    stats = summary([1.0, 2.0, 3.0, float("nan")])
    assert stats["n"] == 3 and stats["median"] == 2.0 and stats["max"] == 3.0


def test_resample_last_takes_last_per_bucket_and_fills_gaps() -> None:
    minute = 60 * NS
    ts = np.array([0, 10, 59, 60, 200, 210, 250], dtype=np.int64) * NS
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    buckets, last = resample_last(ts, values, minute, end_ns=5 * minute)
    assert buckets.tolist() == [0, 1, 2, 3, 4]
    assert last.tolist() == [3.0, 4.0, 4.0, 6.0, 7.0]  # minute 2 forward-filled
    buckets, _ = resample_last(ts, values, minute, end_ns=4 * minute + NS)
    assert buckets.tolist() == [0, 1, 2, 3]  # the incomplete last minute is dropped


# --- synthetic datasets ------------------------------------------------------------------------


def _write(root: Path, table: str, frame: pl.DataFrame, venue: str, symbol: str) -> None:
    part = root / table / f"venue={venue}" / f"symbol={symbol}" / "date=2026-01-01"
    part.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(part / "part-00000.parquet")


def make_dataset(
    root: Path,
    returns: F64,
    *,
    preset: str = "calm",
    venue: str = "binance",
    symbol: str = "BTCUSDT",
    price: float = 95_000.0,
    tick: float = 0.1,
    spread_ticks: int | F64 = 1,
    snaps_per_minute: int = 6,
    trade_rate: Callable[[F64], F64] | None = None,
    funding: F64 | None = None,
    ticker_rate: float | None = None,
    seed: int = 0,
) -> Path:
    """Write a dataset whose minute-end mids follow ``price * exp(cumsum(returns))``.

    Every snapshot inside minute ``m`` shows the mid after return ``m``; ``trade_rate`` maps
    the per-minute |return| to a Poisson trade rate per second; ``funding`` are settled rates
    every 8 h; ``ticker_rate`` writes an hourly ticker with that constant predicted rate.
    """
    rng = np.random.default_rng(seed)
    minutes = returns.size
    mid_m = price * np.exp(np.cumsum(returns))
    step = 60 * NS // snaps_per_minute
    ts = START_NS + np.arange(minutes * snaps_per_minute, dtype=np.int64) * step
    mid = np.repeat(mid_m, snaps_per_minute)
    half = np.broadcast_to(np.asarray(spread_ticks, dtype=np.float64), mid.shape) * tick / 2.0
    seq = np.arange(ts.size, dtype=np.uint64)
    book = pl.DataFrame(
        {
            "ts_event": ts, "ts_recv": ts + 5_000_000, "seq": seq,
            "bid_px_00": mid - half, "bid_sz_00": np.full(ts.size, 0.5),
            "ask_px_00": mid + half, "ask_sz_00": np.full(ts.size, 0.7),
        }
    )  # fmt: skip
    _write(root, "book_snapshot", book, venue, symbol)
    tables = {"book_snapshot": book.height}
    if trade_rate is not None:
        lam = trade_rate(np.abs(returns)) * 60.0
        counts = rng.poisson(lam)
        minute_of = np.repeat(np.arange(minutes), counts)
        t_trade = START_NS + ((minute_of + rng.random(minute_of.size)) * 60 * NS).astype(np.int64)
        t_trade.sort()
        trades = pl.DataFrame(
            {
                "ts_event": t_trade, "seq": np.arange(t_trade.size, dtype=np.uint64),
                "price": np.full(t_trade.size, price),
                "size": 0.001 * (1 + rng.integers(0, 100, t_trade.size)),
                "side": np.where(rng.random(t_trade.size) < 0.5, "buy", "sell"),
            }
        )  # fmt: skip
        _write(root, "trades", trades, venue, symbol)
        tables["trades"] = trades.height
    if funding is not None:
        t_f = START_NS + np.arange(1, funding.size + 1, dtype=np.int64) * 8 * 3600 * NS
        frame = pl.DataFrame({"ts_event": t_f, "seq": np.arange(t_f.size, dtype=np.uint64),
                              "funding_rate": funding})  # fmt: skip
        _write(root, "funding", frame, venue, symbol)
        tables["funding"] = frame.height
    if ticker_rate is not None:
        t_t = START_NS + np.arange(minutes // 60, dtype=np.int64) * 3600 * NS + 1800 * NS
        frame = pl.DataFrame(
            {
                "ts_event": t_t, "seq": np.arange(t_t.size, dtype=np.uint64),
                "funding_rate": np.full(t_t.size, ticker_rate),
                "predicted_funding_rate": np.full(t_t.size, ticker_rate),
            }
        )  # fmt: skip
        _write(root, "ticker", frame, venue, symbol)
        tables["ticker"] = frame.height
    manifest = {
        "format": "aleatoric-dataset/1",
        "seed": seed,
        "config": {
            "venue": venue, "symbol": symbol, "preset": preset, "seed": seed,
            "start": "2026-01-01T00:00:00Z", "duration": f"{minutes}m",
        },
        "tables": tables,
    }  # fmt: skip
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


def clustered_returns(minutes: int, seed: int) -> F64:
    """Return minute returns with slow stochastic volatility and rare jumps (no drift)."""
    rng = np.random.default_rng(seed)
    log_vol = np.zeros(minutes)
    for tau, sd in ((10.0, 0.5), (300.0, 0.5)):
        phi = math.exp(-1.0 / tau)
        eps = rng.standard_normal(minutes) * sd * math.sqrt(1.0 - phi * phi)
        x = np.zeros(minutes)
        for t in range(1, minutes):
            x[t] = phi * x[t - 1] + eps[t]
        log_vol += x
    r = 3e-4 * np.exp(log_vol) * rng.standard_normal(minutes)
    jumps = rng.random(minutes) < 0.004
    r[jumps] += rng.laplace(0.0, 2e-3, int(jumps.sum()))
    return r


@pytest.fixture(scope="module")
def rich_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two synthetic days with every table the scorecard reads."""
    r = clustered_returns(2 * 1440, seed=5)
    rng = np.random.default_rng(9)
    funding = 1e-4 + np.cumsum(rng.normal(0.0, 2e-5, 6))
    return make_dataset(
        tmp_path_factory.mktemp("rich"), r,
        trade_rate=lambda a: 0.2 + 3_000.0 * a, funding=funding, ticker_rate=1e-4,
    )  # fmt: skip


@pytest.fixture(scope="module")
def iid_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two synthetic days of Gaussian returns, Poisson trades and wide spreads: fails bands."""
    r = np.random.default_rng(2).normal(0.0, 3e-4, 2 * 1440)
    return make_dataset(
        tmp_path_factory.mktemp("iid"), r, spread_ticks=3, trade_rate=lambda a: np.full_like(a, 2.0)
    )


# --- facts -------------------------------------------------------------------------------------


def test_scorecard_of_gaussian_returns_fails_the_return_facts(iid_dataset: Path) -> None:
    card = scorecard(iid_dataset)
    assert [f.name for f in card.facts] == list(ALL_FACT_NAMES)
    assert card.fact("kurtosis").passed is False
    assert card.fact("kurtosis").value == pytest.approx(0.0, abs=0.5)
    assert card.fact("tail_index").passed is False  # Gaussian tails are thin: alpha > 4
    assert card.fact("volatility_clustering").passed is False
    assert card.fact("return_autocorrelation").passed is True
    assert card.fact("spread_one_tick").passed is False  # calm, every spread 3 ticks
    assert card.fact("spread_one_tick").value == 0.0
    fano = card.fact("trade_clustering")
    assert fano.value == pytest.approx(1.0, abs=0.2) and fano.passed is False
    assert card.fact("funding_caps").passed is None  # no ticker, no funding table
    assert not card.passed
    assert {f.name for f in card.failed} >= {"kurtosis", "tail_index", "trade_clustering"}


def test_scorecard_of_clustered_returns(rich_dataset: Path) -> None:
    card = scorecard(rich_dataset)
    assert card.venue == "binance" and card.symbol == "BTCUSDT" and card.preset == "calm"
    by = {f.name: f for f in card.facts}
    assert by["volatility_clustering"].passed is True
    assert by["kurtosis"].value is not None and by["kurtosis"].value > 3.0
    assert by["volume_volatility"].passed is True  # trade rate rises with |r|
    assert by["trade_clustering"].passed is True
    assert by["spread_one_tick"].value == pytest.approx(1.0)
    assert by["spread_mean"].value == pytest.approx(0.1 / 95_000 * 1e4, rel=0.05)
    assert by["funding_caps"].passed is True
    persistence = by["funding_persistence"]  # 6 settlements < 10: the hourly ticker instead
    assert persistence.details["source"] == "predicted_hourly"
    assert persistence.passed is None and "constant" in persistence.reason
    decay = by["kurtosis_decay"].details["by_horizon"]
    assert decay["1m"]["n"] == 2 * 1440 - 1 and decay["4h"]["n"] == 11


def test_spread_bands_apply_to_calm_and_btc_only(tmp_path: Path) -> None:
    r = np.random.default_rng(0).normal(0.0, 3e-4, 200)
    card = scorecard(make_dataset(tmp_path / "v", r, preset="volatile", spread_ticks=4))
    one_tick = card.fact("spread_one_tick")
    assert one_tick.passed is None and "calm" in one_tick.reason and one_tick.value == 0.0
    assert card.fact("spread_mean").passed is True
    eth = make_dataset(tmp_path / "e", r, symbol="ETHUSDT", price=3_300.0, tick=0.01,
                       spread_ticks=1_000)  # fmt: skip
    card = scorecard(eth)
    assert card.fact("spread_mean").passed is None
    assert card.fact("spread_mean").value == pytest.approx(10.0 / 3_300 * 1e4, rel=0.01)
    assert card.fact("spread_one_tick").passed is False


def test_spread_ticks_follow_significant_figures(tmp_path: Path) -> None:
    # Hyperliquid BTC at 95 000 has 5 significant figures: the smallest step is 1, not 0.1.
    r = np.zeros(200)
    ds = make_dataset(tmp_path / "hl", r, venue="hyperliquid", symbol="BTC", tick=1.0)
    assert scorecard(ds).fact("spread_one_tick").value == pytest.approx(1.0)


def test_funding_facts(tmp_path: Path) -> None:
    r = np.random.default_rng(0).normal(0.0, 3e-4, 200)
    rng = np.random.default_rng(1)
    ar = np.empty(40)
    ar[0] = 1e-4
    for t in range(1, 40):
        ar[t] = 1e-4 + 0.9 * (ar[t - 1] - 1e-4) + rng.normal(0.0, 5e-5)
    card = scorecard(make_dataset(tmp_path / "ar", r, funding=ar))
    fact = card.fact("funding_persistence")
    assert fact.details["source"] == "settled" and fact.details["n"] == 40
    assert fact.passed is True and fact.value == pytest.approx(float(acf(ar, [1])[0]))
    noise = rng.normal(0.0, 1e-4, 40)
    assert scorecard(make_dataset(tmp_path / "n", r, funding=noise)).fact(
        "funding_persistence"
    ).passed is False  # fmt: skip
    capped = np.full(12, 1e-4)
    capped[5] = 0.004  # Binance caps at 0.3 %
    card = scorecard(make_dataset(tmp_path / "c", r, funding=capped))
    assert card.fact("funding_caps").passed is False
    assert card.fact("funding_caps").details["outside"] == 1


def test_short_dataset_marks_return_facts_not_applicable(tmp_path: Path) -> None:
    card = scorecard(make_dataset(tmp_path / "s", np.zeros(50) + 1e-5))
    for name in ("tail_index", "kurtosis", "kurtosis_decay", "return_autocorrelation",
                 "volatility_clustering", "volume_volatility", "trade_clustering",
                 "funding_caps", "funding_persistence"):  # fmt: skip
        fact = card.fact(name)
        assert fact.passed is None and fact.reason, name
    assert card.passed  # N/A never fails
    assert card.verdict == "INSUFFICIENT DATA"  # ... but is never a PASS on nothing
    assert card.fact("tail_index").insufficient
    assert card.fact("tail_index").min_duration_s == 101 * 60
    assert "needs 1 h 41 min of data, has 50 min" in card.fact("tail_index").reason
    assert not card.fact("funding_caps").insufficient  # N/A for lack of rows, not of time


def test_unusable_datasets_raise(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a directory"):
        scorecard(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="manifest"):
        scorecard(tmp_path / "empty")
    ds = make_dataset(tmp_path / "nobook", np.zeros(10))
    for f in (ds / "book_snapshot").rglob("*.parquet"):
        f.unlink()
    with pytest.raises(DatasetError, match="book_snapshot"):
        scorecard(ds)


def test_scorecard_reads_engine_output(small_dataset: Path) -> None:
    card = scorecard(small_dataset)
    assert card.venue == "binance" and card.preset == "calm"
    assert len(card.facts) == len(ALL_FACT_NAMES)
    obs = card.observations
    assert obs is not None and obs.trade_ts.size > 0 and obs.ticker_ts.size > 0
    assert np.all(obs.ask > obs.bid)
    json.dumps(card.to_dict(), allow_nan=False)


# --- compare, JSON and HTML --------------------------------------------------------------------


def test_compare_distances(rich_dataset: Path, iid_dataset: Path) -> None:
    cmp = compare(rich_dataset, iid_dataset)
    by = {d.name: d for d in cmp.distances}
    assert set(by) == {"spread", "inter_arrival", "top_depth", "returns_1m"}
    assert by["top_depth"].w1 == pytest.approx(0.0)  # both books show 0.5 + 0.7
    spread_a, spread_b = 0.1 / 95_000 * 1e4, 0.3 / 95_000 * 1e4
    assert by["spread"].w1 == pytest.approx(spread_b - spread_a, rel=0.05)
    assert by["returns_1m"].a_stats["n"] == 2 * 1440 - 1
    same = compare(rich_dataset, rich_dataset)
    assert all(d.w1 == 0.0 for d in same.distances)
    again = compare_with(scorecard(rich_dataset), iid_dataset)
    assert [d.w1 for d in again.distances] == [d.w1 for d in cmp.distances]
    json.dumps(cmp.to_dict(), allow_nan=False)


def test_json_round_trip(rich_dataset: Path) -> None:
    data = json.loads(json.dumps(scorecard(rich_dataset).to_dict(), allow_nan=False))
    assert [f["name"] for f in data["facts"]] == list(ALL_FACT_NAMES)
    assert set(data["counts"]) == {"PASS", "FAIL", "N/A"}
    assert all(f["status"] in ("PASS", "FAIL", "N/A") for f in data["facts"])


@pytest.mark.slow
def test_html_has_one_embedded_png_per_fact(rich_dataset: Path, tmp_path: Path) -> None:
    card = scorecard(rich_dataset)
    out = render_html(card, tmp_path / "sub" / "report.html")
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert text.count(IMG_PREFIX) == len(card.facts) + 1  # and the market overview, first
    assert text.index(IMG.format("overview")) < text.index(IMG.format(card.facts[0].name))
    for fact in card.facts:
        assert IMG.format(fact.name) in text
    assert "http" not in text  # self-contained: no external resources
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temp file left


@pytest.mark.slow
def test_html_compare_mode_adds_side_by_side_figures(
    rich_dataset: Path, iid_dataset: Path, tmp_path: Path
) -> None:
    card = scorecard(rich_dataset)
    cmp = compare_with(card, iid_dataset)
    text = render_html(card, tmp_path / "r.html", cmp).read_text()
    assert text.count(IMG_PREFIX) == 1 + len(card.facts) + len(cmp.distances)
    assert "W1" in text


def test_html_without_series_still_has_a_figure_per_fact(
    rich_dataset: Path, tmp_path: Path
) -> None:
    card = scorecard(rich_dataset)
    bare = Scorecard(card.path, card.venue, card.symbol, card.preset, card.seed, card.facts)
    text = render_html(bare, tmp_path / "bare.html").read_text()
    assert text.count(IMG_PREFIX) == len(card.facts)


def test_missing_matplotlib_names_the_extra(
    rich_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aleatoric.realism import MissingExtraError

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError, match="'report' extra"):
        render_html(scorecard(rich_dataset), tmp_path / "x.html")
    assert not list(tmp_path.iterdir())


def test_terminal_table(rich_dataset: Path) -> None:
    from rich.console import Console

    console = Console(record=True, width=200)
    render_terminal(scorecard(rich_dataset), console)
    text = console.export_text()
    for status in ("PASS", "N/A"):
        assert status in text
    assert "Fano" in text


# --- command line ------------------------------------------------------------------------------

SINGLE = "import typer; from aleatoric.cli._report import register; app = typer.Typer(); register(app); app()"  # noqa: E501
MULTI = (
    "import typer; from aleatoric.cli._report import register; app = typer.Typer()\n"
    "@app.callback()\ndef root() -> None: pass\nregister(app); app()"
)


def cli(*args: str | Path, program: str = SINGLE) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", program, *map(str, args)],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip


def test_cli_exit_0_when_every_applicable_band_passes(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path / "ok", np.zeros(11 * 60))  # long enough for every fact
    res = cli(ds)
    assert res.returncode == 0, res.stderr
    assert "PASS: every applicable band holds" in res.stdout
    assert "Share of one-tick spreads" in res.stdout
    assert res.stdout.index("the market") < res.stdout.index("Share of one-tick spreads")


def test_cli_short_dataset_is_insufficient_data_not_pass(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path / "short", np.full(60, 1e-5))
    res = cli(ds)
    assert res.returncode == 3, res.stderr
    assert "INSUFFICIENT DATA" in res.stdout and "PASS: every" not in res.stdout
    assert "volatility_clustering (4 h 1 min)" in res.stdout
    assert "hint: generate at least 10 h of data (aleatoric generate --duration 10h" in res.stdout
    data = json.loads(cli(ds, "--format", "json").stdout)
    assert data["verdict"] == "INSUFFICIENT DATA" and data["passed"] is True
    assert "tail_index" in data["insufficient"] and data["min_duration_s"] == 10 * 3600
    assert data["overview"]["spread"].startswith("mean ")


def test_cli_exit_1_on_a_failing_band_with_json(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path / "wide", np.full(60, 1e-5), spread_ticks=20)
    res = cli(ds, "--format", "json")
    assert res.returncode == 1, res.stderr
    data = json.loads(res.stdout)
    assert data["passed"] is False
    status = {f["name"]: f["status"] for f in data["facts"]}
    assert status["spread_one_tick"] == "FAIL" and status["spread_mean"] == "PASS"


@pytest.mark.slow
@pytest.mark.parametrize("case", ["missing", "no_manifest", "no_book"])
def test_cli_exit_2_on_unusable_input(tmp_path: Path, case: str) -> None:
    ds = tmp_path / "ds"
    if case == "no_manifest":
        ds.mkdir()
    elif case == "no_book":
        make_dataset(ds, np.zeros(10))
        for f in (ds / "book_snapshot").rglob("*.parquet"):
            f.unlink()
    res = cli(ds, "--out", tmp_path / "r.html")
    assert res.returncode == 2, res.stderr
    assert "unusable dataset" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "r.html").exists()


@pytest.mark.slow
def test_cli_html_and_against_as_a_subcommand(
    rich_dataset: Path, iid_dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    res = cli("report", rich_dataset, "--out", out, "--against", iid_dataset, "--format", "json",
              program=MULTI)  # fmt: skip
    assert res.returncode in (0, 1), res.stderr
    data = json.loads(res.stdout)
    assert len(data["comparison"]["distances"]) == 4
    assert res.returncode == (0 if data["passed"] else 1)
    text = out.read_text()
    assert text.count(IMG_PREFIX) == 1 + len(ALL_FACT_NAMES) + 4
    assert re.search(r"W1 = [0-9.e+-]+", text)


# --- the presets against the real bands (multi-day, two workers) -------------------------------

PRESET_SEED = 7


@pytest.fixture(scope="module", params=["calm", "volatile"])
def preset_card(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    config = aleatoric.load_config(
        venue="binance", symbol="BTCUSDT", preset=request.param, duration="2d",
        tables=("book_snapshot", "trades", "ticker", "funding"), snapshot_interval="1s",
        seed=PRESET_SEED,
    )  # fmt: skip
    out = tmp_path_factory.mktemp("preset") / request.param
    aleatoric.generate(config, out, workers=2)
    return scorecard(out)


@pytest.mark.slow
@pytest.mark.parametrize("name", FACT_NAMES + TICK_FACT_NAMES)
def test_preset_meets_band(preset_card: Scorecard, name: str) -> None:
    """Each preset's two-day BTCUSDT dataset meets every applicable band (the calibration goal).

    The tick-level facts too, although they do not count in the verdict yet: at this seed the
    order-flow model meets all of them (other seeds miss some; docs/realism.md).

    N/A is allowed only where the band does not apply (another regime or asset) or the
    measure is undefined; the bands themselves are never relaxed here.
    """
    fact = preset_card.fact(name)
    assert fact.passed is not False, (
        f"{preset_card.preset}: {fact.title} = {fact.value_text}, band {fact.band}; "
        f"details {json.dumps(fact.to_dict()['details'])[:600]}"
    )
