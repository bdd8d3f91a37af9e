"""The alt-coin and long-tail perpetuals: registry rules, presets, and one generated sample."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import aleatoric
from aleatoric.basket import basket_assets
from aleatoric.config import presets
from aleatoric.instruments import instruments
from aleatoric.integrity import check_capture, check_instruments

NEW = ("SOL", "XRP", "DOGE", "BNB", "SUI", "WIF")
#: One new instrument per venue, rotating the assets so every grid kind is covered cheaply
#: (sub-cent ticks, contract values of 100 and 1000 on OKX, significant figures on Hyperliquid).
SAMPLE = ["binance:SOLUSDT", "bybit:WIFUSDT", "okx:DOGE-USDT-SWAP", "hyperliquid:XRP"]


def test_every_venue_lists_every_new_asset() -> None:
    for venue in ("binance", "bybit", "okx", "hyperliquid"):
        bases = {i.base for i in instruments() if i.venue == venue}
        assert set(NEW) <= bases, venue


@pytest.mark.parametrize("preset", ["calm", "volatile"])
def test_every_base_has_scales_and_loadings(preset: str) -> None:
    bases = {i.base for i in instruments()}
    assert bases <= set(presets()[preset].assets)
    assert bases <= set(basket_assets())


def test_prices_fit_the_simulation_window() -> None:
    # The book kernel holds +-2**19 ticks around a segment's first price: a +-50 % move must
    # fit, so the initial price is at most 2**20 ticks (Hyperliquid's finest decimal is too
    # fine for SOL, XRP and WIF at their price levels; their tick is the finest step there).
    for inst in instruments():
        price = presets()["calm"].asset(inst.base).initial_price
        assert price / inst.tick_size <= 2**20, f"{inst.venue}:{inst.symbol}"


def test_grids_are_consistent() -> None:
    for inst in instruments():
        name = f"{inst.venue}:{inst.symbol}"
        assert inst.min_qty % inst.lot_size == 0, name
        assert -inst.tick_size.as_tuple().exponent <= inst.price_precision, name  # type: ignore[operator]
        assert inst.funding_floor == -inst.funding_cap, name
        assert inst.funding_cap > Decimal(0), name


def test_sample_of_new_instruments_passes_integrity(tmp_path: Path) -> None:
    config = aleatoric.load_config(
        instruments=SAMPLE, duration="5m", segment="5m", warmup="5m", seed=3
    )
    out = tmp_path / "ds"
    aleatoric.generate(config, out, formats=("parquet", "native"))
    reports = check_instruments(out)
    assert len(reports) == len(SAMPLE)
    for report in reports:
        assert report.passed, report.to_text()
    captures = sorted((out / "native").rglob("*.gz"))
    assert len(captures) == len(SAMPLE)
    for path in captures:
        report = check_capture(path, path.parent.name)
        assert report.passed, report.to_text()
