"""The latency model's parameters and the named profiles.

One-way delay of a message, in milliseconds::

    latency = d_min + excess
    excess  = exp(mu_t) * exp(sigma * z)                       (body, probability 1 - tail_p)
            = exp(mu_t) * exp(3 * sigma) * U ** (-1 / tail_alpha)   (tail, probability tail_p)
    mu_t    = mu + rate_elasticity * log(rate / RATE_REF)
                 + diurnal_amplitude * cos(2 pi (hour_utc - diurnal_peak_hour) / 24)

``z`` is a stationary Gaussian AR(1) in time (an Ornstein-Uhlenbeck process sampled at the
message times, correlation ``exp(-dt / tau_ms)``), so congestion persists over ``tau_ms``.
The tail is a Pareto spliced onto the log-normal body at its ``+3 sigma`` point (the body's
99.87th percentile); it is capped at ``TAIL_CAP_MS`` so that one draw cannot push a receive
time past int64. Losses follow a Gilbert-Elliott chain over the messages of a connection:
``loss_p`` = P(good -> bad), ``loss_r`` = P(bad -> good), a message is lost with probability
``loss_bad`` in the bad state and ``loss_good`` in the good one.

Kept free of any import from the rest of the package: the config validates overlays with it.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "PROFILES",
    "RATE_REF",
    "TAIL_CAP_MS",
    "LatencyModel",
    "latency_model",
    "profile_names",
]

#: Message rate (messages per second) at which ``mu`` applies unchanged.
RATE_REF = 100.0
#: Largest tail excess in milliseconds (30 s): a receive time always stays representable.
TAIL_CAP_MS = 30_000.0


class LatencyModel(BaseModel):
    """Parameters of one latency model (every delay in milliseconds)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    d_min_ms: float = Field(gt=0, le=10_000, description="Minimum one-way delay (propagation).")
    mu: float = Field(ge=-20, le=10, description="Log of the median excess over d_min, in ms.")
    sigma: float = Field(gt=0, le=3, description="Log-scale spread of the excess.")
    tau_ms: float = Field(
        ge=0, le=600_000, description="Correlation time of log-latency (0: independent)."
    )
    tail_p: float = Field(ge=0, le=0.2, description="Probability that a message takes the tail.")
    tail_alpha: float = Field(gt=0.5, le=10, description="Pareto shape of the tail.")
    rate_elasticity: float = Field(
        ge=0, le=1, description="Rise of log-latency per unit of log message rate."
    )
    diurnal_amplitude: float = Field(
        ge=0, le=2, description="Daily swing of log-latency (peak minus mean)."
    )
    diurnal_peak_hour: float = Field(ge=0, lt=24, description="UTC hour of the daily peak.")
    loss_p: float = Field(ge=0, le=1, description="Gilbert-Elliott P(good -> bad) per message.")
    loss_r: float = Field(gt=0, le=1, description="Gilbert-Elliott P(bad -> good) per message.")
    loss_bad: float = Field(ge=0, le=1, description="Loss probability in the bad state (1-h).")
    loss_good: float = Field(ge=0, le=1, description="Loss probability in the good state (1-k).")

    @model_validator(mode="after")
    def _tail_beyond_cap(self) -> LatencyModel:
        if math.exp(self.mu + 3 * self.sigma) >= TAIL_CAP_MS:
            raise ValueError(
                f"mu + 3 sigma puts the tail start past {TAIL_CAP_MS:.0f} ms, was "
                f"mu={self.mu}, sigma={self.sigma}"
            )
        return self

    @property
    def median_ms(self) -> float:
        """Return the body's median delay at the reference rate and mean time of day."""
        return self.d_min_ms + math.exp(self.mu)

    @property
    def tail_start_ms(self) -> float:
        """Return the excess at which the Pareto tail starts (the body's +3 sigma point)."""
        return math.exp(self.mu + 3 * self.sigma)

    @property
    def loss_rate(self) -> float:
        """Return the stationary share of lost messages."""
        bad = self.loss_p / (self.loss_p + self.loss_r)
        return bad * self.loss_bad + (1 - bad) * self.loss_good


def _profile(**values: float) -> LatencyModel:
    return LatencyModel.model_validate(values)


#: Named profiles. Orders of magnitude, not measurements of any venue: a colocated feed
#: handler (tens of microseconds), a cloud host in the exchange's region (sub-millisecond), a
#: host on another continent (tens of milliseconds of propagation) and a home connection
#: (tens of milliseconds with heavy jitter and bursts).
# fmt: off
PROFILES: dict[str, LatencyModel] = {
    "colocated": _profile(
        d_min_ms=0.02, mu=math.log(0.01), sigma=0.4, tau_ms=50, tail_p=0.0005, tail_alpha=2.0,
        rate_elasticity=0.05, diurnal_amplitude=0.0, diurnal_peak_hour=14,
        loss_p=1e-6, loss_r=0.5, loss_bad=1.0, loss_good=0.0,
    ),
    "same-region-cloud": _profile(
        d_min_ms=0.3, mu=math.log(0.4), sigma=0.5, tau_ms=200, tail_p=0.001, tail_alpha=1.6,
        rate_elasticity=0.1, diurnal_amplitude=0.05, diurnal_peak_hour=14,
        loss_p=1e-5, loss_r=0.3, loss_bad=1.0, loss_good=0.0,
    ),
    "cross-region": _profile(
        d_min_ms=65.0, mu=math.log(3.0), sigma=0.6, tau_ms=1000, tail_p=0.002, tail_alpha=1.3,
        rate_elasticity=0.1, diurnal_amplitude=0.1, diurnal_peak_hour=14,
        loss_p=1e-4, loss_r=0.25, loss_bad=1.0, loss_good=0.0,
    ),
    "retail": _profile(
        d_min_ms=20.0, mu=math.log(25.0), sigma=0.7, tau_ms=2000, tail_p=0.005, tail_alpha=1.1,
        rate_elasticity=0.15, diurnal_amplitude=0.15, diurnal_peak_hour=20,
        loss_p=5e-4, loss_r=0.2, loss_bad=0.9, loss_good=0.0,
    ),
}
# fmt: on


def profile_names() -> tuple[str, ...]:
    """Return the profile names, in documented order."""
    return tuple(PROFILES)


def latency_model(profile: str, params: dict[str, float] | None = None) -> LatencyModel:
    """Return a profile's model with ``params`` replacing some of its parameters.

    Raises
    ------
    ValueError
        If the profile or a parameter name is unknown (the message lists the allowed ones),
        or a value is out of range.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown latency profile {profile!r}; allowed: {', '.join(PROFILES)}")
    params = dict(params or {})
    unknown = sorted(set(params) - set(LatencyModel.model_fields))
    if unknown:
        allowed = ", ".join(LatencyModel.model_fields)
        raise ValueError(f"unknown latency parameter {unknown[0]!r}; allowed: {allowed}")
    values = PROFILES[profile].model_dump()
    values.update(params)
    return LatencyModel.model_validate(values)
