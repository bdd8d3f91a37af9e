"""Venue wire formats: encoders from canonical rows to native messages, and decoders back.

A venue is a folder ``venues/<name>/``: ``encode.py`` (the encoder class, registered with
:func:`register_venue`), ``decode.py`` (one capture line into canonical rows), ``frames.py``
(the venue's own sequencing rules on raw frames) and, if it has any, ``options.py`` (its
``venue_options`` model). An encoder turns a dataset's canonical tables, day by day, into the
messages the venue publishes (key order, decimal strings at the venue's precision, sequence
ids), written as recorder captures. A decoder reads native messages, ours or recorded from the
venue, into canonical rows. To add a venue, copy ``venues/_template/`` and add its import
below (see docs/venues/adding.md).
"""

from __future__ import annotations

from pathlib import Path

# isort: off
# Importing a venue folder registers it; this order is the order venues are listed in.
from aleatoric.venues import binance, bybit, okx, hyperliquid  # noqa: F401

# isort: on
from aleatoric.config import DatasetConfig
from aleatoric.latency._native import NativeLatency, drops_path, write_drops
from aleatoric.venues._capture import (
    capture_path,
    read_capture,
    write_capture,
    write_capture_blocks,
)
from aleatoric.venues._inputs import NATIVE_TABLES, DayInput, iter_days
from aleatoric.venues._registry import (
    REGISTRY,
    Decoder,
    Encoder,
    VenueSpec,
    register_venue,
    venue_spec,
)
from aleatoric.venues._stream import DecodedRows, Messages

__all__ = [
    "NATIVE_TABLES",
    "REGISTRY",
    "VENUES",
    "DayInput",
    "DecodedRows",
    "Decoder",
    "Encoder",
    "Messages",
    "VenueSpec",
    "capture_path",
    "decoder_for",
    "encode_dataset",
    "encoder_for",
    "read_capture",
    "register_venue",
    "venue_spec",
    "write_capture",
]

#: Venues whose wire format is built in.
VENUES: tuple[str, ...] = tuple(REGISTRY)


def encoder_for(venue: str, config: DatasetConfig | None = None) -> Encoder:
    """Return a fresh encoder for ``venue``, with the options ``config`` selects for it."""
    spec = venue_spec(venue)
    options = getattr(config.venue_options, venue, None) if config is not None else None
    return spec.make_encoder(options)


def decoder_for(venue: str) -> Decoder:
    """Return the message decoder of ``venue``."""
    return venue_spec(venue).decode


def encode_dataset(root: Path, out: Path) -> list[tuple[Path, int]]:
    """Write native captures of the canonical dataset at ``root`` under ``out``.

    Returns each capture file with its number of lines (messages), and with a latency
    overlay each capture's drops table with its number of rows.
    """
    paths: list[tuple[Path, int]] = []
    encoders: dict[tuple[str, str], Encoder] = {}
    connections: dict[tuple[str, str], NativeLatency] = {}
    for day in iter_days(root):
        venue = day.config.venue
        key = (venue, day.config.symbol)
        # One encoder per instrument: sequence ids run per instrument, as at the venue.
        encoder = encoders.get(key)
        if encoder is None:
            encoder = encoders[key] = encoder_for(venue, day.config)
        # A latency overlay redraws receive times and loses messages (the drops table is
        # written next to the capture); the connection carries over days.
        link = connections.setdefault(key, NativeLatency(venue))
        messages, drops = link.apply(day.config, encoder.encode(day))
        path = capture_path(out, venue, day.config.symbol, day.day)
        lines = write_capture_blocks(path, messages.capture_blocks())
        paths.append((path, lines))
        if drops is not None:
            table = drops_path(path)
            paths.append((table, write_drops(table, drops)))
    return paths
