"""The Go SDK's command against the real job service, and against the SDK test vectors.

``aleatoric-go fetch`` submits a config to a running ``aleatoric serve`` (with a Celery
worker, Redis and PostgreSQL), follows the job, downloads and checks every file; the result
must equal a local ``aleatoric generate`` byte for byte. The Go module's own tests
(``go test ./...`` in sdk/go) cover reading, verification and replay on the vectors.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import aleatoric
from tests.service.conftest import API_KEY, SMALL_JOB, tree_digests

ROOT = Path(__file__).resolve().parents[2]
GO_MODULE = ROOT / "sdk" / "go"
VECTORS = ROOT / "sdk" / "vectors"

# The first build compiles Arrow and Parquet for Go: minutes on a small machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def go_cli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``aleatoric-go`` command, built from sdk/go."""
    go = shutil.which("go")
    if go is None:
        if os.environ.get("CI"):
            pytest.fail("the Go toolchain is not installed")
        pytest.skip("the Go toolchain is not installed")
    binary = tmp_path_factory.mktemp("go-bin") / "aleatoric-go"
    subprocess.run(
        [go, "build", "-p", "1", "-o", str(binary), "./cmd/aleatoric-go"],
        cwd=GO_MODULE,
        check=True,
        timeout=1100,
    )
    return binary


def _run(cli: Path, *args: str, key: str | None = API_KEY) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ALEATORIC_API_KEY"}
    if key is not None:
        env["ALEATORIC_API_KEY"] = key
    return subprocess.run(
        [str(cli), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.mark.usefixtures("worker")
def test_go_fetch_equals_a_local_run(go_cli: Path, api: str, tmp_path: Path) -> None:
    fields = {**SMALL_JOB, "seed": 47}
    config = tmp_path / "config.json"
    config.write_text(json.dumps(fields))
    out = tmp_path / "remote"
    done = _run(go_cli, "fetch", "--url", api, "--config", str(config), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stderr  # the job's progress was followed to the end
    local = tmp_path / "local"
    aleatoric.generate(aleatoric.load_config(**fields), local)
    remote_files = tree_digests(out)
    assert remote_files == tree_digests(local)
    assert len(remote_files) >= 4
    assert not list(tmp_path.glob(".remote.partial-*"))


def test_go_fetch_reports_invalid_fields(go_cli: Path, api: str, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**SMALL_JOB, "venue": "nasdaq"}))
    out = tmp_path / "x"
    done = _run(go_cli, "fetch", "--url", api, "--config", str(config), "--out", str(out))
    assert done.returncode == 2
    assert "venue" in done.stderr and "binance" in done.stderr  # the field and allowed values
    assert not out.exists()


def test_go_fetch_needs_a_valid_key(go_cli: Path, api: str, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(SMALL_JOB))
    done = _run(
        go_cli, "fetch", "--url", api, "--config", str(config), "--out", str(tmp_path / "x"),
        key="wrong-key-0123456789",
    )  # fmt: skip
    assert done.returncode == 1
    assert "401" in done.stderr


def test_go_verify_gives_the_python_verdicts(go_cli: Path) -> None:
    expected = json.loads((VECTORS / "expected.json").read_text())
    for name, figures in expected["datasets"].items():
        for key, verdict in figures["verify"].items():
            pub = VECTORS / expected["keys"][key]
            done = _run(go_cli, "verify", str(VECTORS / name), "--key", str(pub))
            assert done.returncode == verdict["exit"], (name, key, done.stderr)
            if verdict["ok"]:
                assert f"verified {verdict['files']} files" in done.stdout
            else:
                assert [line.removeprefix("error: ") for line in done.stderr.splitlines()] == (
                    verdict["problems"]
                )
