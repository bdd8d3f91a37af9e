"""Replay helpers every windowed venue encoder shares: a range-limited L2 replay, windows.

OKX and Bybit publish the changes of a depth view per time window; both replay the canonical
book over the occupied price range (:class:`RangeReplay`) and group the view's changes by
window (:func:`by_window`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aleatoric.venues._book import L2Replay, ViewChanges

__all__ = ["RangeReplay", "by_window"]

I64 = npt.NDArray[np.int64]


class RangeReplay(L2Replay):
    """An :class:`L2Replay` that replays over the occupied price range only, in chunks.

    The shared kernel scans the book from the touch outwards until it has ``depth`` levels; a
    side with fewer levels than that (an OKX book of 250 levels against a 400-level view) makes
    every scan walk the whole 2**21-level array. Here each call hands the kernel a slice of the
    level arrays that covers the book and the call's rows, so a scan stops at the book's end.
    """

    def __init__(self, first_price: int, depth: int) -> None:
        super().__init__(first_price, depth)
        self.extent = (-1, -1)  # lowest and highest occupied level (-1: empty book)

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
        """Apply rows window by window, as :meth:`L2Replay.run`, on the occupied range."""
        rows = int(bounds[-1]) if bounds.size else 0
        levels = self.lv_sz.shape[1]
        lo, hi = self.extent
        if rows:
            lo_row = int(price[:rows].min()) - self.base
            hi_row = int(price[:rows].max()) - self.base
            lo = lo_row if lo < 0 else min(lo, lo_row)
            hi = max(hi, hi_row)
        lo, hi = max(lo - 1, 0), min(hi + 2, levels)
        full_sz, full_ct, base, best = self.lv_sz, self.lv_ct, self.base, self.best
        self.lv_sz, self.lv_ct, self.base = full_sz[:, lo:hi], full_ct[:, lo:hi], base + lo
        self.best = np.where(best >= 0, best - lo, -1)
        try:
            out = super().run(side, price, size, count, bounds, snapshot_windows, snapshot_depth)
            occupied = np.flatnonzero((self.lv_sz[0] > 0) | (self.lv_sz[1] > 0))
        finally:
            inner = self.best
            self.lv_sz, self.lv_ct, self.base = full_sz, full_ct, base
            self.best = np.where(inner >= 0, inner + lo, -1)
        if occupied.size:
            self.extent = (lo + int(occupied[0]), lo + int(occupied[-1]))
        else:
            self.extent = (-1, -1)
        return out

    def run_windows(
        self, cols: tuple[I64, I64, I64, I64], ends: I64, start: int, stop: int,
        snapshot_depth: int = 0, chunk: int = 600,
    ) -> tuple[ViewChanges, tuple[I64, I64, I64, I64] | None]:  # fmt: skip
        """Replay windows ``start:stop`` of a day (``ends[w]`` = end row of window ``w``).

        Returns the view changes with day window indices and, with ``snapshot_depth``, the
        top-``snapshot_depth`` view after every one of those windows (prices, sizes, counts
        ``[n, 2, depth]`` and level counts ``[n, 2]``).
        """
        parts: list[ViewChanges] = []
        for a in range(start, stop, chunk):
            b = min(a + chunk, stop)
            r0 = int(ends[a - 1]) if a else 0
            r1 = int(ends[b - 1])
            ch = self.run(
                cols[0][r0:r1], cols[1][r0:r1], cols[2][r0:r1], cols[3][r0:r1], ends[a:b] - r0,
                snapshot_windows=np.arange(b - a, dtype=np.int64) if snapshot_depth else None,
                snapshot_depth=snapshot_depth,
            )  # fmt: skip
            parts.append(ViewChanges(ch.window + a, ch.side, ch.price, ch.size, ch.count,
                                     ch.snapshots))  # fmt: skip

        def cat(name: str) -> I64:
            return np.concatenate([getattr(p, name) for p in parts] + [np.zeros(0, np.int64)])

        none = np.zeros((0, 2, max(snapshot_depth, 1)), dtype=np.int64)
        snaps = (none, none, none, np.zeros((0, 2), dtype=np.int64))
        merged = ViewChanges(
            cat("window"), cat("side"), cat("price"), cat("size"), cat("count"), snaps
        )
        if not snapshot_depth:
            return merged, None
        views = tuple(
            np.concatenate([p.snapshots[i] for p in parts] + [snaps[i]]) for i in range(4)
        )
        return merged, (views[0], views[1], views[2], views[3])


def by_window(ch: ViewChanges) -> tuple[I64, list[int], list[int], list[int]]:
    """Return the windows with changes and, per window, where its bids, asks and end start."""
    w = ch.window  # sorted
    wins = w[np.flatnonzero(np.diff(w, prepend=-1))] if w.size else w
    lo = np.searchsorted(w, wins)
    mid = np.searchsorted(w * 2 + ch.side, wins * 2 + 1)
    hi = np.searchsorted(w, wins, side="right")
    return wins, lo.tolist(), mid.tolist(), hi.tolist()
