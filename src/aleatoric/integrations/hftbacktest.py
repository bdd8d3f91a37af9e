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

When the dataset has the ``mbo`` table, ``<venue>/<symbol>/l3/part-<segment>.npz`` holds the
market-by-order events for hftbacktest's L3 queue model (``l3_fifo_queue_model``), with
``order_id`` set: ``A`` is ``ADD_ORDER_EVENT``, ``C`` ``CANCEL_ORDER_EVENT``, ``M``
``MODIFY_ORDER_EVENT`` (the new remaining size), ``T`` ``TRADE_EVENT``, and ``F`` a
``FILL_EVENT`` of the resting order followed by a ``MODIFY_ORDER_EVENT`` to its remaining
size, or a ``CANCEL_ORDER_EVENT`` when it is fully filled (hftbacktest's fill event does not
change the book by itself).

``<venue>/<symbol>/order_latency.npz`` holds rows ``(req_ts, exch_ts, resp_ts, _padding)``,
one per second of data, for ``BacktestAsset().intp_order_latency``: entry and response
latency each equal the mean feed latency of that second (``ts_recv - ts_event``); inside a
``latency`` overlay's window they are drawn from the overlay's model instead
(:func:`aleatoric.latency.sample_order_latency`, own keyed streams), with the second's
event count as the message rate.

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

from aleatoric.config import DatasetConfig, InstrumentRef
from aleatoric.instruments import Grid, Instrument
from aleatoric.integrations._dataset import SourceDataset
from aleatoric.integrations._text import zip_info
from aleatoric.latency._apply import latency_windows
from aleatoric.latency._orders import sample_order_latency

__all__ = [
    "ADD_ORDER_EVENT",
    "BUY_EVENT",
    "CANCEL_ORDER_EVENT",
    "DEPTH_EVENT",
    "DEPTH_SNAPSHOT_EVENT",
    "EVENT_DTYPE",
    "EXCH_EVENT",
    "FILL_EVENT",
    "HFT_TABLES",
    "LATENCY_DTYPE",
    "LOCAL_EVENT",
    "MODIFY_ORDER_EVENT",
    "SELL_EVENT",
    "TRADE_EVENT",
    "L3Events",
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
ADD_ORDER_EVENT = 10
CANCEL_ORDER_EVENT = 11
MODIFY_ORDER_EVENT = 12
FILL_EVENT = 13
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


_L3_KIND = {ord("A"): ADD_ORDER_EVENT, ord("C"): CANCEL_ORDER_EVENT, ord("M"): MODIFY_ORDER_EVENT,
            ord("T"): TRADE_EVENT, ord("F"): FILL_EVENT}  # fmt: skip


class L3Events:
    """Turn ``mbo`` rows into L3 events, remembering resting sizes across segments.

    Vectorized: a fill's remaining size is the size set by the order's last ``A`` or ``M``
    (or carried from an earlier segment) minus the fills since, found by sorting the
    segment's rows by order id.
    """

    def __init__(self, size_grid: Grid) -> None:
        self.size_grid = size_grid
        self.remaining: dict[int, int] = {}  # live order id -> resting size, in lots

    def _left_after_fills(
        self, oid: npt.NDArray[np.uint64], act: npt.NDArray[np.uint8], size: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """Return, for every row, the order's resting size after it (meaningful on A/M/F)."""
        rows = np.flatnonzero(np.isin(act, np.frombuffer(b"AMFC", np.uint8)))
        order = rows[np.lexsort((rows, oid[rows]))]  # by order id, then time
        o, a = oid[order], act[order]
        first = np.ones(order.size, bool)
        first[1:] = o[1:] != o[:-1]
        is_set = (a == ord("A")) | (a == ord("M"))
        run = np.cumsum(first | is_set) - 1  # runs start at a new order or a set
        starts = np.flatnonzero(first | is_set)
        base = np.where(is_set[starts], size[order][starts], 0)
        carried = ~is_set[starts]
        if carried.any():
            base[carried] = [self.remaining.get(int(x), 0) for x in o[starts][carried].tolist()]
        fill = np.where(a == ord("F"), size[order], 0)
        cum = np.cumsum(fill)
        before = np.concatenate([[0], cum])[starts]  # fills before each run starts
        left_sorted = base[run] - (cum - before[run])
        left_sorted[a == ord("C")] = 0
        left = np.zeros(act.size, np.int64)
        left[order] = left_sorted
        # Carry the last state of every order seen in this segment.
        last = np.ones(order.size, bool)
        last[:-1] = o[1:] != o[:-1]
        for key, value in zip(o[last].tolist(), left_sorted[last].tolist(), strict=True):
            if value > 0:
                self.remaining[key] = value
            else:
                self.remaining.pop(key, None)
        return left

    def convert(self, mbo: pa.Table) -> npt.NDArray[Any]:
        """Return the events of one segment's ``mbo`` rows, in ``seq`` order."""
        sz = self.size_grid
        n = mbo.num_rows
        act = np.frombuffer(
            "".join(mbo.column("action").to_pylist()).encode("ascii"), np.uint8
        )  # fmt: skip
        side = np.frombuffer("".join(mbo.column("side").to_pylist()).encode("ascii"), np.uint8)
        oid = mbo.column("order_id").to_numpy().astype(np.uint64)
        size = sz.to_units(mbo.column("size").to_numpy())
        left = self._left_after_fills(oid, act, size) if n else np.zeros(0, np.int64)
        kinds = np.zeros(256, np.uint64)
        for letter, kind in _L3_KIND.items():
            kinds[letter] = kind
        flags = np.where(side == ord("B"), BUY_EVENT, np.where(side == ord("A"), SELL_EVENT, 0))
        ev = kinds[act] | flags.astype(np.uint64) | np.uint64(EXCH_EVENT | LOCAL_EVENT)
        is_fill = act == ord("F")
        # Each fill is followed by the order's update: MODIFY to what is left, or CANCEL.
        pos = np.arange(n) + np.concatenate([[0], np.cumsum(is_fill)[:-1]]).astype(np.int64)
        extra = pos[is_fill] + 1
        out = np.zeros(n + int(is_fill.sum()), EVENT_DTYPE)
        ts = mbo.column("ts_event").to_numpy()
        recv = mbo.column("ts_recv").to_numpy()
        px = mbo.column("price").to_numpy()
        for name, values in (("exch_ts", ts), ("local_ts", recv), ("px", px)):
            out[name][pos] = values
            out[name][extra] = values[is_fill]
        out["ev"][pos] = ev
        out["qty"][pos] = sz.to_float(size)
        out["order_id"][pos] = np.where(act == ord("T"), np.uint64(0), oid)
        rest = left[is_fill]
        update = np.where(rest > 0, MODIFY_ORDER_EVENT, CANCEL_ORDER_EVENT).astype(np.uint64)
        out["ev"][extra] = (ev[is_fill] & ~np.uint64(0xFF)) | update
        out["qty"][extra] = sz.to_float(np.maximum(rest, 0))
        out["order_id"][extra] = oid[is_fill]
        return out


def _latency_rows(events: npt.NDArray[Any], config: DatasetConfig | None) -> npt.NDArray[Any]:
    # One row per second of data. Entry and response each equal the second's mean feed
    # latency; inside a latency overlay's window they are drawn from its model, with the
    # second's event count as the message rate.
    if events.size == 0:
        return np.zeros(0, LATENCY_DTYPE)
    second = events["exch_ts"] // _SECOND
    starts = np.concatenate([[0], np.flatnonzero(np.diff(second)) + 1])
    feed = events["local_ts"] - events["exch_ts"]
    counts = np.diff(np.append(starts, events.size))
    mean = np.add.reduceat(feed, starts) // counts
    rows = np.zeros(starts.size, LATENCY_DTYPE)
    rows["req_ts"] = second[starts] * _SECOND
    entry, response = mean.copy(), mean.copy()
    if config is None:
        rows["exch_ts"] = rows["req_ts"] + entry
        rows["resp_ts"] = rows["exch_ts"] + response
        return rows
    for model, lo, hi in latency_windows(config):
        inside = (rows["req_ts"] >= lo) & (rows["req_ts"] < hi)
        if inside.any():
            entry[inside], response[inside] = sample_order_latency(
                model, rows["req_ts"][inside], rate=counts[inside], seed=config.seed,
                instrument=f"{config.venue}:{config.symbol}", origin_ns=config.start_ns,
            )  # fmt: skip
    rows["exch_ts"] = rows["req_ts"] + entry
    rows["resp_ts"] = rows["exch_ts"] + response
    return rows


def _instrument_config(source: SourceDataset, inst: Instrument) -> DatasetConfig | None:
    # The instrument's config when the dataset has latency overlays (None otherwise).
    config = source.manifest.dataset_config
    if not latency_windows(config):
        return None
    return config.for_instrument(InstrumentRef(venue=inst.venue, symbol=inst.symbol))


def write_hftbacktest(
    source: SourceDataset, out: Path, options: dict[str, Any], tick: Callable[[], None]
) -> dict[str, Any]:
    """Write event and order-latency files for every instrument of ``source`` into ``out``."""
    columns = {
        "book_delta": ["ts_event", "ts_recv", "seq", "side", "price", "size", "is_snapshot"],
        "trades": ["ts_event", "ts_recv", "seq", "price", "size", "side"],
    }
    columns["mbo"] = ["ts_event", "ts_recv", "order_id", "action", "side", "price", "size"]
    l3 = "mbo" in source.tables
    tables = (*HFT_TABLES, "mbo") if l3 else HFT_TABLES
    listing = []
    for inst in source.instruments():
        config = _instrument_config(source, inst)
        base = out / inst.venue / inst.symbol
        files, l3_files, latency = [], [], []
        l3_events = L3Events(inst.size_grid)
        for segment, seg in source.segments(inst, tables, columns):
            events = events_of(seg["book_delta"], seg["trades"])
            rel = f"{inst.venue}/{inst.symbol}/part-{segment:05d}.npz"
            write_npz(out / rel, events)
            files.append(rel)
            latency.append(_latency_rows(events, config))
            if l3:
                rel = f"{inst.venue}/{inst.symbol}/l3/part-{segment:05d}.npz"
                write_npz(out / rel, l3_events.convert(seg["mbo"]))
                l3_files.append(rel)
            tick()
        write_npz(base / "order_latency.npz", np.concatenate(latency or [_latency_rows(
            np.zeros(0, EVENT_DTYPE), None)]))  # fmt: skip
        listing.append({
            "venue": inst.venue, "symbol": inst.symbol, "data": files, "data_l3": l3_files,
            "order_latency": f"{inst.venue}/{inst.symbol}/order_latency.npz",
            "tick_size": str(inst.tick_size),
            "lot_size": str(inst.lot_size * inst.contract_value),
        })  # fmt: skip
    return {"instruments": listing}
