"""Print the full realism table (value, band, status) of a dataset, optionally beside another.

    python benchmarks/realism_table.py DATASET [--against OTHER] [--json]

DATASET and OTHER are generated datasets or captures normalized with ``aleatoric normalize``.
Every fact is listed, the tick-level ones included (marked ``tick``), with its minimum data
length; the time spent loading and scoring is printed last.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from aleatoric.realism import DatasetError, Fact, scorecard
from aleatoric.realism._tick_facts import duration_text


def _row(f: Fact, width: int) -> str:
    kind = "tick" if f.tick_level else ""
    need = duration_text(f.min_duration_s) if f.min_duration_s else ""
    return f"{f.name:<{width}} {kind:<4} {f.value_text:>42}  {f.status:<4}  {need:>10}  {f.band}"


def main() -> None:
    """Score DATASET (and OTHER), print one row per fact."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--against", default=None)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    started = time.perf_counter()
    try:
        cards = [scorecard(args.dataset)]
        if args.against:
            cards.append(scorecard(args.against))
    except DatasetError as exc:
        print(f"unusable dataset: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    elapsed = time.perf_counter() - started
    if args.json:
        print(json.dumps([c.to_dict() for c in cards], indent=2, allow_nan=False))
        return
    width = max(len(f.name) for f in cards[0].facts)
    for card in cards:
        obs = card.observations
        span = (obs.end_ns - obs.start_ns) / 1e9 if obs is not None else 0.0
        source = obs.tick.source if obs is not None and obs.tick is not None else "-"
        print(f"\n{card.path}: {card.venue} {card.symbol} {card.preset or '(no preset)'}"
              f", {duration_text(span)}, book from {source}")  # fmt: skip
        print(f"{'fact':<{width}} {'':<4} {'value':>42}  {'stat':<4}  {'needs':>10}  band")
        for f in card.facts:
            print(_row(f, width))
            if f.reason and f.status == "N/A":
                print(f"{'':<{width}}      {'':>42}        {'':>10}  ({f.reason})")
        print(f"verdict: {card.verdict}", end="")
        tick = [f for f in card.facts if f.tick_level]
        if tick and not any(f.counts for f in tick):
            fails = sum(f.status == "FAIL" for f in tick)
            print(f" (tick-level facts not in the verdict yet: {fails} of {len(tick)} fail)")
        else:
            print()
    print(f"\nloaded and scored {len(cards)} dataset(s) in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
