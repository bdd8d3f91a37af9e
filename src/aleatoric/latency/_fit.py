"""Estimate a latency model from exchange times and receive delays (ours or a recording).

The estimators are chosen to be robust to the parts of the model they do not target:

- ``d_min``: the shift that makes the log-excess residuals symmetric (the 2.5 / 50 / 97.5 %
  quantiles; the tail, beyond the 99.87th percentile, does not move them);
- ``mu``, ``rate_elasticity``, ``diurnal_*``: least squares of the log excess on
  ``log(rate / 100)`` (and a daily cosine when the data span at least 12 hours), trimmed to
  the central 98 % of residuals; ``sigma`` from the 16 / 84 % residual quantiles. Data that
  cannot separate a term from the level (a message rate with a log sd under 0.25, an
  elasticity whose standard error, clustered by blocks of three ``tau``, exceeds 0.05, a
  span under 12 hours) keep the nearest profile's term as a fixed offset, as the notes say;
- the tail: events more than ``4 sigma`` above their body's median (where the body leaves
  3e-5 of its mass), Hill's estimator for ``tail_alpha`` above that point, and ``tail_p``
  scaled back to the splice point ``3 sigma``;
- ``tau_ms``: mean squared increments of the body residuals between consecutive events of a
  minute, ``E[(z_i - z_j)^2] = 2 (1 - exp(-dt / tau))``, solved for ``tau``;
- losses, when a drops table is given: a simple Gilbert model (``loss_bad`` 1, ``loss_good``
  0) from the burst lengths and the gaps between bursts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from aleatoric.latency._model import PROFILES, RATE_REF, TAIL_CAP_MS, LatencyModel
from aleatoric.latency._sample import NS_PER_MINUTE, event_rate

__all__ = ["LatencyFit", "fit_latency", "fit_losses"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_DAY = 86_400_000_000_000
#: Share of a standard normal above 4 (the tail threshold in body sigmas above the median).
_BODY_ABOVE_4 = 3.167e-5
_DIURNAL_SPAN_NS = 12 * _NS_PER_HOUR
#: Least spread (sd of log rate) at which the rate elasticity is estimated.
_RATE_SPREAD = 0.25
#: Largest clustered standard error at which the rate elasticity is taken from the data.
_ELASTICITY_SE = 0.05


@dataclass(frozen=True)
class LatencyFit:
    """A fitted model with what it rests on."""

    model: LatencyModel
    events: int
    tail_events: int
    span_ns: int
    #: Kolmogorov-Smirnov distance of the body's standardized log-excess residuals from N(0, 1).
    ks_body: float
    #: Parameters not estimated from this data (kept from the nearest profile), with why.
    notes: list[str] = field(default_factory=list)
    nearest_profile: str = ""


def _phi(x: F64) -> F64:
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return np.asarray(0.5 * (1.0 + erf(x / math.sqrt(2.0))), dtype=np.float64)


def _design(ts: I64, rate: F64, diurnal: bool) -> F64:
    cols = [np.ones(ts.size), np.log(np.maximum(rate, 1.0) / RATE_REF)]
    if diurnal:
        angle = 2 * np.pi * ((ts % _NS_PER_DAY) / _NS_PER_HOUR) / 24
        cols += [np.cos(angle), np.sin(angle)]
    return np.column_stack(cols)


def _trimmed_ols(x: F64, y: F64) -> tuple[F64, F64]:
    # Least squares, then again on the central 98 % of residuals (the tail is left out).
    b = np.linalg.lstsq(x, y, rcond=None)[0]
    r = y - x @ b
    lo, hi = np.quantile(r, [0.01, 0.99])
    keep = (r >= lo) & (r <= hi)
    b = np.linalg.lstsq(x[keep], y[keep], rcond=None)[0]
    return b, y - x @ b


def _skew(d: float, lat: F64, x: F64, body: float, offset: F64) -> float:
    keep = lat > d
    lat, x, offset = lat[keep], x[keep], offset[keep]
    # Quantile skew of the residuals at body levels 2.5 / 50 / 97.5 %; ``body`` is the body's
    # share of all events, so the mixture's quantile at ``q * body`` is the body's at ``q``.
    _, r = _trimmed_ols(x, np.log(lat - d) - offset)
    q1, q2, q3 = np.quantile(r, [0.025 * body, 0.5 * body, 0.975 * body])
    return float((q3 + q1 - 2 * q2) / (q3 - q1))


def _shift(lat: F64, x: F64, body: float, offset: F64) -> float:
    # Bisection on the shift: residual skew is negative near min(lat), positive far below.
    # At most 100 000 events (every k-th) decide it: the quantiles are then good to 0.5 %.
    stride = max(1, lat.size // 100_000)
    lat, x, offset = lat[::stride], x[::stride], offset[::stride]
    # Up to the 0.05 % quantile: a few stray low delays must not pin the shift.
    low = float(np.quantile(lat, 0.0005))
    spread = float(np.median(lat)) - low
    hi = low - 1e-9 * max(low, 1e-9) - 1e-12
    lo = max(low - 50 * spread, 1e-9)
    if lo >= hi or _skew(lo, lat, x, body, offset) <= 0:
        return lo
    if _skew(hi, lat, x, body, offset) >= 0:
        return hi
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if _skew(mid, lat, x, body, offset) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _tau_ms(ts: I64, z: F64, body: npt.NDArray[np.bool_]) -> float | None:
    same = (ts[1:] // NS_PER_MINUTE == ts[:-1] // NS_PER_MINUTE) & body[1:] & body[:-1]
    if same.sum() < 100:
        return None
    dt = (ts[1:] - ts[:-1])[same] / 1e6
    inc = float(np.mean((z[1:] - z[:-1])[same] ** 2))
    if inc >= 2 * float(np.mean(1 - np.exp(-dt / 1e-3))):
        return 0.0

    def excess(tau: float) -> float:
        return 2 * float(np.mean(1 - np.exp(-dt / tau))) - inc

    lo, hi = 1e-3, 1e8
    if excess(hi) > 0:
        return hi
    for _ in range(80):
        mid = math.sqrt(lo * hi)
        if excess(mid) > 0:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


class _Body(NamedTuple):
    b: F64
    d_min: float
    sigma: float
    mu: float
    z: F64
    resid: F64
    tail: tuple[float, float] | None
    tail_events: int


def _body(ts: I64, lat: F64, x: F64, offset: F64) -> _Body:
    # The body (shift, level, terms, sigma) and the tail, twice: the second pass knows the
    # tail's share of events.
    body_share = 1.0
    for _ in range(2):
        d_min = _shift(lat, x, body_share, offset)
        k = lat > d_min  # a stray delay below the shift is left out
        b, r = _trimmed_ols(x[k], np.log(lat[k] - d_min) - offset[k])
        q16, q50, q84 = np.quantile(r, [0.16 * body_share, 0.5 * body_share, 0.84 * body_share])
        sigma = float(q84 - q16) / 2
        center = x @ b + q50 + offset
        mu = float(b[0] + q50)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(k, (np.log(np.where(k, lat - d_min, 1.0)) - center) / sigma, np.nan)
        # Tail: beyond 4 sigma above the body's median (z > 4), Hill's estimator.
        above = (z > 4) & (lat - d_min < TAIL_CAP_MS * 0.999)
        tail_events = int(above.sum())
        logs = sigma * (z[above] - 4)  # log of each excess over the threshold
        tail: tuple[float, float] | None = None
        if tail_events >= 10 and logs.sum() > 0:
            alpha = min(max(tail_events / float(logs.sum()), 0.51), 10.0)
            share = max(tail_events - _BODY_ABOVE_4 * ts.size, 0.0) / ts.size
            tail = (alpha, min(share * math.exp(alpha * sigma), 0.2))
            body_share = 1.0 - tail[1]
    resid = np.where(k, np.log(np.where(k, lat - d_min, 1.0)) - center, 0.0)
    return _Body(b, d_min, sigma, mu, z, resid, tail, tail_events)


def _slope_se(ts: I64, x: F64, resid: F64, use: npt.NDArray[np.bool_], block_ns: int) -> float:
    # Standard error of the rate column's coefficient, clustered by time blocks.
    others = np.delete(x[use], 1, axis=1)
    col = x[use, 1]
    xc = col - others @ np.linalg.lstsq(others, col, rcond=None)[0]
    block = (ts[use] - ts[0]) // block_ns
    _, inv = np.unique(block, return_inverse=True)
    score = np.bincount(inv, weights=xc * resid[use])
    denom = float(xc @ xc)
    return math.inf if denom <= 0 else float(math.sqrt(float(score @ score)) / denom)


def _nearest(median_ms: float) -> str:
    def distance(name: str) -> float:
        return abs(math.log(PROFILES[name].median_ms) - math.log(median_ms))

    return min(PROFILES, key=distance)


def fit_latency(
    ts_event: npt.ArrayLike,
    delay_ns: npt.ArrayLike,
    losses: tuple[float, float] | None = None,
) -> LatencyFit:
    """Fit a latency model to per-event exchange times and delays (nanoseconds).

    Events sharing an exchange time count once (the first delay). ``losses`` is ``(loss_p,
    loss_r)`` from :func:`fit_losses`; without it the loss parameters are the nearest
    profile's, as noted in the result.

    Raises
    ------
    ValueError
        If there are fewer than 1000 events, or a delay is not positive.
    """
    ts_all = np.asarray(ts_event, dtype=np.int64)
    delay_all = np.asarray(delay_ns, dtype=np.int64)
    ts, first = np.unique(ts_all, return_index=True)
    delay = delay_all[first]
    if ts.size < 1000:
        raise ValueError(f"events: at least 1000 needed to fit a latency model, was {ts.size}")
    if (delay <= 0).any():
        raise ValueError("delays: every receive time must be after its exchange time")
    lat = delay / 1e6
    notes: list[str] = []
    rate = event_rate(ts)
    span = int(ts[-1] - ts[0])
    diurnal = span >= _DIURNAL_SPAN_NS
    x = _design(ts, rate, diurnal)
    nearest = _nearest(float(np.median(lat)))
    offset = np.zeros(ts.size)
    spread = float(np.std(x[:, 1]))
    fixed_rate = spread < _RATE_SPREAD
    if fixed_rate:
        # A rate that hardly varies cannot tell the elasticity from the level: keep the
        # nearest profile's elasticity and fit the level at the reference rate with it.
        offset = PROFILES[nearest].rate_elasticity * x[:, 1]
        x = x[:, [0, *range(2, x.shape[1])]]
        notes.append(
            f"rate_elasticity: the log message rate has sd {spread:.2f}, under {_RATE_SPREAD}"
        )
    if not diurnal:
        # Under 12 hours the daily cycle looks like a level: keep the profile's cycle.
        near = PROFILES[nearest]
        hour = (ts % _NS_PER_DAY) / _NS_PER_HOUR
        angle = 2 * np.pi * (hour - near.diurnal_peak_hour) / 24
        offset = offset + near.diurnal_amplitude * np.cos(angle)
    est = _body(ts, lat, x, offset)
    if not fixed_rate:
        # Autocorrelated delays (``tau``) leave fewer independent observations than events:
        # an elasticity whose clustered standard error is too large is not taken from here.
        tau0 = _tau_ms(ts, est.z, est.z < 2.5) or 0.0
        block_ns = max(int(3 * tau0 * 1e6), 1_000_000_000)
        se = _slope_se(ts, x, est.resid, est.z < 2.5, block_ns)
        if se > _ELASTICITY_SE:
            offset = offset + PROFILES[nearest].rate_elasticity * x[:, 1]
            x = x[:, [0, *range(2, x.shape[1])]]
            fixed_rate = True
            notes.append(
                f"rate_elasticity: standard error {se:.3f} (delays correlated over "
                f"{block_ns / 1e9:.0f} s blocks), over {_ELASTICITY_SE}"
            )
            est = _body(ts, lat, x, offset)
    b, d_min, sigma, mu, z, tail, tail_events = (
        est.b,
        est.d_min,
        est.sigma,
        est.mu,
        est.z,
        est.tail,
        est.tail_events,
    )
    values: dict[str, float] = {"d_min_ms": d_min, "mu": mu, "sigma": sigma}
    col = 1
    if not fixed_rate:
        values["rate_elasticity"] = min(max(float(b[1]), 0.0), 1.0)
        col = 2
    if diurnal:
        a, s = float(b[col]), float(b[col + 1])
        values["diurnal_amplitude"] = min(math.hypot(a, s), 2.0)
        values["diurnal_peak_hour"] = (math.degrees(math.atan2(s, a)) / 15.0) % 24
    else:
        notes.append("diurnal_amplitude, diurnal_peak_hour: the data span under 12 h")
    if tail is not None:
        values["tail_alpha"], values["tail_p"] = tail
    else:
        notes.append(f"tail_p, tail_alpha: {tail_events} events beyond the body; need 10")
    body = z < 2.5  # tail events start at z = 3; a fitted z may fall a little short
    tau = _tau_ms(ts, z, body)
    if tau is None:
        notes.append("tau_ms: too few consecutive events")
    else:
        values["tau_ms"] = min(tau, 600_000.0)
    if losses is not None:
        values["loss_p"], values["loss_r"] = losses
        values["loss_bad"], values["loss_good"] = 1.0, 0.0
    else:
        notes.append("loss_*: no drops table; losses cannot be seen in delays")
    model = LatencyModel.model_validate({**PROFILES[nearest].model_dump(), **values})
    ks = _ks(z[body | (z < 4)])
    return LatencyFit(model, int(ts.size), tail_events, span, ks, notes, nearest)


def _ks(z: F64) -> float:
    z = np.sort(z)
    n = z.size
    cdf = _phi(z)
    upper = np.arange(1, n + 1) / n - cdf
    lower = cdf - np.arange(n) / n
    # The body is cut at z = 4: compare with the normal restricted to z < 4 (a 3e-5 change).
    return float(max(upper.max(), lower.max()))


def fit_losses(lost: npt.ArrayLike) -> tuple[float, float]:
    """Return ``(loss_p, loss_r)`` of a simple Gilbert model from per-message loss flags.

    Raises
    ------
    ValueError
        If no message was lost (the chain is then not identifiable).
    """
    flags = np.asarray(lost, dtype=bool)
    if not flags.any():
        raise ValueError("drops: no message was lost; the loss chain cannot be fitted")
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    bursts = ends - starts
    good = int((~flags).sum())
    loss_r = min(1.0 / float(bursts.mean()), 1.0)
    loss_p = min(starts.size / max(good, 1), 1.0)
    return loss_p, loss_r
