"""Order entry and response delays: the latency model applied to the order path.

Entry (local to exchange) and response (exchange to local) are one-way delays drawn from
the same model as the feed, each from its own keyed stream (``ORDER_ENTRY``,
``ORDER_RESPONSE``), so they are independent of the feed's delays and of each other, and
deterministic per instrument and minute.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aleatoric._seeding import Stream, instrument_key
from aleatoric.latency._model import LatencyModel
from aleatoric.latency._sample import sample_latency_ns

__all__ = ["sample_order_latency"]

I64 = npt.NDArray[np.int64]


def sample_order_latency(
    model: LatencyModel,
    ts: npt.ArrayLike,
    *,
    rate: npt.ArrayLike | None = None,
    seed: int = 0,
    instrument: str = "binance:BTCUSDT",
    origin_ns: int = 0,
) -> tuple[I64, I64]:
    """Return ``(entry_ns, response_ns)`` for orders sent at the times ``ts`` (ns).

    ``rate`` is the message rate (per second) each order meets, which raises delays by the
    model's ``rate_elasticity``; without it the rate is the number of orders in each UTC
    second. ``seed``, ``instrument`` (``venue:symbol``) and ``origin_ns`` (what minute 0
    is; a dataset's start) key the draws: the same arguments give the same delays.
    """
    venue, _, symbol = instrument.partition(":")
    key = instrument_key(venue, symbol)
    entry, response = (
        sample_latency_ns(model, ts, seed=seed, instrument=key, stream=stream,
                          origin_ns=origin_ns, rate=rate)
        for stream in (Stream.ORDER_ENTRY, Stream.ORDER_RESPONSE)
    )  # fmt: skip
    return entry, response
