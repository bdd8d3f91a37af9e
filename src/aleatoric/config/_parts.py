"""The parts of a dataset config: instruments, overlays and per-venue options.

Kept apart from :mod:`aleatoric.config._model` so that the config reads as a list of fields
and each part carries its own validation.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from aleatoric.config._durations import format_duration, parse_duration_ns
from aleatoric.config._scenarios import SCENARIO_KINDS, resolve_params
from aleatoric.instruments import futures_venues, get_instrument, symbols_for, venues
from aleatoric.latency._model import LatencyModel, latency_model, profile_names

__all__ = [
    "OVERLAY_KINDS",
    "Duration",
    "InstrumentRef",
    "OkxOptions",
    "Overlay",
    "VenueOptions",
]

#: A duration in integer nanoseconds; accepts "1h", "100ms", "PT1H" or seconds.
Duration = Annotated[
    int,
    BeforeValidator(parse_duration_ns),
    PlainSerializer(format_duration, return_type=str),
]

#: Overlay kinds the engine can apply, by name, with a one-line description. An entry of
#: any other kind is refused with this list rather than accepted and silently ignored.
OVERLAY_KINDS: dict[str, str] = {
    "latency": "receive times drawn from a latency model (profile, params) instead of the "
    "constant latency; losses in native captures (docs/latency.md)",
    **{name: f"stress scenario: {k.description} (docs/scenarios.md)"
       for name, k in SCENARIO_KINDS.items()},
}  # fmt: skip
#: Overlay kinds that take a named ``profile``, with the allowed names.
_PROFILED_KINDS: dict[str, tuple[str, ...]] = {"latency": profile_names()}


class InstrumentRef(BaseModel):
    """One instrument of a dataset: a venue and the venue's own symbol.

    Also accepts the text ``"venue:symbol"`` (as the CLI's ``--instrument`` does).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    venue: str = Field(description="Venue name.")
    symbol: str = Field(description="The venue's own symbol.")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            venue, sep, symbol = value.partition(":")
            if not sep or not venue or not symbol:
                raise ValueError(f"an instrument as venue:symbol (binance:BTCUSDT), was {value!r}")
            return {"venue": venue, "symbol": symbol}
        return value

    @field_validator("venue")
    @classmethod
    def _known_venue(cls, value: str) -> str:
        if value not in venues() and value not in futures_venues():
            allowed = ", ".join((*venues(), *futures_venues()))
            raise ValueError(f"unknown venue {value!r}; allowed: {allowed}")
        return value

    @field_validator("symbol")
    @classmethod
    def _known_symbol(cls, value: str, info: ValidationInfo) -> str:
        venue = info.data.get("venue")
        if venue in futures_venues():
            try:
                get_instrument(venue, value)
            except KeyError as exc:
                raise ValueError(str(exc.args[0])) from None
            return value
        if venue is not None and value not in symbols_for(venue):
            allowed = ", ".join(symbols_for(venue))
            raise ValueError(f"unknown symbol {value!r} for venue {venue!r}; allowed: {allowed}")
        return value

    def __str__(self) -> str:
        return f"{self.venue}:{self.symbol}"


class Overlay(BaseModel):
    """A change applied over a window of the dataset (a stress scenario, a latency model).

    The entry is typed now so that configs, schemas and manifests have its place; the kinds
    arrive with the features that apply them (see :data:`OVERLAY_KINDS`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(description="What the overlay does; one of the registered kinds.")
    profile: str | None = Field(
        None, description="Named parameter set of the kind (latency: colocated, retail, ...)."
    )
    start: Duration = Field(0, description="Offset of the window from the dataset start.")
    duration: Duration | None = Field(
        None, description="Length of the window; the rest of the dataset when omitted."
    )
    params: dict[str, float] = Field(
        default_factory=dict, description="Parameters of the kind, by name."
    )
    intensity: float | None = Field(
        None,
        description="Scenarios: strength (1 = the params as given; 0.5 half the stress, "
        "2 twice), in (0, 10].",
    )
    instrument: InstrumentRef | None = Field(
        None, description="Scenarios: the one instrument it applies to (all when omitted)."
    )

    @model_serializer(mode="wrap")
    def _drop_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Scenario-only fields are written only when set, so a latency overlay serializes
        # (manifests, cache keys) exactly as before they existed.
        data: dict[str, Any] = handler(self)
        for name in ("intensity", "instrument"):
            if data.get(name) is None:
                data.pop(name, None)
        return data

    @property
    def is_scenario(self) -> bool:
        """Return whether the overlay is a stress scenario (not a latency model)."""
        return self.kind in SCENARIO_KINDS

    def scenario_params(self) -> dict[str, float]:
        """Return a scenario's parameters, defaults filled in, before ``intensity``."""
        return resolve_params(self.kind, self.params)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in OVERLAY_KINDS:
            allowed = ", ".join(sorted(OVERLAY_KINDS)) or "none yet"
            raise ValueError(f"unknown overlay kind {value!r}; allowed: {allowed}")
        return value

    @field_validator("start", "duration")
    @classmethod
    def _whole_minutes(cls, value: int | None) -> int | None:
        if value is not None and (value < 0 or value % 60_000_000_000):
            raise ValueError(f"must be a whole number of minutes >= 0, was {value} ns")
        return value

    @model_validator(mode="after")
    def _profile_and_params(self) -> Overlay:
        if self.is_scenario:
            return self._check_scenario()
        if self.intensity is not None or self.instrument is not None:
            field = "intensity" if self.intensity is not None else "instrument"
            raise ValueError(f"{field}: only stress scenarios take it, kind is {self.kind!r}")
        names = _PROFILED_KINDS.get(self.kind)
        if names is None:
            if self.profile is not None:
                raise ValueError(f"profile: kind {self.kind!r} takes no profile")
            return self
        if self.profile is None or self.profile not in names:
            given = "missing" if self.profile is None else repr(self.profile)
            raise ValueError(f"profile: {given}; allowed: {', '.join(names)}")
        if self.duration == 0:
            raise ValueError("duration: must be positive, was 0")
        try:
            self.latency_model()
        except ValueError as exc:
            raise ValueError(f"params: {_first_line(exc)}") from None
        return self

    def _check_scenario(self) -> Overlay:
        if self.profile is not None:
            raise ValueError(f"profile: kind {self.kind!r} takes no profile (it has params)")
        if self.duration is None or self.duration <= 0:
            given = "missing" if self.duration is None else "0"
            raise ValueError(f"duration: a scenario needs a positive duration, was {given}")
        if self.intensity is not None and not 0.0 < self.intensity <= 10.0:
            raise ValueError(f"intensity: must be in (0, 10], was {self.intensity:g}")
        params = self.scenario_params()
        for name, what in (("fall_min", "trough"), ("trigger_min", "trigger")):
            fall = params.get(name)
            if fall is not None and fall * 60_000_000_000 > self.duration:
                raise ValueError(
                    f"params.{name}: the {what} must fall inside the window "
                    f"({format_duration(self.duration)}), was {fall:g} minutes"
                )
        return self

    def latency_model(self) -> LatencyModel:
        """Return the latency model of a ``latency`` overlay (profile with params applied)."""
        if self.kind != "latency" or self.profile is None:
            raise ValueError(f"overlay kind {self.kind!r} has no latency model")
        return latency_model(self.profile, self.params)


def _first_line(exc: ValueError) -> str:
    # A pydantic ValidationError lists "<field>\n  <message> [type=...]": keep field and message.
    text = str(exc)
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        return f"{field}: {err['msg']}, was {err.get('input')!r}"
    return text


class OkxOptions(BaseModel):
    """Options of OKX native output."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    checksum: bool = Field(
        False,
        description="Real CRC32 checksums in books messages (the pre-2026-06 format) instead of 0.",
    )


class VenueOptions(BaseModel):
    """Wire-format options per venue; they change native captures, never canonical tables."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    okx: OkxOptions = Field(default_factory=OkxOptions, description="OKX native output.")

    def changed(self) -> list[str]:
        """Return the venues whose options differ from the defaults."""
        default = VenueOptions()
        return [name for name in type(self).model_fields
                if getattr(self, name) != getattr(default, name)]  # fmt: skip

    def only(self, venue: str) -> VenueOptions:
        """Return these options with every venue but ``venue`` reset to its defaults."""
        if venue in type(self).model_fields:
            return VenueOptions.model_validate({venue: getattr(self, venue)})
        return VenueOptions()
