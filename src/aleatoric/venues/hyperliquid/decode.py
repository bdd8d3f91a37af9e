"""Decode Hyperliquid capture lines into canonical rows (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aleatoric.venues._stream import DecodedRows

__all__ = ["decode_message"]

NS_PER_MS = 1_000_000
NS_PER_HOUR = 3_600_000_000_000


#: One side of a decoded ``l2Book``: ``{price: (size, order count)}``.
Levels = dict[float, tuple[float, int]]


@dataclass
class _DecodeState:
    """The previous ``l2Book`` view per coin: ``{price: (size, count)}`` per side."""

    books: dict[str, tuple[Levels, Levels]] = field(default_factory=dict)


def _state(rows: DecodedRows) -> _DecodeState:
    # Decoder state of one normalization (the previous snapshot), kept on its rows.
    state = rows.state.get("hyperliquid")
    if not isinstance(state, _DecodeState):
        state = rows.state["hyperliquid"] = _DecodeState()
    return state


def _levels(raw: Any) -> Levels:
    return {float(lv["px"]): (float(lv["sz"]), int(lv["n"])) for lv in raw}


def _diff(
    side: str, prev: Levels, cur: Levels,
    levels: list[tuple[str, float, float]], counts: list[int | None],
) -> None:  # fmt: skip
    for p in prev:
        if p not in cur:
            levels.append((side, p, 0.0))
            counts.append(0)
    for p, (q, n) in cur.items():
        if prev.get(p) != (q, n):
            levels.append((side, p, q))
            counts.append(n)


def _book(data: dict[str, Any], local_ns: int, rows: DecodedRows) -> None:
    coin = str(data["coin"])
    ts = int(data["time"]) * NS_PER_MS
    raw = data["levels"]
    bids, asks = _levels(raw[0]), _levels(raw[1])
    books = _state(rows).books
    prev = books.get(coin)
    levels: list[tuple[str, float, float]] = []
    counts: list[int | None] = []
    if prev is None:
        for p, (q, n) in bids.items():
            levels.append(("bid", p, q))
            counts.append(n)
        for p, (q, n) in asks.items():
            levels.append(("ask", p, q))
            counts.append(n)
    else:
        _diff("bid", prev[0], bids, levels, counts)
        _diff("ask", prev[1], asks, levels, counts)
    books[coin] = (bids, asks)
    rows.add_levels(ts, local_ns, levels, snapshot=prev is None, count=counts)


_SIDES = {"A": "sell", "B": "buy"}


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def decode_message(local_ns: int, text: str, line_no: int, rows: DecodedRows) -> None:
    """Decode one Hyperliquid message into canonical rows.

    Parameters
    ----------
    local_ns
        Receive time of the line, ns.
    text
        The raw JSON message.
    line_no
        Line number in the capture, for error reports.
    rows
        Where decoded rows go; also keeps the previous ``l2Book`` view per coin.

    Notes
    -----
    ``l2Book`` snapshots become level changes against the previous snapshot (size 0 for a
    level that left the top 20), the first one flagged ``is_snapshot``. ``trades`` keep the
    venue ``tid`` as ``trade_id``. ``activeAssetCtx`` carries no time: its ticker row is
    stamped 1 ns before receipt, with the next hourly settlement as ``next_funding_ts``.
    ``bbo`` is derived from the book and skipped; other channels count as unknown.
    """
    msg = rows.parse_object(text, line_no)
    if msg is None:
        return
    channel = msg.get("channel")
    try:
        data: Any = msg["data"] if channel in ("l2Book", "trades", "activeAssetCtx") else None
        if channel == "l2Book":
            _book(data, local_ns, rows)
        elif channel == "trades":
            for fill in data:
                rows.add("trades", {
                    "ts_event": int(fill["time"]) * NS_PER_MS, "ts_recv": local_ns,
                    "trade_id": int(fill["tid"]), "price": float(fill["px"]),
                    "size": float(fill["sz"]), "side": _SIDES[fill["side"]],
                })  # fmt: skip
        elif channel == "activeAssetCtx":
            ctx = data["ctx"]
            ts = local_ns - 1
            rows.add("ticker", {
                "ts_event": ts, "ts_recv": local_ns,
                "mark_price": _num(ctx["markPx"]), "index_price": _num(ctx["oraclePx"]),
                "predicted_funding_rate": _num(ctx["funding"]),
                "next_funding_ts": (ts // NS_PER_HOUR + 1) * NS_PER_HOUR,
                "open_interest": _num(ctx["openInterest"]),
            })  # fmt: skip
        elif channel == "bbo":
            return  # derived from the book: the canonical book comes from l2Book
        else:
            rows.reject("unknown", line_no, f"channel {channel!r}")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        rows.reject("malformed", line_no, f"{type(exc).__name__}: {exc}")
