"""A dataset of several instruments exports every instrument, each under its own name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from nautilus_trader.persistence.catalog import ParquetDataCatalog

import aleatoric
from aleatoric.integrations import ENGINES, export
from aleatoric.integrations.lean_reader import read_folder, read_symbol_properties

PAIR = ["binance:BTCUSDT", "okx:ETH-USDT-SWAP"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = aleatoric.load_config(instruments=PAIR, duration="2m", segment="1m", warmup="5m",
                                   seed=21)  # fmt: skip
    out = tmp_path_factory.mktemp("pair") / "ds"
    aleatoric.generate(config, out)
    return out


def test_every_engine_gets_both_instruments(pair: Path, tmp_path: Path) -> None:
    for engine in ENGINES:
        export(pair, engine, tmp_path / engine)
        listed = json.loads((tmp_path / engine / "export.json").read_text())["instruments"]
        assert [i.get("symbol") for i in listed] == ["BTCUSDT", "ETH-USDT-SWAP"], engine
    series = read_folder(tmp_path / "lean")
    assert ("binance", "btcusdt", "minute", "trade") in series
    assert ("okx", "ethusdt", "minute", "trade") in series
    rows = read_symbol_properties(
        tmp_path / "lean/symbol-properties/symbol-properties-database.csv"
    )
    assert [(r["market"], r["market_ticker"]) for r in rows] == [
        ("binance", "BTCUSDT"),
        ("okx", "ETH-USDT-SWAP"),
    ]
    for venue, symbol in (("binance", "BTCUSDT"), ("okx", "ETH-USDT-SWAP")):
        data = np.load(tmp_path / "hftbacktest" / venue / symbol / "part-00000.npz")["data"]
        assert data.size > 1000
        assert (tmp_path / "backtrader" / venue / f"{symbol}_1m.csv").is_file()
    catalog = ParquetDataCatalog(str(tmp_path / "nautilus"))
    assert sorted(str(i.id) for i in catalog.instruments()) == [
        "BTCUSDT-PERP.BINANCE",
        "ETH-USDT-SWAP.OKX",
    ]
