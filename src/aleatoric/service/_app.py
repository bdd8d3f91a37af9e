"""Build the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from celery import Celery
from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from aleatoric._version import __version__
from aleatoric.cache import CacheStore
from aleatoric.jobs import JobQueue, JobSettings, JobStore, Reaper, create_celery, mcp_job_backend
from aleatoric.mcp import asgi_app
from aleatoric.service._auth import require_api_key
from aleatoric.service._context import ServiceContext
from aleatoric.service._errors import install_error_handlers
from aleatoric.service._limits import BodySizeLimit
from aleatoric.service._mcp_mount import BearerGate
from aleatoric.service._openapi import install_openapi
from aleatoric.service.routers import catalog, health, jobs, segments

__all__ = ["create_app"]

_DESCRIPTION = """\
Submit dataset jobs, follow their chunks, download datasets or raw segments.

Every `/v1` route needs `Authorization: Bearer <API key>`. Invalid input is answered with
422 and every field at fault: `{"detail": ..., "errors": [{"field", "message"}]}`.
"""


def create_app(settings: JobSettings | None = None, *, celery: Celery | None = None) -> FastAPI:
    """Return the API for ``settings`` (default: from ``ALEATORIC_*`` variables).

    The job tables are created at startup when missing; a reaper thread requeues work
    whose lease expired (see :class:`~aleatoric.jobs.Reaper`).
    """
    settings = settings if settings is not None else JobSettings()
    app_celery = celery if celery is not None else create_celery(settings, results=False)
    context = ServiceContext(
        settings=settings,
        store=JobStore(settings.effective_database_url, settings.database_schema),
        queue=JobQueue(app_celery, settings),
        cache=CacheStore(settings.cache_dir),
    )

    # The MCP server rides along at /mcp (streamable HTTP), behind the same API keys; its
    # session manager lives as long as the API.
    # The job backend is chosen here and injected (the MCP server never imports the job
    # system): Celery when a broker is configured, as it is for the service.
    mcp_jobs = mcp_job_backend()
    mcp_app = asgi_app(jobs=mcp_jobs, allowed_hosts=list(settings.mcp_allowed_hosts))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(context.store.create_all)
        settings.datasets_dir.mkdir(parents=True, exist_ok=True)
        # Requeues work whose lease expired, even with every worker gone.
        reaper = Reaper(context.store, context.queue, settings)
        reaper.start()
        try:
            async with mcp_app.router.lifespan_context(mcp_app):
                yield
        finally:
            await run_in_threadpool(reaper.stop)
            mcp_jobs.close()
            context.store.dispose()

    app = FastAPI(
        title="Aleatoric Engine",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.context = context
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(health.router)
    protected = [Depends(require_api_key)]
    for module in (jobs, segments, catalog):
        app.include_router(module.router, dependencies=protected)
    app.mount("/mcp", BearerGate(mcp_app, settings))
    return app
