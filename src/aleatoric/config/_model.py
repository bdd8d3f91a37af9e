"""The dataset config: what to simulate. Frozen, validated once, hashed for identity.

The config lists its instruments (``instruments``), overlays and per-venue options. The flat
form of earlier versions (``venue``, ``symbol``, ``okx_checksum``) is still accepted, and a
config it can express is written back in it by :meth:`DatasetConfig.canonical`, so the
manifests and cache keys of single-instrument datasets keep their bytes.
"""

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

from aleatoric.config._durations import format_duration
from aleatoric.config._parts import Duration, InstrumentRef, Overlay, VenueOptions
from aleatoric.config._presets import presets
from aleatoric.config._range import check_end, check_start
from aleatoric.errors import ConfigError
from aleatoric.instruments import bases_for, get_instrument, symbol_of, venues

__all__ = ["FLAT_FIELDS", "SHORTHAND_FIELDS", "TABLES", "DatasetConfig", "Duration", "TableName"]

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

#: The flat form's fields, with their descriptions: one instrument and the OKX option at the
#: top level. Accepted on input (files, flags, HTTP, MCP) and written by ``canonical()``.
FLAT_FIELDS: dict[str, str] = {
    "venue": "Venue name (flat form of instruments = [{venue, symbol}]).",
    "symbol": "The venue's own symbol (flat form of instruments = [{venue, symbol}]).",
    "okx_checksum": "OKX native output: real CRC32 checksums (the pre-2026-06 format) "
    "instead of 0 (flat form of venue_options.okx.checksum).",
}
_DEFAULT_INSTRUMENT = {"venue": "binance", "symbol": "BTCUSDT"}
#: The shorthand form of ``instruments``: every listed base asset on every listed venue.
#: Accepted on input only; a config is written back with its instruments (or the flat form).
SHORTHAND_FIELDS: dict[str, str] = {
    "venues": "Venues of the shorthand form of instruments: with symbols, every listed base "
    "asset on every listed venue (venues = [binance, bybit]).",
    "symbols": "Base assets of the shorthand form of instruments (symbols = [BTC, ETH, SOL]), "
    "each mapped to every venue's own symbol (BTCUSDT, BTC-USDT-SWAP, BTC on hyperliquid).",
}


def _names(field: str, value: object) -> list[str]:
    # A list of names, or one comma-separated string (as a flag gives it).
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise ValueError(f"{field}: a list of names, was {value!r}")
    names = [v.strip() for v in items if v.strip()]
    if not names:
        raise ValueError(f"{field}: at least one name, was {value!r}")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{field}: each name once, listed twice: {', '.join(twice)}")
    return names


def _shorthand(data: dict[str, Any]) -> dict[str, Any]:
    # venues x symbols -> instruments, each base asset mapped to the venue's own symbol.
    data = dict(data)
    for field in ("venues", "symbols"):
        if field not in data:
            other = "symbols" if field == "venues" else "venues"
            raise ValueError(f"{field}: required with {other} (the shorthand form of instruments)")
    for other in ("instruments", "venue", "symbol"):
        if other in data:
            raise ValueError(f"venues: give venues and symbols, or {other}, not both")
    venue_names = _names("venues", data.pop("venues"))
    bases = [b.upper() for b in _names("symbols", data.pop("symbols"))]
    known = venues()
    refs = []
    for venue in venue_names:
        if venue not in known:
            raise ValueError(f"venues: unknown venue {venue!r}; allowed: {', '.join(known)}")
        for base in bases:
            if base not in bases_for(venue):
                allowed = ", ".join(bases_for(venue))
                raise ValueError(f"symbols: {base} is not listed on {venue}; allowed: {allowed}")
            refs.append({"venue": venue, "symbol": symbol_of(venue, base)})
    data["instruments"] = refs
    return data


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

    instruments: tuple[InstrumentRef, ...] = Field(
        (InstrumentRef.model_validate(_DEFAULT_INSTRUMENT),),
        description="Instruments to simulate, each keyed separately: [{venue, symbol}, ...].",
    )
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
    seasonality: Literal["crypto", "flat"] = Field(
        "crypto",
        description="Intraday profile of activity and volatility: crypto (peak around the US "
        "open, trough in the Asian late night) or flat.",
    )
    overlays: tuple[Overlay, ...] = Field(
        (), description="Changes applied over windows of the dataset (scenarios, latency)."
    )
    venue_options: VenueOptions = Field(
        default_factory=VenueOptions,
        description="Native wire-format options per venue (they never change canonical rows).",
    )

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        # venue/symbol/okx_checksum at the top level: the form every earlier config used;
        # venues/symbols: the shorthand of several instruments.
        if isinstance(data, dict) and SHORTHAND_FIELDS.keys() & data.keys():
            data = _shorthand(data)
        if not isinstance(data, dict) or not FLAT_FIELDS.keys() & data.keys():
            return data
        data = dict(data)
        if "instruments" in data and {"venue", "symbol"} & data.keys():
            raise ValueError("venue: give venue and symbol, or instruments, not both")
        if {"venue", "symbol"} & data.keys():
            venue = data.pop("venue", _DEFAULT_INSTRUMENT["venue"])
            symbol = data.pop("symbol", _DEFAULT_INSTRUMENT["symbol"])
            data["instruments"] = [{"venue": venue, "symbol": symbol}]
        if "okx_checksum" in data:
            if "venue_options" in data:
                raise ValueError(
                    "okx_checksum: give okx_checksum or venue_options.okx.checksum, not both"
                )
            data["venue_options"] = {"okx": {"checksum": data.pop("okx_checksum")}}
        return data

    @field_validator("instruments")
    @classmethod
    def _some_instrument(cls, value: tuple[InstrumentRef, ...]) -> tuple[InstrumentRef, ...]:
        if not value:
            raise ValueError("at least one instrument, as [{venue, symbol}, ...]")
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
    def _cross_checks(self) -> DatasetConfig:
        names = [str(i) for i in self.instruments]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"instruments: each instrument once, listed twice: {', '.join(twice)}")
        used = {i.venue for i in self.instruments}
        for venue in self.venue_options.changed():
            if venue not in used:
                raise ValueError(
                    f"venue_options.{venue}: applies to venue {venue} only, the config's "
                    f"venues are {', '.join(sorted(used))}"
                )
        self._check_overlay_windows()
        preset = presets()[self.preset]
        for inst in self.instruments:
            base = get_instrument(inst.venue, inst.symbol).base
            if base not in preset.assets:
                raise ValueError(f"preset: {self.preset!r} has no parameters for {base}")
        return self

    def _check_overlay_windows(self) -> None:
        # Windows start inside the dataset; latency windows never overlap (one model a time);
        # scenarios end inside the dataset, name one of its instruments, and two scenarios
        # that change liquidity never overlap on one instrument (their flow multipliers would
        # be ambiguous); a funding squeeze composes with any.
        taken: list[tuple[int, int, int]] = []
        stressed: list[tuple[int, InstrumentRef | None, int, int]] = []
        for i, overlay in enumerate(self.overlays):
            if overlay.start >= self.duration:
                raise ValueError(
                    f"overlays.{i}.start: must lie inside the dataset (duration "
                    f"{format_duration(self.duration)}), was {format_duration(overlay.start)}"
                )
            lo, hi = self.overlay_window(overlay)
            if overlay.is_scenario:
                self._check_scenario_window(i, overlay)
                if overlay.kind in ("funding-squeeze", "venue-outage"):
                    continue  # the basis or the feed only: composes with any other scenario
                for j, inst, a, b in stressed:
                    same = inst is None or overlay.instrument is None or inst == overlay.instrument
                    if same and lo < b and a < hi:
                        raise ValueError(
                            f"overlays.{i}: its scenario window overlaps the one of "
                            f"overlays.{j} on the same instrument"
                        )
                stressed.append((i, overlay.instrument, lo, hi))
                continue
            if overlay.kind != "latency":
                continue
            for j, a, b in taken:
                if lo < b and a < hi:
                    raise ValueError(
                        f"overlays.{i}: its latency window overlaps the one of overlays.{j}"
                    )
            taken.append((i, lo, hi))

    def _check_scenario_window(self, i: int, overlay: Overlay) -> None:
        assert overlay.duration is not None  # a scenario's duration is validated positive
        if overlay.start + overlay.duration > self.duration:
            raise ValueError(
                f"overlays.{i}.duration: the scenario must end inside the dataset (duration "
                f"{format_duration(self.duration)}), ends at "
                f"{format_duration(overlay.start + overlay.duration)}"
            )
        if overlay.instrument is not None and overlay.instrument not in self.instruments:
            listed = ", ".join(str(x) for x in self.instruments)
            raise ValueError(
                f"overlays.{i}.instrument: {overlay.instrument} is not in the config; "
                f"allowed: {listed}"
            )

    def overlay_window(self, overlay: Overlay) -> tuple[int, int]:
        """Return an overlay's window ``[start, end)`` in nanoseconds since the epoch."""
        lo = self.start_ns + overlay.start
        hi = self.end_ns if overlay.duration is None else min(self.end_ns, lo + overlay.duration)
        return lo, hi

    # --- one instrument ----------------------------------------------------------------

    def _single(self) -> InstrumentRef:
        if len(self.instruments) != 1:
            raise ConfigError([(
                "instruments",
                f"the config holds {len(self.instruments)} instruments; use "
                "config.instruments or config.for_instrument(...) for one of them",
            )])  # fmt: skip
        return self.instruments[0]

    @property
    def venue(self) -> str:
        """Return the venue of a single-instrument config (ConfigError for several)."""
        return self._single().venue

    @property
    def symbol(self) -> str:
        """Return the symbol of a single-instrument config (ConfigError for several)."""
        return self._single().symbol

    @property
    def okx_checksum(self) -> bool:
        """Return the OKX checksum option (``venue_options.okx.checksum``)."""
        return self.venue_options.okx.checksum

    def for_instrument(self, instrument: InstrumentRef | str) -> DatasetConfig:
        """Return the single-instrument config of one of this config's instruments.

        It is what the reactor simulates and the sinks write for that instrument; it keeps
        only that venue's options, so it is the config a flat form would have given.
        """
        ref = InstrumentRef.model_validate(instrument)
        if ref not in self.instruments:
            listed = ", ".join(str(i) for i in self.instruments)
            raise ConfigError([("instruments", f"{ref} is not in the config; it has {listed}")])
        if self.instruments == (ref,):
            return self
        # Scenarios placed on another instrument are not this instrument's.
        overlays = tuple(o for o in self.overlays if o.instrument in (None, ref))
        return self.model_copy(
            update={
                "instruments": (ref,),
                "venue_options": self.venue_options.only(ref.venue),
                "overlays": overlays,
            }
        )

    @property
    def flat(self) -> bool:
        """Return whether the flat form expresses this config (one instrument, no overlays)."""
        return len(self.instruments) == 1 and not self.overlays

    @property
    def start_ns(self) -> int:
        """Return ``start`` as integer nanoseconds since the Unix epoch."""
        return int(self.start.timestamp()) * 1_000_000_000

    @property
    def end_ns(self) -> int:
        """Return the first instant after the dataset, in nanoseconds."""
        return self.start_ns + self.duration

    def canonical(self) -> dict[str, Any]:
        """Return the config as plain JSON-ready data with every default filled in.

        A config the flat form can express comes back in it (``venue``, ``symbol``,
        ``okx_checksum``), exactly as before instruments were a list; any other in the
        structured form. Either validates back to an equal config.
        """
        data = self.model_dump(mode="json")
        if self.flat:
            inst = data.pop("instruments")[0]
            options = data.pop("venue_options")
            del data["overlays"]
            data = {"venue": inst["venue"], "symbol": inst["symbol"], **data}
            data["okx_checksum"] = options["okx"]["checksum"]
        return data
