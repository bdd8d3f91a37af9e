"""``GET /healthz``: liveness, open to all (no API key)."""

from __future__ import annotations

from fastapi import APIRouter

from aleatoric._version import __version__
from aleatoric.service._schemas import Health

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Return ``ok`` while the process serves requests."""
    return Health(status="ok", version=__version__)
