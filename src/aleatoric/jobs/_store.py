"""Durable job records in SQL (PostgreSQL in service mode, SQLite on one machine).

The broker only carries task messages; what a job is, how far its chunks got, how often
they ran and why they failed lives here, so any API replica can answer for any job and a
lost or repeated message never loses or double-counts work.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from aleatoric.jobs._engine import create_tables, make_engine
from aleatoric.jobs._models import ChunkRow, JobRow
from aleatoric.jobs._records import Chunk, Job, State
from aleatoric.jobs._sqltime import db_after, db_now

__all__ = ["LEASE_LOST", "JobStore", "Reaped", "StartDecision", "process_owner"]

_MAX_ERROR = 4_000


@dataclass(frozen=True)
class StartDecision:
    """What a chunk task should do when it is delivered.

    ``run``: compute (``attempt`` is this attempt's number); ``done``: the chunk already
    succeeded (a duplicate delivery); ``dead``: the attempts are used up, the chunk was
    dead-lettered; ``cancelled``: the job failed; ``missing``: no such job or chunk;
    ``busy``: another live worker holds the chunk's lease (a duplicate delivery).
    """

    action: Literal["run", "done", "dead", "cancelled", "missing", "busy"]
    attempt: int = 0
    job: Job | None = None
    chunk: Chunk | None = None


@dataclass(frozen=True)
class Reaped:
    """What one reaper pass found: chunks and finalizers to send again, chunks given up."""

    chunks: tuple[tuple[str, int], ...] = ()
    finalizers: tuple[str, ...] = ()
    dead: tuple[tuple[str, int], ...] = ()


def process_owner() -> str:
    """Return ``host:pid`` of this process: who holds a lease."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(owner: str | None) -> bool:
    # A lease held by a process of this host that no longer exists is void at once.
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


#: Why a chunk or finalizer went back to the queue.
LEASE_LOST = (
    "lease expired at attempt {attempt}: the worker was lost or stopped renewing it "
    "(killed, cut off from the job store, or stopped by the hard time limit)"
)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite returns naive timestamps; the database clock is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _chunk(row: ChunkRow) -> Chunk:
    return Chunk(
        job_id=row.job_id,
        index=row.idx,
        seg_start=row.seg_start,
        seg_stop=row.seg_stop,
        state=State(row.state),
        attempts=row.attempts,
        done=row.done,
        error=row.error,
        created_at=_utc(row.created_at),
        started_at=_utc(row.started_at),
        finished_at=_utc(row.finished_at),
        owner=row.owner,
    )


def _job(row: JobRow, chunks: Sequence[ChunkRow]) -> Job:
    return Job(
        id=row.id,
        state=State(row.state),
        config_json=row.config_json,
        formats=tuple(f for f in row.formats.split(",") if f),
        seg_start=row.seg_start,
        seg_stop=row.seg_stop,
        partial=row.partial,
        error=row.error,
        result_json=row.result_json,
        created_at=_utc(row.created_at),
        started_at=_utc(row.started_at),
        finished_at=_utc(row.finished_at),
        finalize_requested=row.finalize_requested,
        chunks=tuple(_chunk(c) for c in sorted(chunks, key=lambda c: c.idx)),
    )


def _clip(message: str) -> str:
    return message if len(message) <= _MAX_ERROR else message[: _MAX_ERROR - 3] + "..."


class JobStore:
    """Job and chunk records behind one SQLAlchemy engine.

    Parameters
    ----------
    url
        SQLAlchemy URL: ``postgresql+psycopg://user@host:5432/db`` or ``sqlite:///path``.
    schema
        PostgreSQL schema for the tables (created by :meth:`create_all`); ignored by SQLite.

    The engine is created lazily in each process, so a store built before a worker forks
    never shares connections with its children.
    """

    def __init__(self, url: str, schema: str | None = None) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self.schema = schema if self.dialect == "postgresql" else None
        self._engine: Engine | None = None
        self._pid = -1

    # --- engine -------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """Return this process's engine (created on first use after a fork)."""
        if self._engine is None or self._pid != os.getpid():
            self._engine = make_engine(self.url, self.dialect, self.schema)
            self._pid = os.getpid()
        return self._engine

    def create_all(self) -> None:
        """Create the schema (PostgreSQL) and the tables when missing; safe to run in parallel.

        Tables of an earlier version get the columns added since.
        """
        create_tables(self.engine, self.dialect, self.schema)

    def dispose(self) -> None:
        """Close this process's connections."""
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()
        self._engine = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session in a transaction, committed on exit (rolled back on error)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # --- reads --------------------------------------------------------------------------

    def get_job(self, job_id: str) -> Job | None:
        """Return a job with its chunks, or None."""
        with self.transaction() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                return None
            chunks = s.scalars(select(ChunkRow).where(ChunkRow.job_id == job_id)).all()
            return _job(row, chunks)

    def job_state(self, job_id: str) -> State | None:
        """Return a job's state only (cheap, for checks between segments)."""
        with self.transaction() as s:
            state = s.scalar(select(JobRow.state).where(JobRow.id == job_id))
            return None if state is None else State(state)

    # --- writes -------------------------------------------------------------------------

    def create_job(
        self,
        job_id: str,
        *,
        config_json: str,
        formats: Sequence[str],
        seg_start: int,
        seg_stop: int,
        partial: bool,
        chunks: Sequence[tuple[int, int]],
    ) -> Job:
        """Record a new queued job and its queued chunks ``[(seg_start, seg_stop), ...]``."""
        with self.transaction() as s:
            s.add(
                JobRow(
                    id=job_id,
                    state=State.QUEUED.value,
                    config_json=config_json,
                    formats=",".join(formats),
                    seg_start=seg_start,
                    seg_stop=seg_stop,
                    partial=partial,
                    finalize_requested=False,
                    finalize_attempts=0,
                )
            )
            s.flush()
            for i, (a, b) in enumerate(chunks):
                s.add(
                    ChunkRow(
                        job_id=job_id,
                        idx=i,
                        seg_start=a,
                        seg_stop=b,
                        state=State.QUEUED.value,
                        attempts=0,
                        done=0,
                        dispatched_at=db_now(self.dialect),
                    )
                )
        job = self.get_job(job_id)
        assert job is not None
        return job

    def start_chunk(
        self,
        job_id: str,
        index: int,
        max_attempts: int,
        *,
        lease: float | None = None,
        owner: str | None = None,
    ) -> StartDecision:
        """Count a delivery of a chunk and decide what the task does with it.

        With ``lease`` (seconds), a chunk running under a live lease of another process is
        ``busy`` (the delivery is a duplicate); the new run holds the lease for ``owner``.
        """
        with self.transaction() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if job is None or chunk is None:
                return StartDecision("missing")
            if chunk.state == State.SUCCEEDED.value:
                chunk.attempts += 1
                return StartDecision("done", chunk.attempts)
            if chunk.state == State.DEAD.value:
                return StartDecision("dead", chunk.attempts)
            if job.state in (State.FAILED.value, State.DEAD.value):
                if chunk.state != State.FAILED.value:
                    chunk.state = State.FAILED.value
                    chunk.error = chunk.error or "cancelled: the job failed"
                    chunk.finished_at = func.now()
                return StartDecision("cancelled", chunk.attempts)
            taken_over = chunk.state == State.RUNNING.value
            if taken_over and self._lease_alive(s, job_id, index) and not _owner_gone(chunk.owner):
                return StartDecision("busy", chunk.attempts)
            if taken_over and chunk.attempts:
                chunk.error = LEASE_LOST.format(attempt=chunk.attempts)
            if chunk.attempts >= max_attempts:
                last = chunk.error or "the worker was lost while running it"
                self.dead_letter(s, job, chunk, f"gave up after {chunk.attempts} attempts: {last}")
                return StartDecision("dead", chunk.attempts)
            chunk.attempts += 1
            chunk.state = State.RUNNING.value
            chunk.done = 0
            chunk.started_at = func.now()
            chunk.owner = owner
            chunk.lease_expires_at = db_after(self.dialect, lease) if lease else None
            if job.state == State.QUEUED.value:
                job.state = State.RUNNING.value
                job.started_at = func.now()
            attempt = chunk.attempts
        current = self.get_job(job_id)
        assert current is not None
        return StartDecision("run", attempt, current, current.chunks[index])

    def _lease_alive(self, s: Session, job_id: str, index: int) -> bool:
        alive = s.scalar(
            select(ChunkRow.idx).where(
                ChunkRow.job_id == job_id,
                ChunkRow.idx == index,
                ChunkRow.lease_expires_at > db_now(self.dialect),
            )
        )
        return alive is not None

    def renew_lease(self, job_id: str, index: int, attempt: int, lease: float) -> bool:
        """Extend the lease of attempt ``attempt`` of a running chunk by ``lease`` seconds.

        Returns False when that attempt no longer holds the chunk (the reaper gave it to
        another delivery, or the job ended): its worker should stop.
        """
        with self.transaction() as s:
            result = s.execute(
                update(ChunkRow)
                .where(
                    ChunkRow.job_id == job_id,
                    ChunkRow.idx == index,
                    ChunkRow.state == State.RUNNING.value,
                    ChunkRow.attempts == attempt,
                )
                .values(lease_expires_at=db_after(self.dialect, lease))
            )
            return bool(getattr(result, "rowcount", 0))

    def chunk_progress(self, job_id: str, index: int, done: int) -> None:
        """Record that ``done`` segments of a running chunk are computed."""
        with self.transaction() as s:
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if chunk is not None and chunk.state == State.RUNNING.value:
                chunk.done = done

    def chunk_succeeded(self, job_id: str, index: int) -> None:
        """Mark a chunk succeeded (idempotent)."""
        with self.transaction() as s:
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if chunk is not None and chunk.state != State.SUCCEEDED.value:
                chunk.state = State.SUCCEEDED.value
                chunk.done = chunk.seg_stop - chunk.seg_start
                chunk.error = None
                chunk.lease_expires_at = None
                chunk.finished_at = func.now()

    def chunk_retry(self, job_id: str, index: int, error: str, delay: float = 0.0) -> None:
        """Record a failed attempt that will be retried in ``delay`` seconds: back to
        ``queued`` with its error."""
        with self.transaction() as s:
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if chunk is not None and chunk.state == State.RUNNING.value:
                chunk.state = State.QUEUED.value
                chunk.error = _clip(error)
                chunk.lease_expires_at = None
                chunk.dispatched_at = db_after(self.dialect, delay)

    def chunk_cancelled(self, job_id: str, index: int) -> None:
        """Stop a running chunk of a job that failed meanwhile."""
        with self.transaction() as s:
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if chunk is not None and not State(chunk.state).terminal:
                chunk.state = State.FAILED.value
                chunk.error = chunk.error or "cancelled: the job failed"
                chunk.finished_at = func.now()

    def chunk_dead(self, job_id: str, index: int, error: str) -> None:
        """Dead-letter a chunk: it keeps its error and the job fails."""
        with self.transaction() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if job is not None and chunk is not None:
                self.dead_letter(s, job, chunk, error)

    def dead_letter(self, s: Session, job: JobRow, chunk: ChunkRow, error: str) -> None:
        chunk.lease_expires_at = None
        chunk.state = State.DEAD.value
        chunk.error = _clip(error)
        chunk.finished_at = func.now()
        segments = f"segments {chunk.seg_start}-{chunk.seg_stop - 1}"
        self.fail_job(s, job, f"chunk {chunk.idx} ({segments}) is dead: {error}")

    def fail_job(self, s: Session, job: JobRow, error: str) -> None:
        if job.state in (State.SUCCEEDED.value, State.FAILED.value):
            return
        job.state = State.FAILED.value
        job.error = _clip(error)
        job.finished_at = func.now()
        queued = s.scalars(
            select(ChunkRow)
            .where(ChunkRow.job_id == job.id, ChunkRow.state == State.QUEUED.value)
            .with_for_update()
        ).all()
        for other in queued:
            other.state = State.FAILED.value
            other.error = other.error or "cancelled: the job failed"
            other.finished_at = func.now()

    def ready_to_finalize(self, job_id: str) -> bool:
        """Return True when every chunk succeeded and the dataset is still to be written.

        A job over a segment range (no dataset) is marked succeeded here instead. Repeated
        calls may return True again until the finalizer records the result: finalizing is
        idempotent, so a repeated finalizer is harmless.
        """
        with self.transaction() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            if job is None or State(job.state).terminal:
                return False
            states = s.scalars(select(ChunkRow.state).where(ChunkRow.job_id == job_id)).all()
            if any(st != State.SUCCEEDED.value for st in states):
                return False
            if job.partial:
                job.state = State.SUCCEEDED.value
                job.finished_at = func.now()
                return False
            job.finalize_requested = True
            job.finalize_dispatched_at = db_now(self.dialect)
            return True

    def start_finalize(
        self, job_id: str, max_attempts: int, *, lease: float | None = None
    ) -> tuple[Literal["run", "skip", "dead", "busy"], int]:
        """Count a finalizer delivery: ``run`` it (with its attempt number), ``skip`` it (the
        job is over), leave it (``busy``: a live finalizer holds the job's lease) or give up
        (``dead``: the job fails)."""
        with self.transaction() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            if job is None or State(job.state).terminal or job.partial:
                return "skip", 0
            alive = s.scalar(
                select(JobRow.id).where(
                    JobRow.id == job_id,
                    JobRow.finalize_lease_expires_at > db_now(self.dialect),
                )
            )
            if alive is not None:
                return "busy", job.finalize_attempts
            if job.finalize_attempts >= max_attempts:
                self.fail_job(s, job, f"writing the dataset failed {job.finalize_attempts} times")
                return "dead", job.finalize_attempts
            job.finalize_attempts += 1
            job.finalize_lease_expires_at = db_after(self.dialect, lease) if lease else None
            return "run", job.finalize_attempts

    def renew_finalize_lease(self, job_id: str, attempt: int, lease: float) -> bool:
        """Extend the lease of finalizer attempt ``attempt``; False when it lost the job."""
        with self.transaction() as s:
            result = s.execute(
                update(JobRow)
                .where(
                    JobRow.id == job_id,
                    JobRow.finalize_attempts == attempt,
                    JobRow.state.in_([State.QUEUED.value, State.RUNNING.value]),
                )
                .values(finalize_lease_expires_at=db_after(self.dialect, lease))
            )
            return bool(getattr(result, "rowcount", 0))

    def finalize_retry(self, job_id: str, delay: float) -> None:
        """Release the finalizer's lease: its retry is due in ``delay`` seconds."""
        with self.transaction() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            if job is not None:
                job.finalize_lease_expires_at = None
                job.finalize_dispatched_at = db_after(self.dialect, delay)

    def job_succeeded(self, job_id: str, result_json: str) -> None:
        """Record a published dataset."""
        with self.transaction() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            if job is not None and job.state != State.SUCCEEDED.value:
                job.state = State.SUCCEEDED.value
                job.finalize_lease_expires_at = None
                job.result_json = result_json
                job.error = None
                job.finished_at = func.now()

    def job_failed(self, job_id: str, error: str) -> None:
        """Fail a job (no dataset will be published); queued chunks are cancelled."""
        with self.transaction() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            if job is not None:
                self.fail_job(s, job, error)

    def list_jobs(self, limit: int = 100) -> list[Job]:
        """Return the most recent jobs, newest first (without their chunks)."""
        with self.transaction() as s:
            rows = s.scalars(select(JobRow).order_by(JobRow.created_at.desc()).limit(limit))
            return [_job(r, ()) for r in rows]
