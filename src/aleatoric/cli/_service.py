"""The service commands: ``serve`` (HTTP API) and ``worker`` (Celery worker), and remote
generation for ``generate --remote URL``.

They need the ``service`` extra; without it they exit 2 with the install line. Settings come
from ``ALEATORIC_*`` environment variables (see ``docs/deploy.md``).
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from aleatoric.cache import CacheStore
from aleatoric.cli._console import make_console
from aleatoric.cli._errors import fail
from aleatoric.config import ConfigError, DatasetConfig

if TYPE_CHECKING:
    from aleatoric._generate import OutputFormat
    from aleatoric.jobs import JobSettings

__all__ = ["generate_remote", "register"]

console = make_console()
err = make_console(stderr=True)


#: Task outcomes that did no work (duplicate or stale deliveries).
_NO_WORK = frozenset({"done", "busy", "missing", "cancelled", "superseded", "skip"})


def _fail(code: int, message: str) -> typer.Exit:
    err.print(f"[bold red]error[/]: {escape(message)}", soft_wrap=True)
    return typer.Exit(code=code)


def _settings() -> JobSettings:
    try:
        from pydantic import ValidationError

        from aleatoric.jobs import JobSettings
    except ImportError as exc:
        raise _fail(2, f"{exc.name} is missing: pip install 'aleatoric[service]'") from None
    try:
        return JobSettings()
    except ValidationError as exc:
        for e in exc.errors():
            field = ".".join(str(p) for p in e["loc"]) or "settings"
            err.print(f"  [bold]ALEATORIC_{field.upper()}[/]: {escape(e['msg'])}")
        raise _fail(2, "invalid service settings") from None


def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API (jobs, segments, presets, venues, validate; OpenAPI at /openapi.json)."""
    settings = _settings()
    import uvicorn

    from aleatoric.service import create_app

    if not settings.api_keys and not settings.allow_anonymous:
        err.print(
            "[yellow]warning[/]: no API keys (ALEATORIC_API_KEYS): every /v1 request gets 401"
        )
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)


def worker_cmd(
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: one per core).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="Celery log level.")] = "info",
    one_shot: Annotated[
        bool,
        typer.Option("--one-shot", help="Run one task, then exit (one Kubernetes Job per chunk)."),
    ] = False,
    idle_exit: Annotated[
        float,
        typer.Option(
            min=0, help="With --one-shot: exit if no task arrives in this many seconds (0: wait)."
        ),
    ] = 120.0,
) -> None:
    """Run a Celery worker for chunk and finalizer tasks on the configured queue."""
    settings = _settings()
    from celery.signals import task_postrun, task_prerun, worker_ready

    from aleatoric.jobs import JobQueue, JobStore, Reaper, create_celery

    store = JobStore(settings.effective_database_url, settings.database_schema)
    store.create_all()
    store.dispose()  # no connection crosses the fork into the pool processes
    app = create_celery(settings)
    # The main process also reaps expired leases (after the pool has forked), with its own
    # producer, so that jobs recover with no API running.
    reaper = Reaper(
        store, lambda: JobQueue(create_celery(settings, results=False), settings), settings
    )
    worker_ready.connect(lambda **_kwargs: reaper.start(), weak=False)
    argv = [
        "worker",
        f"--loglevel={log_level}",
        f"--queues={settings.queue}",
        "--without-mingle",
        "--without-gossip",
        f"--hostname=aleatoric-{os.getpid()}@%h",
    ]
    if one_shot:
        argv += ["--pool=solo", "--concurrency=1"]
        timers: list[threading.Timer] = []

        def _stop(**_kwargs: Any) -> None:
            # Warm shutdown: the finished task is acknowledged, then the worker exits.
            os.kill(os.getpid(), signal.SIGTERM)

        def _wait_for_work(**_kwargs: Any) -> None:
            # Another Job may have taken the message this one was started for.
            if idle_exit > 0:
                timer = threading.Timer(idle_exit, _stop)
                timer.daemon = True
                timers.append(timer)
                timer.start()

        def _after(**kwargs: Any) -> None:
            # A duplicate delivery (the chunk was done, or held by a live worker) did no
            # work: keep waiting for the task this Job was started for.
            retval = kwargs.get("retval")
            if isinstance(retval, dict) and retval.get("action") in _NO_WORK:
                _wait_for_work()
            else:
                _stop()

        def _busy(**_kwargs: Any) -> None:
            for timer in timers:
                timer.cancel()

        task_postrun.connect(_after, weak=False)
        task_prerun.connect(_busy, weak=False)
        worker_ready.connect(_wait_for_work, weak=False)
    else:
        argv.append(f"--concurrency={concurrency or os.cpu_count() or 1}")
    app.worker_main(argv)


def generate_remote(
    config: DatasetConfig,
    out: Path,
    remote: str,
    formats: tuple[OutputFormat, ...],
    *,
    overwrite: bool = False,
    cache: CacheStore | None = None,
    sign_key: Path | None = None,
    quiet: bool = False,
    api_key: str | None = None,
    chunk_segments: int = 4,
    concurrency: int = 4,
) -> None:
    """Compute ``config`` on the job service at ``remote`` and write the dataset to ``out``.

    What ``aleatoric generate --remote URL`` runs: the bytes equal a local run's. Errors end
    the command with the CLI's exit codes (2 unusable input, 1 failure while running).
    """
    from aleatoric._generate import OutputExistsError

    try:
        from aleatoric.client import Client, RemoteError
    except ImportError as exc:
        raise _fail(2, f"{exc.name} is missing: pip install 'aleatoric[service]'") from None
    import httpx
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not overwrite:
        # Refuse before any remote work is done.
        raise _fail(2, f"{out} exists and is not empty (--overwrite replaces it)")
    with tempfile.TemporaryDirectory(prefix="aleatoric-remote-") as scratch:
        store = cache if cache is not None else CacheStore(scratch)
        try:
            with (
                Client(remote, api_key) as client,
                Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    console=err,
                    disable=quiet,
                ) as bar,
            ):
                task = bar.add_task(f"segments from {remote}", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                result = client.generate(
                    config,
                    out,
                    chunk_segments=chunk_segments,
                    concurrency=concurrency,
                    progress=progress,
                    cache=store,
                    formats=formats,
                    overwrite=overwrite,
                    sign_key=sign_key,
                )
        except (ConfigError, OutputExistsError, RemoteError) as exc:
            raise fail(exc, "; nothing was written") from None
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            raise _fail(1, f"{remote}: {exc}; nothing was written") from None
    if not quiet:
        console.print(
            f"wrote {result.bytes / 1e6:,.1f} MB ({result.rows:,} rows) to {out}; "
            f"segments computed by {remote}"
        )


def register(app: typer.Typer) -> None:
    """Add the ``serve`` and ``worker`` commands to ``app``."""
    app.command("serve")(serve_cmd)
    app.command("worker")(worker_cmd)
