"""Where the hftbacktest environment is (it pins an older NumPy than the engine)."""

from __future__ import annotations

import os

import pytest


def hft_python() -> str:
    """Return the Python that has hftbacktest; fail in CI, skip elsewhere, when unset."""
    found = os.environ.get("ALEATORIC_HFT_PYTHON")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("ALEATORIC_HFT_PYTHON must point at a Python with hftbacktest in CI")
    pytest.skip("hftbacktest needs its own environment (set ALEATORIC_HFT_PYTHON)")
