"""Decode OKX capture lines into canonical rows (see the package docstring)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from aleatoric.instruments import get_instrument
from aleatoric.venues._stream import DecodedRows

__all__ = ["decode_message"]

VENUE = "okx"
NS_PER_MS = 1_000_000


_BOOKS = ("books", "books5", "bbo-tbt", "books-l2-tbt", "books50-l2-tbt", "books-elp")


def _session(rows: DecodedRows) -> dict[str, Any]:
    # Decoder state of one normalization, kept on its rows.
    state: dict[str, Any] = rows.state.setdefault("okx", {})
    return state


@cache
def _contract_value(inst_id: str) -> Decimal | None:
    """Return base asset per size unit of ``inst_id``: its contract value, 1 on spot."""
    try:
        return get_instrument(VENUE, inst_id).contract_value
    except KeyError:
        pass
    return Decimal(1) if len(inst_id.split("-")) == 2 else None


def _base(size: str, cv: Decimal) -> float:
    """Return a size in contracts (or base on spot) as base asset, exactly rounded."""
    return float(size) if cv == 1 else float(Decimal(size) * cv)


def _opt_float(value: Any) -> float | None:
    return float(value) if value not in (None, "") else None


def decode_message(local_ns: int, text: str, line_no: int, rows: DecodedRows) -> None:
    """Decode one OKX line (books, trades, funding-rate, mark-price) into canonical rows."""
    msg = rows.parse_object(text, line_no)
    if msg is None:
        return
    try:
        if "event" in msg:
            if msg["event"] == "error":
                rows.reject("unknown", line_no, f"error event {msg.get('msg', '')!r}")
            return  # subscription acknowledgements
        arg = msg.get("arg")
        if not isinstance(arg, dict) or "channel" not in arg:
            rows.reject("unknown", line_no, "no channel")
            return
        channel = arg["channel"]
        if channel == "liquidation-orders":
            return  # a cascade's forced orders: the trades carry their fills
        inst_id = str(arg.get("instId", ""))
        data = msg["data"]
        if not isinstance(data, list):
            raise TypeError("data is not a list")
        if channel in _BOOKS or channel in ("trades", "trades-all"):
            cv = _contract_value(inst_id)
            if cv is None:
                rows.reject("unknown", line_no, f"no contract value for instId {inst_id!r}")
                return
            if channel in _BOOKS:
                # Channels without an action (books5, bbo-tbt) send full views every time.
                snapshot = msg.get("action", "snapshot") == "snapshot"
                for entry in data:
                    levels = [("bid", float(p[0]), _base(p[1], cv)) for p in entry["bids"]]
                    levels += [("ask", float(p[0]), _base(p[1], cv)) for p in entry["asks"]]
                    counts: list[int | None] = [
                        int(p[3]) if len(p) > 3 else None for p in entry["bids"] + entry["asks"]
                    ]
                    rows.add_levels(int(entry["ts"]) * NS_PER_MS, local_ns, levels, snapshot,
                                    count=counts)  # fmt: skip
            else:
                for entry in data:
                    tid = str(entry.get("tradeId", ""))
                    rows.add("trades", {
                        "ts_event": int(entry["ts"]) * NS_PER_MS, "ts_recv": local_ns,
                        "trade_id": int(tid) if tid.isdigit() else None,
                        "price": float(entry["px"]), "size": _base(entry["sz"], cv),
                        "side": {"buy": "buy", "sell": "sell"}[entry["side"]],
                    })  # fmt: skip
        elif channel == "funding-rate":
            _funding(data, local_ns, rows)
        elif channel == "mark-price":
            for entry in data:
                rows.add("ticker", _ticker_row(entry, local_ns, mark_price=float(entry["markPx"])))
        elif channel == "index-tickers":
            for entry in data:
                rows.add("ticker", _ticker_row(entry, local_ns, index_price=float(entry["idxPx"])))
        else:
            rows.reject("unknown", line_no, f"channel {channel!r}")
    except (KeyError, TypeError, ValueError, IndexError, InvalidOperation) as exc:
        rows.reject("malformed", line_no, f"{type(exc).__name__}: {exc}")


def _ticker_row(entry: dict[str, Any], local_ns: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ts_event": int(entry["ts"]) * NS_PER_MS, "ts_recv": local_ns, "mark_price": None,
        "index_price": None, "last_price": None, "funding_rate": None,
        "predicted_funding_rate": None, "next_funding_ts": None, "open_interest": None,
    }  # fmt: skip
    row.update(values)
    return row


def _funding(data: list[Any], local_ns: int, rows: DecodedRows) -> None:
    seen: set[int] = _session(rows).setdefault("settlements", set())
    for entry in data:
        settled = _opt_float(entry.get("settFundingRate"))
        next_ts = entry.get("fundingTime")
        rows.add("ticker", _ticker_row(
            entry, local_ns, funding_rate=settled,
            predicted_funding_rate=_opt_float(entry.get("fundingRate")),
            next_funding_ts=int(next_ts) * NS_PER_MS if next_ts not in (None, "") else None,
        ))  # fmt: skip
        prev = entry.get("prevFundingTime")
        if settled is None or prev in (None, "") or entry.get("settState") == "processing":
            continue
        at = int(prev) * NS_PER_MS
        if at not in seen:
            seen.add(at)
            rows.add("funding", {
                "ts_event": at, "ts_recv": local_ns, "funding_rate": settled, "mark_price": None,
            })  # fmt: skip
