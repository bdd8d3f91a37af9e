"""Receive times of a dataset's rows: the constant ``latency``, or a latency overlay's model.

Used by the canonical sinks; the draws come from the ``LATENCY`` stream keyed by the
instrument and the minute, so they never touch the market-data streams.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, instrument_key
from aleatoric.latency._model import LatencyModel
from aleatoric.latency._sample import sample_latency_ns

if TYPE_CHECKING:
    from aleatoric.config import DatasetConfig

__all__ = ["latency_windows", "receive_times"]

I64 = npt.NDArray[np.int64]


def latency_windows(config: DatasetConfig) -> list[tuple[LatencyModel, int, int]]:
    """Return ``(model, start_ns, end_ns)`` of every latency overlay of ``config``."""
    out = []
    for overlay in config.overlays:
        if overlay.kind == "latency":
            lo, hi = config.overlay_window(overlay)
            out.append((overlay.latency_model(), lo, hi))
    return out


def receive_times(config: DatasetConfig, ts: I64, stream: Stream = Stream.LATENCY) -> I64:
    """Return ``ts_recv`` for the exchange times ``ts`` of one instrument's rows.

    Outside every latency window (and without any) it is ``ts + config.latency``, exactly as
    before latency models existed.
    """
    recv = ts + config.latency
    windows = latency_windows(config)
    if not windows:
        return recv
    key = instrument_key(config.venue, config.symbol)
    for model, lo, hi in windows:
        # A window that runs to the dataset's end also takes what is sent at that instant
        # (the last depth window of a native capture closes there).
        inside = (ts >= lo) & ((ts < hi) | (hi >= config.end_ns))
        if inside.any():
            t = ts[inside]
            recv[inside] = t + sample_latency_ns(
                model, t, seed=config.seed, instrument=key, stream=stream,
                origin_ns=config.start_ns,
            )  # fmt: skip
    return recv
