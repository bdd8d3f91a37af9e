"""Benchmark the integrity rules on a generated dataset.

    python benchmarks/bench_check.py [--hours 1] [--preset calm] [--repeat 3] [--data DIR]

Generates a dataset (or uses ``--data``), runs :func:`aleatoric.integrity.check_dataset`
once to load compiled kernels, then times ``--repeat`` full checks and prints rows per second
of wall time and per core (rows per CPU-second over every thread of the process), plus the
time of each rule alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl

import aleatoric
from aleatoric.integrity import check_dataset, rule_names


def _timed(path: Path, rules: list[str] | None) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    report = check_dataset(path, rules=rules)
    if not report.passed:
        raise SystemExit(f"the dataset fails its check:\n{report.to_text()}")
    return time.perf_counter() - wall, time.process_time() - cpu, report.rows


def main() -> None:
    """Generate a dataset, time the full check and each rule, print rows per second."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--hours", type=int, default=1)
    parser.add_argument("--preset", default="calm")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="check this dataset instead of generating")
    args = parser.parse_args()

    scratch = None
    if args.data is None:
        scratch = Path(tempfile.mkdtemp())
        path = scratch / "ds"
        config = aleatoric.load_config(
            duration=f"{args.hours}h", preset=args.preset, seed=args.seed
        )
        began = time.perf_counter()
        aleatoric.generate(config, path)
        print(f"generated {args.hours} h {args.preset} in {time.perf_counter() - began:.1f} s")
    else:
        path = args.data
    try:
        check_dataset(path)  # load the compiled kernels outside the timed runs
        runs = [_timed(path, None) for _ in range(args.repeat)]
        wall, cpu, rows = min(runs)
        print(
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"polars threads {pl.thread_pool_size()}"
        )
        print(f"rows checked: {rows:,} (all tables), {len(rule_names())} rules")
        print(f"best of {args.repeat}: {wall:.3f} s wall, {cpu:.3f} s CPU")
        print(f"  {rows / wall:,.0f} rows/s wall")
        print(f"  {rows / cpu:,.0f} rows/s per core (rows per CPU-second)")
        print("per rule alone (reads its own columns), wall:")
        for name in rule_names():
            rule_wall, _, _ = min(_timed(path, [name]) for _ in range(args.repeat))
            print(f"  {name:<26} {rule_wall * 1e3:8.1f} ms")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
