"""Benchmark the Rust SDK's table reader next to pyarrow, on the same files in the same run.

    python benchmarks/bench_sdk_read.py [--minutes 15] [--repeat 5] [--data DIR]

Generates a dataset (or uses ``--data``), builds ``sdk/rust/examples/read_bench.rs`` in release
mode, then, for ``trades`` and ``book_delta``, prints events (rows) per second of:

- ``pyarrow``: ``pyarrow.parquet.read_table`` of the table's files (its default thread pool);
- ``pyarrow-1t``: the same with ``use_threads=False``, one core like the Rust reader;
- ``pyarrow-rows``: the same, then one Python dict per row (``to_pylist``), the Python
  counterpart of typed records;
- ``rust-arrow``: the crate's Parquet-to-Arrow record batches, one thread;
- ``rust-arrow-Nt``: the same with one file per core decoded at once (``with_threads``);
- ``rust-typed``: typed Rust structs (string columns read as dictionaries), one thread.

Each figure is the best of ``--repeat`` rounds; a round runs every reader once, back to back,
so that all readers see the same machine load. Files are warm in the page cache.
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


def _pyarrow(files: list[Path], threads: bool) -> tuple[int, float]:
    began = time.perf_counter()
    rows = sum(pq.read_table(f, use_threads=threads).num_rows for f in files)
    return rows, time.perf_counter() - began


def _rust(data: Path, table: str) -> list[dict[str, Any]]:
    program = CRATE / "target" / "release" / "examples" / "read_bench"
    done = subprocess.run(
        # Best of 3 inside the process: its first read also pays for a cold allocator, which
        # the Python process, reading again and again, does not.
        [str(program), str(data), table, "3"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def _round(data: Path, table: str, files: list[Path]) -> dict[str, tuple[int, float]]:
    # One run of every reader, back to back, so that each round sees the same machine load.
    out = {"pyarrow": _pyarrow(files, True), "pyarrow-1t": _pyarrow(files, False)}
    began = time.perf_counter()
    rows = sum(len(pq.read_table(f).to_pylist()) for f in files)
    out["pyarrow-rows"] = (rows, time.perf_counter() - began)
    for line in _rust(data, table):
        out[line["reader"]] = (int(line["rows"]), float(line["seconds"]))
    return out


def main() -> None:
    """Generate or open a dataset, time each reader on each table, print events per second."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=15)
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
        print(f"{'table':<11} {'reader':<13} {'rows':>9} {'events/s':>13} {'vs pyarrow':>10}")
        for table in TABLES:
            files = sorted(data / f["path"] for f in manifest["files"] if f["table"] == table)
            best: dict[str, tuple[int, float]] = {}
            for _ in range(args.repeat):
                for reader, (rows, secs) in _round(data, table, files).items():
                    if reader not in best or secs < best[reader][1]:
                        best[reader] = (rows, secs)
            base_rows, base = best["pyarrow"]
            for reader, (rows, secs) in best.items():
                if rows != base_rows:
                    raise SystemExit(f"{reader} read {rows} {table} rows, pyarrow {base_rows}")
                rate, ratio = rows / secs, base / secs
                print(f"{table:<11} {reader:<13} {rows:>9,} {rate:>13,.0f} {ratio:>9.2f}x")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
