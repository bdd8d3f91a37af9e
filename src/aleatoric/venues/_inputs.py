"""Canonical tables of one UTC day, in integer grid units, ready for venue encoders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from aleatoric.config import DatasetConfig
from aleatoric.dataset import open_dataset, partition
from aleatoric.instruments import Instrument, get_instrument
from aleatoric.sinks.schema import AS_NS

__all__ = ["DayInput", "iter_days", "load_day"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
#: Tables a venue encoder reads.
NATIVE_TABLES = ("book_delta", "trades", "ticker", "funding")


@dataclass(frozen=True)
class DayInput:
    """One day of canonical rows; prices in ticks, sizes in canonical lots, times in ns."""

    day: str
    config: DatasetConfig
    instrument: Instrument
    delta: dict[str, I64]  # ts, seq, side (0 bid, 1 ask), price, size, count, snapshot
    trades: dict[str, I64]  # ts, seq, trade_id, price, size, side (0 buy, 1 sell)
    ticker: dict[str, npt.NDArray[np.generic]]  # ts, seq, mark, index, last, rate, ...
    funding: dict[str, npt.NDArray[np.generic]]  # ts, seq, rate, mark
    #: A liquidation cascade's forced orders (``liquidations`` table): ts, price, size (floats).
    liquidations: dict[str, npt.NDArray[np.generic]] = field(default_factory=lambda: _empty())


def _read(
    root: Path, config: DatasetConfig, table: str, day: str, columns: list[str]
) -> pl.DataFrame:
    where = partition(table, config.venue, config.symbol)
    files = sorted(root.glob(f"{where}/date={day}/*.parquet"))
    if not files:
        return pl.DataFrame(schema={c: pl.Float64 for c in columns})
    frames = [pl.read_parquet(f, columns=columns).with_columns(AS_NS) for f in files]
    return pl.concat(frames).sort("seq")


def load_day(root: Path, config: DatasetConfig, day: str) -> DayInput:
    """Return one day's (``YYYY-MM-DD``) canonical rows of the instrument of ``config``.

    ``config`` is a single-instrument config (:meth:`DatasetConfig.for_instrument`).
    """
    inst = get_instrument(config.venue, config.symbol)
    px, sz = inst.price_grid, inst.size_grid

    d = _read(
        root, config, "book_delta", day,
        ["ts_event", "seq", "side", "price", "size", "order_count", "is_snapshot"],
    )  # fmt: skip
    t = _read(root, config, "trades", day, ["ts_event", "seq", "trade_id", "price", "size", "side"])
    k = _read(root, config, "ticker", day, ["ts_event", "seq", "mark_price", "index_price",
                                            "last_price", "funding_rate", "predicted_funding_rate",
                                            "next_funding_ts", "open_interest"])  # fmt: skip
    f = _read(root, config, "funding", day, ["ts_event", "seq", "funding_rate", "mark_price"])

    def ints(df: pl.DataFrame, col: str) -> I64:
        return df[col].to_numpy().astype(np.int64)

    delta = {
        "ts": ints(d, "ts_event"),
        "seq": ints(d, "seq"),
        "side": (d["side"] == "ask").to_numpy().astype(np.int64),
        "price": px.to_units(d["price"].to_numpy()),
        "size": sz.to_units(d["size"].to_numpy()),
        "count": ints(d, "order_count"),
        "snapshot": d["is_snapshot"].to_numpy().astype(np.int64),
    }
    trades = {
        "ts": ints(t, "ts_event"),
        "seq": ints(t, "seq"),
        "trade_id": ints(t, "trade_id"),
        "price": px.to_units(t["price"].to_numpy()),
        "size": sz.to_units(t["size"].to_numpy()),
        "side": (t["side"] == "sell").to_numpy().astype(np.int64),
    }
    ticker: dict[str, npt.NDArray[np.generic]] = {
        "ts": ints(k, "ts_event"),
        "seq": ints(k, "seq"),
        "mark": px.to_units(k["mark_price"].to_numpy()),
        "index": px.to_units(k["index_price"].to_numpy()),
        "last": px.to_units(k["last_price"].to_numpy()),
        "rate": k["funding_rate"].to_numpy().astype(np.float64),
        "predicted": k["predicted_funding_rate"].to_numpy().astype(np.float64),
        "next_ts": ints(k, "next_funding_ts"),
        "oi": sz.to_units(k["open_interest"].to_numpy()),
    }
    funding: dict[str, npt.NDArray[np.generic]] = {
        "ts": ints(f, "ts_event"),
        "seq": ints(f, "seq"),
        "rate": f["funding_rate"].to_numpy().astype(np.float64),
        "mark": px.to_units(f["mark_price"].to_numpy()),
    }
    return DayInput(day, config, inst, delta, trades, ticker, funding,
                    _liquidations(root, config, day))  # fmt: skip


def _empty() -> dict[str, npt.NDArray[np.generic]]:
    return {"ts": np.zeros(0, np.int64), "price": np.zeros(0), "size": np.zeros(0)}


def _liquidations(
    root: Path, config: DatasetConfig, day: str
) -> dict[str, npt.NDArray[np.generic]]:
    path = root / "liquidations" / "part-00000.parquet"
    if not path.is_file():
        return _empty()
    frame = (
        pl.read_parquet(path).with_columns(AS_NS)
        .filter((pl.col("venue") == config.venue) & (pl.col("symbol") == config.symbol))
        .with_columns(pl.col("ts_event").cast(pl.Int64))
    )  # fmt: skip
    lo = int(np.datetime64(day, "ns").astype(np.int64))
    frame = frame.filter(
        (pl.col("ts_event") >= lo) & (pl.col("ts_event") < lo + 86_400_000_000_000)
    )
    return {
        "ts": frame["ts_event"].to_numpy().astype(np.int64),
        "price": frame["price"].to_numpy().astype(np.float64),
        "size": frame["size"].to_numpy().astype(np.float64),
    }


def iter_days(root: Path) -> Iterator[DayInput]:
    """Yield the days of the dataset at ``root``, instrument by instrument, each in order."""
    config = open_dataset(root).config
    for ref in config.instruments:
        where = partition("*", ref.venue, ref.symbol)
        days = sorted({p.name.removeprefix("date=") for p in root.glob(f"{where}/date=*")})
        one = config.for_instrument(ref)
        for day in days:
            yield load_day(root, one, day)
