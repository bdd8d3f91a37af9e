"""Decode the venue's capture lines into canonical rows (the reverse of ``encode.py``).

``decode_message(local_ns, text, line_no, rows)`` is called once per capture line, in order.
It appends canonical rows to ``rows`` and counts, never raises on, a line it cannot read
(``rows.parse_object`` and ``rows.reject``): recordings hold reconnects and odd frames.
"""

from __future__ import annotations

from aleatoric.venues._stream import DecodedRows

__all__ = ["decode_message"]

NS_PER_MS = 1_000_000


def decode_message(local_ns: int, text: str, line_no: int, rows: DecodedRows) -> None:
    """Decode one line (a ``trades`` message) into a ``trades`` row."""
    msg = rows.parse_object(text, line_no)
    if msg is None:
        return
    if msg.get("ch") != "trades":
        rows.reject("unknown", line_no, f"channel {msg.get('ch')!r}")
        return
    try:
        row = {
            "ts_event": int(msg["T"]) * NS_PER_MS,
            "ts_recv": local_ns,
            "trade_id": int(msg["i"]),
            "price": float(msg["p"]),
            "size": float(msg["q"]),
            "side": "sell" if msg["S"] == "sell" else "buy",
        }
    except (KeyError, TypeError, ValueError) as exc:
        rows.reject("malformed", line_no, f"trades message without {exc}")
        return
    rows.add("trades", row)
