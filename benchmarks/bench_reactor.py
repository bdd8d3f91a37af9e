"""Benchmark the reactor and the Parquet path, with a bare-PyArrow baseline in the same run.

    python benchmarks/bench_reactor.py [--hours 2] [--day] [--workers 2]

Prints: reactor events/s on one core (rows emitted by ``simulate_segment``), end-to-end
events/s to Parquet (``generate``), the same rows written by bare PyArrow and the ratio, the
speed-up of 2 workers over 1, and with ``--day`` the wall time of one BTCUSDT calm day on one
core. JIT compilation is warmed up outside the timed regions.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

import aleatoric
from aleatoric.reactor import segment_count, simulate_segment
from aleatoric.sinks import Offsets, segment_tables
from aleatoric.sinks.parquet import writer_options


def _timed_generate(config: aleatoric.DatasetConfig, workers: int) -> tuple[float, int, float]:
    # Wall-clock seconds, rows, and CPU seconds of this process (all of it with one worker).
    out = Path(tempfile.mkdtemp()) / "ds"
    cpu = time.process_time()
    began = time.perf_counter()
    result = aleatoric.generate(config, out, workers=workers)
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu
    shutil.rmtree(out.parent)
    return elapsed, result.rows, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=2)
    parser.add_argument("--day", action="store_true", help="also time one full day")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"aleatoric {aleatoric.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip

    warm = aleatoric.load_config(duration="5m", segment="5m", warmup="5m", seed=1)
    simulate_segment(warm, 0)
    config = aleatoric.load_config(duration=f"{args.hours}h", seed=7)
    inst = aleatoric.get_instrument(config.venue, config.symbol)

    # 1. Reactor core: simulate every segment, no I/O.
    rows = 0
    cpu = time.process_time()
    began = time.perf_counter()
    results = []
    for i in range(segment_count(config)):
        results.append(simulate_segment(config, i))
        rows += results[-1].rows.shape[0]
    core = time.perf_counter() - began
    core_cpu = time.process_time() - cpu
    print(f"reactor core      {rows / core:>14,.0f} events/s/core  ({rows:,} rows, {core:.2f} s; "
          f"{rows / core_cpu:,.0f} per CPU second)")  # fmt: skip

    # 2. Baseline: the same tables written by bare PyArrow, with the sink's writer options
    #    (compression, level, row groups, encodings).
    tables = [segment_tables(r, config, inst, Offsets(0, 0)) for r in results]
    tmp = Path(tempfile.mkdtemp())
    cpu = time.process_time()
    began = time.perf_counter()
    for n, seg in enumerate(tables):
        for name, table in seg.items():
            pq.write_table(table, tmp / f"{name}-{n}.parquet", **writer_options(table.schema))
    bare = time.perf_counter() - began
    bare_cpu = time.process_time() - cpu
    shutil.rmtree(tmp)
    print(f"bare PyArrow      {rows / bare:>14,.0f} rows/s        ({bare:.2f} s; "
          f"{bare_cpu:.2f} s CPU)")  # fmt: skip

    # 3. End to end: generate() with one worker.
    e2e, written, e2e_cpu = _timed_generate(config, 1)
    print(f"end to end        {written / e2e:>14,.0f} events/s/core  ({e2e:.2f} s; "
          f"{e2e_cpu:.2f} s CPU, {written / e2e_cpu:,.0f} per CPU second)")  # fmt: skip
    print(f"end to end / (core + bare write) = {e2e / (core + bare):.2f}x;  "
          f"end to end / bare write = {e2e / bare:.2f}x wall, {e2e_cpu / bare_cpu:.2f}x CPU "
          "(goal <= 2.0x; on a busy machine the CPU ratio is the steadier one)")  # fmt: skip

    # 4. Workers.
    if args.workers > 1:
        par, _, _ = _timed_generate(config, args.workers)
        print(f"{args.workers} workers         {written / par:>14,.0f} events/s       "
              f"speed-up {e2e / par:.2f}x over 1 worker (goal >= 1.8x on a 1-day dataset: "
              "bench_scaling.py); load average {:.2f}".format(os.getloadavg()[0]))  # fmt: skip

    # 5. One day on one core.
    if args.day:
        day = aleatoric.load_config(duration="1d", seed=7)
        elapsed, day_rows, _ = _timed_generate(day, 1)
        print(f"one BTCUSDT calm day, 1 core: {elapsed:.1f} s ({day_rows:,} rows)")
    else:
        print(f"one BTCUSDT calm day, 1 core (extrapolated from {args.hours} h): "
              f"{e2e * 24 / args.hours:.1f} s; run with --day to measure")  # fmt: skip


if __name__ == "__main__":
    main()
