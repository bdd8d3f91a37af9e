"""Shared fixtures: small generated datasets, built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

import aleatoric
from aleatoric.config import DatasetConfig
from aleatoric.sinks.schema import AS_NS

#: Three 5-minute segments: enough to cross two segment boundaries quickly.
SMALL = {"duration": "15m", "segment": "5m", "warmup": "5m", "seed": 11}


def read_table(root: Path, table: str) -> pl.DataFrame:
    """Read one canonical table of a dataset, sorted by seq, timestamps as int64 ns."""
    files = sorted((root / table).rglob("*.parquet"))
    if not files:
        return pl.DataFrame()
    return pl.concat([pl.read_parquet(f) for f in files]).sort("seq").with_columns(AS_NS)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The CLI caches by default: keep tests (and their subprocesses) out of the user cache.
    os.environ["ALEATORIC_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def small_config() -> DatasetConfig:
    return aleatoric.load_config(venue="binance", symbol="BTCUSDT", **SMALL)


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory, small_config: DatasetConfig) -> Path:
    out = tmp_path_factory.mktemp("ds") / "binance"
    aleatoric.generate(small_config, out)
    return out


@pytest.fixture(scope="session", params=["bybit", "okx", "hyperliquid"])
def venue_dataset(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short volatile ETH dataset per other venue (grids and rules differ per venue)."""
    venue = request.param
    symbol = {"bybit": "ETHUSDT", "okx": "ETH-USDT-SWAP", "hyperliquid": "ETH"}[venue]
    config = aleatoric.load_config(
        venue=venue, symbol=symbol, preset="volatile", duration="10m", segment="5m",
        warmup="5m", seed=3,
    )  # fmt: skip
    out = tmp_path_factory.mktemp("ds") / venue
    aleatoric.generate(config, out)
    return out
