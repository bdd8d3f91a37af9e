"""Structured results of the MCP tools: what a client receives, as Pydantic models.

These are response models, kept apart from the library's domain types: decimals travel as
strings (exact), timestamps as integer nanoseconds plus ISO 8601 text.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ConfigValidation",
    "FieldError",
    "InstrumentInfo",
    "IntegrityResult",
    "PresetInfo",
    "PresetList",
    "RealismResult",
    "SampleResult",
    "ScenarioInfo",
    "TableSummary",
    "VenueInfo",
]


class FieldError(BaseModel):
    """One invalid config field."""

    field: str = Field(description="Field path, e.g. 'venue' or 'tables.0'.")
    message: str = Field(description="What is wrong, with the value that was given.")
    allowed: list[str] = Field(
        default_factory=list, description="Allowed values when the field takes one of a set."
    )


class ConfigValidation(BaseModel):
    """The outcome of validating a dataset config."""

    ok: bool = Field(description="True when the config can be generated as given.")
    errors: list[FieldError] = Field(default_factory=list, description="Every invalid field.")
    config: dict[str, Any] | None = Field(
        None, description="The full config with defaults filled in (when ok)."
    )
    segments: int | None = Field(None, description="Segments the dataset splits into.")
    estimated_rows: int | None = Field(
        None, description="Rough number of rows over all tables (order of magnitude)."
    )
    fits_inline_sample: bool | None = Field(
        None, description="Whether generate_sample accepts it; otherwise use submit_job."
    )


class PresetInfo(BaseModel):
    """One regime preset."""

    name: str
    description: str
    assets: list[str] = Field(description="Base assets the preset has scales for.")
    parameters: dict[str, float | list[float]] = Field(
        description="Regime parameters (units: fractions of price unless *_bps or *_s)."
    )
    asset_scales: dict[str, dict[str, float | str]] = Field(
        description="Per-asset initial price (exact decimal string) and scales."
    )


class ScenarioInfo(BaseModel):
    """One named stress scenario: place its overlay with a ``start`` in a config."""

    name: str
    kind: str
    description: str
    overlay: dict[str, Any] = Field(
        description="The overlay entry it places (kind, duration, intensity, params); add "
        "start (offset from the dataset start) and put it in the config's overlays."
    )


class PresetList(BaseModel):
    """Regime presets by name, and the named stress scenarios."""

    presets: list[PresetInfo]
    scenarios: list[ScenarioInfo] = Field(
        default_factory=list,
        description="Named stress scenarios (every one when no name is given; docs/scenarios.md).",
    )


class InstrumentInfo(BaseModel):
    """One perpetual's rules at a venue; decimals are exact strings."""

    venue: str
    symbol: str
    base: str
    quote: str
    tick_size: str
    lot_size: str
    min_qty: str
    contract_value: str = Field(description="Base asset per order unit (contracts on OKX).")
    min_notional: str
    price_precision: int
    size_precision: int
    significant_figures: int = Field(description="Price significant-figure limit; 0 = none.")
    price_band: str
    funding_interval_hours: int
    funding_cap: str
    funding_floor: str
    funding_clamp_band: str
    interest_rate: str
    premium_sample_seconds: int
    premium_weighting: str
    funding_rate_divisor: int
    mark_method: str


class VenueInfo(BaseModel):
    """A venue's instruments and what the engine can write for it."""

    venue: str
    instruments: list[InstrumentInfo]
    formats: list[str] = Field(
        description="Output formats: 'parquet' (canonical tables) and, where the venue's wire "
        "format is implemented, 'native' (recorder captures)."
    )
    tables: list[str] = Field(description="Canonical tables every venue supports.")
    presets: list[str] = Field(description="Regime presets usable with these instruments.")


class TableSummary(BaseModel):
    """Summary statistics of one table of a dataset."""

    table: str
    rows: int
    files: int
    bytes: int
    ts_first: str | None = Field(None, description="First ts_event, ISO 8601 UTC.")
    ts_last: str | None = Field(None, description="Last ts_event, ISO 8601 UTC.")
    stats: dict[str, float | int | None] = Field(
        default_factory=dict, description="Table-specific statistics (volume, spread, ...)."
    )


class SampleResult(BaseModel):
    """A small dataset generated inline, summarized, with a few rows."""

    dataset_id: str = Field(description="Id of the dataset in the data directory.")
    path: str = Field(description="Where the dataset lies on the server.")
    manifest_uri: str = Field(description="Resource with the dataset's manifest.")
    reused: bool = Field(description="True if an identical dataset was already there.")
    cached: bool = Field(description="True if the cache served it (digests verified).")
    config: dict[str, Any]
    segments: int
    rows: int
    bytes: int
    tables: list[TableSummary]
    trades: list[dict[str, Any]] = Field(description="First trades, in seq order.")
    book_snapshots: list[dict[str, Any]] = Field(
        description="First book snapshots, top levels only, in seq order."
    )


class IntegrityResult(BaseModel):
    """Integrity assertions on a dataset."""

    dataset_id: str
    passed: bool
    failed_rules: list[str]
    report: dict[str, Any] = Field(description="Every rule's result with offending examples.")


class RealismResult(BaseModel):
    """The realism scorecard of a dataset."""

    dataset_id: str
    passed: bool = Field(description="No band that counts fails (N/A facts do not count).")
    verdict: str = Field(
        description="PASS, FAIL, or INSUFFICIENT DATA when no band fails but the dataset is "
        "too short for some facts (see insufficient_facts and each fact's min_duration_s)."
    )
    failed_facts: list[str]
    insufficient_facts: list[str] = Field(default_factory=list)
    report: dict[str, Any] = Field(description="Every stylized fact with its value and band.")
