"""The HTTP API in process, over the real Redis broker and PostgreSQL (no worker running)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
import redis
from fastapi.testclient import TestClient

from aleatoric.cache import CacheStore
from aleatoric.config import load_config
from aleatoric.jobs import JobSettings, JobStore, State
from aleatoric.service import create_app
from tests.service.conftest import API_KEY, OTHER_KEY, SMALL_JOB

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(scope="module")
def queue_settings(settings: JobSettings) -> Iterator[JobSettings]:
    # A queue of its own: no worker ever consumes what these tests enqueue.
    own = settings.model_copy(update={"queue": f"api-unit-{uuid.uuid4().hex[:8]}"})
    yield own
    client = redis.Redis.from_url(own.broker_url)
    client.delete(own.queue)
    client.close()


@pytest.fixture(scope="module")
def client(queue_settings: JobSettings) -> Iterator[TestClient]:
    with TestClient(create_app(queue_settings)) as test_client:
        yield test_client


def test_health_is_open_and_v1_needs_a_key(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    missing = client.get("/v1/presets")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["detail"] == "missing API key"
    wrong = client.get("/v1/presets", headers={"Authorization": f"Bearer {API_KEY}x"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "invalid API key"
    basic = client.get("/v1/presets", headers={"Authorization": f"Basic {API_KEY}"})
    assert basic.status_code == 401
    assert client.get("/v1/presets", headers={"Authorization": f"Bearer {OTHER_KEY}"}).is_success
    assert client.post("/v1/jobs", json=SMALL_JOB).status_code == 401


def test_openapi_lists_every_route_with_bearer_auth(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/v1/jobs",
        "/v1/jobs/{job_id}",
        "/v1/jobs/{job_id}/manifest",
        "/v1/jobs/{job_id}/files/{path}",
        "/v1/segments/{key}",
        "/v1/validate",
        "/v1/presets",
        "/v1/venues",
        "/healthz",
    } <= paths
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert "JobRequest" in spec["components"]["schemas"]


def test_catalog(client: TestClient) -> None:
    presets = client.get("/v1/presets", headers=AUTH).json()
    assert {p["name"] for p in presets} >= {"calm", "volatile"}
    venues = {v["venue"]: v for v in client.get("/v1/venues", headers=AUTH).json()}
    assert {"binance", "bybit", "okx", "hyperliquid"} <= set(venues)
    binance = {i["symbol"]: i for i in venues["binance"]["instruments"]}
    assert Decimal(binance["BTCUSDT"]["tick_size"]) == Decimal("0.1")
    ok = client.post("/v1/validate", json=SMALL_JOB, headers=AUTH).json()
    assert ok["valid"] and ok["segments"] == 3 and ok["config"]["duration"] == "15m"
    bad = client.post("/v1/validate", json={"venue": "nasdaq"}, headers=AUTH).json()
    assert not bad["valid"] and bad["errors"][0]["field"] == "venue"
    assert "allowed" in bad["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"venue": "binance", "symbol": "NOPE"}, {"symbol"}),
        ({"duration": "-1h", "warmup": "1m"}, {"duration", "warmup"}),
        ({"colour": "red"}, {"colour"}),
        ({**SMALL_JOB, "segments": {"start": 1, "stop": 7}}, {"segments.stop"}),
        ({**SMALL_JOB, "formats": ["csv"]}, {"formats"}),
        ({**SMALL_JOB, "seed": "abc"}, {"seed"}),
        ({**SMALL_JOB, "start": "2300-01-01T00:00:00Z"}, {"start"}),
        ({**SMALL_JOB, "start": "1969-12-31T00:00:00Z"}, {"start"}),
        ({**SMALL_JOB, "duration": "36500d"}, {"duration"}),
        ({**SMALL_JOB, "start": "2262-04-01T00:00:00Z", "duration": "30d"}, {"duration"}),
    ],
)
def test_invalid_jobs_get_field_errors(
    client: TestClient, body: dict[str, object], fields: set[str]
) -> None:
    response = client.post("/v1/jobs", json=body, headers=AUTH)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == fields
    checked = client.post("/v1/validate", json=body, headers=AUTH)
    if "segments.stop" not in fields and "formats" not in fields:
        assert checked.status_code in (200, 422)  # 422: not a config field at all
        assert not checked.json().get("valid")
        assert {e["field"] for e in checked.json()["errors"]} == fields


def test_a_nul_byte_in_a_file_path_is_404_not_500(
    client: TestClient, queue_settings: JobSettings
) -> None:
    store = JobStore(queue_settings.effective_database_url, queue_settings.database_schema)
    job_id = uuid.uuid4().hex
    store.create_job(
        job_id, config_json=load_config(**SMALL_JOB).model_dump_json(), formats=["parquet"],
        seg_start=0, seg_stop=1, partial=False, chunks=[(0, 1)],
    )  # fmt: skip
    store.chunk_succeeded(job_id, 0)
    store.job_succeeded(job_id, "{}")
    store.dispose()
    root = queue_settings.datasets_dir / job_id
    root.mkdir(parents=True)
    (root / "manifest.json").write_text("{}")
    for path in ("x%00", "%00", "a/%00/b", "x" * 5000):
        response = client.get(f"/v1/jobs/{job_id}/files/{path}", headers=AUTH)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["detail"] == "no such file in the dataset"
    assert client.get(f"/v1/jobs/{job_id}/files/manifest.json", headers=AUTH).is_success


def test_bodies_over_the_limit_get_413(client: TestClient, queue_settings: JobSettings) -> None:
    big = {**SMALL_JOB, "symbol": "X" * queue_settings.max_request_bytes}
    assert client.post("/v1/jobs", json=big, headers=AUTH).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"symbol": "'
        for _ in range(queue_settings.max_request_bytes // 1024 + 1):
            yield b"X" * 1024
        yield b'"}'

    streamed = client.post(
        "/v1/jobs", content=chunks(), headers={**AUTH, "content-type": "application/json"}
    )
    assert streamed.status_code == 413


def test_a_job_is_recorded_and_its_chunks_enqueued(
    client: TestClient, queue_settings: JobSettings
) -> None:
    broker = redis.Redis.from_url(queue_settings.broker_url)
    before = broker.llen(queue_settings.queue)
    response = client.post("/v1/jobs", json={**SMALL_JOB, "seed": 5}, headers=AUTH)
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["state"] == "queued" and not job["partial"]
    assert [c["segments"] for c in job["chunks"]] == [{"start": i, "stop": i + 1} for i in range(3)]
    assert job["segment_keys"] == []  # the dataset is published; no segments to fetch
    assert broker.llen(queue_settings.queue) == before + 3  # one task per chunk
    broker.close()
    again = client.get(f"/v1/jobs/{job['id']}", headers=AUTH).json()
    assert again["progress"] == {"done": 0, "total": 3}
    assert client.get(f"/v1/jobs/{job['id']}/manifest", headers=AUTH).status_code == 409
    assert client.get(f"/v1/jobs/{job['id']}/files/manifest.json", headers=AUTH).status_code == 409


def test_a_segment_range_job(client: TestClient, queue_settings: JobSettings) -> None:
    body = {**SMALL_JOB, "segments": {"start": 1, "stop": 3}}
    job = client.post("/v1/jobs", json=body, headers=AUTH).json()
    assert job["partial"] and job["segments"] == {"start": 1, "stop": 3}
    config = load_config(**SMALL_JOB)
    store = CacheStore(queue_settings.cache_dir)
    assert job["segment_keys"] == [
        {"index": i, "instrument": "binance:BTCUSDT", "key": store.segment_key(config, i)}
        for i in (1, 2)
    ]


def test_unknown_things_are_404(client: TestClient) -> None:
    for path in (
        "/v1/jobs/" + "0" * 32,
        "/v1/jobs/not-a-job",
        "/v1/segments/" + "a" * 64,
        "/v1/segments/..%2f..%2fetc%2fpasswd",
        "/v1/jobs/" + "0" * 32 + "/manifest",
    ):
        assert client.get(path, headers=AUTH).status_code == 404, path


def test_a_broker_that_is_down_gives_503_and_a_failed_job(queue_settings: JobSettings) -> None:
    down = queue_settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(down)) as test_client:
        response = test_client.post("/v1/jobs", json={**SMALL_JOB, "seed": 99}, headers=AUTH)
    assert response.status_code == 503 and "job queue" in response.json()["detail"]
    store = JobStore(down.effective_database_url, down.database_schema)
    latest = store.list_jobs(limit=1)[0]
    store.dispose()
    assert latest.state is State.FAILED and "queue is unavailable" in (latest.error or "")
