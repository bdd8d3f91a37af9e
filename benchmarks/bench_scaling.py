"""Benchmark worker scaling and peak memory: one worker against two, one day of one instrument.

    python benchmarks/bench_scaling.py [--duration 1d] [--workers 2]

Each run is a fresh process generating the dataset to Parquet (no cache), timed from the
call to ``generate`` to its return (worker start-up included). Prints the wall time with 1
and with ``--workers`` workers, the speed-up next to its goal (2 workers >= 1.8x one), that
the files are byte-identical, and the peak resident memory of the process that simulated
and wrote (the run's own process, which also runs a worker with several, or the largest
worker process) next to its goal (<= 2 GiB per worker). The load average before each run is
printed: on a shared machine other work makes the speed-up smaller than the code's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

GOAL_SPEEDUP = 1.8
GOAL_RSS_GIB = 2.0

#: The measured run, in its own process so that its peak memory is its own.
RUN = """
import json, resource, sys, time
import aleatoric
config = aleatoric.load_config(**json.loads(sys.argv[1]))
base = resource.getrusage(resource.RUSAGE_SELF)
began = time.perf_counter()
result = aleatoric.generate(config, sys.argv[2], workers=int(sys.argv[3]))
elapsed = time.perf_counter() - began
own = resource.getrusage(resource.RUSAGE_SELF)
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (own.ru_utime + own.ru_stime - base.ru_utime - base.ru_stime
       + workers.ru_utime + workers.ru_stime)
print(json.dumps({"seconds": elapsed, "rows": result.rows, "self_kib": own.ru_maxrss,
                  "children_kib": workers.ru_maxrss, "cpu": cpu}))
"""


def digests(root: Path) -> dict[str, str]:
    """Return the SHA-256 of every file under ``root`` by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run(fields: dict[str, object], out: Path, workers: int) -> dict[str, float]:
    """Generate in a fresh process; return its seconds, rows and peak RSS (KiB)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(fields), str(out), str(workers)],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def peak_gib(result: dict[str, float], workers: int) -> float:
    """Return the peak RSS of the process that simulated and wrote, in GiB."""
    # With several workers the parent runs one of them in a thread: the larger of the two.
    kib = result["self_kib"] if workers == 1 else max(result["self_kib"], result["children_kib"])
    return kib / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="1d")
    parser.add_argument("--segment", default="1h")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    fields = {"duration": args.duration, "segment": args.segment, "seed": 7}
    tmp = Path(tempfile.mkdtemp())
    try:
        run({**fields, "duration": args.segment}, tmp / "warm", 1)  # JIT caches warm
        results = {}
        for workers in (1, args.workers):
            load = os.getloadavg()
            results[workers] = run(fields, tmp / f"w{workers}", workers)
            r = results[workers]
            rss = peak_gib(r, workers)
            print(f"{workers} worker(s): {r['seconds']:7.1f} s wall, {r['cpu']:7.1f} s CPU, "
                  f"{r['rows'] / r['seconds']:>10,.0f} rows/s, peak RSS {rss:.2f} GiB per "
                  f"worker (goal <= {GOAL_RSS_GIB} GiB), load average before {load[0]:.2f}",
                  flush=True)  # fmt: skip
        same = digests(tmp / "w1") == digests(tmp / f"w{args.workers}")
        speedup = results[1]["seconds"] / results[args.workers]["seconds"]
        # On a busy machine wall time measures the load; the CPU a run spends in all its
        # processes shows what parallelism costs (1.0: none; the ideal speed-up is then
        # workers x this efficiency on idle cores).
        efficiency = results[1]["cpu"] / results[args.workers]["cpu"]
        print(
            f"CPU efficiency of {args.workers} workers: {efficiency:.2f} (CPU of 1 worker / "
            f"CPU of {args.workers}); on idle cores, waits aside, at most "
            f"{args.workers * efficiency:.2f}x"
        )
        print(f"{args.workers} workers / 1: {speedup:.2f}x wall (goal >= {GOAL_SPEEDUP}x), "
              f"files byte-identical: {same}, {os.cpu_count()} cores, "
              f"load average now {os.getloadavg()[0]:.2f}")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
