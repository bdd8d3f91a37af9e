"""The ``scenario_labels`` table: every scenario of a dataset with what the data shows.

One row per scenario and instrument it applies to: the kind, the window, the parameters
(JSON, defaults filled in, plus ``intensity``) and outcomes measured on the written book
snapshots, so a label says what a user's algorithm actually faced, not only what was asked:

- ``peak_to_trough``: 1 - trough / peak of the mid (best bid and ask), the peak being the
  highest mid of the window before its lowest;
- ``time_to_trough_s``: seconds from the window start to the lowest mid;
- ``recovered_share``: share of the fall regained by the window's end (crashes only);
- ``spread_multiple`` and ``depth_multiple``: mean quoted spread and mean size at the touch
  (both sides) inside the window over the same means outside every scenario window of the
  instrument (the calm reference);
- ``mean_premium`` and ``peak_funding_rate``: the mean of ``last / index - 1`` and the
  largest predicted funding rate of the ticker inside the window;
- ``liquidated_volume``: base units the forced sells of a liquidation cascade filled inside
  the window (the ``liquidations`` table, one row per forced order).

Written once per dataset (``scenario_labels/part-00000.parquet``) after the canonical tables,
from those tables, so it is identical for any worker count.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.dataset as pads

from aleatoric.config import DatasetConfig
from aleatoric.dataset import partition
from aleatoric.scenarios._liquidations import LIQUIDATIONS_PATH, LIQUIDATIONS_TABLE, liquidations
from aleatoric.sinks.parquet import FileEntry, write_table_file

__all__ = ["LABELS_PATH", "LABELS_TABLE", "LABEL_SCHEMA", "scenario_labels", "write_labels"]

LABELS_TABLE = "scenario_labels"
LABELS_PATH = f"{LABELS_TABLE}/part-00000.parquet"
_TS = pa.timestamp("ns", tz="UTC")
#: Column order and types of the table (docs/scenarios.md describes each).
LABEL_SCHEMA = pa.schema([
    pa.field("kind", pa.string(), nullable=False),
    pa.field("venue", pa.string(), nullable=False),
    pa.field("symbol", pa.string(), nullable=False),
    pa.field("start", _TS, nullable=False),
    pa.field("end", _TS, nullable=False),
    pa.field("params", pa.string(), nullable=False),
    pa.field("peak_to_trough", pa.float64()),
    pa.field("time_to_trough_s", pa.float64()),
    pa.field("recovered_share", pa.float64()),
    pa.field("spread_multiple", pa.float64()),
    pa.field("depth_multiple", pa.float64()),
    pa.field("mean_premium", pa.float64()),
    pa.field("peak_funding_rate", pa.float64()),
    pa.field("liquidated_volume", pa.float64()),
])  # fmt: skip

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def _book(root: Path, venue: str, symbol: str) -> tuple[I64, F64, F64, F64] | None:
    # ts, mid, spread, touch size (mean of both sides) of every book snapshot.
    path = root / partition("book_snapshot", venue, symbol)
    if not path.is_dir():
        return None
    cols = ["ts_event", "bid_px_00", "ask_px_00", "bid_sz_00", "ask_sz_00"]
    t = pads.dataset(path, format="parquet").to_table(columns=cols).sort_by("ts_event")
    ts = t.column("ts_event").cast(pa.int64()).to_numpy()
    bid = t.column("bid_px_00").to_numpy(zero_copy_only=False).astype(np.float64)
    ask = t.column("ask_px_00").to_numpy(zero_copy_only=False).astype(np.float64)
    size = 0.5 * (t.column("bid_sz_00").to_numpy() + t.column("ask_sz_00").to_numpy())
    return ts, 0.5 * (bid + ask), ask - bid, size


def _measure(
    book: tuple[I64, F64, F64, F64] | None, lo: int, hi: int, calm: npt.NDArray[np.bool_] | None
) -> dict[str, float | None]:
    out: dict[str, float | None] = dict.fromkeys(LABEL_SCHEMA.names[6:11])
    if book is None:
        return out
    ts, mid, spread, size = book
    inside = (ts >= lo) & (ts < hi) & np.isfinite(mid)
    if not inside.any():
        return out
    m = mid[inside]
    k = int(np.argmin(m))
    peak = float(m[: k + 1].max())
    trough = float(m[k])
    out["peak_to_trough"] = 1.0 - trough / peak
    out["time_to_trough_s"] = (int(ts[inside][k]) - lo) / 1e9
    out["recovered_share"] = (float(m[-1]) - trough) / (peak - trough) if peak > trough else 0.0
    if calm is not None and calm.any():
        ok = calm & np.isfinite(spread)
        out["spread_multiple"] = float(np.nanmean(spread[inside]) / np.mean(spread[ok]))
        out["depth_multiple"] = float(np.mean(size[inside]) / np.mean(size[calm]))
    return out


def _ticker(root: Path, venue: str, symbol: str, lo: int, hi: int) -> dict[str, float | None]:
    path = root / partition("ticker", venue, symbol)
    out: dict[str, float | None] = {"mean_premium": None, "peak_funding_rate": None}
    if not path.is_dir():
        return out
    cols = ["ts_event", "last_price", "index_price", "predicted_funding_rate"]
    t = pads.dataset(path, format="parquet").to_table(columns=cols)
    ts = t.column("ts_event").cast(pa.int64()).to_numpy()
    inside = (ts >= lo) & (ts < hi)
    if not inside.any():
        return out
    last = t.column("last_price").to_numpy(zero_copy_only=False)[inside]
    index = t.column("index_price").to_numpy(zero_copy_only=False)[inside]
    rate = t.column("predicted_funding_rate").to_numpy(zero_copy_only=False)[inside]
    out["mean_premium"] = float(np.nanmean(last / index - 1.0))
    out["peak_funding_rate"] = float(np.nanmax(rate))
    return out


def scenario_labels(config: DatasetConfig, root: Path) -> pa.Table:
    """Return the label rows of every scenario of ``config``, measured on the data at ``root``."""
    rows: dict[str, list[object]] = {name: [] for name in LABEL_SCHEMA.names}
    forced = liquidations(config, root)
    liq = {
        "ts": forced.column("ts_event").cast(pa.int64()).to_numpy(),
        "size": forced.column("size").to_numpy(),
        "symbol": np.asarray(forced.column("symbol").to_pylist(), dtype=object),
    }
    for ref in config.instruments:
        scenarios = [o for o in config.overlays if o.is_scenario and o.instrument in (None, ref)]
        if not scenarios:
            continue
        book = _book(root, ref.venue, ref.symbol)
        windows = [config.overlay_window(o) for o in scenarios]
        calm = None
        if book is not None:
            calm = np.ones(book[0].shape, dtype=np.bool_)
            for lo, hi in windows:
                calm &= ~((book[0] >= lo) & (book[0] < hi))
        for overlay, (lo, hi) in zip(scenarios, windows, strict=True):
            params = {**overlay.scenario_params(), "intensity": overlay.intensity or 1.0}
            row: dict[str, object] = {
                "kind": overlay.kind, "venue": ref.venue, "symbol": ref.symbol,
                "start": lo, "end": hi, "params": json.dumps(params, sort_keys=True),
                **_measure(book, lo, hi, calm),
                **_ticker(root, ref.venue, ref.symbol, lo, hi),
            }  # fmt: skip
            row["liquidated_volume"] = None
            if overlay.kind == "liquidation-cascade":
                lo_hi = (liq["ts"] >= lo) & (liq["ts"] < hi) & (liq["symbol"] == ref.symbol)
                row["liquidated_volume"] = float(liq["size"][lo_hi].sum())
            if overlay.kind not in ("flash-crash", "liquidation-cascade"):
                row["recovered_share"] = None  # only a crash has a fall to regain
            if overlay.kind == "venue-outage":
                # Canonical tables are unchanged by an outage: what it did is in the native
                # captures' drops tables.
                for name in LABEL_SCHEMA.names[6:]:
                    row[name] = None
            for name in LABEL_SCHEMA.names:
                rows[name].append(row[name])
    return pa.table(rows, schema=LABEL_SCHEMA)


def write_labels(config: DatasetConfig, root: Path) -> list[FileEntry]:
    """Write ``scenario_labels`` under ``root`` when ``config`` has scenarios; its entries.

    A dataset with a liquidation cascade also gets its ``liquidations`` table.
    """
    table = scenario_labels(config, root)
    if table.num_rows == 0:
        return []
    out = [write_table_file(root, LABELS_PATH, LABELS_TABLE, table)]
    if any(o.kind == "liquidation-cascade" for o in config.overlays):
        out.append(
            write_table_file(
                root, LIQUIDATIONS_PATH, LIQUIDATIONS_TABLE, liquidations(config, root)
            )
        )
    return out
