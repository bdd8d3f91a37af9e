"""Job records on PostgreSQL (service mode) and SQLite (one machine): the same behaviour."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aleatoric.jobs import JobStore, State
from tests.service.conftest import POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    if request.param == "sqlite":
        job_store = JobStore(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    else:
        schema = request.getfixturevalue("pg_schema")
        job_store = JobStore(POSTGRES_URL, schema)
    job_store.create_all()
    job_store.create_all()  # idempotent
    yield job_store
    job_store.dispose()


def _job(store: JobStore, chunks: int = 2, partial: bool = False) -> str:
    job_id = uuid.uuid4().hex
    store.create_job(
        job_id,
        config_json="{}",
        formats=["parquet"],
        seg_start=0,
        seg_stop=chunks,
        partial=partial,
        chunks=[(i, i + 1) for i in range(chunks)],
    )
    return job_id


def test_a_job_runs_to_its_finalizer(store: JobStore) -> None:
    job_id = _job(store)
    job = store.get_job(job_id)
    assert job is not None and job.state is State.QUEUED and job.created_at is not None
    assert [c.state for c in job.chunks] == [State.QUEUED, State.QUEUED]
    first = store.start_chunk(job_id, 0, max_attempts=3)
    assert first.action == "run" and first.attempt == 1
    assert first.job is not None and first.job.state is State.RUNNING
    store.chunk_progress(job_id, 0, 1)
    store.chunk_succeeded(job_id, 0)
    assert not store.ready_to_finalize(job_id)
    assert store.start_chunk(job_id, 1, 3).action == "run"
    store.chunk_succeeded(job_id, 1)
    assert store.ready_to_finalize(job_id)
    assert store.start_finalize(job_id, 3) == ("run", 1)
    store.job_succeeded(job_id, '{"files": 0}')
    job = store.get_job(job_id)
    assert job is not None and job.state is State.SUCCEEDED
    assert job.segments_done == job.segments_total == 2
    assert job.finished_at is not None and job.finished_at.tzinfo is not None
    assert not store.ready_to_finalize(job_id)
    assert store.start_finalize(job_id, 3) == ("skip", 0)


def test_a_duplicate_delivery_is_counted_but_changes_nothing(store: JobStore) -> None:
    job_id = _job(store, chunks=1)
    store.start_chunk(job_id, 0, 3)
    store.chunk_succeeded(job_id, 0)
    again = store.start_chunk(job_id, 0, 3)
    assert again.action == "done" and again.attempt == 2
    job = store.get_job(job_id)
    assert job is not None and job.chunks[0].state is State.SUCCEEDED


def test_retries_then_dead_letter_fails_the_job(store: JobStore) -> None:
    job_id = _job(store, chunks=3)
    for attempt in (1, 2):
        assert store.start_chunk(job_id, 1, 3).attempt == attempt
        store.chunk_retry(job_id, 1, f"boom {attempt}")
        job = store.get_job(job_id)
        assert job is not None
        assert job.chunks[1].state is State.QUEUED and job.chunks[1].error == f"boom {attempt}"
    assert store.start_chunk(job_id, 1, 3).attempt == 3
    store.chunk_dead(job_id, 1, "failed 3 times; last error: boom 3")
    job = store.get_job(job_id)
    assert job is not None and job.state is State.FAILED
    assert job.chunks[1].state is State.DEAD and "boom 3" in (job.chunks[1].error or "")
    assert "chunk 1" in (job.error or "") and "dead" in (job.error or "")
    # Chunks still queued are cancelled; a later delivery of one does nothing.
    assert job.chunks[0].state is State.FAILED and job.chunks[2].state is State.FAILED
    assert store.start_chunk(job_id, 0, 3).action == "cancelled"
    assert not store.ready_to_finalize(job_id)


def test_a_running_chunk_of_a_failed_job_is_cancelled(store: JobStore) -> None:
    job_id = _job(store, chunks=2)
    assert store.start_chunk(job_id, 0, 3).action == "run"
    store.job_failed(job_id, "the finalizer could not sign")
    store.chunk_cancelled(job_id, 0)
    job = store.get_job(job_id)
    assert job is not None and job.state is State.FAILED
    assert [c.state for c in job.chunks] == [State.FAILED, State.FAILED]
    assert job.chunks[0].error == "cancelled: the job failed"


def test_a_chunk_that_keeps_killing_its_worker_is_dead_lettered(store: JobStore) -> None:
    job_id = _job(store, chunks=1)
    for _ in range(2):  # started twice, never finished: the worker died each time
        assert store.start_chunk(job_id, 0, 2).action == "run"
    decision = store.start_chunk(job_id, 0, 2)
    assert decision.action == "dead"
    job = store.get_job(job_id)
    assert job is not None and job.state is State.FAILED
    assert "worker was lost" in (job.chunks[0].error or "")


def test_a_segment_range_job_succeeds_without_a_finalizer(store: JobStore) -> None:
    job_id = _job(store, chunks=1, partial=True)
    store.start_chunk(job_id, 0, 3)
    store.chunk_succeeded(job_id, 0)
    assert not store.ready_to_finalize(job_id)
    job = store.get_job(job_id)
    assert job is not None and job.state is State.SUCCEEDED


def test_a_finalizer_that_keeps_failing_fails_the_job(store: JobStore) -> None:
    job_id = _job(store, chunks=1)
    store.start_chunk(job_id, 0, 3)
    store.chunk_succeeded(job_id, 0)
    assert store.ready_to_finalize(job_id)
    assert store.start_finalize(job_id, 2) == ("run", 1)
    assert store.start_finalize(job_id, 2) == ("run", 2)
    assert store.start_finalize(job_id, 2)[0] == "dead"
    job = store.get_job(job_id)
    assert job is not None and job.state is State.FAILED


def test_unknown_jobs_and_chunks(store: JobStore) -> None:
    assert store.get_job("0" * 32) is None
    assert store.start_chunk("0" * 32, 0, 3).action == "missing"
    assert store.job_state("0" * 32) is None
