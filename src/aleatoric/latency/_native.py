"""Latency overlays on native captures: model receive times, losses, one ordered connection.

A venue encoder stamps each message with its send time plus the config's constant latency.
Inside a latency window, the send time gets a delay drawn from the ``LATENCY_NATIVE`` stream
instead, and receive times are made non-decreasing in send order (one TCP or WebSocket
connection per capture delivers in order: a slow message holds back the ones behind it).
Messages are then lost by the model's Gilbert-Elliott chain, with the venue's resync after
a lost book message (:mod:`aleatoric.latency._loss`). The receive-time floor and the
venue's book carry from one day's capture to the next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from aleatoric._seeding import Stream, instrument_key
from aleatoric.latency._apply import latency_windows, receive_times
from aleatoric.latency._loss import Drops, Resync, lose_messages, resync_for
from aleatoric.venues._stream import Messages

if TYPE_CHECKING:
    from aleatoric.config import DatasetConfig

__all__ = ["NativeLatency", "drops_path", "write_drops"]

#: Suffix of the drops table written next to a capture (``btcusdt_20260101.drops.parquet``).
DROPS_SUFFIX = ".drops.parquet"


def drops_path(capture: Path) -> Path:
    """Return the drops table of a capture file."""
    return capture.with_name(capture.name.removesuffix(".gz") + DROPS_SUFFIX)


@dataclass
class NativeLatency:
    """One instrument's connection across its daily captures."""

    venue: str
    floor: int = 0
    resync: Resync | None = field(default=None)

    def apply(self, config: DatasetConfig, messages: Messages) -> tuple[Messages, Drops | None]:
        """Return the messages as received (times, losses, resyncs) and the drops.

        Without a latency overlay or a venue outage the messages come back unchanged and
        there are no drops.
        """
        windows = latency_windows(config)
        outages = [config.overlay_window(o) for o in config.overlays if o.kind == "venue-outage"]
        if not windows and not outages:
            return messages, None
        if self.resync is None:
            self.resync = resync_for(self.venue)
        if not len(messages):
            return messages, Drops()
        local, texts = messages.ordered()
        sent = np.asarray(local, dtype=np.int64) - config.latency
        recv = receive_times(config, sent, Stream.LATENCY_NATIVE)
        recv[0] = max(int(recv[0]), self.floor)
        recv = np.maximum.accumulate(recv)
        self.floor = int(recv[-1])
        kept_local, kept, drops = lose_messages(
            windows, sent, recv, texts, self.resync, seed=config.seed,
            instrument=instrument_key(config.venue, config.symbol),
            origin_ns=config.start_ns, end_ns=config.end_ns, outages=outages,
        )  # fmt: skip
        drops.outages = sorted(outages)
        out = Messages()
        out.add(kept_local, kept, priority=0)
        return out, drops


_SCHEMA = pa.schema([
    ("position", pa.uint64()), ("sent_ns", pa.int64()), ("recv_ns", pa.int64()),
    ("message", pa.string()),
])  # fmt: skip


def write_drops(path: Path, drops: Drops) -> int:
    """Write the drops table (one row per lost message); return its row count.

    The schema metadata holds the capture's message count before losses (``messages``) and
    the resyncs written (``resyncs``), so a loss chain can be fitted from the table alone,
    and with a venue outage its windows (``outages``, JSON ``[[lo, hi], ...]`` in ns), so
    ``check`` can accept the gap (:mod:`aleatoric.venues._gaps`).
    """
    meta = {b"messages": str(drops.messages).encode(), b"resyncs": str(drops.resyncs).encode()}
    if drops.outages:  # only then: drops tables of latency losses keep their bytes
        meta[b"outages"] = json.dumps([list(w) for w in drops.outages]).encode()
    table = pa.table(
        {"position": pa.array(drops.position, pa.uint64()),
         "sent_ns": pa.array(drops.sent_ns, pa.int64()),
         "recv_ns": pa.array(drops.recv_ns, pa.int64()),
         "message": pa.array(drops.text, pa.string())},
        schema=_SCHEMA.with_metadata(meta),
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return int(table.num_rows)
