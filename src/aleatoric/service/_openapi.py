"""The OpenAPI document as the API really answers: one error shape everywhere.

FastAPI documents its own validation error (``HTTPValidationError``) for 422 and nothing for
401, while every error of this API is :class:`~aleatoric.service._schemas.ErrorOut`. Every
``/v1`` operation gets 401 (no or a wrong key, with ``WWW-Authenticate: Bearer``) and 422
documented with that schema; FastAPI's own validation schemas are dropped.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

__all__ = ["install_openapi"]

_ERROR = {"$ref": "#/components/schemas/ErrorOut"}
_METHODS = {"get", "post", "put", "patch", "delete"}


def _error(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}},
            **extra}  # fmt: skip


def _fix(spec: dict[str, Any]) -> dict[str, Any]:
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            if path.startswith("/v1/"):
                responses["401"] = _error(
                    "No API key, or not one of the configured keys",
                    headers={"WWW-Authenticate": {"schema": {"type": "string"},
                                                  "description": "Bearer"}},
                )  # fmt: skip
                responses["422"] = _error("Invalid input: every field at fault")
            elif "422" in responses:
                responses["422"] = _error("Invalid input: every field at fault")
            if method == "post":
                responses["413"] = _error("The request body is over the size limit")
    schemas = spec.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return spec


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the corrected document (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = _fix(spec)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
