"""Settings, the Celery configuration and the broker choice, without any service running."""

from __future__ import annotations

import os

import pytest
from kombu import Connection
from pydantic import ValidationError

from aleatoric.config import ConfigError, DatasetConfig, input_fields, load_config
from aleatoric.jobs import (
    CHUNK_TASK,
    FINALIZE_TASK,
    JobSettings,
    broker_transport_options,
    celery_config,
    check_formats,
    check_segment_range,
    create_celery,
    plan_chunks,
)
from aleatoric.service._schemas import ConfigFields

SAS_URL = "azureservicebus://RootManageSharedAccessKey:c2VjcmV0L2tleQ==@aleatoric-test"


@pytest.fixture(autouse=True)
def _no_service_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Defaults are what these tests check: no ALEATORIC_* variable of the caller applies.
    for name in list(os.environ):
        if name.startswith("ALEATORIC_") and name != "ALEATORIC_CACHE_DIR":
            monkeypatch.delenv(name)


def test_defaults_are_redis_with_no_job_lost_settings() -> None:
    settings = JobSettings()
    assert settings.broker_url == "redis://127.0.0.1:6379/0"
    conf = celery_config(settings)
    assert conf["result_backend"] == settings.broker_url
    assert conf["task_acks_late"] is True
    assert conf["task_reject_on_worker_lost"] is True
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["task_ignore_result"] is False
    # The visibility timeout covers the longest chunk in both places Celery reads it.
    timeout = settings.visibility_timeout
    assert conf["broker_transport_options"]["visibility_timeout"] == timeout
    assert conf["result_backend_transport_options"]["visibility_timeout"] == timeout
    assert timeout > conf["task_time_limit"] > conf["task_soft_time_limit"]


def test_celery_app_has_the_tasks_and_the_settings() -> None:
    settings = JobSettings(queue="unit-queue")
    app = create_celery(settings)
    assert {CHUNK_TASK, FINALIZE_TASK} <= set(app.tasks)
    assert app.conf.task_acks_late is True
    assert app.conf.task_default_queue == "unit-queue"
    assert app.conf.broker_transport_options["visibility_timeout"] == settings.visibility_timeout


def test_environment_is_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALEATORIC_API_KEYS", " first-key-0123456789 , second-key-0123456789 ")
    monkeypatch.setenv("ALEATORIC_CHUNK_SEGMENTS", "8")
    monkeypatch.setenv("ALEATORIC_DATABASE_URL", "postgresql+psycopg://u@db:5432/jobs")
    settings = JobSettings()
    assert settings.api_keys == ("first-key-0123456789", "second-key-0123456789")
    assert settings.chunk_segments == 8
    assert settings.effective_database_url == "postgresql+psycopg://u@db:5432/jobs"


def test_sqlite_is_the_default_database(tmp_path: object) -> None:
    settings = JobSettings(data_dir=str(tmp_path))
    assert settings.effective_database_url == f"sqlite:///{tmp_path}/jobs.sqlite3"


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"visibility_timeout": 100, "chunk_time_limit": 100}, "visibility_timeout"),
        ({"api_keys": "short"}, "16 characters"),
        ({"database_schema": "Robert'); DROP"}, "identifier"),
        ({"broker_url": "azureservicebus://no-credentials"}, "azureservicebus://"),
        ({"test_fail_segments": "1-2"}, "seed:segment"),
    ],
)
def test_invalid_settings_are_refused(fields: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        JobSettings.model_validate(fields)


def test_retry_delay_grows_exponentially_up_to_a_cap() -> None:
    settings = JobSettings(retry_backoff=2, retry_backoff_max=30)
    assert [settings.retry_delay(a) for a in range(1, 7)] == [2, 4, 8, 16, 30, 30]
    assert settings.max_attempts == settings.max_retries + 1


def test_azure_service_bus_is_chosen_by_the_url_alone() -> None:
    settings = JobSettings(broker_url=SAS_URL, servicebus_queue_prefix="ae-")
    options = broker_transport_options(settings)
    assert options["use_lock_renewal"] is True
    assert options["max_lock_renewal_duration"] == float(settings.visibility_timeout)
    assert options["max_lock_renewal_duration"] > settings.chunk_time_limit
    assert 5 <= options["peek_lock_seconds"] <= 300
    conf = celery_config(settings)
    assert conf["result_backend"] is None and conf["task_ignore_result"] is True
    assert "result_backend_transport_options" not in conf
    assert conf["task_acks_late"] is True


def test_azure_transport_accepts_the_configuration_offline() -> None:
    from kombu.transport.azureservicebus import Channel, Transport

    settings = JobSettings(broker_url=SAS_URL)
    conn = Connection(settings.broker_url, transport_options=broker_transport_options(settings))
    try:
        assert conn.transport_cls == "azureservicebus"
        transport = conn.transport
        assert isinstance(transport, Transport)
        # A channel parses the namespace and credentials and reads the options; it talks to
        # Service Bus only when a queue is used.
        channel = transport.create_channel(transport)
        assert isinstance(channel, Channel)
        assert channel._namespace == "aleatoric-test.servicebus.windows.net"
        assert channel._policy == "RootManageSharedAccessKey"
        assert channel.use_lock_renewal is True
        assert channel.max_lock_renewal_duration == float(settings.visibility_timeout)
        assert channel.peek_lock_seconds == settings.servicebus_peek_lock_seconds
        assert "c2VjcmV0" not in conn.as_uri()
    finally:
        conn.release()


def test_plan_chunks_cuts_whole_segments() -> None:
    assert plan_chunks(0, 10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert plan_chunks(3, 4, 4) == [(3, 4)]
    with pytest.raises(ValueError):
        plan_chunks(0, 3, 0)


def test_segment_range_and_formats_are_checked_per_field() -> None:
    config = load_config(duration="15m", segment="5m", warmup="5m")
    assert check_segment_range(config, None, None, 100) == (0, 3)
    assert check_segment_range(config, 1, 2, 100) == (1, 2)
    with pytest.raises(ConfigError) as info:
        check_segment_range(config, 2, 9, 100)
    assert [f for f, _ in info.value.errors] == ["segments.stop"]
    with pytest.raises(ConfigError) as info:
        check_segment_range(config, 0, 3, 2)
    assert info.value.errors[0][0] == "segments"
    assert check_formats(config, ["native", "parquet"]) == ("parquet", "native")
    with pytest.raises(ConfigError) as info:
        check_formats(config, ["csv"])
    assert info.value.errors[0][0] == "formats"


def test_request_model_covers_every_config_field() -> None:
    # Every input field: the config's own and the flat venue/symbol/okx_checksum.
    assert set(ConfigFields.model_fields) == set(input_fields())
    assert set(DatasetConfig.model_fields) < set(ConfigFields.model_fields)


def test_commands_refuse_invalid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from aleatoric.cli import app

    monkeypatch.setenv("ALEATORIC_VISIBILITY_TIMEOUT", "10")
    for command in ("serve", "worker"):
        result = CliRunner().invoke(app, [command])
        assert result.exit_code == 2, result.output
        assert "invalid service settings" in result.output
