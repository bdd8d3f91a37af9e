"""Hyperliquid trade ids (``tid``): a keyed bijection of canonical trade ids, and back."""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

__all__ = ["tid_of", "trade_id_of"]

U64 = npt.NDArray[np.uint64]


# tid: a bijection of the 50-bit integers (real tids are below 2**50). The canonical trade id
# takes the low 40 bits and a 10-bit salt of the coin the next 10, so coins with different
# salts (BTC and ETH do differ) never share a tid.
_TID_BITS = 50
_TID_MASK = (1 << _TID_BITS) - 1
_ID_BITS = 40
_MUL_A = 0x2545F4914F6CD & _TID_MASK | 1
_MUL_B = 0x3C6EF372FE94F & _TID_MASK | 1
_INV_A = pow(_MUL_A, -1, 1 << _TID_BITS)
_INV_B = pow(_MUL_B, -1, 1 << _TID_BITS)
_SHIFT = 25  # 2 * 25 >= 50: x ^ (x >> 25) is its own inverse


def _coin_salt(coin: str) -> int:
    return int.from_bytes(hashlib.sha256(coin.encode()).digest()[:2], "big") & 0x3FF


def tid_of(trade_id: npt.ArrayLike, coin: str) -> U64:
    """Return the wire ``tid`` of canonical trade ids of ``coin``.

    Parameters
    ----------
    trade_id
        Canonical trade ids (below 2**40).
    coin
        The coin (``"BTC"``); its salt keeps tids of different coins apart.

    Returns
    -------
    numpy.ndarray
        The tids, below 2**50, scattered like the venue's.

    Raises
    ------
    ValueError
        If a trade id does not fit in 40 bits.
    """
    ids = np.array(trade_id, dtype=np.uint64, ndmin=1)
    if ids.size and int(ids.max()) >> _ID_BITS:
        raise ValueError("trade ids must be below 2**40 to map to Hyperliquid tids")
    x = ids | np.uint64(_coin_salt(coin) << _ID_BITS)
    mask, shift = np.uint64(_TID_MASK), np.uint64(_SHIFT)
    x = (x * np.uint64(_MUL_A)) & mask
    x ^= x >> shift
    x = (x * np.uint64(_MUL_B)) & mask
    x ^= x >> shift
    return x


def trade_id_of(tid: npt.ArrayLike, coin: str) -> U64:
    """Return the canonical trade ids that :func:`tid_of` mapped to ``tid``.

    Parameters
    ----------
    tid
        Wire tids produced by :func:`tid_of` for ``coin``.
    coin
        The coin the tids belong to.

    Returns
    -------
    numpy.ndarray
        The canonical trade ids.
    """
    x = np.array(tid, dtype=np.uint64, ndmin=1) & np.uint64(_TID_MASK)
    mask, shift = np.uint64(_TID_MASK), np.uint64(_SHIFT)
    x ^= x >> shift
    x = (x * np.uint64(_INV_B)) & mask
    x ^= x >> shift
    x = (x * np.uint64(_INV_A)) & mask
    return x & np.uint64((1 << _ID_BITS) - 1)
