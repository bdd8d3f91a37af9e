"""The settlement table of a CME contract over a time range: every daily and the final price.

An independent recomputation from a dataset's trades, quotes and spot trades, by the
procedures of :mod:`aleatoric.tradfi._settlement`: one daily settlement per trade date whose
session is in the range (each day's price is the next day's prior), and the final settlement
to the reference rate when the contract's last trade falls in it. On a day that closes before
15:00 CT the window is the last minute before the close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from aleatoric.tradfi._contracts import Contract
from aleatoric.tradfi._errors import TradfiError
from aleatoric.tradfi._sessions import calendar_for
from aleatoric.tradfi._settlement import brr_end_ns, cme_daily_settlement, reference_rate
from aleatoric.tradfi._timeline import SessionState, as_ns

__all__ = ["SETTLEMENT_SCHEMA", "Prints", "settlement_table"]

_NS = 1_000_000_000
_CT = ZoneInfo("America/Chicago")
#: Columns of a settlement table.
SETTLEMENT_SCHEMA = pa.schema([
    ("ts_event", pa.timestamp("ns", tz="UTC")),
    ("trade_date", pa.date32()),
    ("symbol", pa.string()),
    ("kind", pa.string()),
    ("price", pa.float64()),
    ("tier", pa.int8()),
    ("volume", pa.float64()),
])  # fmt: skip


@dataclass(frozen=True)
class Prints:
    """Trades (``price`` and ``size``) or quotes (``price`` = bid, ``size`` = ask) over time."""

    ts: npt.NDArray[np.int64]
    price: npt.NDArray[np.float64]
    size: npt.NDArray[np.float64]

    @classmethod
    def of(cls, ts: npt.ArrayLike, price: npt.ArrayLike, size: npt.ArrayLike) -> Prints:
        """Return the arrays as int64 ns and float64, checking they have one length."""
        t, p, q = as_ns(ts), np.asarray(price, np.float64), np.asarray(size, np.float64)
        if not (t.shape == p.shape == q.shape):
            raise TradfiError("prints", "ts, price and size must have one length")
        return cls(t, p, q)


_EMPTY = Prints(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


def settlement_table(
    contract: Contract,
    start_ns: int,
    end_ns: int,
    *,
    trades: Prints,
    quotes: Prints = _EMPTY,
    spot: Prints = _EMPTY,
    prior_settle: float | None = None,
    rate: float = 0.05,
    publish_delay_ns: int = 60 * _NS,
    **calendar_options: object,
) -> pa.Table:
    """Return the daily and final settlements of ``contract`` in ``[start_ns, end_ns)``.

    A daily row needs its whole window in the range and something to settle from (a trade, a
    two-sided quote or a spot price); a final row needs the reference rate's whole hour in
    the range and a spot print in it. Daily rows are stamped ``publish_delay_ns`` after their
    window closes; tier 3 uses the reference rate of ``spot`` on that day and ``rate`` as the
    carry. The final row is stamped at the last trade, priced at the reference rate of
    ``spot`` for the hour before 16:00 London on the last trading day. ``kind`` is ``daily``
    or ``final`` (tier 0).
    """
    product = contract.product
    if product.venue != "cme" or product.kind != "monthly":
        raise TradfiError(
            "contract", f"settlement tables cover CME monthly futures, was {product.key}"
        )
    if end_ns <= start_ns:
        raise TradfiError("end_ns", f"must be after start_ns, was {end_ns}")
    last_trade = contract.last_trade_ns
    assert last_trade is not None
    timeline = calendar_for(product.calendar, **calendar_options).timeline(start_ns, end_ns)
    starts, ends = timeline.spans(SessionState.OPEN)
    dates = timeline.trade_date_at(starts)
    closes: dict[int, int] = {}
    for d, e in zip(dates.astype(np.int64).tolist(), ends.tolist(), strict=True):
        closes[d] = max(closes.get(d, 0), int(e))
    rows: list[dict[str, object]] = []
    expiry_day = np.datetime64(last_trade // _NS, "s").astype("datetime64[D]")
    for d in sorted(closes):
        day = np.datetime64(d, "D").astype(date)
        end = min(int(datetime.combine(day, time(15, 0), _CT).timestamp()) * _NS, closes[d])
        if not (start_ns <= end - 60 * _NS and end <= end_ns) or end > last_trade:
            continue  # the whole window lies in the range, before the last trade
        days_left = int((expiry_day - np.datetime64(day)).astype(np.int64))
        try:
            ref = reference_rate(spot.ts, spot.price, spot.size, end_ns=brr_end_ns(day))
        except TradfiError:
            ref = None
        try:
            s = cme_daily_settlement(
                day, product.tick_size, trade_ts=trades.ts, trade_price=trades.price,
                trade_size=trades.size, quote_ts=quotes.ts, bid=quotes.price, ask=quotes.size,
                prior_settle=prior_settle, reference_rate=ref, days_to_expiry=days_left,
                rate=rate, window=(end - 60 * _NS, end),
            )  # fmt: skip
        except TradfiError:
            continue  # no trade, no quote and no spot price: nothing to settle from
        prior_settle = s.price
        rows.append({"ts_event": end + publish_delay_ns, "trade_date": day, "kind": "daily",
                     "price": s.price, "tier": s.tier, "volume": s.volume})  # fmt: skip
    day = expiry_day.astype(date)
    final: float | None = None
    if start_ns <= brr_end_ns(day) - 3600 * _NS and last_trade < end_ns:
        try:
            final = reference_rate(spot.ts, spot.price, spot.size, end_ns=brr_end_ns(day))
        except TradfiError:
            final = None  # no spot print in the hour: no final row
    if final is not None:
        rows.append({"ts_event": last_trade, "trade_date": day, "kind": "final",
                     "price": final, "tier": 0, "volume": 0.0})  # fmt: skip
    rows.sort(key=lambda r: (r["ts_event"], r["kind"]))
    columns = {name: [r[name] for r in rows] for name in ("ts_event", "trade_date", "kind",
                                                          "price", "tier", "volume")}  # fmt: skip
    columns["symbol"] = [contract.symbol] * len(rows)
    return pa.table({f.name: columns[f.name] for f in SETTLEMENT_SCHEMA}, schema=SETTLEMENT_SCHEMA)
