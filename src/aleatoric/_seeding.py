"""Keyed random streams: one seed, one independent Generator per (instrument, stream, block).

Modelled on NumPy's layering: a :class:`~numpy.random.SeedSequence` holds the entropy and an
addressable ``spawn_key``; a counter-based :class:`~numpy.random.Philox` bit generator holds the
state; a :class:`~numpy.random.Generator` draws. Because a stream is addressed by its key, the
generator for block ``b`` is built directly, without drawing blocks ``0..b-1``: that is what
makes output independent of how work is split across processes. The global NumPy RNG and
Python's ``random`` are never used.
"""

from __future__ import annotations

import hashlib
from enum import IntEnum

import numpy as np

__all__ = ["Stream", "asset_key", "factor_key", "instrument_key", "stream_rng"]

#: Added to block indices so that warm-up blocks before the dataset start stay non-negative.
BLOCK_OFFSET = 1 << 20


class Stream(IntEnum):
    """Purpose of a random stream; part of every key. Values are frozen: they shape output."""

    SKELETON = 1  #: per day: volatility, returns, jumps, basis, open interest
    BRIDGE = 2  #: per minute: the latent price between minute endpoints
    FLOW = 3  #: per minute: order arrivals, sizes, lifetimes, requotes
    LATENCY = 4  #: per minute: receive delays of canonical rows (latency overlays)
    LATENCY_NATIVE = 5  #: per minute: receive delays and losses of native capture messages
    ORDER_ENTRY = 6  #: per minute: order entry delays (order-latency files)
    ORDER_RESPONSE = 7  #: per minute: order response delays (order-latency files)
    LOSS = 8  #: per minute: message losses of native captures (latency overlays)
    BASKET_FACTOR = 9  #: per day: a shared factor of a basket (market returns, common jumps)
    BASKET_ASSET = 10  #: per day: one asset's own draws in a basket (idiosyncratic part)
    SCENARIO = 11  #: per scenario window (its first minute): the shape of a stress scenario
    MARKET = 12  #: per day: the skeleton's shared market draws (volatility, factor, jumps)
    ASSET = 13  #: per day: the skeleton's draws of one asset (own returns, jumps, basis)
    VENUE = 14  #: per day: one instrument's premium over its asset's efficient price


def instrument_key(venue: str, symbol: str) -> int:
    """Return a stable 32-bit key for an instrument (SHA-256, never Python's ``hash``)."""
    digest = hashlib.sha256(f"{venue}:{symbol}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def asset_key(base: str) -> int:
    """Return a stable 32-bit key for a base asset (one efficient price across its venues)."""
    return instrument_key("asset", base)


def factor_key(name: str) -> int:
    """Return a stable 32-bit key for a shared factor of a basket (``"market"``)."""
    return instrument_key("factor", name)


def stream_rng(seed: int, instrument: int, stream: Stream, block: int) -> np.random.Generator:
    """Return the Generator for one block of one stream; ``block`` may be negative."""
    key = (instrument, int(stream), block + BLOCK_OFFSET)
    return np.random.Generator(np.random.Philox(np.random.SeedSequence(seed, spawn_key=key)))
