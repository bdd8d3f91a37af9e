"""The ``liquidations`` table: every forced order of a liquidation cascade, as it filled.

A cascade's forced sells are a pure function of its parameters, the seed and the instrument
(:mod:`aleatoric.reactor._cascade`), so their times are known after generation. Each one is a
market order that reaches the book at that time; its fills are the trades printed at exactly
that nanosecond on the sell side (other orders arrive at continuous random times, so they
never share it). One row per forced order with any fill: time, side, size filled, average
price, and the size it asked for (the rest expired at the venue's price protection). Written
once per dataset as ``liquidations/part-00000.parquet``, from the written ``trades``, so it
is the same for any worker count.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.dataset as pads

from aleatoric._seeding import instrument_key
from aleatoric.config import DatasetConfig, InstrumentRef, get_preset
from aleatoric.dataset import partition
from aleatoric.instruments import get_instrument

__all__ = [
    "LIQUIDATIONS_PATH",
    "LIQUIDATIONS_SCHEMA",
    "LIQUIDATIONS_TABLE",
    "forced_orders",
    "liquidations",
]

LIQUIDATIONS_TABLE = "liquidations"
LIQUIDATIONS_PATH = f"{LIQUIDATIONS_TABLE}/part-00000.parquet"
NS_PER_MINUTE = 60_000_000_000
LIQUIDATIONS_SCHEMA = pa.schema([
    pa.field("ts_event", pa.timestamp("ns", tz="UTC"), nullable=False),
    pa.field("venue", pa.string(), nullable=False),
    pa.field("symbol", pa.string(), nullable=False),
    pa.field("side", pa.string(), nullable=False),
    pa.field("price", pa.float64(), nullable=False),
    pa.field("size", pa.float64(), nullable=False),
    pa.field("requested", pa.float64(), nullable=False),
])  # fmt: skip

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def forced_orders(config: DatasetConfig, ref: InstrumentRef) -> tuple[I64, F64]:
    """Return the times (ns) and requested sizes (base units) of ``ref``'s forced sells."""
    from aleatoric.reactor._scenarios import cascade_of, scenario_windows

    one = config.for_instrument(ref) if len(config.instruments) > 1 else config
    inst = get_instrument(ref.venue, ref.symbol)
    asset = get_preset(config.preset).asset(inst.base)
    lot = float(inst.lot_size * inst.contract_value)
    quote = get_preset(config.preset).mm_depth * asset.size_scale
    times, sizes = [], []
    for w in scenario_windows(one):
        if w.kind != "liquidation-cascade":
            continue
        c = cascade_of(w, seed=config.seed, instrument=instrument_key(ref.venue, ref.symbol),
                       minutes=w.minutes)  # fmt: skip
        start = config.start_ns + (w.first_minute + c.minute) * NS_PER_MINUTE
        times.append(start + (c.frac * NS_PER_MINUTE).astype(np.int64))
        sizes.append(np.maximum(1, np.rint(c.size * quote / lot)) * lot)
    if not times:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(times), np.concatenate(sizes)


def liquidations(config: DatasetConfig, root: Path) -> pa.Table:
    """Return the rows of every forced order of ``config``'s cascades, from the trades."""
    rows: dict[str, list[object]] = {name: [] for name in LIQUIDATIONS_SCHEMA.names}
    for ref in config.instruments:
        t, requested = forced_orders(config, ref)
        path = root / partition("trades", ref.venue, ref.symbol)
        if t.size == 0 or not path.is_dir():
            continue
        trades = pads.dataset(path, format="parquet").to_table(
            columns=["ts_event", "price", "size", "side"]
        )
        ts = trades.column("ts_event").cast(pa.int64()).to_numpy()
        sell = np.asarray(trades.column("side").to_pylist()) == "sell"
        price = trades.column("price").to_numpy()
        size = trades.column("size").to_numpy()
        for when, asked in zip(t.tolist(), requested.tolist(), strict=True):
            hit = (ts == when) & sell
            filled = float(size[hit].sum())
            if filled <= 0.0:
                continue
            for name, value in (
                ("ts_event", when), ("venue", ref.venue), ("symbol", ref.symbol),
                ("side", "sell"), ("price", float(np.dot(price[hit], size[hit])) / filled),
                ("size", filled), ("requested", asked),
            ):  # fmt: skip
                rows[name].append(value)
    return pa.table(rows, schema=LIQUIDATIONS_SCHEMA).sort_by([("ts_event", "ascending")])
