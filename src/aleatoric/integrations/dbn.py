"""Databento DBN files (``pip install 'aleatoric[dbn]'``), written with ``databento-dbn``.

One directory per instrument, ``<venue>/<symbol>/``, with one DBN file (version 3,
uncompressed) per schema, each starting with its metadata:

- ``definition.dbn``: one ``InstrumentDefMsg`` (tick as ``min_price_increment``, the lot in
  base asset as ``unit_of_measure_qty``; expiry undefined for a perpetual);
- ``mbo.dbn`` from ``mbo`` when the dataset has it: one ``MBOMsg`` per row, action and side
  letters and flags as in the canonical table (they are DBN's already);
- ``mbp-10.dbn`` from ``book_delta``: one ``MBP10Msg`` per row with the changed level's
  price, side and size after the change, the action (``A`` new level, ``M`` changed, ``C``
  removed), its depth (capped at 255, DBN's limit), and the top ten levels of the book
  after the row;
- ``trades.dbn`` from ``trades``: one ``TradeMsg`` per row, side the aggressor's (``B`` a buy,
  ``A`` a sell);
- ``ohlcv-1m.dbn``: one ``OHLCVMsg`` per minute with trades, stamped at the bar's open.

Prices are DBN fixed-point (1e-9 units); sizes are whole lots of the instrument
(``size / lot``), as DBN sizes are integers. ``ts_event`` and ``ts_recv`` are ours;
``sequence`` is the low 32 bits of ``seq``; ``instrument_id`` is the instrument's position in
the dataset (from 1) and ``publisher_id`` is 0. Records are built as NumPy arrays in the layout
databento-dbn declares for them (``_dtypes``), one segment at a time.
"""

from __future__ import annotations

import bisect
import importlib
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from aleatoric.instruments import Instrument, is_futures
from aleatoric.integrations._dataset import SourceDataset
from aleatoric.integrations._dbn_meta import metadata_bytes
from aleatoric.integrations._ohlcv import read_ohlcv
from aleatoric.integrations.dbn_futures import (
    contract_definition,
    futures_statistics,
    write_futures_dbn,
)
from aleatoric.tradfi import Contract, contract_of

__all__ = ["DBN_SCHEMAS", "DBN_TABLES", "fixed_price", "metadata_bytes", "write_dbn"]

# Its stubs type the enums as plain strings in places; the records are built dynamically.
dbn: Any = importlib.import_module("databento_dbn")

#: Tables the DBN export needs (``mbo`` is written too when the dataset has it).
DBN_TABLES = ("book_delta", "trades")
#: The files written per instrument, by DBN schema.
DBN_SCHEMAS = ("definition", "mbo", "mbp-10", "trades", "ohlcv-1m")
_SCALE = 9
_U32 = 0xFFFFFFFF
_MINUTE = 60_000_000_000


def fixed_price(inst: Instrument) -> int:
    """Return the DBN fixed-point value of one tick of ``inst`` (1e-9 units)."""
    g = inst.price_grid
    return int(g.numerator * 10 ** (_SCALE - g.scale))


class _Body:
    """Record bytes of one schema, held in a side file until the metadata can be written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: IO[bytes] = path.with_suffix(".body").open("wb")
        self.first: int | None = None
        self.last = 0

    def add(self, records: bytes, first: int, last: int) -> None:
        if not records:
            return
        self.fh.write(records)
        self.first = first if self.first is None else self.first
        self.last = max(self.last, last)

    def finish(self, dataset: str, schema: Any, symbol: str, iid: int) -> None:
        self.fh.close()
        body = self.path.with_suffix(".body")
        start = self.first if self.first is not None else 0
        with self.path.open("wb") as out, body.open("rb") as src:
            out.write(metadata_bytes(dataset, schema, symbol, iid, start, self.last))
            shutil.copyfileobj(src, out)
        body.unlink()


def _records(name: str, rtype: str, n: int) -> npt.NDArray[np.void]:
    # The record layout as the installed databento-dbn declares it (packed, little-endian).
    dtype = np.dtype(getattr(dbn, name)._dtypes)
    out = np.zeros(n, dtype)
    out["length"] = dtype.itemsize // 4
    out["rtype"] = int(getattr(dbn.RType, rtype))
    return out


def _common(out: npt.NDArray[np.void], iid: int, t: pa.Table) -> None:
    out["instrument_id"] = iid
    out["ts_event"] = t.column("ts_event").to_numpy()
    out["ts_recv"] = t.column("ts_recv").to_numpy()
    out["sequence"] = t.column("seq").to_numpy().astype(np.uint64) & _U32


def _letters(t: pa.Table, column: str) -> npt.NDArray[np.bytes_]:
    return np.asarray(t.column(column).to_numpy(zero_copy_only=False), dtype="S1")


def _mbo(inst: Instrument, iid: int, t: pa.Table) -> bytes:
    out = _records("MBOMsg", "MBO", t.num_rows)
    _common(out, iid, t)
    out["order_id"] = t.column("order_id").to_numpy()
    out["channel_id"] = 255  # undefined, as the library writes it
    out["price"] = inst.price_grid.to_units(t.column("price").to_numpy()) * fixed_price(inst)
    out["size"] = inst.size_grid.to_units(t.column("size").to_numpy())
    out["flags"] = t.column("flags").to_numpy()
    out["action"] = _letters(t, "action")
    out["side"] = _letters(t, "side")
    return out.tobytes()


def _trades(inst: Instrument, iid: int, t: pa.Table) -> bytes:
    out = _records("TradeMsg", "MBP_0", t.num_rows)
    _common(out, iid, t)
    out["price"] = inst.price_grid.to_units(t.column("price").to_numpy()) * fixed_price(inst)
    out["size"] = inst.size_grid.to_units(t.column("size").to_numpy())
    out["action"] = b"T"
    out["side"] = np.where(_letters(t, "side") == b"b", b"B", b"A")
    out["flags"] = dbn.F_LAST
    return out.tobytes()


class _Book:
    """L2 levels rebuilt from ``book_delta`` rows, for the ten levels each MBP-10 record holds.

    Each side keeps its prices best first (bids negated) and the top ten as tuples; a row
    deeper than the tenth level leaves the top ten as they were.
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.levels: list[dict[int, tuple[int, int]]] = [{}, {}]  # px -> (size, count)
        self.keys: list[list[int]] = [[], []]
        self.top: list[list[tuple[int, int, int]]] = [[], []]  # (px, size, count), best first

    def apply(self, side: int, px: int, sz: int, count: int) -> tuple[bytes, int]:
        key = -px if side == 0 else px
        keys, levels = self.keys[side], self.levels[side]
        at = bisect.bisect_left(keys, key)
        if sz == 0:
            action = b"C"
            if px in levels:
                del levels[px]
                keys.pop(at)
        else:
            action = b"M" if px in levels else b"A"
            if action == b"A":
                keys.insert(at, key)
            levels[px] = (sz, count)
        if at < 10:
            self.top[side] = [(abs(k), *levels[abs(k)]) for k in keys[:10]]
        return action, at


_LEVELS = [(f"bid_px_{k:02d}", f"bid_sz_{k:02d}", f"bid_ct_{k:02d}", f"ask_px_{k:02d}",
            f"ask_sz_{k:02d}", f"ask_ct_{k:02d}") for k in range(10)]  # fmt: skip


def _mbp10(inst: Instrument, iid: int, book: _Book, t: pa.Table) -> bytes:
    n, px_mul = t.num_rows, fixed_price(inst)
    price = inst.price_grid.to_units(t.column("price").to_numpy())
    size = inst.size_grid.to_units(t.column("size").to_numpy())
    out = _records("MBP10Msg", "MBP_10", n)
    _common(out, iid, t)
    out["price"] = price * px_mul
    out["size"] = size
    bid = _letters(t, "side") == b"b"
    out["side"] = np.where(bid, b"B", b"A")
    snap = t.column("is_snapshot").to_numpy(zero_copy_only=False)
    last = t.column("is_last").to_numpy(zero_copy_only=False)
    out["flags"] = np.where(last, dbn.F_LAST, 0) | np.where(snap, dbn.F_SNAPSHOT, 0)
    levels = np.zeros((n, 10, 6), np.int64)  # bid px, sz, ct, ask px, sz, ct per level
    levels[:, :, 0] = levels[:, :, 3] = dbn.UNDEF_PRICE
    action = np.empty(n, "S1")
    depth = np.empty(n, np.int64)
    p_, s_, c_, b_ = (
        price.tolist(),
        size.tolist(),
        t.column("order_count").to_pylist(),
        bid.tolist(),
    )
    sn = snap.tolist()
    for i in range(n):
        if sn[i] and (i == 0 or not sn[i - 1]):
            book.clear()
        action[i], depth[i] = book.apply(0 if b_[i] else 1, p_[i], s_[i], c_[i])
        for side, col in ((0, 0), (1, 3)):
            for k, (lp, ls, lc) in enumerate(book.top[side]):
                levels[i, k, col] = lp * px_mul
                levels[i, k, col + 1] = ls
                levels[i, k, col + 2] = lc
    out["action"] = action
    out["depth"] = np.minimum(depth, 255)  # DBN's depth is one byte
    for k, names in enumerate(_LEVELS):
        for j, name in enumerate(names):
            out[name] = levels[:, k, j]
    return out.tobytes()


def _definition(inst: Instrument, iid: int, ts: int) -> Any:
    return dbn.InstrumentDefMsg(
        0, iid, ts, ts, fixed_price(inst), 10**_SCALE, inst.symbol, inst.base[:10], "PERP",
        dbn.InstrumentClass.FUTURE, dbn.SecurityUpdateAction.ADD,
        unit_of_measure_qty=int(inst.size_grid.numerator * 10 ** (_SCALE - inst.size_grid.scale)),
        unit_of_measure=inst.base[:30], currency=inst.quote if len(inst.quote) <= 3 else "",
        exchange=inst.venue.upper()[:4], min_lot_size_round_lot=1, contract_multiplier=1,
    )  # fmt: skip


def _contract(source: SourceDataset, inst: Instrument) -> Contract | None:
    # A futures contract (its year digit read near the dataset's start), else None.
    if not is_futures(inst.venue):
        return None
    start = str(source.manifest.config.get("start", ""))[:10]
    near = date.fromisoformat(start) if start else datetime.now(UTC).date()
    return contract_of(inst.venue, inst.symbol, near)


def _dataset_code(inst: Instrument) -> str:
    return f"ALTR.{inst.venue.upper()}"[:16]


def write_dbn(
    source: SourceDataset, out: Path, options: dict[str, Any], tick: Callable[[], None]
) -> dict[str, Any]:
    """Write the DBN files of every instrument of ``source`` into ``out``."""
    del options
    with_mbo = "mbo" in source.tables
    tables = (*DBN_TABLES, "mbo") if with_mbo else DBN_TABLES
    listing = []
    for iid, inst in enumerate(source.instruments(), start=1):
        folder = out / inst.venue / inst.symbol
        folder.mkdir(parents=True)
        bodies = {s: _Body(folder / f"{s}.dbn") for s in DBN_SCHEMAS if s != "mbo" or with_mbo}
        book = _Book()
        counts = dict.fromkeys(bodies, 0)
        for _, seg in source.segments(inst, tables):
            for schema in ("mbo", "mbp-10", "trades") if with_mbo else ("mbp-10", "trades"):
                table = seg[{"mbo": "mbo", "mbp-10": "book_delta", "trades": "trades"}[schema]]
                if not table.num_rows:
                    continue
                if schema == "mbo":
                    records = _mbo(inst, iid, table)
                elif schema == "mbp-10":
                    records = _mbp10(inst, iid, book, table)
                else:
                    records = _trades(inst, iid, table)
                ts = table.column("ts_event")
                bodies[schema].add(records, int(ts[0].as_py()), int(ts[-1].as_py()))
                counts[schema] += table.num_rows
            tick()
        bars = read_ohlcv(source, inst, _MINUTE)
        px_mul, px, sz = fixed_price(inst), inst.price_grid, inst.size_grid
        ohlcv = _records("OHLCVMsg", "OHLCV_1M", len(bars))
        ohlcv["instrument_id"] = iid
        ohlcv["ts_event"] = bars.start
        for name in ("open", "high", "low", "close"):
            ohlcv[name] = px.to_units(getattr(bars, name)) * px_mul
        ohlcv["volume"] = sz.to_units(bars.volume)
        if len(bars):
            bodies["ohlcv-1m"].add(ohlcv.tobytes(), int(bars.start[0]), int(bars.start[-1]))
        counts["ohlcv-1m"] = len(records)
        first = min((b.first for b in bodies.values() if b.first is not None), default=0)
        contract = _contract(source, inst)
        definition = (
            _definition(inst, iid, first)
            if contract is None
            else contract_definition(contract, iid, first)
        )
        bodies["definition"].add(bytes(definition), first, first)
        counts["definition"] = 1
        stats = [] if contract is None else futures_statistics(source.root, contract, iid)
        if contract is not None and stats:
            write_futures_dbn(folder / "statistics.dbn", contract, iid, "statistics", stats)
            counts["statistics"] = len(stats)
        schemas = {"definition": dbn.Schema.DEFINITION, "mbo": dbn.Schema.MBO,
                   "mbp-10": dbn.Schema.MBP_10, "trades": dbn.Schema.TRADES,
                   "ohlcv-1m": dbn.Schema.OHLCV_1M}  # fmt: skip
        for name, body in bodies.items():
            body.finish(_dataset_code(inst), schemas[name], inst.symbol, iid)
        listing.append({"venue": inst.venue, "symbol": inst.symbol, "instrument_id": iid,
                        "dataset": _dataset_code(inst), "records": counts})  # fmt: skip
    return {"instruments": listing}
