"""The reaper's queries: find work the broker lost and hand it out again.

Jobs are owned by the job store, not by the broker. A running chunk (or finalizer) holds a
lease its worker renews; when the lease runs out, whatever the cause (the worker was killed,
the broker restarted and dropped the delivery, Celery's hard time limit acknowledged the
task), the chunk goes back to ``queued`` and its message is sent again, until its attempts
are used up and it is dead-lettered. Messages lost before any worker took them are found by
comparing the work waiting in the records with the broker's queue depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from aleatoric.jobs._models import ChunkRow, JobRow
from aleatoric.jobs._records import State
from aleatoric.jobs._sqltime import db_after, db_now
from aleatoric.jobs._store import LEASE_LOST, JobStore, Reaped

__all__ = ["mark_dispatched", "overdue", "reap_expired"]

_LIVE = (State.QUEUED.value, State.RUNNING.value)
_EXPIRED = LEASE_LOST


def _expired(store: JobStore, column: Any, started: Any, lease: float) -> Any:
    # An expired lease, or no lease at all on a run older than one lease (older versions).
    return or_(
        column < db_now(store.dialect),
        and_(column.is_(None), started < db_after(store.dialect, -lease)),
    )


def reap_expired(store: JobStore, lease: float, max_attempts: int) -> Reaped:
    """Requeue running chunks and finalizers whose lease expired; dead-letter the chunks
    that used up their attempts. Returns what to send again."""
    chunk_expired = _expired(store, ChunkRow.lease_expires_at, ChunkRow.started_at, lease)
    with store.transaction() as s:
        candidates = s.execute(
            select(ChunkRow.job_id, ChunkRow.idx).where(
                ChunkRow.state == State.RUNNING.value, chunk_expired
            )
        ).all()
    requeued: list[tuple[str, int]] = []
    dead: list[tuple[str, int]] = []
    for job_id, index in candidates:
        # One transaction each, locking the job before the chunk like every other writer.
        with store.transaction() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            chunk = s.get(ChunkRow, (job_id, index), with_for_update=True)
            still = s.scalar(
                select(ChunkRow.idx).where(
                    ChunkRow.job_id == job_id,
                    ChunkRow.idx == index,
                    ChunkRow.state == State.RUNNING.value,
                    chunk_expired,
                )
            )
            if job is None or chunk is None or still is None:
                continue
            reason = _EXPIRED.format(attempt=chunk.attempts)
            if State(job.state).terminal:
                chunk.state = State.FAILED.value
                chunk.error = chunk.error or "cancelled: the job failed"
                chunk.lease_expires_at = None
                chunk.finished_at = func.now()
            elif chunk.attempts >= max_attempts:
                gave_up = f"gave up after {chunk.attempts} attempts; {reason}"
                store.dead_letter(s, job, chunk, gave_up)
                dead.append((job_id, index))
            else:
                chunk.state = State.QUEUED.value
                chunk.error = reason
                chunk.lease_expires_at = None
                chunk.owner = None
                chunk.dispatched_at = db_now(store.dialect)
                requeued.append((job_id, index))
    return Reaped(tuple(requeued), tuple(_reap_finalizers(store, lease, max_attempts)), tuple(dead))


def _reap_finalizers(store: JobStore, lease: float, max_attempts: int) -> list[str]:
    send: list[str] = []
    with store.transaction() as s:
        expired = list(
            s.scalars(
                select(JobRow.id).where(
                    JobRow.state.in_(_LIVE),
                    JobRow.finalize_requested.is_(True),
                    JobRow.finalize_lease_expires_at < db_now(store.dialect),
                )
            )
        )
        # Every chunk succeeded but no finalizer was asked for (its worker died in between).
        unfinished = exists().where(
            ChunkRow.job_id == JobRow.id, ChunkRow.state != State.SUCCEEDED.value
        )
        stalled = list(
            s.scalars(
                select(JobRow.id).where(
                    JobRow.state.in_(_LIVE),
                    JobRow.finalize_requested.is_(False),
                    ~unfinished,
                )
            )
        )
    for job_id in expired:
        with store.transaction() as s:
            job = s.get(JobRow, job_id, with_for_update=True)
            alive = s.scalar(
                select(JobRow.id).where(
                    JobRow.id == job_id,
                    or_(
                        JobRow.finalize_lease_expires_at.is_(None),
                        JobRow.finalize_lease_expires_at >= db_now(store.dialect),
                    ),
                )
            )
            if job is None or alive is not None or State(job.state).terminal:
                continue
            job.finalize_lease_expires_at = None
            if job.finalize_attempts >= max_attempts:
                store.fail_job(
                    s,
                    job,
                    f"writing the dataset was interrupted {job.finalize_attempts} times: "
                    + _EXPIRED.format(attempt=job.finalize_attempts),
                )
                continue
            job.finalize_dispatched_at = db_now(store.dialect)
            send.append(job_id)
    send += [job_id for job_id in stalled if store.ready_to_finalize(job_id)]
    return send


def overdue(store: JobStore, lease: float, limit: int) -> tuple[int, list[tuple[str, int]]]:
    """Return how many messages should be waiting in the queue, and up to ``limit`` of them
    (``(job, chunk)``, chunk ``-1`` for a finalizer) sent more than ``lease`` seconds ago,
    oldest first: the ones to send again when the queue holds fewer."""
    cutoff = db_after(store.dialect, -lease)
    chunk_sent = func.coalesce(ChunkRow.dispatched_at, ChunkRow.created_at)
    final_sent = func.coalesce(JobRow.finalize_dispatched_at, JobRow.updated_at)
    waiting_final = and_(
        JobRow.state.in_(_LIVE),
        JobRow.finalize_requested.is_(True),
        JobRow.finalize_lease_expires_at.is_(None),
    )
    with store.transaction() as s:
        chunks = s.scalar(
            select(func.count()).select_from(ChunkRow).where(ChunkRow.state == State.QUEUED.value)
        )
        finals = s.scalar(select(func.count()).select_from(JobRow).where(waiting_final))
        old_finals = s.execute(
            select(JobRow.id).where(waiting_final, final_sent < cutoff).limit(limit)
        ).all()
        old_chunks = s.execute(
            select(ChunkRow.job_id, ChunkRow.idx)
            .where(ChunkRow.state == State.QUEUED.value, chunk_sent < cutoff)
            .order_by(chunk_sent)
            .limit(limit)
        ).all()
    items = [(j, -1) for (j,) in old_finals] + [(j, i) for j, i in old_chunks]
    return int(chunks or 0) + int(finals or 0), items[:limit]


def mark_dispatched(store: JobStore, items: Sequence[tuple[str, int]]) -> None:
    """Record that the messages of ``items`` (as returned by :func:`overdue`) were sent."""
    with store.transaction() as s:
        for job_id, index in items:
            if index < 0:
                job = s.get(JobRow, job_id)
                if job is not None:
                    job.finalize_dispatched_at = db_now(store.dialect)
            else:
                chunk = s.get(ChunkRow, (job_id, index))
                if chunk is not None and chunk.state == State.QUEUED.value:
                    chunk.dispatched_at = db_now(store.dialect)
