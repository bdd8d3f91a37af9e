"""Benchmark the segment cache: stored size against the Parquet it produces, and its cost.

    python benchmarks/bench_cache.py [--hours 1]

Generates ``--hours`` of BTCUSDT (all tables) into a fresh cache and prints the bytes of the
cached segments next to the dataset's Parquet bytes, with the ratio and its goal (<= 1.5x),
and the CPU seconds to store and to load the segments (compression and decompression).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import aleatoric
from aleatoric.cache import CacheStore

GOAL_RATIO = 1.5


def measure(config: aleatoric.DatasetConfig, tmp: Path) -> dict[str, float]:
    """Generate into ``tmp`` with a fresh cache; return sizes and the store and load seconds."""
    store = CacheStore(tmp / "cache", max_bytes=0, warn_bytes=0)
    aleatoric.generate(config, tmp / "ds", cache=store)
    segments = [e for e in store.entries() if e.kind == "segment"]
    parquet = sum(p.stat().st_size for p in (tmp / "ds").rglob("*.parquet"))
    results = [store.get_segment(e.key) for e in segments]
    began = time.process_time()
    for e, result in zip(segments, results, strict=True):
        assert result is not None
        store.put_segment(e.key, result)
    put = time.process_time() - began
    began = time.process_time()
    for e in segments:
        store.get_segment(e.key)
    get = time.process_time() - began
    size = sum(e.bytes for e in segments)
    return {"segments": len(segments), "segment_bytes": size, "parquet_bytes": parquet,
            "ratio": size / parquet, "put_s": put, "get_s": get}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=1)
    args = parser.parse_args()
    config = aleatoric.load_config(duration=f"{args.hours}h", seed=7)
    tmp = Path(tempfile.mkdtemp())
    try:
        r = measure(config, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"{r['segments']:.0f} segment(s): cached {r['segment_bytes'] / 1e6:,.1f} MB, Parquet "
        f"{r['parquet_bytes'] / 1e6:,.1f} MB: {r['ratio']:.2f}x (goal <= {GOAL_RATIO}x)"
    )
    print(f"store {r['put_s']:.2f} s CPU, load {r['get_s']:.2f} s CPU; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
