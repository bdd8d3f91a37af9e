"""Backtrader: a Cerebro backtest on AleatoricData trades exactly as pandas says it should."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import backtrader as bt
import pandas as pd
import pytest

from aleatoric.integrations import export
from aleatoric.integrations.backtrader import AleatoricData

PERIOD = 10
SIZE = 0.01


def _frame(root: Path, table: str, columns: list[str]) -> pd.DataFrame:
    files = sorted((root / table).rglob("*.parquet"))
    df = pd.concat([pd.read_parquet(f, columns=["seq", *columns]) for f in files])
    df = df.sort_values("seq")
    df.index = pd.to_datetime(df["ts_event"].astype("int64"), unit="ns")
    return df


def pandas_bars(root: Path, every: str) -> pd.DataFrame:
    """Bars computed with pandas from the Parquet tables, independently of the feed."""
    trades = _frame(root, "trades", ["ts_event", "price", "size"])
    bars = trades["price"].resample(every, label="left", closed="left").ohlc()
    bars["volume"] = trades["size"].resample(every, label="left", closed="left").sum()
    bars = bars.dropna(subset=["open"])
    ticker = _frame(root, "ticker", ["ts_event", "open_interest"])
    oi = ticker["open_interest"].resample(every, label="left", closed="left").last()
    bars["openinterest"] = oi.reindex(bars.index.union(oi.index)).ffill().reindex(bars.index)
    funding = _frame(root, "funding", ["ts_event", "funding_rate"])
    rates = funding["funding_rate"].resample(every, label="left", closed="left").sum()
    bars["funding"] = rates.reindex(bars.index).fillna(0.0)
    return bars


def pandas_fills(bars: pd.DataFrame) -> list[tuple[datetime, bool, float]]:
    """The fills of the SMA strategy below: a signal on bar i fills at bar i+1's open."""
    sma = bars["close"].rolling(PERIOD).mean()
    fills: list[tuple[datetime, bool, float]] = []
    long = False
    for i in range(PERIOD - 1, len(bars) - 1):
        close = bars["close"].iloc[i]
        if (not long and close > sma.iloc[i]) or (long and close < sma.iloc[i]):
            long = not long
            fills.append((bars.index[i + 1].to_pydatetime(), long, bars["open"].iloc[i + 1]))
    return fills


class SmaCross(bt.Strategy):  # type: ignore[misc]
    """Long ``SIZE`` while the close is above its SMA, flat below it."""

    def __init__(self) -> None:
        self.sma = bt.indicators.SMA(self.data.close, period=PERIOD)
        self.fills: list[tuple[datetime, bool, float]] = []
        self.seen: list[tuple[Any, ...]] = []

    def next(self) -> None:
        self._record()
        if not self.position and self.data.close[0] > self.sma[0]:
            self.buy(size=SIZE)
        elif self.position and self.data.close[0] < self.sma[0]:
            self.close()

    def prenext(self) -> None:
        self._record()

    def _record(self) -> None:
        d = self.data
        self.seen.append((d.datetime.datetime(0), d.open[0], d.high[0], d.low[0], d.close[0],
                          d.volume[0], d.openinterest[0], d.funding[0]))  # fmt: skip

    def notify_order(self, order: Any) -> None:
        if order.status == order.Completed:
            when = bt.num2date(order.executed.dt)
            self.fills.append((when, order.isbuy(), order.executed.price))


def _run(dataset: Path, bar: str) -> SmaCross:
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(AleatoricData(dataset=str(dataset), bar=bar))
    cerebro.addstrategy(SmaCross)
    cerebro.broker.setcash(1_000_000.0)
    (strategy,) = cerebro.run()
    return strategy  # type: ignore[no-any-return]


def test_cerebro_trades_match_pandas(small_dataset: Path) -> None:
    strategy = _run(small_dataset, "5s")
    bars = pandas_bars(small_dataset, "5s")
    assert len(strategy.seen) == len(bars) > 100
    for got, (when, row) in zip(strategy.seen, bars.iterrows(), strict=True):
        assert got[0] == when.to_pydatetime()
        assert got[1:6] == pytest.approx(tuple(row[["open", "high", "low", "close", "volume"]]))
        assert got[6] == pytest.approx(row["openinterest"]) and got[7] == row["funding"]
    want = pandas_fills(bars)
    assert len(want) >= 4
    assert [(w, b) for w, b, _ in strategy.fills] == [(w, b) for w, b, _ in want]
    assert [p for *_, p in strategy.fills] == pytest.approx([p for *_, p in want])
    assert sum(1 for *_, f in strategy.seen if f) == 1  # the 00:00 settlement


def test_feed_rejects_bad_bar_and_missing_dataset(tmp_path: Path, small_dataset: Path) -> None:
    from aleatoric.integrations import ExportError

    with pytest.raises(ValueError, match="1s, 5s"):
        AleatoricData(dataset=str(small_dataset), bar="7s")
    cerebro = bt.Cerebro()
    cerebro.adddata(AleatoricData(dataset=str(tmp_path), bar="1m"))
    cerebro.addstrategy(SmaCross)
    with pytest.raises(ExportError, match=r"manifest\.json"):
        cerebro.run()


def test_export_csv_reads_with_generic_csv_data(small_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "bt"
    res = subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "export", str(small_dataset), "--to",
         "backtrader", "--bar", "1m", "--out", str(out), "-q"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    again = export(small_dataset, "backtrader", tmp_path / "again", bar="1m")
    assert (again.path / "export.json").read_bytes() == (out / "export.json").read_bytes()
    path = out / "binance" / "BTCUSDT_1m.csv"
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    bars = pandas_bars(small_dataset, "1min")
    assert [r["datetime"] for r in rows] == [t.strftime("%Y-%m-%d %H:%M:%S") for t in bars.index]
    assert [float(r["close"]) for r in rows] == bars["close"].tolist()

    class FundingCSV(bt.feeds.GenericCSVData):  # type: ignore[misc]
        lines = ("funding",)
        params = (("funding", 7),)

    feed = FundingCSV(
        dataname=str(path), dtformat="%Y-%m-%d %H:%M:%S", timeframe=bt.TimeFrame.Minutes,
        datetime=0, open=1, high=2, low=3, close=4, volume=5, openinterest=6,
    )  # fmt: skip
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(feed)
    cerebro.addstrategy(SmaCross)
    (strategy,) = cerebro.run()
    assert [s[4] for s in strategy.seen] == bars["close"].tolist()
    assert [s[7] for s in strategy.seen] == bars["funding"].tolist()
