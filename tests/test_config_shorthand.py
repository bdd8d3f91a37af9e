"""The shorthand ``venues`` x ``symbols``: base assets mapped to each venue's own symbols."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import aleatoric
from aleatoric.config import input_fields
from aleatoric.errors import ConfigError
from aleatoric.service._schemas import JobRequest

BIN = [sys.executable, "-m", "aleatoric.cli"]


def test_venues_times_symbols_map_to_each_venues_symbols() -> None:
    config = aleatoric.load_config(venues="binance,bybit,okx,hyperliquid", symbols=["BTC", "sol"])
    assert [str(i) for i in config.instruments] == [
        "binance:BTCUSDT", "binance:SOLUSDT", "bybit:BTCUSDT", "bybit:SOLUSDT",
        "okx:BTC-USDT-SWAP", "okx:SOL-USDT-SWAP", "hyperliquid:BTC", "hyperliquid:SOL",
    ]  # fmt: skip
    # Written back as instruments: the shorthand is an input form only.
    canonical = config.canonical()
    assert "venues" not in canonical and len(canonical["instruments"]) == 8
    assert aleatoric.load_config(**canonical) == config


def test_one_instrument_shorthand_is_the_flat_config() -> None:
    config = aleatoric.load_config(venues=["okx"], symbols=["ETH"], duration="5m")
    flat = aleatoric.load_config(venue="okx", symbol="ETH-USDT-SWAP", duration="5m")
    assert config == flat and config.canonical() == flat.canonical()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"venues": "binance,kraken", "symbols": "BTC"}, "venues",
         "unknown venue 'kraken'; allowed: binance, bybit, okx, hyperliquid"),
        ({"venues": "okx", "symbols": "BTC,ADA"}, "symbols",
         "ADA is not listed on okx; allowed: BTC, ETH, SOL, XRP, DOGE, BNB, SUI, WIF"),
        ({"venues": "okx"}, "symbols", "required with venues"),
        ({"symbols": ["BTC"]}, "venues", "required with symbols"),
        ({"venues": "okx", "symbols": "BTC,BTC"}, "symbols", "listed twice: BTC"),
        ({"venues": "okx", "symbols": "BTC", "instruments": ["binance:BTCUSDT"]}, "venues",
         "not both"),
        ({"venues": "okx", "symbols": 3}, "symbols", "a list of names"),
    ],
)  # fmt: skip
def test_bad_shorthand_names_the_field(fields: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        aleatoric.load_config(**fields)
    errors = dict(info.value.errors)
    assert field in errors and message in errors[field], info.value.errors


def test_cli_flags_and_config_file(tmp_path: Path) -> None:
    bad = subprocess.run(
        [*BIN, "generate", "--venues", "hyperliquid", "--symbols", "BTC,PEPE",
         "--duration", "5m", "--out", str(tmp_path / "bad")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert bad.returncode == 2, bad.stderr
    assert "symbols" in bad.stderr and "allowed: BTC, ETH" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "bad").exists()
    path = tmp_path / "basket.toml"
    path.write_text('venues = ["binance", "okx"]\nsymbols = ["ETH", "DOGE"]\nduration = "5m"\n')
    ok = subprocess.run([*BIN, "validate", str(path)], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "binance DOGEUSDT" in ok.stdout and "okx DOGE-USDT-SWAP" in ok.stdout


def test_http_and_mcp_schemas_carry_the_shorthand() -> None:
    fields = input_fields()
    assert fields["venues"].kind == fields["symbols"].kind == "list"
    body = JobRequest.model_validate({"venues": ["bybit"], "symbols": ["XRP", "WIF"]})
    config = aleatoric.load_config(**body.config_fields())
    assert [str(i) for i in config.instruments] == ["bybit:XRPUSDT", "bybit:WIFUSDT"]
    schema = json.dumps(JobRequest.model_json_schema())
    assert '"venues"' in schema and '"symbols"' in schema
