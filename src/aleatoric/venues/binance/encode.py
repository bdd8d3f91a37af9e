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
            levels = [
                f'["{px[p]}","{qty[q]}"]'
                for p, q in zip(d["price"][last].tolist(), d["size"][last].tolist(), strict=True)
            ]
            lo = np.searchsorted(lw, np.arange(ids.size))
            mid = np.searchsorted(lw * 2 + ls, np.arange(ids.size) * 2 + 1)
            hi = np.searchsorted(lw, np.arange(1, ids.size + 1))
            texts: list[str] = []
            local: list[int] = []
            for w in range(ids.size):
                bids = ",".join(levels[lo[w] : mid[w]])
                asks = ",".join(levels[mid[w] : hi[w]])
                first_seq = int(d["seq"][starts[w]])
                u = int(d["seq"][ends[w] - 1])
                pu = self.prev_u if self.prev_u >= 0 else max(first_seq - 1, 0)
                t_ms = int(d["ts"][ends[w] - 1]) // NS_PER_MS
                e_ms = int(end_ns[w]) // NS_PER_MS
                texts.append(
                    f'{{"stream":"{low}@depth@100ms","data":{{"e":"depthUpdate","E":{e_ms},'
                    f'"T":{t_ms},"s":"{sym}","U":{first_seq},"u":{u},"pu":{pu},'
                    f'"b":[{bids}],"a":[{asks}]}}}}'
                )
                local.append(int(end_ns[w]) + latency)
                self.prev_u = u
                if w == 0:
                    texts.append(self._rest_snapshot(changes.snapshots, u, e_ms, t_ms, px, qty))
                    local.append(int(end_ns[w]) + latency + 1)
            out.add(local, texts, priority=0)
            self._book_ticker(out, changes, ids, d, end_ns, latency, sym, low, px, qty)

        self._trades(out, day, sym, low, px, qty, latency)
        self._mark(out, day, sym, low, latency)
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
        t_ms = (d["ts"][last_row[rows]] // NS_PER_MS).tolist()
        us = d["seq"][last_row[rows]].tolist()
        e_ms = (end_ns[rows] // NS_PER_MS).tolist()
        tops = top[rows + 1].tolist()
        texts = [
            f'{{"stream":"{low}@bookTicker","data":{{"e":"bookTicker","u":{us[i]},"s":"{sym}",'
            f'"b":"{px[b[0]]}","B":"{qty[b[1]]}","a":"{px[b[2]]}","A":"{qty[b[3]]}",'
            f'"T":{t_ms[i]},"E":{e_ms[i]}}}}}'
            for i, b in enumerate(tops)
        ]
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
        ms = (t["ts"] // NS_PER_MS).tolist()
        ids = t["trade_id"].tolist()
        prices = [px[p] for p in t["price"].tolist()]
        sizes = [qty[q] for q in t["size"].tolist()]
        maker_buy = ["true" if s == 1 else "false" for s in t["side"].tolist()]
        texts = [
            f'{{"stream":"{low}@trade","data":{{"e":"trade","E":{ms[i]},"T":{ms[i]},'
            f'"s":"{sym}","t":{ids[i]},"p":"{prices[i]}","q":"{sizes[i]}","X":"MARKET",'
            f'"m":{maker_buy[i]},"st":1}}}}'
            for i in range(n)
        ]
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
        agg_texts = []
        for j, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            self.agg_id += 1
            q = qty[int(sums[j])]
            agg_texts.append(
                f'{{"stream":"{low}@aggTrade","data":{{"e":"aggTrade","E":{ms[a]},'
                f'"a":{self.agg_id},"s":"{sym}","p":"{prices[a]}","q":"{q}","nq":"{q}",'
                f'"f":{ids[a]},"l":{ids[b - 1]},"T":{ms[a]},"m":{maker_buy[a]}}}}}'
            )
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
