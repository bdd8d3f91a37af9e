"""Fixtures for the job service tests: a Redis database, a PostgreSQL schema, real processes.

Nothing here is mocked. Each session claims an empty Redis database (flushed at the end), a
queue name of its own and a PostgreSQL schema of its own (dropped at the end). When Redis or
PostgreSQL cannot be reached the service tests are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aleatoric.jobs import JobSettings
from tests.service._procs import ServiceProcess, start_api, start_worker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test"
)
API_KEY = f"test-key-{uuid.uuid4().hex}"
OTHER_KEY = f"other-key-{uuid.uuid4().hex}"
#: Jobs with this seed fail in segment 1 on every attempt (the workers' test hook).
FAIL_SEED = 666
#: A small job: three 5-minute segments, two tables.
SMALL_JOB = {"duration": "15m", "segment": "5m", "warmup": "5m", "tables": ["trades", "ticker"]}
_CLAIM = "aleatoric:test-session"
#: Lease of running work in the service tests (seconds): a killed worker's chunk waits this.
LEASE = 3


def _unavailable(what: str, exc: BaseException) -> None:
    message = f"{what} is not reachable ({type(exc).__name__}: {exc})"
    if os.environ.get("CI"):
        pytest.fail(message + "; .ci/services starts it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """An empty Redis database claimed for this session, flushed afterwards."""
    import redis

    token = uuid.uuid4().hex
    claimed: redis.Redis | None = None
    db = 0
    try:
        for db in range(1, 16):
            client = redis.Redis.from_url(f"{REDIS_URL}/{db}", socket_timeout=5)
            if client.dbsize() == 0 and client.set(_CLAIM, token, nx=True, ex=6 * 3600):
                claimed = client
                break
            client.close()
    except redis.RedisError as exc:
        _unavailable("Redis", exc)
    if claimed is None:
        pytest.fail("no empty Redis database (1-15) to claim for the tests")
    yield f"{REDIS_URL}/{db}"
    claimed.flushdb()
    claimed.close()


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A PostgreSQL schema name for this session; the schema is dropped afterwards."""
    import psycopg

    schema = f"aleatoric_test_{uuid.uuid4().hex[:12]}"
    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(dsn, connect_timeout=5).close()
    except psycopg.Error as exc:
        _unavailable("PostgreSQL", exc)
    yield schema
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def service_env(
    redis_url: str, pg_schema: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Environment of the API and worker processes (and of :func:`settings`)."""
    data = tmp_path_factory.mktemp("service-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALEATORIC_")}
    env.update(
        ALEATORIC_BROKER_URL=redis_url,
        ALEATORIC_QUEUE=f"aleatoric-test-{uuid.uuid4().hex[:8]}",
        ALEATORIC_DATABASE_URL=POSTGRES_URL,
        ALEATORIC_DATABASE_SCHEMA=pg_schema,
        ALEATORIC_DATA_DIR=str(data),
        ALEATORIC_CACHE_DIR=str(data / "cache"),
        ALEATORIC_API_KEYS=f"{API_KEY},{OTHER_KEY}",
        ALEATORIC_CHUNK_SEGMENTS="1",
        ALEATORIC_MAX_RETRIES="2",
        ALEATORIC_RETRY_BACKOFF="0.2",
        ALEATORIC_RETRY_BACKOFF_MAX="1",
        ALEATORIC_CHUNK_TIME_LIMIT="20",
        ALEATORIC_TIME_LIMIT_GRACE="2",
        ALEATORIC_VISIBILITY_TIMEOUT="25",
        ALEATORIC_RESTORE_INTERVAL="1",
        ALEATORIC_LEASE_SECONDS=str(LEASE),
        ALEATORIC_REAP_INTERVAL="0.5",
        ALEATORIC_SOFT_SHUTDOWN_TIMEOUT="0",
        ALEATORIC_TEST_FAIL_SEGMENTS=f"{FAIL_SEED}:1",
    )
    return env


@pytest.fixture(scope="session")
def settings(service_env: dict[str, str]) -> JobSettings:
    """The same settings the service processes read from ``service_env``."""
    fields = {
        k.removeprefix("ALEATORIC_").lower(): v
        for k, v in service_env.items()
        if k.startswith("ALEATORIC_")
    }
    return JobSettings.model_validate(fields)


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the service processes write their output."""
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="session")
def api(service_env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """Base URL of a running ``aleatoric serve`` on a free loopback port."""
    proc, url = start_api(service_env, log_dir)
    yield url
    proc.stop()


@pytest.fixture
def http(api: str) -> Iterator[httpx.Client]:
    """An HTTP client of the API carrying a valid key."""
    with httpx.Client(
        base_url=api, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture(scope="module")
def worker(service_env: dict[str, str], log_dir: Path) -> Iterator[ServiceProcess]:
    """One worker process for the tests of a module."""
    proc = start_worker(service_env, log_dir)
    yield proc
    proc.stop()


def tree_digests(root: Path) -> dict[str, str]:
    """Return ``{relative path: sha256}`` of every file under ``root``."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
