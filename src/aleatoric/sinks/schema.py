"""The canonical Arrow schemas: the public contract documented in docs/schema.md."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from aleatoric.config import TableName

__all__ = [
    "AS_NS",
    "COMMON_FIELDS",
    "TIMESTAMP",
    "TIMESTAMP_COLUMNS",
    "ns_table",
    "schema_for",
    "snapshot_columns",
]

#: Instants are ns since the Unix epoch stored as int64, typed as UTC timestamps so that
#: every reader shows datetimes without a conversion.
TIMESTAMP = pa.timestamp("ns", tz="UTC")
#: The timestamp columns of the canonical tables.
TIMESTAMP_COLUMNS = ("ts_event", "ts_recv", "next_funding_ts")
#: A polars expression turning every datetime column back into its int64 ns: for code that
#: computes on nanoseconds and reads datasets written before the timestamp type (int64).
AS_NS = pl.col(pl.Datetime).cast(pl.Int64)


def ns_table(table: pa.Table) -> pa.Table:
    """Return ``table`` with its timestamp columns as int64 ns (the same values)."""
    schema = table.schema
    for i, field in enumerate(schema):
        if pa.types.is_timestamp(field.type):
            schema = schema.set(i, field.with_type(pa.int64()))
    return table if schema.equals(table.schema) else table.cast(schema)


#: Every table starts with these columns.
COMMON_FIELDS = [
    pa.field("ts_event", TIMESTAMP, nullable=False),  # exchange time, ns since epoch (UTC)
    pa.field("ts_recv", TIMESTAMP, nullable=False),  # local receive time, ns, > ts_event
    pa.field("seq", pa.uint64(), nullable=False),  # gap-free per venue and symbol
]

_PAYLOAD: dict[str, list[pa.Field]] = {
    "mbo": [
        pa.field("order_id", pa.uint64(), nullable=False),
        pa.field("action", pa.string(), nullable=False),  # A add, C cancel, M modify, T, F
        pa.field("side", pa.string(), nullable=False),  # B bid, A ask, N none
        pa.field("price", pa.float64(), nullable=False),
        pa.field("size", pa.float64(), nullable=False),
        pa.field("flags", pa.uint8(), nullable=False),  # DBN bits: 128 last, 32 snapshot
    ],
    "book_delta": [
        pa.field("side", pa.string(), nullable=False),  # bid, ask
        pa.field("price", pa.float64(), nullable=False),
        pa.field("size", pa.float64(), nullable=False),  # level size after; 0 = removed
        pa.field("order_count", pa.uint32(), nullable=False),  # resting orders at the level
        pa.field("is_snapshot", pa.bool_(), nullable=False),
        pa.field("is_last", pa.bool_(), nullable=False),
    ],
    "trades": [
        pa.field("trade_id", pa.uint64(), nullable=False),
        pa.field("price", pa.float64(), nullable=False),
        pa.field("size", pa.float64(), nullable=False),
        pa.field("side", pa.string(), nullable=False),  # aggressor: buy, sell
    ],
    "ticker": [
        pa.field("mark_price", pa.float64(), nullable=False),
        pa.field("index_price", pa.float64(), nullable=False),
        pa.field("last_price", pa.float64(), nullable=False),
        pa.field("funding_rate", pa.float64(), nullable=False),
        pa.field("predicted_funding_rate", pa.float64(), nullable=False),
        pa.field("next_funding_ts", TIMESTAMP, nullable=False),
        pa.field("open_interest", pa.float64(), nullable=False),
    ],
    "funding": [
        pa.field("funding_rate", pa.float64(), nullable=False),
        pa.field("mark_price", pa.float64(), nullable=False),
    ],
}


def snapshot_columns(depth: int) -> list[str]:
    """Return the wide snapshot columns: bid_px_00.., bid_sz_00.., ask_px_00.., ask_sz_00.."""
    return [f"{side}_{what}_{i:02d}" for side in ("bid", "ask") for what in ("px", "sz")
            for i in range(depth)]  # fmt: skip


def schema_for(table: TableName, *, depth: int = 25) -> pa.Schema:
    """Return the Arrow schema of a canonical table (``depth`` only for ``book_snapshot``)."""
    if table == "book_snapshot":
        # A missing level (thin book) has a null price and size 0.
        payload = [
            pa.field(name, pa.float64(), nullable=name.split("_")[1] == "px")
            for name in snapshot_columns(depth)
        ]
    else:
        payload = _PAYLOAD[table]
    return pa.schema(COMMON_FIELDS + payload)
