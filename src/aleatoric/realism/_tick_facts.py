"""Tick-level stylized facts (100 ms to a few seconds, plus intraday): measured and banded.

Bands describe a BTC perpetual on a large venue in a calm market; the figures behind them (a
real Binance USD-M BTCUSDT capture and the literature) are in docs/realism.md. Size bands are
in BTC and scale to other assets by a measured factor or by notional (:func:`size_scale`).
Each fact has a minimum dataset length; on a shorter dataset the value is shown, marked N/A.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from aleatoric.realism._load import Observations
from aleatoric.realism._metrics import acf, excess_kurtosis, fano_factor, hill_tail_index, pearson
from aleatoric.realism._metrics import power_law_exponent as _power_law
from aleatoric.realism._model import Fact
from aleatoric.realism._series import minute_bars
from aleatoric.realism._tick import NS_PER_SECOND, TickObservations

__all__ = [
    "ASSET_SIZE_SCALE",
    "BTC_REFERENCE_PRICE",
    "MIN_DURATION_S",
    "SIGN_ACF_LAGS",
    "SIGN_FIT_LAGS",
    "TICK_FACT_NAMES",
    "compute_tick_facts",
    "duration_text",
    "size_scale",
]

F64 = npt.NDArray[np.float64]

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
#: BTC price (USD) at which the size bands are stated; assets without a measured factor scale
#: by notional at this price.
BTC_REFERENCE_PRICE = 60_000.0
#: Measured size factors against BTC: a real Binance USD-M capture of BTCUSDT and ETHUSDT on
#: 2024-08-08 has ETH/BTC ratios of 5.4 (mean best-level size), 6.9, 6.4, 5.1 and 4.7 (event
#: size quantiles 50, 90, 99, 99.9 %); notional would give 23.
ASSET_SIZE_SCALE = {"BTC": 1.0, "ETH": 5.0}
SIGN_ACF_LAGS = np.arange(1, 101)
#: Log-spaced lags 1..100 for the power-law fit of the sign ACF (each decade weighs the same).
SIGN_FIT_LAGS = np.unique(np.round(np.geomspace(1, 100, 25)).astype(np.int64))

#: Shortest dataset each band is judged on.
MIN_DURATION_S: dict[str, float] = {
    "mid_change_100ms": 10 * MINUTE,
    "zero_returns_1s": 10 * MINUTE,
    "touch_size": 10 * MINUTE,
    "touch_share": 10 * MINUTE,
    "multi_level_events": 30 * MINUTE,
    "event_sign_memory": HOUR,
    "event_size_tail": HOUR,
    "event_burstiness": 30 * MINUTE,
    "ofi_explains_price": HOUR,
    "trade_impact": 30 * MINUTE,
    "kurtosis_1s": DAY,
    "book_sides": MINUTE,
    "book_depth": 10 * MINUTE,
    "volatility_memory": DAY,
    "intraday_volume": DAY,
}
TICK_FACT_NAMES = tuple(MIN_DURATION_S)


def duration_text(seconds: float) -> str:
    """Return a duration such as ``10 min``, ``1 h 41 min``, ``6 h`` or ``1 d``."""
    if seconds >= DAY and seconds % DAY == 0:
        return f"{seconds / DAY:g} d"
    if seconds >= HOUR:
        hours, rest = divmod(round(seconds / MINUTE), 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    if seconds >= MINUTE:
        return f"{seconds / MINUTE:.3g} min"
    return f"{seconds:.3g} s"


def size_scale(obs: Observations, tick: TickObservations) -> float:
    """Return the factor from BTC size bands to this asset's base units.

    Measured for the assets with a real reference (:data:`ASSET_SIZE_SCALE`: ETH sizes at the
    touch and in the event-size quantiles are about 5 times BTC's on the same day); by
    notional otherwise, ``BTC_REFERENCE_PRICE / median mid``.
    """
    base = obs.meta.instrument.base
    if base in ASSET_SIZE_SCALE:
        return ASSET_SIZE_SCALE[base]
    mid = tick.mid
    mid = mid[np.isfinite(mid)]
    return BTC_REFERENCE_PRICE / float(np.median(mid)) if mid.size else 1.0


def _round_unit(scale: float) -> float:
    # The "0.1 BTC" round size for another asset: the nearest power of ten of 0.1 x scale.
    return float(10.0 ** round(math.log10(0.1 * scale)))


def _fact(
    name: str, title: str, value: float | None, band: str, passed: bool | None,
    duration: float, *, reason: str = "", display: str = "", **details: object,
) -> Fact:  # fmt: skip
    """Return a tick-level fact, N/A (value kept for information) when the data are too short."""
    need = MIN_DURATION_S[name]
    if value is not None and not math.isfinite(value):
        value, passed = None, None
        reason = reason or "undefined on these data"
    insufficient = duration < need
    if insufficient:
        passed = None
        reason = f"needs {duration_text(need)} of data, has {duration_text(duration)}" + (
            f"; {reason}" if reason else ""
        )
    return Fact(
        name, title, value, band, passed, reason=reason, details=details, display=display,
        tick_level=True, min_duration_s=need, insufficient=insufficient,
    )  # fmt: skip


def _pairs_r2(x: F64, y: F64) -> float:
    rho = pearson(x, y)
    return rho * rho if math.isfinite(rho) else math.nan


def mid_change_fact(tick: TickObservations) -> Fact:
    """Share of 100 ms intervals in which the mid changes: 5-25 %."""
    name, title, band = "mid_change_100ms", "Mid changes in 100 ms intervals", "5 % .. 25 %"
    mid = tick.mid_on(100_000_000)
    if mid is None:
        return _fact(name, title, None, band, None, tick.duration_s,
                     reason=f"needs a 100 ms book ({tick.source})")  # fmt: skip
    ok = np.isfinite(mid[1:]) & np.isfinite(mid[:-1])
    share = float(np.mean(mid[1:][ok] != mid[:-1][ok])) if ok.any() else math.nan
    return _fact(name, title, share, band, 0.05 <= share <= 0.25, tick.duration_s,
                 display=f"{share:.1%}", intervals=int(ok.sum()))  # fmt: skip


def zero_returns_fact(tick: TickObservations) -> Fact:
    """Share of 1 s mid returns that are exactly zero: 30-65 %."""
    name, title, band = "zero_returns_1s", "1 s returns exactly zero", "30 % .. 65 %"
    mid = tick.mid_on(NS_PER_SECOND)
    if mid is None:
        return _fact(name, title, None, band, None, tick.duration_s,
                     reason=f"needs a book every second or finer ({tick.source})")  # fmt: skip
    ok = np.isfinite(mid[1:]) & np.isfinite(mid[:-1])
    share = float(np.mean(mid[1:][ok] == mid[:-1][ok])) if ok.any() else math.nan
    return _fact(name, title, share, band, 0.30 <= share <= 0.65, tick.duration_s,
                 display=f"{share:.1%}", returns=int(ok.sum()))  # fmt: skip


def touch_size_fact(tick: TickObservations, scale: float) -> Fact:
    """Time-averaged size at the best level (mean of both sides): 2-8 BTC, scaled by notional."""
    lo, hi = 2.0 * scale, 8.0 * scale
    name, title = "touch_size", "Mean size at the best level"
    band = f"{lo:.3g} .. {hi:.3g}" + (f" (2 .. 8 BTC x {scale:.3g})" if scale != 1.0 else " BTC")
    q = 0.5 * (tick.bid_size + tick.ask_size)
    q = q[np.isfinite(q)]
    mean = float(q.mean()) if q.size else math.nan
    return _fact(name, title, mean, band, lo <= mean <= hi, tick.duration_s,
                 median=float(np.median(q)) if q.size else math.nan, samples=int(q.size),
                 scale=scale)  # fmt: skip


def touch_share_fact(tick: TickObservations) -> Fact:
    """Best level's share of the depth of the ten best levels (both sides pooled): 35-60 %."""
    name, title, band = "touch_share", "Best level's share of top-10 depth", "35 % .. 60 %"
    best = tick.bid_size + tick.ask_size
    depth = tick.bid_depth + tick.ask_depth
    ok = np.isfinite(best) & np.isfinite(depth) & (depth > 0)
    share = float(best[ok].sum() / depth[ok].sum()) if ok.any() else math.nan
    return _fact(name, title, share, band, 0.35 <= share <= 0.60, tick.duration_s,
                 display=f"{share:.1%}", mean_top10_depth=float(np.mean(depth[ok]) / 2)
                 if ok.any() else math.nan)  # fmt: skip


def multi_level_fact(tick: TickObservations) -> Fact:
    """Share of aggressor events that take more than one price level: 5-20 %."""
    name, title, band = "multi_level_events", "Aggressor events taking > 1 level", "5 % .. 20 %"
    ev = tick.events
    if ev.ts.size == 0:
        return _fact(name, title, None, band, None, tick.duration_s, reason="no trades")
    share = float(np.mean(ev.levels > 1))
    return _fact(name, title, share, band, 0.05 <= share <= 0.20, tick.duration_s,
                 display=f"{share:.1%}", events=int(ev.ts.size),
                 max_levels=int(ev.levels.max()))  # fmt: skip


def sign_memory_fact(tick: TickObservations) -> Fact:
    """Event sign ACF >= 0.12 at lag 1, >= 0.05 at lag 10; power-law exponent 0.3-0.8."""
    name, title = "event_sign_memory", "Event sign autocorrelation (long memory)"
    band = "lag 1 >= 0.12, lag 10 >= 0.05, decay exponent 0.3 .. 0.8"
    signs = tick.events.sign
    if signs.size < 10 * SIGN_ACF_LAGS[-1]:
        return _fact(name, title, None, band, None, tick.duration_s,
                     reason=f"{signs.size} events, need {10 * SIGN_ACF_LAGS[-1]}")  # fmt: skip
    rho = acf(signs, SIGN_ACF_LAGS)
    gamma = _power_law(SIGN_FIT_LAGS.astype(np.float64), rho[SIGN_FIT_LAGS - 1])
    lag1, lag10, lag100 = float(rho[0]), float(rho[9]), float(rho[99])
    passed = lag1 >= 0.12 and lag10 >= 0.05 and 0.3 <= gamma <= 0.8
    return _fact(name, title, lag1, band, passed, tick.duration_s,
                 display=f"{lag1:.3f} / {lag10:.3f} / {lag100:.3f}; exp. {gamma:.2f}",
                 lag1=lag1, lag10=lag10, lag100=lag100, exponent=gamma,
                 acf=rho.tolist(), events=int(signs.size))  # fmt: skip


def _round_share(size: F64, unit: float) -> float:
    ratio = size / unit
    hit = (np.abs(ratio - np.rint(ratio)) < 1e-6) & (ratio >= 0.5)
    return float(np.mean(hit)) if size.size else math.nan


def size_tail_fact(tick: TickObservations, scale: float, fills: F64 | None = None) -> Fact:
    """Event sizes: Hill index (top 5 %) 0.9-1.6, q99.9 >= 15 BTC; >= 1 % round fill sizes.

    The round-size share is over ``fills`` (trade rows, as the reference figure was
    measured) when given, else over event sizes; both are in the details.
    """
    name, title = "event_size_tail", "Event size: power-law tail and round sizes"
    unit = _round_unit(scale)
    q_min = 15.0 * scale
    band = f"Hill 0.9 .. 1.6, q99.9 >= {q_min:.3g}, >= 1 % of fills multiples of {unit:g}"
    size = tick.events.size
    size = size[size > 0]
    if size.size < 1_000:
        return _fact(name, title, None, band, None, tick.duration_s,
                     reason=f"{size.size} events, need 10000")  # fmt: skip
    k = max(10, int(0.05 * size.size))
    alpha = hill_tail_index(size, k)
    q99, q999 = (float(v) for v in np.quantile(size, [0.99, 0.999]))
    round_events = _round_share(size, unit)
    round_share = _round_share(fills, unit) if fills is not None and fills.size else round_events
    passed: bool | None = 0.9 <= alpha <= 1.6 and q999 >= q_min and round_share >= 0.01
    reason = ""
    if size.size < 10_000:  # q99.9 rests on fewer than 10 events: shown, not judged
        passed, reason = None, f"{size.size} events, need 10000"
    return _fact(name, title, alpha, band, passed, tick.duration_s, reason=reason,
                 display=f"{alpha:.2f}; q99.9 {q999:.3g}; round {round_share:.2%}",
                 hill=alpha, k=k, q99=q99, q999=q999, round_share=round_share,
                 round_share_events=round_events,
                 round_unit=unit, events=int(size.size))  # fmt: skip


def burstiness_fact(tick: TickObservations) -> Fact:
    """Fano factor of event counts in 1 s windows >= 10 and inter-arrival CV >= 1.2."""
    name, title = "event_burstiness", "Bursty events: Fano (1 s), inter-arrival CV"
    band = "Fano >= 10 and CV >= 1.2"
    ev = tick.events.ts
    ev = ev[(ev >= tick.start_ns) & (ev < tick.end_ns)]
    if ev.size < 100:
        return _fact(name, title, None, band, None, tick.duration_s,
                     reason=f"{ev.size} events, need 100")  # fmt: skip
    n = (tick.end_ns - tick.start_ns) // NS_PER_SECOND
    counts = np.bincount((ev - tick.start_ns) // NS_PER_SECOND, minlength=n)[:n]
    gaps = np.diff(ev).astype(np.float64)
    second = tick.start_ns + np.arange(counts.size, dtype=np.int64) * NS_PER_SECOND
    calm_second = np.ones(counts.size, dtype=np.bool_)
    calm_gap = np.ones(gaps.size, dtype=np.bool_)
    for lo, hi in tick.stressed:  # scenario windows: their seconds and the gaps across them
        calm_second &= (second < lo) | (second >= hi)
        calm_gap &= ~((ev[:-1] < lo) & (ev[1:] >= lo))
    counts, gaps = counts[calm_second], gaps[calm_gap]
    fano = fano_factor(counts)
    cv = float(gaps.std() / gaps.mean()) if gaps.mean() > 0 else math.nan
    return _fact(name, title, fano, band, fano >= 10.0 and cv >= 1.2, tick.duration_s,
                 display=f"{fano:.3g}; CV {cv:.2f}", fano=fano, cv=cv,
                 events_per_second=float(counts.mean()))  # fmt: skip


def ofi_fact(tick: TickObservations) -> Fact:
    """R² of 1 s mid change on best-level OFI >= 0.4 and above the 10 s trade-imbalance R²."""
    name, title = "ofi_explains_price", "OFI R² (1 s) vs trade-imbalance R² (10 s)"
    band = "OFI R² >= 0.4 and > trade-imbalance R² (10 s)"
    mid1 = tick.mid_on(NS_PER_SECOND)
    mid10 = tick.mid_on(10 * NS_PER_SECOND)
    if mid1 is None or mid10 is None:
        return _fact(name, title, None, band, None, tick.duration_s,
                     reason=f"needs a book every second or finer ({tick.source})")  # fmt: skip
    dmid = np.diff(mid1)
    r2_ofi = _pairs_r2(tick.ofi[1 : mid1.size], dmid)
    ev = tick.events
    w = (ev.ts - tick.start_ns) // (10 * NS_PER_SECOND)
    keep = (w >= 0) & (w < mid10.size)
    imbalance = np.asarray(
        np.bincount(w[keep], weights=(ev.sign * ev.size)[keep], minlength=mid10.size),
        dtype=np.float64,
    )
    r2_ti = _pairs_r2(imbalance[1:], np.diff(mid10))
    passed: bool | None = r2_ofi >= 0.4 and r2_ofi > r2_ti
    reason = ""
    if not math.isfinite(r2_ti):
        passed, reason = None, "trade-imbalance R² undefined (no trades or constant imbalance)"
    elif tick.source != "book_delta":
        # The band (and the real 0.52) is the OFI of every book message. Between two book
        # states the queue changes inside the interval are lost, so the same flow gives a
        # lower R² (about half at 1 s): shown, not judged.
        passed, reason = None, f"the band is for event-level OFI (book_delta); {tick.source}"
    return _fact(name, title, r2_ofi, band, passed, tick.duration_s, reason=reason,
                 display=f"{r2_ofi:.2f} vs {r2_ti:.2f}", r2_ofi_1s=r2_ofi,
                 r2_trade_imbalance_10s=r2_ti, ofi_source=tick.source)  # fmt: skip


def impact_fact(tick: TickObservations) -> Fact:
    """E[sign x (mid 1 s after - mid just before)] / std of 1 s mid changes: 0.2-0.45."""
    name, title, band = "trade_impact", "Impact of an event after 1 s (in 1 s std)", "0.2 .. 0.45"
    mid1 = tick.mid_on(NS_PER_SECOND)
    ev = tick.events
    if mid1 is None or ev.ts.size < 100:
        return _fact(name, title, None, band, None, tick.duration_s,
                     reason="needs trades and a book every second or finer")  # fmt: skip
    sd = float(np.nanstd(np.diff(mid1)))
    keep = (ev.ts >= tick.start_ns) & (ev.ts + NS_PER_SECOND < tick.end_ns)
    t = ev.ts[keep]
    move = tick.mid_at(t + NS_PER_SECOND) - tick.mid_at(t - 1)
    signed = ev.sign[keep] * move
    signed = signed[np.isfinite(signed)]
    value = float(signed.mean()) / sd if signed.size and sd > 0 else math.nan
    return _fact(name, title, value, band, 0.2 <= value <= 0.45, tick.duration_s,
                 std_1s=sd, events=int(signed.size))  # fmt: skip


def kurtosis_1s_fact(tick: TickObservations) -> Fact:
    """Excess kurtosis of 1 s mid log returns over a day: <= 80 (no isolated giant steps)."""
    name, title, band = "kurtosis_1s", "Excess kurtosis of 1 s returns", "<= 80 (over a day)"
    mid = tick.mid_on(NS_PER_SECOND)
    if mid is None:
        return _fact(name, title, None, band, None, tick.duration_s,
                     reason=f"needs a book every second or finer ({tick.source})")  # fmt: skip
    r = np.diff(np.log(mid))
    r = r[np.isfinite(r)]
    k = excess_kurtosis(r)
    sd = float(r.std()) if r.size else math.nan
    largest = float(np.max(np.abs(r)) / sd) if sd > 0 else math.nan
    return _fact(name, title, k, band, k <= 80.0, tick.duration_s,
                 display=f"{k:.3g} (max |r| {largest:.3g} std)", largest_in_std=largest,
                 returns=int(r.size))  # fmt: skip


def book_sides_fact(tick: TickObservations) -> Fact:
    """No book state (message end or snapshot) with an empty side."""
    name, title, band = "book_sides", "Book states with an empty side", "0"
    share = tick.empty / tick.messages if tick.messages else math.nan
    return _fact(name, title, float(tick.empty), band, tick.empty == 0, tick.duration_s,
                 display=f"{tick.empty} of {tick.messages:,}", share=share,
                 crossed=tick.crossed, source=tick.source)  # fmt: skip


def book_depth_fact(tick: TickObservations) -> Fact:
    """Book states with the full depth (20 levels, or a shallower snapshot's) on both sides."""
    name, title, band = "book_depth", "Book states with the full depth on both sides", ">= 99.9 %"
    if not tick.messages:
        return _fact(name, title, None, band, None, tick.duration_s, reason="no book states")
    share = 1.0 - tick.shallow / tick.messages
    return _fact(name, title, 100.0 * share, band, share >= 0.999, tick.duration_s,
                 display=f"{100.0 * share:.2f}% (fewest {tick.fewest} levels)",
                 shallow=tick.shallow, fewest_levels=tick.fewest,
                 full_levels=tick.full_levels, source=tick.source)  # fmt: skip


def volatility_memory_fact(obs: Observations, duration: float) -> Fact:
    """ACF of |1 min returns| >= 0.2 at lag 1 and >= 0.05 at lag 60 (long memory)."""
    name, title = "volatility_memory", "|r| ACF of 1 min returns"
    band = "lag 1 >= 0.2, lag 60 >= 0.05"
    r = minute_bars(obs).ret
    if r.size < 240:
        return _fact(name, title, None, band, None, duration,
                     reason=f"{r.size} returns, need 240")  # fmt: skip
    lag1, lag60 = (float(v) for v in acf(np.abs(r), [1, 60]))
    return _fact(name, title, lag1, band, lag1 >= 0.2 and lag60 >= 0.05, duration,
                 display=f"{lag1:.3f} / {lag60:.3f}", lag1=lag1, lag60=lag60)  # fmt: skip


def intraday_volume_fact(obs: Observations, duration: float) -> Fact:
    """Traded size per UTC hour of day (mean over days), max / min: 2-5."""
    name, title, band = "intraday_volume", "Intraday seasonality: hourly volume max/min", "2 .. 5"
    if obs.trade_ts.size == 0:
        return _fact(name, title, None, band, None, duration, reason="no trades")
    hours = obs.trade_ts // (3600 * NS_PER_SECOND)
    first, last = obs.start_ns // (3600 * NS_PER_SECOND), obs.end_ns // (3600 * NS_PER_SECOND)
    per_hour = np.bincount(hours - first, weights=obs.trade_size, minlength=last - first)
    hour_ids = np.arange(per_hour.size) + first
    full = hour_ids < last
    by_hod = np.bincount(hour_ids[full] % 24, weights=per_hour[full], minlength=24)
    n_hod = np.bincount(hour_ids[full] % 24, minlength=24)
    mean = np.where(n_hod > 0, by_hod / np.maximum(n_hod, 1), np.nan)
    seen = mean[np.isfinite(mean)]
    lo = float(seen.min()) if seen.size else math.nan
    ratio = float(seen.max() / lo) if seen.size and lo > 0 else math.inf if seen.size else math.nan
    peak = int(np.nanargmax(mean)) if seen.size else -1
    return _fact(name, title, ratio, band, 2.0 <= ratio <= 5.0, duration,
                 display=f"{ratio:.3g} (peak {peak:02d} UTC)" if seen.size else "",
                 by_hour_of_day=mean.tolist(), peak_hour=peak)  # fmt: skip


def compute_tick_facts(obs: Observations) -> tuple[Fact, ...]:
    """Return the tick-level facts of ``obs`` in the order of :data:`TICK_FACT_NAMES`.

    Without tick-level series (no book table) every fact is N/A.
    """
    tick = obs.tick
    duration = (obs.end_ns - obs.start_ns) / NS_PER_SECOND
    if tick is None:
        return tuple(
            _fact(n, n, None, "-", None, duration, reason="no book_delta or book_snapshot")
            for n in TICK_FACT_NAMES
        )
    scale = size_scale(obs, tick)
    return (
        mid_change_fact(tick),
        zero_returns_fact(tick),
        touch_size_fact(tick, scale),
        touch_share_fact(tick),
        multi_level_fact(tick),
        sign_memory_fact(tick),
        size_tail_fact(tick, scale, obs.trade_size),
        burstiness_fact(tick),
        ofi_fact(tick),
        impact_fact(tick),
        kurtosis_1s_fact(tick),
        book_sides_fact(tick),
        book_depth_fact(tick),
        volatility_memory_fact(obs, duration),
        intraday_volume_fact(obs, duration),
    )
