"""The bybit wire format: encoder, decoder, frame rules (registered on import)."""

from aleatoric.venues.bybit._ids import trade_id_from_uuid, trade_uuids
from aleatoric.venues.bybit.decode import decode_message
from aleatoric.venues.bybit.encode import VENUE, Encoder

__all__ = ["VENUE", "Encoder", "decode_message", "trade_id_from_uuid", "trade_uuids"]
