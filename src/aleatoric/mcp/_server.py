"""The MCP server: tools, resources and prompts registered on an ``MCPServer``.

Each tool is a thin adapter: typed arguments in, a Pydantic model out, the work done by a
:class:`~aleatoric.mcp._service.Toolbox` method in a worker thread. A tool's docstring is
the description the client's model reads, so it says when to use the tool.
"""

# No ``from __future__ import annotations`` here: the SDK reads the tools' annotations at
# registration, and closures' string annotations would not resolve.

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from aleatoric._generate import unit_count
from aleatoric._job_backend import JobBackend, JobInfo
from aleatoric._version import __version__
from aleatoric.mcp._config_params import with_config_params
from aleatoric.mcp._jobs import make_job_backend
from aleatoric.mcp._models import (
    ConfigValidation,
    IntegrityResult,
    PresetList,
    RealismResult,
    SampleResult,
    VenueInfo,
)
from aleatoric.mcp._paths import PathRefusedError
from aleatoric.mcp._progress import ProgressSink, run_with_progress
from aleatoric.mcp._prompts import calm_baseline, stress_test
from aleatoric.mcp._service import InputError, Toolbox
from aleatoric.mcp._settings import McpSettings
from aleatoric.mcp._static import realism_doc, schema_doc

__all__ = ["build_server"]

INSTRUCTIONS = """\
Aleatoric generates deterministic synthetic market data for crypto perpetual futures
(order-level books, trades, mark/index prices, funding) for Binance, Bybit, OKX and
Hyperliquid. The same config and seed always give the same bytes. Typical flow:
describe_venue / get_presets -> validate_config -> generate_sample (small, answered inline)
or submit_job + get_job (large) -> check_dataset and realism_report on the dataset id.
Datasets live in the server's data directory and are named by dataset id."""

Ctx = Context[Any, Any]
Venue = Annotated[
    str, Field(description="Venue: binance, bybit, okx or hyperliquid (see describe_venue).")
]
Name = Annotated[
    str | None,
    Field(description="Dataset id to write: one name of letters, digits, '.', '_', '-'."),
]
Overwrite = Annotated[bool, Field(description="Replace a different dataset with that id.")]
DatasetPath = Annotated[
    str, Field(description="Dataset id, or a path inside the server's data directory.")
]


@contextmanager
def _tool_errors() -> Iterator[None]:
    # Input problems reach the model as an is_error result carrying the field message.
    try:
        yield
    except (InputError, PathRefusedError) as exc:
        raise ToolError(str(exc)) from None


def _resource_text(build: Callable[..., object], *args: str) -> str:
    # Resources answer JSON; a bad id is "not found" with the same field message.
    try:
        value = build(*args)
    except (InputError, PathRefusedError) as exc:
        raise ResourceNotFoundError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise ResourceError(str(exc)) from None
    if isinstance(value, BaseModel):
        return value.model_dump_json(indent=2)
    return json.dumps(value, indent=2)


def build_server(
    settings: McpSettings | None = None, *, jobs: JobBackend | None = None
) -> MCPServer[Any]:
    """Return the aleatoric MCP server (an ``mcp.server.MCPServer``).

    Parameters
    ----------
    settings
        Data directory, cache and limits; from the environment when ``None``.
    jobs
        The job backend ``submit_job`` and ``get_job`` use; by default the local executor,
        or the distributed job system when a broker is configured. The caller closes it.
    """
    settings = settings if settings is not None else McpSettings.from_env()
    box = Toolbox(settings, jobs if jobs is not None else make_job_backend(settings))
    server: MCPServer[Any] = MCPServer(
        "aleatoric", title="Aleatoric Engine", version=__version__, instructions=INSTRUCTIONS
    )
    _add_tools(server, box)
    _add_job_tools(server, box)
    _add_dataset_tools(server, box)
    _add_resources(server, box)
    _add_prompts(server)
    return server


def _add_tools(server: MCPServer[Any], box: Toolbox) -> None:
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    @server.tool(annotations=read_only)
    def validate_config(
        config: Annotated[
            dict[str, Any],
            Field(description="Config fields as in a config file: venue, symbol, preset, "
                  "start, duration, seed, segment, warmup, tables, snapshot_depth, ..."),
        ],
    ) -> ConfigValidation:  # fmt: skip
        """Check a dataset config before generating it; list every invalid field.

        Use this first when building a config: each error names its field, says what is
        wrong and, for fields with a fixed set of values, lists the allowed ones. A valid
        config comes back with every default filled in, its segment count, a rough row
        estimate and whether generate_sample accepts it (otherwise use submit_job).
        """
        return box.validate_config(config)

    @server.tool(annotations=read_only)
    def get_presets(
        name: Annotated[
            str | None, Field(description="One preset's name; all presets when omitted.")
        ] = None,
    ) -> PresetList:
        """List the regime presets with their descriptions and parameters.

        Use this to choose a market regime ("calm" for a quiet baseline, "volatile" for a
        stressed market) and to see what differs between them: volatility, jump rate, order
        flow, book depth, basis and open-interest parameters, plus per-asset scales.
        """
        with _tool_errors():
            return box.presets(name)

    @server.tool(annotations=read_only)
    def describe_venue(
        venue: Venue,
        symbol: Annotated[
            str | None, Field(description="One symbol; every symbol of the venue if omitted.")
        ] = None,
    ) -> VenueInfo:
        """Return a venue's instrument rules and the output formats supported for it.

        Use this to learn the symbols a venue offers and their tick size, lot size, minimum
        quantity and notional, contract value, precision, funding interval, caps and mark
        method, before configuring a dataset or an algorithm that trades on it.
        """
        with _tool_errors():
            return box.venue(venue, symbol)

    @server.tool(annotations=ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=True,
        open_world_hint=False,
    ))  # fmt: skip
    @with_config_params({"duration": "5m"})
    async def generate_sample(
        ctx: Ctx,
        fields: dict[str, Any],
        name: Name = None,
        overwrite: Overwrite = False,
        preview_rows: Annotated[
            int, Field(ge=0, le=50, description="Trades and book snapshots shown inline.")
        ] = 5,
    ) -> SampleResult:
        """Generate a small dataset and answer inline with statistics and first rows.

        Use this for quick looks and small experiments (by default up to 1 hour of data):
        it writes the dataset to the data directory, then returns per-table statistics
        (rows, time range, volume, VWAP, spread, ...), the first trades and book snapshots
        (top 5 levels), and the dataset id for check_dataset, realism_report and
        datasets://{id}/manifest. The same request twice reuses the dataset. Larger
        requests are refused: use submit_job for them. Reports progress per segment.
        """
        with _tool_errors():
            config = box.config(fields)
            box.check_sample_size(config)
            segments = unit_count(config)
            await ctx.report_progress(0, segments, f"generating {segments} segment(s)")

            def work(sink: ProgressSink) -> SampleResult:
                return box.generate_sample(
                    config, name=name, overwrite=overwrite, rows=preview_rows, progress=sink
                )

            return await run_with_progress(work, ctx.report_progress)


def _add_job_tools(server: MCPServer[Any], box: Toolbox) -> None:
    @server.tool(annotations=ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=False,
        open_world_hint=False,
    ))  # fmt: skip
    @with_config_params()
    async def submit_job(
        fields: dict[str, Any],
        name: Name = None,
        overwrite: Overwrite = False,
    ) -> JobInfo:
        """Start generating a dataset of any size in the background; return the job at once.

        Use this for datasets too large for generate_sample (hours or days of data). The
        answer carries the job id and the dataset id (the name given, else the job id);
        follow the job with get_job or the jobs://{id} resource until its status is "done"
        (or "failed", with the reason), then use the dataset id with check_dataset,
        realism_report and datasets://{id}/manifest.
        """
        with _tool_errors():
            config = box.config(fields)
            return await anyio.to_thread.run_sync(
                lambda: box.submit_job(config, name=name, overwrite=overwrite)
            )

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False))
    async def get_job(
        job_id: Annotated[str, Field(description="The id submit_job returned.")],
    ) -> JobInfo:
        """Return a generation job's status, progress and, when done, its row counts.

        Use this to follow a job from submit_job: status is "queued", "running", "done" or
        "failed" (with the reason in error); progress runs from 0 to 1. Poll every few
        seconds; the dataset is usable once the status is "done".
        """
        with _tool_errors():
            return await anyio.to_thread.run_sync(box.job, job_id)


def _add_dataset_tools(server: MCPServer[Any], box: Toolbox) -> None:
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    @server.tool(annotations=read_only)
    async def check_dataset(
        ctx: Ctx,
        dataset: DatasetPath,
        rules: Annotated[
            list[str] | None, Field(description="Rule names to run; all rules when omitted.")
        ] = None,
        max_examples: Annotated[
            int, Field(ge=0, le=50, description="Offending rows kept per rule.")
        ] = 5,
    ) -> IntegrityResult:
        """Run the integrity assertions on a dataset and report every rule's result.

        Use this before trusting a dataset (generated here or placed in the data
        directory): it checks prices and sizes on the instrument's grid, gap-free seq,
        monotone and causal timestamps, uncrossed books, L2/L3 consistency, trades at the
        touch and funding within caps, with the first offending rows of a failed rule.
        Reports progress while it runs.
        """
        with _tool_errors():
            box.dataset(dataset)
            await ctx.report_progress(0, None, "checking integrity")

            def work(sink: ProgressSink) -> IntegrityResult:
                return box.check(dataset, rules=rules, max_examples=max_examples)

            return await run_with_progress(
                work, ctx.report_progress, heartbeat="checking integrity"
            )

    @server.tool(annotations=read_only)
    async def realism_report(ctx: Ctx, dataset: DatasetPath) -> RealismResult:
        """Return the realism scorecard of a dataset: stylized facts against their bands.

        Use this to judge whether a dataset behaves like a real market (heavy-tailed
        returns, volatility clustering, spread and depth, trade-sign persistence, funding
        and basis), or to compare regimes; each fact has its value, band and PASS, FAIL or
        N/A status.
        """
        with _tool_errors():
            box.dataset(dataset)
            await ctx.report_progress(0, None, "scoring")

            def work(sink: ProgressSink) -> RealismResult:
                return box.realism(dataset)

            return await run_with_progress(work, ctx.report_progress, heartbeat="scoring")


def _add_resources(server: MCPServer[Any], box: Toolbox) -> None:
    from aleatoric.instruments import venues

    @server.resource("presets://", mime_type="application/json")
    def all_presets() -> str:
        """Every regime preset: description, parameters and per-asset scales."""
        return _resource_text(box.presets)

    @server.resource("venues://", mime_type="application/json")
    def all_venues() -> str:
        """Every venue with its instruments' rules and output formats."""
        return _resource_text(lambda: {"venues": [box.venue(v).model_dump() for v in venues()]})

    @server.resource("docs://schema", mime_type="application/json")
    def schema() -> str:
        """The canonical tables: columns, Arrow types and nullability, and the file layout."""
        return _resource_text(schema_doc)

    @server.resource("docs://realism", mime_type="application/json")
    def realism() -> str:
        """The realism scorecard's facts, their minimum data lengths and the verdicts."""
        return _resource_text(realism_doc)

    @server.resource("presets://{name}", mime_type="application/json")
    def preset(name: str) -> str:
        """A regime preset: description, parameters and per-asset scales."""
        return _resource_text(lambda n: box.presets(n).presets[0], name)

    @server.resource("venues://{venue}/{symbol}", mime_type="application/json")
    def venue_symbol(venue: str, symbol: str) -> str:
        """One instrument's rules at a venue, with the venue's output formats."""
        return _resource_text(box.venue, venue, symbol)

    @server.resource("jobs://{id}", mime_type="application/json")
    def job(id: str) -> str:
        """A generation job's status and progress (the same as get_job)."""
        return _resource_text(lambda i: box.job(i, field="id"), id)

    @server.resource("datasets://{id}/manifest", mime_type="application/json")
    def manifest(id: str) -> str:
        """A dataset's manifest: config, seed, versions, row counts, files and digests."""
        return _resource_text(box.manifest, id)


def _add_prompts(server: MCPServer[Any]) -> None:
    server.prompt(
        name="stress_test_execution",
        title="Stress-test an execution algorithm with the volatile preset",
        description="Generate volatile-regime data, validate it, replay an execution "
        "algorithm on it and compare with a calm run.",
    )(stress_test)
    server.prompt(
        name="validate_backtest_calm_baseline",
        title="Validate a backtest against a calm baseline",
        description="Generate a calm, trend-free baseline, validate it and check that a "
        "strategy earns nothing there beyond its costs.",
    )(calm_baseline)
