"""Encode canonical days as the venue's messages: here, one trade message per canonical trade.

A real venue writes every stream it publishes (book, trades, ticker, funding) in its exact
shape; see ``venues/okx/encode.py`` for a full one. The encoder is a class registered with
:func:`~aleatoric.venues.register_venue`; ``encode(day)`` is called once per UTC day, in
order, on a fresh instance per instrument, so it may keep sequence state between days.
"""

from __future__ import annotations

from dataclasses import dataclass

from aleatoric.venues._format import Formatter
from aleatoric.venues._inputs import DayInput
from aleatoric.venues._registry import register_venue
from aleatoric.venues._stream import Messages
from aleatoric.venues._template.decode import decode_message
from aleatoric.venues._template.frames import TradeIdsIncrease

__all__ = ["VENUE", "Encoder"]

VENUE = "template"
NS_PER_MS = 1_000_000


@register_venue(
    VENUE,
    decode=decode_message,
    frame_rules=(TradeIdsIncrease,),
    # Canonical rules a feed of trades alone cannot be held to (it has no book), if any.
    not_checked=(),
    options=None,  # or the options model, e.g. OkxOptions for okx
)
@dataclass
class Encoder:
    """Writes ``{"ch":"trades","s":...,"T":ms,"i":id,"p":"...","q":"...","S":"buy"}`` lines."""

    def encode(self, day: DayInput) -> Messages:
        """Return the day's messages, each with its local receive time."""
        t = day.trades
        # Prices in ticks and sizes in lots are printed exactly, by integer arithmetic.
        px = Formatter(day.instrument.price_grid, "trimmed")
        sz = Formatter(day.instrument.size_grid, "trimmed")
        prices = [px[p] for p in t["price"].tolist()]
        sizes = [sz[q] for q in t["size"].tolist()]
        sym = day.instrument.symbol
        texts = [
            f'{{"ch":"trades","s":"{sym}","T":{int(ts) // NS_PER_MS},"i":{int(tid)},'
            f'"p":"{p}","q":"{q}","S":"{"sell" if side else "buy"}"}}'
            for ts, tid, p, q, side in zip(
                t["ts"].tolist(),
                t["trade_id"].tolist(),
                prices,
                sizes,
                t["side"].tolist(),
                strict=True,
            )
        ]
        out = Messages()
        out.add(t["ts"] + day.config.latency, texts, priority=0)
        return out
