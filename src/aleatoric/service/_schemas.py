"""Request and response bodies of the HTTP API (kept apart from the domain records)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from aleatoric.config import DatasetConfig, input_fields

__all__ = [
    "ChunkOut",
    "ConfigFields",
    "ErrorOut",
    "FieldError",
    "Health",
    "InstrumentOut",
    "JobOut",
    "JobRequest",
    "PresetOut",
    "Progress",
    "SegmentKey",
    "SegmentRange",
    "ValidateOut",
    "VenueOut",
]


class _ConfigBody(BaseModel):
    """Dataset config fields, as in a config file; validated by the engine's own rules.

    The fields are the config's input fields (:func:`aleatoric.config.input_fields`: those of
    :class:`~aleatoric.config.DatasetConfig` and the flat ``venue``/``symbol``/``okx_checksum``),
    added when the module loads, so a new config field is accepted (and documented in the
    OpenAPI schema) with no change here. Their types are loose on purpose (durations as
    ``"1h"`` or seconds, ``start`` as ISO 8601): each error is reported per field in the
    words of ``aleatoric validate``.
    """

    model_config = ConfigDict(extra="forbid")

    def config_fields(self) -> dict[str, Any]:
        """Return the config fields that were given."""
        given = self.model_dump(include=set(input_fields()))
        return {k: v for k, v in given.items() if v is not None}


class SegmentRange(BaseModel):
    """Half-open range of segment indices ``[start, stop)``."""

    model_config = ConfigDict(extra="forbid")

    start: int | None = Field(None, ge=0, description="First segment (default 0).")
    stop: int | None = Field(None, ge=1, description="One past the last segment (default all).")


class _JobBody(_ConfigBody):
    """A job: config fields, plus optionally a segment range and output formats.

    With ``segments``, the job only computes those segments into the server's cache (for a
    client that assembles the dataset itself); without, it publishes the whole dataset.
    """

    segments: SegmentRange | None = None
    formats: list[str] = Field(default_factory=lambda: ["parquet"], examples=[["parquet"]])


def _with_config_fields(name: str, base: type[_ConfigBody]) -> type[_ConfigBody]:
    defaults = {**DatasetConfig().model_dump(mode="json"), **DatasetConfig().canonical(),
                "venues": ["binance", "bybit"], "symbols": ["BTC", "ETH", "SOL"]}  # fmt: skip
    fields: dict[str, Any] = {
        name: (Any, Field(None, description=f.description, examples=[defaults[name]]))
        for name, f in input_fields().items()
    }
    model: type[_ConfigBody] = create_model(
        name, __base__=base, __doc__=base.__doc__, __module__=__name__, **fields
    )
    return model


if TYPE_CHECKING:
    ConfigFields = _ConfigBody
    JobRequest = _JobBody
else:
    ConfigFields = _with_config_fields("ConfigFields", _ConfigBody)
    JobRequest = _with_config_fields("JobRequest", _JobBody)


class FieldError(BaseModel):
    """One invalid field."""

    field: str
    message: str


class ErrorOut(BaseModel):
    """An error: what went wrong and, for invalid input, every field at fault."""

    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class Progress(BaseModel):
    """Segments computed out of the segments asked for."""

    done: int
    total: int


class ChunkOut(BaseModel):
    """One chunk of a job."""

    index: int
    segments: SegmentRange
    state: str
    attempts: int
    progress: Progress
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class SegmentKey(BaseModel):
    """A segment's cache key: download it from ``/v1/segments/{key}``."""

    index: int
    instrument: str = Field(description="The segment's instrument, as venue:symbol.")
    key: str


class JobOut(BaseModel):
    """A job's state, per-chunk progress and, when done, where its results are."""

    id: str
    state: Literal["queued", "running", "succeeded", "failed", "dead"]
    error: str | None = None
    config: dict[str, Any]
    formats: list[str]
    segments: SegmentRange
    partial: bool
    progress: Progress
    chunks: list[ChunkOut]
    segment_keys: list[SegmentKey] = Field(
        default_factory=list, description="Segment-range jobs: where to download each segment."
    )
    result: dict[str, Any] | None = None
    manifest_url: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class ValidateOut(BaseModel):
    """The verdict on a config."""

    valid: bool
    errors: list[FieldError] = Field(default_factory=list)
    config: dict[str, Any] | None = None
    segments: int | None = None


class PresetOut(BaseModel):
    """A regime preset."""

    name: str
    description: str
    assets: list[str]


class InstrumentOut(BaseModel):
    """One instrument's rules."""

    symbol: str
    base: str
    quote: str
    tick_size: str
    lot_size: str
    contract_value: str
    min_notional: str
    funding_interval_hours: int
    funding_cap: str
    mark_method: str


class VenueOut(BaseModel):
    """A venue and its instruments."""

    venue: str
    native_format: bool
    instruments: list[InstrumentOut]


class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"]
    version: str
