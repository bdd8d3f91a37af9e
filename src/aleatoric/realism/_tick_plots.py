"""One figure per tick-level fact; in compare mode each figure overlays both datasets.

Imported lazily by :mod:`aleatoric.realism._plots` (matplotlib is an optional extra).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from aleatoric.realism._load import Observations
from aleatoric.realism._metrics import acf, fano_factor
from aleatoric.realism._model import Fact
from aleatoric.realism._series import minute_bars
from aleatoric.realism._tick import NS_PER_SECOND, TickObservations
from aleatoric.realism._tick_facts import SIGN_ACF_LAGS, intraday_volume_fact

__all__ = ["TICK_FIGURES", "Series", "tick_figure"]

F64 = npt.NDArray[np.float64]
#: ``(label, observations)`` of each dataset drawn.
Series = Sequence[tuple[str, Observations]]
SIZE = (7.0, 3.6)


def _ax() -> tuple[Figure, Axes]:
    fig = Figure(figsize=SIZE, dpi=96, layout="constrained")
    return fig, fig.subplots(1, 1)


def _legend(ax: Axes, size: int) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=size)


def _band(ax: Axes, lo: float | None, hi: float | None, vertical: bool = False) -> None:
    span = ax.axvspan if vertical else ax.axhspan
    line = ax.axvline if vertical else ax.axhline
    if lo is not None and hi is not None:
        span(lo, hi, color="C2", alpha=0.12, label="band")
    elif lo is not None:
        line(lo, color="C3", ls="--", lw=1, label="band limit")
    elif hi is not None:
        line(hi, color="C3", ls="--", lw=1, label="band limit")


def _ticks(series: Series) -> list[tuple[str, TickObservations, Observations]]:
    return [(label, obs.tick, obs) for label, obs in series if obs.tick is not None]


def _hours(t: TickObservations, n: int, step_ns: int) -> F64:
    return np.asarray((np.arange(n) + 1) * step_ns / 3.6e12, dtype=np.float64)


def _mid_change(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    for label, t, _ in _ticks(series):
        mid = t.mid_on(100_000_000)
        if mid is None:
            continue
        changed = (mid[1:] != mid[:-1]).astype(np.float64)
        per = 36_000  # 100 ms intervals in an hour
        n = changed.size // per
        if n == 0:
            per, n = 600, changed.size // 600  # per minute for short datasets
        share = changed[: n * per].reshape(n, per).mean(axis=1)
        ax.plot(_hours(t, n, per * 100_000_000), share, ".-", ms=3, label=label)
    _band(ax, 0.05, 0.25)
    ax.set(xlabel="hours from start", ylabel="share of 100 ms intervals with a mid change")
    ax.set_ylim(0, 1)
    _legend(ax, 8)
    return fig


def _zero_returns(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    width = 0.8 / max(1, len(series))
    for i, (label, t, obs) in enumerate(_ticks(series)):
        mid = t.mid_on(NS_PER_SECOND)
        if mid is None:
            continue
        d = np.diff(mid)
        d = d[np.isfinite(d)] / float(obs.meta.instrument.tick_size)
        half = np.clip(np.rint(2.0 * d), -20, 20) / 2.0  # mids move in half ticks
        values = np.arange(-10.0, 10.5, 0.5)
        share = np.array([np.mean(half == v) for v in values])
        ax.bar(values + (i - 0.5 * (len(series) - 1)) * width * 0.5, share, width=width * 0.5,
               label=f"{label}: zero {np.mean(d == 0):.0%}")  # fmt: skip
    ax.set(xlabel="1 s mid change (ticks, clipped at +/-10)", ylabel="share of seconds")
    ax.set_yscale("log")
    _legend(ax, 8)
    return fig


def _hist_log(ax: Axes, values: list[tuple[str, F64]], xlabel: str) -> None:
    pos = [v[(v > 0) & np.isfinite(v)] for _, v in values]
    both = np.concatenate(pos) if pos else np.empty(0)
    if both.size == 0:
        return
    bins = np.geomspace(max(float(np.quantile(both, 0.001)), 1e-9), float(both.max()) * 1.01, 60)
    for (label, _), v in zip(values, pos, strict=True):
        counts, _ = np.histogram(v, bins=bins)
        ax.stairs(counts / max(v.size, 1), bins, label=f"{label}: mean {v.mean():.3g}")
    ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel="share")


def _touch_size(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    scale = float(fact.details.get("scale", 1.0))
    data = [(label, 0.5 * (t.bid_size + t.ask_size)) for label, t, _ in _ticks(series)]
    _hist_log(ax, data, "size at the best level (mean of both sides, base asset)")
    _band(ax, 2.0 * scale, 8.0 * scale, vertical=True)
    _legend(ax, 8)
    return fig


def _touch_share(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    bins = np.linspace(0, 1, 51)
    for label, t, _ in _ticks(series):
        share = (t.bid_size + t.ask_size) / (t.bid_depth + t.ask_depth)
        share = share[np.isfinite(share)]
        counts, _ = np.histogram(share, bins=bins)
        ax.stairs(counts / max(share.size, 1), bins, label=label)
    _band(ax, 0.35, 0.60, vertical=True)
    ax.set(xlabel="best level / depth of the ten best levels", ylabel="share of 100 ms samples")
    _legend(ax, 8)
    return fig


def _multi_level(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    ticks = _ticks(series)
    width = 0.8 / max(1, len(ticks))
    for i, (label, t, _) in enumerate(ticks):
        levels = np.minimum(t.events.levels, 6)
        share = np.array([np.mean(levels == k) if levels.size else 0.0 for k in range(1, 7)])
        ax.bar(np.arange(1, 7) + (i - 0.5 * (len(ticks) - 1)) * width, share, width=width,
               label=label)  # fmt: skip
    ax.set_xticks(range(1, 7), ["1", "2", "3", "4", "5", ">= 6"])
    ax.set_yscale("log")
    ax.set(xlabel="price levels taken by one aggressor event", ylabel="share of events")
    _legend(ax, 8)
    return fig


def _sign_memory(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    for label, t, _ in _ticks(series):
        if t.events.sign.size <= SIGN_ACF_LAGS[-1]:
            continue
        rho = acf(t.events.sign, SIGN_ACF_LAGS)
        pos = rho > 0
        ax.loglog(SIGN_ACF_LAGS[pos], rho[pos], ".", ms=4, label=label)
    lags = SIGN_ACF_LAGS.astype(np.float64)
    ax.loglog(lags, 0.2 * lags**-0.5, ":", color="grey", label="0.2 x lag^-0.5 (real BTC)")
    ax.plot([1], [0.12], "v", color="C3", label="lag 1 >= 0.12")
    ax.plot([10], [0.05], "v", color="C3", label="lag 10 >= 0.05")
    ax.set(xlabel="lag (events)", ylabel="ACF of event signs (positive values)")
    _legend(ax, 7)
    return fig


def _size_tail(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    for label, t, _ in _ticks(series):
        s = np.sort(t.events.size[t.events.size > 0])[::-1]
        if s.size == 0:
            continue
        ccdf = np.arange(1, s.size + 1) / s.size
        step = max(1, s.size // 20_000)
        ax.loglog(s[::step], ccdf[::step], ".", ms=2, label=label)
    u = np.geomspace(1.0, 100.0, 20)
    ax.loglog(u, 0.01 * (u / 7.0) ** -1.05, ":", color="grey", label="slope -1.05 (real BTC)")
    ax.set(xlabel="event size (base asset)", ylabel="P(size > x)")
    _legend(ax, 8)
    return fig


def _burstiness(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    windows = np.array([1, 2, 5, 10, 30, 60])
    for label, t, _ in _ticks(series):
        ev = t.events.ts[(t.events.ts >= t.start_ns) & (t.events.ts < t.end_ns)]
        n = (t.end_ns - t.start_ns) // NS_PER_SECOND
        per_s = np.bincount((ev - t.start_ns) // NS_PER_SECOND, minlength=n)[:n]
        fano = [fano_factor(per_s[: per_s.size // w * w].reshape(-1, w).sum(axis=1))
                if per_s.size >= 30 * w else math.nan for w in windows]  # fmt: skip
        ax.loglog(windows, fano, "o-", label=label)
    ax.axhline(1.0, color="grey", ls=":", lw=1, label="Poisson (1)")
    ax.axhline(10.0, color="C3", ls="--", lw=1, label="band at 1 s: >= 10")
    ax.set(xlabel="window (s)", ylabel="Fano factor of event counts")
    _legend(ax, 8)
    return fig


def _ofi(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    for i, (label, t, _) in enumerate(_ticks(series)):
        mid = t.mid_on(NS_PER_SECOND)
        if mid is None:
            continue
        color = f"C{i}"
        d, o = np.diff(mid), t.ofi[1 : mid.size]
        ok = np.isfinite(d) & np.isfinite(o)
        d, o = d[ok], o[ok]
        step = max(1, d.size // 4000)
        ax.plot(o[::step], d[::step], ".", ms=2, alpha=0.3, color=color)
        if d.size > 2 and np.ptp(o) > 0:
            slope, icept = np.polyfit(o, d, 1)
            x = np.linspace(float(np.quantile(o, 0.005)), float(np.quantile(o, 0.995)), 10)
            r2 = np.corrcoef(o, d)[0, 1] ** 2
            ax.plot(x, slope * x + icept, "-", lw=1.5, color=color, label=f"{label}: R² {r2:.2f}")
    ax.set(xlabel="best-level OFI in 1 s (base asset)", ylabel="1 s mid change (quote)")
    _legend(ax, 8)
    return fig


def _impact(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    horizons = np.array([0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0])
    for label, t, _ in _ticks(series):
        mid = t.mid_on(NS_PER_SECOND)
        if mid is None or t.events.ts.size < 100:
            continue
        sd = float(np.nanstd(np.diff(mid)))
        ev = t.events
        keep = (ev.ts >= t.start_ns) & (ev.ts + 10 * NS_PER_SECOND < t.end_ns)
        step = max(1, int(keep.sum()) // 200_000)
        ts, sign = ev.ts[keep][::step], ev.sign[keep][::step]
        before = t.mid_at(ts - 1)
        resp = [np.nanmean(sign * (t.mid_at(ts + int(h * NS_PER_SECOND)) - before)) / sd
                for h in horizons]  # fmt: skip
        ax.semilogx(horizons, resp, "o-", label=label)
    ax.axvline(1.0, color="grey", ls=":", lw=1)
    _band(ax, 0.2, 0.45)
    ax.set(xlabel="horizon after the event (s)", ylabel="E[sign x mid change] / std(1 s)")
    _legend(ax, 8)
    return fig


def _kurtosis_1s(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    bins = np.linspace(-30, 30, 121)
    for label, t, _ in _ticks(series):
        mid = t.mid_on(NS_PER_SECOND)
        if mid is None:
            continue
        r = np.diff(np.log(mid))
        r = r[np.isfinite(r)]
        if r.size < 2 or r.std() == 0:
            continue
        z = np.clip(r / r.std(), bins[0], bins[-1])
        counts, _ = np.histogram(z, bins=bins)
        ax.stairs(counts / z.size, bins, label=f"{label}: max |r| {np.abs(z).max():.0f} std")
    x = 0.5 * (bins[1:] + bins[:-1])
    ax.plot(x, np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi) * 0.5, "--", color="grey",
            label="normal")  # fmt: skip
    ax.set_yscale("log")
    ax.set_ylim(1e-7, 1.0)
    ax.set(xlabel="1 s return (std units, clipped at +/-30)", ylabel="share")
    _legend(ax, 8)
    return fig


def _book_sides(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    for label, t, _ in _ticks(series):
        per = 600  # one minute of 100 ms samples
        n = t.bid_depth.size // per
        if n == 0:
            continue
        for name, depth in (("bid", t.bid_depth), ("ask", t.ask_depth)):
            d = np.where(np.isfinite(depth), depth, 0.0)[: n * per].reshape(n, per).min(axis=1)
            ax.plot(_hours(t, n, per * t.grid_ns), d, lw=0.8, label=f"{label} {name}")
    ax.set(xlabel="hours from start", ylabel="minimum top-10 depth per minute")
    ax.set_ylim(bottom=0)
    _legend(ax, 7)
    return fig


def _book_depth(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    ticks = _ticks(series)
    for i, (label, t, _) in enumerate(ticks):
        share = 100.0 * (1.0 - t.shallow / t.messages) if t.messages else 0.0
        ax.bar([i], [share], width=0.6, label=f"{label}: fewest {t.fewest} levels")
    ax.axhline(99.9, color="C3", lw=0.8, ls="--", label="band >= 99.9 %")
    ax.set_xticks(range(len(ticks)), [label for label, _, _ in ticks])
    ax.set(ylabel="% of book states with the full depth on both sides")
    ax.set_ylim(min(99.0, ax.get_ylim()[0]), 100.05)
    _legend(ax, 8)
    return fig


def _volatility_memory(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    lags = np.arange(1, 121)
    for label, obs in series:
        r = minute_bars(obs).ret
        if r.size > 2 * lags[-1]:
            ax.plot(lags, acf(np.abs(r), lags), ".-", ms=3, label=label)
    ax.plot([1], [0.2], "v", color="C3", label="lag 1 >= 0.2")
    ax.plot([60], [0.05], "v", color="C3", label="lag 60 >= 0.05")
    ax.axhline(0.0, color="black", lw=0.6)
    ax.set(xlabel="lag (minutes)", ylabel="ACF of |1 min return|")
    _legend(ax, 8)
    return fig


def _intraday_volume(fact: Fact, series: Series) -> Figure:
    fig, ax = _ax()
    for label, obs in series:
        facts = [f for f in (intraday_volume_fact(obs, 0.0),) if f.details]
        if not facts:
            continue
        mean = np.asarray(facts[0].details["by_hour_of_day"], dtype=np.float64)
        seen = np.isfinite(mean)
        if seen.any():
            ax.plot(np.arange(24)[seen], mean[seen] / mean[seen].mean(), "o-", label=label)
    ax.set_xticks(range(0, 24, 3))
    ax.set(xlabel="hour of day (UTC, hours seen)", ylabel="traded size / mean over hours")
    ax.set_ylim(bottom=0)
    _legend(ax, 8)
    return fig


TICK_FIGURES: dict[str, Callable[[Fact, Series], Figure]] = {
    "mid_change_100ms": _mid_change,
    "zero_returns_1s": _zero_returns,
    "touch_size": _touch_size,
    "touch_share": _touch_share,
    "multi_level_events": _multi_level,
    "event_sign_memory": _sign_memory,
    "event_size_tail": _size_tail,
    "event_burstiness": _burstiness,
    "ofi_explains_price": _ofi,
    "trade_impact": _impact,
    "kurtosis_1s": _kurtosis_1s,
    "book_sides": _book_sides,
    "book_depth": _book_depth,
    "volatility_memory": _volatility_memory,
    "intraday_volume": _intraday_volume,
}


def tick_figure(fact: Fact, series: Series) -> Figure:
    """Return the figure of a tick-level fact drawn for every dataset in ``series``."""
    return TICK_FIGURES[fact.name](fact, series)
