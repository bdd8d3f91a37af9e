"""NautilusTrader: the exported catalog loads in nautilus-trader; a BacktestEngine trades on it."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import (
    AccountType,
    BookAction,
    BookType,
    OmsType,
    OrderSide,
)
from nautilus_trader.model.identifiers import InstrumentId, Venue
from nautilus_trader.model.objects import Money, Quantity
from nautilus_trader.persistence.catalog import ParquetDataCatalog
from nautilus_trader.trading.strategy import Strategy

from aleatoric.integrations import export
from tests.conftest import read_table

IID = "BTCUSDT-PERP.BINANCE"
BAR = f"{IID}-1-MINUTE-LAST-EXTERNAL"


@pytest.fixture(scope="module")
def catalog(small_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nautilus") / "catalog"
    res = subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "export", str(small_dataset), "--to", "nautilus",
         "--bar", "1m", "--out", str(out), "-q"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return out


class FlipConfig(StrategyConfig, frozen=True):  # type: ignore[misc,call-arg]
    instrument_id: str
    bar_type: str


class Flip(Strategy):  # type: ignore[misc]
    """Buy 0.01 on every odd bar, sell it back on every even bar (market orders)."""

    def __init__(self, config: FlipConfig) -> None:
        super().__init__(config)
        self.bars: list[Bar] = []

    def on_start(self) -> None:
        self.iid = InstrumentId.from_str(self.config.instrument_id)
        self.subscribe_bars(BarType.from_str(self.config.bar_type))

    def on_bar(self, bar: Bar) -> None:
        self.bars.append(bar)
        side = OrderSide.BUY if len(self.bars) % 2 else OrderSide.SELL
        order = self.order_factory.market(self.iid, side, Quantity.from_str("0.010"))
        self.submit_order(order)


def _decimals(values: Any) -> list[Decimal]:
    return [Decimal(repr(v)) for v in values.to_list()]


@pytest.mark.slow
def test_catalog_holds_the_dataset(catalog: Path, small_dataset: Path) -> None:
    cat = ParquetDataCatalog(str(catalog))
    (inst,) = cat.instruments()
    assert str(inst.id) == IID and inst.price_increment.as_decimal() == Decimal("0.1")
    assert inst.size_increment.as_decimal() == Decimal("0.001")
    deltas = cat.order_book_deltas(instrument_ids=[IID])
    book = read_table(small_dataset, "book_delta")
    assert len(deltas) == book.height + 1  # a CLEAR before the initial snapshot
    assert deltas[0].action == BookAction.CLEAR
    assert [d.sequence for d in deltas[1:]] == book["seq"].to_list()
    assert [d.order.price.as_decimal() for d in deltas[1:]] == _decimals(book["price"])
    assert [d.order.size.as_decimal() for d in deltas[1:]] == _decimals(book["size"])
    assert [d.ts_init for d in deltas[1:]] == book["ts_recv"].to_list()
    trades = cat.trade_ticks(instrument_ids=[IID])
    want = read_table(small_dataset, "trades")
    assert [t.price.as_decimal() for t in trades] == _decimals(want["price"])
    assert [t.size.as_decimal() for t in trades] == _decimals(want["size"])
    assert [int(str(t.trade_id)) for t in trades] == want["trade_id"].to_list()
    bars = cat.bars(bar_types=[BAR])
    assert len(bars) == 15 and all(b.ts_event % 60_000_000_000 == 0 for b in bars)


def test_backtest_engine_runs_a_strategy(catalog: Path) -> None:
    cat = ParquetDataCatalog(str(catalog))
    (inst,) = cat.instruments()
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(bypass_logging=True)))
    engine.add_venue(
        Venue("BINANCE"), oms_type=OmsType.NETTING, account_type=AccountType.MARGIN,
        base_currency=None, starting_balances=[Money(1_000_000, inst.quote_currency)],
        book_type=BookType.L2_MBP,
    )  # fmt: skip
    engine.add_instrument(inst)
    engine.add_data(cat.order_book_deltas(instrument_ids=[IID]))
    engine.add_data(cat.trade_ticks(instrument_ids=[IID]))
    engine.add_data(cat.bars(bar_types=[BAR]))
    strategy = Flip(FlipConfig(instrument_id=IID, bar_type=BAR))
    engine.add_strategy(strategy)
    engine.run()
    fills: Any = engine.trader.generate_order_fills_report()
    assert len(strategy.bars) == 15
    assert len(fills) == 15  # every market order filled against the exported book
    prices = [float(p) for p in fills["avg_px"]]
    lows, highs = [float(b.low) for b in strategy.bars], [float(b.high) for b in strategy.bars]
    assert min(lows) - 50 < min(prices) and max(prices) < max(highs) + 50
    engine.dispose()


def test_catalog_bytes_are_deterministic(
    catalog: Path, small_dataset: Path, tmp_path: Path
) -> None:
    again = export(small_dataset, "nautilus", tmp_path / "again", bar="1m")
    assert (again.path / "export.json").read_bytes() == (catalog / "export.json").read_bytes()
