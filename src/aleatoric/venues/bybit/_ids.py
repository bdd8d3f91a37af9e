"""Bybit trade ids: canonical trade ids carried inside version-5 UUIDs, and back."""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

__all__ = ["trade_id_from_uuid", "trade_uuid_bytes", "trade_uuids"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


# --- Trade ids -------------------------------------------------------------------------------
#
# Bybit trade ids are version-5 UUIDs. Ours carry the canonical trade id through a keyed 60-bit
# Feistel permutation (so consecutive ids look unrelated) in the UUID's first 60 free bits and a
# 62-bit keyed tag of that cipher text in the rest: a decoder recovers the trade id exactly and
# tells our UUIDs from the venue's (a random UUID passes the tag with probability 2**-62).

_M64 = (1 << 64) - 1
_M30 = (1 << 30) - 1
_M60 = (1 << 60) - 1
_KEY = hashlib.blake2b(b"aleatoric/bybit/trade-id/v1", digest_size=40).digest()
_ROUND_KEYS = tuple(int.from_bytes(_KEY[8 * i : 8 * i + 8], "big") for i in range(4))
_TAG_KEY = int.from_bytes(_KEY[32:40], "big")


def _mix(x: int) -> int:
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _mix_np(x: U64) -> U64:
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return np.asarray(x ^ (x >> np.uint64(31)), dtype=np.uint64)


def trade_uuids(trade_ids: I64) -> list[str]:
    """Return the UUID string Bybit messages carry for each canonical trade id."""
    return [row.tobytes().decode("ascii") for row in trade_uuid_bytes(trade_ids)]


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
#: Where the 32 hex digits go in the 36 characters of a UUID (dashes at 8, 13, 18, 23).
_DIGIT_AT = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


def trade_uuid_bytes(trade_ids: I64) -> npt.NDArray[np.uint8]:
    """Return the UUID texts of :func:`trade_uuids` as ASCII bytes, one row of 36 per id."""
    n = np.asarray(trade_ids, dtype=np.int64)
    if n.size and (n.min() < 0 or n.max() > _M60):
        raise ValueError("trade ids must lie in [0, 2**60)")
    m30 = np.uint64(_M30)
    left = n.astype(np.uint64) >> np.uint64(30)
    right = n.astype(np.uint64) & m30
    for key in _ROUND_KEYS:
        left, right = right, left ^ (_mix_np(right ^ np.uint64(key)) & m30)
    c = (left << np.uint64(30)) | right
    hi = ((c >> np.uint64(12)) << np.uint64(16)) | np.uint64(0x5000) | (c & np.uint64(0xFFF))
    lo = (np.uint64(2) << np.uint64(62)) | (_mix_np(c ^ np.uint64(_TAG_KEY)) >> np.uint64(2))
    raw = np.frombuffer(np.stack([hi, lo], axis=1).astype(">u8").tobytes(), dtype=np.uint8)
    nibbles = np.stack([raw >> 4, raw & 15], axis=1).reshape(-1, 32)
    out = np.full((nibbles.shape[0], 36), ord("-"), dtype=np.uint8)
    out[:, _DIGIT_AT] = _HEX[nibbles]
    return out


def trade_id_from_uuid(text: str) -> int | None:
    """Return the canonical trade id inside one of our UUIDs, or None for any other id."""
    digits = text.replace("-", "")
    if len(digits) != 32:
        return None
    try:
        value = int(digits, 16)
    except ValueError:
        return None
    hi, lo = value >> 64, value & _M64
    if (hi >> 12) & 0xF != 5 or lo >> 62 != 2:
        return None
    c = ((hi >> 16) << 12) | (hi & 0xFFF)
    if _mix(c ^ _TAG_KEY) >> 2 != lo & ((1 << 62) - 1):
        return None
    left, right = c >> 30, c & _M30
    for key in reversed(_ROUND_KEYS):
        left, right = right ^ (_mix(left ^ key) & _M30), left
    return (left << 30) | right
