"""Why stress scenarios matter to an execution algorithm: slippage, calm day against each preset.

Generates one short dataset per case (no scenario, then each named scenario placed 5 minutes
in), runs two simple sell algorithms through each from the scenario's start, and prints their
slippage side by side::

    python examples/scenario_execution.py                      # every preset (a few minutes)
    python examples/scenario_execution.py --scenarios flash-crash,liquidity-void --qty 10

The algorithms trade against the written book snapshots (every 100 ms, 25 levels a side);
the simulation has no market impact of its own, so what differs between cases is the market
each algorithm meets:

- **TWAP**: sells ``qty`` in 20 equal market orders, one every 30 seconds over 10 minutes,
  each walking the bid levels of the snapshot it meets;
- **taker**: sells all of ``qty`` at once, one minute after the scenario starts (a stop
  that fires into the move), walking the book.

Slippage is against the mid when the algorithm decides, in basis points over what filled (a
positive number is a cost): the TWAP decides at the scenario's start, so its figure includes
the price's drift over its 10 minutes (implementation shortfall); the taker decides when it
fires, so its figure is the cost of the book it meets. An order larger than the 25 levels it
meets fills in part ("taker filled": a thinned book leaves much of a stop unfilled). While a
venue outage silences the feed, both algorithms wait for the resync and send what was due
at once. "vs index" is the TWAP's average price against the index price (a funding squeeze
lets a seller earn the premium).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

import aleatoric
from aleatoric.config import parse_duration_ns
from aleatoric.scenarios import place_scenarios, scenario_rows

MIN = 60_000_000_000
LEAD_MIN = 5  # minutes of calm before each scenario
TWAP_SLICES, TWAP_EVERY_S = 20, 30
TAKER_AFTER_S = 60
LEVELS = 25


def scenario_presets() -> dict[str, dict[str, str]]:
    """Return the named scenarios (``aleatoric scenarios``) by name: kind, duration, ..."""
    return {row["scenario"]: row for row in scenario_rows()}


@dataclass(frozen=True)
class Fill:
    """One algorithm's result on one dataset."""

    slippage_bps: float  # cost against the decision mid
    filled: float  # base units filled
    levels: int  # most bid levels one order walked
    vs_index_bps: float  # average price against the index price (positive: above it)


def _config(name: str | None, seed: int) -> tuple[aleatoric.DatasetConfig, int, int]:
    window = 0 if name is None else parse_duration_ns(scenario_presets()[name]["duration"])
    minutes = LEAD_MIN + max(window // MIN, TWAP_SLICES * TWAP_EVERY_S // 60) + 1
    base = aleatoric.load_config(None, duration=f"{minutes}m", seed=seed, segment="1h")
    start = base.start_ns + LEAD_MIN * MIN
    if name is None:
        return base, start, start
    at = np.datetime64(start, "ns").astype("datetime64[m]").item().strftime("%Y-%m-%dT%H:%MZ")
    overlays = place_scenarios([f"{name}@{at}"], base)
    config = aleatoric.load_config(None, duration=f"{minutes}m", seed=seed, segment="1h",
                                   overlays=overlays)  # fmt: skip
    outage = start + window if scenario_presets()[name]["kind"] == "venue-outage" else start
    return config, start, outage


def _book(root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    cols = [f"bid_px_{i:02d}" for i in range(LEVELS)] + [f"bid_sz_{i:02d}" for i in range(LEVELS)]
    frame = (
        pl.scan_parquet(str(root / "book_snapshot" / "**" / "*.parquet"))
        .select("ts_event", "ask_px_00", *cols)
        .sort("ts_event")
        .collect()
    )
    ts = frame["ts_event"].cast(pl.Int64).to_numpy()
    px = frame.select(cols[:LEVELS]).to_numpy().astype(np.float64)
    sz = frame.select(cols[LEVELS:]).to_numpy().astype(np.float64)
    mid = 0.5 * (px[:, 0] + frame["ask_px_00"].to_numpy().astype(np.float64))
    return ts, np.nan_to_num(px), np.nan_to_num(sz), mid


def _index(root: Path) -> tuple[np.ndarray, np.ndarray]:
    frame = (
        pl.scan_parquet(str(root / "ticker" / "**" / "*.parquet"))
        .select("ts_event", "index_price")
        .sort("ts_event")
        .collect()
    )
    return frame["ts_event"].cast(pl.Int64).to_numpy(), frame["index_price"].to_numpy()


def _at(ts: np.ndarray, t: int) -> int:
    return max(0, int(np.searchsorted(ts, t, side="right")) - 1)


def _sell(px: np.ndarray, sz: np.ndarray, qty: float) -> tuple[float, float, int]:
    # Walk the bid levels of one snapshot: (notional, filled, levels taken).
    take = np.minimum(sz, np.maximum(0.0, qty - np.concatenate([[0.0], np.cumsum(sz)[:-1]])))
    levels = int(np.count_nonzero(take))
    return float(np.dot(take, px)), float(take.sum()), levels


def run(root: Path, start: int, resume: int, qty: float) -> dict[str, Fill]:
    """Run the TWAP and the taker through the dataset at ``root`` from ``start``."""
    ts, px, sz, mid = _book(root)
    its, index = _index(root)
    decision = mid[_at(ts, start)]
    schedule = {
        "TWAP": [(start + k * TWAP_EVERY_S * 1_000_000_000, qty / TWAP_SLICES)
                 for k in range(TWAP_SLICES)],
        "taker": [(start + TAKER_AFTER_S * 1_000_000_000, qty)],
    }  # fmt: skip
    out = {}
    for algo, orders in schedule.items():
        notional = filled = 0.0
        levels = 0
        against_index = 0.0
        for t, q in orders:
            t = max(t, resume)  # a silent feed: wait for the resync
            i = _at(ts, t)
            n, f, lv = _sell(px[i], sz[i], q)
            notional, filled, levels = notional + n, filled + f, max(levels, lv)
            against_index += n - f * float(index[_at(its, t)])
        avg = notional / filled if filled else float("nan")
        # The taker decides when it fires: its cost is the book it meets, not the drift.
        ref = decision if algo == "TWAP" else mid[_at(ts, max(orders[0][0], resume))]
        out[algo] = Fill(
            slippage_bps=(ref - avg) / ref * 1e4,
            filled=filled,
            levels=levels,
            vs_index_bps=against_index / (notional - against_index) * 1e4 if filled else 0.0,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(scenario_presets()),
                        help="comma-separated presets (default: all)")  # fmt: skip
    parser.add_argument("--qty", type=float, default=5.0, help="base units to sell (BTC)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="keep the datasets here")
    args = parser.parse_args(argv)
    names = [n for n in args.scenarios.split(",") if n]
    unknown = [n for n in names if n not in scenario_presets()]
    if unknown:
        allowed = ", ".join(scenario_presets())
        print(f"error: --scenarios: unknown {', '.join(unknown)}; allowed: {allowed}",
              file=sys.stderr)  # fmt: skip
        return 2
    work = args.out or Path(tempfile.mkdtemp(prefix="scenario-execution-"))
    rows = []
    for name in [None, *names]:
        label = name or "calm (no scenario)"
        print(f"generating {label} ...", file=sys.stderr, flush=True)
        config, start, resume = _config(name, args.seed)
        root = work / (name or "calm")
        aleatoric.generate(config, root, overwrite=True)
        rows.append((label, run(root, start, resume, args.qty)))
    head = (f"{'case':<22}{'TWAP bps':>10}{'taker bps':>11}{'taker levels':>14}"
            f"{'taker filled':>13}{'TWAP vs index':>15}")  # fmt: skip
    print(f"selling {args.qty:g} BTC on Binance BTCUSDT (calm preset, seed {args.seed}); "
          "slippage in bps against the mid at the decision, positive = cost")  # fmt: skip
    print(head)
    for label, fills in rows:
        twap, taker = fills["TWAP"], fills["taker"]
        print(f"{label:<22}{twap.slippage_bps:>10.1f}{taker.slippage_bps:>11.1f}"
              f"{taker.levels:>14d}{taker.filled / args.qty:>13.0%}"
              f"{twap.vs_index_bps:>15.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
