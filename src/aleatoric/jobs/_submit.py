"""Accept a job: record it, then enqueue one task per chunk."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

from celery import Celery

from aleatoric._generate import OutputFormat
from aleatoric.config import DatasetConfig
from aleatoric.errors import QueueUnavailableError
from aleatoric.jobs._plan import plan_chunks
from aleatoric.jobs._records import Job
from aleatoric.jobs._settings import JobSettings
from aleatoric.jobs._store import JobStore
from aleatoric.jobs._tasks import CHUNK_TASK, FINALIZE_TASK

__all__ = ["JobQueue", "QueueUnavailableError", "submit_job"]


class JobQueue:
    """Sends chunk and finalizer tasks to the configured queue."""

    def __init__(self, app: Celery, settings: JobSettings) -> None:
        self.app = app
        self.settings = settings

    def enqueue_chunk(self, job_id: str, index: int) -> None:
        """Enqueue chunk ``index`` of ``job_id``."""
        self.app.send_task(CHUNK_TASK, args=[job_id, index], queue=self.settings.queue)

    def enqueue_finalize(self, job_id: str) -> None:
        """Enqueue the finalizer of ``job_id``."""
        self.app.send_task(FINALIZE_TASK, args=[job_id], queue=self.settings.queue)

    def depth(self) -> int | None:
        """Return how many messages wait in the queue (not those held by workers), 0 when
        the queue does not exist, None when the broker cannot tell."""
        try:
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1)
                channel: Any = conn.channel()
                try:
                    ok = channel.queue_declare(queue=self.settings.queue, passive=True)
                except Exception as exc:
                    if "NOT_FOUND" in str(exc) or getattr(exc, "code", None) == 404:
                        return 0
                    raise
                finally:
                    with contextlib.suppress(Exception):
                        channel.close()
                return int(ok.message_count)
        except Exception:
            return None


def submit_job(
    store: JobStore,
    queue: JobQueue,
    config: DatasetConfig,
    *,
    formats: Sequence[OutputFormat],
    segments: tuple[int, int],
    partial: bool,
    chunk_segments: int,
) -> Job:
    """Record a job over ``segments`` (half-open) and enqueue its chunks.

    ``partial`` jobs only fill the cache (a client downloads the segments); the others end
    with a finalizer that publishes the dataset.

    Raises
    ------
    QueueUnavailableError
        If the broker refused a task; the job is then failed and its other chunks cancelled.
    """
    job_id = uuid.uuid4().hex
    chunks = plan_chunks(segments[0], segments[1], chunk_segments)
    job = store.create_job(
        job_id,
        config_json=config.model_dump_json(),
        formats=formats,
        seg_start=segments[0],
        seg_stop=segments[1],
        partial=partial,
        chunks=chunks,
    )
    try:
        for index in range(len(chunks)):
            queue.enqueue_chunk(job_id, index)
    except Exception as exc:
        store.job_failed(job_id, f"the job queue is unavailable: {type(exc).__name__}: {exc}")
        raise QueueUnavailableError(str(exc)) from exc
    return job
