"""One matplotlib figure per stylized fact and per compared quantity (object API, Agg only).

matplotlib is imported by the caller (:mod:`aleatoric.realism._report`) only when a report is
rendered; this module is imported lazily for the same reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from aleatoric.realism._facts import (
    ACF_LAGS,
    FANO_MIN,
    FANO_WINDOW_S,
    HORIZON_LABELS,
    MIN_HORIZON_RETURNS,
    ONE_TICK_SHARE_MIN,
    SPREAD_MEAN_BPS_MAX,
    VOLUME_VOL_CORR_MIN,
)
from aleatoric.realism._load import NS_PER_MINUTE, Observations
from aleatoric.realism._metrics import acf, horizon_kurtosis
from aleatoric.realism._model import Distance, Fact
from aleatoric.realism._series import (
    HORIZONS_MIN,
    Bars,
    funding_series,
    horizon_returns,
    minute_bars,
    spread_bps,
    spread_ticks,
)

__all__ = ["PlotData", "distance_figure", "fact_figure", "overview_figure"]

F64 = npt.NDArray[np.float64]

WIDE = (9.0, 3.6)
SINGLE = (6.5, 3.6)


@dataclass(frozen=True, eq=False)
class PlotData:
    """Series derived once from the observations and shared by the figures."""

    obs: Observations
    bars: Bars
    returns: dict[int, F64]

    @classmethod
    def of(cls, obs: Observations) -> PlotData:
        """Return the plot inputs derived from ``obs``."""
        return cls(obs, minute_bars(obs), {h: horizon_returns(obs, h) for h in HORIZONS_MIN})


def _figure(size: tuple[float, float] = SINGLE, ncols: int = 1) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=size, dpi=96, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _message(text: str) -> Figure:
    fig, (ax,) = _figure()
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _normal_pdf(x: F64, mu: float, sd: float) -> F64:
    return np.asarray(np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * math.sqrt(2.0 * math.pi)))


def _tail_index(fact: Fact, data: PlotData) -> Figure:
    a = np.sort(np.abs(data.bars.ret[data.bars.ret != 0.0]))[::-1]
    n = a.size
    fig, (ax,) = _figure()
    ccdf = np.arange(1, n + 1) / n
    ax.loglog(a, ccdf, ".", ms=2, label="empirical P(|r| > u)")
    sd = float(np.sqrt(np.mean(data.bars.ret**2)))
    u = np.geomspace(a[-1], a[0], 200)
    erfc = np.array([math.erfc(v / (sd * math.sqrt(2.0))) for v in u])
    ax.loglog(u, np.maximum(erfc, 1e-12), "--", color="grey", label="normal, same std")
    k = int(fact.details.get("k", 0))
    if fact.value is not None and 0 < k < n:
        uk = a[k]
        tail = np.geomspace(uk, a[0], 50)
        fit = (k / n) * (tail / uk) ** (-fact.value)
        ax.loglog(tail, fit, "-", color="C3", label=f"Hill fit, alpha = {fact.value:.2f}")
    ax.set_ylim(0.5 / max(n, 1), 1.5)
    ax.set(xlabel="|1-minute log return|", ylabel="survival probability")
    ax.legend(fontsize=8)
    return fig


def _kurtosis(fact: Fact, data: PlotData) -> Figure:
    r = data.bars.ret
    fig, (ax,) = _figure()
    mu, sd = float(r.mean()), float(r.std())
    ax.hist(r, bins=120, density=True, log=True, alpha=0.7, label="1-minute returns")
    x = np.linspace(float(r.min()), float(r.max()), 400)
    pdf = _normal_pdf(x, mu, sd)
    keep = pdf > 1e-3 / max(sd, 1e-300)
    ax.plot(x[keep], pdf[keep], "--", color="C3", label="normal, same mean and std")
    ax.set(xlabel="1-minute log return", ylabel="density (log scale)")
    ax.set_title(f"excess kurtosis {fact.value_text}", fontsize=9)
    ax.legend(fontsize=8)
    return fig


def _kurtosis_decay(fact: Fact, data: PlotData) -> Figure:
    fig, (ax,) = _figure()
    hs = np.array(HORIZONS_MIN, dtype=np.float64)
    ks = np.array([horizon_kurtosis(data.bars.ret, h) for h in HORIZONS_MIN])
    counted = np.array([data.returns[h].size >= MIN_HORIZON_RETURNS for h in HORIZONS_MIN])
    ax.semilogx(hs[counted], ks[counted], "o-", label=f"counted (>= {MIN_HORIZON_RETURNS} returns)")
    if np.any(~counted):
        ax.semilogx(hs[~counted], ks[~counted], "x", color="grey", label="too few returns")
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_xticks(hs, [HORIZON_LABELS[h] for h in HORIZONS_MIN])
    ax.set(xlabel="return horizon", ylabel="excess kurtosis")
    ax.legend(fontsize=8)
    return fig


def _return_acf(fact: Fact, data: PlotData) -> Figure:
    fig, (ax,) = _figure()
    lags = np.arange(1, 31)
    rho = acf(data.bars.ret, lags)
    limits = np.asarray(fact.details.get("limits", []), dtype=np.float64)
    tested = lags <= ACF_LAGS[-1]
    ax.bar(lags[tested], rho[tested], color="C0", label="tested lags")
    ax.bar(lags[~tested], rho[~tested], color="lightgrey", label="not tested")
    if limits.size == len(ACF_LAGS):
        at = np.asarray(ACF_LAGS, dtype=np.float64)
        ax.step(at, limits, where="mid", color="C3", ls="--", lw=1, label="+/- limit (robust)")
        ax.step(at, -limits, where="mid", color="C3", ls="--", lw=1)
    iid = float(fact.details.get("iid_limit", math.nan))
    if math.isfinite(iid):
        ax.axhline(iid, color="grey", ls=":", lw=1, label=f"+/- 3/sqrt(N) = {iid:.3f}")
        ax.axhline(-iid, color="grey", ls=":", lw=1)
    ax.axhline(0.0, color="black", lw=0.6)
    ax.set(xlabel="lag (minutes)", ylabel="ACF of r")
    ax.legend(fontsize=8)
    return fig


def _vol_clustering(fact: Fact, data: PlotData) -> Figure:
    fig, (ax1, ax2) = _figure(WIDE, 2)
    lags = np.arange(1, 121)
    r = data.bars.ret
    ax1.plot(lags, acf(r, lags), ".-", ms=3, label="ACF of r")
    rho_abs = acf(np.abs(r), lags)
    ax1.plot(lags, rho_abs, ".-", ms=3, label="ACF of |r|")
    ax1.axhline(0.0, color="black", lw=0.6)
    ax1.axvline(60, color="grey", ls=":", lw=1)
    ax1.set(xlabel="lag (minutes)", ylabel="autocorrelation")
    ax1.legend(fontsize=8)
    short = lags <= 60
    pos = short & (rho_abs > 0)
    ax2.loglog(lags[pos], rho_abs[pos], "o", ms=3, label="ACF of |r|")
    beta = float(fact.details.get("power_law_exponent", math.nan))
    if math.isfinite(beta) and np.any(pos):
        x, y = np.log(lags[pos]), np.log(rho_abs[pos])
        c = float(np.mean(y + beta * x))
        ax2.loglog(lags[pos], np.exp(c) * lags[pos] ** (-beta), "-", color="C3",
                   label=f"power law, exponent {beta:.2f}")  # fmt: skip
    ax2.set(xlabel="lag (minutes)", ylabel="ACF of |r| (log-log)")
    ax2.legend(fontsize=8)
    return fig


def _volume_volatility(fact: Fact, data: PlotData) -> Figure:
    fig, (ax,) = _figure()
    v, a = data.bars.volume, np.abs(data.bars.ret)
    keep = (v > 0) & (a > 0)
    ax.loglog(v[keep], a[keep], ".", ms=3, alpha=0.4)
    ax.set(xlabel="traded size per minute (base asset)", ylabel="|1-minute return|")
    ax.set_title(
        f"Pearson {fact.value_text} (band >= {VOLUME_VOL_CORR_MIN:g}), Spearman "
        f"{fact.details.get('spearman', math.nan):.3g}",
        fontsize=9,
    )
    return fig


def _spread_one_tick(fact: Fact, data: PlotData) -> Figure:
    fig, (ax,) = _figure()
    ticks = spread_ticks(data.obs)
    cap = 20
    clipped = np.minimum(ticks, cap + 1)
    values, counts = np.unique(clipped, return_counts=True)
    share = counts / ticks.size
    colors = ["C2" if t == 1 else "C0" for t in values]
    ax.bar(values, share, color=colors)
    labels = [str(int(t)) if t <= cap else f">{cap}" for t in values]
    ax.set_xticks(values, labels, fontsize=7)
    ax.set_yscale("log")
    ax.axhline(ONE_TICK_SHARE_MIN, color="C3", ls="--", lw=1, label="90 % (calm band)")
    ax.set(xlabel="quoted spread (ticks)", ylabel="share of snapshots")
    ax.legend(fontsize=8)
    return fig


def _spread_mean(fact: Fact, data: PlotData) -> Figure:
    fig, (ax,) = _figure()
    obs = data.obs
    bps = spread_bps(obs)
    hour = (obs.snapshot_ts - obs.snapshot_ts[0]) // (60 * NS_PER_MINUTE)
    sums = np.bincount(hour, weights=bps)
    counts = np.bincount(hour)
    filled = counts > 0
    hours = np.flatnonzero(filled)
    ax.plot(hours, sums[filled] / counts[filled], ".-", ms=3, label="hourly mean")
    ax.axhline(SPREAD_MEAN_BPS_MAX, color="C3", ls="--", lw=1, label="0.5 bps (BTC band)")
    ax.axhline(float(bps.mean()), color="grey", ls=":", lw=1, label="overall mean")
    ax.set(xlabel="hours from start", ylabel="quoted spread (bps)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return fig


def _trade_clustering(fact: Fact, data: PlotData) -> Figure:
    fig, (ax,) = _figure()
    by = {int(k): v for k, v in dict(fact.details.get("by_window_s", {})).items()}
    ws = np.array(sorted(by), dtype=np.float64)
    fano = np.array([by[int(w)] for w in ws], dtype=np.float64)
    ok = np.isfinite(fano) & (fano > 0)
    ax.loglog(ws[ok], fano[ok], "o-", label="trade counts")
    ax.axhline(1.0, color="grey", ls=":", lw=1, label="Poisson (1)")
    ax.axhline(FANO_MIN, color="C3", ls="--", lw=1, label=f"band > {FANO_MIN:g}")
    ax.axvline(FANO_WINDOW_S, color="grey", ls="--", lw=0.8)
    ax.set(xlabel="window (seconds)", ylabel="Fano factor var/mean")
    ax.legend(fontsize=8)
    return fig


def _hours(ts: npt.NDArray[np.int64], origin: int) -> F64:
    return np.asarray((ts - origin) / (60 * NS_PER_MINUTE), dtype=np.float64)


def _funding_caps(fact: Fact, data: PlotData) -> Figure:
    fig, (ax,) = _figure()
    obs = data.obs
    origin = obs.start_ns
    if obs.ticker_ts.size:
        step = max(1, obs.ticker_ts.size // 5000)
        t = _hours(obs.ticker_ts[::step], origin)
        ax.plot(t, obs.ticker_predicted[::step] * 1e4, lw=0.8, label="predicted (ticker)")
        ax.plot(t, obs.ticker_funding[::step] * 1e4, lw=1.2, label="last settled (ticker)")
    if obs.funding_ts.size:
        ax.plot(_hours(obs.funding_ts, origin), obs.funding_rate * 1e4, "o", color="C3",
                label="settlements")  # fmt: skip
    cap = float(fact.details.get("cap", math.nan))
    floor = float(fact.details.get("floor", math.nan))
    ax.set_title(f"caps {floor * 1e4:g} .. {cap * 1e4:g} bps", fontsize=9)
    ax.set(xlabel="hours from start", ylabel="funding rate (bps)")
    ax.legend(fontsize=8)
    return fig


def _funding_persistence(fact: Fact, data: PlotData) -> Figure:
    ts, rates, source = funding_series(data.obs)
    if rates.size < 2:
        return _message("too few funding points")
    fig, (ax1, ax2) = _figure(WIDE, 2)
    ax1.plot(_hours(ts, data.obs.start_ns), rates * 1e4, ".-", ms=4)
    ax1.axhline(0.0, color="black", lw=0.6)
    ax1.set(xlabel="hours from start", ylabel=f"funding rate (bps), {source}")
    ax2.plot(rates[:-1] * 1e4, rates[1:] * 1e4, "o", ms=4, alpha=0.6)
    ax2.set(xlabel="rate t (bps)", ylabel="rate t+1 (bps)")
    ax2.set_title(f"lag-1 ACF {fact.value_text}", fontsize=9)
    return fig


_FIGURES: dict[str, Callable[[Fact, PlotData], Figure]] = {
    "tail_index": _tail_index,
    "kurtosis": _kurtosis,
    "kurtosis_decay": _kurtosis_decay,
    "return_autocorrelation": _return_acf,
    "volatility_clustering": _vol_clustering,
    "volume_volatility": _volume_volatility,
    "spread_one_tick": _spread_one_tick,
    "spread_mean": _spread_mean,
    "trade_clustering": _trade_clustering,
    "funding_caps": _funding_caps,
    "funding_persistence": _funding_persistence,
}


def fact_figure(
    fact: Fact, data: PlotData | None, other: tuple[str, Observations] | None = None
) -> Figure:
    """Return the figure of ``fact``; a text panel when there is nothing to draw.

    ``other`` (label and series of a second dataset, in compare mode) is overlaid on the
    figures of the tick-level facts.
    """
    from aleatoric.realism._cross_plots import cross_figure
    from aleatoric.realism._tick_plots import TICK_FIGURES, tick_figure

    cross = cross_figure(fact)
    if cross is not None:
        return cross
    draw = _FIGURES.get(fact.name)
    if data is None or (draw is None and fact.name not in TICK_FIGURES):
        return _message("no series to plot")
    if fact.passed is None and fact.value is None and other is None:
        return _message(f"not applicable: {fact.reason}")
    try:
        if fact.name in TICK_FIGURES:
            series = [(data.obs.meta.label, data.obs), *([other] if other else [])]
            return tick_figure(fact, series)
        assert draw is not None
        return draw(fact, data)
    except (ValueError, IndexError, ZeroDivisionError) as exc:
        return _message(f"cannot plot: {exc}")


def _skewed(a: F64, b: F64) -> bool:
    # Non-negative, long right tail (inter-arrival times, depth): log-spaced bins read better.
    both = np.concatenate([a, b])
    positive = both[both > 0]
    if both.min() < 0 or positive.size < 10:
        return False
    p50, p99 = np.quantile(positive, [0.5, 0.99])
    return bool(np.mean(both == 0) > 0.1 or p99 > 10.0 * p50)


def _bins(a: F64, b: F64, log: bool) -> F64:
    both = np.concatenate([a, b])
    if log:
        positive = both[both > 0]
        lo, hi = np.quantile(positive, [0.001, 0.999])
        if hi > lo:
            return np.geomspace(float(lo), float(hi), 80)
    lo, hi = np.quantile(both, [0.005, 0.995])
    if not hi > lo:
        lo, hi = float(both.min()) - 0.5, float(both.max()) + 0.5
    return np.linspace(float(lo), float(hi), 80)


def _ecdf(ax: Axes, x: F64, label: str) -> None:
    q = np.linspace(0.0, 1.0, 1001)
    ax.plot(np.quantile(x, q), q, lw=1.2, label=label)


def distance_figure(distance: Distance, a_label: str, b_label: str) -> Figure:
    """Return side-by-side histograms of both samples and their overlaid ECDFs.

    Non-negative samples with a long right tail get log-spaced bins and a log axis; their
    zeros, which a log axis cannot show, are counted in the panel titles.
    """
    a = np.asarray(distance.a, dtype=np.float64)
    b = np.asarray(distance.b, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return _message("one of the samples is empty")
    log = _skewed(a, b)
    fig, axes = _figure((12.0, 3.6), 3)
    bins = _bins(a, b, log)
    for ax, x, label, color in ((axes[0], a, a_label, "C0"), (axes[1], b, b_label, "C1")):
        shown = x[x > 0] if log else x
        counts, _ = np.histogram(np.clip(shown, bins[0], bins[-1]), bins=bins)
        ax.stairs(counts / x.size, bins, fill=True, color=color, alpha=0.8)
        title = f"{label}, zeros {np.mean(x == 0):.0%}" if log else label
        ax.set_title(title, fontsize=9)
        ax.set(xlabel=f"{distance.title} ({distance.unit})", ylabel="share of sample")
    top = max(axes[0].get_ylim()[1], axes[1].get_ylim()[1])
    _ecdf(axes[2], a, a_label)
    _ecdf(axes[2], b, b_label)
    for ax in axes:
        if log:
            ax.set_xscale("log")
        ax.set_xlim(bins[0], bins[-1])
    axes[0].set_ylim(0.0, top)
    axes[1].set_ylim(0.0, top)
    axes[2].set(xlabel=distance.unit, ylabel="ECDF")
    axes[2].set_title(f"W1 = {distance.w1:.4g} {distance.unit}", fontsize=9)
    axes[2].legend(fontsize=7)
    return fig


def _thin(n: int, limit: int = 20_000) -> int:
    return max(1, n // limit)


def overview_figure(obs: Observations) -> Figure:
    """Return the market over time: mid, spread, depth, traded size per minute and funding."""
    fig = Figure(figsize=(10.0, 9.0), dpi=96, layout="constrained")
    axes = fig.subplots(5, 1, sharex=True)
    origin = obs.start_ns
    step = _thin(obs.snapshot_ts.size)
    t = _hours(obs.snapshot_ts[::step], origin)
    mid = 0.5 * (obs.bid + obs.ask)
    axes[0].plot(t, mid[::step], lw=0.8)
    axes[0].set_ylabel("mid price")
    axes[1].plot(t, spread_bps(obs)[::step], lw=0.6)
    axes[1].set_ylabel("spread (bps)")
    base = obs.meta.instrument.base
    axes[2].plot(t, obs.bid_size[::step], lw=0.6, label="best bid size")
    axes[2].plot(t, obs.ask_size[::step], lw=0.6, label="best ask size")
    tick = obs.tick
    if tick is not None and tick.bid_depth.size:
        k = _thin(tick.bid_depth.size)
        tt = (np.arange(tick.bid_depth.size)[::k] + 1) * tick.grid_ns / 3.6e12
        tt = tt + (tick.start_ns - origin) / 3.6e12
        axes[2].plot(tt, 0.5 * (tick.bid_depth + tick.ask_depth)[::k], lw=0.6,
                     label="top-10 depth a side")  # fmt: skip
    axes[2].set_ylabel(f"size ({base})")
    axes[2].legend(fontsize=7, loc="upper right")
    bars = minute_bars(obs)
    if bars.minute.size:
        axes[3].bar(_hours(bars.minute * NS_PER_MINUTE, origin), bars.volume,
                    width=1 / 60, align="edge")  # fmt: skip
    axes[3].set_ylabel(f"traded {base} / min")
    if obs.ticker_ts.size:
        k = _thin(obs.ticker_ts.size)
        axes[4].plot(_hours(obs.ticker_ts[::k], origin), obs.ticker_predicted[::k] * 1e4,
                     lw=0.8, label="predicted")  # fmt: skip
    if obs.funding_ts.size:
        axes[4].plot(_hours(obs.funding_ts, origin), obs.funding_rate * 1e4, "o", color="C3",
                     label="settled")  # fmt: skip
    if axes[4].get_legend_handles_labels()[0]:
        axes[4].legend(fontsize=7, loc="upper right")
    axes[4].set_ylabel("funding (bps)")
    axes[4].set_xlabel("hours from start")
    return fig
