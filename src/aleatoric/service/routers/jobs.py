"""``/v1/jobs``: submit a job, follow it, fetch its manifest and files."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi.responses import FileResponse

from aleatoric.cache import CacheStore
from aleatoric.config import DatasetConfig, load_config
from aleatoric.jobs import Job, QueueUnavailableError, State, submit_job
from aleatoric.jobs._plan import check_formats, check_segment_range
from aleatoric.service._context import ServiceContext, get_context
from aleatoric.service._schemas import (
    ChunkOut,
    ErrorOut,
    JobOut,
    JobRequest,
    Progress,
    SegmentKey,
    SegmentRange,
)
from aleatoric.sinks import MANIFEST_NAME

__all__ = ["router"]

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
Context = Annotated[ServiceContext, Depends(get_context)]
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
    413: {"model": ErrorOut},
    422: {"model": ErrorOut},
    503: {"model": ErrorOut},
}


@lru_cache(maxsize=256)
def _segment_keys(config_json: str, start: int, stop: int) -> tuple[SegmentKey, ...]:
    # Keys depend on the config and the versions only (not on the cache's location); about
    # a millisecond each, so they are computed once per job, not on every poll.
    config = DatasetConfig.model_validate_json(config_json)
    store = CacheStore()
    return tuple(
        SegmentKey(index=i, instrument=str(ref),
                   key=store.segment_key(config.for_instrument(ref), i))
        for ref in config.instruments
        for i in range(start, stop)
    )  # fmt: skip


def _job_out(ctx: ServiceContext, job: Job) -> JobOut:
    config = DatasetConfig.model_validate_json(job.config_json)
    keys = _segment_keys(job.config_json, job.seg_start, job.seg_stop) if job.partial else ()
    chunks = [
        ChunkOut(
            index=c.index,
            segments=SegmentRange(start=c.seg_start, stop=c.seg_stop),
            state=c.state.value,
            attempts=c.attempts,
            progress=Progress(done=c.done, total=c.total),
            error=c.error,
            started_at=c.started_at,
            finished_at=c.finished_at,
        )
        for c in job.chunks
    ]
    has_dataset = job.state is State.SUCCEEDED and not job.partial
    return JobOut(
        id=job.id,
        state=job.state.value,
        error=job.error,
        config=config.canonical(),
        formats=list(job.formats),
        segments=SegmentRange(start=job.seg_start, stop=job.seg_stop),
        partial=job.partial,
        progress=Progress(done=job.segments_done, total=job.segments_total),
        chunks=chunks,
        segment_keys=list(keys),
        result=json.loads(job.result_json) if job.result_json else None,
        manifest_url=f"/v1/jobs/{job.id}/manifest" if has_dataset else None,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _get_job(ctx: ServiceContext, job_id: str) -> Job:
    job = ctx.store.get_job(job_id) if _JOB_ID.match(job_id) else None
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such job")
    return job


def _dataset_root(ctx: ServiceContext, job_id: str) -> Path:
    job = _get_job(ctx, job_id)
    if job.partial:
        raise HTTPException(status.HTTP_409_CONFLICT, "a segment-range job has no dataset")
    if job.state is not State.SUCCEEDED:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the job is {job.state.value}")
    root = ctx.dataset_dir(job_id)
    if not (root / MANIFEST_NAME).is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the dataset is no longer stored")
    return root


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut, responses=_ERRORS)
def create_job(body: JobRequest, ctx: Context, response: Response) -> JobOut:
    """Submit a job; 202 with its record, then follow ``GET /v1/jobs/{id}``."""
    config = load_config(**body.config_fields())
    formats = check_formats(config, body.formats)
    start = body.segments.start if body.segments else None
    stop = body.segments.stop if body.segments else None
    segments = check_segment_range(config, start, stop, ctx.settings.max_job_segments)
    try:
        job = submit_job(
            ctx.store,
            ctx.queue,
            config,
            formats=formats,
            segments=segments,
            partial=body.segments is not None,
            chunk_segments=ctx.settings.chunk_segments,
        )
    except QueueUnavailableError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"job queue: {exc}") from None
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return _job_out(ctx, job)


@router.get("/{job_id}", response_model=JobOut, responses=_ERRORS)
def get_job(job_id: str, ctx: Context) -> JobOut:
    """Return a job's state and per-chunk progress."""
    return _job_out(ctx, _get_job(ctx, job_id))


@router.get("/{job_id}/manifest", responses=_ERRORS)
def get_manifest(job_id: str, ctx: Context) -> Response:
    """Return the dataset's ``manifest.json`` (files with sha256 and rows, config, versions)."""
    root = _dataset_root(ctx, job_id)
    return Response((root / MANIFEST_NAME).read_bytes(), media_type="application/json")


@router.get("/{job_id}/files/{path:path}", responses=_ERRORS)
def get_file(job_id: str, path: str, ctx: Context) -> FileResponse:
    """Download one file of the dataset, by its path relative to the dataset root."""
    base = _dataset_root(ctx, job_id).resolve()
    try:
        target = (base / path).resolve()
        found = target.is_relative_to(base) and target.is_file()
    except (ValueError, OSError):  # a NUL byte, a name too long for the file system
        found = False
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file in the dataset")
    return FileResponse(target, media_type="application/octet-stream", filename=target.name)
