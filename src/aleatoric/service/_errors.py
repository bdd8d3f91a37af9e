"""One error shape for the whole API: ``{"detail": ..., "errors": [{"field", "message"}]}``."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from aleatoric.config import ConfigError
from aleatoric.service._schemas import ErrorOut, FieldError

__all__ = ["config_error_response", "install_error_handlers"]


def config_error_response(exc: ConfigError) -> JSONResponse:
    """Return 422 listing every invalid field of a config."""
    body = ErrorOut(
        detail="invalid config",
        errors=[FieldError(field=path, message=msg) for path, msg in exc.errors],
    )
    return JSONResponse(body.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _request_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            message = "unknown field"
        out.append(FieldError(field=".".join(loc) or "body", message=message))
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Map config and request validation errors to 422 with field errors, and HTTP errors
    to the same shape."""

    async def on_config_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ConfigError)
        return config_error_response(exc)

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        body = ErrorOut(detail="invalid request", errors=_request_errors(exc))
        return JSONResponse(body.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        body = ErrorOut(detail=str(exc.detail))
        return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(ConfigError, on_config_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
