"""Draw delays and losses from a latency model, one keyed stream block per minute.

Every distinct timestamp is one venue event: rows (or messages) that share it share its delay,
as the pieces of one event leave in one packet. Draws of a minute come from the Generator
keyed ``(instrument, stream, minute)`` in a fixed layout (the AR(1) start, the innovations,
the tail choices, the tail sizes, then the loss chain), so they depend on nothing outside
that minute: not on the worker count, the segment split, nor on any market-data stream.
The AR(1) state and the loss chain start each minute from their stationary laws.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, stream_rng
from aleatoric.latency._model import RATE_REF, TAIL_CAP_MS, LatencyModel

__all__ = ["NS_PER_MINUTE", "event_rate", "gilbert_elliott", "sample_latency_ns"]

NS_PER_MINUTE = 60_000_000_000
_NS_PER_SECOND = 1_000_000_000
_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_DAY = 86_400_000_000_000

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@nb.njit(cache=True)
def _ou(t, t0, z0, eps, tau_ns):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Stationary AR(1) at the times ``t``: corr(z(t), z(s)) = exp(-|t - s| / tau).
    n = t.size
    z = np.empty(n)
    prev_t = t0
    prev_z = z0
    for i in range(n):
        rho = 0.0
        if tau_ns > 0:
            rho = math.exp(-(t[i] - prev_t) / tau_ns)
        prev_z = rho * prev_z + math.sqrt(1.0 - rho * rho) * eps[i]
        prev_t = t[i]
        z[i] = prev_z
    return z


@nb.njit(cache=True)
def _chain(u_state, u_loss, bad0, p, r, loss_bad, loss_good):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Gilbert-Elliott: move the state, then lose the message with the state's probability.
    n = u_state.size
    lost = np.zeros(n, dtype=np.bool_)
    bad = bad0
    for i in range(n):
        if bad:
            if u_state[i] < r:
                bad = False
        elif u_state[i] < p:
            bad = True
        lost[i] = u_loss[i] < (loss_bad if bad else loss_good)
    return lost


def event_rate(t: I64) -> F64:
    """Return the number of events in each event's UTC second (the rate a receiver sees)."""
    sec = t // _NS_PER_SECOND
    _, inv, counts = np.unique(sec, return_inverse=True, return_counts=True)
    return np.asarray(counts[inv], dtype=np.float64)


def _excess_ms(
    model: LatencyModel,
    t: I64,
    t0: int,
    rng: np.random.Generator,
    rate: F64 | None,
) -> F64:
    n = t.size
    z0 = rng.standard_normal()
    eps = rng.standard_normal(n)
    u_tail = rng.random(n)
    u_size = 1.0 - rng.random(n)  # (0, 1]
    z = _ou(t.astype(np.float64), float(t0), z0, eps, model.tau_ms * 1e6)
    mu = np.full(n, model.mu)
    if model.rate_elasticity:
        r = event_rate(t) if rate is None else rate
        mu += model.rate_elasticity * np.log(np.maximum(r, 1.0) / RATE_REF)
    if model.diurnal_amplitude:
        hour = (t % _NS_PER_DAY) / _NS_PER_HOUR
        mu += model.diurnal_amplitude * np.cos(2 * np.pi * (hour - model.diurnal_peak_hour) / 24)
    tail = u_tail < model.tail_p
    body = np.exp(mu + model.sigma * z)
    spliced = np.exp(mu + 3 * model.sigma) * u_size ** (-1.0 / model.tail_alpha)
    return np.minimum(np.where(tail, spliced, body), TAIL_CAP_MS)


def sample_latency_ns(
    model: LatencyModel,
    ts: npt.ArrayLike,
    *,
    seed: int,
    instrument: int,
    stream: Stream,
    origin_ns: int,
    rate: npt.ArrayLike | None = None,
) -> I64:
    """Return one delay in nanoseconds (at least 1) per timestamp of ``ts``.

    ``origin_ns`` numbers the minutes (the dataset start); ``rate`` (messages per second,
    one per timestamp) replaces the rate measured from ``ts`` itself.
    """
    ts = np.asarray(ts, dtype=np.int64)
    if ts.size == 0:
        return np.zeros(0, dtype=np.int64)
    uts, inv = np.unique(ts, return_inverse=True)
    given = None
    if rate is not None:
        r = np.broadcast_to(np.asarray(rate, dtype=np.float64), ts.shape)
        given = np.zeros(uts.size)
        np.maximum.at(given, inv, r)
    block = (uts - origin_ns) // NS_PER_MINUTE
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(block)) + 1, [uts.size]])
    out = np.empty(uts.size)
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        minute = int(block[a])
        rng = stream_rng(seed, instrument, stream, minute)
        t0 = origin_ns + minute * NS_PER_MINUTE
        out[a:b] = _excess_ms(model, uts[a:b], t0, rng, None if given is None else given[a:b])
    ns = np.rint((model.d_min_ms + out) * 1e6).astype(np.int64)
    return np.asarray(np.maximum(ns, 1)[inv.reshape(-1)], dtype=np.int64)


def gilbert_elliott(model: LatencyModel, n: int, rng: np.random.Generator) -> npt.NDArray[np.bool_]:
    """Return which of ``n`` consecutive messages are lost; the chain starts stationary."""
    u0 = rng.random()
    u_state = rng.random(n)
    u_loss = rng.random(n)
    bad0 = u0 < model.loss_p / (model.loss_p + model.loss_r)
    return np.asarray(
        _chain(u_state, u_loss, bad0, model.loss_p, model.loss_r, model.loss_bad,
               model.loss_good),
        dtype=np.bool_,
    )  # fmt: skip
