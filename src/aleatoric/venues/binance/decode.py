"""Decode Binance capture lines into canonical rows (see the package docstring)."""

from __future__ import annotations

from aleatoric.venues._stream import DecodedRows

__all__ = ["decode_message"]

NS_PER_MS = 1_000_000


def decode_message(local_ns: int, text: str, line_no: int, rows: DecodedRows) -> None:
    """Decode one Binance line (combined-stream, raw or REST snapshot) into canonical rows."""
    msg = rows.parse_object(text, line_no)
    if msg is None:
        return
    data = msg.get("data", msg)
    try:
        if "lastUpdateId" in data and "bids" in data:
            ts = int(data.get("T", data.get("E", 0))) * NS_PER_MS
            levels = [("bid", float(p), float(q)) for p, q in data["bids"]]
            levels += [("ask", float(p), float(q)) for p, q in data["asks"]]
            rows.add_levels(ts, local_ns, levels, snapshot=True)
            return
        event = data.get("e")
        if event == "depthUpdate":
            levels = [("bid", float(p), float(q)) for p, q in data["b"]]
            levels += [("ask", float(p), float(q)) for p, q in data["a"]]
            rows.add_levels(int(data["T"]) * NS_PER_MS, local_ns, levels, snapshot=False)
        elif event == "trade":
            if data.get("X", "MARKET") != "MARKET":
                return
            rows.add("trades", {
                "ts_event": int(data["T"]) * NS_PER_MS, "ts_recv": local_ns,
                "trade_id": int(data["t"]), "price": float(data["p"]), "size": float(data["q"]),
                "side": "sell" if data["m"] else "buy",
            })  # fmt: skip
        elif event == "markPriceUpdate":
            rows.add("ticker", {
                "ts_event": int(data["E"]) * NS_PER_MS, "ts_recv": local_ns,
                "mark_price": float(data["p"]), "index_price": float(data["i"]),
                "predicted_funding_rate": float(data["r"]),
                "next_funding_ts": int(data["T"]) * NS_PER_MS,
            })  # fmt: skip
        elif event in ("aggTrade", "bookTicker", "forceOrder"):
            return  # derived streams: the canonical tables come from trade and depthUpdate
        else:
            rows.reject("unknown", line_no, f"event {event!r}")
    except (KeyError, TypeError, ValueError) as exc:
        rows.reject("malformed", line_no, f"{type(exc).__name__}: {exc}")
