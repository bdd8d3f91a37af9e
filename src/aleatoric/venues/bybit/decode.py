"""Decode Bybit capture lines into canonical rows (see the package docstring)."""

from __future__ import annotations

from typing import Any

from aleatoric.venues._stream import DecodedRows
from aleatoric.venues.bybit._ids import trade_id_from_uuid

__all__ = ["decode_message"]

NS_PER_MS = 1_000_000


#: Ticker fields that map to canonical columns.
_TICKER_COLUMNS = {
    "markPrice": "mark_price",
    "indexPrice": "index_price",
    "lastPrice": "last_price",
    "fundingRate": "predicted_funding_rate",
    "nextFundingTime": "next_funding_ts",
    "openInterest": "open_interest",
}
#: Topics that carry nothing for the canonical tables.
_SKIPPED = ("priceLimit", "orderbook.rpi", "allLiquidation")


def _session(rows: DecodedRows) -> dict[str, Any]:
    # Decoder state of one normalization, kept on its rows.
    state: dict[str, Any] = rows.state.setdefault("bybit", {})
    return state


def _ticker(msg: dict[str, Any], local_ns: int, rows: DecodedRows) -> None:
    data = msg["data"]
    if not isinstance(data, dict):
        raise TypeError("tickers data is not an object")
    state = _session(rows)
    if msg.get("type") == "snapshot":
        state["ticker"] = {}
    merged: dict[str, Any] = state.setdefault("ticker", {})
    merged.update(data)
    if not any(key in data for key in _TICKER_COLUMNS):
        return  # a book-top or statistics change only

    def num(key: str) -> float | None:
        value = merged.get(key)
        return float(value) if value not in (None, "") else None

    next_ts = merged.get("nextFundingTime")
    next_ns = int(next_ts) * NS_PER_MS if next_ts not in (None, "") else None
    rows.add("ticker", {
        "ts_event": int(msg["ts"]) * NS_PER_MS, "ts_recv": local_ns,
        "mark_price": num("markPrice"), "index_price": num("indexPrice"),
        "last_price": num("lastPrice"), "funding_rate": None,
        "predicted_funding_rate": num("fundingRate"),
        "next_funding_ts": next_ns,
        "open_interest": num("openInterest"),
    })  # fmt: skip


def decode_message(local_ns: int, text: str, line_no: int, rows: DecodedRows) -> None:
    """Decode one Bybit line (orderbook, publicTrade, tickers) into canonical rows."""
    msg = rows.parse_object(text, line_no)
    if msg is None:
        return
    topic = msg.get("topic")
    try:
        if topic is None:
            if "op" in msg or "success" in msg:
                return  # subscription acknowledgements and pongs
            rows.reject("unknown", line_no, "no topic")
            return
        if not isinstance(topic, str):
            raise TypeError("topic is not a string")
        kind = topic.split(".", 1)[0]
        if kind == "orderbook" and not topic.startswith(_SKIPPED):
            data = msg["data"]
            kind_ = msg["type"]
            if kind_ not in ("snapshot", "delta"):
                raise ValueError(f"orderbook type {kind_!r}")
            ts = int(msg["cts"] if "cts" in msg else msg["ts"]) * NS_PER_MS
            levels = [("bid", float(p), float(q)) for p, q in data["b"]]
            levels += [("ask", float(p), float(q)) for p, q in data["a"]]
            rows.add_levels(ts, local_ns, levels, snapshot=kind_ == "snapshot")
        elif kind == "publicTrade":
            for trade in msg["data"]:
                rows.add("trades", {
                    "ts_event": int(trade["T"]) * NS_PER_MS, "ts_recv": local_ns,
                    "trade_id": trade_id_from_uuid(str(trade.get("i", ""))),
                    "price": float(trade["p"]), "size": float(trade["v"]),
                    "side": {"Buy": "buy", "Sell": "sell"}[trade["S"]],
                })  # fmt: skip
        elif kind == "tickers":
            _ticker(msg, local_ns, rows)
        elif topic.startswith(_SKIPPED):
            return
        else:
            rows.reject("unknown", line_no, f"topic {topic!r}")
    except (KeyError, TypeError, ValueError) as exc:
        rows.reject("malformed", line_no, f"{type(exc).__name__}: {exc}")
