"""Bearer API keys: every ``/v1`` route needs one of the configured keys."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from aleatoric.service._context import ServiceContext, get_context

__all__ = ["key_matches", "require_api_key"]

_bearer = HTTPBearer(auto_error=False, description="An API key from ALEATORIC_API_KEYS.")


def key_matches(candidate: str, keys: tuple[str, ...]) -> bool:
    """Return whether ``candidate`` equals one of ``keys``, in time independent of the match.

    Every key is compared (no early exit), each with :func:`hmac.compare_digest`.
    """
    given = candidate.encode()
    found = False
    for key in keys:
        found |= hmac.compare_digest(given, key.encode())
    return found


def require_api_key(
    context: Annotated[ServiceContext, Depends(get_context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """FastAPI dependency: 401 unless the request carries a valid bearer key."""
    settings = context.settings
    if settings.allow_anonymous and not settings.api_keys:
        return
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key", challenge)
    if not key_matches(credentials.credentials, settings.api_keys):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid API key", challenge)
