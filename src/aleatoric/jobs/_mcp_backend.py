"""The job system as the MCP server's job backend: ``submit_job`` and ``get_job`` over Celery.

Used by the MCP server when ``ALEATORIC_BROKER_URL`` is set. Datasets are published by the
finalizer under ``<data dir>/datasets/<job id>``; point the MCP server's data directory there
(``ALEATORIC_DATA_DIR`` of the MCP process = the service's ``datasets`` directory) so that a
job's dataset id is its job id.
"""

from __future__ import annotations

import json
from typing import Any

from aleatoric._job_backend import JobBackend, JobInfo, JobRequest
from aleatoric.jobs._celery import create_celery
from aleatoric.jobs._records import Job, State
from aleatoric.jobs._settings import JobSettings
from aleatoric.jobs._store import JobStore
from aleatoric.jobs._submit import JobQueue, submit_job
from aleatoric.mcp._jobs import make_job_backend
from aleatoric.mcp._settings import McpSettings
from aleatoric.reactor import segment_count

__all__ = ["CeleryJobBackend", "mcp_job_backend"]

_STATUS = {
    State.QUEUED: "queued",
    State.RUNNING: "running",
    State.SUCCEEDED: "done",
    State.FAILED: "failed",
    State.DEAD: "failed",
}


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class CeleryJobBackend:
    """Jobs recorded in SQL and run by Celery workers (see :mod:`aleatoric.jobs`)."""

    name = "celery"

    def __init__(self, settings: JobSettings | None = None) -> None:
        self.settings = settings if settings is not None else JobSettings()
        self.store = JobStore(self.settings.effective_database_url, self.settings.database_schema)
        self.store.create_all()
        self.queue = JobQueue(create_celery(self.settings, results=False), self.settings)

    def submit(self, request: JobRequest) -> JobInfo:
        """Record the job and enqueue its chunks; the dataset id is the service's job id."""
        config = request.config
        job = submit_job(
            self.store, self.queue, config, formats=("parquet",),
            segments=(0, segment_count(config)), partial=False,
            chunk_segments=self.settings.chunk_segments,
        )  # fmt: skip
        return self._info(job)

    def get(self, job_id: str) -> JobInfo | None:
        """Return the job's state from its record, or None for an unknown id."""
        job = self.store.get_job(job_id)
        return self._info(job) if job is not None else None

    def jobs(self) -> list[JobInfo]:
        """Return recent jobs, newest first."""
        return [self._info(job) for job in self.store.list_jobs()]

    def close(self) -> None:
        """Release the database connections."""
        self.store.dispose()

    def _info(self, job: Job) -> JobInfo:
        chunks = job.chunks
        total = sum(c.seg_stop - c.seg_start for c in chunks) or 1
        done = sum(c.done for c in chunks)
        result: dict[str, Any] = json.loads(job.result_json) if job.result_json else {}
        tables: dict[str, int] = result.get("tables", {})
        status = _STATUS.get(job.state, "running")
        return JobInfo(
            job_id=job.id,
            status=status,
            backend=self.name,
            dataset_id=job.id,
            manifest_uri=f"datasets://{job.id}/manifest",
            config=json.loads(job.config_json),
            progress=1.0 if status == "done" else min(1.0, done / total),
            message=f"{sum(c.state == State.SUCCEEDED for c in chunks)}/{len(chunks)} chunks",
            submitted_at=_time(job.created_at) or "",
            started_at=_time(job.started_at),
            finished_at=_time(job.finished_at),
            error=job.error,
            tables=tables,
            rows=sum(tables.values()),
            bytes=int(result.get("bytes", 0)),
        )


def mcp_job_backend(settings: McpSettings | None = None) -> JobBackend:
    """Return the MCP server's job backend: Celery with a broker configured, else local.

    With ``settings.broker_url`` (``ALEATORIC_BROKER_URL``) set, jobs go to the Celery
    workers, configured from ``ALEATORIC_*`` variables; otherwise they run in the server's
    process. The CLI and the HTTP service call this and inject the result.
    """
    settings = settings if settings is not None else McpSettings.from_env()
    if settings.broker_url:
        return CeleryJobBackend()
    return make_job_backend(settings)
