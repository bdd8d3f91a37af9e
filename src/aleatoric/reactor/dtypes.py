"""Row codes shared by the kernels, the driver and the sinks.

The kernels write rows into an ``int64[n, 6]`` buffer, one row per canonical table row, in
``seq`` order: ``ts_event, code, order_id, price (ticks), size (lots), aux``. ``code`` packs
``kind | action << 8 | side << 16 | flags << 24``.
"""

from __future__ import annotations

__all__ = [
    "ACTION_ADD",
    "ACTION_CANCEL",
    "ACTION_FILL",
    "ACTION_MODIFY",
    "ACTION_TRADE",
    "ASK",
    "BID",
    "COL_AUX",
    "COL_CODE",
    "COL_ORDER_ID",
    "COL_PRICE",
    "COL_SIZE",
    "COL_TS",
    "F_LAST",
    "F_SNAPSHOT",
    "KIND_DELTA",
    "KIND_FUNDING",
    "KIND_MBO",
    "KIND_SNAPSHOT",
    "KIND_TICKER",
    "KIND_TRADE",
    "SIDE_NONE",
]

COL_TS, COL_CODE, COL_ORDER_ID, COL_PRICE, COL_SIZE, COL_AUX = range(6)

#: Row kinds: which canonical table a row belongs to.
KIND_MBO = 1
KIND_DELTA = 2
KIND_TRADE = 3
KIND_SNAPSHOT = 4  #: ``aux`` indexes the segment's snapshot arrays
KIND_TICKER = 5  #: ``aux`` indexes the segment's ticker samples
KIND_FUNDING = 6  #: ``aux`` indexes the segment's funding settlements

#: Sides: of a resting order, a book level, or (trades) the aggressor (BID = buy).
BID = 0
ASK = 1
SIDE_NONE = 2

#: MBO actions, stored as their ASCII letters.
ACTION_ADD = ord("A")
ACTION_CANCEL = ord("C")
ACTION_MODIFY = ord("M")
ACTION_TRADE = ord("T")
ACTION_FILL = ord("F")

#: Flag bits with Databento DBN semantics.
F_LAST = 1 << 7  #: last record of an event (a message) for this instrument
F_SNAPSHOT = 1 << 5  #: record comes from a book snapshot, not a live update
