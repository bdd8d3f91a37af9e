"""Venue wire formats: encoders from canonical rows to native messages, and decoders back.

One module per venue. An encoder turns a dataset's canonical tables, day by day, into the
messages the venue publishes (key order, decimal strings at the venue's precision, sequence
ids), written as recorder captures. A decoder reads native messages, ours or recorded from
the venue, into canonical rows.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from aleatoric.config import DatasetConfig
from aleatoric.venues._capture import capture_path, read_capture, write_capture
from aleatoric.venues._inputs import NATIVE_TABLES, DayInput, iter_days
from aleatoric.venues._stream import DecodedRows, Messages

__all__ = [
    "NATIVE_TABLES",
    "VENUES",
    "VENUE_MODULES",
    "DecodedRows",
    "Decoder",
    "Encoder",
    "capture_path",
    "decoder_for",
    "encode_dataset",
    "encoder_for",
    "read_capture",
    "write_capture",
]


class Encoder(Protocol):
    """Turns canonical days into native messages; keeps sequence state between days."""

    def encode(self, day: DayInput) -> Messages: ...


Decoder = Callable[[int, str, int, DecodedRows], None]

#: Venue name -> module. A venue module defines ``Encoder`` (a class with ``encode(day)``)
#: and ``decode_message(local_ns, text, line_no, rows)``; adding a venue touches only this.
VENUE_MODULES: dict[str, str] = {
    "binance": "aleatoric.venues.binance",
    "bybit": "aleatoric.venues.bybit",
    "okx": "aleatoric.venues.okx",
    "hyperliquid": "aleatoric.venues.hyperliquid",
}


def _module(venue: str) -> Any:
    if venue not in VENUE_MODULES:
        raise ValueError(f"no native format for venue {venue!r}; supported: {', '.join(VENUES)}")
    try:
        return importlib.import_module(VENUE_MODULES[venue])
    except ModuleNotFoundError:
        raise ValueError(
            f"no native format for venue {venue!r} yet; supported: {', '.join(VENUES)}"
        ) from None


def _available() -> tuple[str, ...]:
    return tuple(v for v, m in VENUE_MODULES.items() if importlib.util.find_spec(m) is not None)


#: Venues whose wire format is implemented.
VENUES: tuple[str, ...] = _available()


def encoder_for(venue: str, config: DatasetConfig | None = None) -> Encoder:
    """Return a fresh encoder for ``venue``, with the format options ``config`` selects."""
    options: dict[str, Any] = {}
    if venue == "okx" and config is not None and config.okx_checksum:
        options["checksum"] = True
    encoder: Encoder = _module(venue).Encoder(**options)
    return encoder


def decoder_for(venue: str) -> Decoder:
    """Return the message decoder of ``venue``."""
    decoder: Decoder = _module(venue).decode_message
    return decoder


def encode_dataset(root: Path, out: Path) -> list[tuple[Path, int]]:
    """Write native captures of the canonical dataset at ``root`` under ``out``.

    Returns each capture file with its number of lines (messages).
    """
    paths: list[tuple[Path, int]] = []
    encoders: dict[tuple[str, str], Encoder] = {}
    for day in iter_days(root):
        venue = day.config.venue
        # One encoder per instrument: sequence ids run per instrument, as at the venue.
        encoder = encoders.get((venue, day.config.symbol))
        if encoder is None:
            encoder = encoders[venue, day.config.symbol] = encoder_for(venue, day.config)
        messages = encoder.encode(day)
        path = capture_path(out, venue, day.config.symbol, day.day)
        lines = write_capture(path, messages.capture_text())
        paths.append((path, lines))
    return paths
