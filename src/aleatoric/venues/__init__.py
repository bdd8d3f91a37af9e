"""Venue wire formats: encoders from canonical rows to native messages, and decoders back.

One module per venue. An encoder turns a dataset's canonical tables, day by day, into the
messages the venue publishes (key order, decimal strings at the venue's precision, sequence
ids), written as recorder captures. A decoder reads native messages, ours or recorded from
the venue, into canonical rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from aleatoric.venues import binance
from aleatoric.venues._capture import capture_path, read_capture, write_capture
from aleatoric.venues._inputs import NATIVE_TABLES, DayInput, iter_days
from aleatoric.venues._stream import DecodedRows, Messages

__all__ = [
    "NATIVE_TABLES",
    "VENUES",
    "DecodedRows",
    "Encoder",
    "capture_path",
    "encode_dataset",
    "read_capture",
    "write_capture",
]


class Encoder(Protocol):
    """Turns canonical days into native messages; keeps sequence state between days."""

    def encode(self, day: DayInput) -> Messages: ...


class _Venue(Protocol):
    VENUE: str


#: venue name -> (encoder factory, message decoder)
VENUES: dict[str, tuple[Callable[[], Encoder], Callable[[int, str, int, DecodedRows], None]]] = {
    "binance": (binance.BinanceEncoder, binance.decode_message),
}


def encode_dataset(root: Path, out: Path) -> list[Path]:
    """Write native captures of the canonical dataset at ``root`` under ``out``; return them."""
    paths: list[Path] = []
    encoder: Any = None
    for day in iter_days(root):
        venue = day.config.venue
        if venue not in VENUES:
            allowed = ", ".join(VENUES)
            raise ValueError(f"no native format for venue {venue!r}; supported: {allowed}")
        if encoder is None:
            encoder = VENUES[venue][0]()
        messages = encoder.encode(day)
        path = capture_path(out, venue, day.config.symbol, day.day)
        write_capture(path, messages.capture_text())
        paths.append(path)
    return paths
