"""The market at a glance: price, spread, depth, volume and funding of a dataset.

Shown first in the report (terminal and HTML) so a reader sees what the data look like before
reading the scores.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np

from aleatoric.realism._load import Observations
from aleatoric.realism._series import spread_bps, spread_ticks

__all__ = ["overview", "overview_dict"]

NS_PER_HOUR = 3_600_000_000_000


def _utc(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def overview(obs: Observations) -> list[tuple[str, str]]:
    """Return ``(quantity, value)`` rows describing the market of ``obs``."""
    mid = 0.5 * (obs.bid + obs.ask)
    hours = (obs.end_ns - obs.start_ns) / NS_PER_HOUR
    change = (mid[-1] / mid[0] - 1.0) * 100.0
    bps = spread_bps(obs)
    base = obs.meta.instrument.base
    one_tick = float(np.mean(spread_ticks(obs) == 1))
    price = f"{mid[0]:,.6g} -> {mid[-1]:,.6g} ({change:+.2f} %)"
    sizes = f"mean bid {obs.bid_size.mean():.4g}, ask {obs.ask_size.mean():.4g} {base}"
    rows: list[tuple[str, str]] = [
        ("span", f"{_utc(obs.start_ns)} .. {_utc(obs.end_ns)} ({hours:.4g} h)"),
        ("mid price", f"{price}, range {mid.min():,.6g} .. {mid.max():,.6g}"),
        ("spread", f"mean {bps.mean():.3g} bps, one tick {one_tick:.1%}"),
        ("best-level size", sizes),
    ]
    tick = obs.tick
    if tick is not None:
        depth = 0.5 * (tick.bid_depth + tick.ask_depth)
        depth = depth[np.isfinite(depth)]
        if depth.size:
            text = f"mean {depth.mean():.4g} {base} a side (book from {tick.source})"
            rows.append(("top-10 depth", text))
    volume = float(obs.trade_size.sum())
    per_hour = obs.trade_ts.size / hours if hours > 0 else math.nan
    fills = f"{obs.trade_ts.size:,} fills ({per_hour:,.0f} per hour)"
    rows.append(("trades", f"{fills}, volume {volume:,.6g} {base}"))
    rows.append(("funding", _funding(obs)))
    return rows


def _funding(obs: Observations) -> str:
    parts: list[str] = []
    if obs.funding_rate.size:
        r = obs.funding_rate * 100.0
        parts.append(f"settled {r.min():.4f} .. {r.max():.4f} % ({r.size} settlements)")
    predicted = obs.ticker_predicted[np.isfinite(obs.ticker_predicted)] * 100.0
    if predicted.size:
        parts.append(f"predicted {predicted.min():.4f} .. {predicted.max():.4f} %")
    return "; ".join(parts) if parts else "no funding or ticker rows"


def overview_dict(obs: Observations) -> dict[str, Any]:
    """Return the overview rows as a mapping (for JSON)."""
    return dict(overview(obs))
