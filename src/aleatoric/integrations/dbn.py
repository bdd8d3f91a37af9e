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
the dataset (from 1) and ``publisher_id`` is 0. Records are written one segment at a time.
"""

from __future__ import annotations

import bisect
import importlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from aleatoric.instruments import Instrument
from aleatoric.integrations._dataset import SourceDataset
from aleatoric.integrations._ohlcv import read_ohlcv

__all__ = ["DBN_SCHEMAS", "DBN_TABLES", "fixed_price", "write_dbn"]

# Its stubs type the enums as plain strings in places; the records are built dynamically.
dbn: Any = importlib.import_module("databento_dbn")

#: Tables the DBN export needs (``mbo`` is written too when the dataset has it).
DBN_TABLES = ("book_delta", "trades")
#: The files written per instrument, by DBN schema.
DBN_SCHEMAS = ("definition", "mbo", "mbp-10", "trades", "ohlcv-1m")
_SCALE = 9
_U32 = 0xFFFFFFFF
_MINUTE = 60_000_000_000


@dataclass(frozen=True)
class _Interval:
    start_date: date
    end_date: date
    symbol: str


@dataclass(frozen=True)
class _Mapping:
    raw_symbol: str
    intervals: list[_Interval]


def fixed_price(inst: Instrument) -> int:
    """Return the DBN fixed-point value of one tick of ``inst`` (1e-9 units)."""
    g = inst.price_grid
    return int(g.numerator * 10 ** (_SCALE - g.scale))


def _day(ns: int) -> date:
    return datetime.fromtimestamp(ns // 1_000_000_000, UTC).date()


class _Body:
    """Record bytes of one schema, held in a side file until the metadata can be written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: IO[bytes] = path.with_suffix(".body").open("wb")
        self.first: int | None = None
        self.last = 0

    def add(self, records: list[Any], first: int, last: int) -> None:
        if not records:
            return
        self.fh.write(b"".join(bytes(r) for r in records))
        self.first = first if self.first is None else self.first
        self.last = max(self.last, last)

    def finish(self, dataset: str, schema: Any, symbol: str, iid: int) -> None:
        self.fh.close()
        body = self.path.with_suffix(".body")
        start = self.first if self.first is not None else 0
        end_day = _day(self.last) + timedelta(days=1)
        meta = dbn.Metadata(
            dataset, start, dbn.SType.RAW_SYMBOL, dbn.SType.INSTRUMENT_ID, schema,
            symbols=[symbol], end=self.last + 1,
            mappings=[_Mapping(symbol, [_Interval(_day(start), end_day, str(iid))])],
        )  # fmt: skip
        with self.path.open("wb") as out, body.open("rb") as src:
            out.write(bytes(meta))
            shutil.copyfileobj(src, out)
        body.unlink()


class _Book:
    """L2 levels rebuilt from ``book_delta`` rows, for the ten levels each MBP-10 record holds."""

    def __init__(self) -> None:
        self.size: list[dict[int, tuple[int, int]]] = [{}, {}]  # bid, ask: px -> (sz, count)
        self.keys: list[list[int]] = [[], []]  # bids stored negated: best first on both sides

    def clear(self) -> None:
        self.size, self.keys = [{}, {}], [[], []]

    def apply(self, side: int, px: int, sz: int, count: int) -> tuple[str, int]:
        key = -px if side == 0 else px
        keys, levels = self.keys[side], self.size[side]
        at = bisect.bisect_left(keys, key)
        if sz == 0:
            if px in levels:
                del levels[px]
                keys.pop(at)
            return "C", at
        if px in levels:
            levels[px] = (sz, count)
            return "M", at
        levels[px] = (sz, count)
        keys.insert(at, key)
        return "A", at

    def top(self, px_mul: int) -> list[Any]:
        out = []
        for i in range(10):
            b = -self.keys[0][i] if i < len(self.keys[0]) else None
            a = self.keys[1][i] if i < len(self.keys[1]) else None
            bs, bc = self.size[0][b] if b is not None else (0, 0)
            as_, ac = self.size[1][a] if a is not None else (0, 0)
            out.append(dbn.BidAskPair(
                bid_px=b * px_mul if b is not None else dbn.UNDEF_PRICE,
                ask_px=a * px_mul if a is not None else dbn.UNDEF_PRICE,
                bid_sz=bs, ask_sz=as_, bid_ct=bc, ask_ct=ac,
            ))  # fmt: skip
        return out


def _cols(t: pa.Table, names: tuple[str, ...]) -> Iterator[list[Any]]:
    return (t.column(n).to_pylist() for n in names)


def _mbo(inst: Instrument, iid: int, t: pa.Table) -> list[Any]:
    px_mul, px, sz = fixed_price(inst), inst.price_grid, inst.size_grid
    price = (px.to_units(t.column("price").to_numpy()) * px_mul).tolist()
    size = sz.to_units(t.column("size").to_numpy()).tolist()
    ts, recv, seq, oid, action, side, flags = _cols(
        t, ("ts_event", "ts_recv", "seq", "order_id", "action", "side", "flags")
    )
    return [
        dbn.MBOMsg(0, iid, ts[i], oid[i], price[i], size[i], dbn.Action(action[i]),
                   dbn.Side(side[i]), recv[i], flags=flags[i], sequence=seq[i] & _U32)
        for i in range(t.num_rows)
    ]  # fmt: skip


def _mbp10(inst: Instrument, iid: int, book: _Book, t: pa.Table) -> list[Any]:
    px_mul, px, sz = fixed_price(inst), inst.price_grid, inst.size_grid
    price = px.to_units(t.column("price").to_numpy()).tolist()
    size = sz.to_units(t.column("size").to_numpy()).tolist()
    ts, recv, seq, side, count, snap, last = _cols(
        t, ("ts_event", "ts_recv", "seq", "side", "order_count", "is_snapshot", "is_last")
    )
    out = []
    for i in range(t.num_rows):
        if snap[i] and (i == 0 or not snap[i - 1]):
            book.clear()
        s = 0 if side[i] == "bid" else 1
        action, depth = book.apply(s, price[i], size[i], count[i])
        depth = min(depth, 255)  # DBN's depth is one byte
        flags = (dbn.F_LAST if last[i] else 0) | (dbn.F_SNAPSHOT if snap[i] else 0)
        out.append(dbn.MBP10Msg(
            0, iid, ts[i], price[i] * px_mul, size[i], dbn.Action(action),
            dbn.Side("B" if s == 0 else "A"), depth, recv[i], flags=flags,
            sequence=seq[i] & _U32, levels=book.top(px_mul),
        ))  # fmt: skip
    return out


def _trades(inst: Instrument, iid: int, t: pa.Table) -> list[Any]:
    px_mul, px, sz = fixed_price(inst), inst.price_grid, inst.size_grid
    price = (px.to_units(t.column("price").to_numpy()) * px_mul).tolist()
    size = sz.to_units(t.column("size").to_numpy()).tolist()
    ts, recv, seq, side = _cols(t, ("ts_event", "ts_recv", "seq", "side"))
    return [
        dbn.TradeMsg(0, iid, ts[i], price[i], size[i], dbn.Action.TRADE,
                     dbn.Side("B" if side[i] == "buy" else "A"), 0, recv[i], flags=dbn.F_LAST,
                     sequence=seq[i] & _U32)
        for i in range(t.num_rows)
    ]  # fmt: skip


def _definition(inst: Instrument, iid: int, ts: int) -> Any:
    return dbn.InstrumentDefMsg(
        0, iid, ts, ts, fixed_price(inst), 10**_SCALE, inst.symbol, inst.base[:10], "PERP",
        dbn.InstrumentClass.FUTURE, dbn.SecurityUpdateAction.ADD,
        unit_of_measure_qty=int(inst.size_grid.numerator * 10 ** (_SCALE - inst.size_grid.scale)),
        unit_of_measure=inst.base[:30], currency=inst.quote if len(inst.quote) <= 3 else "",
        exchange=inst.venue.upper()[:4], min_lot_size_round_lot=1, contract_multiplier=1,
    )  # fmt: skip


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
        cols = [(px.to_units(v) * px_mul).tolist() for v in (bars.open, bars.high, bars.low,
                                                             bars.close)]  # fmt: skip
        volume = sz.to_units(bars.volume).tolist()
        starts = bars.start.tolist()
        records = [
            dbn.OHLCVMsg(int(dbn.RType.OHLCV_1M), 0, iid, starts[i], cols[0][i], cols[1][i],
                         cols[2][i], cols[3][i], volume[i])
            for i in range(len(bars))
        ]  # fmt: skip
        if records:
            bodies["ohlcv-1m"].add(records, starts[0], starts[-1])
        counts["ohlcv-1m"] = len(records)
        first = min((b.first for b in bodies.values() if b.first is not None), default=0)
        bodies["definition"].add([_definition(inst, iid, first)], first, first)
        counts["definition"] = 1
        schemas = {"definition": dbn.Schema.DEFINITION, "mbo": dbn.Schema.MBO,
                   "mbp-10": dbn.Schema.MBP_10, "trades": dbn.Schema.TRADES,
                   "ohlcv-1m": dbn.Schema.OHLCV_1M}  # fmt: skip
        for name, body in bodies.items():
            body.finish(_dataset_code(inst), schemas[name], inst.symbol, iid)
        listing.append({"venue": inst.venue, "symbol": inst.symbol, "instrument_id": iid,
                        "dataset": _dataset_code(inst), "records": counts})  # fmt: skip
    return {"instruments": listing}
