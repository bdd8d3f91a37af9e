"""The MCP server through the real SDK client: in process, and as a stdio subprocess.

Data and cache directories are temporary and passed through environment variables, as a
client's configuration would pass them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import uvicorn
from mcp import Client, StdioServerParameters
from mcp.client.stdio import get_default_environment
from mcp.server import MCPServer
from mcp.shared.exceptions import MCPError
from starlette.applications import Starlette
from starlette.routing import Mount
from typer.testing import CliRunner

import aleatoric
from aleatoric.cli import app
from aleatoric.mcp import (
    JobBackend,
    LocalJobBackend,
    McpSettings,
    asgi_app,
    build_server,
    make_job_backend,
)

#: One 5-minute segment of three tables: enough for every tool, quick to generate.
SMALL: dict[str, Any] = {
    "duration": "5m",
    "segment": "5m",
    "warmup": "5m",
    "tables": ["book_snapshot", "trades", "ticker"],
}
TOOLS = {
    "validate_config", "get_presets", "describe_venue", "generate_sample", "submit_job",
    "get_job", "check_dataset", "realism_report",
}  # fmt: skip


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    # The server reads its directories from the environment, as `aleatoric mcp` does.
    root = tmp_path_factory.mktemp("mcp")
    values = {"ALEATORIC_DATA_DIR": str(root / "data"), "ALEATORIC_CACHE_DIR": str(root / "cache")}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in values.items():
            mp.setenv(key, value)
        yield values


@pytest.fixture(scope="module")
def data_dir(env: dict[str, str]) -> Path:
    return Path(env["ALEATORIC_DATA_DIR"])


@pytest.fixture(scope="module")
def server(env: dict[str, str]) -> Iterator[MCPServer[Any]]:
    jobs = make_job_backend(McpSettings.from_env())
    yield build_server(jobs=jobs)
    jobs.close()


@pytest.fixture(scope="module")
def dataset(data_dir: Path) -> str:
    """A dataset written by the library into the data directory; its id."""
    config = aleatoric.load_config(seed=21, **SMALL)
    aleatoric.generate(config, data_dir / "base")
    return "base"


def error_text(result: Any) -> str:
    assert result.is_error, result.structured_content
    text: str = result.content[0].text
    return text


async def wait_for_job(client: Client, job_id: str) -> dict[str, Any]:
    # Poll get_job until the job is done or failed.
    with anyio.fail_after(300):
        while True:
            state: dict[str, Any] = (
                await client.call_tool("get_job", {"job_id": job_id})
            ).structured_content or {}
            if state.get("status") in ("done", "failed"):
                return state
            await anyio.sleep(0.2)


async def still_serves(client: Client) -> None:
    # After a refused call the same session keeps answering.
    result = await client.call_tool("validate_config", {"config": {"duration": "5m"}})
    assert not result.is_error and result.structured_content["ok"]


# --- listing ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_lists_tools_resources_and_prompts(server: MCPServer[Any]) -> None:
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        templates = (await client.list_resource_templates()).resource_templates
        resources = (await client.list_resources()).resources
        prompts = (await client.list_prompts()).prompts
    assert {str(r.uri) for r in resources} == {
        "presets://", "venues://", "docs://schema", "docs://realism",
    }  # fmt: skip
    assert {t.name for t in tools} == TOOLS
    for tool in tools:
        assert tool.output_schema is not None and "Use this" in (tool.description or "")
    assert {t.uri_template for t in templates} == {
        "presets://{name}", "venues://{venue}/{symbol}", "jobs://{id}", "datasets://{id}/manifest",
    }  # fmt: skip
    titles = {p.name: p.title or "" for p in prompts}
    assert "volatile" in titles["stress_test_execution"]
    assert "calm baseline" in titles["validate_backtest_calm_baseline"]


@pytest.mark.anyio
async def test_prompts_fill_in_their_arguments(server: MCPServer[Any]) -> None:
    async with Client(server) as client:
        stress = await client.get_prompt("stress_test_execution", {"algorithm": "POV"})
        calm = await client.get_prompt("validate_backtest_calm_baseline", {"venue": "okx"})
    stress_text = stress.messages[0].content.text  # type: ignore[union-attr]
    assert '"POV"' in stress_text and '"preset": "volatile"' in stress_text
    assert "submit_job" in stress_text and "check_dataset" in stress_text
    assert "okx" in calm.messages[0].content.text  # type: ignore[union-attr]


# --- configs, presets, venues -------------------------------------------------------------


@pytest.mark.anyio
async def test_validate_config_reports_fields_with_allowed_values(server: MCPServer[Any]) -> None:
    async with Client(server) as client:
        good = await client.call_tool("validate_config", {"config": {"venue": "okx",
                                      "symbol": "ETH-USDT-SWAP", "duration": "30m"}})  # fmt: skip
        bad = await client.call_tool(
            "validate_config",
            {"config": {"venue": "kraken", "duration": "-5m", "preset": "wild", "colour": 1}},
        )
        wrong_type = await client.call_tool("validate_config", {"config": "venue=okx"})
        await still_serves(client)
    assert not good.is_error
    ok = good.structured_content
    assert ok["ok"] and ok["config"]["symbol"] == "ETH-USDT-SWAP" and ok["segments"] == 1
    assert ok["fits_inline_sample"] and ok["estimated_rows"] > 0
    errors = {e["field"]: e for e in bad.structured_content["errors"]}
    assert not bad.is_error and not bad.structured_content["ok"]
    assert errors["venue"]["allowed"] == ["binance", "bybit", "okx", "hyperliquid", "cme", "sgx"]
    assert errors["duration"]["message"] == "must be positive, was -5m"
    assert {"calm", "volatile"} <= set(errors["preset"]["allowed"])
    assert "venue" in errors["colour"]["allowed"]
    assert "config" in error_text(wrong_type)


@pytest.mark.anyio
async def test_get_presets(server: MCPServer[Any]) -> None:
    async with Client(server) as client:
        every = await client.call_tool("get_presets", {})
        one = await client.call_tool("get_presets", {"name": "volatile"})
        unknown = await client.call_tool("get_presets", {"name": "wild"})
        await still_serves(client)
    names = [p["name"] for p in every.structured_content["presets"]]
    assert {"calm", "volatile"} <= set(names)
    (volatile,) = one.structured_content["presets"]
    assert volatile["parameters"]["jump_rate_per_day"] > 0 and volatile["description"]
    assert volatile["asset_scales"]["BTC"]["initial_price"] == "95000"
    assert "name: unknown preset 'wild'; allowed: calm" in error_text(unknown)
    # Named stress scenarios come with every preset list (not with one preset).
    scenarios = {s["name"]: s for s in every.structured_content["scenarios"]}
    assert {"flash-crash", "liquidity-void", "funding-squeeze"} <= set(scenarios)
    assert scenarios["flash-crash"]["overlay"]["kind"] == "flash-crash"
    assert one.structured_content["scenarios"] == []


@pytest.mark.anyio
async def test_validate_config_checks_scenarios(server: MCPServer[Any]) -> None:
    crash = {"kind": "flash-crash", "start": "10m", "duration": "15m"}
    async with Client(server) as client:
        good = await client.call_tool("validate_config", {"config": {
            "duration": "30m", "overlays": [crash]}})  # fmt: skip
        bad = await client.call_tool("validate_config", {"config": {
            "duration": "20m", "overlays": [crash]}})  # fmt: skip
    assert good.structured_content["ok"], good.structured_content
    assert not bad.structured_content["ok"]
    assert "must end inside the dataset" in json.dumps(bad.structured_content)


@pytest.mark.anyio
async def test_validate_config_takes_the_venues_symbols_shorthand(server: MCPServer[Any]) -> None:
    async with Client(server) as client:
        good = await client.call_tool("validate_config", {"config": {
            "venues": ["bybit", "hyperliquid"], "symbols": ["SOL"], "duration": "5m"}})  # fmt: skip
        bad = await client.call_tool("validate_config", {"config": {
            "venues": ["hyperliquid"], "symbols": ["BTC", "PEPE"]}})  # fmt: skip
    assert good.structured_content["ok"], good.structured_content
    listed = good.structured_content["config"]["instruments"]
    assert listed == [{"venue": "bybit", "symbol": "SOLUSDT"},
                      {"venue": "hyperliquid", "symbol": "SOL"}]  # fmt: skip
    errors = {e["field"]: e for e in bad.structured_content["errors"]}
    assert "PEPE is not listed on hyperliquid" in errors["symbols"]["message"]


@pytest.mark.anyio
async def test_describe_venue(server: MCPServer[Any]) -> None:
    async with Client(server) as client:
        okx = await client.call_tool("describe_venue", {"venue": "okx"})
        one = await client.call_tool("describe_venue", {"venue": "binance", "symbol": "BTCUSDT"})
        bad_venue = await client.call_tool("describe_venue", {"venue": "kraken"})
        bad_symbol = await client.call_tool("describe_venue", {"venue": "okx", "symbol": "BTC"})
        await still_serves(client)
    info = okx.structured_content
    assert [i["symbol"] for i in info["instruments"]] == [
        f"{b}-USDT-SWAP" for b in ("BTC", "ETH", "SOL", "XRP", "DOGE", "BNB", "SUI", "WIF")
    ]
    assert "parquet" in info["formats"] and {"calm", "volatile"} <= set(info["presets"])
    (btc,) = one.structured_content["instruments"]
    assert btc["tick_size"] == "0.10" and btc["funding_interval_hours"] == 8
    assert "venue: unknown venue 'kraken'; allowed: binance, bybit, okx, hyperliquid" in error_text(
        bad_venue
    )
    assert "symbol: unknown symbol 'BTC' for venue 'okx'" in error_text(bad_symbol)


# --- samples ------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(("mode", "seed"), [("auto", 1), ("legacy", 2)])
async def test_generate_sample_reports_progress(
    server: MCPServer[Any], data_dir: Path, mode: str, seed: int
) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    args = {**SMALL, "seed": seed, "preview_rows": 3}
    async with Client(server, mode=mode) as client:
        result = await client.call_tool("generate_sample", args, progress_callback=on_progress)
        again = await client.call_tool("generate_sample", args)
        manifest = await client.read_resource(
            f"datasets://{result.structured_content['dataset_id']}/manifest"
        )
    assert not result.is_error, result.content
    sample = result.structured_content
    assert len(seen) >= 2 and seen[-1][0] == seen[-1][1] == 1
    assert [p for p, _, _ in seen] == sorted({p for p, _, _ in seen})
    assert (data_dir / sample["dataset_id"] / "manifest.json").is_file()
    assert sample["config"]["seed"] == seed and not sample["reused"]
    tables = {t["table"]: t for t in sample["tables"]}
    assert set(tables) == {"book_snapshot", "trades", "ticker"}
    assert tables["book_snapshot"]["rows"] == 3000 and tables["trades"]["stats"]["vwap"] > 0
    assert tables["ticker"]["ts_first"] == "2026-01-01T00:00:00.000000000Z"
    assert len(sample["trades"]) == 3 and {"price", "size", "side"} <= set(sample["trades"][0])
    snapshot = sample["book_snapshots"][0]
    assert "bid_px_04" in snapshot and "bid_px_05" not in snapshot
    assert again.structured_content["reused"]
    document = json.loads(manifest.contents[0].text)  # type: ignore[union-attr]
    assert document["config"]["seed"] == seed and document["tables"]["book_snapshot"] == 3000


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"venue": "kraken"}, "venue: unknown venue 'kraken'; allowed: binance, bybit, okx"),
        ({"duration": "-5m"}, "duration: must be positive, was -5m"),
        ({"preset": "wild"}, "preset: unknown preset 'wild'; allowed: calm"),
        ({"seed": -1}, "seed: Input should be greater than or equal to 0"),
        ({"name": "../../etc"}, "name: '..' is not allowed"),
        ({"name": "/etc"}, "name: a dataset id is one name"),
    ],
)
async def test_generate_sample_refuses_bad_input(
    server: MCPServer[Any], change: dict[str, Any], message: str
) -> None:
    async with Client(server) as client:
        result = await client.call_tool("generate_sample", {**SMALL, **change})
        await still_serves(client)
    assert message in error_text(result)


@pytest.mark.anyio
async def test_oversize_sample_points_to_submit_job(
    server: MCPServer[Any], env: dict[str, str]
) -> None:
    limited = McpSettings.from_env({**env, "ALEATORIC_MCP_MAX_SAMPLE_ROWS": "1000"})
    small_limit = build_server(limited)
    async with Client(server) as client:
        long = await client.call_tool("generate_sample", {**SMALL, "duration": "2h"})
    async with Client(small_limit) as client:
        many = await client.call_tool("generate_sample", SMALL)
    assert "duration: 2h is longer than an inline sample may be (1h)" in error_text(long)
    assert "use submit_job" in error_text(long)
    assert "rows estimated" in error_text(many) and "use submit_job" in error_text(many)


# --- jobs ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_submit_job_then_follow_it(server: MCPServer[Any], data_dir: Path) -> None:
    async with Client(server) as client:
        submitted = await client.call_tool("submit_job", {**SMALL, "seed": 3, "name": "job-ds"})
        assert not submitted.is_error, submitted.content
        job_id = submitted.structured_content["job_id"]
        state = await wait_for_job(client, job_id)
        record = await client.read_resource(f"jobs://{job_id}")
        manifest = await client.read_resource("datasets://job-ds/manifest")
        unknown = await client.call_tool("get_job", {"job_id": "job-000000000000"})
        escape = await client.call_tool("get_job", {"job_id": "../../etc"})
        with pytest.raises(MCPError, match="no job"):
            await client.read_resource("jobs://job-000000000000")
        same = await client.call_tool("submit_job", {**SMALL, "seed": 3, "name": "job-ds"})
        again = await wait_for_job(client, same.structured_content["job_id"])
        other = await client.call_tool("submit_job", {**SMALL, "seed": 4, "name": "job-ds"})
        await still_serves(client)
    assert submitted.structured_content["status"] in ("queued", "running", "done")
    assert again["status"] == "done" and again["tables"] == state["tables"]
    assert "name: dataset 'job-ds' already exists with another config" in error_text(other)
    assert state["status"] == "done", state["error"]
    assert state["progress"] == 1.0 and state["dataset_id"] == "job-ds"
    assert state["tables"]["book_snapshot"] == 3000 and state["backend"] == "local"
    assert json.loads(record.contents[0].text)["status"] == "done"  # type: ignore[union-attr]
    document = json.loads(manifest.contents[0].text)  # type: ignore[union-attr]
    assert document["tables"] == state["tables"] and document["config"]["seed"] == 3
    assert (data_dir / ".jobs" / f"{job_id}.json").is_file()
    assert "job_id: no job 'job-000000000000'" in error_text(unknown)
    assert "job_id: '..' is not allowed" in error_text(escape)


def test_local_job_backend_is_a_job_backend(tmp_path: Path) -> None:
    backend = LocalJobBackend(tmp_path)
    try:
        assert isinstance(backend, JobBackend) and backend.get("job-missing") is None
    finally:
        backend.close()


def _dead_pid() -> int:
    # The id of a process that has exited (and been reaped).
    with subprocess.Popen([sys.executable, "-c", "pass"]) as proc:
        proc.wait()
    return proc.pid


@pytest.mark.parametrize(("owner_alive", "status"), [(True, "running"), (False, "failed")])
def test_job_records_of_other_servers(tmp_path: Path, owner_alive: bool, status: str) -> None:
    # A record left by another server reads as running while that server lives, else failed.
    pid = os.getppid() if owner_alive else _dead_pid()
    job = {"job_id": "job-0123456789ab", "status": "running", "backend": "local",
           "dataset_id": "ds", "manifest_uri": "datasets://ds/manifest", "config": {},
           "submitted_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    records = tmp_path / ".jobs"
    records.mkdir()
    owner = {"host": socket.gethostname(), "pid": pid}
    (records / "job-0123456789ab.json").write_text(json.dumps({"owner": owner, "job": job}))
    backend = LocalJobBackend(tmp_path)
    try:
        info = backend.get("job-0123456789ab")
        listed = backend.jobs()
    finally:
        backend.close()
    assert info is not None and info.status == status and [j.status for j in listed] == [status]
    if status == "failed":
        assert "the server stopped before the job finished" in (info.error or "")


# --- datasets -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_check_dataset_reports_rules_with_progress(
    server: MCPServer[Any], dataset: str
) -> None:
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    async with Client(server) as client:
        every = await client.call_tool(
            "check_dataset", {"dataset": dataset}, progress_callback=on_progress
        )
        one = await client.call_tool("check_dataset", {"dataset": dataset,
                                     "rules": ["seq_gap_free"]})  # fmt: skip
        bad_rule = await client.call_tool("check_dataset", {"dataset": dataset,
                                          "rules": ["no_such_rule"]})  # fmt: skip
        missing = await client.call_tool("check_dataset", {"dataset": "nothing-here"})
        await still_serves(client)
    assert not every.is_error, every.content
    report = every.structured_content
    assert report["passed"] and report["failed_rules"] == [] and report["dataset_id"] == "base"
    assert len(report["report"]["results"]) > 3 and len(seen) >= 2
    assert [r["name"] for r in one.structured_content["report"]["results"]] == ["seq_gap_free"]
    assert "rules: unknown rule(s) 'no_such_rule'; allowed:" in error_text(bad_rule)
    assert "dataset: no dataset 'nothing-here'" in error_text(missing)


@pytest.mark.anyio
async def test_realism_report(server: MCPServer[Any], dataset: str) -> None:
    async with Client(server) as client:
        result = await client.call_tool("realism_report", {"dataset": dataset})
    assert not result.is_error, result.content
    card = result.structured_content
    assert card["dataset_id"] == "base" and isinstance(card["passed"], bool)
    assert card["report"]["facts"] and card["report"]["venue"] == "binance"
    # five minutes cannot be judged: never a PASS on nothing
    assert card["verdict"] == "INSUFFICIENT DATA" == card["report"]["verdict"]
    assert "tail_index" in card["insufficient_facts"]


@pytest.mark.anyio
@pytest.mark.parametrize("tool", ["check_dataset", "realism_report"])
async def test_paths_outside_the_data_directory_are_refused(
    server: MCPServer[Any], data_dir: Path, dataset: str, tmp_path: Path, tool: str
) -> None:
    outside = tmp_path / "outside"
    aleatoric.generate(aleatoric.load_config(seed=4, **SMALL), outside)
    link = data_dir / f"escape-{tool}"
    link.symlink_to(outside, target_is_directory=True)
    async with Client(server) as client:
        dotdot = await client.call_tool(tool, {"dataset": "../../etc"})
        absolute = await client.call_tool(tool, {"dataset": str(outside)})
        symlink = await client.call_tool(tool, {"dataset": link.name})
        inside = await client.call_tool(tool, {"dataset": str(data_dir / dataset)})
    assert "dataset: '..' is not allowed" in error_text(dotdot)
    assert "is outside the data directory" in error_text(absolute)
    assert f"dataset: '{link.name}' is outside the data directory" in error_text(symlink)
    assert not inside.is_error, inside.content


@pytest.mark.anyio
async def test_resources(server: MCPServer[Any]) -> None:
    async with Client(server) as client:
        calm = await client.read_resource("presets://calm")
        instrument = await client.read_resource("venues://okx/BTC-USDT-SWAP")
        with pytest.raises(MCPError, match="unknown preset 'wild'"):
            await client.read_resource("presets://wild")
        with pytest.raises(MCPError, match="unknown venue 'kraken'"):
            await client.read_resource("venues://kraken/BTCUSDT")
        with pytest.raises(MCPError):
            await client.read_resource("datasets://..%2F..%2Fetc/manifest")
    assert json.loads(calm.contents[0].text)["name"] == "calm"  # type: ignore[union-attr]
    rules = json.loads(instrument.contents[0].text)  # type: ignore[union-attr]
    assert rules["instruments"][0]["contract_value"] == "0.01"


@pytest.mark.anyio
async def test_static_resources(server: MCPServer[Any]) -> None:
    async with Client(server) as client:
        static = ("presets://", "venues://", "docs://schema", "docs://realism")
        texts = {uri: (await client.read_resource(uri)).contents[0].text  # type: ignore[union-attr]
                 for uri in static}  # fmt: skip
    from aleatoric.config import presets as preset_table
    from aleatoric.instruments import venues as venue_names
    from aleatoric.realism import ALL_FACT_NAMES
    from aleatoric.sinks.schema import schema_for

    presets = json.loads(texts["presets://"])["presets"]
    assert [p["name"] for p in presets] == list(preset_table())
    venues = json.loads(texts["venues://"])["venues"]
    assert [v["venue"] for v in venues] == list(venue_names())
    okx = next(v for v in venues if v["venue"] == "okx")
    assert {i["symbol"] for i in okx["instruments"]} >= {"BTC-USDT-SWAP"}
    schema = json.loads(texts["docs://schema"])["tables"]
    for table, columns in schema.items():
        assert [c["name"] for c in columns] == schema_for(table, depth=1).names
    assert {"ts_event", "seq"} <= {c["name"] for c in schema["trades"]}
    realism = json.loads(texts["docs://realism"])
    names = [f["name"] for f in realism["facts"]]
    assert names == list(ALL_FACT_NAMES)
    assert "INSUFFICIENT DATA" in realism["verdicts"]


# --- settings and the command -------------------------------------------------------------


def test_settings_from_env() -> None:
    settings = McpSettings.from_env({"ALEATORIC_DATA_DIR": "/srv/data",
                                     "ALEATORIC_MCP_MAX_SAMPLE_DURATION": "30m"})  # fmt: skip
    assert settings.data_dir == Path("/srv/data") and settings.max_sample_duration == "30m"
    with pytest.raises(ValueError, match="ALEATORIC_MCP_MAX_SAMPLE_ROWS must be a positive"):
        McpSettings.from_env({"ALEATORIC_MCP_MAX_SAMPLE_ROWS": "many"})


def test_command_refuses_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALEATORIC_MCP_JOB_CONCURRENCY", "0")
    result = CliRunner().invoke(app, ["mcp"])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "ALEATORIC_MCP_JOB_CONCURRENCY must be a positive integer, was '0'" in output


@pytest.mark.anyio
async def test_stdio_subprocess(env: dict[str, str]) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "aleatoric.cli", "mcp"],
        env={**get_default_environment(), **env},
    )
    with anyio.fail_after(120):
        async with Client(params) as client:
            tools = (await client.list_tools()).tools
            valid = await client.call_tool(
                "validate_config", {"config": {"venue": "hyperliquid", "symbol": "ETH"}}
            )
            invalid = await client.call_tool("validate_config", {"config": {"venue": "kraken"}})
    assert {t.name for t in tools} == TOOLS
    assert valid.structured_content["ok"]
    assert valid.structured_content["config"]["symbol"] == "ETH"
    assert invalid.structured_content["errors"][0]["field"] == "venue"


# --- streamable HTTP, mounted in a host application ------------------------------------------


@pytest.fixture(scope="module")
def mounted_url(env: dict[str, str]) -> Iterator[str]:
    # The mount line the HTTP API uses, served by uvicorn on a free local port.
    mcp_app = asgi_app()
    host = Starlette(routes=[Mount("/mcp", app=mcp_app)],
                     lifespan=mcp_app.router.lifespan_context)  # fmt: skip
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(host, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/mcp/"
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_mounted_http_app(mounted_url: str, dataset: str, mode: str) -> None:
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    with anyio.fail_after(120):
        async with Client(mounted_url, mode=mode) as client:
            tools = (await client.list_tools()).tools
            checked = await client.call_tool(
                "check_dataset", {"dataset": dataset}, progress_callback=on_progress
            )
            refused = await client.call_tool("realism_report", {"dataset": "../../etc"})
    assert {t.name for t in tools} == TOOLS
    assert checked.structured_content["passed"] and len(seen) >= 2
    assert "dataset: '..' is not allowed" in error_text(refused)
