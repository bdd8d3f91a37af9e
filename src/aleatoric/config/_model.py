"""The dataset config: what to simulate. Frozen, validated once, hashed for identity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from aleatoric.config._durations import format_duration, parse_duration_ns
from aleatoric.config._presets import presets
from aleatoric.config._range import check_end, check_start
from aleatoric.instruments import get_instrument, symbols_for, venues

__all__ = ["TABLES", "DatasetConfig", "Duration", "TableName"]

NS_PER_MINUTE = 60_000_000_000

TableName = Literal["mbo", "book_delta", "book_snapshot", "trades", "ticker", "funding"]
#: Every canonical table, in the order they are documented in docs/schema.md.
TABLES: tuple[TableName, ...] = (
    "mbo",
    "book_delta",
    "book_snapshot",
    "trades",
    "ticker",
    "funding",
)

#: A duration in integer nanoseconds; accepts "1h", "100ms", "PT1H" or seconds.
Duration = Annotated[
    int,
    BeforeValidator(parse_duration_ns),
    PlainSerializer(format_duration, return_type=str),
]


def _parse_start(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"an ISO 8601 UTC time such as 2026-01-01T00:00:00Z, was {value!r}"
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _format_start(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DatasetConfig(BaseModel):
    """Everything that determines a dataset's bytes, besides the engine version.

    Two configs that compare equal produce identical output. Durations are integer
    nanoseconds inside and compact strings (``"1h"``) when serialized.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    venue: str = Field("binance", description="Venue name.")
    symbol: str = Field("BTCUSDT", description="The venue's own symbol.")
    start: Annotated[
        datetime, BeforeValidator(_parse_start), PlainSerializer(_format_start, return_type=str)
    ] = Field(datetime(2026, 1, 1, tzinfo=UTC), description="First instant (UTC, whole minute).")
    duration: Duration = Field(3_600_000_000_000, description="Length of the dataset.")
    seed: int = Field(0, ge=0, lt=2**128, description="Root seed; 0 is a valid seed.")
    preset: str = Field("calm", description="Regime preset name.")
    segment: Duration = Field(
        3_600_000_000_000, description="Segment length: the unit of parallel work and caching."
    )
    warmup: Duration = Field(
        600_000_000_000, description="Book warm-up replayed before each segment."
    )
    tables: tuple[TableName, ...] = Field(TABLES, description="Tables to write.")
    snapshot_depth: int = Field(25, ge=1, le=500, description="Levels per book snapshot side.")
    snapshot_interval: Duration = Field(100_000_000, description="Book snapshot interval.")
    ticker_interval: Duration = Field(1_000_000_000, description="Ticker row interval.")
    latency: Duration = Field(
        5_000_000, description="Receive latency added to exchange time (ts_recv - ts_event)."
    )
    okx_checksum: bool = Field(
        False,
        description="OKX native output: real CRC32 checksums (the pre-2026-06 format) "
        "instead of 0.",
    )

    @field_validator("venue")
    @classmethod
    def _known_venue(cls, value: str) -> str:
        if value not in venues():
            raise ValueError(f"unknown venue {value!r}; allowed: {', '.join(venues())}")
        return value

    @field_validator("symbol")
    @classmethod
    def _known_symbol(cls, value: str, info: ValidationInfo) -> str:
        venue = info.data.get("venue")
        if venue is not None and value not in symbols_for(venue):
            allowed = ", ".join(symbols_for(venue))
            raise ValueError(f"unknown symbol {value!r} for venue {venue!r}; allowed: {allowed}")
        return value

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        names = presets()
        if value not in names:
            raise ValueError(f"unknown preset {value!r}; allowed: {', '.join(names)}")
        return value

    @field_validator("start")
    @classmethod
    def _whole_minute_utc(cls, value: datetime) -> datetime:
        value = value.astimezone(UTC)
        if value.second or value.microsecond:
            raise ValueError(f"start must fall on a whole minute, was {_format_start(value)}")
        check_start(value)
        return value

    @field_validator("duration", "segment", "warmup")
    @classmethod
    def _whole_minutes(cls, value: int, info: ValidationInfo) -> int:
        if value <= 0:
            sign = "-" if value < 0 else ""
            raise ValueError(f"must be positive, was {sign}{format_duration(abs(value))}")
        if value % NS_PER_MINUTE:
            raise ValueError(f"must be a whole number of minutes, was {format_duration(value)}")
        if info.field_name == "warmup" and not 5 * NS_PER_MINUTE <= value <= 60 * NS_PER_MINUTE:
            raise ValueError(f"must be between 5m and 1h, was {format_duration(value)}")
        if info.field_name == "duration":
            check_end(info.data.get("start"), value)
        return value

    @field_validator("latency")
    @classmethod
    def _positive_latency(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"must be positive, was {format_duration(abs(value))} or less")
        return value

    @field_validator("snapshot_interval", "ticker_interval")
    @classmethod
    def _positive_millis(cls, value: int) -> int:
        if value <= 0 or value % 1_000_000:
            raise ValueError(f"must be a positive whole number of milliseconds, was {value} ns")
        if NS_PER_MINUTE % value:
            raise ValueError("must divide one minute evenly (e.g. 100ms, 250ms, 1s)")
        return value

    @field_validator("tables")
    @classmethod
    def _unique_tables(cls, value: tuple[TableName, ...]) -> tuple[TableName, ...]:
        if not value:
            raise ValueError(f"at least one table; allowed: {', '.join(TABLES)}")
        return tuple(t for t in TABLES if t in value)

    @model_validator(mode="after")
    def _preset_covers_asset(self) -> DatasetConfig:
        if self.okx_checksum and self.venue != "okx":
            raise ValueError(f"okx_checksum: applies to venue okx only, venue is {self.venue!r}")
        base = get_instrument(self.venue, self.symbol).base
        preset = presets()[self.preset]
        if base not in preset.assets:
            raise ValueError(f"preset: {self.preset!r} has no parameters for {base}")
        return self

    @property
    def start_ns(self) -> int:
        """Return ``start`` as integer nanoseconds since the Unix epoch."""
        return int(self.start.timestamp()) * 1_000_000_000

    @property
    def end_ns(self) -> int:
        """Return the first instant after the dataset, in nanoseconds."""
        return self.start_ns + self.duration

    def canonical(self) -> dict[str, Any]:
        """Return the config as plain JSON-ready data with every default filled in."""
        return self.model_dump(mode="json")
