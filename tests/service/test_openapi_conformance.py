"""The OpenAPI document against the running app, with schemathesis: every response of every
operation (with a valid key, without one, with generated bodies and paths) has a documented
status code and matches its documented schema, 401 and 422 included; no 500."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from aleatoric.jobs import JobSettings
from aleatoric.service import create_app
from tests.service._procs import start_api
from tests.service.conftest import API_KEY

schemathesis = pytest.importorskip("schemathesis")

pytestmark = pytest.mark.timeout(300)

#: What every response must satisfy. (Not ``positive_data_acceptance``: config fields are
#: loosely typed in the document, by design, so a schema-valid body may still be an invalid
#: config, answered with a documented 422.)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def app(settings: JobSettings) -> Iterator[Any]:
    # A queue of its own, deleted afterwards: no worker ever runs what these calls submit.
    own = settings.model_copy(update={"queue": f"openapi-{uuid.uuid4().hex[:8]}"})
    application = create_app(own)
    with TestClient(application) as client:  # runs the lifespan (once): tables exist
        application.state.test_client = client
        yield application
    client = redis.Redis.from_url(own.broker_url)
    client.delete(own.queue)
    client.close()


def test_the_documented_error_shapes(app: Any) -> None:
    spec = app.openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            responses = operation["responses"]
            if path.startswith("/v1/"):
                for code in ("401", "422"):
                    schema = responses[code]["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (path, code)
    client = app.state.test_client
    missing = client.get("/v1/presets")
    assert missing.status_code == 401 and set(missing.json()) == {"detail", "errors"}
    bad = client.post("/v1/validate", json={"colour": 1},
                      headers={"Authorization": f"Bearer {API_KEY}"})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "colour", "message": "unknown field"}]


@pytest.fixture(scope="module")
def api_schema(service_env: dict[str, str], log_dir: Path) -> Iterator[Any]:
    """The document of a live API process with a queue of its own (no worker consumes it)."""
    queue = f"openapi-live-{uuid.uuid4().hex[:8]}"
    proc, url = start_api({**service_env, "ALEATORIC_QUEUE": queue}, log_dir)
    try:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")
    finally:
        proc.stop()
        client = redis.Redis.from_url(service_env["ALEATORIC_BROKER_URL"])
        client.delete(queue)
        client.close()


def test_responses_match_the_document(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def responds_as_documented(case: Any) -> None:
            if case.path == "/v1/jobs" and case.method == "POST" and isinstance(case.body, dict):
                # Keep submitted jobs tiny: the point is the response, not the work.
                case.body = {**case.body, "duration": "5m", "segment": "5m", "warmup": "5m"}
            for key in (API_KEY, "not-a-key-of-this-service"):
                case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

        responds_as_documented()
