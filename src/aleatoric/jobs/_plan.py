"""Cut a job into whole-segment chunks and check what a job may ask for."""

from __future__ import annotations

from collections.abc import Sequence

from aleatoric._generate import OutputFormat
from aleatoric.config import ConfigError, DatasetConfig
from aleatoric.reactor import segment_count

__all__ = [
    "FORMATS",
    "check_formats",
    "check_segment_range",
    "normalize_formats",
    "plan_chunks",
]

#: Output formats a job may ask for.
FORMATS: tuple[OutputFormat, ...] = ("parquet", "native")


def plan_chunks(seg_start: int, seg_stop: int, chunk_segments: int) -> list[tuple[int, int]]:
    """Return ``[(start, stop), ...]``: ``[seg_start, seg_stop)`` cut into chunks.

    Every chunk but the last has ``chunk_segments`` segments. The cut never changes the
    output: each segment is a pure function of the config and its index.
    """
    if chunk_segments < 1:
        raise ValueError(f"chunk_segments must be at least 1, was {chunk_segments}")
    return [
        (a, min(a + chunk_segments, seg_stop)) for a in range(seg_start, seg_stop, chunk_segments)
    ]


def normalize_formats(formats: Sequence[str]) -> tuple[OutputFormat, ...]:
    """Return the known formats among ``formats``, in canonical order."""
    return tuple(f for f in FORMATS if f in formats)


def check_formats(config: DatasetConfig, formats: Sequence[str]) -> tuple[OutputFormat, ...]:
    """Return ``formats`` if the config can be written in them; else raise ConfigError."""
    from aleatoric._generate import _check_formats

    if not formats:
        raise ConfigError([("formats", "at least one of parquet, native")])
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError([("formats", f"unknown {unknown!r}; allowed: parquet, native")])
    try:
        _check_formats(config, formats)
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise ConfigError([(field if message else "formats", message or str(exc))]) from None
    return normalize_formats(formats)


def check_segment_range(
    config: DatasetConfig, start: int | None, stop: int | None, limit: int
) -> tuple[int, int]:
    """Return the half-open segment range ``[start, stop)`` of a job; ConfigError if invalid."""
    n = segment_count(config)
    a = 0 if start is None else start
    b = n if stop is None else stop
    errors: list[tuple[str, str]] = []
    if not 0 <= a < n:
        errors.append(("segments.start", f"must be in 0..{n - 1} (the config has {n} segments)"))
    if not a < b <= n:
        errors.append(("segments.stop", f"must be in {a + 1}..{n} (exclusive end)"))
    if not errors and b - a > limit:
        errors.append(("segments", f"at most {limit} segments per job, was {b - a}"))
    if errors:
        raise ConfigError(errors)
    return a, b
