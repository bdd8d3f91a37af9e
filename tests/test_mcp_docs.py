"""The client example in docs/mcp.md runs as written, against a real `aleatoric mcp` over stdio."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).parent.parent / "docs" / "mcp.md"


def _client_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Client example") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "docs/mcp.md: no python block under 'Client example'"
    return match.group(1)


def test_mcp_client_example_runs(tmp_path: Path) -> None:
    script = tmp_path / "client.py"
    script.write_text(_client_example(), encoding="utf-8")
    bin_dir = str(Path(sys.executable).parent)  # where the `aleatoric` command is installed
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           "ALEATORIC_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip
    res = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout
    assert "realism_report" in out and "generate_sample" in out
    resources = next(line for line in out.splitlines() if line.startswith("resources:"))
    for uri in ("presets://", "venues://", "docs://schema", "docs://realism"):
        assert uri in resources
    assert "presets: calm, volatile" in out
    assert "dataset: binance-BTCUSDT-calm-5m-seed7-" in out
    assert "verdict: INSUFFICIENT DATA" in out
    assert (tmp_path / "mcp-data").is_dir()
