"""Durable job records in SQL (PostgreSQL in service mode, SQLite on one machine).

The broker only carries task messages; what a job is, how far its chunks got, how often
they ran and why they failed lives here, so any API replica can answer for any job and a
lost or repeated message never loses or double-counts work.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from aleatoric.jobs._models import Base, ChunkRow, JobRow
from aleatoric.jobs._records import Chunk, Job, State

__all__ = ["JobStore", "StartDecision"]

_ADVISORY_LOCK = 0x616C6561746F7269  # "aleatori": serializes table creation on PostgreSQL
_MAX_ERROR = 4_000


@dataclass(frozen=True)
class StartDecision:
    """What a chunk task should do when it is delivered.

    ``run``: compute (``attempt`` is this attempt's number); ``done``: the chunk already
    succeeded (a duplicate delivery); ``dead``: the attempts are used up, the chunk was
    dead-lettered; ``cancelled``: the job failed; ``missing``: no such job or chunk.
    """

    action: Literal["run", "done", "dead", "cancelled", "missing"]
    attempt: int = 0
    job: Job | None = None
    chunk: Chunk | None = None


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
            self._engine = self._create_engine()
            self._pid = os.getpid()
        return self._engine

    def _create_engine(self) -> Engine:
        if self.dialect == "sqlite":
            database = make_url(self.url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(self.url, connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_connection: Any, _record: Any) -> None:
                # Let SQLAlchemy own transactions; WAL lets readers run beside one writer.
                dbapi_connection.isolation_level = None
                dbapi_connection.execute("PRAGMA journal_mode=WAL")
                dbapi_connection.execute("PRAGMA foreign_keys=ON")

            @event.listens_for(engine, "begin")
            def _on_begin(connection: Any) -> None:
                # Take the write lock up front: no deadlock when a reader becomes a writer.
                connection.exec_driver_sql("BEGIN IMMEDIATE")

            return engine
        engine = create_engine(self.url, pool_pre_ping=True)
        if self.schema is not None:
            engine = engine.execution_options(schema_translate_map={None: self.schema})
        return engine

    def create_all(self) -> None:
        """Create the schema (PostgreSQL) and the tables when missing; safe to run in parallel."""
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})
                if self.schema is not None:
                    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            Base.metadata.create_all(conn)

    def dispose(self) -> None:
        """Close this process's connections."""
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()
        self._engine = None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # --- reads --------------------------------------------------------------------------

    def get_job(self, job_id: str) -> Job | None:
        """Return a job with its chunks, or None."""
        with self._session() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                return None
            chunks = s.scalars(select(ChunkRow).where(ChunkRow.job_id == job_id)).all()
            return _job(row, chunks)

    def job_state(self, job_id: str) -> State | None:
        """Return a job's state only (cheap, for checks between segments)."""
        with self._session() as s:
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
        with self._session() as s:
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
                    )
                )
        job = self.get_job(job_id)
        assert job is not None
        return job

    def start_chunk(self, job_id: str, index: int, max_attempts: int) -> StartDecision:
        """Count a delivery of a chunk and decide what the task does with it."""
        with self._session() as s:
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
            if chunk.attempts >= max_attempts:
                last = chunk.error or "the worker was lost while running it"
                self._dead(s, job, chunk, f"gave up after {chunk.attempts} attempts: {last}")
                return StartDecision("dead", chunk.attempts)
            chunk.attempts += 1
            chunk.state = State.RUNNING.value
            chunk.done = 0
            chunk.started_at = func.now()
            if job.state == State.QUEUED.value:
                job.state = State.RUNNING.value
                job.started_at = func.now()
            attempt = chunk.attempts
        current = self.get_job(job_id)
        assert current is not None
        return StartDecision("run", attempt, current, current.chunks[index])

    def chunk_progress(self, job_id: str, index: int, done: int) -> None:
        """Record that ``done`` segments of a running chunk are computed."""
        with self._session() as s:
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if chunk is not None and chunk.state == State.RUNNING.value:
                chunk.done = done

    def chunk_succeeded(self, job_id: str, index: int) -> None:
        """Mark a chunk succeeded (idempotent)."""
        with self._session() as s:
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if chunk is not None and chunk.state != State.SUCCEEDED.value:
                chunk.state = State.SUCCEEDED.value
                chunk.done = chunk.seg_stop - chunk.seg_start
                chunk.error = None
                chunk.finished_at = func.now()

    def chunk_retry(self, job_id: str, index: int, error: str) -> None:
        """Record a failed attempt that will be retried: back to ``queued`` with its error."""
        with self._session() as s:
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if chunk is not None and chunk.state == State.RUNNING.value:
                chunk.state = State.QUEUED.value
                chunk.error = _clip(error)

    def chunk_cancelled(self, job_id: str, index: int) -> None:
        """Stop a running chunk of a job that failed meanwhile."""
        with self._session() as s:
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if chunk is not None and not State(chunk.state).terminal:
                chunk.state = State.FAILED.value
                chunk.error = chunk.error or "cancelled: the job failed"
                chunk.finished_at = func.now()

    def chunk_dead(self, job_id: str, index: int, error: str) -> None:
        """Dead-letter a chunk: it keeps its error and the job fails."""
        with self._session() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            if job is not None and chunk is not None:
                self._dead(s, job, chunk, error)

    def _dead(self, s: Session, job: JobRow, chunk: ChunkRow, error: str) -> None:
        chunk.state = State.DEAD.value
        chunk.error = _clip(error)
        chunk.finished_at = func.now()
        segments = f"segments {chunk.seg_start}-{chunk.seg_stop - 1}"
        self._fail(s, job, f"chunk {chunk.idx} ({segments}) is dead: {error}")

    def _fail(self, s: Session, job: JobRow, error: str) -> None:
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
        with self._session() as s:
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
            return True

    def start_finalize(
        self, job_id: str, max_attempts: int
    ) -> tuple[Literal["run", "skip", "dead"], int]:
        """Count a finalizer delivery: ``run`` it (with its attempt number), ``skip`` it (the
        job is over) or give up (``dead``: the job fails)."""
        with self._session() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            if job is None or State(job.state).terminal or job.partial:
                return "skip", 0
            if job.finalize_attempts >= max_attempts:
                self._fail(s, job, f"writing the dataset failed {job.finalize_attempts} times")
                return "dead", job.finalize_attempts
            job.finalize_attempts += 1
            return "run", job.finalize_attempts

    def job_succeeded(self, job_id: str, result_json: str) -> None:
        """Record a published dataset."""
        with self._session() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            if job is not None and job.state != State.SUCCEEDED.value:
                job.state = State.SUCCEEDED.value
                job.result_json = result_json
                job.error = None
                job.finished_at = func.now()

    def job_failed(self, job_id: str, error: str) -> None:
        """Fail a job (no dataset will be published); queued chunks are cancelled."""
        with self._session() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            if job is not None:
                self._fail(s, job, error)

    def list_jobs(self, limit: int = 100) -> list[Job]:
        """Return the most recent jobs, newest first (without their chunks)."""
        with self._session() as s:
            rows = s.scalars(select(JobRow).order_by(JobRow.created_at.desc()).limit(limit))
            return [_job(r, ()) for r in rows]
