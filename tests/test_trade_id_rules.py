"""A missing trade line is caught by the venue's trade ids: Binance ``t`` after normalizing
(the canonical ``trade_id_gap_free``), OKX ``tradeId`` plus ``count`` on the capture."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import aleatoric
from aleatoric.cli import app


def _capture(tmp_path: Path, venue: str, symbol: str) -> Path:
    config = aleatoric.load_config(venue=venue, symbol=symbol, duration="5m", segment="5m",
                                   warmup="5m", seed=14)  # fmt: skip
    aleatoric.generate(config, tmp_path / "ds", formats=("native",))
    return next((tmp_path / "ds").rglob("*.gz"))


def _drop_trade(capture: Path, out: Path, marker: str) -> None:
    # Drop the tenth trade message (never the first: nothing before it to compare with).
    lines = gzip.decompress(capture.read_bytes()).decode().splitlines(keepends=True)
    trades = [i for i, line in enumerate(lines) if marker in line]
    assert len(trades) > 20
    del lines[trades[10]]
    out.write_bytes(gzip.compress("".join(lines).encode()))


def _failed(*args: object) -> dict[str, int]:
    result = CliRunner().invoke(app, [*map(str, args), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    report = json.loads(result.output)
    return {r["name"]: r["violations"] for r in report["results"] if not r["passed"]}


@pytest.mark.parametrize(
    ("venue", "symbol", "marker", "rule"),
    [
        ("binance", "BTCUSDT", '@trade"', "trade_id_gap_free"),
        ("okx", "BTC-USDT-SWAP", '"channel":"trades"', "okx_trade_id_gap_free"),
    ],
)
def test_a_missing_trade_line_is_caught(
    tmp_path: Path, venue: str, symbol: str, marker: str, rule: str
) -> None:
    capture = _capture(tmp_path, venue, symbol)
    assert _failed("check", capture, "--venue", venue) == {}
    cut = tmp_path / capture.name
    _drop_trade(capture, cut, marker)
    assert _failed("check", cut, "--venue", venue) == {rule: 1}
    if rule == "trade_id_gap_free":
        CliRunner().invoke(app, ["normalize", str(cut), "--venue", venue, "--out",
                                 str(tmp_path / "n")])  # fmt: skip
        assert _failed("check", tmp_path / "n") == {rule: 1}
