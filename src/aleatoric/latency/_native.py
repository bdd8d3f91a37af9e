"""Latency overlays on native captures: model receive times, one ordered connection.

A venue encoder stamps each message with its send time plus the config's constant latency.
Inside a latency window, the send time gets a delay drawn from the ``LATENCY_NATIVE`` stream
instead, and receive times are made non-decreasing in send order (one TCP or WebSocket
connection per capture delivers in order: a slow message holds back the ones behind it).
The floor carries from one day's capture to the next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from aleatoric._seeding import Stream
from aleatoric.latency._apply import latency_windows, receive_times
from aleatoric.venues._stream import Messages

if TYPE_CHECKING:
    from aleatoric.config import DatasetConfig

__all__ = ["retime_messages"]


def retime_messages(config: DatasetConfig, messages: Messages, floor: int) -> tuple[Messages, int]:
    """Return the messages with model receive times, and the new floor for the next day.

    Without a latency overlay the messages come back unchanged.
    """
    if not latency_windows(config) or not len(messages):
        return messages, floor
    local, texts = messages.ordered()
    sent = np.asarray(local, dtype=np.int64) - config.latency
    recv = receive_times(config, sent, Stream.LATENCY_NATIVE)
    recv[0] = max(int(recv[0]), floor)
    recv = np.maximum.accumulate(recv)
    out = Messages()
    out.add(recv, texts, priority=0)
    return out, int(recv[-1])
