"""End-to-end rows per second of this tree against an earlier commit, measured in the same run.

    python benchmarks/bench_versus.py [--ref 842a362] [--hours 2] [--repeat 3]

The earlier commit's ``src`` is extracted with ``git archive`` into a temporary folder, and each
side runs ``generate`` (one worker, BTCUSDT calm, seed 7) in its own subprocess, alternately,
so both see the same machine load. Each subprocess compiles its kernels before the timed run.
Prints rows, wall-clock and CPU seconds per run, the best rows/s of each side and their ratio
(issue goal: rows per second end to end not lower than the earlier model's), and the reactor
core's events per CPU second (``simulate_segment`` over every segment, no I/O) of each side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Runs in the subprocess: compile on a tiny config, then time one generate() call.
_PROBE = """
import json, resource, shutil, sys, tempfile, time
from pathlib import Path
import aleatoric
from aleatoric.reactor import segment_count, simulate_segment
simulate_segment(aleatoric.load_config(duration="5m", segment="5m", warmup="5m", seed=1), 0)
config = aleatoric.load_config(duration=sys.argv[1], seed=7)
core0 = time.process_time()
events = sum(simulate_segment(config, i).rows.shape[0] for i in range(segment_count(config)))
core = time.process_time() - core0
out = Path(tempfile.mkdtemp()) / "ds"
cpu0 = resource.getrusage(resource.RUSAGE_SELF)
began = time.perf_counter()
result = aleatoric.generate(config, out, workers=1)
wall = time.perf_counter() - began
cpu1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
size = sum(f.bytes for f in result.files)
shutil.rmtree(out.parent)
print(json.dumps({"rows": result.rows, "wall": wall, "cpu": cpu, "bytes": size,
                  "events": events, "core": core}))
"""


def extract(ref: str, into: Path) -> Path:
    """Extract ``src`` of commit ``ref`` into ``into``; return the folder to put on the path."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src"],
        check=True,
        capture_output=True,
    ).stdout
    tar = into / "src.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    tar.unlink()
    return into / "src"


def run(src: Path, duration: str) -> dict[str, float]:
    """Time one end-to-end run of the tree whose package lives in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, duration],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="842a362", help="earlier commit (the old model)")
    parser.add_argument("--hours", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    duration = f"{args.hours}h"
    with tempfile.TemporaryDirectory() as tmp:
        sides = {args.ref: extract(args.ref, Path(tmp)), "this tree": ROOT / "src"}
        best: dict[str, dict[str, float]] = {}
        for n in range(args.repeat):
            for name, src in sides.items():
                r = run(src, duration)
                load = os.getloadavg()[0]
                print(
                    f"run {n + 1} {name:>10}: {r['rows']:>10,.0f} rows  {r['wall']:6.2f} s wall  "
                    f"{r['cpu']:6.2f} s CPU  {r['rows'] / r['wall']:>10,.0f} rows/s  "
                    f"{r['rows'] / r['cpu']:>10,.0f} rows/CPU-s  {r['bytes'] / 1e6:7.1f} MB  "
                    f"reactor core {r['events'] / r['core']:>10,.0f} events/CPU-s  "
                    f"load {load:.2f}",
                    flush=True,
                )
                kept = best.setdefault(name, dict(r))
                for k in ("wall", "cpu", "core"):
                    kept[k] = min(kept[k], r[k])
    old, new = best[args.ref], best["this tree"]
    wall_ratio = (new["rows"] / new["wall"]) / (old["rows"] / old["wall"])
    cpu_ratio = (new["rows"] / new["cpu"]) / (old["rows"] / old["cpu"])
    print(
        f"rows/s end to end, best of {args.repeat}: this tree / {args.ref} = {wall_ratio:.2f}x "
        f"wall, {cpu_ratio:.2f}x CPU (goal >= 1.0x); simulated time per wall second "
        f"{old['wall'] / new['wall']:.2f}x"
    )
    core_ratio = (new["events"] / new["core"]) / (old["events"] / old["core"])
    print(
        f"reactor core events per CPU second, best of {args.repeat}: this tree / {args.ref} = "
        f"{core_ratio:.2f}x (issue 19 goal >= 2.0x of the model at the issue's time)"
    )


if __name__ == "__main__":
    main()
