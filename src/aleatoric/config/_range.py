"""The time range a dataset may cover: representable in int64 nanoseconds, bounded in length.

Every timestamp of a dataset is int64 nanoseconds since the Unix epoch, from ``start`` minus
the warm-up to ``start + duration``. A start outside that range used to pass validation and
crash (or hang) generation; a duration of a century planned close to a million segments.
The longest duration is ``ALEATORIC_MAX_DURATION`` (default 366 days), checked wherever a
config is accepted (CLI, HTTP API, MCP), so a deployment can lower or raise it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from aleatoric.config._durations import format_duration, parse_duration_ns

__all__ = [
    "DEFAULT_MAX_DURATION_NS",
    "EARLIEST_START",
    "LATEST_END",
    "MAX_DURATION_ENV",
    "check_end",
    "check_start",
    "max_duration_ns",
]

#: Environment variable holding the longest accepted duration (e.g. "30d").
MAX_DURATION_ENV = "ALEATORIC_MAX_DURATION"
DEFAULT_MAX_DURATION_NS = 366 * 86_400 * 1_000_000_000
#: The earliest start: the epoch plus the longest warm-up (timestamps stay non-negative).
EARLIEST_START = datetime(1970, 1, 1, 1, 0, tzinfo=UTC)
#: The latest end: a day before int64 nanoseconds run out (2262-04-11T23:47:16Z), leaving
#: room for latency and funding times after the last event.
LATEST_END = datetime(2262, 4, 10, 0, 0, tzinfo=UTC)


def _iso(value: datetime) -> str:
    value = value.astimezone(UTC)
    return f"{value.year:04d}{value.strftime('-%m-%dT%H:%M:%SZ')}"


def max_duration_ns() -> int:
    """Return the longest accepted duration in nanoseconds (``ALEATORIC_MAX_DURATION``)."""
    raw = os.environ.get(MAX_DURATION_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_DURATION_NS
    try:
        value = parse_duration_ns(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"{MAX_DURATION_ENV} must be a positive duration such as 30d, was {raw!r}")
    return value


def check_start(value: datetime) -> None:
    """Raise ValueError unless ``value`` lies in the representable range."""
    if not EARLIEST_START <= value < LATEST_END:
        raise ValueError(
            f"must be between {_iso(EARLIEST_START)} and {_iso(LATEST_END)} (int64 "
            f"nanoseconds since the epoch, with room for the warm-up), was {_iso(value)}"
        )


def check_end(start: datetime | None, duration_ns: int) -> None:
    """Raise ValueError when ``duration_ns`` exceeds the maximum or ends out of range."""
    limit = max_duration_ns()
    if duration_ns > limit:
        raise ValueError(
            f"must be at most {format_duration(limit)} ({MAX_DURATION_ENV}), "
            f"was {format_duration(duration_ns)}"
        )
    if start is None:
        return
    end_ns = int(start.timestamp()) * 1_000_000_000 + duration_ns
    latest_ns = int(LATEST_END.timestamp()) * 1_000_000_000
    if end_ns > latest_ns:
        raise ValueError(
            f"ends after {_iso(LATEST_END)}, the last time representable in int64 "
            f"nanoseconds (start {_iso(start)}), was {format_duration(duration_ns)}"
        )
