"""The execution example runs end to end and shows what the scenarios do to two algorithms.

``examples/scenario_execution.py`` generates a calm dataset and one per named scenario, runs a
TWAP and a taker through each and prints their slippage side by side; here with two presets.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "scenario_execution.py"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scenario_execution", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True,
                          check=False, timeout=900)  # fmt: skip


def test_example_prints_slippage_side_by_side(tmp_path: Path) -> None:
    done = _run("--scenarios", "flash-crash,venue-outage", "--qty", "5", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split() == ["case", "TWAP", "bps", "taker", "bps", "taker", "levels",
                                "taker", "filled", "TWAP", "vs", "index"]  # fmt: skip
    rows = {line[:22].strip(): line[22:].split() for line in lines[2:]}
    assert set(rows) == {"calm (no scenario)", "flash-crash", "venue-outage"}
    calm, crash, outage = rows["calm (no scenario)"], rows["flash-crash"], rows["venue-outage"]
    # The crash costs the TWAP hundreds of basis points (the 8 % fall over its 10 minutes),
    # and the thinned book leaves most of the taker's stop unfilled after more levels.
    assert float(crash[0]) > float(calm[0]) + 300
    assert float(crash[0]) < 1000
    assert int(crash[2]) > int(calm[2])
    assert int(crash[3].rstrip("%")) < 60 <= int(calm[3].rstrip("%"))
    # An outage leaves the book alone (the same data as the calm case): what changes is only
    # when the orders go out, after the resync. The table rounds to 0.1 bp, so the timing's
    # effect is checked on the example's own fills.
    example = _example()
    calm_book, outage_book = (
        example._book(tmp_path / "calm"),
        example._book(tmp_path / "venue-outage"),
    )
    assert all(np.array_equal(a, b) for a, b in zip(calm_book, outage_book, strict=True))
    _, start, resume = example._config("venue-outage", 0)
    assert resume > start
    delayed = example.run(tmp_path / "venue-outage", start, resume, 5.0)
    on_time = example.run(tmp_path / "venue-outage", start, start, 5.0)
    assert delayed != on_time
    assert abs(float(outage[0]) - float(calm[0])) < 50


def test_example_names_a_bad_scenario() -> None:
    done = _run("--scenarios", "flash-crsh")
    assert done.returncode == 2
    assert "--scenarios: unknown flash-crsh; allowed: flash-crash" in done.stderr
    assert "Traceback" not in done.stderr
