"""hftbacktest: event arrays (``.npz``) from the L2 book and trades, and an order-latency file.

Per instrument and segment, ``<venue>/<symbol>/part-<segment>.npz`` holds one array ``data``
of hftbacktest's ``event_dtype`` (64-byte aligned records ``ev, exch_ts, local_ts, px, qty,
order_id, ival, fval``), in ``seq`` order:

- ``book_delta`` rows: ``DEPTH_SNAPSHOT_EVENT`` for the initial book (``is_snapshot``), else
  ``DEPTH_EVENT``; ``BUY_EVENT`` for bids, ``SELL_EVENT`` for asks; ``qty`` is the level size
  after the change (0 removes the level);
- ``trades`` rows: ``TRADE_EVENT`` with ``BUY_EVENT`` when the aggressor bought;
- every row has ``EXCH_EVENT | LOCAL_EVENT``, ``exch_ts = ts_event`` and
  ``local_ts = ts_recv`` (our receive time, so feed latency is in the data).

``<venue>/<symbol>/order_latency.npz`` holds rows ``(req_ts, exch_ts, resp_ts, _padding)``,
one per second of data, for ``BacktestAsset().intp_order_latency``: entry and response
latency each equal the mean feed latency of that second (``ts_recv - ts_event``).

Files are written segment by segment, so a day of data never sits in memory at once.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from aleatoric.integrations._dataset import SourceDataset
from aleatoric.integrations._text import zip_info

__all__ = [
    "BUY_EVENT",
    "DEPTH_EVENT",
    "DEPTH_SNAPSHOT_EVENT",
    "EVENT_DTYPE",
    "EXCH_EVENT",
    "HFT_TABLES",
    "LATENCY_DTYPE",
    "LOCAL_EVENT",
    "SELL_EVENT",
    "TRADE_EVENT",
    "events_of",
    "write_hftbacktest",
    "write_npz",
]

#: Tables the hftbacktest export reads.
HFT_TABLES = ("book_delta", "trades")
EXCH_EVENT = 1 << 31
LOCAL_EVENT = 1 << 30
BUY_EVENT = 1 << 29
SELL_EVENT = 1 << 28
DEPTH_EVENT = 1
TRADE_EVENT = 2
DEPTH_SNAPSHOT_EVENT = 4
#: hftbacktest's ``event_dtype``.
EVENT_DTYPE = np.dtype(
    [("ev", "u8"), ("exch_ts", "i8"), ("local_ts", "i8"), ("px", "f8"), ("qty", "f8"),
     ("order_id", "u8"), ("ival", "i8"), ("fval", "f8")],
    align=True,
)  # fmt: skip
#: The rows ``intp_order_latency`` reads.
LATENCY_DTYPE = np.dtype(
    [("req_ts", "i8"), ("exch_ts", "i8"), ("resp_ts", "i8"), ("_padding", "i8")], align=True
)
_SECOND = 1_000_000_000


def write_npz(path: Path, data: npt.NDArray[Any]) -> None:
    """Write ``data`` as the array ``data`` of an ``.npz`` with fixed zip headers.

    ``numpy.savez`` stamps the wall-clock time into the zip; this writes the same layout with a
    constant time, so equal arrays give equal bytes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    z = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    with z, z.open(zip_info("data.npy"), "w", force_zip64=True) as fh:
        np.lib.format.write_array(fh, np.ascontiguousarray(data), allow_pickle=False)


def events_of(delta: pa.Table, trades: pa.Table) -> npt.NDArray[Any]:
    """Return the events of one segment's ``book_delta`` and ``trades`` rows, in ``seq`` order."""
    n_d, n_t = delta.num_rows, trades.num_rows
    out = np.zeros(n_d + n_t, EVENT_DTYPE)
    seq = np.concatenate(
        [delta.column("seq").to_numpy().astype(np.int64),
         trades.column("seq").to_numpy().astype(np.int64)]
    )  # fmt: skip
    bid = (delta.column("side").to_numpy(zero_copy_only=False) == "bid").astype(bool)
    snap = delta.column("is_snapshot").to_numpy(zero_copy_only=False).astype(bool)
    d_ev = np.where(snap, DEPTH_SNAPSHOT_EVENT, DEPTH_EVENT) | np.where(bid, BUY_EVENT, SELL_EVENT)
    buy = (trades.column("side").to_numpy(zero_copy_only=False) == "buy").astype(bool)
    t_ev = TRADE_EVENT | np.where(buy, BUY_EVENT, SELL_EVENT)
    out["ev"] = np.concatenate([d_ev, t_ev]).astype(np.uint64) | (EXCH_EVENT | LOCAL_EVENT)
    for name, col in (("exch_ts", "ts_event"), ("local_ts", "ts_recv"), ("px", "price"),
                      ("qty", "size")):  # fmt: skip
        out[name] = np.concatenate([delta.column(col).to_numpy(), trades.column(col).to_numpy()])
    return out[np.argsort(seq, kind="stable")]


def _latency_rows(events: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if events.size == 0:
        return np.zeros(0, LATENCY_DTYPE)
    second = events["exch_ts"] // _SECOND
    starts = np.concatenate([[0], np.flatnonzero(np.diff(second)) + 1])
    feed = events["local_ts"] - events["exch_ts"]
    counts = np.diff(np.append(starts, events.size))
    mean = np.add.reduceat(feed, starts) // counts
    rows = np.zeros(starts.size, LATENCY_DTYPE)
    rows["req_ts"] = second[starts] * _SECOND
    rows["exch_ts"] = rows["req_ts"] + mean
    rows["resp_ts"] = rows["exch_ts"] + mean
    return rows


def write_hftbacktest(
    source: SourceDataset, out: Path, options: dict[str, Any], tick: Callable[[], None]
) -> dict[str, Any]:
    """Write event and order-latency files for every instrument of ``source`` into ``out``."""
    columns = {
        "book_delta": ["ts_event", "ts_recv", "seq", "side", "price", "size", "is_snapshot"],
        "trades": ["ts_event", "ts_recv", "seq", "price", "size", "side"],
    }
    listing = []
    for inst in source.instruments():
        base = out / inst.venue / inst.symbol
        files, latency = [], []
        for segment, seg in source.segments(inst, HFT_TABLES, columns):
            events = events_of(seg["book_delta"], seg["trades"])
            rel = f"{inst.venue}/{inst.symbol}/part-{segment:05d}.npz"
            write_npz(out / rel, events)
            files.append(rel)
            latency.append(_latency_rows(events))
            tick()
        write_npz(base / "order_latency.npz", np.concatenate(latency or [_latency_rows(
            np.zeros(0, EVENT_DTYPE))]))  # fmt: skip
        listing.append({
            "venue": inst.venue, "symbol": inst.symbol, "data": files,
            "order_latency": f"{inst.venue}/{inst.symbol}/order_latency.npz",
            "tick_size": str(inst.tick_size),
            "lot_size": str(inst.lot_size * inst.contract_value),
        })  # fmt: skip
    return {"instruments": listing}
