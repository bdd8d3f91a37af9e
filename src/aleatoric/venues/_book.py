"""Replay canonical L2 rows into a price-level book and cut it into venue-sized views.

Venues publish depth as messages over windows (every 100 ms, 20 ms, 0.5 s) and over a limited
number of levels (Bybit 50, OKX 400, Hyperliquid 20). :class:`L2Replay` applies
``book_delta`` rows window by window and returns, per window, the change of the top-N view
(what an ``orderbook.50`` delta carries) and, where asked, the full view (a snapshot). The loop
is compiled; the state persists between calls so a long dataset is processed day by day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

__all__ = ["L2Replay", "ViewChanges"]

LEVELS = 1 << 21
I64 = npt.NDArray[np.int64]


@nb.njit(cache=True)
def _refresh(lv_sz, best, s):  # type: ignore[no-untyped-def]  # pragma: no cover
    lvl = best[s]
    n = lv_sz.shape[1]
    if s == 0:
        while lvl >= 0 and lv_sz[0, lvl] == 0:
            lvl -= 1
    else:
        while lvl < n and lv_sz[1, lvl] == 0:
            lvl += 1
        if lvl >= n:
            lvl = -1
    best[s] = lvl


@nb.njit(cache=True)
def _view(lv_sz, lv_ct, lv_n, best, base, s, depth, px, sz, ct):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Walk out from the touch; stop once every occupied level of the side has been seen.
    k = 0
    lvl = best[s]
    n = lv_sz.shape[1]
    limit = min(depth, lv_n[s])
    while k < limit and 0 <= lvl < n:
        if lv_sz[s, lvl] > 0:
            px[k] = lvl + base
            sz[k] = lv_sz[s, lvl]
            ct[k] = lv_ct[s, lvl]
            k += 1
        lvl = lvl - 1 if s == 0 else lvl + 1
    return k


@nb.njit(cache=True)
def _replay(  # type: ignore[no-untyped-def]  # pragma: no cover
    lv_sz,
    lv_ct,
    lv_n,
    best,
    base,
    side,
    px,
    sz,
    ct,
    bounds,
    depth,
    prev_px,
    prev_sz,
    prev_ct,
    prev_n,
    snap_at,
    snap_px,
    snap_sz,
    snap_ct,
    snap_n,
    out_w,
    out_side,
    out_px,
    out_sz,
    out_ct,
):
    n_out = 0
    row = 0
    n = lv_sz.shape[1]
    sdepth = snap_px.shape[2]
    width = max(depth, sdepth)
    cur_px = np.empty(width, np.int64)
    cur_sz = np.empty(width, np.int64)
    cur_ct = np.empty(width, np.int64)
    # A side none of whose rows in a window reach its (full) top-``depth`` view keeps that
    # view: it is not walked again. A row strictly worse than the last level of a full view
    # can neither enter it nor remove a level of it.
    touched = np.zeros(2, np.bool_)
    # A side whose view holds every level of the book before and after a window (its level
    # count plus the window's rows on it fits in ``depth``) changes exactly at the levels the
    # window touched: those are compared with their state before the window, no walk. The
    # previous-view arrays of such a side are then stale and rebuilt when next needed.
    fast = np.zeros(2, np.bool_)
    stale = np.zeros(2, np.bool_)
    side_rows = np.zeros(2, np.int64)
    stamp = np.full((2, n if depth > 1 else 1), -1, np.int64)
    n_rows = side.shape[0]
    t_lvl = np.empty(n_rows, np.int64)
    t_sz0 = np.empty(n_rows, np.int64)
    t_ct0 = np.empty(n_rows, np.int64)
    t_side = np.empty(n_rows, np.int64)
    for w in range(bounds.shape[0]):
        touched[0] = False
        touched[1] = False
        side_rows[0] = 0
        side_rows[1] = 0
        for r in range(row, bounds[w]):
            side_rows[side[r]] += 1
        for s in range(2):
            fast[s] = depth > 1 and snap_at[w] < 0 and lv_n[s] + side_rows[s] <= depth
            if not fast[s] and stale[s]:
                prev_n[s] = _view(lv_sz, lv_ct, lv_n, best, base, s, depth,
                                  prev_px[s], prev_sz[s], prev_ct[s])  # fmt: skip
                stale[s] = False
        m = 0
        while row < bounds[w]:
            s = side[row]
            if fast[s]:
                lvl = px[row] - base
                if 0 <= lvl < n and stamp[s, lvl] != w:
                    stamp[s, lvl] = w
                    t_side[m] = s
                    t_lvl[m] = lvl
                    t_sz0[m] = lv_sz[s, lvl]
                    t_ct0[m] = lv_ct[s, lvl]
                    m += 1
            elif not touched[s]:
                worst = prev_px[s, depth - 1] if depth > 0 else 0
                if (
                    depth == 0
                    or prev_n[s] < depth
                    or (px[row] >= worst if s == 0 else px[row] <= worst)
                ):
                    touched[s] = True
            lvl = px[row] - base
            if lvl < 0 or lvl >= n:
                return -1
            if lv_sz[s, lvl] == 0 and sz[row] > 0:
                lv_n[s] += 1
            elif lv_sz[s, lvl] > 0 and sz[row] == 0:
                lv_n[s] -= 1
            lv_sz[s, lvl] = sz[row]
            lv_ct[s, lvl] = ct[row]
            if sz[row] > 0:
                if best[s] < 0 or (lvl > best[s] if s == 0 else lvl < best[s]):
                    best[s] = lvl
            elif lvl == best[s]:
                _refresh(lv_sz, best, s)
            row += 1
        j = snap_at[w]
        if depth == 0 and j < 0:
            continue
        for s in range(2):
            if fast[s]:
                n_out = _touched_changes(lv_sz, lv_ct, base, s, w, t_side[:m], t_lvl[:m],
                                         t_sz0[:m], t_ct0[:m], out_w, out_side, out_px,
                                         out_sz, out_ct, n_out)  # fmt: skip
                stale[s] = True
                continue
            if j < 0 and not touched[s]:
                continue
            k_all = _view(
                lv_sz,
                lv_ct,
                lv_n,
                best,
                base,
                s,
                sdepth if j >= 0 and sdepth > depth else depth,
                cur_px,
                cur_sz,
                cur_ct,
            )
            if j >= 0:
                ks = min(k_all, sdepth)
                snap_n[j, s] = ks
                for i in range(ks):
                    snap_px[j, s, i] = cur_px[i]
                    snap_sz[j, s, i] = cur_sz[i]
                    snap_ct[j, s, i] = cur_ct[i]
            if depth == 0:
                continue
            k = min(k_all, depth)
            # Merge the previous and current views (both best-first) into changes.
            a = 0
            b = 0
            pn = prev_n[s]
            while a < pn or b < k:
                if b >= k or (
                    a < pn and (prev_px[s, a] > cur_px[b] if s == 0 else prev_px[s, a] < cur_px[b])
                ):
                    out_w[n_out] = w
                    out_side[n_out] = s
                    out_px[n_out] = prev_px[s, a]
                    out_sz[n_out] = 0
                    out_ct[n_out] = 0
                    n_out += 1
                    a += 1
                elif a >= pn or prev_px[s, a] != cur_px[b]:
                    out_w[n_out] = w
                    out_side[n_out] = s
                    out_px[n_out] = cur_px[b]
                    out_sz[n_out] = cur_sz[b]
                    out_ct[n_out] = cur_ct[b]
                    n_out += 1
                    b += 1
                else:
                    if prev_sz[s, a] != cur_sz[b] or prev_ct[s, a] != cur_ct[b]:
                        out_w[n_out] = w
                        out_side[n_out] = s
                        out_px[n_out] = cur_px[b]
                        out_sz[n_out] = cur_sz[b]
                        out_ct[n_out] = cur_ct[b]
                        n_out += 1
                    a += 1
                    b += 1
            for i in range(k):
                prev_px[s, i] = cur_px[i]
                prev_sz[s, i] = cur_sz[i]
                prev_ct[s, i] = cur_ct[i]
            prev_n[s] = k
    for s in range(2):
        if stale[s]:
            prev_n[s] = _view(lv_sz, lv_ct, lv_n, best, base, s, depth,
                              prev_px[s], prev_sz[s], prev_ct[s])  # fmt: skip
    return n_out


@nb.njit(cache=True)
def _touched_changes(  # type: ignore[no-untyped-def]  # pragma: no cover
    lv_sz, lv_ct, base, s, w, t_side, t_lvl, t_sz0, t_ct0, out_w, out_side, out_px, out_sz,
    out_ct, n_out,
):  # fmt: skip
    # The view changes of side ``s`` in window ``w`` when the view holds the whole side: each
    # touched level whose state differs from before the window, best first, as the merge of
    # the two views would emit them (size 0 and count 0 for a level that left).
    sel = np.flatnonzero(t_side == s)
    lv = t_lvl[sel]
    order = np.argsort(-lv if s == 0 else lv)
    for i in order:
        k = sel[i]
        lvl = t_lvl[k]
        sz0 = t_sz0[k]
        sz1 = lv_sz[s, lvl]
        ct1 = lv_ct[s, lvl]
        if sz0 == 0 and sz1 == 0:
            continue
        if sz0 > 0 and sz1 > 0 and sz0 == sz1 and t_ct0[k] == ct1:
            continue
        out_w[n_out] = w
        out_side[n_out] = s
        out_px[n_out] = lvl + base
        out_sz[n_out] = sz1
        out_ct[n_out] = ct1 if sz1 > 0 else 0
        n_out += 1
    return n_out


@dataclass(frozen=True)
class ViewChanges:
    """Changes of the top-N view, one record per changed level (size 0 = left the view)."""

    window: I64
    side: I64
    price: I64
    size: I64
    count: I64
    snapshots: tuple[I64, I64, I64, I64]  # price, size, count [n, 2, depth]; levels [n, 2]


class L2Replay:
    """A price-level book fed with canonical rows (ticks and lots), window by window."""

    def __init__(self, first_price: int, depth: int) -> None:
        self.base = int(first_price) - LEVELS // 2
        self.depth = depth
        self.lv_sz = np.zeros((2, LEVELS), dtype=np.int64)
        self.lv_ct = np.zeros((2, LEVELS), dtype=np.int64)
        self.best = np.full(2, -1, dtype=np.int64)
        self.lv_n = np.zeros(2, dtype=np.int64)  # occupied levels per side
        d = max(depth, 1)
        self.prev_px = np.zeros((2, d), dtype=np.int64)
        self.prev_sz = np.zeros((2, d), dtype=np.int64)
        self.prev_ct = np.zeros((2, d), dtype=np.int64)
        self.prev_n = np.zeros(2, dtype=np.int64)

    def run(
        self,
        side: I64,
        price: I64,
        size: I64,
        count: I64,
        bounds: I64,
        snapshot_windows: I64 | None = None,
        snapshot_depth: int = 0,
    ) -> ViewChanges:
        """Apply rows window by window (``bounds[w]`` = end row of window ``w``).

        Returns the changes of the top-``depth`` view after each window (none when ``depth``
        is 0) and full top-``snapshot_depth`` views after the windows in ``snapshot_windows``.
        """
        n_w = bounds.shape[0]
        snap_at = np.full(n_w, -1, dtype=np.int64)
        n_snap = 0
        if snapshot_windows is not None and snapshot_windows.size:
            snap_at[snapshot_windows] = np.arange(snapshot_windows.size)
            n_snap = int(snapshot_windows.size)
        sd = max(snapshot_depth, 1)
        snaps = (
            np.zeros((n_snap, 2, sd), dtype=np.int64),
            np.zeros((n_snap, 2, sd), dtype=np.int64),
            np.zeros((n_snap, 2, sd), dtype=np.int64),
            np.zeros((n_snap, 2), dtype=np.int64),
        )
        cap = 2 * side.shape[0] + 2 * max(self.depth, 1) + 16
        out = [np.empty(cap, dtype=np.int64) for _ in range(5)]
        kernel: Any = _replay
        n = kernel(
            self.lv_sz, self.lv_ct, self.lv_n, self.best, self.base, side, price, size, count,
            bounds,
            self.depth, self.prev_px, self.prev_sz, self.prev_ct, self.prev_n, snap_at, *snaps,
            *out,
        )  # fmt: skip
        if n < 0:
            raise ValueError("a price is outside the replay window (+-2**20 ticks)")
        return ViewChanges(out[0][:n], out[1][:n], out[2][:n], out[3][:n], out[4][:n], snaps)
