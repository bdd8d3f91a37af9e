"""The OpenData universe (``data/universe.toml``) and the rules that turn a date into a config.

A release is a pure function of its date, its duration and the universe: the seed is derived
from the date by :func:`release_seed`, the start is the date's midnight UTC, and the rotating
stress scenario (none yet) is picked by the date's ordinal. Anyone can rebuild a release
from these rules and get the same data bytes.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aleatoric.config import (
    ConfigError,
    DatasetConfig,
    InstrumentRef,
    Overlay,
    format_duration,
    format_errors,
    parse_duration_ns,
)

__all__ = [
    "DAY_NS",
    "NativeSubset",
    "Universe",
    "load_universe",
    "parse_date",
    "release_configs",
    "release_duration",
    "release_seed",
    "scenario_for",
    "universe",
    "universe_from_release",
]

DAY_NS = 86_400_000_000_000


class NativeSubset(BaseModel):
    """Instruments whose native captures a release carries, and for how long."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    duration: str
    instruments: tuple[InstrumentRef, ...]


class Scenarios(BaseModel):
    """The rotation of stress overlays, one per day in turn."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rotation: tuple[Overlay, ...] = ()


class Universe(BaseModel):
    """What every daily release holds (read from ``opendata/data/universe.toml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    preset: str
    tables: tuple[str, ...]
    snapshot_depth: int
    snapshot_interval: str
    instruments: tuple[InstrumentRef, ...]
    native: NativeSubset
    scenarios: Scenarios = Field(default_factory=Scenarios)


def _parse(document: Any) -> Universe:
    try:
        return Universe.model_validate(document)
    except ValidationError as exc:
        raise ConfigError([(f"universe.{p}", m) for p, m in format_errors(exc)]) from None


@cache
def universe() -> Universe:
    """Return the universe shipped with the engine."""
    text = resources.files("aleatoric.opendata").joinpath("data/universe.toml").read_text()
    return _parse(tomllib.loads(text))


def load_universe(path: str | Path | None) -> Universe:
    """Return the universe in the TOML file ``path`` (the shipped one for ``None``).

    Raises
    ------
    ConfigError
        If the file cannot be read or a field is invalid (named as ``universe.<field>``).
    """
    if path is None:
        return universe()
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([("universe", f"cannot read {path}: {exc}")]) from None
    return _parse(document)


def universe_from_release(document: Any) -> Universe:
    """Return the universe recorded in a release's ``release.json``."""
    return _parse(document)


def parse_date(text: str) -> date:
    """Return the release date of ``YYYY-MM-DD`` text.

    Raises
    ------
    ConfigError
        On anything but a calendar date in that form, naming the ``date`` field.
    """
    try:
        day = date.fromisoformat(text.strip())
        if len(text.strip()) != 10:
            raise ValueError
    except ValueError:
        problem = f"a date as YYYY-MM-DD such as 2026-01-01, was {text!r}"
        raise ConfigError([("date", problem)]) from None
    return day


def release_seed(day: date) -> int:
    """Return the seed of ``day``'s release: the date written as the integer ``YYYYMMDD``.

    Simple enough to recompute by hand; every random stream is hashed from the seed through
    NumPy's ``SeedSequence``, so neighbouring seeds give unrelated streams.
    """
    return day.year * 10_000 + day.month * 100 + day.day


def release_duration(text: str | None) -> int:
    """Return the duration of a release in ns: a full day unless a shorter one is asked for.

    Raises
    ------
    ConfigError
        If ``text`` is not a duration of whole minutes between 1m and 1d.
    """
    if text is None:
        return DAY_NS
    try:
        ns = parse_duration_ns(text)
    except ValueError as exc:
        raise ConfigError([("duration", str(exc))]) from None
    if not 0 < ns <= DAY_NS or ns % 60_000_000_000:
        raise ConfigError(
            [("duration", f"whole minutes between 1m and 1d, was {format_duration(ns)}")]
        )
    return ns


def scenario_for(day: date, rotation: tuple[Overlay, ...]) -> tuple[Overlay, ...]:
    """Return the stress overlay of ``day``: entry ``day.toordinal() % len(rotation)``."""
    if not rotation:
        return ()
    return (rotation[day.toordinal() % len(rotation)],)


def release_configs(
    day: date, duration_ns: int, spec: Universe | None = None
) -> tuple[DatasetConfig, DatasetConfig]:
    """Return the configs of ``day``'s release: the canonical tables, and the native subset.

    Both share the seed and start; the native subset covers the first ``native.duration``
    of the release with the tables the venue encoders need.

    Raises
    ------
    ConfigError
        If the date lies outside the range every timestamp can represent.
    """
    from aleatoric.venues import NATIVE_TABLES

    spec = spec or universe()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    base: dict[str, Any] = {
        "start": start,
        "seed": release_seed(day),
        "preset": spec.preset,
        "overlays": [o.model_dump() for o in scenario_for(day, spec.scenarios.rotation)],
    }
    data = {
        **base,
        "instruments": [i.model_dump() for i in spec.instruments],
        "duration": format_duration(duration_ns),
        "tables": list(spec.tables),
        "snapshot_depth": spec.snapshot_depth,
        "snapshot_interval": spec.snapshot_interval,
    }
    native = {
        **base,
        "instruments": [i.model_dump() for i in spec.native.instruments],
        "duration": format_duration(min(duration_ns, parse_duration_ns(spec.native.duration))),
        "tables": list(NATIVE_TABLES),
    }
    configs = []
    for document in (data, native):
        try:
            configs.append(DatasetConfig.model_validate(document))
        except ValidationError as exc:
            problems = format_errors(exc, document)
            raise ConfigError([("date" if p == "start" else p, m) for p, m in problems]) from None
    return configs[0], configs[1]
