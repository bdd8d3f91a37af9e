"""Latency overlays: receive times from a model, market data untouched, bytes deterministic."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

import aleatoric
from aleatoric._generate import compute_segments
from aleatoric._seeding import Stream
from aleatoric.cache import CacheStore
from aleatoric.config import ConfigError, DatasetConfig
from aleatoric.latency import PROFILES, latency_model
from aleatoric.latency._sample import sample_latency_ns
from tests.conftest import read_table

BASE = {"duration": "4m", "segment": "2m", "warmup": "5m", "seed": 5}
# Without losses here: tests/test_latency_losses.py covers them.
OVERLAY = {"kind": "latency", "profile": "retail", "params": {"loss_p": 0}}


def _config(**extra: object) -> DatasetConfig:
    return aleatoric.load_config(venue="binance", symbol="BTCUSDT", **BASE, **extra)


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def _capture(root: Path) -> list[tuple[int, str]]:
    (path,) = sorted((root / "native" / "binance").glob("*.gz"))
    with gzip.open(path, "rt") as fh:
        return [(int(line[:19]), line[20:]) for line in fh]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lat") / "plain"
    aleatoric.generate(_config(), out, formats=("parquet", "native"))
    return out


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lat") / "retail"
    aleatoric.generate(_config(overlays=[OVERLAY]), out, formats=("parquet", "native"))
    return out


@pytest.mark.parametrize("table", ["mbo", "book_delta", "book_snapshot", "trades", "ticker"])
def test_market_data_is_unchanged(plain: Path, retail: Path, table: str) -> None:
    a, b = read_table(plain, table), read_table(retail, table)
    assert a.height > 0
    assert a.drop("ts_recv").equals(b.drop("ts_recv"))
    delay = (b["ts_recv"] - b["ts_event"]).to_numpy()
    assert delay.min() >= 20_000_000  # d_min of the retail profile
    assert np.unique(delay).size > a.height // 10  # drawn, not a constant
    assert ((a["ts_recv"] - a["ts_event"]).to_numpy() == 5_000_000).all()


def test_native_messages_are_unchanged_and_in_order(plain: Path, retail: Path) -> None:
    a, b = _capture(plain), _capture(retail)
    assert [text for _, text in a] == [text for _, text in b]
    local = np.array([t for t, _ in b])
    assert (np.diff(local) >= 0).all()  # one connection delivers in order
    assert not np.array_equal(local, np.array([t for t, _ in a]))


def test_delays_apply_inside_the_window_only(tmp_path: Path) -> None:
    window = {**OVERLAY, "start": "1m", "duration": "2m"}
    config = _config(overlays=[window], tables=["trades"])
    aleatoric.generate(config, tmp_path / "w")
    t = read_table(tmp_path / "w", "trades")
    delay = (t["ts_recv"] - t["ts_event"]).to_numpy()
    minute = (t["ts_event"].to_numpy() - config.start_ns) // 60_000_000_000
    assert (delay[(minute < 1) | (minute >= 3)] == config.latency).all()
    assert (delay[(minute >= 1) & (minute < 3)] >= 20_000_000).all()


def test_same_bytes_for_any_worker_count_and_chunking(retail: Path, tmp_path: Path) -> None:
    config = _config(overlays=[OVERLAY])
    aleatoric.generate(config, tmp_path / "w2", workers=2, formats=("parquet", "native"))
    assert _digests(retail) == _digests(tmp_path / "w2")
    # Segments computed in separate chunks (as remote workers do), then published.
    cache = CacheStore(tmp_path / "cache")
    compute_segments(config, [1], cache)
    compute_segments(config, [0], cache)
    aleatoric.generate(config, tmp_path / "chunks", cache=cache, formats=("parquet", "native"))
    assert _digests(retail) == _digests(tmp_path / "chunks")


def test_delays_depend_on_the_minute_only() -> None:
    model = PROFILES["cross-region"]
    origin = 1_767_225_600_000_000_000
    ts = origin + np.sort(np.random.default_rng(1).integers(0, 180_000_000_000, 5_000))
    whole = sample_latency_ns(model, ts, seed=3, instrument=9, stream=Stream.LATENCY,
                              origin_ns=origin)  # fmt: skip
    split = np.searchsorted(ts, origin + 120_000_000_000)
    parts = [
        sample_latency_ns(model, ts[a:b], seed=3, instrument=9, stream=Stream.LATENCY,
                          origin_ns=origin)
        for a, b in ((0, split), (split, ts.size))
    ]  # fmt: skip
    assert np.array_equal(whole, np.concatenate(parts))
    other = sample_latency_ns(model, ts, seed=3, instrument=9, stream=Stream.LATENCY_NATIVE,
                              origin_ns=origin)  # fmt: skip
    assert not np.array_equal(whole, other)


@pytest.mark.parametrize(
    ("overlay", "field", "words"),
    [
        ({"kind": "latency"}, "overlays.0", "allowed: colocated, same-region-cloud"),
        ({"kind": "latency", "profile": "lan"}, "overlays.0", "profile: 'lan'; allowed:"),
        ({**OVERLAY, "params": {"sigma": 0}}, "overlays.0", "params: sigma:"),
        ({**OVERLAY, "params": {"jitter": 1}}, "overlays.0", "allowed: d_min_ms, mu, sigma"),
        (
            {"kind": "jitter"},
            "overlays.0.kind",
            "allowed: flash-crash, funding-squeeze, latency, liquidation-cascade, liquidity-void, "
            "venue-outage",
        ),
    ],
)
def test_bad_overlays_name_the_field(overlay: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        _config(overlays=[overlay])
    assert [path for path, _ in info.value.errors] == [field]
    assert words in info.value.errors[0][1]


def test_overlapping_latency_windows_are_refused() -> None:
    with pytest.raises(ConfigError, match="overlaps"):
        _config(overlays=[OVERLAY, {**OVERLAY, "start": "1m"}])


def test_profile_params_override() -> None:
    model = latency_model("retail", {"sigma": 0.2})
    assert model.sigma == 0.2
    assert model.d_min_ms == PROFILES["retail"].d_min_ms
