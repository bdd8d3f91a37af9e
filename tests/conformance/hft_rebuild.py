"""Run hftbacktest's converter on a capture and print the book it rebuilds, as JSON.

Runs in an environment where hftbacktest is installed (it pins its own NumPy), so the tests
call it as a subprocess: ``python hft_rebuild.py VENUE CAPTURE TICK LOT``.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    venue, path, tick, lot = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    from hftbacktest.data.utils import binancefutures, bybit, hyperliquid
    from hftbacktest.types import (
        BUY_EVENT,
        DEPTH_CLEAR_EVENT,
        DEPTH_EVENT,
        DEPTH_SNAPSHOT_EVENT,
        SELL_EVENT,
        TRADE_EVENT,
    )

    if venue == "binance":
        events = binancefutures.convert(path, combined_stream=True)
    elif venue == "bybit":
        events = bybit.convert_depth(path)
    elif venue == "hyperliquid":
        events = hyperliquid.convert(path, tick_size=tick, lot_size=lot)
    else:
        raise SystemExit(f"unsupported venue {venue}")

    book: dict[str, dict[float, float]] = {"bid": {}, "ask": {}}
    trades = 0
    kinds = (DEPTH_EVENT, DEPTH_SNAPSHOT_EVENT, DEPTH_CLEAR_EVENT)
    for ev in events:
        flags = int(ev["ev"])
        kind = flags & 0xFF
        side = "bid" if flags & BUY_EVENT else "ask" if flags & SELL_EVENT else None
        if kind == TRADE_EVENT:
            trades += 1
            continue
        if kind not in kinds or side is None:
            continue
        levels = book[side]
        px, qty = round(float(ev["px"]) / tick) * tick, float(ev["qty"])
        if kind == DEPTH_CLEAR_EVENT:
            # Clears the side up to (and including) px; px is the far end of the snapshot.
            for p in [p for p in levels if (p <= px if side == "ask" else p >= px)]:
                del levels[p]
            continue
        if qty == 0:
            levels.pop(px, None)
        else:
            levels[px] = qty
    out = {
        "rows": len(events),
        "trades": trades,
        "bids": sorted(([round(p, 8), q] for p, q in book["bid"].items()), reverse=True),
        "asks": sorted([round(p, 8), q] for p, q in book["ask"].items()),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
