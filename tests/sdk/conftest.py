"""The SDK tests reuse the job service fixtures: real API and worker processes, Redis and
PostgreSQL (see tests/service/conftest.py)."""

from tests.service.conftest import (  # noqa: F401 - fixtures are found by name
    api,
    log_dir,
    pg_schema,
    redis_url,
    service_env,
    settings,
    worker,
)
