"""The two task kinds: compute a chunk of segments into the cache, publish a dataset.

Both are idempotent. A chunk only ever writes content-addressed cache entries, so a retried
or duplicated chunk writes the same bytes; the finalizer writes the dataset to a temporary
directory and renames it into place, and stops early when the dataset is already there.
Attempts are counted in the job records, not by the broker, so a chunk that keeps killing
its worker is dead-lettered like one that keeps raising.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from celery import Celery, Task

from aleatoric._generate import OutputExistsError, compute_segments, generate
from aleatoric.cache import CacheStore
from aleatoric.config import DatasetConfig
from aleatoric.dataset import MANIFEST_NAME, read_manifest
from aleatoric.jobs._lease import Heartbeat
from aleatoric.jobs._plan import normalize_formats
from aleatoric.jobs._records import State
from aleatoric.jobs._settings import JobSettings
from aleatoric.jobs._store import JobStore, process_owner

__all__ = [
    "CHUNK_TASK",
    "FINALIZE_TASK",
    "Runtime",
    "execute_chunk",
    "execute_finalize",
    "register_tasks",
]

CHUNK_TASK = "aleatoric.jobs.chunk"
FINALIZE_TASK = "aleatoric.jobs.finalize"

#: ``retry(delay_seconds, exc)``: schedule the task again and stop this run (never returns).
Retry = Callable[[float, Exception], NoReturn]
#: ``send(task_name, args)``: enqueue a task on the job queue.
Send = Callable[[str, list[Any]], None]


@dataclass
class Runtime:
    """What tasks need: settings, the job records and the artifact store."""

    settings: JobSettings
    store: JobStore = field(init=False)
    cache: CacheStore = field(init=False)

    def __post_init__(self) -> None:
        self.store = JobStore(self.settings.effective_database_url, self.settings.database_schema)
        self.cache = CacheStore(self.settings.cache_dir)

    def dataset_dir(self, job_id: str) -> Path:
        """Return where the dataset of ``job_id`` is published."""
        return self.settings.datasets_dir / job_id


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _hang() -> None:
    # Test hook: deaf to the soft time limit (SIGUSR1), as native code holding the GIL is.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    while True:
        time.sleep(3600)


def execute_chunk(rt: Runtime, job_id: str, index: int, retry: Retry, send: Send) -> dict[str, Any]:
    """Run one delivery of chunk ``index`` of ``job_id``; return what happened."""
    s = rt.settings
    lease = s.lease_seconds
    decision = rt.store.start_chunk(
        job_id, index, s.max_attempts, lease=lease, owner=process_owner()
    )
    outcome: dict[str, Any] = {"job": job_id, "chunk": index, "action": decision.action}
    if decision.action == "done":
        # A duplicate delivery: re-check the entries (recomputing only what the cache lost,
        # byte for byte the same) and make sure the job moves on.
        job = rt.store.get_job(job_id)
        if job is not None:
            chunk = job.chunks[index]
            config = DatasetConfig.model_validate_json(job.config_json)
            compute_segments(config, range(chunk.seg_start, chunk.seg_stop), rt.cache)
        _maybe_finalize(rt, job_id, send)
        return outcome
    if decision.action != "run":
        return outcome
    assert decision.job is not None and decision.chunk is not None
    chunk = decision.chunk
    attempt = decision.attempt
    config = DatasetConfig.model_validate_json(decision.job.config_json)
    beat = Heartbeat(
        lambda: rt.store.renew_lease(job_id, index, attempt, lease),
        lease,
        f"chunk {index} of job {job_id}",
    )
    try:
        with beat:
            for done, segment in enumerate(range(chunk.seg_start, chunk.seg_stop)):
                if beat.lost:
                    return {**outcome, "action": "superseded"}
                if rt.store.job_state(job_id) is State.FAILED:
                    rt.store.chunk_cancelled(job_id, index)
                    return {**outcome, "action": "cancelled"}
                if s.test_chunk_delay:
                    time.sleep(s.test_chunk_delay)
                if s.injected_failure(config.seed, segment):
                    raise RuntimeError(f"injected failure in segment {segment} (test hook)")
                if s.injected_hang(config.seed, segment):
                    _hang()
                compute_segments(config, [segment], rt.cache)
                rt.store.chunk_progress(job_id, index, done + 1)
    except Exception as exc:
        if attempt >= s.max_attempts:
            rt.store.chunk_dead(job_id, index, f"failed {attempt} times; last error: {_error(exc)}")
            return {**outcome, "action": "dead"}
        delay = s.retry_delay(attempt)
        rt.store.chunk_retry(job_id, index, _error(exc), delay)
        retry(delay, exc)
    rt.store.chunk_succeeded(job_id, index)
    _maybe_finalize(rt, job_id, send)
    return {**outcome, "action": "succeeded"}


def _maybe_finalize(rt: Runtime, job_id: str, send: Send) -> None:
    if rt.store.ready_to_finalize(job_id):
        send(FINALIZE_TASK, [job_id])


def execute_finalize(rt: Runtime, job_id: str, retry: Retry) -> dict[str, Any]:
    """Publish the dataset of a job whose chunks all succeeded (idempotent)."""
    s = rt.settings
    lease = s.lease_seconds
    action, attempt = rt.store.start_finalize(job_id, s.max_attempts, lease=lease)
    if action != "run":
        return {"job": job_id, "action": action}
    beat = Heartbeat(
        lambda: rt.store.renew_finalize_lease(job_id, attempt, lease),
        lease,
        f"finalizer of job {job_id}",
    )
    with beat:
        return _finalize(rt, job_id, attempt, retry)


def _finalize(rt: Runtime, job_id: str, attempt: int, retry: Retry) -> dict[str, Any]:
    s = rt.settings
    job = rt.store.get_job(job_id)
    assert job is not None
    target = rt.dataset_dir(job_id)
    config = DatasetConfig.model_validate_json(job.config_json)
    formats = normalize_formats(job.formats)
    try:
        if not (target / MANIFEST_NAME).is_file():
            try:
                generate(config, target, cache=rt.cache, formats=formats, sign_key=s.signing_key)
            except OutputExistsError:
                # A duplicate finalizer published it meanwhile; anything else is an error.
                if not (target / MANIFEST_NAME).is_file():
                    raise
        manifest, _ = read_manifest(target)
    except Exception as exc:
        if attempt >= s.max_attempts:
            rt.store.job_failed(job_id, f"writing the dataset failed: {_error(exc)}")
            return {"job": job_id, "action": "failed"}
        delay = s.retry_delay(attempt)
        rt.store.finalize_retry(job_id, delay)
        retry(delay, exc)
    summary = {
        "tables": manifest.tables,
        "files": len(manifest.file_entries),
        "bytes": sum(f.bytes or 0 for f in manifest.file_entries),
    }
    rt.store.job_succeeded(job_id, json.dumps(summary, sort_keys=True))
    return {"job": job_id, "action": "succeeded"}


def register_tasks(app: Celery, settings: JobSettings) -> Runtime:
    """Register the chunk and finalizer tasks on ``app``; return their shared runtime."""
    rt = Runtime(settings)

    def send(name: str, args: list[Any]) -> None:
        app.send_task(name, args=args, queue=settings.queue)

    def retrier(task: Task[Any, Any]) -> Retry:
        def retry(delay: float, exc: Exception) -> NoReturn:
            raise task.retry(exc=exc, countdown=delay, max_retries=None)

        return retry

    @app.task(bind=True, name=CHUNK_TASK, max_retries=None, shared=False)
    def run_chunk(self: Task[Any, Any], job_id: str, index: int) -> dict[str, Any]:
        return execute_chunk(rt, job_id, index, retrier(self), send)

    @app.task(bind=True, name=FINALIZE_TASK, max_retries=None, shared=False)
    def finalize(self: Task[Any, Any], job_id: str) -> dict[str, Any]:
        return execute_finalize(rt, job_id, retrier(self))

    return rt
