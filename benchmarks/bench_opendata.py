"""Benchmark one OpenData release: build time by phase and release size.

    python benchmarks/bench_opendata.py [--duration 1d] [--workers 2] [--date 2026-03-01]

Builds the release of ``--date`` (the shipped universe) into a temporary directory and
prints the wall time of each phase and in total, next to the baseline measured in the same
run: the phase that generates the canonical tables is exactly what ``aleatoric generate``
costs for the release's config, so the rest (native captures, scorecards, card, signing) is
the release's overhead. Then the size of the release by part (data, captures, scorecards)
and in total, and the rows per table. JIT compilation is warmed up outside the timed run.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import tempfile
import time
from pathlib import Path

import aleatoric
from aleatoric.dataset import open_dataset
from aleatoric.opendata import build_release, parse_date, release_duration
from aleatoric.provenance import generate_key


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="1d")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--date", default="2026-03-01")
    args = parser.parse_args()
    print(f"aleatoric {aleatoric.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores, {args.workers} workers")  # fmt: skip
    warm = aleatoric.load_config(duration="5m", segment="5m", warmup="5m", seed=1)
    aleatoric.simulate(warm)
    day, duration = parse_date(args.date), release_duration(args.duration)
    steps: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory() as scratch:
        key, _ = generate_key(Path(scratch) / "k", algorithm="ed25519")
        began = time.perf_counter()
        result = build_release(
            day, Path(scratch) / "out", duration_ns=duration, key=key, workers=args.workers,
            progress=lambda step: steps.append((time.perf_counter(), step)),
        )  # fmt: skip
        total = time.perf_counter() - began
        steps.append((began + total, "end"))
        phases: dict[str, float] = {}
        for (t0, step), (t1, _) in itertools.pairwise(steps):
            phase = step.split(" ")[0] + (" " + step.split(" ")[1] if "generating" in step else "")
            phases[phase] = phases.get(phase, 0.0) + (t1 - t0)
        print(f"release {args.date} ({args.duration}) built in {total:,.1f} s")
        for phase, seconds in phases.items():
            label = (
                f"{phase} (= aleatoric generate, baseline)"
                if phase == "generating parquet"
                else phase
            )
            print(f"  {label:<44} {seconds:>9,.1f} s  {seconds / total:6.1%}")
        root = result.path
        print(f"release size {result.bytes / 1e6:,.1f} MB in {result.files} files")
        for part in ("data", "captures", "scorecard"):
            print(f"  {part:<12} {_size(root / part) / 1e6:>10,.1f} MB")
        manifest = open_dataset(root / "data").manifest
        for table, rows in manifest.tables.items():
            print(f"  rows {table:<14} {rows:>14,}")


if __name__ == "__main__":
    main()
