"""Measure how large segment-boundary reconciliation is against ordinary updates.

Each segment ends with the rows that turn its true final book into the book the next
segment's warm-up rebuilds (docs/determinism.md). This prints, per preset and warm-up length,
how many segments needed any, and those rows as a share of all book rows.

    python benchmarks/boundary_reconciliation.py [--seeds 8] [--segments 4]
"""

from __future__ import annotations

import argparse

import aleatoric
from aleatoric.reactor import dtypes as d
from aleatoric.reactor import simulate_segment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--segments", type=int, default=3)
    parser.add_argument("--segment", default="15m")
    args = parser.parse_args()
    print(
        f"{'preset':9} {'warmup':>6} {'segments':>8} {'reconciled':>10} {'rows':>8} {'share':>10}"
    )
    for preset in ("calm", "volatile"):
        for warmup in ("5m", "10m"):
            boundaries = reconciled = recon_rows = book_rows = 0
            for seed in range(args.seeds):
                config = aleatoric.load_config(
                    preset=preset, seed=seed, segment=args.segment, warmup=warmup,
                    duration=f"{args.segments * int(args.segment[:-1])}m",
                )  # fmt: skip
                for index in range(args.segments):
                    result = simulate_segment(config, index)
                    boundaries += 1
                    reconciled += result.reconciliation_rows > 0
                    recon_rows += result.reconciliation_rows
                    book_rows += result.count((d.KIND_MBO, d.KIND_DELTA))
            print(
                f"{preset:9} {warmup:>6} {boundaries:>8} {reconciled:>10} {recon_rows:>8} "
                f"{recon_rows / book_rows:>10.2e}"
            )


if __name__ == "__main__":
    main()
