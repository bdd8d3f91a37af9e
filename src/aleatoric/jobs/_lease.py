"""A worker's heartbeat: renew the lease of the chunk or finalizer it runs.

The heartbeat is a thread of the process that does the work, so it stops when that process
dies (kill -9, out of memory, Celery's hard time limit): the lease then runs out and the
reaper hands the work to another worker. When a renewal finds that the attempt no longer
holds the work (the reaper gave it away), :attr:`Heartbeat.lost` tells the worker to stop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

__all__ = ["Heartbeat"]

log = logging.getLogger(__name__)


class Heartbeat:
    """Call ``renew()`` every ``lease / 3`` seconds while the ``with`` block runs.

    ``renew`` returns False when the lease is gone for good; errors (the job store briefly
    unreachable) are logged and retried at the next beat.
    """

    def __init__(self, renew: Callable[[], bool], lease: float, what: str) -> None:
        self._renew = renew
        self._interval = max(lease / 3.0, 0.05)
        self._what = what
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat {what}", daemon=True)

    @property
    def lost(self) -> bool:
        """Return True once the lease was found taken by another attempt."""
        return self._lost.is_set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                if not self._renew():
                    log.warning("%s: the lease was taken over; stopping", self._what)
                    self._lost.set()
                    return
            except Exception as exc:  # the next beat tries again
                log.warning("%s: renewing the lease failed: %s", self._what, exc)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
