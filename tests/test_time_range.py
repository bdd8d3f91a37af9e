"""Start and end within int64 nanoseconds and a configurable longest duration, checked
wherever a config is accepted: the library, the CLI (validate, generate) and MCP tools.
The HTTP routes are checked in tests/service/test_api.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from typer.testing import CliRunner

import aleatoric
from aleatoric.cli import app
from aleatoric.config import ConfigError
from aleatoric.mcp import McpSettings, build_server, make_job_backend

#: (fields, field at fault, words of the message)
BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"start": "2300-01-01T00:00:00Z"}, "start", "int64"),
    ({"start": "1900-01-01T00:00:00Z"}, "start", "int64"),
    ({"start": "0001-01-01T00:00:00Z"}, "start", "was 0001-01-01T00:00:00Z"),
    ({"start": "2262-04-01T00:00:00Z", "duration": "30d"}, "duration", "ends after 2262"),
    ({"duration": "36500d"}, "duration", "at most 366d (ALEATORIC_MAX_DURATION)"),
    ({"duration": "0s"}, "duration", "must be positive, was 0s"),
    ({"duration": "-5m"}, "duration", "must be positive, was -5m"),
]


@pytest.mark.parametrize(("fields", "field", "words"), BAD)
def test_the_library_names_the_field(fields: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        aleatoric.load_config(**fields)
    errors = dict(caught.value.errors)
    assert list(errors) == [field] and words in errors[field]


def test_the_longest_duration_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert aleatoric.load_config(duration="30d").duration == 30 * 86_400 * 10**9
    monkeypatch.setenv("ALEATORIC_MAX_DURATION", "1d")
    with pytest.raises(ConfigError, match="at most 1d"):
        aleatoric.load_config(duration="2d")
    assert aleatoric.load_config(duration="1d").duration == 86_400 * 10**9
    monkeypatch.setenv("ALEATORIC_MAX_DURATION", "forever")
    with pytest.raises(ConfigError, match="ALEATORIC_MAX_DURATION must be a positive duration"):
        aleatoric.load_config(duration="1h")


def _toml(fields: dict[str, Any]) -> str:
    return "".join(f'{k} = "{v}"\n' for k, v in fields.items())


@pytest.mark.parametrize(("fields", "field", "words"), BAD)
def test_cli_validate_and_generate_exit_2(
    fields: dict[str, Any], field: str, words: str, tmp_path: Path
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(_toml(fields))
    runner = CliRunner()
    checked = runner.invoke(app, ["validate", str(config)])
    assert checked.exit_code == 2, checked.output
    assert f"{field}:" in checked.output and "Traceback" not in checked.output
    options = [f"--{k}={v}" for k, v in fields.items()]
    out = tmp_path / "out"
    generated = runner.invoke(app, ["generate", *options, "--out", str(out)])
    assert generated.exit_code == 2, generated.output
    assert field in generated.output and "Traceback" not in generated.output
    assert not out.exists()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_mcp_tools_carry_the_validation_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALEATORIC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ALEATORIC_CACHE_DIR", str(tmp_path / "cache"))
    jobs = make_job_backend(McpSettings.from_env())
    try:
        async with Client(build_server(jobs=jobs)) as client:
            for fields, field, words in BAD:
                checked = await client.call_tool("validate_config", {"config": fields})
                content = checked.structured_content or {}
                assert not content["ok"]
                assert [(e["field"], words in e["message"]) for e in content["errors"]] == [
                    (field, True)
                ]
                for tool in ("generate_sample", "submit_job"):
                    refused = await client.call_tool(tool, {"duration": "5m", **fields})
                    assert refused.is_error
                    text = refused.content[0].text  # type: ignore[union-attr]
                    assert f"{field}: " in text and words in text, text
    finally:
        jobs.close()
