"""The MCP tools' job backend over the real job system (Celery worker, Redis, PostgreSQL)."""

from __future__ import annotations

import time
from pathlib import Path

import aleatoric
from aleatoric.jobs import CeleryJobBackend, JobSettings
from aleatoric.mcp._jobs import JobRequest
from tests.service._procs import ServiceProcess
from tests.service.conftest import SMALL_JOB, tree_digests


def test_submit_and_follow_a_job_through_celery(
    settings: JobSettings, worker: ServiceProcess, tmp_path: Path
) -> None:
    backend = CeleryJobBackend(settings)
    config = aleatoric.load_config(**SMALL_JOB, seed=33)
    try:
        info = backend.submit(JobRequest("ignored", config, "ignored", tmp_path / "x"))
        assert info.status == "queued" and info.backend == "celery"
        deadline = time.monotonic() + 120
        while (current := backend.get(info.job_id)) is not None and current.status in (
            "queued",
            "running",
        ):
            assert time.monotonic() < deadline, current
            time.sleep(0.5)
        assert current is not None and current.status == "done", current
        assert current.progress == 1.0 and current.rows > 0
        assert current.manifest_uri == f"datasets://{info.job_id}/manifest"
        assert backend.get("no-such-job") is None
        assert any(j.job_id == info.job_id for j in backend.jobs())
    finally:
        backend.close()
    aleatoric.generate(config, tmp_path / "local")
    published = settings.datasets_dir / info.job_id
    assert tree_digests(published) == tree_digests(tmp_path / "local")
