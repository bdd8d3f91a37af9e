"""Headline figures of one instrument's day: what the catalogue shows and plots.

Computed from the scorecard's observations (best bid and ask of the book snapshots, trades),
so they cost no second read of the data. Rounded to six significant digits, so the JSON
stays short and the same on every machine.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from aleatoric.realism import Observations

__all__ = ["headline", "split_name"]

NS_PER_MINUTE = 60_000_000_000


def _round(value: float) -> float | None:
    if not math.isfinite(value):
        return None
    return float(f"{value:.6g}")


def split_name(venue: str, symbol: str) -> str:
    """Return the name of an instrument as a Hugging Face split (letters, digits, ``_``)."""
    return "".join(c if c.isalnum() else "_" for c in f"{venue}_{symbol}")


def headline(obs: Observations) -> dict[str, Any]:
    """Return open, close, change, range, realized volatility, trades and volume.

    ``realized_vol_pct`` is the square root of the summed squared one-minute log returns of
    the mid price (in percent, not annualized): the day's volatility regime in one number.
    """
    mid = 0.5 * (obs.bid + obs.ask)
    minute = obs.snapshot_ts // NS_PER_MINUTE
    last = np.flatnonzero(np.r_[minute[1:] != minute[:-1], True])  # last snapshot of a minute
    closes = mid[last]
    returns = np.diff(np.log(closes)) if closes.size > 1 else np.zeros(0)
    spread_bps = (obs.ask - obs.bid) / mid * 1e4
    return {
        "open": _round(float(mid[0])),
        "close": _round(float(mid[-1])),
        "change_pct": _round(float((mid[-1] / mid[0] - 1.0) * 100.0)),
        "high": _round(float(mid.max())),
        "low": _round(float(mid.min())),
        "realized_vol_pct": _round(float(np.sqrt(np.sum(returns**2)) * 100.0)),
        "mean_spread_bps": _round(float(spread_bps.mean())),
        "trades": int(obs.trade_ts.size),
        "volume": _round(float(obs.trade_size.sum())),
    }
