"""The C++ SDK's command against the real job service, and against the SDK test vectors.

``aleatoric-cpp generate --remote`` submits a config to a running ``aleatoric serve`` (with a
Celery worker, Redis and PostgreSQL), follows the job, downloads every file with its SHA-256
checked and publishes the folder at once; the result must equal a local ``aleatoric
generate`` byte for byte. The C++ package's own tests (``ctest`` in sdk/cpp) cover reading,
verification and replay on the vectors.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import aleatoric
from tests.service.conftest import API_KEY, SMALL_JOB, tree_digests

ROOT = Path(__file__).resolve().parents[2]
CPP = ROOT / "sdk" / "cpp"
VECTORS = ROOT / "sdk" / "vectors"

# The first build compiles the package against Arrow C++: minutes on a small machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def cpp_cli() -> Path:
    """The ``aleatoric-cpp`` command, built from sdk/cpp against pyarrow's Arrow C++.

    ``ALEATORIC_CPP_BUILD`` names the build folder (default sdk/cpp/build, which the CI
    block of .ci/run reuses for ctest).
    """
    cmake, ninja = shutil.which("cmake"), shutil.which("ninja")
    if cmake is None or ninja is None:
        if os.environ.get("CI"):
            pytest.fail("cmake and ninja are needed to build the C++ SDK")
        pytest.skip("cmake and ninja are needed to build the C++ SDK")
    build = Path(os.environ.get("ALEATORIC_CPP_BUILD", CPP / "build"))
    subprocess.run(
        [cmake, "-S", str(CPP), "-B", str(build), "-G", "Ninja",
         "-DALEATORIC_ARROW_FROM_PYARROW=ON", f"-DPython3_EXECUTABLE={sys.executable}"],
        check=True, timeout=600, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["nice", "-n", "10", cmake, "--build", str(build), "-j", "1", "--target", "aleatoric-cpp"],
        check=True, timeout=1700,
    )  # fmt: skip
    return build / "aleatoric-cpp"


def _run(cli: Path, *args: str, key: str | None = API_KEY) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ALEATORIC_API_KEY"}
    if key is not None:
        env["ALEATORIC_API_KEY"] = key
    return subprocess.run(
        [str(cli), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.mark.usefixtures("worker")
def test_cpp_generate_remote_equals_a_local_run(cpp_cli: Path, api: str, tmp_path: Path) -> None:
    fields = {**SMALL_JOB, "seed": 53}
    config = tmp_path / "config.json"
    config.write_text(json.dumps(fields))
    out = tmp_path / "remote"
    done = _run(cpp_cli, "generate", "--remote", api, "--config", str(config), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "progress: 3/3 segments" in done.stderr  # the job was followed to the end
    assert "succeeded" in done.stderr
    local = tmp_path / "local"
    aleatoric.generate(aleatoric.load_config(**fields), local)
    remote_files = tree_digests(out)
    assert remote_files == tree_digests(local)
    assert len(remote_files) >= 4
    assert not list(tmp_path.glob(".remote.part-*"))  # the staging folder is gone
    # The assembled folder is a dataset the SDK reads and checks.
    checked = _run(cpp_cli, "check", str(out))
    assert checked.returncode == 0, checked.stderr


def test_cpp_generate_reports_invalid_fields(cpp_cli: Path, api: str, tmp_path: Path) -> None:
    out = tmp_path / "x"
    bad = json.dumps({**SMALL_JOB, "venue": "nasdaq"})
    done = _run(cpp_cli, "generate", "--remote", api, "--json", bad, "--out", str(out))
    assert done.returncode == 2
    assert "venue" in done.stderr and "binance" in done.stderr  # the field and allowed values
    assert not out.exists()


def test_cpp_generate_needs_a_valid_key(cpp_cli: Path, api: str, tmp_path: Path) -> None:
    done = _run(
        cpp_cli, "generate", "--remote", api, "--json", json.dumps(SMALL_JOB),
        "--out", str(tmp_path / "x"), key="wrong-key-0123456789",
    )  # fmt: skip
    assert done.returncode == 1
    assert "401" in done.stderr
    assert not (tmp_path / "x").exists()


def test_cpp_verify_gives_the_python_verdicts(cpp_cli: Path) -> None:
    expected = json.loads((VECTORS / "expected.json").read_text())
    for name, figures in expected["datasets"].items():
        for key, verdict in figures["verify"].items():
            pub = VECTORS / expected["keys"][key]
            done = _run(cpp_cli, "verify", str(VECTORS / name), "--key", str(pub))
            assert done.returncode == verdict["exit"], (name, key, done.stderr)
            if verdict["ok"]:
                assert f"verified {verdict['files']} files" in done.stdout
            else:
                assert [line.removeprefix("error: ") for line in done.stderr.splitlines()] == (
                    verdict["problems"]
                )
