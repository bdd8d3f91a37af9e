"""Leases and the reaper on PostgreSQL and SQLite: the job store owns running work.

A chunk whose lease runs out (its worker was killed, cut off, or stopped by the hard time
limit) goes back to the queue and is sent again, a bounded number of times, then it is
dead-lettered with the reason; a duplicate delivery of a chunk held by a live worker is busy.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from aleatoric.jobs import JobQueue, JobSettings, JobStore, Reaper, State, create_celery
from aleatoric.jobs._reap import overdue, reap_expired
from tests.service.conftest import POSTGRES_URL

LEASE = 1.0


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    if request.param == "sqlite":
        job_store = JobStore(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    else:
        # A schema of its own: the reaper counts all the work in its tables.
        schema = f"{request.getfixturevalue('pg_schema')}_l{uuid.uuid4().hex[:8]}"
        job_store = JobStore(POSTGRES_URL, schema)
    job_store.create_all()
    yield job_store
    if job_store.schema is not None:
        with job_store.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{job_store.schema}" CASCADE'))
    job_store.dispose()


def _job(store: JobStore, chunks: int = 1) -> str:
    job_id = uuid.uuid4().hex
    store.create_job(
        job_id,
        config_json="{}",
        formats=["parquet"],
        seg_start=0,
        seg_stop=chunks,
        partial=False,
        chunks=[(i, i + 1) for i in range(chunks)],
    )
    return job_id


def test_a_live_lease_makes_a_duplicate_delivery_busy(store: JobStore) -> None:
    job_id = _job(store)
    first = store.start_chunk(job_id, 0, 3, lease=30, owner="elsewhere:1")
    assert first.action == "run" and first.attempt == 1
    again = store.start_chunk(job_id, 0, 3, lease=30, owner="elsewhere:2")
    assert again.action == "busy" and again.attempt == 1
    assert store.renew_lease(job_id, 0, 1, 30)
    assert not store.renew_lease(job_id, 0, 2, 30)  # no such attempt holds it


def test_a_lease_of_a_dead_local_process_is_void_at_once(store: JobStore) -> None:
    import socket
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    job_id = _job(store)
    store.start_chunk(job_id, 0, 3, lease=30, owner=f"{socket.gethostname()}:{gone.pid}")
    again = store.start_chunk(job_id, 0, 3, lease=30, owner="x:1")
    assert again.action == "run" and again.attempt == 2
    job = store.get_job(job_id)
    assert job is not None and "lease expired at attempt 1" in (job.chunks[0].error or "")


def test_an_expired_lease_is_requeued_then_dead_lettered(store: JobStore) -> None:
    job_id = _job(store, chunks=2)
    for attempt in (1, 2):
        assert store.start_chunk(job_id, 0, 2, lease=LEASE, owner="w:1").attempt == attempt
        assert reap_expired(store, LEASE, 2).chunks == ()  # still alive
        time.sleep(LEASE + 0.3)
        reaped = reap_expired(store, LEASE, 2)
        if attempt == 1:
            assert reaped.chunks == ((job_id, 0),) and reaped.dead == ()
            job = store.get_job(job_id)
            assert job is not None and job.chunks[0].state is State.QUEUED
            assert "lease expired at attempt 1" in (job.chunks[0].error or "")
        else:
            assert reaped.chunks == () and reaped.dead == ((job_id, 0),)
    job = store.get_job(job_id)
    assert job is not None and job.state is State.FAILED
    assert job.chunks[0].state is State.DEAD
    assert "gave up after 2 attempts" in (job.chunks[0].error or "")
    assert "hard time limit" in (job.error or "")
    assert job.chunks[1].state is State.FAILED  # cancelled with the job


def test_a_renewed_lease_is_not_reaped(store: JobStore) -> None:
    job_id = _job(store)
    store.start_chunk(job_id, 0, 3, lease=LEASE, owner="w:1")
    for _ in range(3):
        time.sleep(LEASE / 2)
        assert store.renew_lease(job_id, 0, 1, LEASE)
        assert reap_expired(store, LEASE, 3).chunks == ()


def test_an_expired_finalizer_is_sent_again(store: JobStore) -> None:
    job_id = _job(store)
    store.start_chunk(job_id, 0, 3, lease=LEASE)
    store.chunk_succeeded(job_id, 0)
    assert store.ready_to_finalize(job_id)
    assert store.start_finalize(job_id, 3, lease=LEASE) == ("run", 1)
    assert store.start_finalize(job_id, 3, lease=LEASE) == ("busy", 1)
    time.sleep(LEASE + 0.3)
    assert reap_expired(store, LEASE, 3).finalizers == (job_id,)
    assert store.start_finalize(job_id, 3, lease=LEASE) == ("run", 2)


def test_a_job_whose_finalizer_was_never_asked_for_is_finalized(store: JobStore) -> None:
    job_id = _job(store)
    store.start_chunk(job_id, 0, 3)
    store.chunk_succeeded(job_id, 0)  # the worker died before asking for the finalizer
    assert reap_expired(store, LEASE, 3).finalizers == (job_id,)


def test_lost_messages_are_sent_again_when_the_queue_holds_fewer(
    store: JobStore, tmp_path: Path, redis_url: str
) -> None:
    import redis

    settings = JobSettings(
        broker_url=redis_url,
        queue=f"aleatoric-lease-test-{uuid.uuid4().hex[:8]}",
        database_url=store.url,
        data_dir=tmp_path,
        lease_seconds=LEASE,
        reap_interval=1,
    )
    queue = JobQueue(create_celery(settings, results=False), settings)
    client = redis.Redis.from_url(redis_url)
    try:
        job_id = _job(store, chunks=3)
        for index in range(3):
            queue.enqueue_chunk(job_id, index)
        assert queue.depth() == 3
        waiting, old = overdue(store, LEASE, 100)
        assert waiting == 3 and old == []  # just sent
        time.sleep(LEASE + 0.3)
        reaper = Reaper(store, queue, settings)
        assert reaper.run_once()["resent"] == 0  # every message is in the queue
        client.rpop(settings.queue, 2)  # the broker lost two of them
        assert queue.depth() == 1
        assert reaper.run_once()["resent"] == 2
        assert queue.depth() == 3
        assert reaper.run_once()["resent"] == 0
        client.delete(settings.queue)  # a restart lost the whole queue
        assert queue.depth() == 0
        time.sleep(LEASE + 0.3)
        assert reaper.run_once()["resent"] == 3
    finally:
        client.delete(settings.queue)
        client.close()


def test_tables_of_an_earlier_version_get_the_lease_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE chunks (job_id VARCHAR(32) NOT NULL, idx INTEGER NOT NULL, "
                "seg_start INTEGER, seg_stop INTEGER, state VARCHAR(16), attempts INTEGER, "
                "done INTEGER, error TEXT, created_at DATETIME, updated_at DATETIME, "
                "started_at DATETIME, finished_at DATETIME, PRIMARY KEY (job_id, idx))"
            )
        )
    engine.dispose()
    store = JobStore(url)
    store.create_all()
    job_id = _job(store)
    assert store.start_chunk(job_id, 0, 3, lease=30, owner="w:1").action == "run"
    store.dispose()
