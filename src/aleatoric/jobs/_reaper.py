"""The reaper loop: runs in the API process and in every worker's main process.

Each pass requeues work whose lease expired (see :mod:`aleatoric.jobs._reap`) and re-sends
messages the broker lost. Several reapers at once are harmless: each change is made under
a row lock after re-checking the lease, and a duplicate message is skipped by its task.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from aleatoric.jobs._reap import mark_dispatched, overdue, reap_expired
from aleatoric.jobs._settings import JobSettings
from aleatoric.jobs._store import JobStore
from aleatoric.jobs._submit import JobQueue

__all__ = ["Reaper"]

log = logging.getLogger(__name__)
#: Most messages re-sent in one pass.
_BATCH = 500


class Reaper:
    """Periodic lease checks for one process (``start``/``stop``, or ``run_once``)."""

    def __init__(
        self, store: JobStore, queue: JobQueue | Callable[[], JobQueue], settings: JobSettings
    ) -> None:
        self.store = store
        self.settings = settings
        self._queue = queue
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def queue(self) -> JobQueue:
        """Return the job queue (built on first use when a factory was given)."""
        if not isinstance(self._queue, JobQueue):
            self._queue = self._queue()
        return self._queue

    def run_once(self) -> dict[str, int]:
        """Run one pass; return how many chunks and finalizers were sent again or given up."""
        s = self.settings
        reaped = reap_expired(self.store, s.lease_seconds, s.max_attempts)
        for job_id, index in reaped.chunks:
            log.warning("chunk %d of job %s: lease expired, sent again", index, job_id)
            self.queue.enqueue_chunk(job_id, index)
        for job_id in reaped.finalizers:
            log.warning("finalizer of job %s: sent again", job_id)
            self.queue.enqueue_finalize(job_id)
        for job_id, index in reaped.dead:
            log.error("chunk %d of job %s: dead-lettered after its lease expired", index, job_id)
        resent = self._resend_lost()
        return {
            "requeued": len(reaped.chunks),
            "finalizers": len(reaped.finalizers),
            "dead": len(reaped.dead),
            "resent": resent,
        }

    def _resend_lost(self) -> int:
        waiting, old = overdue(self.store, self.settings.lease_seconds, _BATCH)
        if not old:
            return 0
        depth = self.queue.depth()
        missing = waiting - depth if depth is not None else 0
        if missing <= 0:
            return 0
        items = old[:missing]
        for job_id, index in items:
            if index < 0:
                self.queue.enqueue_finalize(job_id)
            else:
                self.queue.enqueue_chunk(job_id, index)
        mark_dispatched(self.store, items)
        log.warning("%d message(s) missing from the queue: sent again", len(items))
        return len(items)

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.reap_interval):
            try:
                self.run_once()
            except Exception as exc:  # broker or database down: try again next pass
                log.warning("reaper pass failed: %s: %s", type(exc).__name__, exc)

    def start(self) -> None:
        """Run passes every ``reap_interval`` seconds in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="aleatoric-reaper", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread (waits for a running pass)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
