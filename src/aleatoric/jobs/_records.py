"""Domain records of jobs and chunks, independent of the database and the HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Chunk", "Job", "State"]


class State(StrEnum):
    """Lifecycle state of a job or a chunk.

    A chunk goes ``queued -> running -> succeeded``; a failed attempt goes back to
    ``queued`` (with its error) until the retries are used up, then it is ``dead``. A job is
    ``failed`` when one of its chunks is dead or its dataset cannot be written.
    """

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD = "dead"

    @property
    def terminal(self) -> bool:
        """Return whether nothing will change this state any more."""
        return self in (State.SUCCEEDED, State.FAILED, State.DEAD)


@dataclass(frozen=True)
class Chunk:
    """One chunk: a half-open range of whole segments computed by one task."""

    job_id: str
    index: int
    seg_start: int
    seg_stop: int
    state: State
    attempts: int
    done: int
    error: str | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    #: ``host:pid`` of the process running it (while it runs).
    owner: str | None = None

    @property
    def total(self) -> int:
        """Return the number of segments in the chunk."""
        return self.seg_stop - self.seg_start


@dataclass(frozen=True)
class Job:
    """A job: a config, the segment range it covers and its chunks."""

    id: str
    state: State
    config_json: str
    formats: tuple[str, ...]
    seg_start: int
    seg_stop: int
    partial: bool
    error: str | None
    result_json: str | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    finalize_requested: bool
    chunks: tuple[Chunk, ...]

    @property
    def segments_done(self) -> int:
        """Return how many segments of the job are computed."""
        return sum(c.done for c in self.chunks)

    @property
    def segments_total(self) -> int:
        """Return how many segments the job covers."""
        return self.seg_stop - self.seg_start
