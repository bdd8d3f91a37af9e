"""The ``aleatoric mcp`` command: serve the engine to AI agents over MCP.

Exit codes: 0 when the client disconnects or the server is stopped, 2 on unusable settings
(a bad environment variable or flag).
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from aleatoric.cli._console import make_console

if TYPE_CHECKING:
    from aleatoric._job_backend import JobBackend
    from aleatoric.mcp import McpSettings

__all__ = ["Transport", "mcp_cmd", "register"]

err = make_console(stderr=True)


class Transport(StrEnum):
    """How clients reach the server."""

    stdio = "stdio"
    http = "http"


def mcp_cmd(
    transport: Annotated[
        Transport,
        typer.Option(help="stdio (the client starts the server) or http (streamable HTTP)."),
    ] = Transport.stdio,
    host: Annotated[str, typer.Option(help="HTTP: interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="HTTP: port to listen on.")] = 8765,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Every dataset the server reads or writes lies here "
            "(default: $ALEATORIC_DATA_DIR or the user data directory)."
        ),
    ] = None,
) -> None:
    """Run the MCP server: tools, resources and prompts for AI agents.

    Over stdio nothing but protocol messages goes to stdout; over HTTP the endpoint is
    http://HOST:PORT/mcp.
    """
    from aleatoric.mcp import McpSettings, serve

    try:
        settings = McpSettings.from_env()
    except ValueError as exc:
        err.print(f"[bold red]invalid setting[/]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=2) from None
    if data_dir is not None:
        settings = dataclasses.replace(settings, data_dir=data_dir)
    if transport is Transport.http:
        err.print(f"serving MCP at http://{host}:{port}/mcp (data in {settings.data_dir})",
                  highlight=False)  # fmt: skip
    serve(transport.value, settings=settings, host=host, port=port, jobs=_job_backend(settings))


def _job_backend(settings: McpSettings) -> JobBackend:
    # The distributed job system when a broker is configured and its extra is installed.
    if settings.broker_url:
        try:
            from aleatoric.jobs import mcp_job_backend
        except ImportError:
            err.print("[yellow]warning[/]: ALEATORIC_BROKER_URL is set but the jobs extra is "
                      "not installed; running jobs in this process", highlight=False)  # fmt: skip
        else:
            return mcp_job_backend(settings)
    from aleatoric.mcp import make_job_backend

    return make_job_backend(settings)


def register(app: typer.Typer) -> None:
    """Add the ``mcp`` command to ``app``."""
    app.command("mcp")(mcp_cmd)
