"""QuantConnect Lean: the native ``cryptofuture`` data folder (see docs/integrations/lean.md).

Layout, for each instrument (``market`` is the venue, ``ticker`` is base + quote, lowercase)::

    cryptofuture/<market>/<tick|second|minute>/<ticker>/YYYYMMDD_<trade|quote>.zip
        -> YYYYMMDD_<ticker>_<res>_<trade|quote>_perp.csv
    cryptofuture/<market>/<hour|daily>/<ticker>_<trade|quote>.zip
        -> <ticker>_<trade|quote>_perp.csv
    cryptofuture/<market>/margin_interest/<ticker>.csv      yyyyMMdd HH:mm:ss,<rate>
    symbol-properties/symbol-properties-database.csv

CSV rows have no header; times are ms since midnight UTC of the file's date (hour/daily:
``yyyyMMdd HH:mm``) at the bar's start; prices are plain decimals (crypto is never scaled).
Trade ticks and bars come from ``trades``; quote ticks are the top of ``book_snapshot`` each
time it changes, and quote bars aggregate those snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from aleatoric.instruments import Instrument
from aleatoric.integrations._bars import BarBuilder, Bars, Reduce, trade_bar_fields
from aleatoric.integrations._dataset import SourceDataset
from aleatoric.integrations._text import NS_PER_DAY, DayZip, decimal_strings, rate_string, utc

__all__ = ["LEAN_TABLES", "RESOLUTIONS", "lean_ticker", "symbol_properties_row", "write_lean"]

I64 = npt.NDArray[np.int64]
#: Tables the Lean export reads.
LEAN_TABLES = ("trades", "book_snapshot", "funding")
#: Lean resolutions and their bar length in ns (tick has none).
RESOLUTIONS: dict[str, int] = {
    "second": 1_000_000_000,
    "minute": 60_000_000_000,
    "hour": 3_600_000_000_000,
    "daily": NS_PER_DAY,
}
_DAY_FILES = ("tick", "second", "minute")
_QUOTE_FIELDS: dict[str, tuple[str, Reduce]] = {
    "bid_open": ("bid", "first"), "bid_high": ("bid", "max"), "bid_low": ("bid", "min"),
    "bid_close": ("bid", "last"), "bid_size": ("bid_size", "last"),
    "ask_open": ("ask", "first"), "ask_high": ("ask", "max"), "ask_low": ("ask", "min"),
    "ask_close": ("ask", "last"), "ask_size": ("ask_size", "last"),
}  # fmt: skip
SYMBOL_PROPERTIES_HEADER = (
    "# market,symbol,type,description,quote_currency,contract_multiplier,"
    "minimum_price_variation,lot_size,market_ticker,minimum_order_size"
)


def lean_ticker(inst: Instrument) -> str:
    """Return the Lean ticker of an instrument: base + quote (``BTCUSDT``)."""
    return f"{inst.base}{inst.quote}".upper()


def symbol_properties_row(inst: Instrument) -> str:
    """Return the instrument's row of ``symbol-properties-database.csv``."""
    lot = inst.lot_size * inst.contract_value
    min_qty = inst.min_qty * inst.contract_value
    ticker = lean_ticker(inst)
    return ",".join([
        inst.venue, ticker, "cryptofuture", ticker, inst.quote, "1",
        _plain(inst.tick_size), _plain(lot), inst.symbol, _plain(min_qty),
    ])  # fmt: skip


def _plain(value: Any) -> str:
    return format(value.normalize(), "f")


def _time(ns: int, seconds: bool = False) -> str:
    return utc(ns).strftime("%Y%m%d %H:%M:%S" if seconds else "%Y%m%d %H:%M")


class _InstrumentWriter:
    """The files of one instrument; at most one open zip per resolution and kind."""

    def __init__(self, out: Path, inst: Instrument) -> None:
        self.inst = inst
        self.ticker = lean_ticker(inst).lower()
        self.base = out / "cryptofuture" / inst.venue
        self.open: dict[tuple[str, str], tuple[int, DayZip]] = {}
        self.trade_bars = {r: BarBuilder(ns, trade_bar_fields()) for r, ns in RESOLUTIONS.items()}
        self.quote_bars = {r: BarBuilder(ns, _QUOTE_FIELDS) for r, ns in RESOLUTIONS.items()}
        self.whole: dict[tuple[str, str], list[str]] = {
            (r, k): [] for r in ("hour", "daily") for k in ("trade", "quote")
        }
        self.last_quote: tuple[int, int, int, int] | None = None

    def _zip(self, res: str, kind: str, day: int) -> DayZip:
        current = self.open.get((res, kind))
        if current is not None and current[0] == day:
            return current[1]
        if current is not None:
            current[1].close()
        date = utc(day * NS_PER_DAY).strftime("%Y%m%d")
        path = self.base / res / self.ticker / f"{date}_{kind}.zip"
        z = DayZip(path, f"{date}_{self.ticker}_{res}_{kind}_perp.csv")
        self.open[(res, kind)] = (day, z)
        return z

    def _by_day(
        self, res: str, kind: str, ts: I64, make: Callable[[I64, slice], list[str]]
    ) -> None:
        """Write lines for rows at ``ts`` into their day files; ``make(ms, rows)`` formats."""
        if ts.size == 0:
            return
        days = ts // NS_PER_DAY
        cuts = np.concatenate([[0], np.flatnonzero(np.diff(days)) + 1, [ts.size]])
        for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            day = int(days[lo])
            ms = (ts[lo:hi] - day * NS_PER_DAY) // 1_000_000
            self._zip(res, kind, day).write(make(ms, slice(lo, hi)))

    def trades(self, t: pa.Table) -> None:
        px, sz = self.inst.price_grid, self.inst.size_grid
        ts = t.column("ts_event").to_numpy()
        price = px.to_units(t.column("price").to_numpy())
        size = sz.to_units(t.column("size").to_numpy())

        def ticks(ms: I64, rows: slice) -> list[str]:
            p, q = decimal_strings(price[rows], px), decimal_strings(size[rows], sz)
            return [f"{m},{a},{b}" for m, a, b in zip(ms.tolist(), p, q, strict=True)]

        self._by_day("tick", "trade", ts, ticks)
        for res, builder in self.trade_bars.items():
            self._trade_bars(res, builder.add(ts, {"price": price, "size": size}))

    def quotes(self, s: pa.Table) -> None:
        px, sz = self.inst.price_grid, self.inst.size_grid
        bid_px = s.column("bid_px_00").to_numpy(zero_copy_only=False)
        ask_px = s.column("ask_px_00").to_numpy(zero_copy_only=False)
        both = ~(np.isnan(bid_px) | np.isnan(ask_px))
        ts = s.column("ts_event").to_numpy()[both]
        bid, ask = px.to_units(bid_px[both]), px.to_units(ask_px[both])
        bid_size = sz.to_units(s.column("bid_sz_00").to_numpy()[both])
        ask_size = sz.to_units(s.column("ask_sz_00").to_numpy()[both])
        # Quote ticks: the snapshots whose top of book differs from the one before.
        quad = np.stack([bid, bid_size, ask, ask_size], axis=1)
        changed = np.ones(ts.size, bool)
        changed[1:] = np.any(quad[1:] != quad[:-1], axis=1)
        if ts.size and self.last_quote is not None:
            changed[0] = tuple(quad[0].tolist()) != self.last_quote
        if ts.size:
            self.last_quote = tuple(quad[-1].tolist())
        tick_ts = ts[changed]
        cols = [decimal_strings(quad[changed, i], g) for i, g in enumerate((px, sz, px, sz))]

        def ticks(ms: I64, rows: slice) -> list[str]:
            c = [col[rows] for col in cols]
            return [f"{m},{a},{b},{x},{y}" for m, a, b, x, y in zip(ms.tolist(), *c, strict=True)]

        self._by_day("tick", "quote", tick_ts, ticks)
        columns = {"bid": bid, "ask": ask, "bid_size": bid_size, "ask_size": ask_size}
        for res, builder in self.quote_bars.items():
            self._quote_bars(res, builder.add(ts, columns))

    def _trade_bars(self, res: str, bars: Bars) -> None:
        px, sz = self.inst.price_grid, self.inst.size_grid
        cols = [decimal_strings(bars[f], px) for f in ("open", "high", "low", "close")]
        cols.append(decimal_strings(bars["volume"], sz))
        self._bars(res, "trade", bars["start"], cols)

    def _quote_bars(self, res: str, bars: Bars) -> None:
        px, sz = self.inst.price_grid, self.inst.size_grid
        cols = []
        for side in ("bid", "ask"):
            cols += [
                decimal_strings(bars[f"{side}_{f}"], px) for f in ("open", "high", "low", "close")
            ]
            cols.append(decimal_strings(bars[f"{side}_size"], sz))
        self._bars(res, "quote", bars["start"], cols)

    def _bars(self, res: str, kind: str, start: I64, cols: list[list[str]]) -> None:
        if res in ("hour", "daily"):
            times = [_time(int(s)) for s in start.tolist()]
            self.whole[(res, kind)] += [",".join(r) for r in zip(times, *cols, strict=True)]
            return

        def rows(ms: I64, sl: slice) -> list[str]:
            c = [col[sl] for col in cols]
            return [",".join(r) for r in zip(map(str, ms.tolist()), *c, strict=True)]

        self._by_day(res, kind, start, rows)

    def finish(self, funding: list[tuple[int, float]]) -> None:
        for res, builder in self.trade_bars.items():
            self._trade_bars(res, builder.finish())
        for res, builder in self.quote_bars.items():
            self._quote_bars(res, builder.finish())
        for _, z in self.open.values():
            z.close()
        self.open.clear()
        for (res, kind), lines in self.whole.items():
            if lines:
                z = DayZip(self.base / res / f"{self.ticker}_{kind}.zip",
                           f"{self.ticker}_{kind}_perp.csv")  # fmt: skip
                z.write(lines)
                z.close()
        path = self.base / "margin_interest" / f"{self.ticker}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(f"{_time(ts, seconds=True)},{rate_string(r)}\n" for ts, r in funding)
        path.write_bytes(text.encode("ascii"))


def write_lean(
    source: SourceDataset, out: Path, options: dict[str, Any], tick: Callable[[], None]
) -> dict[str, Any]:
    """Write the Lean data folder for every instrument of ``source`` into ``out``."""
    rows = []
    tickers = []
    columns = {
        "trades": ["ts_event", "price", "size"],
        "book_snapshot": ["ts_event", "bid_px_00", "bid_sz_00", "ask_px_00", "ask_sz_00"],
        "funding": ["ts_event", "funding_rate"],
    }
    for inst in source.instruments():
        writer = _InstrumentWriter(out, inst)
        funding: list[tuple[int, float]] = []
        for _, seg in source.segments(inst, LEAN_TABLES, columns):
            writer.trades(seg["trades"])
            writer.quotes(seg["book_snapshot"])
            f = seg["funding"]
            funding += zip(f.column("ts_event").to_pylist(), f.column("funding_rate").to_pylist(),
                           strict=True)  # fmt: skip
            tick()
        writer.finish(funding)
        rows.append(symbol_properties_row(inst))
        tickers.append({"market": inst.venue, "ticker": lean_ticker(inst), "symbol": inst.symbol})
    path = out / "symbol-properties" / "symbol-properties-database.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join([SYMBOL_PROPERTIES_HEADER, *rows]) + "\n").encode("ascii"))
    return {"instruments": tickers}
