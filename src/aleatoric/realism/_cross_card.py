"""The cross-asset scorecard of a dataset of several instruments (docs/baskets.md).

Every instrument is read from its ``book_snapshot`` mids. One instrument per base asset (on
the leading venue) gives the asset's returns for the correlation matrix by horizon and the
co-jumps; every asset listed on several venues gives the lead-lag and the no-arbitrage band
between its venues. Bands are statistical where the data are short: a correlation passes
within 0.05 of the model's value or within three standard errors of it, whichever is wider,
so a short dataset is not failed for its sampling noise (the standard error is shown).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from aleatoric.basket import asset_loading, basket_regime, correlation_at_horizon, venue_link
from aleatoric.config import get_preset
from aleatoric.dataset import open_dataset
from aleatoric.instruments import get_instrument, is_futures
from aleatoric.realism._cross import bar_returns, co_jump_share, lead_lag
from aleatoric.realism._load import load_observations
from aleatoric.realism._model import Fact, Scorecard
from aleatoric.realism._series import resample_last

__all__ = [
    "CORRELATION_TOLERANCE",
    "CROSS_FACT_NAMES",
    "cross_facts",
    "cross_scorecard",
    "expected_correlation",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
NS_PER_MINUTE = 60_000_000_000
#: Bar of the lead-lag and band checks: the snapshot interval of the default config.
BAR_NS = 100_000_000
#: How far from the model a measured correlation may be with ample data (issue band).
CORRELATION_TOLERANCE = 0.05
#: Correlations need this many bars at a horizon; fewer and the fact is N/A.
MIN_BARS = 12
#: Lags (bars) either side over which the lead-lag centroid is taken.
MAX_LAG = 5
#: Ticks of the coarser venue added to the two taker fees in the no-arbitrage band.
BAND_TICKS = 3
#: Share of aligned snapshots that must lie inside the band.
BAND_SHARE_MIN = 0.99
#: Least co-jump share of an asset's jumps with the leader, per regime (model: most shared).
CO_JUMP_MIN = {"calm": 0.3, "volatile": 0.5}
#: Jump bars (all assets) below which the co-jump share is N/A.
MIN_JUMP_BARS = 5
#: Data length that usually holds that many (about ten common jumps a day in calm).
CO_JUMP_MIN_DURATION_S = 12 * 3600.0
CROSS_FACT_NAMES = (
    "cross_correlation_1m",
    "cross_correlation_5m",
    "cross_correlation_1h",
    "epps_effect",
    "co_jump_share",
    "lead_lag",
    "cross_venue_band",
)

Series = tuple[I64, F64]


def expected_correlation(
    preset: str, bases: tuple[str, ...], minutes: int, seasonality: str = "crypto"
) -> F64:
    """Return the model's correlation matrix of ``bases`` at a horizon, jumps included.

    Only the ratio of jump to diffusive variance matters. Jumps arrive at their rate times
    the intensity ``(sigma / ref) ** c`` (``c``: ``jump_exponent``), whose mean under the
    log-normal volatility factors (each ``N(-s**2, s**2)``) is ``exp((c**2 / 2 - c) *
    sum(vol_stds**2))``, times ``I0(c A)`` over a day of the intraday season of log-amplitude
    ``A`` (``season_sigma_amplitude``, a cosine); the diffusive variance is ``ref**2`` times
    ``I0(2 A)`` (the factors' terms cancel at ``c = 2``). ``seasonality`` ``flat``: no season.
    """
    p = get_preset(preset)
    c = p.jump_exponent
    amp = p.season_sigma_amplitude if seasonality == "crypto" else 0.0
    mean_intensity = math.exp((c * c / 2.0 - c) * sum(s * s for s in p.vol_stds))
    mean_intensity *= float(np.i0(c * amp))
    var_factor = float(np.i0(2.0 * amp))
    loadings = {b: asset_loading(b) for b in bases}
    sigmas = {b: p.sigma_minute * p.asset(b).sigma_scale for b in bases}
    _, corr = correlation_at_horizon(
        loadings, sigmas, basket_regime(preset), minutes,
        jump_rate_scale=mean_intensity / var_factor,
    )  # fmt: skip
    return corr


def _pairs(names: tuple[str, ...]) -> list[tuple[int, int]]:
    return list(itertools.combinations(range(len(names)), 2))


def _jackknife_se(x: F64, blocks: int = 8) -> F64:
    # Delete-a-block jackknife of the correlation matrix: heavy tails and volatility
    # clustering make the normal-theory standard error too small.
    n = x.shape[1]
    if n < 2 * blocks:
        return np.zeros((x.shape[0], x.shape[0]))
    edges = np.linspace(0, n, blocks + 1).astype(int)
    keep = [np.r_[0 : edges[b], edges[b + 1] : n] for b in range(blocks)]
    est = np.stack([np.corrcoef(x[:, k]) for k in keep])
    out: F64 = np.sqrt((blocks - 1) / blocks * ((est - est.mean(axis=0)) ** 2).sum(axis=0))
    return out


def correlation_fact(
    assets: Mapping[str, Series],
    preset: str,
    end_ns: int,
    minutes: int,
    seasonality: str = "crypto",
) -> Fact:
    """Return the measured correlation at a horizon against the model's, pair by pair."""
    label = {1: "1m", 5: "5m", 60: "1h"}.get(minutes, f"{minutes}m")
    name, title = f"cross_correlation_{label}", f"Cross-asset correlation at {label} vs model"
    band = f"|r - model| <= max({CORRELATION_TOLERANCE}, 3 SE)"
    # SE: the larger of the normal-theory and the block-jackknife standard errors.
    names = tuple(assets)
    r = bar_returns(assets, minutes * NS_PER_MINUTE, end_ns)
    n = min((v.size for v in r.values()), default=0)
    if len(names) < 2 or n < MIN_BARS:
        return Fact(name, title, None, band, None, reason=f"{n} bars, need {MIN_BARS}",
                    min_duration_s=MIN_BARS * minutes * 60.0, insufficient=True)  # fmt: skip
    x = np.vstack([r[k][:n] for k in names])
    measured: F64 = np.atleast_2d(np.corrcoef(x))
    jack = _jackknife_se(x)
    want = expected_correlation(preset, names, minutes, seasonality)
    worst, ok, pairs = 0.0, True, {}
    for i, j in _pairs(names):
        se = max((1.0 - want[i, j] ** 2) / math.sqrt(max(n - 3, 1)), float(jack[i, j]))
        gap = float(measured[i, j] - want[i, j])
        tol = max(CORRELATION_TOLERANCE, 3.0 * se)
        ok &= abs(gap) <= tol
        worst = max(worst, abs(gap))
        pairs[f"{names[i]}/{names[j]}"] = {
            "measured": float(measured[i, j]), "model": float(want[i, j]), "se": se, "tol": tol
        }  # fmt: skip
    return Fact(name, title, worst, band, bool(ok),
                details={"bars": n, "pairs": pairs}, display=f"max gap {worst:.3f}",
                min_duration_s=MIN_BARS * minutes * 60.0)  # fmt: skip


def epps_fact(by_horizon: Mapping[int, Fact]) -> Fact:
    """Return whether the mean correlation rises from 1 minute to 5 minutes (and to 1 hour)."""
    name, title, band = "epps_effect", "Epps effect: mean correlation rises with horizon", "1m < 5m"
    means: dict[int, float] = {}
    for h, fact in by_horizon.items():
        pairs = fact.details.get("pairs", {})
        if pairs:
            means[h] = float(np.mean([p["measured"] for p in pairs.values()]))
    if 1 not in means or 5 not in means:
        return Fact(name, title, None, band, None, reason="needs the 1m and 5m correlations")
    ok = means[1] < means[5]
    shown = ", ".join(f"{h}m {v:.3f}" for h, v in sorted(means.items()))
    return Fact(name, title, means[5] - means[1], band, ok, details={"mean": means},
                display=shown)  # fmt: skip


def co_jump_fact(assets: Mapping[str, Series], preset: str, end_ns: int) -> Fact:
    """Return the least share of an asset's 1-minute jumps that are also the leader's."""
    low = CO_JUMP_MIN.get(preset)
    name, title = "co_jump_share", "Co-jumps: share of an asset's jumps shared with the leader"
    band = f">= {low}" if low is not None else "information only"
    r = bar_returns(assets, NS_PER_MINUTE, end_ns)
    names = tuple(r)
    if len(names) < 2:
        return Fact(name, title, None, band, None, reason="needs two assets")
    shares = co_jump_share(r, names[0])
    finite = {k: v for k, v in shares.items() if math.isfinite(v)}
    med = {k: np.median(v) for k, v in r.items()}
    jumps = sum(
        int(np.sum(np.abs(v - med[k]) > 6.0 * 1.4826 * np.median(np.abs(v - med[k]))))
        for k, v in r.items()
    )
    details = {"leader": names[0], "shares": shares, "jump_bars": jumps}
    if jumps < MIN_JUMP_BARS or not finite:
        return Fact(name, title, None, band, None, details=details, insufficient=True,
                    min_duration_s=CO_JUMP_MIN_DURATION_S,
                    reason=f"{jumps} jump bars, need {MIN_JUMP_BARS}")  # fmt: skip
    value = min(finite.values())
    return Fact(name, title, value, band, None if low is None else value >= low, details=details)


def _centroid_ms(a: F64, b: F64) -> tuple[float, int, F64]:
    lags, xc, peak = lead_lag(a, b, MAX_LAG)
    pos = np.clip(xc, 0.0, None)
    total = float(pos.sum())
    lag = float((lags * pos).sum()) / total * BAR_NS / 1e6 if total > 0 else 0.0
    return lag, peak, xc


def lead_lag_fact(venues: Mapping[str, Mapping[str, Series]], end_ns: int) -> Fact:
    """Return, per asset and venue, the lag behind the leading venue against the configured one.

    Judged on the peak of the cross-correlation of 100 ms mid returns (lags +-5 bars), which
    must sit at the configured delay rounded to a bar. The centroid of the positive part of
    the curve estimates the lag below a bar (standard error from eight blocks); it is shown,
    not judged: venues of one asset with different ticks answer a move of the efficient
    price after different times, which biases it by tens of ms for coarse-tick assets.
    """
    name, title = "lead_lag", "Lead-lag: venue lag behind the leader (100 ms mid returns)"
    band = "peak lag = configured delay rounded to 100 ms, every venue pair"
    ok, out = True, {}
    for base, series in venues.items():
        if len(series) < 2:
            continue
        order = sorted(series, key=lambda v: venue_link(v).delay_ms)
        r = bar_returns({v: series[v] for v in order}, BAR_NS, end_ns)
        lead = order[0]
        for v in order[1:]:
            a, b = r[lead], r[v]
            if a.size < 16 * (2 * MAX_LAG + 2):
                continue
            lag, peak, curve = _centroid_ms(a, b)
            blocks = [_centroid_ms(x, y)[0] for x, y in
                      zip(np.array_split(a, 8), np.array_split(b, 8), strict=True)]  # fmt: skip
            se = float(np.std(blocks, ddof=1) / math.sqrt(len(blocks)))
            want = venue_link(v).delay_ms - venue_link(lead).delay_ms
            want_bars = round(want * 1e6 / BAR_NS)
            ok &= peak == want_bars
            out[f"{base} {lead}->{v}"] = {
                "peak_bars": peak, "configured_bars": want_bars, "centroid_ms": lag,
                "configured_ms": want, "se_ms": se, "curve": curve.tolist(),
                "lags_ms": [BAR_NS / 1e6 * i for i in range(-MAX_LAG, MAX_LAG + 1)],
            }  # fmt: skip
    if not out:
        return Fact(name, title, None, band, None, reason="no asset on two venues")
    hits = sum(d["peak_bars"] == d["configured_bars"] for d in out.values())
    shown = f"{hits}/{len(out)} peaks at the configured lag"
    return Fact(name, title, hits / len(out), band, bool(ok), details={"pairs": out},
                display=shown)  # fmt: skip


def band_fact(
    venues: Mapping[str, Mapping[str, Series]], symbols: Mapping[tuple[str, str], str], end_ns: int
) -> Fact:
    """Return the least share of 100 ms snapshots with two venues' mids inside the band.

    The band of two venues is their taker fees plus three ticks of the coarser one: a gap
    wider than that pays a taker on both sides.
    """
    name, title = "cross_venue_band", "Cross-venue mids inside the no-arbitrage band"
    band = f">= {BAND_SHARE_MIN:.0%} of 100 ms snapshots"
    worst, out = 1.0, {}
    for base, series in venues.items():
        for va, vb in itertools.combinations(series, 2):
            _, pa = resample_last(*series[va], BAR_NS, end_ns)
            _, pb = resample_last(*series[vb], BAR_NS, end_ns)
            n = min(pa.size, pb.size)
            if n == 0:
                continue
            ticks = max(float(get_instrument(v, symbols[(v, base)]).tick_size) for v in (va, vb))
            px = float(np.median(pa[-n:]))
            width = venue_link(va).taker_fee_bps + venue_link(vb).taker_fee_bps
            width += BAND_TICKS * ticks / px * 1e4
            gap = np.abs(np.log(pa[-n:] / pb[-n:])) * 1e4
            share = float(np.mean(gap <= width))
            worst = min(worst, share)
            out[f"{base} {va}/{vb}"] = {"share": share, "band_bps": width,
                                        "gap_p99_bps": float(np.quantile(gap, 0.99))}  # fmt: skip
    if not out:
        return Fact(name, title, None, band, None, reason="no asset on two venues")
    return Fact(name, title, worst, band, worst >= BAND_SHARE_MIN, details={"pairs": out},
                display=f"{worst:.2%}")  # fmt: skip


def cross_facts(path: str | Path) -> tuple[str, int | None, tuple[Fact, ...]]:
    """Return the preset, seed and cross-asset facts of the dataset at ``path``."""
    ds = open_dataset(path)
    config = ds.config
    mids: dict[tuple[str, str], Series] = {}
    symbols: dict[tuple[str, str], str] = {}
    end_ns = config.end_ns
    for ref in ds.instruments:
        if is_futures(ref.venue):
            continue  # dated futures trade in sessions at a carry: not a venue of the perp
        obs = load_observations(path, str(ref), tick_level=False)
        base = get_instrument(ref.venue, ref.symbol).base
        mids[(ref.venue, base)] = (obs.snapshot_ts, 0.5 * (obs.bid + obs.ask))
        symbols[(ref.venue, base)] = ref.symbol
    venues: dict[str, dict[str, Series]] = {}
    for (venue, base), s in mids.items():
        venues.setdefault(base, {})[venue] = s
    assets = {base: s[min(s, key=lambda v: venue_link(v).delay_ms)] for base, s in venues.items()}
    by_h = {
        h: correlation_fact(assets, config.preset, end_ns, h, config.seasonality)
        for h in (1, 5, 60)
    }
    facts = (
        *by_h.values(),
        epps_fact(by_h),
        co_jump_fact(assets, config.preset, end_ns),
        lead_lag_fact(venues, end_ns),
        band_fact(venues, symbols, end_ns),
    )
    return config.preset, config.seed, facts


def cross_scorecard(path: str | Path) -> Scorecard:
    """Return the cross-asset scorecard (venue ``*``, symbol ``cross-asset``) of a dataset."""
    preset, seed, facts = cross_facts(path)
    return Scorecard(path=str(path), venue="*", symbol="cross-asset", preset=preset, seed=seed,
                     facts=facts)  # fmt: skip
