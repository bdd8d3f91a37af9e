"""Synthetic network latency: models, named profiles, sampling, fitting and netem mapping.

See docs/latency.md. The config imports :mod:`aleatoric.latency._model` to validate
overlays; nothing here imports the config at module level.
"""

from aleatoric.latency._fit import LatencyFit, fit_latency, fit_losses
from aleatoric.latency._model import (
    PROFILES,
    RATE_REF,
    TAIL_CAP_MS,
    LatencyModel,
    latency_model,
    profile_names,
)
from aleatoric.latency._netem import netem_line
from aleatoric.latency._orders import sample_order_latency

__all__ = [
    "PROFILES",
    "RATE_REF",
    "TAIL_CAP_MS",
    "LatencyFit",
    "LatencyModel",
    "fit_latency",
    "fit_losses",
    "latency_model",
    "netem_line",
    "profile_names",
    "sample_order_latency",
]
