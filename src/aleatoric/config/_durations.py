"""Parse human durations ("100ms", "1h30m", "PT1H", 3600) into integer nanoseconds."""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["format_duration", "parse_duration_ns"]

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "min": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|min|s|m|h|d)")
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration_ns(value: object) -> int:
    """Return a duration in integer nanoseconds.

    Accepts compact strings (``"100ms"``, ``"1h30m"``, ``"2d"``), ISO 8601 (``"PT1H"``),
    :class:`datetime.timedelta`, or a number of seconds.
    """
    if isinstance(value, timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1_000
    if isinstance(value, bool):
        raise ValueError("a duration such as '1h', '30m', '100ms' or 'PT1H', was a boolean")
    if isinstance(value, int | float):
        return round(value * 1_000_000_000)
    if not isinstance(value, str):
        raise ValueError(f"a duration such as '1h', '30m', '100ms' or 'PT1H', was {value!r}")
    text = value.strip()
    sign = 1
    if text.startswith("-"):
        sign, text = -1, text[1:]
    iso = _ISO.match(text.upper())
    if iso and text.upper() != "P":
        days, hours, minutes, seconds = iso.groups()
        total = (
            int(days or 0) * _UNITS_NS["d"]
            + int(hours or 0) * _UNITS_NS["h"]
            + int(minutes or 0) * _UNITS_NS["m"]
            + round(float(seconds or 0) * 1e9)
        )
        return sign * total
    pos, total = 0, 0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        total += round(float(match.group(1)) * _UNITS_NS[match.group(2)])
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f"a duration such as '1h', '30m', '100ms' or 'PT1H', was {value!r}")
    return sign * total


def format_duration(ns: int) -> str:
    """Return the shortest compact string for a duration in nanoseconds (``"1h30m"``)."""
    if ns == 0:
        return "0s"
    out = []
    rest = ns
    for unit in ("d", "h", "m", "s", "ms", "us", "ns"):
        size = _UNITS_NS[unit]
        if rest >= size:
            out.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(out)
