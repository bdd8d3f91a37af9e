"""Turn a segment's row buffer into canonical Arrow tables, applying the global counters.

``seq`` numbers the rows of the selected tables, in buffer order, from the segment's offset;
``trade_id`` numbers trades from the segment's trade offset. Both offsets come from the
counts of earlier segments (a prefix sum), so segments are written independently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from aleatoric.config import DatasetConfig, TableName
from aleatoric.instruments import Instrument
from aleatoric.latency._apply import receive_times
from aleatoric.reactor import SegmentResult
from aleatoric.reactor import dtypes as d
from aleatoric.sinks.schema import schema_for, snapshot_columns

__all__ = ["TABLE_KINDS", "Offsets", "segment_counts", "segment_tables"]

#: Which row kind feeds which table.
TABLE_KINDS: dict[TableName, int] = {
    "mbo": d.KIND_MBO,
    "book_delta": d.KIND_DELTA,
    "book_snapshot": d.KIND_SNAPSHOT,
    "trades": d.KIND_TRADE,
    "ticker": d.KIND_TICKER,
    "funding": d.KIND_FUNDING,
}


@dataclass(frozen=True)
class Offsets:
    """First ``seq`` and number of trades before a segment."""

    seq: int
    trades: int


def segment_counts(result: SegmentResult, tables: tuple[TableName, ...]) -> tuple[int, int]:
    """Return ``(rows counted by seq, trades)`` of a segment for the selected tables."""
    kinds = tuple(TABLE_KINDS[t] for t in tables)
    return result.count(kinds), result.count((d.KIND_TRADE,))


def _letters(codes: npt.NDArray[np.int64], table: dict[int, str]) -> pa.Array:
    # Map one-byte codes to short strings: one-character strings by building the string
    # array's buffers directly, longer ones by an Arrow ``take`` from the distinct strings.
    keys = sorted(table)
    index = np.full(256, -1, dtype=np.int32)
    index[keys] = np.arange(len(keys), dtype=np.int32)
    small = codes.astype(np.uint8)
    picked = index[small]
    if codes.size and (picked.min() < 0 or not np.array_equal(codes, small)):
        raise ValueError(f"row codes outside {keys}, were {sorted(set(codes.tolist()))}")
    if all(len(table[k]) == 1 for k in keys):
        chars = np.frombuffer("".join(table[k] for k in keys).encode(), dtype=np.uint8)
        offsets = np.arange(codes.size + 1, dtype=np.int32)
        return pa.StringArray.from_buffers(
            codes.size, pa.py_buffer(offsets), pa.py_buffer(chars[picked])
        )
    return pa.array([table[k] for k in keys], type=pa.string()).take(pa.array(picked))


def _rows_at(a: npt.NDArray[np.int64], at: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    # ``a[at]``, without the copy when ``at`` takes every row in order (it usually does).
    if at.size == a.shape[0] and np.array_equal(at, np.arange(at.size)):
        return a
    return a[at]


def segment_tables(
    result: SegmentResult,
    config: DatasetConfig,
    instrument: Instrument,
    offsets: Offsets,
) -> dict[str, pa.Table]:
    """Return the segment's selected tables, rows in ``seq`` order."""
    # Columns of the row buffer, each contiguous, so each table takes its rows by index (the
    # simulator's buffer is column-major: no copy; a row-major one is copied column by column).
    columns = [np.ascontiguousarray(result.rows[:, k]) for k in range(result.rows.shape[1])]
    code = columns[d.COL_CODE]
    kind = code & 0xFF
    wanted = np.zeros(256, dtype=np.bool_)
    wanted[[TABLE_KINDS[t] for t in config.tables]] = True
    selected = wanted[kind]  # a lookup per row: kinds are one byte
    seq_all = np.cumsum(selected, dtype=np.int64) - 1 + offsets.seq
    # Over every row, selected or not, so a table's delays never depend on the others chosen.
    recv_all = receive_times(config, columns[d.COL_TS])
    price_grid = instrument.price_grid
    size_grid = instrument.size_grid
    out: dict[str, pa.Table] = {}
    for table in config.tables:
        at = np.flatnonzero(kind == TABLE_KINDS[table])
        ts = columns[d.COL_TS][at]
        cols: dict[str, pa.Array | npt.NDArray[np.generic]] = {
            "ts_event": ts,
            "ts_recv": recv_all[at],
            "seq": seq_all[at].view(np.uint64),
        }
        r_code = code[at]
        action = (r_code >> 8) & 0xFF
        side = (r_code >> 16) & 0xFF
        flags = ((r_code >> 24) & 0xFF).astype(np.uint8)
        price = price_grid.to_float(columns[d.COL_PRICE][at])
        size = size_grid.to_float(columns[d.COL_SIZE][at])
        aux = columns[d.COL_AUX][at]
        if table == "mbo":
            cols["order_id"] = columns[d.COL_ORDER_ID][at].astype(np.uint64)
            cols["action"] = _letters(action, {a: chr(a) for a in b"ACMTF"})
            cols["side"] = _letters(side, {d.BID: "B", d.ASK: "A", d.SIDE_NONE: "N"})
            cols["price"] = price
            cols["size"] = size
            cols["flags"] = flags
        elif table == "book_delta":
            cols["side"] = _letters(side, {d.BID: "bid", d.ASK: "ask"})
            cols["price"] = price
            cols["size"] = size
            cols["order_count"] = aux.astype(np.uint32)
            cols["is_snapshot"] = (flags & d.F_SNAPSHOT) != 0
            cols["is_last"] = (flags & d.F_LAST) != 0
        elif table == "trades":
            first = offsets.trades + 1
            cols["trade_id"] = np.arange(first, first + at.size, dtype=np.uint64)
            cols["price"] = price
            cols["size"] = size
            cols["side"] = _letters(side, {d.BID: "buy", d.ASK: "sell"})
        elif table == "book_snapshot":
            # Level-major copies, so each column is one contiguous run of the arrays.
            px = np.ascontiguousarray(_rows_at(result.snapshot_price, aux).transpose(1, 2, 0))
            sz = size_grid.to_float(
                np.ascontiguousarray(_rows_at(result.snapshot_size, aux).transpose(1, 2, 0))
            )
            # Zero under the nulls, as every Parquet reader gives them back, so the content
            # digest of a read-back table equals the written one.
            empty = px < 0
            px_float = price_grid.to_float(px)
            px_float[empty] = 0.0
            names = iter(snapshot_columns(config.snapshot_depth))
            for s in (0, 1):
                for level in range(config.snapshot_depth):
                    cols[next(names)] = pa.array(px_float[s, level], mask=empty[s, level])
                for level in range(config.snapshot_depth):
                    cols[next(names)] = sz[s, level]
        elif table == "ticker":
            t = result.ticker
            cols["mark_price"] = price_grid.to_float(t["mark_price"][aux])
            cols["index_price"] = price_grid.to_float(t["index_price"][aux])
            cols["last_price"] = price_grid.to_float(t["last_price"][aux])
            cols["funding_rate"] = t["funding_rate"][aux]
            cols["predicted_funding_rate"] = t["predicted_funding_rate"][aux]
            cols["next_funding_ts"] = t["next_funding_ts"][aux]
            cols["open_interest"] = size_grid.to_float(t["open_interest"][aux])
        elif table == "funding":
            cols["funding_rate"] = result.funding_rate[aux]
            cols["mark_price"] = price_grid.to_float(
                np.rint(result.funding_mark[aux]).astype(np.int64)
            )
        schema = schema_for(table, depth=config.snapshot_depth)
        out[table] = pa.table(cols, schema=schema)
    return out
