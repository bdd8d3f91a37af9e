"""End to end over real processes: the API (uvicorn), a Celery worker, Redis, PostgreSQL.

A dataset published by the service, one assembled by the client and one written by the
remote ``generate`` all equal a local ``aleatoric.generate`` byte for byte.
"""

from __future__ import annotations

import hashlib
import http.client
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

import aleatoric
from aleatoric.cache import CacheStore
from aleatoric.client import Client, RemoteError
from aleatoric.jobs import CHUNK_TASK, JobSettings, create_celery
from tests.service._procs import ServiceProcess, wait_until
from tests.service.conftest import API_KEY, FAIL_SEED, SMALL_JOB, tree_digests

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("worker")]


def _wait_job(http: httpx.Client, job_id: str, worker: ServiceProcess, timeout: float = 90) -> Any:
    record: dict[str, Any] = {}

    def finished() -> bool:
        record.update(http.get(f"/v1/jobs/{job_id}").json())
        return record["state"] in ("succeeded", "failed")

    try:
        wait_until(finished, timeout, 0.25, f"job {job_id}")
    except AssertionError:
        raise AssertionError(f"{record}\n--- worker log ---\n{worker.output()[-4000:]}") from None
    return record


def _download(http: httpx.Client, job_id: str, into: Path) -> None:
    manifest = http.get(f"/v1/jobs/{job_id}/manifest")
    assert manifest.status_code == 200
    (into / "manifest.json").parent.mkdir(parents=True, exist_ok=True)
    (into / "manifest.json").write_bytes(manifest.content)
    for entry in manifest.json()["files"]:
        response = http.get(f"/v1/jobs/{job_id}/files/{entry['path']}")
        assert response.status_code == 200, entry["path"]
        assert hashlib.sha256(response.content).hexdigest() == entry["sha256"]
        target = into / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(response.content)


@pytest.fixture(scope="module")
def finished_job(api: str, worker: ServiceProcess, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A three-chunk job run by the service, and a local run of the same config."""
    with httpx.Client(
        base_url=api, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30
    ) as http:
        submitted = http.post("/v1/jobs", json={**SMALL_JOB, "seed": 21})
        assert submitted.status_code == 202, submitted.text
        record = _wait_job(http, submitted.json()["id"], worker)
    local = tmp_path_factory.mktemp("local") / "ds"
    aleatoric.generate(aleatoric.load_config(**SMALL_JOB, seed=21), local)
    return record, local


def test_the_service_publishes_the_bytes_of_a_local_run(
    finished_job: Any, http: httpx.Client, settings: JobSettings, tmp_path: Path
) -> None:
    record, local = finished_job
    assert record["state"] == "succeeded", record
    assert len(record["chunks"]) == 3
    assert all(c["state"] == "succeeded" and c["progress"]["done"] == 1 for c in record["chunks"])
    assert record["progress"] == {"done": 3, "total": 3}
    _download(http, record["id"], tmp_path / "remote")
    assert tree_digests(tmp_path / "remote") == tree_digests(local)
    # Published atomically: the dataset and nothing else (no temporary directory left).
    assert sorted(p.name for p in settings.datasets_dir.iterdir() if record["id"] in p.name) == [
        record["id"]
    ]


def test_a_duplicated_chunk_delivery_writes_identical_bytes(
    finished_job: Any, http: httpx.Client, settings: JobSettings, worker: ServiceProcess
) -> None:
    record, _ = finished_job
    job_id = record["id"]
    store = CacheStore(settings.cache_dir)
    key = store.segment_key(aleatoric.load_config(**SMALL_JOB, seed=21), 0)
    entry = next(store.root.glob(f"segments/*/{key}.npz"))
    before = hashlib.sha256(entry.read_bytes()).hexdigest()
    dataset = tree_digests(settings.datasets_dir / job_id)
    # The cache lost the entry (gc): the duplicate recomputes it; a second one reuses it.
    entry.unlink()
    entry.with_suffix(".sha256").unlink()
    app = create_celery(settings, results=False)
    for _ in range(2):
        app.send_task(CHUNK_TASK, args=[job_id, 0], queue=settings.queue)

    def delivered_twice() -> bool:
        chunk = http.get(f"/v1/jobs/{job_id}").json()["chunks"][0]
        return bool(chunk["attempts"] == record["chunks"][0]["attempts"] + 2)

    wait_until(delivered_twice, 60, what="two duplicate deliveries")
    wait_until(entry.is_file, 10, what="the recomputed entry")
    assert hashlib.sha256(entry.read_bytes()).hexdigest() == before
    assert entry.with_suffix(".sha256").read_text().strip() == before
    after = http.get(f"/v1/jobs/{job_id}").json()
    assert after["state"] == "succeeded" and after["chunks"][0]["state"] == "succeeded"
    assert tree_digests(settings.datasets_dir / job_id) == dataset


def test_a_chunk_that_always_fails_is_dead_lettered(
    http: httpx.Client, settings: JobSettings, worker: ServiceProcess
) -> None:
    submitted = http.post("/v1/jobs", json={**SMALL_JOB, "seed": FAIL_SEED})
    job_id = submitted.json()["id"]
    record = _wait_job(http, job_id, worker)
    assert record["state"] == "failed"
    dead = record["chunks"][1]
    assert dead["state"] == "dead"
    assert dead["attempts"] == settings.max_attempts
    assert "injected failure in segment 1" in dead["error"]
    assert "chunk 1" in record["error"] and "dead" in record["error"]
    assert record["manifest_url"] is None
    assert http.get(f"/v1/jobs/{job_id}/manifest").status_code == 409
    # Nothing at the final path, and no temporary directory either.
    assert not any(job_id in p.name for p in settings.datasets_dir.iterdir())


def test_api_keys_are_required(api: str) -> None:
    assert httpx.get(f"{api}/healthz").status_code == 200
    for headers in (
        {},
        {"Authorization": "Bearer wrong-key-0123456789"},
        {"Authorization": f"Bearer {API_KEY[:-1]}"},
    ):
        response = httpx.get(f"{api}/v1/presets", headers=headers)
        assert response.status_code == 401, headers
    with pytest.raises(RemoteError) as info, Client(api, "wrong-key-0123456789") as client:
        client.job("0" * 32)
    assert info.value.status == 401


@pytest.mark.parametrize(
    "path",
    [
        "../../../../../../etc/passwd",
        "..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "trades/../../../../../../etc/passwd",
        "%2fetc%2fpasswd",
        "//etc/passwd",
        "escape/passwd",
    ],
)
def test_no_path_traversal(finished_job: Any, api: str, settings: JobSettings, path: str) -> None:
    record, _ = finished_job
    link = settings.datasets_dir / record["id"] / "escape"
    link.symlink_to("/etc", target_is_directory=True)  # a link out of the dataset
    try:
        # A raw request line: no client-side normalization of dot segments.
        parts = urlsplit(api)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        conn.request(
            "GET",
            f"/v1/jobs/{record['id']}/files/{path}",
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
        response = conn.getresponse()
        body = response.read()
        conn.close()
    finally:
        link.unlink()
    assert response.status in (400, 404), (response.status, body[:200])
    assert b"root:" not in body


def test_the_client_reproduces_a_local_run(
    api: str, worker: ServiceProcess, tmp_path: Path
) -> None:
    config = aleatoric.load_config(**SMALL_JOB, seed=33)
    local = aleatoric.generate(config, tmp_path / "local")
    seen: list[tuple[int, int]] = []
    began = time.monotonic()
    with Client(api, API_KEY) as client:
        result = client.generate(
            config,
            tmp_path / "remote",
            chunk_segments=2,
            concurrency=2,
            progress=lambda done, total: seen.append((done, total)),
            cache=CacheStore(tmp_path / "client-cache"),
            timeout=90,
        )
    assert time.monotonic() - began < 100
    assert tree_digests(tmp_path / "remote") == tree_digests(local.path)
    assert result.tables == local.tables
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    # A second run needs no remote work: every segment is in the client's cache.
    with Client(api, API_KEY) as client:
        again = client.generate(
            config, tmp_path / "again", cache=CacheStore(tmp_path / "client-cache")
        )
    assert tree_digests(again.path) == tree_digests(local.path)


def test_generate_remote_writes_the_local_bytes(
    api: str, worker: ServiceProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aleatoric.cli import _service

    monkeypatch.setenv("ALEATORIC_API_KEY", API_KEY)
    config = aleatoric.load_config(**SMALL_JOB, seed=34)
    _service.generate_remote(config, tmp_path / "remote", api, ("parquet",), quiet=True)
    local = aleatoric.generate(config, tmp_path / "local")
    assert tree_digests(tmp_path / "remote") == tree_digests(local.path)


def test_a_two_instrument_job_publishes_the_bytes_of_a_local_run(
    http: httpx.Client, worker: ServiceProcess, api: str, tmp_path: Path
) -> None:
    pair = {**SMALL_JOB, "seed": 44, "instruments": ["binance:BTCUSDT", "okx:ETH-USDT-SWAP"]}
    submitted = http.post("/v1/jobs", json=pair)
    assert submitted.status_code == 202, submitted.text
    record = _wait_job(http, submitted.json()["id"], worker)
    assert record["state"] == "succeeded", record
    config = aleatoric.load_config(**pair)
    local = aleatoric.generate(config, tmp_path / "local").path
    _download(http, record["id"], tmp_path / "remote")
    digests = tree_digests(tmp_path / "remote")
    assert digests == tree_digests(local)
    assert any("venue=okx" in p for p in digests) and any("venue=binance" in p for p in digests)
    # The client assembles the same pair from segments the service computes.
    with Client(api, API_KEY) as client:
        result = client.generate(config, tmp_path / "client", cache=CacheStore(tmp_path / "c"),
                                 timeout=90)  # fmt: skip
    assert tree_digests(result.path) == digests


def test_a_scenario_job_publishes_the_bytes_and_labels_of_a_local_run(
    http: httpx.Client, worker: ServiceProcess, tmp_path: Path
) -> None:
    # A flash crash over chunks 2 and 3: the service's dataset, labels included, is the local
    # run's, byte for byte.
    crash = {"kind": "flash-crash", "start": "5m", "duration": "8m",
             "params": {"drop": 0.06, "fall_min": 3}}  # fmt: skip
    job = {**SMALL_JOB, "seed": 45, "tables": ["book_snapshot", "trades", "ticker"],
           "overlays": [crash]}  # fmt: skip
    submitted = http.post("/v1/jobs", json=job)
    assert submitted.status_code == 202, submitted.text
    record = _wait_job(http, submitted.json()["id"], worker)
    assert record["state"] == "succeeded", record
    local = aleatoric.generate(aleatoric.load_config(**job), tmp_path / "local").path
    _download(http, record["id"], tmp_path / "remote")
    digests = tree_digests(tmp_path / "remote")
    assert digests == tree_digests(local)
    assert "scenario_labels/part-00000.parquet" in digests
    # A bad scenario is refused with the field named.
    bad = http.post("/v1/jobs", json={**job, "overlays": [{**crash, "kind": "flash-crsh"}]})
    assert bad.status_code in (400, 422), bad.text
    assert "overlays.0.kind" in bad.text
