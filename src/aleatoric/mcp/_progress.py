"""Run blocking library calls in a worker thread and relay their progress to the client.

The library reports progress from the thread that does the work; MCP progress notifications
must be sent from the event loop. The worker only stores its latest progress under a lock
(it never waits for the loop); a task on the loop sends that value at a fixed interval, so a
fast producer is throttled and a slow client cannot stall the generation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import anyio.to_thread

__all__ = ["ProgressSink", "Reporter", "run_with_progress"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
#: Called by the worker thread: ``sink(progress, total, message)``; never blocks.
ProgressSink = Callable[[float, float | None, str], None]
#: Sends one notification from the event loop, e.g. ``ctx.report_progress``.
Reporter = Callable[[float, float | None, str | None], Awaitable[None]]

_Item = tuple[float, float | None, str]


class _Latest:
    # The most recent progress the worker reported, replaced on every update.
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item: _Item | None = None

    def put(self, progress: float, total: float | None, message: str) -> None:
        with self._lock:
            self._item = (progress, total, message)

    def take(self) -> _Item | None:
        with self._lock:
            item, self._item = self._item, None
        return item


async def run_with_progress(
    fn: Callable[[ProgressSink], T],
    report: Reporter,
    *,
    interval: float = 0.25,
    heartbeat: str | None = None,
) -> T:
    """Return ``fn(sink)`` run in a worker thread, relaying what it puts in ``sink``.

    Parameters
    ----------
    fn
        The blocking work; it may call ``sink(progress, total, message)`` from its thread.
    report
        Sends one progress notification (``ctx.report_progress``). Only increasing progress
        values above 0 are sent (the caller reports 0 before the work starts); a failing send
        stops the relay, never the work.
    interval
        Seconds between two notifications.
    heartbeat
        For work that reports nothing itself: send the seconds elapsed as progress (no
        total) with this message, so the client sees the call is alive.
    """
    latest = _Latest()
    started = time.monotonic()
    sent = 0.0  # callers report 0 themselves, before the work starts
    broken = False

    async def forward() -> None:
        nonlocal sent, broken
        item = latest.take()
        if item is None and heartbeat is not None:
            elapsed = round(time.monotonic() - started, 3)
            item = (elapsed, None, f"{heartbeat} ({elapsed:.0f} s)")
        if item is None or item[0] <= sent or broken:
            return
        sent = item[0]
        try:
            await report(*item)
        except Exception as exc:
            broken = True
            logger.info("progress notifications stopped: %r", str(exc))

    async def pump() -> None:
        while True:
            await anyio.sleep(interval)
            await forward()

    # The work's own exception is raised after the task group, not wrapped in a group.
    failure: Exception | None = None
    async with anyio.create_task_group() as tg:
        tg.start_soon(pump)
        try:
            result = await anyio.to_thread.run_sync(fn, latest.put)
        except Exception as exc:
            failure = exc
        finally:
            tg.cancel_scope.cancel()
    if failure is not None:
        raise failure
    await forward()
    return result
