"""Benchmark native encoding (canonical Parquet -> venue capture), with an orjson baseline.

    python benchmarks/bench_native.py [--venue binance] [--minutes 60]

For every venue (or one), prints messages/s of the end-to-end encoder (read canonical
Parquet, build the venue's messages, write the gzip capture) and, in the same run, of
serializing the same number of prebuilt message dicts with orjson and writing them the same
way: the cost of JSON and gzip alone. The goal (issue "Speed"): at least 300 k messages/s per
core, or at most 2x the baseline's time. Times are process CPU seconds (per core, so other
load on a shared machine counts less), the best of ``--repeat`` runs of each.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

import aleatoric
from aleatoric.venues import encode_dataset
from aleatoric.venues._capture import GZIP_LEVEL

#: The benchmark's instrument per venue.
SYMBOLS = {"binance": "BTCUSDT", "bybit": "BTCUSDT", "okx": "BTC-USDT-SWAP", "hyperliquid": "BTC"}
GOAL_RATE = 300_000
GOAL_RATIO = 2.0


@dataclass(frozen=True)
class Result:
    """One venue's run: messages, encoder and baseline seconds, and capture lines."""

    venue: str
    messages: int
    encoder_s: float
    baseline_s: float
    lines: list[bytes]

    @property
    def ratio(self) -> float:
        return self.encoder_s / self.baseline_s

    @property
    def rate(self) -> float:
        return self.messages / self.encoder_s

    @property
    def met(self) -> bool:
        return self.rate >= GOAL_RATE or self.ratio <= GOAL_RATIO


def baseline(lines: list[bytes], out: Path) -> float:
    """Return the CPU seconds to serialize the lines' messages, prebuilt as dicts, with orjson."""
    prebuilt = [(int(ln[:19]), orjson.loads(ln[20:])) for ln in lines]
    began = time.process_time()
    with gzip.GzipFile(out, "wb", compresslevel=GZIP_LEVEL, mtime=0) as fh:
        chunk = []
        for local, msg in prebuilt:
            chunk.append(b"%019d " % local + orjson.dumps(msg) + b"\n")
            if len(chunk) >= 65_536:
                fh.write(b"".join(chunk))
                chunk.clear()
        fh.write(b"".join(chunk))
    return time.process_time() - began


def measure(
    venue: str, minutes: float, tmp: Path, symbol: str | None = None, repeat: int = 3
) -> Result:
    """Generate ``minutes`` of one venue, encode it (timed after a warm-up) and the baseline."""
    config = aleatoric.load_config(venue=venue, symbol=symbol or SYMBOLS[venue], seed=7,
                                   duration=f"{int(minutes * 60)}s")  # fmt: skip
    aleatoric.generate(config, tmp / "ds")
    encode_dataset(tmp / "ds", tmp / "warm")  # JIT warm-up outside the timed region
    runs = []
    for _ in range(repeat):
        began = time.process_time()
        paths = [path for path, _ in encode_dataset(tmp / "ds", tmp / "native")]
        runs.append(time.process_time() - began)
    lines: list[bytes] = []
    for p in paths:
        with gzip.open(p, "rb") as fh:
            lines += fh.read().splitlines()
    base = min(baseline(lines, tmp / "baseline.gz") for _ in range(repeat))
    return Result(venue, len(lines), min(runs), base, lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venue", choices=sorted(SYMBOLS), help="one venue (default: all)")
    parser.add_argument("--symbol", help="instrument (default: the venue's BTC perp)")
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    venues = [args.venue] if args.venue else list(SYMBOLS)
    print(f"goal: >= {GOAL_RATE:,} messages/s per core, or encoder <= {GOAL_RATIO}x the time "
          "of orjson on prebuilt dicts (same run)")  # fmt: skip
    header = f"{'venue':<12} {'messages':>9} {'encoder msg/s':>14} {'orjson msg/s':>13}"
    print(f"{header} {'time ratio':>10}  goal")
    for venue in venues:
        tmp = Path(tempfile.mkdtemp())
        try:
            r = measure(venue, args.minutes, tmp, args.symbol, args.repeat)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(
            f"{venue:<12} {r.messages:>9,} {r.rate:>14,.0f} {r.messages / r.baseline_s:>13,.0f} "
            f"{r.ratio:>9.2f}x  {'met' if r.met else 'NOT met'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
