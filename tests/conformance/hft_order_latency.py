"""Run a real hftbacktest backtest with an exported order-latency file; print JSON.

``python hft_order_latency.py EXPORT_DIR``: every second, submit a post-only buy far below
the touch and record when it was sent (local time) and when the exchange took it
(``exch_timestamp`` once the response arrived) and when the response arrived, so the caller
can compare with the file's interpolated entry and response latencies.
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
    def probe(hbt, qty, out):  # type: ignore[no-untyped-def]
        n = 0
        while n < out.shape[0] and hbt.elapse(1_000_000_000) == 0:
            depth = hbt.depth(0)
            if depth.best_bid_tick <= 0:
                continue
            sent = hbt.current_timestamp
            price = (depth.best_bid_tick - 1000) * depth.tick_size
            hbt.submit_buy_order(0, n + 1, price, qty, GTX, LIMIT, True)  # wait for response
            order = hbt.orders(0).get(n + 1)
            if hbt.current_timestamp < order.exch_timestamp:
                break  # the data ended before the order reached the exchange: no answer
            out[n, 0] = sent
            out[n, 1] = order.exch_timestamp
            out[n, 2] = hbt.current_timestamp
            hbt.cancel(0, n + 1, True)
            hbt.clear_inactive_orders(0)
            n += 1
        return n

    asset = (
        BacktestAsset()
        .data([str(root / f) for f in inst["data"]])
        .linear_asset(1.0)
        .intp_order_latency([str(root / inst["order_latency"])])
        .power_prob_queue_model(2.0)
        .no_partial_fill_exchange()
        .trading_value_fee_model(-0.00005, 0.0007)
        .tick_size(tick)
        .lot_size(lot)
        .last_trades_capacity(0)
    )
    hbt = HashMapMarketDepthBacktest([asset])
    out = np.zeros((400, 3), dtype=np.int64)
    n = probe(hbt, lot * 10, out)
    hbt.close()
    print(json.dumps({"orders": out[:n].tolist()}), flush=True)


if __name__ == "__main__":
    main()
