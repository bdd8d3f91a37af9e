"""The MCP server: the engine's tools, resources and prompts for AI agents.

Run it with ``aleatoric mcp`` (stdio) or ``aleatoric mcp --transport http``; in Python::

    from aleatoric.mcp import build_server

    server = build_server()  # settings from ALEATORIC_DATA_DIR and friends
    server.run("stdio")

Every dataset the server reads or writes lies inside its data directory (see
:class:`McpSettings`). Large datasets go through a :class:`JobBackend`.
"""

from aleatoric._job_backend import JobBackend, JobInfo, JobRequest, JobStatus, new_job_id
from aleatoric.mcp._app import asgi_app, serve
from aleatoric.mcp._jobs import LocalJobBackend, make_job_backend
from aleatoric.mcp._paths import PathRefusedError, resolve_dataset, resolve_output
from aleatoric.mcp._server import build_server
from aleatoric.mcp._settings import McpSettings, default_data_dir

__all__ = [
    "JobBackend",
    "JobInfo",
    "JobRequest",
    "JobStatus",
    "LocalJobBackend",
    "McpSettings",
    "PathRefusedError",
    "asgi_app",
    "build_server",
    "default_data_dir",
    "make_job_backend",
    "new_job_id",
    "resolve_dataset",
    "resolve_output",
    "serve",
]
