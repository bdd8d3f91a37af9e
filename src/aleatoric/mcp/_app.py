"""Serve the MCP server: stdio, streamable HTTP, or an ASGI app to mount in another service."""

from __future__ import annotations

from typing import Any, Literal

from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette

from aleatoric._job_backend import JobBackend
from aleatoric.mcp._jobs import make_job_backend
from aleatoric.mcp._server import build_server
from aleatoric.mcp._settings import McpSettings

__all__ = ["asgi_app", "serve"]


def asgi_app(
    settings: McpSettings | None = None,
    *,
    jobs: JobBackend | None = None,
    path: str = "/",
    allowed_hosts: list[str] | None = None,
) -> Starlette:
    """Return the MCP server as an ASGI app speaking streamable HTTP at ``path``.

    Mounted in another app, the session manager must run for the app's lifetime: enter
    ``app.router.lifespan_context(app)`` from the host's lifespan (the mounted app's own
    lifespan does not run)::

        mcp_app = asgi_app()
        api = FastAPI(lifespan=mcp_app.router.lifespan_context)
        api.mount("/mcp", mcp_app)  # clients connect to http://host:port/mcp/

    Parameters
    ----------
    settings
        Data directory, cache and limits; from the environment when ``None``.
    jobs
        A shared job backend (for example the service's own); the local executor otherwise.
    path
        Where the endpoint lies inside the app.
    allowed_hosts
        ``Host`` header values accepted (``"api.example.com"``, ``"10.0.0.5:*"``); by default
        only localhost, which protects a local server from DNS rebinding.
    """
    server = build_server(settings, jobs=jobs)
    security = None
    if allowed_hosts is not None:
        origins = [f"{scheme}://{host}" for host in allowed_hosts for scheme in ("http", "https")]
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=list(allowed_hosts),
            allowed_origins=origins,
        )
    app: Starlette = server.streamable_http_app(
        streamable_http_path=path, transport_security=security
    )
    return app


def serve(
    transport: Literal["stdio", "http"] = "stdio",
    *,
    settings: McpSettings | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    jobs: JobBackend | None = None,
) -> None:
    """Run the MCP server until the client disconnects (stdio) or the process is stopped.

    Over HTTP the endpoint is ``http://{host}:{port}/mcp``. Queued local jobs are dropped
    when the server stops and the process waits for a running one; a job whose process is
    killed leaves nothing at its dataset id. ``jobs`` is the job backend (the in-process one
    when ``None``); it is closed when the server stops.
    """
    settings = settings if settings is not None else McpSettings.from_env()
    jobs = jobs if jobs is not None else make_job_backend(settings)
    server: Any = build_server(settings, jobs=jobs)
    try:
        if transport == "stdio":
            server.run("stdio")
        else:
            server.run("streamable-http", host=host, port=port, streamable_http_path="/mcp")
    finally:
        jobs.close()
