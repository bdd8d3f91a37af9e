"""The okx wire format: encoder, decoder, frame rules, options (registered on import)."""

from aleatoric.venues.okx.decode import decode_message
from aleatoric.venues.okx.encode import VENUE, Encoder, checksum
from aleatoric.venues.okx.frames import okx_crc32

__all__ = ["VENUE", "Encoder", "checksum", "decode_message", "okx_crc32"]
