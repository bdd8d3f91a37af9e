"""Background generation jobs in the MCP server's own process: :class:`LocalJobBackend`.

A job writes one dataset into the data directory. The MCP tools ``submit_job`` and
``get_job`` only talk to a :class:`~aleatoric._job_backend.JobBackend`;
:class:`LocalJobBackend` runs jobs on a thread pool inside the server process and keeps each
job's record as JSON in ``<data dir>/.jobs/`` so ``get_job`` still answers after a restart.
The distributed backend (``aleatoric.jobs``) implements the same protocol; whoever starts the
server (the CLI, the HTTP service) chooses one and passes it in.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aleatoric._generate import generate, unit_count
from aleatoric._job_backend import JobBackend, JobInfo, JobRequest, JobStatus, new_job_id, now
from aleatoric.cache import CacheStore
from aleatoric.mcp._settings import McpSettings

__all__ = [
    "JobBackend",
    "JobInfo",
    "JobRequest",
    "JobStatus",
    "LocalJobBackend",
    "make_job_backend",
    "new_job_id",
]

logger = logging.getLogger(__name__)

#: Seconds between two writes of a running job's progress to its record file.
_SAVE_INTERVAL_S = 1.0


class LocalJobBackend:
    """Run jobs on a thread pool in this process; keep records in ``<data dir>/.jobs``.

    Parameters
    ----------
    data_dir
        The data directory.
    cache
        The cache generation reads and writes, or ``None`` to bypass it.
    concurrency
        Jobs that run at the same time; more wait as ``queued``.
    workers
        Worker processes per job (``generate(workers=...)``).
    """

    name = "local"

    def __init__(
        self,
        data_dir: Path,
        *,
        cache: CacheStore | None = None,
        concurrency: int = 1,
        workers: int = 1,
    ) -> None:
        self._records = data_dir / ".jobs"
        self._cache = cache
        self._workers = workers
        self._lock = threading.Lock()
        self._jobs: dict[str, JobInfo] = {}
        self._saved_at: dict[str, float] = {}
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="aleatoric-job")

    # --- JobBackend ---------------------------------------------------------------------

    def submit(self, request: JobRequest) -> JobInfo:
        """Queue a job on the thread pool and return its ``queued`` state."""
        info = JobInfo(
            job_id=request.job_id,
            status="queued",
            backend=self.name,
            dataset_id=request.dataset_id,
            manifest_uri=f"datasets://{request.dataset_id}/manifest",
            config=request.config.canonical(),
            message="waiting for a free worker",
            submitted_at=now(),
        )
        with self._lock:
            self._jobs[info.job_id] = info
        self._save(info)
        self._pool.submit(self._run, request)
        return info

    def get(self, job_id: str) -> JobInfo | None:
        """Return a job's state from memory, or from its record (a job of an earlier run)."""
        with self._lock:
            info = self._jobs.get(job_id)
        if info is not None:
            return info
        return self._load(job_id)

    def jobs(self) -> list[JobInfo]:
        """Return this run's jobs and the recorded ones, newest first."""
        with self._lock:
            known = dict(self._jobs)
        for path in self._records.glob("job-*.json") if self._records.is_dir() else ():
            if path.stem not in known:
                loaded = self._load(path.stem)
                if loaded is not None:
                    known[loaded.job_id] = loaded
        return sorted(known.values(), key=lambda j: j.submitted_at, reverse=True)

    def close(self) -> None:
        """Cancel queued jobs and stop the pool without waiting for a running one."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- internals ------------------------------------------------------------------------

    def _update(self, job_id: str, *, save: bool = True, **changes: Any) -> JobInfo:
        with self._lock:
            info = self._jobs[job_id].model_copy(update=changes)
            self._jobs[job_id] = info
        if save:
            self._save(info)
        return info

    def _run(self, request: JobRequest) -> None:
        job_id = request.job_id
        self._update(job_id, status="running", started_at=now(), message="generating")
        progress = _progress_tracker(
            unit_count(request.config), lambda p, m: self._progress(job_id, p, m)
        )
        try:
            result = generate(
                request.config, request.out, workers=self._workers,
                overwrite=request.overwrite, progress=progress, cache=self._cache,
            )  # fmt: skip
        except Exception as exc:
            logger.info("job %s failed: %r", job_id, str(exc))
            self._update(job_id, status="failed", finished_at=now(), error=_describe(exc),
                         message="failed; nothing was written")  # fmt: skip
            return
        self._update(
            job_id, status="done", finished_at=now(), progress=1.0,
            message="served from the cache" if result.cached else "written",
            tables=dict(result.tables), rows=result.rows, bytes=result.bytes,
            cached=result.cached,
        )  # fmt: skip

    def _progress(self, job_id: str, fraction: float, message: str) -> None:
        now = time.monotonic()
        save = now - self._saved_at.get(job_id, 0.0) >= _SAVE_INTERVAL_S
        if save:
            self._saved_at[job_id] = now
        self._update(job_id, save=save, progress=min(fraction, 0.99), message=message)

    def _path(self, job_id: str) -> Path:
        return self._records / f"{job_id}.json"

    def _save(self, info: JobInfo) -> None:
        # The record names the process that runs the job, so that another server sharing
        # the data directory can tell a live job from one whose server died.
        self._records.mkdir(parents=True, exist_ok=True)
        path = self._path(info.job_id)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
        owner = {"host": socket.gethostname(), "pid": os.getpid()}
        document = {"owner": owner, "job": info.model_dump(mode="json")}
        tmp.write_text(json.dumps(document, indent=2), encoding="utf-8")
        os.replace(tmp, path)

    def _load(self, job_id: str) -> JobInfo | None:
        path = self._path(job_id)
        if not path.is_file():
            return None
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            info = JobInfo.model_validate(document["job"])
            owner = document.get("owner", {})
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if info.status in ("queued", "running") and not _alive(owner):
            info = info.model_copy(update={
                "status": "failed", "finished_at": info.finished_at or now(),
                "error": "the server stopped before the job finished; submit it again",
            })  # fmt: skip
        return info


def _alive(owner: dict[str, Any]) -> bool:
    # Whether the process that recorded a job still runs (assumed so on another host).
    if owner.get("host") != socket.gethostname():
        return True
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid == os.getpid():
        return False  # this process's jobs are in memory; a record alone means it was lost
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _describe(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _progress_tracker(
    segments: int, report: Callable[[float, str], None]
) -> Callable[[int, int, int], None]:
    # Turn generate's per-segment callback into one fraction that never decreases.
    done: dict[int, float] = {}

    def progress(segment: int, units: int, total: int) -> None:
        done[segment] = max(done.get(segment, 0.0), units / total if total else 1.0)
        fraction = sum(done.values()) / max(segments, 1)
        report(fraction, f"segment {segment + 1} of {segments}: {units}/{total}")

    return progress


def make_job_backend(settings: McpSettings) -> JobBackend:
    """Return the in-process job backend for ``settings``.

    The distributed backend is chosen by whoever starts the server (``aleatoric mcp``, the
    HTTP service: see :func:`aleatoric.jobs.mcp_job_backend`) and passed to
    :func:`~aleatoric.mcp.build_server`; this module never imports the job system.
    """
    cache = CacheStore(settings.cache_dir) if settings.use_cache else None
    return LocalJobBackend(
        settings.data_dir, cache=cache, concurrency=settings.job_concurrency,
        workers=settings.job_workers,
    )  # fmt: skip
