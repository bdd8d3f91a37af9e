"""Scenarios in the scorecard: calm spans outside the stress, and per-scenario measures.

A dataset with stress scenarios carries a ``scenario_labels`` table (docs/scenarios.md). The
scorecard reads it for two things:

- the calm bands (spreads, returns, trade clustering, the tick-level facts) are measured
  outside the windows of the scenarios that stress the book, each window extended by
  :data:`SETTLE_NS`: the Hawkes offspring and metaorder children of a window's minutes keep
  trading for up to three minutes after it (a crash's recovery drift goes on longer, but at
  a calm pace). A funding squeeze leaves the book alone and a venue outage the canonical
  tables, so neither removes anything;
- every scenario gets facts of its own (:func:`scenario_facts`): what the labels measured
  on the data (drop, time to trough, recovered share, spread and depth multiples, premium,
  funding, liquidated volume) checked against the shape the scenario was configured with.

The tolerances of the shape checks are wide enough for the seed-to-seed spread of one
window and narrow enough that a window placed elsewhere, a missing stress or a different
configured depth fails (tests/test_scenarios.py).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq

from aleatoric.realism._load import Observations
from aleatoric.realism._model import Fact
from aleatoric.realism._tick import TickObservations

__all__ = [
    "BOOK_KINDS",
    "SETTLE_NS",
    "Span",
    "calm_observations",
    "outside",
    "read_labels",
    "scenario_facts",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Span = tuple[int, int]

NS_PER_SECOND = 1_000_000_000
#: Time after a window still excluded from the calm bands (the flow's aftermath).
SETTLE_NS = 3 * 60 * NS_PER_SECOND
#: Scenario kinds that change the book and trades (their windows are not calm).
BOOK_KINDS = ("flash-crash", "liquidity-void", "liquidation-cascade")
_LABELS = "scenario_labels/part-00000.parquet"


def read_labels(root: Path, venue: str, symbol: str) -> list[dict[str, Any]]:
    """Return the label rows of one instrument (start and end as int ns), sorted by start."""
    path = root / _LABELS
    if not path.is_file():
        return []
    table = pq.read_table(path)
    rows = []
    for row in table.to_pylist():
        if row["venue"] != venue or row["symbol"] != symbol:
            continue
        row["start"] = _ns(row["start"])
        row["end"] = _ns(row["end"])
        row["params"] = json.loads(row["params"])
        rows.append(row)
    return sorted(rows, key=lambda r: (r["start"], r["kind"]))


def _ns(value: Any) -> int:
    # pyarrow gives timestamps as datetime (microseconds) or pandas Timestamps; the
    # windows start on whole minutes, so whole microseconds are exact.
    if isinstance(value, int):
        return value
    micros: float = value.timestamp() * 1e6
    return round(micros) * 1_000


def stressed_spans(labels: list[dict[str, Any]]) -> tuple[Span, ...]:
    """Return the spans excluded from the calm bands: book-stress windows plus settling."""
    return tuple(
        (int(r["start"]), int(r["end"]) + SETTLE_NS) for r in labels if r["kind"] in BOOK_KINDS
    )


def outside(ts: I64, spans: tuple[Span, ...]) -> npt.NDArray[np.bool_]:
    """Return which times of ``ts`` lie outside every span ``[lo, hi)``."""
    keep = np.ones(ts.shape, dtype=np.bool_)
    for lo, hi in spans:
        keep &= (ts < lo) | (ts >= hi)
    return keep


def _calm_tick(tick: TickObservations, spans: tuple[Span, ...]) -> TickObservations:
    # Grid cells inside a span become NaN (the facts skip non-finite values), and so do the
    # OFI seconds; aggressor events inside are dropped.
    cell_end = tick.start_ns + (np.arange(tick.bid.size, dtype=np.int64) + 1) * tick.grid_ns
    stressed = ~outside(cell_end - 1, spans)

    def masked(a: F64) -> F64:
        out = a.copy()
        out[stressed] = np.nan
        return out

    sec_end = tick.start_ns + (np.arange(tick.ofi.size, dtype=np.int64) + 1) * NS_PER_SECOND
    ofi = tick.ofi.copy()
    ofi[~outside(sec_end - 1, spans)] = np.nan
    ev = tick.events
    keep = outside(ev.ts, spans)
    events = replace(ev, ts=ev.ts[keep], sign=ev.sign[keep], size=ev.size[keep],
                     levels=ev.levels[keep])  # fmt: skip
    return replace(
        tick, bid=masked(tick.bid), ask=masked(tick.ask), bid_size=masked(tick.bid_size),
        ask_size=masked(tick.ask_size), bid_depth=masked(tick.bid_depth),
        ask_depth=masked(tick.ask_depth), ofi=ofi, events=events, stressed=spans,
    )  # fmt: skip


def calm_observations(obs: Observations, labels: list[dict[str, Any]]) -> Observations:
    """Return ``obs`` with its stressed spans set, so the calm facts skip them.

    Snapshots stay (returns are cut on their own grid, see ``_series``); the tick-level
    series are masked inside the spans.
    """
    spans = stressed_spans(labels)
    if not spans:
        return obs
    tick = obs.tick if obs.tick is None else _calm_tick(obs.tick, spans)
    return replace(obs, stressed=spans, tick=tick)


def _fact(name: str, title: str, value: float | None, band: str, passed: bool | None,
          *, display: str = "", reason: str = "", **details: object) -> Fact:  # fmt: skip
    if value is not None and not math.isfinite(value):
        value, passed, reason = None, None, reason or "not measured"
    if value is None and passed is not None:
        passed, reason = None, reason or "not measured (no book_snapshot or ticker table)"
    return Fact(name, title, value, band, passed, reason=reason, details=details,
                display=display)  # fmt: skip


def _effective(kind: str, params: dict[str, float]) -> dict[str, float]:
    from aleatoric.reactor._scenarios import effective_params

    values = {k: float(v) for k, v in params.items() if k != "intensity"}
    return effective_params(values, float(params.get("intensity", 1.0)))


def _liquidity(prefix: str, title: str, row: dict[str, Any], v: dict[str, float]) -> list[Fact]:
    # A blown-out spread and thinned depth at the touch: at least a quarter of the configured
    # widening (quotes refill one step at a time), at most twice the configured depth.
    spread_min = 1.0 + (v["spread"] - 1.0) / 4.0
    depth_max = min(0.8, 2.0 * v["depth"])
    s, d = row["spread_multiple"], row["depth_multiple"]
    return [
        _fact(f"{prefix}.spread_multiple", f"{title}: spread multiple", s,
              f">= {spread_min:.3g} (configured x{v['spread']:g})",
              None if s is None else s >= spread_min, configured=v["spread"]),
        _fact(f"{prefix}.depth_multiple", f"{title}: depth multiple at the touch", d,
              f"<= {depth_max:.3g} (configured x{v['depth']:g})",
              None if d is None else d <= depth_max, configured=v["depth"]),
    ]  # fmt: skip


def _crash(prefix: str, title: str, row: dict[str, Any], v: dict[str, float]) -> list[Fact]:
    drop, fall_s = v["drop"], max(1.0, min(row["minutes"], round(v["fall_min"]))) * 60.0
    after = row["minutes"] - fall_s / 60.0
    regained = v["recovery"] * (1.0 - 2.0 ** (-after / v["half_life_min"]))
    p, t, r = row["peak_to_trough"], row["time_to_trough_s"], row["recovered_share"]
    lo, hi = 0.7 * drop, 1.3 * drop
    slack = max(60.0, 0.5 * fall_s)
    return [
        _fact(f"{prefix}.peak_to_trough", f"{title}: peak to trough", p,
              f"{lo:.2%} .. {hi:.2%} (configured {drop:.2%})",
              None if p is None else lo <= p <= hi,
              display="-" if p is None else f"{p:.2%}", configured=drop),
        _fact(f"{prefix}.time_to_trough_s", f"{title}: time to trough (s)", t,
              f"{max(0.0, fall_s - slack):g} .. {fall_s + slack:g} (configured {fall_s:g})",
              None if t is None else abs(t - fall_s) <= slack, configured=fall_s),
        _fact(f"{prefix}.recovered_share", f"{title}: recovered by the window's end", r,
              f"{max(0.0, regained - 0.15):.2f} .. {regained + 0.15:.2f} "
              f"(configured {regained:.2f})",
              None if r is None else abs(r - regained) <= 0.15, configured=regained),
        *_liquidity(prefix, title, row, v),
    ]  # fmt: skip


def _squeeze(prefix: str, title: str, row: dict[str, Any], v: dict[str, float], cap: float
             ) -> list[Fact]:  # fmt: skip
    # The premium holds after a linear ramp: its window mean is the target less half the ramp.
    minutes = row["minutes"]
    ramp = min(v["ramp_min"], minutes)
    target = 1e-4 * v["premium_bps"] * (1.0 - 0.5 * ramp / minutes)
    m, f = row["mean_premium"], row["peak_funding_rate"]
    facts = [
        _fact(f"{prefix}.mean_premium", f"{title}: mean premium over the index", m,
              f"{0.6 * target:.3%} .. {1.3 * target:.3%} (configured {target:.3%} with the ramp)",
              None if m is None else 0.6 * target <= m <= 1.3 * target,
              display="-" if m is None else f"{m:.3%}", configured=target),
    ]  # fmt: skip
    premium = 1e-4 * v["premium_bps"]
    if premium > cap:
        facts.append(_fact(
            f"{prefix}.peak_funding_rate", f"{title}: funding rate at its cap", f,
            f">= {0.95 * cap:.3%} (cap {cap:.3%})", None if f is None else f >= 0.95 * cap,
            display="-" if f is None else f"{f:.3%}", cap=cap,
        ))  # fmt: skip
    else:
        facts.append(_fact(
            f"{prefix}.peak_funding_rate", f"{title}: peak funding rate", f, "-", None,
            display="-" if f is None else f"{f:.3%}",
            reason=f"information: the premium ({premium:.3%}) is below the cap ({cap:.3%})",
        ))  # fmt: skip
    return facts


def _liquidated(prefix: str, title: str, row: dict[str, Any]) -> list[Fact]:
    vol = row.get("liquidated_volume")
    return [_fact(f"{prefix}.liquidated_volume", f"{title}: liquidated volume", vol, "> 0",
                  None if vol is None else vol > 0)]  # fmt: skip


def scenario_facts(
    labels: list[dict[str, Any]], *, funding_cap: float, start_ns: int
) -> tuple[Fact, ...]:
    """Return the measures of every scenario of ``labels`` checked against its shape.

    Names are ``<kind>@<minutes from the dataset start>.<measure>``, e.g.
    ``flash-crash@10m.peak_to_trough``.
    """
    out: list[Fact] = []
    for row in labels:
        lo, hi = int(row["start"]), int(row["end"])
        row = {**row, "minutes": (hi - lo) / (60 * NS_PER_SECOND)}
        at = f"{(lo - start_ns) // (60 * NS_PER_SECOND)}m"
        kind = row["kind"]
        prefix, title = f"{kind}@{at}", f"{kind} ({_clock(lo)}, {row['minutes']:g} min)"
        v = _effective(kind, row["params"])
        if kind == "flash-crash":
            out += _crash(prefix, title, row, v)
        elif kind == "liquidity-void":
            out += _liquidity(prefix, title, row, v)
            p = row["peak_to_trough"]
            out.append(_fact(f"{prefix}.peak_to_trough", f"{title}: peak to trough", p, "-",
                             None, display="-" if p is None else f"{p:.2%}",
                             reason="information: a void forces no price move"))  # fmt: skip
        elif kind == "funding-squeeze":
            out += _squeeze(prefix, title, row, v, funding_cap)
        elif kind == "liquidation-cascade":
            out += _liquidity(prefix, title, row, v)
            out += _liquidated(prefix, title, row)
            p = row["peak_to_trough"]
            out.append(_fact(f"{prefix}.peak_to_trough", f"{title}: peak to trough", p, "-",
                             None, display="-" if p is None else f"{p:.2%}",
                             reason="information: the fall is the cascade's own"))  # fmt: skip
        else:
            out.append(_fact(f"{prefix}.outage", f"{title}: feed gap", None, "-", None,
                             reason="information: canonical tables unchanged; the native "
                                    "captures' drops tables list what was lost"))  # fmt: skip
    return tuple(out)


def _clock(ns: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
