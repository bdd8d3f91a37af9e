"""Benchmark the Rust SDK's table reader next to pyarrow, on the same files in the same run.

    python benchmarks/bench_sdk_read.py [--minutes 15] [--repeat 5] [--data DIR]

Generates a dataset (or uses ``--data``), builds ``sdk/rust/examples/read_bench.rs`` in release
mode, then, for ``trades`` and ``book_delta``, prints events (rows) per second of:

- ``pyarrow``: ``pyarrow.parquet.read_table`` of the table's files (its default thread pool);
- ``pyarrow-1t``: the same with ``use_threads=False``, one core like the Rust reader;
- ``rust-arrow``: the crate's Parquet-to-Arrow record batches;
- ``rust-typed``: the same, decoded on into typed Rust structs.

Each figure is the best of ``--repeat`` runs, files warm in the page cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import aleatoric

ROOT = Path(__file__).resolve().parents[1]
CRATE = ROOT / "sdk" / "rust"
TABLES = ("trades", "book_delta")


def _pyarrow(files: list[Path], repeat: int, threads: bool) -> tuple[int, float]:
    best, rows = float("inf"), 0
    for _ in range(repeat):
        began = time.perf_counter()
        rows = sum(pq.read_table(f, use_threads=threads).num_rows for f in files)
        best = min(best, time.perf_counter() - began)
    return rows, best


def _rust(data: Path, table: str, repeat: int) -> list[dict[str, Any]]:
    program = CRATE / "target" / "release" / "examples" / "read_bench"
    done = subprocess.run(
        [str(program), str(data), table, str(repeat)], capture_output=True, text=True, check=True
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def main() -> None:
    """Generate or open a dataset, time each reader on each table, print events per second."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, help="read this dataset instead of generating")
    args = parser.parse_args()

    cargo = shutil.which("cargo")
    if cargo is None:
        raise SystemExit("cargo is not installed: the Rust reader cannot be built")
    jobs = os.environ.get("CARGO_BUILD_JOBS", "1")
    subprocess.run(
        [cargo, "build", "--release", "--locked", "-j", jobs, "--example", "read_bench"],
        cwd=CRATE,
        check=True,
    )
    scratch = None
    if args.data is None:
        scratch = Path(tempfile.mkdtemp())
        data = scratch / "ds"
        config = aleatoric.load_config(
            duration=f"{args.minutes}m", segment="5m", warmup="5m", seed=args.seed
        )
        aleatoric.generate(config, data)
    else:
        data = args.data
    try:
        manifest = json.loads((data / "manifest.json").read_text())
        print(f"{'table':<11} {'reader':<11} {'rows':>9} {'events/s':>13} {'vs pyarrow':>10}")
        for table in TABLES:
            files = sorted(data / f["path"] for f in manifest["files"] if f["table"] == table)
            base_rows, base = _pyarrow(files, args.repeat, threads=True)
            figures = [("pyarrow", base_rows, base)]
            rows, secs = _pyarrow(files, args.repeat, threads=False)
            figures.append(("pyarrow-1t", rows, secs))
            for line in _rust(data, table, args.repeat):
                figures.append((line["reader"], int(line["rows"]), float(line["seconds"])))
            for reader, rows, secs in figures:
                if rows != base_rows:
                    raise SystemExit(f"{reader} read {rows} {table} rows, pyarrow {base_rows}")
                rate, ratio = rows / secs, base / secs
                print(f"{table:<11} {reader:<11} {rows:>9,} {rate:>13,.0f} {ratio:>9.2f}x")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
