"""Replay L2 price-level changes (``book_delta``) into the series the tick-level facts need.

A day of a busy perpetual is tens of millions of level changes, so the replay streams them file
by file through one Numba kernel that keeps the book as two dense size arrays indexed by price
tick and never materialises the event-level book. It writes three small outputs:

- a fixed time grid (100 ms): best prices and sizes and the depth of the ten best non-empty
  levels per side, as they stood at the end of each interval;
- the Cont-Kukanov-Stoikov order-flow imbalance at the best level, summed per second;
- every change of the best bid or ask price (time, bid, ask), so the mid just before a trade
  can be found exactly.

The book is read only after a row flagged ``is_last`` (the end of a venue message), where it
is consistent; a side without levels, or a crossed book, is invalid at that point.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

__all__ = [
    "DEPTH_LEVELS",
    "FULL_LEVELS",
    "N_STATE",
    "ST_CROSSED",
    "ST_EMPTY",
    "ST_FEWEST",
    "ST_MESSAGES",
    "ST_SHALLOW",
    "finish_grid",
    "new_state",
    "replay",
]

#: Levels counted in the top-of-book depth (non-empty levels, not ticks).
DEPTH_LEVELS = 10
#: Levels a side must hold for a full book: the depth every venue feed of a BTC perpetual
#: shows in full (20 on Binance and Hyperliquid, more on Bybit and OKX).
FULL_LEVELS = 20
# Integer state slots.
ST_BEST_BID = 0  # price index of the best bid, -1 when the side is empty
ST_BEST_ASK = 1  # price index of the best ask, n when the side is empty
ST_N_BID = 2  # non-empty bid levels
ST_N_ASK = 3
ST_NEXT_GRID = 4  # next grid interval to write
ST_TOP_BID = 5  # best bid at the last message end (-1 empty)
ST_TOP_ASK = 6  # best ask at the last message end (n empty)
ST_MESSAGES = 7  # message ends at or after the grid start
ST_EMPTY = 8  # of which with an empty side
ST_CROSSED = 9  # of which crossed (best bid >= best ask)
ST_SHALLOW = 10  # of which with fewer than FULL_LEVELS levels on a side
ST_FEWEST = 11  # fewest levels on a side at a message end
N_STATE = 12
# Float state slots: sizes at the best levels at the last message end.
SF_TOP_BID_SZ = 0
SF_TOP_ASK_SZ = 1

MAX_SCAN = 1_000_000


def new_state(n_prices: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Return the scalar state of an empty book over ``n_prices`` price ticks."""
    si = np.zeros(N_STATE, dtype=np.int64)
    si[ST_BEST_BID] = si[ST_TOP_BID] = -1
    si[ST_BEST_ASK] = si[ST_TOP_ASK] = n_prices
    si[ST_FEWEST] = 2**62
    return si, np.zeros(2, dtype=np.float64)


@nb.njit(cache=True)
def _depth(sizes, best, step, n):  # type: ignore[no-untyped-def]  # pragma: no cover
    total = 0.0
    found = 0
    i = best
    scanned = 0
    while 0 <= i < n and found < DEPTH_LEVELS and scanned < MAX_SCAN:
        if sizes[i] > 0.0:
            total += sizes[i]
            found += 1
        i += step
        scanned += 1
    return total


@nb.njit(cache=True)
def _write_grid(si, sf, bids, asks, grid_start, grid_ns, g_out, until_ts):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Write every grid interval that ends at or before ``until_ts`` from the book as it stood
    # at the last message end (the arrays hold that book when this runs).
    n = bids.size
    n_grid = g_out.shape[0]
    k = si[ST_NEXT_GRID]
    if k >= n_grid or grid_start + (k + 1) * grid_ns > until_ts:
        return
    b, a = si[ST_TOP_BID], si[ST_TOP_ASK]
    valid = b >= 0 and a < n and b < a
    db = _depth(bids, b, -1, n) if valid else np.nan
    da = _depth(asks, a, 1, n) if valid else np.nan
    while k < n_grid and grid_start + (k + 1) * grid_ns <= until_ts:
        if valid:
            g_out[k, 0] = b
            g_out[k, 1] = a
            g_out[k, 2] = sf[SF_TOP_BID_SZ]
            g_out[k, 3] = sf[SF_TOP_ASK_SZ]
            g_out[k, 4] = db
            g_out[k, 5] = da
        else:
            for c in range(6):
                g_out[k, c] = np.nan
        k += 1
    si[ST_NEXT_GRID] = k


@nb.njit(cache=True)
def replay(  # type: ignore[no-untyped-def]  # pragma: no cover
    ts, is_ask, idx, size, is_last, bids, asks, si, sf,
    grid_start, grid_ns, g_out, ofi, ch_ts, ch_px,
):  # fmt: skip
    """Apply level changes in order; return how many best-price changes were written.

    ``idx`` is the price in ticks above the array origin (rows outside the array are skipped);
    ``g_out[k]`` gets best bid index, best ask index, their sizes, and the depth of the ten
    best levels per side for grid interval ``k``; ``ofi[s]`` accumulates the best-level OFI of
    second ``s`` from ``grid_start``; ``ch_ts``/``ch_px`` (capacity at least the row count)
    get each change of the best prices.
    """
    n = bids.size
    n_ofi = ofi.size
    n_ch = 0
    for r in range(ts.size):
        t = ts[r]
        _write_grid(si, sf, bids, asks, grid_start, grid_ns, g_out, t)
        i = idx[r]
        if 0 <= i < n:
            s = size[r]
            if is_ask[r]:
                old = asks[i]
                asks[i] = s
                if s > 0.0 and old <= 0.0:
                    si[ST_N_ASK] += 1
                elif s <= 0.0 and old > 0.0:
                    si[ST_N_ASK] -= 1
                if s > 0.0 and i < si[ST_BEST_ASK]:
                    si[ST_BEST_ASK] = i
                elif s <= 0.0 and i == si[ST_BEST_ASK]:
                    j = n
                    if si[ST_N_ASK] > 0:
                        j = i + 1
                        while j < n and asks[j] <= 0.0:
                            j += 1
                    si[ST_BEST_ASK] = j
            else:
                old = bids[i]
                bids[i] = s
                if s > 0.0 and old <= 0.0:
                    si[ST_N_BID] += 1
                elif s <= 0.0 and old > 0.0:
                    si[ST_N_BID] -= 1
                if s > 0.0 and i > si[ST_BEST_BID]:
                    si[ST_BEST_BID] = i
                elif s <= 0.0 and i == si[ST_BEST_BID]:
                    j = -1
                    if si[ST_N_BID] > 0:
                        j = i - 1
                        while j >= 0 and bids[j] <= 0.0:
                            j -= 1
                    si[ST_BEST_BID] = j
        if not is_last[r]:
            continue
        b, a = si[ST_BEST_BID], si[ST_BEST_ASK]
        qb = bids[b] if b >= 0 else 0.0
        qa = asks[a] if a < n else 0.0
        pb, pa = si[ST_TOP_BID], si[ST_TOP_ASK]
        qb0, qa0 = sf[SF_TOP_BID_SZ], sf[SF_TOP_ASK_SZ]
        valid = b >= 0 and a < n and b < a
        if t >= grid_start:
            si[ST_MESSAGES] += 1
            if b < 0 or a >= n:
                si[ST_EMPTY] += 1
            elif b >= a:
                si[ST_CROSSED] += 1
            fewest = min(si[ST_N_BID], si[ST_N_ASK])
            if fewest < FULL_LEVELS:
                si[ST_SHALLOW] += 1
            if fewest < si[ST_FEWEST]:
                si[ST_FEWEST] = fewest
        was_valid = pb >= 0 and pa < n and pb < pa
        if valid and was_valid:
            sec = (t - grid_start) // 1_000_000_000
            if 0 <= sec < n_ofi:
                e = 0.0
                if b >= pb:
                    e += qb
                if b <= pb:
                    e -= qb0
                if a <= pa:
                    e -= qa
                if a >= pa:
                    e += qa0
                ofi[sec] += e
        if b != pb or a != pa:
            ch_ts[n_ch] = t
            ch_px[n_ch, 0] = b if valid else -1
            ch_px[n_ch, 1] = a if valid else -1
            n_ch += 1
        si[ST_TOP_BID], si[ST_TOP_ASK] = b, a
        sf[SF_TOP_BID_SZ], sf[SF_TOP_ASK_SZ] = qb, qa
    return n_ch


def finish_grid(
    si: npt.NDArray[np.int64],
    sf: npt.NDArray[np.float64],
    bids: npt.NDArray[np.float64],
    asks: npt.NDArray[np.float64],
    grid_start: int,
    grid_ns: int,
    g_out: npt.NDArray[np.float64],
) -> None:
    """Write the remaining grid intervals from the final book (it holds until the end)."""
    _write_grid(si, sf, bids, asks, grid_start, grid_ns, g_out, np.int64(2**62))
