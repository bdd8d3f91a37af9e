"""The job backend protocol and its models: what runs generation jobs for the MCP tools.

Kept in a module of its own that imports neither the MCP server nor Celery, so that the
in-process backend (:mod:`aleatoric.mcp._jobs`) and the distributed one
(:mod:`aleatoric.jobs`) both implement it without importing each other; the CLI and the HTTP
service choose a backend and inject it into :func:`aleatoric.mcp.build_server`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from aleatoric.config import DatasetConfig

__all__ = ["JobBackend", "JobInfo", "JobRequest", "JobStatus", "new_job_id", "now"]

JobStatus = Literal["queued", "running", "done", "failed"]


def new_job_id() -> str:
    """Return a fresh job id (``job-`` and 12 hex digits)."""
    return f"job-{uuid.uuid4().hex[:12]}"


def now() -> str:
    """Return the current UTC time as ISO 8601 text with microseconds (job records)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JobInfo(BaseModel):
    """The state of one generation job, as ``get_job`` and ``jobs://{id}`` return it."""

    job_id: str
    status: JobStatus = Field(description="queued, running, done or failed.")
    backend: str = Field(description="Which job backend runs it: 'local' or a broker's name.")
    dataset_id: str = Field(description="Id of the dataset the job writes.")
    manifest_uri: str = Field(description="Resource with the manifest once the job is done.")
    config: dict[str, Any] = Field(description="The full dataset config.")
    progress: float = Field(0.0, ge=0.0, le=1.0, description="Fraction done, 0 to 1.")
    message: str = ""
    submitted_at: str
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = Field(None, description="Why the job failed.")
    tables: dict[str, int] = Field(default_factory=dict, description="Rows per table when done.")
    rows: int = 0
    bytes: int = 0
    cached: bool = Field(False, description="True if the cache served the dataset.")


@dataclass(frozen=True)
class JobRequest:
    """What to generate and where: the input of :meth:`JobBackend.submit`.

    Attributes
    ----------
    job_id
        A fresh id from :func:`new_job_id`.
    config
        The validated dataset config.
    dataset_id
        The dataset's id in the data directory.
    out
        The dataset directory (already confined to the data directory).
    overwrite
        Replace an existing dataset at ``out``.
    """

    job_id: str
    config: DatasetConfig
    dataset_id: str
    out: Path
    overwrite: bool = False


@runtime_checkable
class JobBackend(Protocol):
    """Where jobs run. Methods are called from worker threads and must be thread-safe."""

    #: Short name reported in :attr:`JobInfo.backend`.
    name: str

    def submit(self, request: JobRequest) -> JobInfo:
        """Queue a job and return its first state (``queued``); never wait for it."""
        ...

    def get(self, job_id: str) -> JobInfo | None:
        """Return the job's current state, or ``None`` for an unknown id."""
        ...

    def jobs(self) -> list[JobInfo]:
        """Return every job the backend knows, newest first."""
        ...

    def close(self) -> None:
        """Stop accepting jobs and release resources (running jobs may be abandoned)."""
        ...
