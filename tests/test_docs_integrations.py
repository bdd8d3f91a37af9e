"""Each engine page's example runs as written, in a fresh directory.

A page's ``bash`` blocks run in order with ``bash -e``; its ``python`` blocks then run as
scripts, except blocks that say they run inside another program (Lean). A block whose first
line says ``# runs where hftbacktest is installed`` runs with that environment's Python.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.hft import hft_python

DOCS = Path(__file__).parent.parent / "docs" / "integrations"


def _blocks(page: Path) -> list[tuple[str, str]]:
    return re.findall(r"```(bash|python)\n(.*?)```", page.read_text(), flags=re.S)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # The `aleatoric` script of the running interpreter's environment comes first.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_page(page: Path, where: Path) -> None:
    """Run a page's examples in ``where``; fail with the block's output when one fails."""
    for lang, code in _blocks(page):
        if lang == "python" and code.startswith("# Runs inside Lean"):
            continue
        if lang == "bash":
            cmd = ["bash", "-euo", "pipefail", "-c", code]
        elif code.startswith("# runs where hftbacktest is installed"):
            cmd = [hft_python(), "-c", code]
        else:
            cmd = [sys.executable, "-c", code]
        res = subprocess.run(cmd, cwd=where, env=_env(), capture_output=True, text=True,
                             timeout=900)  # fmt: skip
        assert res.returncode == 0, f"{page.name}: block failed\n{code}\n{res.stdout}\n{res.stderr}"


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["lean", "hftbacktest", "backtrader", "nautilus", "dbn"])
def test_engine_page_example_runs(engine: str, tmp_path: Path) -> None:
    page = DOCS / f"{engine}.md"
    assert _blocks(page)
    run_page(page, tmp_path)
