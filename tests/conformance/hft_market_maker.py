"""Run a real hftbacktest backtest of a simple market maker on an exported folder; print JSON.

Runs where hftbacktest is installed (its own NumPy):
``python hft_market_maker.py EXPORT_DIR LEVEL...`` with ``l2`` (the L2 events, a probabilistic
queue model) and/or ``l3`` (the market-by-order events, hftbacktest's L3 FIFO queue model);
one JSON object per level, as a line, in the order given.
The strategy quotes one lot at the best bid and the best ask (post-only), requotes every
100 ms when the touch moved, and reports its fills, position and the book it saw.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    import numpy as np
    from hftbacktest import GTX, LIMIT, BacktestAsset, HashMapMarketDepthBacktest
    from numba import njit

    root = Path(sys.argv[1])
    (inst,) = json.loads((root / "export.json").read_text())["instruments"]
    tick, lot = float(inst["tick_size"]), float(inst["lot_size"])

    @njit
    def market_maker(hbt, qty):  # type: ignore[no-untyped-def]
        steps = 0
        crossed = 0
        spreads = 0.0
        while hbt.elapse(100_000_000) == 0:
            hbt.clear_inactive_orders(0)
            depth = hbt.depth(0)
            bid_tick, ask_tick = depth.best_bid_tick, depth.best_ask_tick
            if bid_tick >= ask_tick:
                crossed += 1
                continue
            steps += 1
            spreads += (ask_tick - bid_tick) * depth.tick_size
            orders = hbt.orders(0)
            has_bid = False
            has_ask = False
            values = orders.values()
            while values.has_next():
                order = values.get()
                if order.side == 1:  # buy
                    if order.price_tick != bid_tick and order.cancellable:
                        hbt.cancel(0, order.order_id, False)
                    else:
                        has_bid = True
                else:
                    if order.price_tick != ask_tick and order.cancellable:
                        hbt.cancel(0, order.order_id, False)
                    else:
                        has_ask = True
            position = hbt.position(0)
            if not has_bid and position < 10 * qty:
                hbt.submit_buy_order(0, 2 * steps, bid_tick * depth.tick_size, qty, GTX, LIMIT,
                                     False)  # fmt: skip
            if not has_ask and position > -10 * qty:
                hbt.submit_sell_order(0, 2 * steps + 1, ask_tick * depth.tick_size, qty, GTX,
                                      LIMIT, False)  # fmt: skip
        return steps, crossed, spreads

    for level in sys.argv[2:]:
        data = inst["data_l3"] if level == "l3" else inst["data"]
        asset = (
            BacktestAsset()
            .data([str(root / f) for f in data])
            .linear_asset(1.0)
            .intp_order_latency([str(root / inst["order_latency"])])
        )
        asset = asset.l3_fifo_queue_model() if level == "l3" else asset.power_prob_queue_model(2.0)
        asset = (
            asset.no_partial_fill_exchange()
            .trading_value_fee_model(-0.00005, 0.0007)
            .tick_size(tick)
            .lot_size(lot)
            .last_trades_capacity(0)
        )
        hbt = HashMapMarketDepthBacktest([asset])
        steps, crossed, spreads = market_maker(hbt, lot * 10)
        state = hbt.state_values(0)
        depth = hbt.depth(0)
        out = {
            "level": level,
            "steps": int(steps),
            "crossed": int(crossed),
            "mean_spread": float(spreads / max(steps, 1)),
            "num_trades": int(state.num_trades),
            "position": float(state.position),
            "trading_volume": float(state.trading_volume),
            "fee": float(state.fee),
            "best_bid": float(depth.best_bid),
            "best_ask": float(depth.best_ask),
            "events": int(sum(len(np.load(root / f)["data"]) for f in data)),
        }
        hbt.close()
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
