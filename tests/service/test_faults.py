"""Faults with real processes, each in the middle of a job: kill -9 of a worker, of its pool
process and of the API, a restart of Redis (a test-owned instance, AOF everysec) and of
RabbitMQ, and a chunk over the hard time limit.

Each job either completes with the bytes of a local run within about a lease plus a chunk,
or ends dead-lettered with the reason; none stays running. Every test prints the measured
recovery time (``pytest tests/service/test_faults.py -s``), the figures in docs/deploy.md.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

import aleatoric
from aleatoric.config import load_config
from aleatoric.jobs import Job, JobQueue, JobSettings, JobStore, State, create_celery, submit_job
from tests.service._procs import ServiceProcess, free_port, start_api, start_worker, wait_until
from tests.service.conftest import API_KEY, LEASE, SMALL_JOB, tree_digests

pytestmark = pytest.mark.timeout(150)

SEED = 77
#: Seconds each segment of a fault-test chunk takes at least (so a fault lands mid-chunk).
DELAY = 1.0
#: Two 5-minute segments: two one-segment chunks.
JOB = {**SMALL_JOB, "duration": "10m"}
#: Slack for process start-up on a busy machine, on top of lease plus chunk time.
SLACK = 20.0
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: a local run of the fault tests' config."""
    out = tmp_path_factory.mktemp("faults-local") / "ds"
    aleatoric.generate(aleatoric.load_config(**JOB, seed=SEED), out)
    return out


def _env(service_env: dict[str, str], tmp_path: Path, **extra: str) -> dict[str, str]:
    """A test's own queue, cache and datasets, so that no earlier work is reused."""
    env = {
        **service_env,
        "ALEATORIC_QUEUE": f"aleatoric-fault-{uuid.uuid4().hex[:8]}",
        "ALEATORIC_DATA_DIR": str(tmp_path / "data"),
        "ALEATORIC_CACHE_DIR": str(tmp_path / "cache"),
        "ALEATORIC_TEST_CHUNK_DELAY": str(DELAY),
    }
    env.update(extra)
    return env


def _settings(env: dict[str, str]) -> JobSettings:
    fields = {k.removeprefix("ALEATORIC_").lower(): v for k, v in env.items() if "ALEATORIC_" in k}
    return JobSettings.model_validate(fields)


def _workers(env: dict[str, str], log_dir: Path, n: int) -> list[ServiceProcess]:
    # Started side by side: each waits for its own "ready".
    with ThreadPoolExecutor(n) as pool:
        return list(
            pool.map(lambda i: start_worker(env, log_dir, name=f"fault-worker-{i}"), range(n))
        )


@pytest.fixture
def stores() -> Iterator[list[JobStore]]:
    """Job stores a test opened, closed afterwards."""
    opened: list[JobStore] = []
    yield opened
    for store in opened:
        store.dispose()


def _store(settings: JobSettings, stores: list[JobStore]) -> JobStore:
    store = JobStore(settings.effective_database_url, settings.database_schema)
    store.create_all()
    stores.append(store)
    return store


def _submit(
    settings: JobSettings, stores: list[JobStore], segments: tuple[int, int] = (0, 2)
) -> tuple[JobStore, str]:
    store = _store(settings, stores)
    queue = JobQueue(create_celery(settings, results=False), settings)
    config = load_config(**JOB, seed=SEED)
    job = submit_job(
        store, queue, config, formats=("parquet",), segments=segments,
        partial=segments != (0, 2), chunk_segments=1,
    )  # fmt: skip
    return store, job.id


def _running_chunk(store: JobStore, job_id: str) -> int:
    found: list[int] = []

    def running() -> bool:
        job = store.get_job(job_id)
        assert job is not None
        found[:] = [c.index for c in job.chunks if c.state is State.RUNNING and c.owner]
        return bool(found)

    wait_until(running, 60, 0.1, "a chunk to run")
    return found[0]


def _owner_pid(store: JobStore, job_id: str, index: int) -> int:
    job = store.get_job(job_id)
    assert job is not None and job.chunks[index].owner
    return int(job.chunks[index].owner.rpartition(":")[2])


def _finish(store: JobStore, job_id: str, timeout: float, *logs: ServiceProcess) -> Job:
    record: list[Job] = []

    def over() -> bool:
        job = store.get_job(job_id)
        assert job is not None
        record[:] = [job]
        return job.state.terminal

    try:
        wait_until(over, timeout, 0.2, f"job {job_id} to end")
    except AssertionError:
        tails = "\n".join(f"--- {p.name} ---\n{p.output()[-3000:]}" for p in logs)
        raise AssertionError(f"{record}\n{tails}") from None
    return record[0]


def _report(what: str, seconds: float) -> None:
    print(f"\nrecovery [{what}]: {seconds:.1f} s after the fault (lease {LEASE} s)")


def _assert_published(settings: JobSettings, job: Job, local_run: Path) -> None:
    assert job.state is State.SUCCEEDED, job
    assert tree_digests(settings.datasets_dir / job.id) == tree_digests(local_run)


def _stop(*procs: ServiceProcess) -> None:
    for proc in procs:
        proc.stop()


def test_kill_9_of_a_whole_worker(
    service_env: dict[str, str],
    log_dir: Path,
    tmp_path: Path,
    local_run: Path,
    stores: list[JobStore],
) -> None:
    env = _env(service_env, tmp_path)
    settings = _settings(env)
    workers = _workers(env, log_dir, 2)
    try:
        store, job_id = _submit(settings, stores)
        index = _running_chunk(store, job_id)
        pid = _owner_pid(store, job_id, index)
        victim = next(w for w in workers if os.getpgid(pid) == w.proc.pid)
        victim.kill(signal.SIGKILL)
        killed = time.monotonic()
        job = _finish(store, job_id, LEASE + 2 * DELAY + 60, *workers)
        _report("kill -9 of a whole worker, Redis", time.monotonic() - killed)
    finally:
        _stop(*workers)
    _assert_published(settings, job, local_run)
    assert job.chunks[index].attempts >= 2
    assert time.monotonic() - killed < LEASE + 2 * DELAY + SLACK


def test_kill_9_of_the_pool_process(
    service_env: dict[str, str],
    log_dir: Path,
    tmp_path: Path,
    local_run: Path,
    stores: list[JobStore],
) -> None:
    env = _env(service_env, tmp_path)
    settings = _settings(env)
    (worker,) = _workers(env, log_dir, 1)
    try:
        store, job_id = _submit(settings, stores)
        index = _running_chunk(store, job_id)
        os.kill(_owner_pid(store, job_id, index), signal.SIGKILL)
        killed = time.monotonic()
        job = _finish(store, job_id, LEASE + 2 * DELAY + 60, worker)
        elapsed = time.monotonic() - killed
        _report("kill -9 of the pool process", elapsed)
    finally:
        _stop(worker)
    _assert_published(settings, job, local_run)
    assert job.chunks[index].attempts >= 2
    assert elapsed < LEASE + 2 * DELAY + SLACK


def test_kill_9_of_the_api(
    service_env: dict[str, str],
    log_dir: Path,
    tmp_path: Path,
    local_run: Path,
    stores: list[JobStore],
) -> None:
    env = _env(service_env, tmp_path)
    settings = _settings(env)
    with ThreadPoolExecutor(2) as pool:
        starting = pool.submit(start_api, env, log_dir)
        (worker,) = _workers(env, log_dir, 1)
        api, url = starting.result()
    headers = {"Authorization": f"Bearer {API_KEY}"}
    try:
        body = {**JOB, "seed": SEED}
        job_id = httpx.post(f"{url}/v1/jobs", json=body, headers=headers, timeout=30).json()["id"]
        store = _store(settings, stores)
        _running_chunk(store, job_id)
        api.kill(signal.SIGKILL)
        killed = time.monotonic()
        job = _finish(store, job_id, LEASE + 2 * DELAY + 60, worker)
        _report("kill -9 of the API", time.monotonic() - killed)
        api.stop()
        api, url = start_api(env, log_dir)
        answer = httpx.get(f"{url}/v1/jobs/{job_id}", headers=headers, timeout=30).json()
        assert answer["state"] == "succeeded", answer
    finally:
        _stop(worker, api)
    _assert_published(settings, job, local_run)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, Path, list[subprocess.Popen[bytes]]]]:
    """A Redis of this test alone (its own port and directory, AOF everysec, as deployed)."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing; .ci/services installs it")
        pytest.skip("redis-server is missing")
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    procs: list[subprocess.Popen[bytes]] = []
    yield f"redis://127.0.0.1:{port}/0", data, procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _start_redis(url: str, data: Path, procs: list[subprocess.Popen[bytes]]) -> None:
    import redis

    port = url.rsplit(":", 1)[1].split("/")[0]
    args = ["redis-server", "--bind", "127.0.0.1", "--port", port, "--dir", str(data)]
    args += ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
    procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))

    def answers() -> bool:
        try:
            return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    wait_until(answers, 30, 0.1, "the test-owned Redis")


def test_a_redis_restart(
    service_env: dict[str, str],
    log_dir: Path,
    tmp_path: Path,
    local_run: Path,
    stores: list[JobStore],
    own_redis: tuple[str, Path, list[subprocess.Popen[bytes]]],
) -> None:
    url, data, procs = own_redis
    _start_redis(url, data, procs)
    env = _env(service_env, tmp_path, ALEATORIC_BROKER_URL=url)
    settings = _settings(env)
    (worker,) = _workers(env, log_dir, 1)
    try:
        store, job_id = _submit(settings, stores)
        _running_chunk(store, job_id)
        procs[-1].kill()  # crash, then start again from the AOF
        procs[-1].wait(10)
        restarted = time.monotonic()
        _start_redis(url, data, procs)
        job = _finish(store, job_id, LEASE + 2 * DELAY + 90, worker)
        _report("Redis restart (AOF everysec)", time.monotonic() - restarted)
    finally:
        _stop(worker)
    _assert_published(settings, job, local_run)


def _rabbitmq() -> None:
    from kombu import Connection

    try:
        with Connection(RABBITMQ_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"RabbitMQ is not reachable ({exc}); .ci/services starts it")
        pytest.skip(f"RabbitMQ is not reachable: {exc}")


def test_rabbitmq_redelivers_a_killed_workers_chunk_at_once(
    service_env: dict[str, str],
    log_dir: Path,
    tmp_path: Path,
    local_run: Path,
    stores: list[JobStore],
) -> None:
    _rabbitmq()
    env = _env(service_env, tmp_path, ALEATORIC_BROKER_URL=RABBITMQ_URL)
    settings = _settings(env)
    workers = _workers(env, log_dir, 2)
    try:
        store, job_id = _submit(settings, stores)
        index = _running_chunk(store, job_id)
        pid = _owner_pid(store, job_id, index)
        victim = next(w for w in workers if os.getpgid(pid) == w.proc.pid)
        victim.kill(signal.SIGKILL)
        killed = time.monotonic()
        job = _finish(store, job_id, LEASE + 2 * DELAY + 60, *workers)
        elapsed = time.monotonic() - killed
        _report("kill -9 of a whole worker, RabbitMQ", elapsed)
    finally:
        _stop(*workers)
    _assert_published(settings, job, local_run)
    assert job.chunks[index].attempts >= 2
    assert elapsed < LEASE + 2 * DELAY + SLACK


def test_a_rabbitmq_restart(
    service_env: dict[str, str],
    log_dir: Path,
    tmp_path: Path,
    local_run: Path,
    stores: list[JobStore],
) -> None:
    _rabbitmq()
    ctl = shutil.which("rabbitmqctl")
    if ctl is None or os.environ.get("TEST_RABBITMQ_URL"):
        pytest.skip("restarting needs rabbitmqctl on the broker's own machine")
    env = _env(service_env, tmp_path, ALEATORIC_BROKER_URL=RABBITMQ_URL)
    settings = _settings(env)
    (worker,) = _workers(env, log_dir, 1)
    try:
        store, job_id = _submit(settings, stores)
        _running_chunk(store, job_id)
        restarted = time.monotonic()
        # The broker application restarts: every connection drops, queues come back from disk.
        subprocess.run([ctl, "stop_app"], check=True, capture_output=True, timeout=120)
        subprocess.run([ctl, "start_app"], check=True, capture_output=True, timeout=120)
        job = _finish(store, job_id, LEASE + 2 * DELAY + 90, worker)
        _report("RabbitMQ restart", time.monotonic() - restarted)
    finally:
        _stop(worker)
    _assert_published(settings, job, local_run)


def test_a_chunk_over_the_hard_time_limit_is_dead_lettered(
    service_env: dict[str, str], log_dir: Path, tmp_path: Path, stores: list[JobStore]
) -> None:
    env = _env(
        service_env,
        tmp_path,
        ALEATORIC_TEST_CHUNK_DELAY="0",
        ALEATORIC_TEST_HANG_SEGMENTS=f"{SEED}:1",
        ALEATORIC_CHUNK_TIME_LIMIT="2",
        ALEATORIC_TIME_LIMIT_GRACE="1",
        ALEATORIC_MAX_RETRIES="1",
    )
    settings = _settings(env)
    (worker,) = _workers(env, log_dir, 1)
    try:
        started = time.monotonic()
        store, job_id = _submit(settings, stores, segments=(1, 2))
        job = _finish(store, job_id, 2 * (3 + LEASE) + 60, worker)
        elapsed = time.monotonic() - started
        _report("a chunk over the hard time limit, dead-lettered", elapsed)
    finally:
        _stop(worker)
    assert job.state is State.FAILED, job
    dead = job.chunks[0]
    assert dead.state is State.DEAD and dead.attempts == 2
    assert "hard time limit" in (dead.error or "") and "gave up after 2 attempts" in (
        dead.error or ""
    )
    assert "chunk 0 (segments 1-1) is dead" in (job.error or "")
    assert elapsed < 2 * (3 + LEASE) + 3 * SLACK
