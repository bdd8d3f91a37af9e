"""The hyperliquid wire format: encoder, decoder, frame rules (registered on import)."""

from aleatoric.venues.hyperliquid._ids import tid_of, trade_id_of
from aleatoric.venues.hyperliquid.decode import decode_message
from aleatoric.venues.hyperliquid.encode import VENUE, Encoder

__all__ = ["VENUE", "Encoder", "decode_message", "tid_of", "trade_id_of"]
