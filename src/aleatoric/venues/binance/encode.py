"""Binance USD-M futures: public market-data messages as the 2026 feed sends them.

Streams (combined-stream wrapper ``{"stream": ..., "data": ...}``):

- ``<sym>@depth@100ms``: ``depthUpdate`` diffs, every level changed in a 100 ms window, with
  ``U`` (first update id), ``u`` (last) and ``pu`` (previous message's ``u``); deletions are
  ``"0.000"`` padded to the quantity precision;
- a REST ``/fapi/v1/depth`` snapshot line (no ``stream`` key) at the start of every file, with
  ``lastUpdateId`` inside the first diff's ``[U, u]`` so the official sync procedure applies;
- ``<sym>@trade`` (every fill, ``X`` = ``MARKET``), ``<sym>@aggTrade`` (fills of one taker
  order at one price), ``<sym>@markPrice@1s``, ``<sym>@bookTicker``.

Update ids are canonical ``seq`` values, so they increase with gaps, as on the venue. A real
frame for reference::

    {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1660228023977,
     "T":1660228023966,"s":"BTCUSDT","U":1801732832805,"u":1801732834115,
     "pu":1801732832589,"b":[["2467.10","0.008"]],"a":[["24671.00","20.642"]]}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aleatoric.venues._book import L2Replay
from aleatoric.venues._format import Formatter, fixed
from aleatoric.venues._inputs import DayInput
from aleatoric.venues._levels import NumberStyle, level_text, row_text
from aleatoric.venues._liquidations import binance_liquidations
from aleatoric.venues._registry import register_venue
from aleatoric.venues._stream import Messages, depth_windows, last_per_level
from aleatoric.venues.binance.decode import decode_message
from aleatoric.venues.binance.frames import BinanceDepthContinuity, BinanceSnapshotBridge

__all__ = ["VENUE", "Encoder"]

VENUE = "binance"
WINDOW_NS = 100_000_000
NS_PER_MS = 1_000_000
REST_DEPTH = 1000


@register_venue(
    "binance",
    decode=decode_message,
    frame_rules=(BinanceDepthContinuity, BinanceSnapshotBridge),
    # Depth is published per 100 ms window: a trade can print at a level the window's final
    # state no longer shows; diffs may delete levels a local book does not hold.
    not_checked=("delete_of_absent_level", "trade_inside_touch"),
)
@dataclass
class Encoder:
    """Encode canonical days into Binance messages; state carries ids across days."""

    replay: L2Replay | None = None
    prev_u: int = -1
    agg_id: int = 0
    last_top: tuple[int, int, int, int] = (-1, -1, -1, -1)
    stats: dict[str, int] = field(default_factory=dict)

    def encode(self, day: DayInput) -> Messages:
        """Return the day's messages (all streams, merged by local time)."""
        inst = day.instrument
        pg, sg = inst.price_grid, inst.size_grid
        pp, sp = inst.price_precision, inst.size_precision
        sym = inst.symbol
        low = sym.lower()
        latency = day.config.latency
        out = Messages()

        px = Formatter(pg, "fixed", pp)
        qty = Formatter(sg, "fixed", sp)

        # Depth diffs and the REST snapshot.
        d = day.delta
        if d["ts"].size:
            if self.replay is None:
                self.replay = L2Replay(int(d["price"][0]), depth=1)
            ids, ends, end_ns = depth_windows(d["ts"], WINDOW_NS)
            changes = self.replay.run(
                d["side"], d["price"], d["size"], d["count"], ends,
                snapshot_windows=np.array([0]), snapshot_depth=REST_DEPTH,
            )  # fmt: skip
            starts = np.concatenate([[0], ends[:-1]])
            wid = np.repeat(np.arange(ids.size), ends - starts)
            last = last_per_level(wid, d["side"], d["price"])
            lw, ls = wid[last], d["side"][last]
            levels = level_text(
                '["{px}","{sz}"]', d["price"][last], d["size"][last],
                NumberStyle(pg, "fixed", pp), NumberStyle(sg, "fixed", sp),
            )  # fmt: skip
            lo = np.searchsorted(lw, np.arange(ids.size))
            mid = np.searchsorted(lw * 2 + ls, np.arange(ids.size) * 2 + 1)
            hi = np.searchsorted(lw, np.arange(1, ids.size + 1))
            us = d["seq"][ends - 1]
            first_seqs = d["seq"][starts]
            # pu: the previous message's u (the first ever: its own first id - 1).
            prev = self.prev_u if self.prev_u >= 0 else max(int(first_seqs[0]) - 1, 0)
            pus = np.concatenate([[prev], us[:-1]])
            e_ms = end_ns // NS_PER_MS
            t_ms = d["ts"][ends - 1] // NS_PER_MS
            texts = row_text(
                '{"stream":"' + low + '@depth@100ms","data":{"e":"depthUpdate","E":{E},"T":{T},'
                '"s":"' + sym + '","U":{U},"u":{u},"pu":{pu},"b":[{b}],"a":[{a}]}}',
                {
                    "E": (e_ms,), "T": (t_ms,), "U": (first_seqs,), "u": (us,), "pu": (pus,),
                    "b": levels.run(lo, mid), "a": levels.run(mid, hi),
                },
            )  # fmt: skip
            self.prev_u = int(us[-1])
            out.add(end_ns + latency, texts, priority=0)
            # The REST snapshot 1 ns after the first diff (the next diff is 100 ms later).
            snapshot = self._rest_snapshot(changes.snapshots, int(us[0]), int(e_ms[0]),
                                           int(t_ms[0]), px, qty)  # fmt: skip
            out.add([int(end_ns[0]) + latency + 1], [snapshot], priority=0)
            self._book_ticker(out, changes, ids, d, end_ns, latency, sym, low, px, qty)

        self._trades(out, day, sym, low, px, qty, latency)
        self._mark(out, day, sym, low, latency)
        out.add(*binance_liquidations(day), priority=5)
        return out

    def _rest_snapshot(self, snaps: Any, u: int, e_ms: int, t_ms: int, px: Any, qty: Any) -> str:
        s_px, s_sz, _, s_n = snaps
        sides = []
        for s in (0, 1):
            n = int(s_n[0, s])
            sides.append(",".join(
                f'["{px[int(s_px[0, s, i])]}","{qty[int(s_sz[0, s, i])]}"]' for i in range(n)
            ))  # fmt: skip
        return (
            f'{{"lastUpdateId":{u},"E":{e_ms},"T":{t_ms},"bids":[{sides[0]}],"asks":[{sides[1]}]}}'
        )

    def _book_ticker(
        self, out: Messages, changes: Any, ids: Any, d: Any, end_ns: Any, latency: int,
        sym: str, low: str, px: Any, qty: Any,
    ) -> None:  # fmt: skip
        # The best level after each window whose top changed: the depth-1 view changes give,
        # per window and side, at most one level entering the top (size > 0).
        n_w = ids.size
        top = np.full((n_w + 1, 4), -1, dtype=np.int64)
        top[0] = self.last_top
        enter = changes.size > 0
        for s in (0, 1):
            sel = enter & (changes.side == s)
            w = changes.window[sel] + 1
            top[w, 2 * s] = changes.price[sel]
            top[w, 2 * s + 1] = changes.size[sel]
        # Forward-fill windows where a side did not change.
        for c in range(4):
            col = top[:, c]
            idx = np.where(col >= 0, np.arange(n_w + 1), 0)
            np.maximum.accumulate(idx, out=idx)
            top[:, c] = col[idx]
        changed = np.any(top[1:] != top[:-1], axis=1) & np.all(top[1:] >= 0, axis=1)
        last_row = np.searchsorted(d["ts"], end_ns, side="left") - 1
        rows = np.flatnonzero(changed)
        tops = top[rows + 1]
        last = last_row[rows]
        pxs, qtys = (
            NumberStyle(px.grid, "fixed", px.places),
            NumberStyle(qty.grid, "fixed", qty.places),
        )
        texts = row_text(
            '{"stream":"' + low + '@bookTicker","data":{"e":"bookTicker","u":{u},"s":"' + sym
            + '","b":"{b}","B":"{B}","a":"{a}","A":"{A}","T":{T},"E":{E}}}',
            {
                "u": (d["seq"][last],), "b": (tops[:, 0], pxs), "B": (tops[:, 1], qtys),
                "a": (tops[:, 2], pxs), "A": (tops[:, 3], qtys),
                "T": (d["ts"][last] // NS_PER_MS,), "E": (end_ns[rows] // NS_PER_MS,),
            },
        )  # fmt: skip
        out.add(end_ns[rows] + latency, texts, priority=1)
        final = top[-1]
        self.last_top = (int(final[0]), int(final[1]), int(final[2]), int(final[3]))

    def _trades(
        self, out: Messages, day: DayInput, sym: str, low: str, px: Any, qty: Any, latency: int
    ) -> None:
        t = day.trades
        n = t["ts"].size
        if not n:
            return
        ms = t["ts"] // NS_PER_MS
        pxs, qtys = (
            NumberStyle(px.grid, "fixed", px.places),
            NumberStyle(qty.grid, "fixed", qty.places),
        )
        maker_buy = ("false", "true")
        texts = row_text(
            '{"stream":"' + low + '@trade","data":{"e":"trade","E":{E},"T":{T},"s":"' + sym
            + '","t":{t},"p":"{p}","q":"{q}","X":"MARKET","m":{m},"st":1}}',
            {
                "E": (ms,), "T": (ms,), "t": (t["trade_id"],), "p": (t["price"], pxs),
                "q": (t["size"], qtys), "m": (t["side"] == 1, maker_buy),
            },
        )  # fmt: skip
        out.add(t["ts"] + latency, texts, priority=2)

        # aggTrade: consecutive fills of one taker order at one price (same instant and side).
        key_change = np.ones(n, dtype=bool)
        key_change[1:] = (
            (t["ts"][1:] != t["ts"][:-1])
            | (t["side"][1:] != t["side"][:-1])
            | (t["price"][1:] != t["price"][:-1])
        )
        starts = np.flatnonzero(key_change)
        ends = np.concatenate([starts[1:], [n]])
        sums = np.add.reduceat(t["size"], starts)
        agg_ids = self.agg_id + 1 + np.arange(starts.size, dtype=np.int64)
        self.agg_id += int(starts.size)
        agg_texts = row_text(
            '{"stream":"' + low + '@aggTrade","data":{"e":"aggTrade","E":{E},"a":{a},"s":"'
            + sym + '","p":"{p}","q":"{q}","nq":"{nq}","f":{f},"l":{l},"T":{T},"m":{m}}}',
            {
                "E": (ms[starts],), "a": (agg_ids,), "p": (t["price"][starts], pxs),
                "q": (sums, qtys), "nq": (sums, qtys), "f": (t["trade_id"][starts],),
                "l": (t["trade_id"][ends - 1],), "T": (ms[starts],),
                "m": (t["side"][starts] == 1, maker_buy),
            },
        )  # fmt: skip
        out.add(t["ts"][starts] + latency, agg_texts, priority=3)

    def _mark(self, out: Messages, day: DayInput, sym: str, low: str, latency: int) -> None:
        k = day.ticker
        if not k["ts"].size:
            return
        pg = day.instrument.price_grid
        texts = []
        for i in range(k["ts"].size):
            mark = fixed(int(k["mark"][i]), pg, 8)
            index = fixed(int(k["index"][i]), pg, 8)
            texts.append(
                f'{{"stream":"{low}@markPrice@1s","data":{{"e":"markPriceUpdate",'
                f'"E":{int(k["ts"][i]) // NS_PER_MS},"s":"{sym}","p":"{mark}","P":"{index}",'
                f'"i":"{index}","r":"{float(k["predicted"][i]):.8f}",'
                f'"T":{int(k["next_ts"][i]) // NS_PER_MS}}}}}'
            )
        out.add(np.asarray(k["ts"]) + latency, texts, priority=4)
