"""Worker loss, end to end: kill -9 a worker in the middle of a chunk, and one-shot workers.

After ``kill -9`` of the whole worker (main process and pool), its chunk stays
unacknowledged in Redis until the visibility timeout; another worker then restores and runs
it. The job completes and its files equal a local run's.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

import aleatoric
from aleatoric.jobs import JobSettings
from tests.service._procs import start_worker, wait_until
from tests.service.conftest import SMALL_JOB, tree_digests

pytestmark = pytest.mark.timeout(120)


def _job(http: httpx.Client, job_id: str) -> Any:
    return http.get(f"/v1/jobs/{job_id}").json()


def test_kill_9_mid_chunk_then_another_worker_completes_the_job(
    http: httpx.Client,
    service_env: dict[str, str],
    settings: JobSettings,
    log_dir: Path,
    tmp_path: Path,
) -> None:
    slow = {**service_env, "ALEATORIC_TEST_CHUNK_DELAY": "4"}
    first = start_worker(slow, log_dir, name="doomed")
    try:
        job_id = http.post("/v1/jobs", json={**SMALL_JOB, "seed": 41}).json()["id"]
        running: list[int] = []

        def mid_chunk() -> bool:
            chunks = _job(http, job_id)["chunks"]
            running[:] = [c["index"] for c in chunks if c["state"] == "running"]
            return bool(running)

        wait_until(mid_chunk, 60, 0.1, "a chunk to start")
        first.kill(signal.SIGKILL)
        first.proc.wait(10)
    finally:
        first.stop()
    killed = running[0]
    record = _job(http, job_id)
    assert record["chunks"][killed]["state"] == "running"  # nobody will report on it
    assert record["chunks"][killed]["progress"]["done"] == 0
    assert record["state"] == "running"

    second = start_worker(service_env, log_dir, name="rescuer")
    try:
        wait_until(
            lambda: _job(http, job_id)["state"] in ("succeeded", "failed"),
            100,
            0.5,
            "the job after the rescue",
        )
    except AssertionError:
        raise AssertionError(f"{_job(http, job_id)}\n{second.output()[-3000:]}") from None
    finally:
        second.stop()
    record = _job(http, job_id)
    assert record["state"] == "succeeded", record
    assert record["chunks"][killed]["attempts"] >= 2  # delivered again after the kill
    local = aleatoric.generate(aleatoric.load_config(**SMALL_JOB, seed=41), tmp_path / "local")
    assert tree_digests(settings.datasets_dir / job_id) == tree_digests(local.path)


def test_a_one_shot_worker_runs_one_task_and_exits(
    http: httpx.Client, service_env: dict[str, str], log_dir: Path
) -> None:
    body = {**SMALL_JOB, "seed": 42, "segments": {"start": 2, "stop": 3}}
    job_id = http.post("/v1/jobs", json=body).json()["id"]
    worker = start_worker(service_env, log_dir, "--one-shot", name="one-shot")
    try:
        code = worker.proc.wait(90)
    finally:
        worker.stop()
    assert code == 0, worker.output()[-3000:]
    record = _job(http, job_id)
    assert record["state"] == "succeeded", record
    assert record["chunks"][0]["attempts"] == 1


def test_a_one_shot_worker_without_work_exits_after_its_idle_time(
    service_env: dict[str, str], log_dir: Path
) -> None:
    worker = start_worker(service_env, log_dir, "--one-shot", "--idle-exit", "2", name="idle")
    try:
        code = worker.proc.wait(60)
    finally:
        worker.stop()
    assert code == 0, worker.output()[-3000:]
