"""Synthetic network latency: models, named profiles, sampling, fitting and netem mapping."""

from aleatoric.latency._model import (
    PROFILES,
    RATE_REF,
    TAIL_CAP_MS,
    LatencyModel,
    latency_model,
    profile_names,
)

__all__ = [
    "PROFILES",
    "RATE_REF",
    "TAIL_CAP_MS",
    "LatencyModel",
    "latency_model",
    "profile_names",
]
