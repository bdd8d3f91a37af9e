"""The Rust SDK's examples against the real job service, and against the SDK test vectors.

``fetch`` (sdk/rust/examples/fetch.rs) submits a config to a running ``aleatoric serve``
(with a Celery worker, Redis and PostgreSQL), follows the job, downloads and checks every
file; the result must equal a local ``aleatoric generate`` byte for byte. The crate's own
tests (``cargo test`` in sdk/rust) cover reading, verification and replay on the vectors.
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
CRATE = ROOT / "sdk" / "rust"
VECTORS = ROOT / "sdk" / "vectors"

# The first build compiles Arrow and Parquet for Rust: minutes on a small machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def examples() -> Path:
    """The crate's example programs, built in sdk/rust/target (reused by ``cargo test``)."""
    cargo = shutil.which("cargo")
    if cargo is None:
        if os.environ.get("CI"):
            pytest.fail("the Rust toolchain is not installed")
        pytest.skip("the Rust toolchain is not installed")
    subprocess.run(
        [cargo, "build", "--locked", "--example", "fetch", "--example", "verify"],
        cwd=CRATE,
        check=True,
        timeout=1400,
    )
    return CRATE / "target" / "debug" / "examples"


def _run(program: Path, *args: str, key: str | None = API_KEY) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ALEATORIC_API_KEY"}
    if key is not None:
        env["ALEATORIC_API_KEY"] = key
    return subprocess.run(
        [str(program), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.mark.usefixtures("worker")
def test_rust_fetch_equals_a_local_run(examples: Path, api: str, tmp_path: Path) -> None:
    fields = {**SMALL_JOB, "seed": 53}
    config = tmp_path / "config.json"
    config.write_text(json.dumps(fields))
    out = tmp_path / "remote"
    done = _run(examples / "fetch", api, str(config), str(out))
    assert done.returncode == 0, done.stderr
    assert "succeeded: 3/3 segments" in done.stderr  # the job was followed to the end
    local = tmp_path / "local"
    aleatoric.generate(aleatoric.load_config(**fields), local)
    remote_files = tree_digests(out)
    assert remote_files == tree_digests(local)
    assert len(remote_files) >= 4
    assert not list(tmp_path.glob(".remote.partial-*"))


def test_rust_fetch_reports_invalid_fields(examples: Path, api: str, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**SMALL_JOB, "venue": "nasdaq"}))
    out = tmp_path / "x"
    done = _run(examples / "fetch", api, str(config), str(out))
    assert done.returncode == 2, done.stderr
    assert "venue" in done.stderr and "binance" in done.stderr  # the field and allowed values
    assert not out.exists()
    assert not list(tmp_path.glob(".x.partial-*"))


def test_rust_fetch_needs_a_valid_key(examples: Path, api: str, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(SMALL_JOB))
    out = tmp_path / "x"
    done = _run(examples / "fetch", api, str(config), str(out), key="wrong-key-0123456789")
    assert done.returncode == 1
    assert "401" in done.stderr
    assert not out.exists()


def test_rust_verify_gives_the_python_verdicts(examples: Path) -> None:
    expected = json.loads((VECTORS / "expected.json").read_text())
    for name, figures in expected["datasets"].items():
        for key, verdict in figures["verify"].items():
            pub = VECTORS / expected["keys"][key]
            done = _run(examples / "verify", str(VECTORS / name), "--key", str(pub))
            assert done.returncode == verdict["exit"], (name, key, done.stderr)
            if verdict["ok"]:
                assert done.stdout.strip() == f"verified {verdict['files']} files"
            else:
                problems = [line.removeprefix("error: ") for line in done.stderr.splitlines()]
                assert problems == verdict["problems"]
