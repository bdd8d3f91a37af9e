"""Measure how well `aleatoric latency fit` recovers each profile; draw the docs' figures.

    python benchmarks/latency_fit.py [--minutes 20] [--seeds 21] [--plots docs/img/latency]

Simulates one segment of BTCUSDT on Binance per seed, applies each profile to its rows
(the canonical sink, as `generate` does), fits the delays and prints configured against
fitted parameters as a Markdown table. With ``--plots``, writes the figures of
docs/latency.md: delay densities and survival functions per profile, a stretch of
cross-region delays over time, and loss-burst lengths.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import aleatoric
from aleatoric.instruments import get_instrument
from aleatoric.latency import PROFILES, fit_latency
from aleatoric.latency._sample import gilbert_elliott
from aleatoric.reactor import simulate_segment
from aleatoric.sinks import Offsets, segment_tables

PARAMS = ("d_min_ms", "median_ms", "sigma", "tau_ms", "tail_p", "tail_alpha")


def delays(minutes: int, seed: int, profile: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (ts_event, delay_ns) of every row of one simulated segment under ``profile``."""
    base = {"duration": f"{minutes}m", "segment": f"{minutes}m", "warmup": "5m", "seed": seed}
    plain = aleatoric.load_config(**base)
    result = simulate_segment(plain, 0)
    config = aleatoric.load_config(**base, overlays=[{"kind": "latency", "profile": profile}])
    tables = segment_tables(result, config, get_instrument("binance", "BTCUSDT"), Offsets(0, 0))
    ts = np.concatenate([t["ts_event"].cast("int64").to_numpy() for t in tables.values()])
    recv = np.concatenate([t["ts_recv"].cast("int64").to_numpy() for t in tables.values()])
    return ts, recv - ts


def _value(model: object, name: str) -> float:
    return float(getattr(model, name))


def measure(minutes: int, seeds: list[int]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Print the recovery table; return the last seed's delays per profile (for plots)."""
    print("| profile | seed | events | tail events | KS body | "
          + " | ".join(f"{p} (true / fit)" for p in PARAMS) + " |")  # fmt: skip
    print("| --- " * (5 + len(PARAMS)) + "|")
    kept: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for seed in seeds:
        for name, true in PROFILES.items():
            ts, d = delays(minutes, seed, name)
            fit = fit_latency(ts, d)
            cells = [f"{_value(true, p):.4g} / {_value(fit.model, p):.4g}" for p in PARAMS]
            print(f"| {name} | {seed} | {fit.events:,} | {fit.tail_events} | "
                  f"{fit.ks_body:.4f} | " + " | ".join(cells) + " |")  # fmt: skip
            kept[name] = (ts, d)
    return kept


def plots(kept: dict[str, tuple[np.ndarray, np.ndarray]], out: Path) -> None:
    """Write the docs' PNG figures into ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.3))
    for name, (ts, d) in kept.items():
        _, first = np.unique(ts, return_index=True)
        ms = d[first] / 1e6
        excess = ms - PROFILES[name].d_min_ms
        excess = excess[excess > 0]
        bins = np.geomspace(excess.min(), excess.max() * 1.0001, 120)
        density, edges = np.histogram(excess, bins=bins, density=True)
        mids = np.sqrt(edges[1:] * edges[:-1])
        left.plot(mids, density * mids, label=name)
        x = np.sort(ms)
        right.loglog(x, 1 - np.arange(x.size) / x.size, label=name)
    left.set_xscale("log")
    left.set_xlabel("delay - d_min (ms)")
    left.set_ylabel("density of log excess")
    left.legend(fontsize=7)
    right.set_xlabel("delay (ms)")
    right.set_ylabel("P(delay > x)")
    right.set_title("body and Pareto tail", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "profiles.png", dpi=80)
    plt.close(fig)

    ts, d = kept["cross-region"]
    t, first = np.unique(ts, return_index=True)
    sel = (t >= t[0] + 60e9) & (t < t[0] + 80e9)
    fig, ax = plt.subplots(figsize=(9, 2.6))
    ax.plot((t[sel] - t[sel][0]) / 1e9, d[first][sel] / 1e6, lw=0.6)
    ax.set_yscale("log")
    ax.set_xlabel("seconds")
    ax.set_ylabel("delay (ms)")
    ax.set_title("cross-region: 20 s of event delays (AR(1) in time, tau 1 s; tail spikes)",
                 fontsize=9)  # fmt: skip
    fig.tight_layout()
    fig.savefig(out / "timeseries.png", dpi=80)
    plt.close(fig)

    model = PROFILES["retail"].model_copy(update={"loss_p": 0.01})
    lost = gilbert_elliott(model, 200_000, np.random.default_rng(1))
    edges = np.diff(np.concatenate([[0], lost.astype(np.int8), [0]]))
    bursts = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    fig, ax = plt.subplots(figsize=(4.5, 2.6))
    counts = np.bincount(bursts)[1:]
    ax.bar(np.arange(1, counts.size + 1), counts / counts.sum(), label="simulated")
    k = np.arange(1, counts.size + 1)
    ax.plot(k, model.loss_r * (1 - model.loss_r) ** (k - 1), "k.-", label="geometric, 1/r = 5")
    ax.set_xlabel("burst length (messages)")
    ax.set_ylabel("share of bursts")
    ax.set_title("Gilbert-Elliott loss bursts (p 0.01, r 0.2, 1-h 0.9)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "loss_bursts.png", dpi=80)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[21])
    parser.add_argument("--plots", type=Path, default=None)
    args = parser.parse_args()
    kept = measure(args.minutes, args.seeds)
    if args.plots is not None:
        plots(kept, args.plots)


if __name__ == "__main__":
    main()
