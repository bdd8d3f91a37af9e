"""Benchmark the C++ SDK's reader against pyarrow on the same Parquet files, in one run.

    python benchmarks/bench_sdk_cpp.py [--dataset DIR | --minutes 15] [--bench PATH]

Reads the `trades` and `book_delta` tables of one dataset (generated into a temporary folder
unless `--dataset` is given) and prints, best of `--repeat`, events per second of wall time
and per CPU-second (all threads; the steadier figure on a shared machine) for:

- pyarrow `iter_batches` (one thread, 64 Ki-row batches),
- pyarrow `read_table` (its default, on Arrow's thread pool),
- the C++ SDK (`aleatoric-bench`, built in sdk/cpp/build): Arrow record batches, typed
  records (structs; on Arrow's thread pool, its default, and on one thread), and the ordered
  event stream of that table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

import aleatoric

ROOT = Path(__file__).resolve().parents[1]
BATCH = 64 * 1024


def _best(repeat: int, run: Callable[[], int]) -> tuple[int, float, float]:
    # Best wall time and best process CPU time (all threads) of `repeat` runs: on a shared
    # machine the CPU time is the steadier figure.
    wall = cpu = float("inf")
    rows = 0
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        rows = run()
        cpu = min(cpu, time.process_time() - began_cpu)
        wall = min(wall, time.perf_counter() - began)
    return rows, wall, cpu


def _files(root: Path, table: str) -> list[Path]:
    manifest = json.loads((root / "manifest.json").read_text())
    return [root / f["path"] for f in manifest["files"] if f["table"] == table]


def _iter_batches(files: list[Path]) -> int:
    rows = 0
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH, use_threads=False):
            rows += batch.num_rows
    return rows


def _read_table(files: list[Path]) -> int:
    return sum(pq.read_table(path).num_rows for path in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, help="An existing dataset folder.")
    parser.add_argument("--minutes", type=int, default=15, help="Length of a generated one.")
    parser.add_argument("--bench", type=Path, default=ROOT / "sdk/cpp/build/aleatoric-bench")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.bench.is_file():
        raise SystemExit(f"{args.bench}: not built; cmake --build sdk/cpp/build")
    tmp = Path(tempfile.mkdtemp())
    try:
        root = args.dataset
        if root is None:
            root = tmp / "ds"
            config = aleatoric.load_config(seed=7, duration=f"{args.minutes}m",
                                           tables=["trades", "book_delta"])  # fmt: skip
            aleatoric.generate(config, root)
        print(f"{'table':<11} {'reader':<26} {'rows':>10} {'events/s':>14} {'events/cpu-s':>14}")
        for table in ("trades", "book_delta"):
            files = _files(root, table)
            results: list[tuple[str, int, float, float]] = []
            readers = {"pyarrow_iter_batches": _iter_batches, "pyarrow_read_table": _read_table}
            for name, fn in readers.items():
                rows, wall, cpu = _best(args.repeat, lambda fn=fn, files=files: fn(files))
                results.append((name, rows, wall, cpu))
            out = subprocess.run(
                [str(args.bench), str(root), table, str(args.repeat)],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            for line in out.splitlines():
                r = json.loads(line)
                results.append((r["reader"], r["rows"], r["seconds"], r["cpu_seconds"]))
            for name, rows, wall, cpu in results:
                rates = f"{rows / wall:>14,.0f} {rows / cpu:>14,.0f}"
                print(f"{table:<11} {name:<26} {rows:>10} {rates}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
