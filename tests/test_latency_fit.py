"""`aleatoric latency fit` recovers the configured model; `netem` maps it; bad input is exit 2.

Tolerances (stated in docs/latency.md) for 2 hours of one instrument (about 600 000
events): median delay within 3 %, d_min within 5 % of the median delay, sigma within 10 %,
tau within 30 %, tail_p within 50 % and tail_alpha within 35 % when at least 100 events lie
beyond the body, and a Kolmogorov-Smirnov distance of the body from its normal law under 0.03.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import aleatoric
from aleatoric.config import DatasetConfig
from aleatoric.instruments import get_instrument
from aleatoric.latency import PROFILES, fit_latency, fit_losses, netem_line
from aleatoric.reactor import SegmentResult, simulate_segment
from aleatoric.sinks import Offsets, segment_tables


def _config(**extra: object) -> DatasetConfig:
    return aleatoric.load_config(
        venue="binance", symbol="BTCUSDT", duration="2h", segment="2h", warmup="5m", seed=21,
        **extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def segment() -> SegmentResult:
    return simulate_segment(_config(), 0)


def _delays(segment: SegmentResult, config: DatasetConfig) -> tuple[np.ndarray, np.ndarray]:
    tables = segment_tables(segment, config, get_instrument("binance", "BTCUSDT"), Offsets(0, 0))
    ts = np.concatenate([t["ts_event"].cast("int64").to_numpy() for t in tables.values()])
    recv = np.concatenate([t["ts_recv"].cast("int64").to_numpy() for t in tables.values()])
    return ts, recv - ts


@pytest.mark.parametrize("profile", list(PROFILES))
def test_fit_recovers_each_profile(segment: SegmentResult, profile: str) -> None:
    config = _config(overlays=[{"kind": "latency", "profile": profile}])
    fit = fit_latency(*_delays(segment, config))
    true, got = PROFILES[profile], fit.model
    assert fit.events > 80_000
    assert got.median_ms == pytest.approx(true.median_ms, rel=0.03)
    assert abs(got.d_min_ms - true.d_min_ms) < 0.05 * true.median_ms
    assert got.sigma == pytest.approx(true.sigma, rel=0.10)
    assert got.tau_ms == pytest.approx(true.tau_ms, rel=0.30)
    assert fit.ks_body < 0.03
    if fit.tail_events >= 100:
        assert got.tail_p == pytest.approx(true.tail_p, rel=0.5)
        assert got.tail_alpha == pytest.approx(true.tail_alpha, rel=0.35)
    # The short span and the steady rate are said, not guessed.
    assert any(note.startswith("diurnal_amplitude") for note in fit.notes)


def test_fit_tells_models_apart(segment: SegmentResult) -> None:
    config = _config(overlays=[{"kind": "latency", "profile": "retail", "params": {"sigma": 0.3}}])
    fit = fit_latency(*_delays(segment, config))
    assert fit.nearest_profile == "retail"
    assert fit.model.sigma == pytest.approx(0.3, rel=0.1)


def test_loss_chain_recovery() -> None:
    from aleatoric.latency._sample import gilbert_elliott

    model = PROFILES["retail"].model_copy(update={"loss_p": 0.01, "loss_bad": 1.0})
    lost = gilbert_elliott(model, 400_000, np.random.default_rng(7))
    p, r = fit_losses(lost)
    assert p == pytest.approx(0.01, rel=0.1)
    assert r == pytest.approx(0.2, rel=0.1)
    bursts = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], lost, [0]]))))[::2]
    assert bursts.mean() == pytest.approx(1 / 0.2, rel=0.1)  # mean burst 1 / loss_r


def test_netem_line() -> None:
    line = netem_line(PROFILES["cross-region"], "lo")
    assert line.startswith("tc qdisc add dev lo root netem delay ")
    delay, jitter, corr = re.search(r"delay (\S+)ms (\S+)ms (\S+)%", line).groups()  # type: ignore[union-attr]
    assert float(delay) == pytest.approx(65 + 3 * np.exp(0.18), rel=1e-3)
    assert 0 < float(jitter) < 5
    assert float(corr) == pytest.approx(100 * np.exp(-10 / 1000), abs=0.1)
    assert "distribution paretonormal loss gemodel 0.01% 25% 100% 0%" in line


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "latency", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_cli_fit_netem_and_bad_input(tmp_path: Path) -> None:
    config = aleatoric.load_config(
        duration="5m", segment="5m", warmup="5m", seed=2,
        overlays=[{"kind": "latency", "profile": "cross-region"}],
    )  # fmt: skip
    aleatoric.generate(config, tmp_path / "ds", formats=("parquet", "native"))
    done = _cli("fit", str(tmp_path / "ds"), "--format", "json")
    assert done.returncode == 0, done.stderr
    fitted = json.loads(done.stdout)
    assert fitted["nearest_profile"] == "cross-region"
    assert fitted["params"]["d_min_ms"] == pytest.approx(65, rel=0.02)
    capture = next((tmp_path / "ds" / "native" / "binance").glob("*.gz"))
    done = _cli("fit", str(capture))
    assert done.returncode == 0, done.stderr
    assert 'kind = "latency"' in done.stdout
    assert 'profile = "cross-region"' in done.stdout
    done = _cli("netem", "retail", "--param", "loss_r=0.5", "--dev", "lo")
    assert done.returncode == 0
    assert "loss gemodel 0.05% 50% 90% 0%" in done.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('overlays = [{ kind = "latency", profile = "lan" }]\n')
    done = subprocess.run([sys.executable, "-m", "aleatoric.cli", "validate", str(bad)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 2
    assert "overlays.0: profile: 'lan'; allowed: colocated" in done.stderr
    for args, words in [
        (("netem", "lan"), "profile: 'lan'; allowed: colocated, same-region-cloud"),
        (("netem", "retail", "-p", "jitter=1"), "param: unknown latency parameter 'jitter'"),
        (("fit", str(tmp_path / "nothing")), "no dataset or capture"),
        (("fit", str(tmp_path / "ds"), "--format", "xml"), "format: 'xml'; allowed: toml, json"),
    ]:
        done = _cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert words in " ".join(done.stderr.split()), done.stderr
        assert "Traceback" not in done.stderr
