"""Benchmark the Go SDK's readers against PyArrow on the same files, in the same run.

    python benchmarks/bench_sdk_go.py [--duration 30m] [--repeat 5] [--dir DIR]

Generates one BTCUSDT calm dataset (or reads ``--dir``), builds ``aleatoric-go`` from
sdk/go, and prints events/s reading ``trades`` and ``book_delta``:

- ``pyarrow``: ``pq.read_table`` of every file of the table, all columns (PyArrow's own
  thread pool, its default), and the same with ``use_threads=False``;
- ``go-arrow``: the Go SDK's record batches as pyarrow reads them (utf8 strings, arrow-go's
  pqarrow, one goroutine, Go-managed buffers);
- ``go-arrow-tuned``: the same with strings as stored (dictionary) and a PoolAllocator;
- ``go-structs``: the tuned batches decoded into typed Go structs, the next batches read
  ahead by a goroutine (what ``ds.Trades()`` does).

Rounds alternate between the readers, so they see the same machine load; each figure is the
best of ``--repeat`` rounds, after one untimed warm-up round (page cache). Next to the
wall-clock rate, ``cpu`` is events per CPU-second of the process (all its threads), which
is steadier on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import aleatoric

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("trades", "book_delta")


def _pyarrow_once(paths: list[Path], threads: bool) -> tuple[int, float, float]:
    began, cpu = time.perf_counter(), time.process_time()
    rows = sum(pq.read_table(p, use_threads=threads).num_rows for p in paths)
    return rows, time.perf_counter() - began, time.process_time() - cpu


def _go_once(binary: Path, root: Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [str(binary), "bench", str(root), "--tables", ",".join(TABLES), "--repeat", "1"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="30m", help="length of the generated dataset")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", type=Path, help="an existing dataset instead of generating one")
    args = parser.parse_args()
    go = shutil.which("go")
    if go is None:
        raise SystemExit("the Go toolchain is not installed")
    work = Path(tempfile.mkdtemp(prefix="bench-sdk-go-"))
    try:
        root = args.dir
        if root is None:
            root = work / "ds"
            config = aleatoric.load_config(duration=args.duration, segment="10m", seed=7)
            aleatoric.generate(config, root)
        binary = work / "aleatoric-go"
        subprocess.run(
            [go, "build", "-p", "1", "-o", str(binary), "./cmd/aleatoric-go"],
            cwd=ROOT / "sdk" / "go",
            check=True,
        )
        go_version = subprocess.run([go, "version"], capture_output=True, text=True).stdout
        print(f"PyArrow {pa.__version__}, Python {platform.python_version()}, "
              f"{go_version.strip()}, {os.cpu_count()} cores")  # fmt: skip
        print(f"best of {args.repeat} rounds")
        manifest = json.loads((root / "manifest.json").read_text())
        files = manifest["files"]
        paths = {t: [root / f["path"] for f in files if f["table"] == t] for t in TABLES}
        best: dict[tuple[str, str], tuple[float, float]] = {}
        rows: dict[str, int] = {}

        def keep(table: str, reader: str, n: int, wall: float, cpu: float) -> None:
            rows[table] = n
            old = best.get((table, reader), (float("inf"), float("inf")))
            best[(table, reader)] = (min(old[0], wall), min(old[1], cpu))

        for round_ in range(args.repeat + 1):
            for table in TABLES:
                for threads in (True, False):
                    n, wall, cpu = _pyarrow_once(paths[table], threads)
                    reader = "pyarrow (threads)" if threads else "pyarrow (one thread)"
                    if round_:
                        keep(table, reader, n, wall, cpu)
            for r in _go_once(binary, root):
                if round_:
                    keep(r["table"], r["reader"], r["rows"], r["seconds"], r["cpu_seconds"])
        for table in TABLES:
            n = rows[table]
            base_wall, base_cpu = best[(table, "pyarrow (threads)")]
            print(f"{table} ({n:,} rows)          events/s   events/cpu-s  vs pyarrow (threads)")
            for (t, reader), (wall, cpu) in best.items():
                if t == table:
                    print(f"  {reader:<21} {n / wall:>12,.0f} {n / cpu:>14,.0f}  "
                          f"{base_wall / wall:.2f}x wall, {base_cpu / cpu:.2f}x cpu")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
