"""The benchmarks' code on tiny inputs: what they measure is right (nothing is timed here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks import bench_cache, bench_native, bench_scaling, bench_versus

import aleatoric


def test_native_benchmark_encodes_and_rebuilds_the_same_messages(tmp_path: Path) -> None:
    r = bench_native.measure("okx", 1, tmp_path, repeat=1)
    assert r.messages == len(r.lines) > 100
    local = [int(line[:19]) for line in r.lines]
    assert local == sorted(local)
    assert all(isinstance(json.loads(line[20:]), dict) for line in r.lines)
    # The baseline wrote every message once more.
    assert r.encoder_s > 0 and r.baseline_s > 0 and r.ratio > 0


def test_cache_benchmark_compares_cached_segments_with_parquet(tmp_path: Path) -> None:
    config = aleatoric.load_config(duration="5m", segment="5m", warmup="5m", seed=3)
    r = bench_cache.measure(config, tmp_path)
    assert r["segments"] == 1 and r["parquet_bytes"] > 0
    assert r["ratio"] <= bench_cache.GOAL_RATIO


@pytest.mark.slow
def test_scaling_benchmark_runs_are_identical(tmp_path: Path) -> None:
    fields = {"duration": "10m", "segment": "5m", "warmup": "5m", "seed": 3}
    one = bench_scaling.run(fields, tmp_path / "w1", 1)
    two = bench_scaling.run(fields, tmp_path / "w2", 2)
    assert one["rows"] == two["rows"] > 0
    assert bench_scaling.digests(tmp_path / "w1") == bench_scaling.digests(tmp_path / "w2")
    assert 0 < bench_scaling.peak_gib(one, 1) < 64 and bench_scaling.peak_gib(two, 2) > 0


def test_versus_benchmark_extracts_a_commits_package(tmp_path: Path) -> None:
    src = bench_versus.extract("HEAD", tmp_path)
    assert (src / "aleatoric" / "__init__.py").is_file()
    assert (src / "aleatoric" / "reactor" / "_driver.py").is_file()
