"""How often a realism band fails on the engine's latent returns, which meet it by construction.

    python benchmarks/band_calibration.py [--seeds 30] [--days 2]

The latent 1-minute log returns of a preset (σ·z plus jumps, before any order book) are
uncorrelated and their kurtosis decays with the horizon by construction. A band that such a
series fails on many seeds tests the luck of the sample, not the model. For
``return_autocorrelation`` and ``kurtosis_decay`` this prints the share of seeds that fail the
band as the scorecard computes it, beside the former statistic (3/sqrt(N); one grid placement).

It also prints, per preset, how many seeds the skeleton alone puts inside the bands that a
day-scale property of the latent state decides: ``intraday_volume`` (hourly sums of the
per-minute market and metaorder rates, mean by UTC hour of day, max / min in 2-5; the traded
volume adds the noise of the power-law sizes, about +5 to +20 % on the ratio at seeds 3 and 7),
``volatility_memory`` (|r| ACF of the latent 1-minute returns, lag 1 >= 0.2 and lag 60 >= 0.05),
``tail_index`` and ``kurtosis``.
"""

from __future__ import annotations

import argparse
import itertools
import math

import numpy as np

from aleatoric._seeding import instrument_key
from aleatoric.config import get_preset
from aleatoric.reactor._driver import _skeleton
from aleatoric.reactor._skeleton import HISTORY_MINUTES
from aleatoric.realism._facts import (
    autocorrelation_fact,
    kurtosis_decay_fact,
    kurtosis_fact,
    tail_index_fact,
)
from aleatoric.realism._metrics import acf
from aleatoric.realism._series import HORIZONS_MIN


def _intraday_ratio(rate: np.ndarray, days: int) -> float:
    hourly = rate[: days * 1440].reshape(days, 24, 60).sum(axis=2).mean(axis=0)
    return float(hourly.max() / hourly.min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()
    n = args.days * 1440
    key = instrument_key("binance", "BTCUSDT")
    print(f"BTCUSDT latent 1-minute returns, {args.days} d, seeds 1..{args.seeds}")
    print(f"{'preset':<10}{'band':<24}{'fails now':>12}{'fails before':>14}")
    for preset in ("calm", "volatile"):
        asset = get_preset(preset).asset("BTC")
        acf_now = acf_before = kurt_now = kurt_before = 0
        day_scale = {"intraday_volume": 0, "volatility_memory": 0, "tail_index": 0, "kurtosis": 0}
        ratios = []
        for seed in range(1, args.seeds + 1):
            skeleton, params = _skeleton(
                preset, "BTC", asset.sigma_scale, float(asset.initial_price), seed, key, n, 0,
                "crypto", (),
            )  # fmt: skip
            path = skeleton.log_price_start[HISTORY_MINUTES : HISTORY_MINUTES + n + 1]
            r1 = np.diff(path)
            rate = (params.market_rate + params.meta_rate)[HISTORY_MINUTES : HISTORY_MINUTES + n]
            ratios.append(_intraday_ratio(rate, args.days))
            lag1, lag60 = acf(np.abs(r1), [1, 60])
            day_scale["intraday_volume"] += 2.0 <= ratios[-1] <= 5.0
            day_scale["volatility_memory"] += bool(lag1 >= 0.2 and lag60 >= 0.05)
            day_scale["tail_index"] += tail_index_fact(r1).passed is True
            day_scale["kurtosis"] += kurtosis_fact(r1).passed is True
            fact = autocorrelation_fact(r1)
            acf_now += fact.passed is False
            acf_before += (fact.value or 0.0) >= max(0.05, 3.0 / math.sqrt(r1.size))
            grid = {h: np.diff(path[::h]) for h in HORIZONS_MIN}
            decay = kurtosis_decay_fact(grid, r1)
            kurt_now += decay.passed is False
            one = [
                v["kurtosis_one_placement"]
                for h, v in zip(HORIZONS_MIN, decay.details["by_horizon"].values(), strict=True)
                if grid[h].size >= 30
            ]
            kurt_before += not all(b < a for a, b in itertools.pairwise(one))
        for band, now, before in (
            ("return_autocorrelation", acf_now, acf_before),
            ("kurtosis_decay", kurt_now, kurt_before),
        ):
            print(f"{preset:<10}{band:<24}{now:>9}/{args.seeds}{before:>11}/{args.seeds}")
        passes = ", ".join(f"{k} {v}/{args.seeds}" for k, v in day_scale.items())
        print(f"{preset:<10}skeleton passes: {passes}; intraday ratio median "
              f"{np.median(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
