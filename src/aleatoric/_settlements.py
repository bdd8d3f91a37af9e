"""The ``settlement`` table of a dataset's CME futures, from the canonical tables just written.

One file per contract, ``settlement/venue=cme/symbol=<symbol>/part-00000.parquet``, with
:data:`aleatoric.tradfi.SETTLEMENT_SCHEMA` columns: a ``daily`` row per trade date whose
settlement window lies in the dataset (CME's procedure: the VWAP of the trades in
14:59-15:00 CT, else the mid of the last two-sided quote, else spot plus carry) and a
``final`` row at the last trade, priced at the BRR-like reference rate of the asset's spot.
The spot prints are the contract's ticker ``index_price`` (the model's spot, once a
second); the quotes are ``book_snapshot``'s best levels. Like scenario labels, the table is
derived from the written tables, so it never disagrees with them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads

from aleatoric.config import DatasetConfig
from aleatoric.dataset import partition
from aleatoric.instruments import get_instrument, is_futures
from aleatoric.reactor._futures import futures_terms
from aleatoric.sinks.parquet import FileEntry, write_table_file
from aleatoric.tradfi import Prints, settlement_table

__all__ = ["SETTLEMENT_TABLE", "write_settlements"]

SETTLEMENT_TABLE = "settlement"


def _read(root: Path, table: str, venue: str, symbol: str, columns: list[str]) -> pa.Table:
    folder = root / partition(table, venue, symbol)
    if not folder.is_dir():
        return pa.table({c: pa.array([], pa.float64()) for c in columns})
    data = pads.dataset(folder, format="parquet", partitioning="hive")
    return data.to_table(columns=[*columns, "seq"]).sort_by("seq")


def _ns(table: pa.Table) -> np.ndarray:
    return np.asarray(table.column("ts_event").cast(pa.int64()).to_numpy(), dtype=np.int64)


def _prints(table: pa.Table, price: str, size: str | None) -> Prints:
    if table.num_rows == 0:
        return Prints.of(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    p = table.column(price).to_numpy(zero_copy_only=False)
    q = np.ones(p.shape) if size is None else table.column(size).to_numpy(zero_copy_only=False)
    keep = ~(np.isnan(p.astype(np.float64)) | np.isnan(q.astype(np.float64)))
    return Prints.of(_ns(table)[keep], p[keep], q[keep])


def contract_settlements(config: DatasetConfig, root: Path, venue: str, symbol: str) -> pa.Table:
    """Return the settlement table of one CME monthly contract of the dataset at ``root``."""
    terms = futures_terms(get_instrument(venue, symbol), config.start_ns, config.seed)
    trades = _read(root, "trades", venue, symbol, ["ts_event", "price", "size"])
    snaps = _read(root, "book_snapshot", venue, symbol, ["ts_event", "bid_px_00", "ask_px_00"])
    ticker = _read(root, "ticker", venue, symbol, ["ts_event", "index_price"])
    return settlement_table(
        terms.contract, config.start_ns, config.end_ns,
        trades=_prints(trades, "price", "size"),
        quotes=_prints(snaps, "bid_px_00", "ask_px_00"),
        spot=_prints(ticker, "index_price", None),
        rate=terms.carry,
    )  # fmt: skip


def write_settlements(config: DatasetConfig, root: Path) -> list[FileEntry]:
    """Write the ``settlement`` table of every CME monthly contract of ``config``."""
    entries: list[FileEntry] = []
    for ref in config.instruments:
        if not is_futures(ref.venue):
            continue
        terms = futures_terms(get_instrument(ref.venue, ref.symbol), config.start_ns, config.seed)
        product = terms.contract.product
        if product.venue != "cme" or product.kind != "monthly" or "trades" not in config.tables:
            continue
        table = contract_settlements(config, root, ref.venue, ref.symbol)
        rel = f"{partition(SETTLEMENT_TABLE, ref.venue, ref.symbol)}/part-00000.parquet"
        entries.append(write_table_file(root, rel, SETTLEMENT_TABLE, table))
    return entries
