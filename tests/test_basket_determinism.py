"""Adding a symbol to a venues x symbols dataset leaves every other instrument's bytes alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import aleatoric

BASE = {"venues": ["bybit", "hyperliquid"], "duration": "10m", "segment": "5m",
        "warmup": "5m", "seed": 4}  # fmt: skip


def _digests(root: Path) -> dict[str, str]:
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.name != "manifest.json"]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_adding_a_symbol_changes_no_other_instruments_sha256(tmp_path: Path) -> None:
    small = aleatoric.load_config(symbols=["ETH"], **BASE)
    large = aleatoric.load_config(symbols=["ETH", "DOGE"], **BASE)
    aleatoric.generate(small, tmp_path / "small", formats=("parquet", "native"))
    # Two workers: the units (instrument x segment) are spread over processes.
    aleatoric.generate(large, tmp_path / "large", formats=("parquet", "native"), workers=2)
    before, after = _digests(tmp_path / "small"), _digests(tmp_path / "large")
    assert len(before) > 10 and any(k.startswith("native/") for k in before)
    assert {k: after.get(k) for k in before} == before
    added = set(after) - set(before)
    assert added and all("DOGE" in k or "doge" in k for k in added)
    manifest = json.loads((tmp_path / "large" / "manifest.json").read_text())
    assert [(i["venue"], i["symbol"]) for i in manifest["instruments"]] == [
        ("bybit", "ETHUSDT"), ("bybit", "DOGEUSDT"), ("hyperliquid", "ETH"),
        ("hyperliquid", "DOGE"),
    ]  # fmt: skip
    units = {(s["venue"], s["symbol"], s["index"]) for s in manifest["segments"]}
    assert len(units) == 4 * 2
