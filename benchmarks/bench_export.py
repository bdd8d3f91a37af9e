"""Benchmark the engine exports: rows/s and peak memory, next to reading the same tables whole.

    python benchmarks/bench_export.py [--minutes 60] [--segment 10m] [--engines lean,...]

Generates one dataset, then runs each export in its own process (its peak RSS, Linux's
``VmHWM``, is its own) and, as the baseline in the same run, a process that only reads the
exported tables with PyArrow, all at once. Exports read one segment at a time, so their peak
memory should stay near one segment's worth while the baseline grows with the dataset; run
it with two ``--minutes`` values to see it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aleatoric

CHILD = """
import json, sys, time
from pathlib import Path
began = time.perf_counter()
if sys.argv[1] == "baseline":
    import pyarrow.parquet as pq
    root = Path(sys.argv[2])
    tables = [pq.read_table(p) for t in sys.argv[4].split(",")
              for p in sorted((root / t).rglob("*.parquet"))]
    rows = sum(t.num_rows for t in tables)
else:
    from aleatoric.integrations import export
    export(sys.argv[2], sys.argv[1], sys.argv[3], bar="1m")
    rows = None
# VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec).
hwm = [ln for ln in Path("/proc/self/status").read_text().splitlines() if ln.startswith("VmHWM")]
print(json.dumps({"s": time.perf_counter() - began, "rows": rows,
                  "rss_mb": int(hwm[0].split()[1]) / 1024}))
"""
TABLES = {
    "lean": "trades,book_snapshot,funding",
    "hftbacktest": "book_delta,trades,mbo",
    "backtrader": "trades,ticker,funding",
    "nautilus": "book_delta,trades",
    "dbn": "mbo,book_delta,trades",
}


def _child(*args: str) -> dict[str, float]:
    res = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return json.loads(res.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--segment", default="10m")
    parser.add_argument("--engines", default="lean,hftbacktest,backtrader,nautilus,dbn")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    config = aleatoric.load_config(seed=7, duration=f"{args.minutes}m", segment=args.segment)
    result = aleatoric.generate(config, tmp / "ds")
    print(f"binance BTCUSDT, {args.minutes} min in {args.segment} segments: "
          f"{result.rows:,} rows")  # fmt: skip
    for engine in args.engines.split(","):
        tables = TABLES[engine]
        base = _child("baseline", str(tmp / "ds"), "", tables)
        began = time.perf_counter()
        run = _child(engine, str(tmp / "ds"), str(tmp / engine), tables)
        wall = time.perf_counter() - began
        rows = int(base["rows"])
        print(
            f"{engine:<12} export {rows / run['s']:>10,.0f} rows/s, peak {run['rss_mb']:>5,.0f} MB"
            f" | read-all baseline {rows / base['s']:>10,.0f} rows/s, peak "
            f"{base['rss_mb']:>5,.0f} MB ({rows:,} rows of {tables}; {wall:.1f} s)"
        )


if __name__ == "__main__":
    main()
