"""Benchmark native encoding (canonical Parquet -> venue capture), with an orjson baseline.

    python benchmarks/bench_native.py [--venue binance] [--symbol BTCUSDT] [--minutes 60]

Prints messages/s of the end-to-end encoder (read canonical Parquet, build the venue's
messages, write the gzip capture) and, in the same run, of serializing the same number of
prebuilt message dicts with orjson and writing them the same way: the cost of JSON alone.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
import time
from pathlib import Path

import orjson

import aleatoric
from aleatoric.venues import encode_dataset
from aleatoric.venues._capture import GZIP_LEVEL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venue", default="binance")
    parser.add_argument("--symbol", default="BTCUSDT")
    parser.add_argument("--minutes", type=int, default=60)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        config = aleatoric.load_config(venue=args.venue, symbol=args.symbol, seed=7,
                                       duration=f"{args.minutes}m")  # fmt: skip
        aleatoric.generate(config, tmp / "ds")
        encode_dataset(tmp / "ds", tmp / "warm")  # JIT warm-up outside the timed region
        began = time.perf_counter()
        paths = [path for path, _ in encode_dataset(tmp / "ds", tmp / "native")]
        elapsed = time.perf_counter() - began
        lines: list[bytes] = []
        for p in paths:
            with gzip.open(p, "rb") as fh:
                lines += fh.read().splitlines()
        n = len(lines)
        print(f"{args.venue} {args.symbol}, {args.minutes} min: {n:,} messages")
        print(f"encoder end to end   {n / elapsed:>12,.0f} messages/s  ({elapsed:.2f} s)")

        prebuilt = [(int(ln[:19]), orjson.loads(ln[20:])) for ln in lines]
        began = time.perf_counter()
        with gzip.open(tmp / "baseline.gz", "wb", compresslevel=GZIP_LEVEL) as fh:
            chunk = []
            for local, msg in prebuilt:
                chunk.append(b"%019d " % local + orjson.dumps(msg) + b"\n")
                if len(chunk) >= 65_536:
                    fh.write(b"".join(chunk))
                    chunk.clear()
            fh.write(b"".join(chunk))
        baseline = time.perf_counter() - began
        print(f"orjson prebuilt      {n / baseline:>12,.0f} messages/s  ({baseline:.2f} s)")
        print(f"encoder / baseline time: {elapsed / baseline:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
