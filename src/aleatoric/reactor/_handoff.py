"""Hand a finished warm-up from one segment to the next one simulated in the same process.

Every segment ends by running the next segment's warm-up (to reconcile the boundary), and
the next segment starts by running that very warm-up again: the same minute blocks, the same
flow, from the same empty book. When one process simulates segments in order (one worker,
the benchmarks), the second run is skipped: the first keeps its warm-up book, the ticker
samples it recorded and its minute blocks' flow in a single slot, and the next segment takes
them. Taking the slot or recomputing it gives the same book, so a segment's bytes never
depend on whether it found one; ``simulate_segment`` stays a function of its arguments.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric.reactor._flow import Flow
from aleatoric.reactor._kernels._bundles import Book

__all__ = ["WarmStart", "offer", "take"]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class WarmStart:
    """A segment's warm-up, finished: the book, its ticker samples, the blocks' flow."""

    book: Book
    flows: tuple[Flow, ...]
    tick_bid: I64
    tick_ask: I64
    tick_last: I64


_LOCK = threading.Lock()
#: At most one warm-up, keyed by (config JSON, index of the segment it starts).
_SLOT: dict[tuple[str, int], WarmStart] = {}


def offer(config_key: str, index: int, warm: WarmStart) -> None:
    """Keep ``warm`` for segment ``index`` of the config, replacing any other warm-up."""
    with _LOCK:
        _SLOT.clear()
        _SLOT[(config_key, index)] = warm


def take(config_key: str, index: int) -> WarmStart | None:
    """Return (and forget) the warm-up kept for segment ``index``, or None."""
    with _LOCK:
        return _SLOT.pop((config_key, index), None)
