"""The closest Linux ``tc netem`` line to a latency model (an approximation, documented).

netem delays each packet by ``delay`` plus a jitter drawn from a table distribution with a
correlation to the previous packet's jitter, and loses packets by a Gilbert-Elliott model.
It has no log-normal body nor a spliced tail, so the mapping keeps the first two moments of
the body and uses ``paretonormal`` (netem's heavy-tailed table) when the model has a tail:

- ``delay``: ``d_min`` plus the body's mean excess ``exp(mu + sigma^2 / 2)``;
- ``jitter``: the body's standard deviation ``mean * sqrt(exp(sigma^2) - 1)``;
- correlation: ``exp(-10 ms / tau_ms)``, the model's correlation between packets 10 ms
  apart (the reference rate of 100 messages per second);
- ``loss gemodel p r 1-h 1-k``: ``loss_p``, ``loss_r``, ``loss_bad``, ``loss_good`` in percent.

Rate and time-of-day scaling have no netem counterpart and are left out.
"""

from __future__ import annotations

import math

from aleatoric.latency._model import RATE_REF, LatencyModel

__all__ = ["netem_line"]


def _ms(value: float) -> str:
    if value >= 1:
        return f"{value:.3f}".rstrip("0").rstrip(".") + "ms"
    return f"{value * 1000:.1f}".rstrip("0").rstrip(".") + "us"


def _pct(value: float) -> str:
    text = f"{value * 100:.6f}".rstrip("0").rstrip(".")
    return f"{text or '0'}%"


def netem_line(model: LatencyModel, dev: str = "eth0") -> str:
    """Return a ``tc qdisc add dev DEV root netem ...`` command approximating ``model``."""
    mean_excess = math.exp(model.mu + model.sigma**2 / 2)
    jitter = mean_excess * math.sqrt(math.exp(model.sigma**2) - 1)
    spacing_ms = 1000 / RATE_REF
    corr = math.exp(-spacing_ms / model.tau_ms) if model.tau_ms > 0 else 0.0
    corr_text = f"{corr * 100:.1f}%"
    dist = "paretonormal" if model.tail_p > 0 else "normal"
    parts = [
        f"tc qdisc add dev {dev} root netem",
        f"delay {_ms(model.d_min_ms + mean_excess)} {_ms(jitter)} {corr_text}",
        f"distribution {dist}",
    ]
    if model.loss_p > 0 and (model.loss_bad > 0 or model.loss_good > 0):
        parts.append(
            f"loss gemodel {_pct(model.loss_p)} {_pct(model.loss_r)} "
            f"{_pct(model.loss_bad)} {_pct(model.loss_good)}"
        )
    return " ".join(parts)
