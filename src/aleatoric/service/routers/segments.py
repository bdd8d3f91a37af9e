"""``/v1/segments/{key}``: raw cached segments, for clients that assemble datasets locally."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status

from aleatoric.cache._transfer import SEGMENT_KEY, read_segment
from aleatoric.service._context import ServiceContext, get_context
from aleatoric.service._schemas import ErrorOut

__all__ = ["SHA256_HEADER", "router"]

router = APIRouter(prefix="/v1/segments", tags=["segments"])
#: Response header carrying the SHA-256 of the body.
SHA256_HEADER = "X-Content-SHA256"


@router.get(
    "/{key}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The segment (npz)."},
        401: {"model": ErrorOut},
        404: {"model": ErrorOut},
    },
)
def get_segment(key: str, ctx: Annotated[ServiceContext, Depends(get_context)]) -> Response:
    """Return a cached segment entry as stored, with its SHA-256 in a header."""
    found = read_segment(ctx.cache, key) if SEGMENT_KEY.match(key) else None
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such segment in the cache")
    data, digest = found
    headers = {SHA256_HEADER: digest, "ETag": f'"{digest}"'}
    return Response(data, media_type="application/octet-stream", headers=headers)
