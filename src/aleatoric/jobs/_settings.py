"""Service and worker settings, read from ``ALEATORIC_*`` environment variables.

One settings object configures the API, the workers and the client-facing limits, so that a
deployment is described by environment variables alone (see ``docs/deploy.md``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Self

import platformdirs
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from aleatoric.cache import default_cache_dir

__all__ = ["JobSettings", "broker_kind"]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_FAULT = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")


def broker_kind(url: str) -> str:
    """Return ``"redis"``, ``"amqp"`` (RabbitMQ), ``"azureservicebus"`` or the URL scheme of
    another broker."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("redis", "rediss", "redis+socket"):
        return "redis"
    if scheme in ("amqp", "amqps", "pyamqp"):
        return "amqp"
    return scheme


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class JobSettings(BaseSettings):
    """Everything the job service reads from its environment (prefix ``ALEATORIC_``).

    Attributes
    ----------
    broker_url
        Celery broker. ``redis://host:port/db`` (default), ``amqp://user:pass@host:5672/vhost``
        (RabbitMQ) or ``azureservicebus://POLICY:KEY@NAMESPACE`` (Azure Service Bus through
        kombu, with message lock renewal switched on).
    result_backend
        Celery result backend; defaults to the broker URL for Redis and to none otherwise.
    queue
        Queue (Redis list) the chunk and finalizer tasks go to; autoscalers watch it.
    database_url
        SQLAlchemy URL of the job records: PostgreSQL in service mode
        (``postgresql+psycopg://...``), SQLite (the default, under ``data_dir``) on one machine.
    database_schema
        PostgreSQL schema holding the tables (created when missing); ``None`` for the default.
    data_dir
        Where finished datasets are published (``<data_dir>/datasets/<job id>``).
    cache_dir
        The segment cache shared by API and workers: the artifact store.
    chunk_segments
        Whole segments per chunk task.
    max_retries
        Retries of a failing chunk (after its first attempt) before it is dead-lettered.
    chunk_time_limit
        Seconds a chunk may run (soft limit; the hard limit adds a grace period).
    visibility_timeout
        Seconds before Redis redelivers an unacknowledged task; must exceed the longest chunk.
    lease_seconds
        Lease of a running chunk or finalizer, renewed by its worker's heartbeat; when it runs
        out the reaper sends the work again (about how long a killed worker's chunk waits).
    reap_interval
        Seconds between reaper passes (API and worker main processes).
    """

    model_config = SettingsConfigDict(
        env_prefix="ALEATORIC_", extra="ignore", frozen=True, validate_default=True
    )

    broker_url: str = "redis://127.0.0.1:6379/0"
    result_backend: str | None = None
    queue: str = Field("aleatoric", pattern=r"^[A-Za-z0-9_.\-]{1,200}$")
    database_url: str | None = None
    database_schema: str | None = None
    data_dir: Path = Path(platformdirs.user_data_dir("aleatoric"))
    cache_dir: Path = Field(default_factory=default_cache_dir)
    chunk_segments: int = Field(4, ge=1, le=10_000)
    max_retries: int = Field(3, ge=0, le=100)
    retry_backoff: float = Field(2.0, gt=0, description="First retry delay in seconds.")
    retry_backoff_max: float = Field(300.0, gt=0, description="Longest retry delay in seconds.")
    chunk_time_limit: int = Field(3_600, ge=1)
    time_limit_grace: int = Field(60, ge=1)
    visibility_timeout: int = Field(7_200, ge=2)
    restore_interval: int = Field(
        30, ge=1, description="Seconds between sweeps that restore unacknowledged tasks."
    )
    lease_seconds: float = Field(
        60.0, ge=1, le=86_400, description="Lease of running work, renewed by a heartbeat."
    )
    reap_interval: float = Field(
        15.0, gt=0, le=3_600, description="Seconds between passes of the lease reaper."
    )
    soft_shutdown_timeout: float = Field(
        60.0, ge=0, description="Seconds a stopping worker lets its running chunk finish."
    )
    servicebus_peek_lock_seconds: int = Field(60, ge=5, le=300)
    servicebus_queue_prefix: str = ""
    api_keys: Annotated[tuple[str, ...], NoDecode] = ()
    allow_anonymous: bool = False
    #: Host headers the mounted MCP endpoint accepts (DNS-rebinding protection).
    mcp_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ("127.0.0.1:*", "localhost:*")
    signing_key: Path | None = None
    max_request_bytes: int = Field(64 * 1024, ge=1_024)
    max_job_segments: int = Field(100_000, ge=1)
    # --- test hooks: never set these in production -----------------------------------------
    test_chunk_delay: float = Field(
        0.0, ge=0, description="Test only: seconds a worker sleeps before each segment."
    )
    test_fail_segments: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Test only: 'seed:segment' pairs whose computation always fails."
    )
    test_hang_segments: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Test only: 'seed:segment' pairs whose computation hangs, deaf to the "
        "soft time limit (like native code holding the interpreter).",
    )

    @field_validator(
        "api_keys", "test_fail_segments", "test_hang_segments", "mcp_allowed_hosts", mode="before"
    )
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("api_keys")
    @classmethod
    def _long_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        short = [k for k in value if len(k) < 16]
        if short:
            raise ValueError("every API key needs at least 16 characters")
        return value

    @field_validator("test_fail_segments", "test_hang_segments")
    @classmethod
    def _faults(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in value if not _FAULT.match(v)]
        if bad:
            raise ValueError(f"'seed:segment' pairs, was {', '.join(bad)}")
        return value

    @field_validator("database_schema")
    @classmethod
    def _schema_name(cls, value: str | None) -> str | None:
        if value is not None and not _SCHEMA_NAME.match(value):
            raise ValueError("a lower-case SQL identifier (letters, digits, underscore)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        longest = self.chunk_time_limit + self.time_limit_grace
        if self.visibility_timeout <= longest + self.retry_backoff_max:
            raise ValueError(
                f"visibility_timeout ({self.visibility_timeout} s) must exceed the longest chunk "
                f"plus the longest retry delay ({longest + self.retry_backoff_max:g} s); "
                "otherwise a running chunk is delivered twice"
            )
        kind = broker_kind(self.broker_url)
        if kind == "azureservicebus" and "@" not in self.broker_url:
            raise ValueError(
                "broker_url: azureservicebus://POLICY:KEY@NAMESPACE, "
                "azureservicebus://DefaultAzureCredential@NAMESPACE or "
                "azureservicebus://ManagedIdentityCredential@NAMESPACE"
            )
        return self

    @property
    def effective_database_url(self) -> str:
        """Return the database URL, defaulting to SQLite in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'jobs.sqlite3'}"

    @property
    def effective_result_backend(self) -> str | None:
        """Return the result backend: explicit, else the broker when it is Redis."""
        if self.result_backend:
            return self.result_backend
        return self.broker_url if broker_kind(self.broker_url) == "redis" else None

    @property
    def datasets_dir(self) -> Path:
        """Return the directory holding one published dataset per finished job."""
        return self.data_dir / "datasets"

    @property
    def max_attempts(self) -> int:
        """Return how many times a chunk may start before it is dead-lettered."""
        return self.max_retries + 1

    def retry_delay(self, attempt: int) -> float:
        """Return the delay before retry number ``attempt`` (1-based): exponential, capped."""
        return float(min(self.retry_backoff * 2 ** max(attempt - 1, 0), self.retry_backoff_max))

    def injected_failure(self, seed: int, segment: int) -> bool:
        """Return whether the test hook says segment ``segment`` of seed ``seed`` fails."""
        return _listed(self.test_fail_segments, seed, segment)

    def injected_hang(self, seed: int, segment: int) -> bool:
        """Return whether the test hook says segment ``segment`` of seed ``seed`` hangs."""
        return _listed(self.test_hang_segments, seed, segment)


def _listed(pairs: tuple[str, ...], seed: int, segment: int) -> bool:
    for pair in pairs:
        match = _FAULT.match(pair)
        if match and (int(match.group(1)), int(match.group(2))) == (seed, segment):
            return True
    return False
