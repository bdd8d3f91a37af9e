"""The binance wire format: encoder, decoder, frame rules (registered on import)."""

from aleatoric.venues.binance.decode import decode_message
from aleatoric.venues.binance.encode import VENUE, Encoder

__all__ = ["VENUE", "Encoder", "decode_message"]
