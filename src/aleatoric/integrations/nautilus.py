"""NautilusTrader: a ``ParquetDataCatalog`` (``pip install 'aleatoric[nautilus]'``).

Written with nautilus-trader's own catalog writer, so the files are what its readers expect:

- one ``CryptoPerpetual`` per instrument, with the id Nautilus's adapter for the venue uses
  (:func:`instrument_id_of`, e.g. ``BTCUSDT-PERP.BINANCE``); tick, lot and minimum size from
  the instrument registry; fees and margins are placeholders (maker 0.0002, taker 0.0005,
  initial margin 0.10, maintenance 0.05);
- ``OrderBookDelta`` from ``book_delta`` (L2 by price level): the initial book is a ``CLEAR``
  then ``ADD`` rows flagged ``F_SNAPSHOT``; later a new level is ``ADD``, a changed one
  ``UPDATE``, a removed one ``DELETE``; ``F_LAST`` marks the row after which the book is
  consistent; ``sequence`` is our ``seq``;
- ``TradeTick`` from ``trades`` (``trade_id`` as the id, aggressor side);
- ``Bar`` of ``<id>-<n>-<SECOND|MINUTE|HOUR|DAY>-LAST-EXTERNAL`` from the trades, stamped at the
  bar's close as Nautilus expects.

Funding is not written: nautilus-trader 1.221's catalog cannot serialize ``FundingRateUpdate``.

``ts_event`` is our ``ts_event`` and ``ts_init`` our ``ts_recv``. Deltas and trades are
written one segment at a time (one file per segment), so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from nautilus_trader.model.data import (
    Bar,
    BarType,
    OrderBookDelta,
    TradeTick,
)
from nautilus_trader.model.enums import (
    AggressorSide,
    BookAction,
    OrderSide,
)
from nautilus_trader.model.identifiers import (
    InstrumentId,
    Symbol,
    TradeId,
)
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import (
    FIXED_PRECISION,
    Currency,
    Money,
    Price,
    Quantity,
)
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from aleatoric.instruments import Instrument
from aleatoric.integrations._dataset import SourceDataset
from aleatoric.integrations._ohlcv import read_ohlcv

__all__ = ["NAUTILUS_TABLES", "bar_type_of", "instrument_id_of", "perpetual_of", "write_nautilus"]

#: Tables the Nautilus export reads.
NAUTILUS_TABLES = ("book_delta", "trades")
F_LAST = 128
F_SNAPSHOT = 32
_STEPS = (("DAY", 86_400), ("HOUR", 3_600), ("MINUTE", 60), ("SECOND", 1))


def instrument_id_of(inst: Instrument) -> str:
    """Return the instrument id Nautilus's own adapter for the venue would use.

    ``BTCUSDT-PERP.BINANCE``, ``ETHUSDT-LINEAR.BYBIT``, ``ETH-USDT-SWAP.OKX``,
    ``ETH-USD-PERP.HYPERLIQUID``; another venue gets ``<SYMBOL>-PERP.<VENUE>``.
    """
    symbol = {
        "bybit": f"{inst.symbol}-LINEAR",
        "okx": inst.symbol,
        "hyperliquid": f"{inst.base}-USD-PERP",
    }.get(inst.venue, f"{inst.symbol}-PERP")
    return f"{symbol}.{inst.venue.upper()}"


def bar_type_of(inst: Instrument, bar_ns: int) -> str:
    """Return the bar type string, e.g. ``BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL``."""
    seconds = bar_ns // 1_000_000_000
    for name, unit in _STEPS:
        if seconds % unit == 0:
            return f"{instrument_id_of(inst)}-{seconds // unit}-{name}-LAST-EXTERNAL"
    raise ValueError(f"bar size must be whole seconds, was {bar_ns} ns")  # pragma: no cover


def perpetual_of(inst: Instrument, ts: int) -> Any:
    """Return the ``CryptoPerpetual`` of an instrument (fees and margins are placeholders)."""
    px, sz = inst.price_grid, inst.size_grid
    min_qty = inst.min_qty * inst.contract_value
    quote = Currency.from_str(inst.quote)
    return CryptoPerpetual(
        instrument_id=InstrumentId.from_str(instrument_id_of(inst)),
        raw_symbol=Symbol(inst.symbol),
        base_currency=Currency.from_str(inst.base),
        quote_currency=quote,
        settlement_currency=quote,
        is_inverse=False,
        price_precision=px.scale,
        size_precision=sz.scale,
        price_increment=Price.from_str(str(px.step)),
        size_increment=Quantity.from_str(str(sz.step)),
        ts_event=ts,
        ts_init=ts,
        min_quantity=Quantity(float(min_qty), sz.scale),
        min_notional=Money(float(inst.min_notional), quote),
        margin_init=Decimal("0.10"),
        margin_maint=Decimal("0.05"),
        maker_fee=Decimal("0.0002"),
        taker_fee=Decimal("0.0005"),
    )


class _Deltas:
    """Turn ``book_delta`` rows into Nautilus deltas, remembering which levels exist."""

    def __init__(self, inst: Instrument) -> None:
        self.inst = inst
        self.iid = InstrumentId.from_str(instrument_id_of(inst))
        self.levels: set[tuple[int, int]] = set()
        self.px_mul = inst.price_grid.numerator * 10 ** (FIXED_PRECISION - inst.price_grid.scale)
        self.sz_mul = inst.size_grid.numerator * 10 ** (FIXED_PRECISION - inst.size_grid.scale)

    def convert(self, t: pa.Table) -> list[Any]:
        px, sz = self.inst.price_grid, self.inst.size_grid
        ts = t.column("ts_event").to_pylist()
        recv = t.column("ts_recv").to_pylist()
        seq = t.column("seq").to_pylist()
        side = t.column("side").to_pylist()
        price = px.to_units(t.column("price").to_numpy()).tolist()
        size = sz.to_units(t.column("size").to_numpy()).tolist()
        snap = t.column("is_snapshot").to_pylist()
        last = t.column("is_last").to_pylist()
        out: list[Any] = []
        for i in range(len(ts)):
            flags = (F_SNAPSHOT if snap[i] else 0) | (F_LAST if last[i] else 0)
            if snap[i] and (i == 0 or not snap[i - 1]):
                self.levels.clear()
                out.append(OrderBookDelta.clear(self.iid, seq[i], ts[i], recv[i]))
            s = OrderSide.BUY if side[i] == "bid" else OrderSide.SELL
            key = (0 if side[i] == "bid" else 1, price[i])
            if size[i] == 0:
                action = BookAction.DELETE
                self.levels.discard(key)
            elif key in self.levels:
                action = BookAction.UPDATE
            else:
                action = BookAction.ADD
                self.levels.add(key)
            out.append(
                OrderBookDelta.from_raw(
                    self.iid,
                    action,
                    s,
                    price[i] * self.px_mul,
                    px.scale,
                    size[i] * self.sz_mul,
                    sz.scale,
                    0,
                    flags,
                    seq[i],
                    ts[i],
                    recv[i],
                )
            )
        return out


def _trades(inst: Instrument, t: pa.Table) -> list[Any]:
    px, sz = inst.price_grid, inst.size_grid
    iid = InstrumentId.from_str(instrument_id_of(inst))
    px_mul = px.numerator * 10 ** (FIXED_PRECISION - px.scale)
    sz_mul = sz.numerator * 10 ** (FIXED_PRECISION - sz.scale)
    price = px.to_units(t.column("price").to_numpy()).tolist()
    size = sz.to_units(t.column("size").to_numpy()).tolist()
    cols = (t.column(c).to_pylist() for c in ("ts_event", "ts_recv", "trade_id", "side"))
    out = []
    for p, q, ts, recv, tid, side in zip(price, size, *cols, strict=True):
        aggressor = AggressorSide.BUYER if side == "buy" else AggressorSide.SELLER
        out.append(
            TradeTick.from_raw(
                iid,
                p * px_mul,
                px.scale,
                q * sz_mul,
                sz.scale,
                aggressor,
                TradeId(str(tid)),
                ts,
                recv,
            )
        )
    return out


def write_nautilus(
    source: SourceDataset, out: Path, options: dict[str, Any], tick: Callable[[], None]
) -> dict[str, Any]:
    """Write a ``ParquetDataCatalog`` for every instrument of ``source`` into ``out``."""
    catalog = ParquetDataCatalog(str(out))
    bar_ns = int(options["bar_ns"])
    columns = {
        "book_delta": ["ts_event", "ts_recv", "seq", "side", "price", "size", "is_snapshot",
                       "is_last"],
        "trades": ["ts_event", "ts_recv", "trade_id", "price", "size", "side"],
    }  # fmt: skip
    listing = []
    for inst in source.instruments():
        deltas = _Deltas(inst)
        first_ts: int | None = None
        for _, seg in source.segments(inst, NAUTILUS_TABLES, columns):
            d, t = seg["book_delta"], seg["trades"]
            if first_ts is None and d.num_rows:
                first_ts = int(d.column("ts_event")[0].as_py())
            if d.num_rows:
                catalog.write_data(deltas.convert(d))
            if t.num_rows:
                catalog.write_data(_trades(inst, t))
            tick()
        catalog.write_data([perpetual_of(inst, first_ts or 0)])
        bars = read_ohlcv(source, inst, bar_ns)
        bar_type = BarType.from_str(bar_type_of(inst, bar_ns))
        px, sz = inst.price_grid, inst.size_grid

        def price(v: np.ndarray, i: int) -> Any:
            return Price(float(v[i]), px.scale)  # noqa: B023

        items = [
            Bar(bar_type, price(bars.open, i), price(bars.high, i), price(bars.low, i),
                price(bars.close, i), Quantity(float(bars.volume[i]), sz.scale),
                int(bars.start[i]) + bar_ns, int(bars.start[i]) + bar_ns)
            for i in range(len(bars))
        ]  # fmt: skip
        if items:
            catalog.write_data(items)
        listing.append({"venue": inst.venue, "symbol": inst.symbol,
                        "instrument_id": instrument_id_of(inst),
                        "bar_type": bar_type_of(inst, bar_ns), "bars": len(items)})  # fmt: skip
    return {"instruments": listing}
