"""Run the kernels over a futures contract's sessions only (see ``_futures.py``).

Each session starts from an empty book at its build time (the pre-open, or the run's first
step) using only the minute blocks from then on, so every segment that simulates a session
simulates the same one, and the warm-up replay stays exact. The pre-open runs silently (no
rows); at the open the book is published as a snapshot (adds flagged ``F_SNAPSHOT``, one
message) and rows flow; at the close every resting order is cancelled (one message at the
close instant) and the book is dropped. Nothing runs between sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from aleatoric.reactor._flow import STEP_NS
from aleatoric.reactor._futures import Session
from aleatoric.reactor._kernels._bundles import INF, Book, Markers
from aleatoric.reactor._state import LiveOrders, empty_book, live_orders

__all__ = ["GatedRunner", "run_sessions"]

I64 = npt.NDArray[np.int64]
_NONE = np.zeros(0, dtype=np.int64)
_NO_LEVELS = np.zeros((2, 1, 0), dtype=np.int64)  # [side, level, snapshot]: none
EMPTY = LiveOrders(id=_NONE, side=np.zeros(0, dtype=np.int8), price=_NONE, size=_NONE)


class GatedRunner(Protocol):
    """What :func:`run_sessions` needs of the driver's runner."""

    inputs: Any
    book: Book
    markers: Markers

    def run(self, s_begin: int, s_end: int) -> None: ...

    def append(self, rows: I64) -> None: ...


def _silent(t0: int) -> Markers:
    return Markers(
        emit_from=int(INF), snap_dt=0, snap_px=_NO_LEVELS, snap_sz=_NO_LEVELS.copy(),
        tick_t0=t0, tick_dt=0, tick_bid=_NONE, tick_ask=_NONE, tick_last=_NONE, fund_t=_NONE,
    )  # fmt: skip


def run_sessions(
    runner: GatedRunner,
    sessions: tuple[Session, ...],
    *,
    slice_from: Callable[[int], Any],
    emit: tuple[int, int] | None,
    snapshot_at_start: bool,
    snapshot_rows: Callable[[LiveOrders, int], I64],
    clear_rows: Callable[[LiveOrders, LiveOrders, int], I64],
    run_end: int,
) -> None:
    """Run ``runner`` over ``sessions`` up to ``run_end``; leave the final book in it.

    ``slice_from(ns)`` returns the inputs from a whole minute on; ``emit`` is the segment's
    ``[start, end)`` (``None``: a silent warm-up run); ``snapshot_at_start`` publishes the book
    at ``start`` when a session is open then (the dataset's first segment).
    """
    normal = runner.markers
    for s in sessions:
        inputs = slice_from(s.build)
        steps = inputs.steps
        runner.inputs = inputs
        runner.book = empty_book(int(steps.fair[0]))

        def step(t: int, t0: int = int(steps.t0)) -> int:
            return (min(t, run_end) - t0) // STEP_NS

        opened = max(s.open, s.build)  # a session open before the run starts at its start
        if s.open > s.build:
            runner.markers = _silent(int(steps.t0))
            runner.run(0, step(s.open))
            runner.markers = normal
        if s.open >= run_end:
            break
        if emit is not None:
            start, end = emit
            if start <= s.open < end:
                runner.append(snapshot_rows(live_orders(runner.book), s.open))
            elif snapshot_at_start and s.open < start < min(s.close, run_end):
                runner.run(step(opened), step(start))
                runner.append(snapshot_rows(live_orders(runner.book), start))
                opened = start
        runner.run(step(opened), step(s.close))
        if s.close < run_end:
            if emit is not None and emit[0] <= s.close < emit[1]:
                runner.append(clear_rows(live_orders(runner.book), EMPTY, s.close))
            runner.book = empty_book(int(steps.fair[min(step(s.close), steps.fair.size - 1)]))
