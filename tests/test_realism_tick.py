"""Tick-level facts: known answers on synthetic inputs, the book replay, normalized captures."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

import aleatoric
from aleatoric.realism import TICK_FACT_NAMES, _model, compare_with, scorecard
from aleatoric.realism._book import (
    FULL_LEVELS,
    ST_FEWEST,
    ST_MESSAGES,
    ST_SHALLOW,
    finish_grid,
    new_state,
    replay,
)
from aleatoric.realism._tick import GRID_NS, Events, TickObservations, aggressor_events
from aleatoric.realism._tick_facts import (
    ASSET_SIZE_SCALE,
    book_depth_fact,
    burstiness_fact,
    impact_fact,
    mid_change_fact,
    multi_level_fact,
    ofi_fact,
    sign_memory_fact,
    size_tail_fact,
    touch_share_fact,
    touch_size_fact,
    zero_returns_fact,
)
from aleatoric.sinks.schema import AS_NS
from aleatoric.venues.normalize import normalize

F64 = npt.NDArray[np.float64]
NS = 1_000_000_000
HOUR = 3600 * NS


def _events(ts: npt.NDArray[np.int64], sign: F64, size: F64 | None = None) -> Events:
    size = np.ones(ts.size) if size is None else size
    return Events(ts, sign, size, np.ones(ts.size, dtype=np.int64))


def make_tick(
    mid: F64 | None = None, *, hours: float = 2.0, events: Events | None = None,
    bid_size: float = 3.0, depth: float = 8.0, ofi: F64 | None = None,
    source: str = "book_delta",
) -> TickObservations:  # fmt: skip
    """A 100 ms grid with the given mid (default constant), one-tick spread and fixed sizes."""
    n = int(hours * 36_000)
    mid = np.full(n, 60_000.05) if mid is None else mid
    change = np.ones(n, dtype=np.bool_)
    change[1:] = mid[1:] != mid[:-1]
    ts = (np.arange(n, dtype=np.int64) + 1) * GRID_NS - 1
    empty = np.empty(0, dtype=np.int64)
    return TickObservations(
        source=source, start_ns=0, end_ns=n * GRID_NS, grid_ns=GRID_NS,
        bid=mid - 0.05, ask=mid + 0.05, bid_size=np.full(n, bid_size),
        ask_size=np.full(n, bid_size), bid_depth=np.full(n, depth), ask_depth=np.full(n, depth),
        ofi=np.zeros(n // 10) if ofi is None else ofi, change_ts=ts[change],
        change_mid=mid[change], messages=n, empty=0, crossed=0,
        events=events if events is not None else Events(empty, np.empty(0), np.empty(0), empty),
    )  # fmt: skip


# --- events -----------------------------------------------------------------------------------


def test_aggressor_events_group_same_millisecond_same_side() -> None:
    ms = 1_000_000
    ts = np.array([0, 10, 20, 2 * ms, 2 * ms + 5, 2 * ms + 9, 5 * ms], dtype=np.int64)
    buy = np.array([True, True, True, True, False, False, False])
    price = np.array([100.0, 100.1, 100.2, 100.2, 99.9, 99.9, 99.8])
    size = np.array([0.1, 0.2, 0.3, 1.0, 0.5, 0.5, 2.0])
    ev = aggressor_events(ts, buy, price, size)
    assert ev.ts.tolist() == [0, 2 * ms, 2 * ms + 5, 5 * ms]
    assert ev.sign.tolist() == [1.0, 1.0, -1.0, -1.0]
    assert ev.size == pytest.approx([0.6, 1.0, 1.0, 2.0])
    assert ev.levels.tolist() == [3, 1, 1, 1]
    fact = multi_level_fact(make_tick(events=ev))
    assert fact.value == pytest.approx(0.25)


# --- known answers ----------------------------------------------------------------------------


def _markov_signs(n: int, stay: float, seed: int) -> F64:
    rng = np.random.default_rng(seed)
    flips = rng.random(n) > stay
    return np.where(np.cumsum(flips) % 2 == 0, 1.0, -1.0)


def _metaorder_signs(n: int, alpha: float, active: int, seed: int) -> F64:
    """Child-order signs of interleaved metaorders with Pareto(alpha) lengths (Lillo et al.)."""
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], active)
    left = np.ceil(rng.pareto(alpha, active) + 1.0)
    out = np.empty(n)
    pick = rng.integers(0, active, n)
    for t in range(n):
        j = pick[t]
        out[t] = signs[j]
        left[j] -= 1
        if left[j] <= 0:
            signs[j] = 1.0 if rng.random() < 0.5 else -1.0
            left[j] = math.ceil(rng.pareto(alpha) + 1.0)
    return out


def _ts(n: int, hours: float = 2.0) -> npt.NDArray[np.int64]:
    return np.sort(np.random.default_rng(0).integers(0, int(hours * HOUR), n)).astype(np.int64)


def test_sign_acf_of_a_markov_chain_matches_theory_and_fails_the_band() -> None:
    # A two-state chain that keeps its sign with probability p has ACF(k) = (2p - 1)^k.
    signs = _markov_signs(200_000, 0.6, seed=1)
    fact = sign_memory_fact(make_tick(events=_events(_ts(signs.size), signs)))
    assert fact.details["lag1"] == pytest.approx(0.2, abs=0.01)
    assert fact.details["lag10"] == pytest.approx(0.2**10, abs=0.01)
    assert fact.passed is False  # exponential decay: no long memory


def test_sign_acf_of_split_metaorders_has_long_memory() -> None:
    # Pareto(1.5) metaorder lengths give ACF ~ lag^-(alpha - 1) = lag^-0.5.
    signs = _metaorder_signs(300_000, 1.5, active=4, seed=2)
    fact = sign_memory_fact(make_tick(events=_events(_ts(signs.size), signs)))
    assert 0.3 <= fact.details["exponent"] <= 0.8
    assert fact.details["lag1"] >= 0.12 and fact.details["lag10"] >= 0.05
    assert fact.passed is True


@pytest.mark.parametrize(("alpha", "passes"), [(1.2, True), (2.5, False)])
def test_event_size_tail_recovers_the_pareto_index(alpha: float, passes: bool) -> None:
    rng = np.random.default_rng(3)
    size = np.round(0.1 * (rng.pareto(alpha, 100_000) + 1.0), 3)
    size[:2_000] = 0.1 * rng.integers(1, 6, 2_000)  # 2 % round sizes, below the tail
    size[size < 0.001] = 0.001
    events = _events(_ts(size.size), np.ones(size.size), size)
    fact = size_tail_fact(make_tick(events=events), 1.0)
    assert fact.details["hill"] == pytest.approx(alpha, rel=0.12)
    assert fact.details["round_share"] >= 0.02
    expected_q = np.quantile(size, 0.999)
    assert fact.details["q999"] == pytest.approx(expected_q)
    assert fact.passed is passes
    fills = np.array([0.1, 0.2, 0.013, 0.027, 0.5, 0.001, 0.003, 0.3])  # half are round
    by_fills = size_tail_fact(make_tick(events=events), 1.0, fills)
    assert by_fills.details["round_share"] == pytest.approx(0.5)
    assert by_fills.details["round_share_events"] == fact.details["round_share"]
    assert passes is bool(expected_q >= 15.0)  # alpha 2.5 also fails on q99.9


def test_burstiness_poisson_fails_clustered_passes() -> None:
    rng = np.random.default_rng(4)
    poisson = np.sort(rng.integers(0, 2 * HOUR, 20_000)).astype(np.int64)
    fact = burstiness_fact(make_tick(events=_events(poisson, np.ones(poisson.size))))
    assert fact.details["fano"] == pytest.approx(1.0, abs=0.1)
    assert fact.details["cv"] == pytest.approx(1.0, abs=0.05)
    assert fact.passed is False
    # bursts: 400 clusters of 50 events within 0.2 s
    centers = rng.integers(0, 2 * HOUR - NS, 400)
    bursty = np.sort((centers[:, None] + rng.integers(0, NS // 5, (400, 50))).ravel())
    fact = burstiness_fact(make_tick(events=_events(bursty.astype(np.int64), np.ones(20_000))))
    assert fact.details["fano"] > 10 and fact.details["cv"] > 1.2
    assert fact.passed is True


def test_mid_change_and_zero_returns_shares() -> None:
    n = 2 * 36_000
    steps = np.zeros(n)
    steps[::5] = 0.1  # a change in every fifth 100 ms interval
    fact = mid_change_fact(make_tick(60_000.05 + np.cumsum(steps)))
    assert fact.value == pytest.approx(0.2, abs=1e-3)
    assert fact.passed is True
    steps = np.zeros(n)
    steps[::20] = 0.1  # every other second has a change
    fact = zero_returns_fact(make_tick(60_000.05 + np.cumsum(steps)))
    assert fact.value == pytest.approx(0.5, abs=1e-3)
    assert fact.passed is True
    assert zero_returns_fact(make_tick(60_000.05 + np.cumsum(np.full(n, 0.1)))).passed is False


def test_touch_facts_and_asset_scaling() -> None:
    tick = make_tick(bid_size=3.0, depth=7.5)
    assert touch_size_fact(tick, 1.0).value == pytest.approx(3.0)
    assert touch_size_fact(tick, 1.0).passed is True
    eth = ASSET_SIZE_SCALE["ETH"]
    assert touch_size_fact(tick, eth).passed is False  # 3 ETH is a thin ETH touch
    assert touch_size_fact(make_tick(bid_size=20.0, depth=50.0), eth).passed is True
    assert touch_share_fact(tick).value == pytest.approx(0.4)


def test_ofi_r2_on_a_linear_price_response() -> None:
    rng = np.random.default_rng(5)
    seconds = 2 * 3600
    ofi = rng.normal(0, 5.0, seconds)
    dmid = np.round(0.04 * ofi + rng.normal(0, 0.1, seconds), 1)  # R² = 0.8 before rounding
    mid1 = 60_000.05 + np.concatenate([[0.0], np.cumsum(dmid[1:])])
    mid = np.repeat(mid1, 10)
    assert ofi_fact(make_tick(mid, ofi=ofi)).passed is None  # no trades: nothing to compare
    ts = _ts(20_000)
    events = _events(ts, rng.choice([-1.0, 1.0], ts.size))  # trades unrelated to the mid
    fact = ofi_fact(make_tick(mid, ofi=ofi, events=events))
    assert fact.details["r2_ofi_1s"] == pytest.approx(0.8, abs=0.05)
    assert fact.details["r2_trade_imbalance_10s"] < 0.05
    assert fact.passed is True
    noise = make_tick(mid, ofi=rng.normal(0, 5.0, seconds), events=events)
    assert ofi_fact(noise).passed is False
    # OFI between book states (snapshots) is shown but not judged against the event-level band.
    states = ofi_fact(make_tick(mid, ofi=ofi, events=events, source="book_snapshot every 1000 ms"))
    assert states.passed is None and states.value == fact.value and "book_delta" in states.reason


def test_impact_of_events_that_move_the_mid() -> None:
    # Every 10 s an event; the mid moves one tick in its direction 300 ms later, and a random
    # tick every other second: E[sign x move(1 s)] = 0.1, std(1 s) known.
    rng = np.random.default_rng(6)
    n = 2 * 36_000
    steps = np.zeros(n)
    ev_idx = np.arange(5, n - 20, 100)
    sign = rng.choice([-1.0, 1.0], ev_idx.size)
    steps[ev_idx + 3] = 0.1 * sign
    noise = np.arange(50, n, 20)
    steps[noise] += rng.choice([-0.1, 0.1], noise.size)
    mid = 60_000.05 + np.cumsum(steps)
    ts = (ev_idx * GRID_NS + GRID_NS // 2).astype(np.int64)
    fact = impact_fact(make_tick(mid, events=_events(ts, sign)))
    sd = float(np.std(np.diff(mid[9::10])))
    assert fact.value is not None
    assert fact.value * sd == pytest.approx(0.1, abs=0.02)


def test_short_data_marks_facts_insufficient_with_the_duration() -> None:
    fact = mid_change_fact(make_tick(hours=0.05))
    assert fact.status == "N/A" and fact.insufficient
    assert "needs 10 min of data, has 3 min" in fact.reason
    assert fact.value is not None  # still shown for information


# --- the book replay --------------------------------------------------------------------------


def test_replay_kernel_best_levels_depth_and_ofi() -> None:
    # Prices in ticks 0..19; bids at 5 (2.0) and 4 (1.0), asks at 6 (3.0) and 8 (1.0).
    ts = np.array([0, 0, 0, 0, 5, 15, 15, 25], dtype=np.int64) * 10_000_000  # 10 ms units
    is_ask = np.array([0, 0, 1, 1, 0, 1, 1, 0], dtype=np.bool_)
    idx = np.array([5, 4, 6, 8, 5, 6, 7, 5], dtype=np.int64)
    size = np.array([2.0, 1.0, 3.0, 1.0, 2.5, 0.0, 0.5, 0.0])
    last = np.array([0, 0, 0, 1, 1, 0, 1, 1], dtype=np.bool_)
    bids, asks = np.zeros(20), np.zeros(20)
    si, sf = new_state(20)
    g = np.full((4, 6), np.nan)
    ofi = np.zeros(1)
    ch_ts, ch_px = np.empty(8, np.int64), np.empty((8, 2), np.int64)
    n = replay(ts, is_ask, idx, size, last, bids, asks, si, sf, 0, 100_000_000, g, ofi,
               ch_ts, ch_px)  # fmt: skip
    # grid 0 ends at 100 ms: bid 5 (2.5 after the 50 ms update), ask 6 (3.0)
    assert g[0].tolist() == [5, 6, 2.5, 3.0, 3.5, 4.0]
    # 150 ms: ask 6 removed, 7 added -> ask 7 (0.5)
    assert g[1].tolist() == [5, 7, 2.5, 0.5, 3.5, 1.5]
    assert np.isnan(g[2]).all()  # written once the next row or the end shows it is complete
    finish_grid(si, sf, bids, asks, 0, 100_000_000, g)
    # 250 ms: the bid at 5 empties -> bid 4 (1.0); the final book fills the rest of the grid
    assert g[2].tolist() == g[3].tolist() == [4, 7, 1.0, 0.5, 1.0, 1.5]
    # OFI: +0.5 (bid queue grew), then ask moved up: + old ask queue 3.0 = 3.5; at 250 ms
    # the bid level 5 empties -> bid 4: - old bid queue 2.5 -> 1.0
    assert ofi[0] == pytest.approx(0.5 + 3.0 - 2.5)
    assert n == 3 and ch_px[:n].tolist() == [[5, 6], [5, 7], [4, 7]]
    # Every message end had one or two levels a side: all shallow, fewest one level.
    assert si[ST_MESSAGES] == 4 and si[ST_SHALLOW] == 4 and si[ST_FEWEST] == 1


def test_book_depth_counts_states_without_the_full_depth() -> None:
    full = make_tick()
    fact = book_depth_fact(full)
    assert fact.passed is True and fact.value == 100.0
    # 0.2 % of book states with a side of 3 levels: fails the >= 99.9 % band.
    n = full.messages
    thin = dataclasses.replace(full, shallow=n // 500, fewest=3)
    fact = book_depth_fact(thin)
    assert fact.passed is False and fact.value == pytest.approx(99.8)
    assert fact.details["fewest_levels"] == 3 and fact.details["full_levels"] == FULL_LEVELS


@pytest.fixture(scope="module")
def engine_and_capture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    config = aleatoric.load_config(duration="20m", segment="10m", warmup="5m", seed=21)
    root = tmp_path_factory.mktemp("tick")
    aleatoric.generate(config, root / "ds", formats=("parquet", "native"))
    capture = root / "ds" / "native" / "binance" / "btcusdt_20260101.gz"
    normalize(capture, "binance", root / "norm")
    return root / "ds", root / "norm"


def test_replayed_grid_matches_the_snapshots(engine_and_capture: tuple[Path, Path]) -> None:
    card = scorecard(engine_and_capture[0])
    tick = card.observations.tick if card.observations is not None else None
    assert tick is not None and tick.source == "book_delta"
    snap = pl.read_parquet(engine_and_capture[0] / "book_snapshot" / "**" / "*.parquet")
    snap = snap.sort("seq").with_columns(AS_NS)
    # the snapshot taken at the end of each 100 ms interval shows the replayed grid's book
    k = ((snap["ts_event"].to_numpy() - tick.start_ns) // GRID_NS) - 1
    ok = (k >= 0) & (k < tick.bid.size)
    same_bid = snap["bid_px_00"].to_numpy()[ok] == pytest.approx(tick.bid[k[ok]])
    same_sz = snap["ask_sz_00"].to_numpy()[ok] == pytest.approx(tick.ask_size[k[ok]])
    assert same_bid and same_sz
    # The engine's book keeps the full depth on both sides (replayed from every message end).
    depth = card.fact("book_depth")
    assert tick.shallow == 0 and tick.fewest >= FULL_LEVELS and depth.passed is True


def test_normalized_capture_scores_like_the_engine_output(
    engine_and_capture: tuple[Path, Path],
) -> None:
    ds, norm = engine_and_capture
    cmp = compare_with(scorecard(ds), norm)
    pairs = {a.name: (a, b) for a, b in cmp.fact_pairs()}
    assert set(TICK_FACT_NAMES) <= set(pairs)
    for name in ("touch_size", "touch_share", "mid_change_100ms", "multi_level_events"):
        a, b = pairs[name]
        assert a.value is not None and b.value == pytest.approx(a.value, rel=0.05), name
    assert cmp.b_label.startswith("binance BTCUSDT")
    data = json.loads(json.dumps(cmp.to_dict(), allow_nan=False))
    assert {f["name"] for f in data["facts"]} >= set(TICK_FACT_NAMES)


def test_tick_facts_stay_out_of_the_verdict_until_switched_on(
    engine_and_capture: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    card = scorecard(engine_and_capture[0])
    tick_fails = [f for f in card.facts if f.tick_level and f.passed is False]
    assert tick_fails  # the current model fails several tick-level bands
    assert not any(f.tick_level for f in card.failed)
    monkeypatch.setattr(_model, "TICK_LEVEL_IN_VERDICT", True)
    assert not card.passed
    assert {f.name for f in tick_fails} <= {f.name for f in card.failed}


def test_book_delta_out_of_seq_order_is_a_clear_error(tmp_path: Path) -> None:
    from aleatoric.realism import DatasetError

    part = tmp_path / "book_delta" / "venue=binance" / "symbol=BTCUSDT" / "date=2026-01-01"
    part.mkdir(parents=True)
    n = 4
    pl.DataFrame({
        "ts_event": np.arange(n, dtype=np.int64) * NS, "seq": np.arange(n, 0, -1, dtype=np.uint64),
        "side": ["bid", "ask", "bid", "ask"], "price": [99.9, 100.0, 99.8, 100.1],
        "size": [1.0, 1.0, 2.0, 2.0], "is_snapshot": [True] * n, "is_last": [True] * n,
    }).write_parquet(part / "part-00000.parquet")  # fmt: skip
    with pytest.raises(DatasetError, match="not in seq order"):
        scorecard(tmp_path)
