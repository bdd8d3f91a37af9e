"""The rows at a segment's edges: the initial book as a snapshot, and the reconciliation.

The first segment starts with its book as one MBO and one L2 snapshot message. Every segment
ends with the rows that turn its true final book into the next segment's warm-up book (see
:mod:`aleatoric.reactor._driver`), so a reader's book and the next segment's agree exactly.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aleatoric.reactor import dtypes as d
from aleatoric.reactor._state import LiveOrders

__all__ = ["reconcile", "snapshot_rows"]

I64 = npt.NDArray[np.int64]


def snapshot_rows(live: LiveOrders, ts: int) -> I64:
    # The initial book as an MBO snapshot (adds) and an L2 snapshot (levels), one message each.
    mbo_code = d.KIND_MBO | (d.ACTION_ADD << 8)
    rows = [
        (ts, mbo_code | (int(s) << 16) | (d.F_SNAPSHOT << 24), int(i), int(p), int(q), 0)
        for i, s, p, q in zip(live.id, live.side, live.price, live.size, strict=True)
    ]
    if rows:
        last = rows[-1]
        rows[-1] = (last[0], last[1] | (d.F_LAST << 24), *last[2:])
    levels: dict[tuple[int, int], tuple[int, int]] = {}
    for s, p, q in zip(live.side, live.price, live.size, strict=True):
        size, count = levels.get((int(s), int(p)), (0, 0))
        levels[(int(s), int(p))] = (size + int(q), count + 1)
    deltas = [
        (ts, d.KIND_DELTA | (s << 16) | (d.F_SNAPSHOT << 24), 0, p, q, c)
        for (s, p), (q, c) in levels.items()
    ]
    if deltas:
        last = deltas[-1]
        deltas[-1] = (last[0], last[1] | (d.F_LAST << 24), *last[2:])
    return np.asarray(rows + deltas, dtype=np.int64).reshape(-1, 6)


def reconcile(true: LiveOrders, warm: LiveOrders, ts: int) -> I64:
    # Rows that turn the true final book into the next segment's warm-up book. Per level, the
    # common prefix of the two queues stays (with a modify where the size differs); the rest
    # of the true queue is cancelled and the rest of the warm-up queue is added in order, so
    # queue priority matches exactly. Cancels come first, then modifies, then adds: every
    # intermediate book is a subset of one of the two uncrossed books, so never crossed.
    def queues(book: LiveOrders) -> dict[tuple[int, int], list[tuple[int, int]]]:
        out: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for i, s, p, q in zip(book.id, book.side, book.price, book.size, strict=True):
            out.setdefault((int(s), int(p)), []).append((int(i), int(q)))
        return out

    tq, wq = queues(true), queues(warm)
    cancels: list[tuple[int, int, int, int]] = []
    modifies: list[tuple[int, int, int, int]] = []
    adds: list[tuple[int, int, int, int]] = []
    for level in sorted(set(tq) | set(wq)):
        a, b = tq.get(level, []), wq.get(level, [])
        j = 0
        while j < min(len(a), len(b)) and a[j][0] == b[j][0]:
            if a[j][1] != b[j][1]:
                modifies.append((level[0], level[1], b[j][0], b[j][1]))
            j += 1
        cancels += [(level[0], level[1], oid, q) for oid, q in a[j:]]
        adds += [(level[0], level[1], oid, q) for oid, q in b[j:]]
    if not (cancels or modifies or adds):
        return np.empty((0, 6), dtype=np.int64)
    size = {level: sum(q for _, q in orders) for level, orders in tq.items()}
    count = {level: len(orders) for level, orders in tq.items()}
    rows: list[tuple[int, ...]] = []
    for action, items in ((d.ACTION_CANCEL, cancels), (d.ACTION_MODIFY, modifies),
                          (d.ACTION_ADD, adds)):  # fmt: skip
        for side, price, oid, q in items:
            level = (side, price)
            before = {o: s for o, s in tq.get(level, [])}
            if action == d.ACTION_CANCEL:
                size[level] -= q
                count[level] -= 1
            elif action == d.ACTION_MODIFY:
                size[level] += q - before[oid]
            else:
                size[level] = size.get(level, 0) + q
                count[level] = count.get(level, 0) + 1
            rows.append((ts, d.KIND_MBO | (action << 8) | (side << 16), oid, price, q, 0))
            rows.append((ts, d.KIND_DELTA | (side << 16), 0, price, size[level], count[level]))
    out = np.asarray(rows, dtype=np.int64)
    kinds = out[:, d.COL_CODE] & 0xFF
    out[np.flatnonzero(kinds == d.KIND_MBO)[-1], d.COL_CODE] |= d.F_LAST << 24
    out[np.flatnonzero(kinds == d.KIND_DELTA)[-1], d.COL_CODE] |= d.F_LAST << 24
    return out
