"""Liquidation streams: a cascade's ``liquidations`` table in each venue's own format.

Each venue samples its public liquidation stream; the messages follow its documented rules:

- Binance ``<symbol>@forceOrder``: "only the latest one liquidation order within 1000ms"
  per symbol is pushed; a forced order is a ``SELL`` ``LIMIT`` ``IOC`` order, ``q`` and ``z``
  its filled size, ``ap`` its average price (``p``, the order's price, is not in the table and
  is given as the average too), ``X`` ``FILLED``;
- Bybit ``allLiquidation.<symbol>``: pushed every 500 ms with every liquidation of the window
  in ``data``; ``S`` is the side of the liquidated position (``Buy``: a long was liquidated);
- OKX ``liquidation-orders`` (``instType`` ``SWAP``): one message per instrument and second
  with the latest order, ``sz`` in contracts, ``side`` ``sell`` and ``posSide`` ``long``,
  ``bkPx`` the average price (the bankruptcy price is not modelled), ``bkLoss`` ``0``.

Hyperliquid has no public liquidation stream (liquidations show only as trades), so its
captures carry none. Times are the exchange's; local times add the config's latency.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aleatoric.venues._inputs import DayInput

__all__ = ["binance_liquidations", "bybit_liquidations", "okx_liquidations"]

I64 = npt.NDArray[np.int64]
NS_PER_MS = 1_000_000


def _times(day: DayInput) -> I64:
    return np.asarray(day.liquidations["ts"], dtype=np.int64)


def _latest_per(ts: I64, width_ns: int) -> I64:
    # The index of the last row of every ``width_ns`` bucket that has one.
    bucket = ts // width_ns
    return np.flatnonzero(np.append(bucket[1:] != bucket[:-1], True))


def _text(value: float, places: int) -> str:
    return f"{value:.{places}f}"


def binance_liquidations(day: DayInput) -> tuple[I64, list[str]]:
    """Return local times and ``forceOrder`` messages of the day's liquidations."""
    liq, inst = day.liquidations, day.instrument
    if not liq["ts"].size:
        return np.zeros(0, np.int64), []
    pp, sp = inst.price_precision, inst.size_precision
    sym = inst.symbol
    keep = _latest_per(_times(day), 1_000_000_000)
    texts = []
    for i in keep.tolist():
        ms = int(liq["ts"][i]) // NS_PER_MS
        px, q = _text(float(liq["price"][i]), pp), _text(float(liq["size"][i]), sp)
        texts.append(
            f'{{"stream":"{sym.lower()}@forceOrder","data":{{"e":"forceOrder","E":{ms},'
            f'"o":{{"s":"{sym}","S":"SELL","o":"LIMIT","f":"IOC","q":"{q}","p":"{px}",'
            f'"ap":"{px}","X":"FILLED","l":"{q}","z":"{q}","T":{ms}}}}}}}'
        )
    return _times(day)[keep] + day.config.latency, texts


def bybit_liquidations(day: DayInput) -> tuple[I64, list[str]]:
    """Return local times and ``allLiquidation`` messages (every 500 ms) of the day."""
    liq, inst = day.liquidations, day.instrument
    if not liq["ts"].size:
        return np.zeros(0, np.int64), []
    pp, sp = inst.price_precision, inst.size_precision
    width = 500_000_000
    bucket = _times(day) // width
    ends = np.flatnonzero(np.append(bucket[1:] != bucket[:-1], True)) + 1
    starts = np.concatenate([[0], ends[:-1]])
    push = (bucket[ends - 1] + 1) * width
    texts = []
    for lo, hi, at in zip(starts.tolist(), ends.tolist(), push.tolist(), strict=True):
        data = ",".join(
            f'{{"T":{int(liq["ts"][i]) // NS_PER_MS},"s":"{inst.symbol}","S":"Buy",'
            f'"v":"{_text(float(liq["size"][i]), sp)}","p":"{_text(float(liq["price"][i]), pp)}"}}'
            for i in range(lo, hi)
        )
        texts.append(
            f'{{"topic":"allLiquidation.{inst.symbol}","type":"snapshot",'
            f'"ts":{at // NS_PER_MS},"data":[{data}]}}'
        )
    return push + day.config.latency, texts


def okx_liquidations(day: DayInput) -> tuple[I64, list[str]]:
    """Return local times and ``liquidation-orders`` messages of the day's liquidations."""
    liq, inst = day.liquidations, day.instrument
    if not liq["ts"].size:
        return np.zeros(0, np.int64), []
    cv = float(inst.contract_value)
    pp = inst.price_precision
    family = inst.symbol.removesuffix("-SWAP")
    keep = _latest_per(_times(day), 1_000_000_000)
    texts = []
    for i in keep.tolist():
        ms = int(liq["ts"][i]) // NS_PER_MS
        contracts = f"{round(float(liq['size'][i]) / cv, 8):g}"
        texts.append(
            '{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[{'
            f'"bkLoss":"0","bkPx":"{_text(float(liq["price"][i]), pp)}","ccy":"",'
            f'"posSide":"long","side":"sell","sz":"{contracts}","ts":"{ms}"}}],'
            f'"instFamily":"{family}","instId":"{inst.symbol}","instType":"SWAP",'
            f'"uly":"{family}"}}]}}'
        )
    return _times(day)[keep] + day.config.latency, texts
