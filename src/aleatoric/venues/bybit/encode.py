"""Bybit v5 linear perpetuals: public market-data messages as the 2026 feed sends them.

Topics (one capture line per message, no wrapper):

- ``orderbook.50.<SYM>``: a ``snapshot`` of the top 50 levels a side at the start of every
  file, then a ``delta`` per 20 ms window in which the top-50 view changed, including levels
  entering the view from below and levels pushed out of it (sent as deletions, ``"0"``).
  ``u`` grows by one per message; ``seq`` is the canonical ``seq`` of the window's last row;
  ``ts`` is the push time (window end), ``cts`` the time of the window's last book change;
- ``publicTrade.<SYM>``: every fill, the fills of one taker at one instant in one message,
  with the tick direction ``L`` and a UUID ``i`` derived from the canonical trade id;
- ``tickers.<SYM>``: a ``snapshot`` at the start of every file, then every 100 ms a
  ``delta`` with the fields that changed (mark, index, last price, 24 h statistics, predicted
  funding rate, open interest, best bid and ask).

A real frame for reference::

    {"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1758845431663,"data":{"s":"BTCUSDT",
     "b":[["109147.80","1.687"],["109144.10","0.027"]],"a":[["109148.00","0"],
     ["109154.30","0.076"],["109156.40","0"],["109165.30","0.003"],["109165.40","0.007"]],
     "u":21111423,"seq":457538796406},"cts":1758845431662}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

from aleatoric.instruments import Grid
from aleatoric.venues._format import Formatter
from aleatoric.venues._inputs import DayInput
from aleatoric.venues._levels import LevelText, NumberStyle, concat, level_text, row_text
from aleatoric.venues._liquidations import bybit_liquidations
from aleatoric.venues._registry import register_venue
from aleatoric.venues._replay import RangeReplay, by_window
from aleatoric.venues._stream import Messages, depth_windows
from aleatoric.venues.bybit._ids import trade_uuid_bytes
from aleatoric.venues.bybit.decode import decode_message
from aleatoric.venues.bybit.frames import BybitUpdateIds

__all__ = ["VENUE", "Encoder"]

VENUE = "bybit"
DEPTH = 50
WINDOW_NS = 20_000_000
TICKER_NS = 100_000_000
NS_PER_MS = 1_000_000
MAX_TRADES = 1024
DAY_BUCKETS = 86_400_000_000_000 // TICKER_NS
HOUR_BUCKETS = 3_600_000_000_000 // TICKER_NS
TICK_NAMES = ("PlusTick", "ZeroPlusTick", "MinusTick", "ZeroMinusTick")

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

# --- Rolling 24 h statistics -----------------------------------------------------------------


@nb.njit(cache=True)
def _range_max(values, lo, hi):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Max of values[lo[i]:hi[i]] for non-decreasing lo and hi (a monotonic deque); 0 if empty.
    n = lo.shape[0]
    out = np.zeros(n, np.int64)
    dq = np.empty(values.shape[0] + 1, np.int64)
    head = 0
    tail = 0
    nxt = 0
    for i in range(n):
        while nxt < hi[i]:
            v = values[nxt]
            while tail > head and values[dq[tail - 1]] <= v:
                tail -= 1
            dq[tail] = nxt
            tail += 1
            nxt += 1
        while tail > head and dq[head] < lo[i]:
            head += 1
        if tail > head:
            out[i] = values[dq[head]]
    return out


def _empty() -> I64:
    return np.zeros(0, dtype=np.int64)


@dataclass
class _Rolling:
    """Per-100 ms trade aggregates of the last 24 hours (prices in ticks, sizes in lots)."""

    bucket: I64 = field(default_factory=_empty)
    high: I64 = field(default_factory=_empty)
    low: I64 = field(default_factory=_empty)
    volume: I64 = field(default_factory=_empty)
    turnover: I64 = field(default_factory=_empty)
    last: I64 = field(default_factory=_empty)
    before: int = -1  # last price of the buckets already dropped (-1: none)


def _round_units(x: I64, scale: int, places: int) -> I64:
    """Return decimal units ``x / 10**scale`` rounded half up to ``places`` decimals."""
    if scale <= places:
        return np.asarray(x * 10 ** (places - scale), dtype=np.int64)
    d = 10 ** (scale - places)
    return np.asarray(np.floor_divide(2 * x + d, 2 * d), dtype=np.int64)


@dataclass(frozen=True)
class _Book:
    """Per 20 ms window of the day: 100 ms bucket, last row seq and the top of book."""

    bucket: I64
    seq: I64
    top: I64  # [n, 4]: bid price, bid size, ask price, ask size (-1 when a side is empty)


@register_venue(
    "bybit",
    decode=decode_message,
    frame_rules=(BybitUpdateIds,),
    # Depth is published per 20 ms window: a trade can print at a level the window's final
    # state no longer shows.
    not_checked=("trade_inside_touch",),
)
@dataclass
class Encoder:
    """Encode canonical days into Bybit messages; state carries ids and books across days."""

    replay: RangeReplay | None = None
    u: int = 0
    top: tuple[int, int, int, int] = (-1, -1, -1, -1)
    tick_px: int = -1
    tick_dir: int = 1
    tick_code: int = 1
    ticker: tuple[int, ...] | None = None
    cs: int = 0
    open_px: int = -1
    rolling: _Rolling = field(default_factory=_Rolling)

    def encode(self, day: DayInput) -> Messages:
        """Return the day's messages (all topics, merged by local time)."""
        inst = day.instrument
        pg, sg = inst.price_grid, inst.size_grid
        px = Formatter(pg, "fixed", inst.price_precision)
        qty = Formatter(sg, "fixed", inst.size_precision)
        out = Messages()
        carried = (self.top, self.tick_px, self.tick_code)
        book = self._depth(out, day, px, qty)
        codes = self._trades(out, day, px, qty)
        self._tickers(out, day, book, codes, carried, px, qty)
        out.add(*bybit_liquidations(day), priority=3)
        return out

    # -- orderbook.50 -------------------------------------------------------------------------

    def _depth(self, out: Messages, day: DayInput, px: Formatter, qty: Formatter) -> _Book:
        d = day.delta
        sym = day.instrument.symbol
        if not d["ts"].size:
            return _Book(_empty(), _empty(), np.zeros((0, 4), dtype=np.int64))
        if self.replay is None:
            self.replay = RangeReplay(int(d["price"][0]), depth=DEPTH)
        ids, ends, end_ns = depth_windows(d["ts"], WINDOW_NS)
        cols = (d["side"], d["price"], d["size"], d["count"])
        # Window 0 becomes the file's snapshot; the later windows give deltas and the top.
        _, head = self.replay.run_windows(cols, ends, 0, 1, snapshot_depth=DEPTH)
        tail, tops = self.replay.run_windows(cols, ends, 1, ids.size, snapshot_depth=1, chunk=3000)
        assert head is not None and tops is not None
        top = np.full((ids.size, 4), -1, dtype=np.int64)
        for views, rows in ((head, slice(0, 1)), (tops, slice(1, None))):
            s_px, s_sz, _, s_n = views
            for s in (0, 1):
                has = s_n[:, s] > 0
                top[rows, 2 * s] = np.where(has, s_px[:, s, 0], -1)
                top[rows, 2 * s + 1] = np.where(has, s_sz[:, s, 0], -1)

        last = ends - 1
        seq = d["seq"][last]
        cts = (d["ts"][last] // NS_PER_MS).tolist()
        push_ms = (end_ns // NS_PER_MS).tolist()
        latency = day.config.latency
        topic = f"orderbook.{DEPTH}.{sym}"

        texts = [self._snapshot(head, topic, sym, int(push_ms[0]), int(seq[0]),
                                int(cts[0]), px, qty)]  # fmt: skip
        local = [int(end_ns[0]) + latency]
        wins, lo, mid, hi = by_window(tail)
        levels = level_text(
            '["{px}","{sz}"]', tail.price, tail.size, NumberStyle(px.grid, "fixed", px.places),
            # Bybit writes deletions as a bare "0".
            NumberStyle(qty.grid, "fixed", qty.places, zero="0"),
        )  # fmt: skip
        deltas = row_text(
            '{"topic":"' + topic + '","type":"delta","ts":{ts},"data":{"s":"' + sym
            + '","b":[{b}],"a":[{a}],"u":{u},"seq":{seq}},"cts":{cts}}',
            {
                "ts": (end_ns[wins] // NS_PER_MS,), "b": levels.run(lo, mid),
                "a": levels.run(mid, hi), "u": (self.u + 1 + np.arange(wins.size),),
                "seq": (seq[wins],), "cts": (d["ts"][last[wins]] // NS_PER_MS,),
            },
        )  # fmt: skip
        self.u += int(wins.size)
        out.add(local, texts, priority=0)
        out.add(end_ns[wins] + latency, deltas, priority=0)
        final = top[-1]
        self.top = (int(final[0]), int(final[1]), int(final[2]), int(final[3]))
        return _Book(ids * WINDOW_NS // TICKER_NS, seq, top)

    def _snapshot(
        self, snaps: tuple[I64, I64, I64, I64], topic: str, sym: str, push_ms: int, seq: int,
        cts: int, px: Formatter, qty: Formatter,
    ) -> str:  # fmt: skip
        s_px, s_sz, _, s_n = snaps
        sides = []
        for s in (0, 1):
            n = int(s_n[0, s])
            sides.append(",".join(
                f'["{px[p]}","{qty[q]}"]'
                for p, q in zip(s_px[0, s, :n].tolist(), s_sz[0, s, :n].tolist(), strict=True)
            ))  # fmt: skip
        self.u += 1
        return (
            f'{{"topic":"{topic}","type":"snapshot","ts":{push_ms},"data":{{"s":"{sym}",'
            f'"b":[{sides[0]}],"a":[{sides[1]}],"u":{self.u},"seq":{seq}}},"cts":{cts}}}'
        )

    # -- publicTrade --------------------------------------------------------------------------

    def _trades(self, out: Messages, day: DayInput, px: Formatter, qty: Formatter) -> I64:
        t = day.trades
        n = t["ts"].size
        if not n:
            return _empty()
        sym = day.instrument.symbol
        price = t["price"]
        prev = self.tick_px if self.tick_px >= 0 else int(price[0])
        step = np.sign(np.diff(price, prepend=prev))
        # Direction of the last price change at each trade (forward-filled over zero steps).
        at = np.where(step != 0, np.arange(n), -1)
        np.maximum.accumulate(at, out=at)
        direction = np.where(at >= 0, step[np.maximum(at, 0)], self.tick_dir)
        codes = np.where(step > 0, 0, np.where(step < 0, 2, np.where(direction > 0, 1, 3)))
        self.tick_px = int(price[-1])
        self.tick_dir = int(direction[-1])
        self.tick_code = int(codes[-1])

        ms = t["ts"] // NS_PER_MS
        entries = row_text(
            '{"T":{T},"s":"' + sym + '","S":"{S}","v":"{v}","p":"{p}","L":"{L}","i":"{i}",'
            '"BT":false,"RPI":false,"seq":{seq}}',
            {
                "T": (ms,), "S": (t["side"] != 0, ("Buy", "Sell")),
                "v": (t["size"], NumberStyle(qty.grid, "fixed", qty.places)),
                "p": (price, NumberStyle(px.grid, "fixed", px.places)), "L": (codes, TICK_NAMES),
                "i": (np.arange(n), trade_uuid_bytes(t["trade_id"])), "seq": (t["seq"],),
            },
        )  # fmt: skip
        # One message per taker at one instant (same time and side), at most 1024 fills.
        new = np.ones(n, dtype=bool)
        new[1:] = (t["ts"][1:] != t["ts"][:-1]) | (t["side"][1:] != t["side"][:-1])
        run_start = np.flatnonzero(new)
        pos = np.arange(n) - run_start[np.cumsum(new) - 1]
        starts = np.flatnonzero(new | (pos % MAX_TRADES == 0))
        stops = np.concatenate([starts[1:], [n]])
        texts = row_text(
            '{"topic":"publicTrade.' + sym + '","type":"snapshot","ts":{ts},"data":[{data}]}',
            {"ts": (ms[starts],), "data": entries.run(starts, stops)},
        )
        out.add(t["ts"][starts] + day.config.latency, texts, priority=1)
        return np.asarray(codes, dtype=np.int64)

    # -- tickers ------------------------------------------------------------------------------

    def _tickers(
        self, out: Messages, day: DayInput, book: _Book, codes: I64,
        carried: tuple[tuple[int, int, int, int], int, int], px: Formatter, qty: Formatter,
    ) -> None:  # fmt: skip
        inst = day.instrument
        pg, sg = inst.price_grid, inst.size_grid
        t, k = day.trades, day.ticker
        self._roll_in(day)
        k_ts = np.asarray(k["ts"], dtype=np.int64)
        t_bucket = t["ts"] // TICKER_NS
        # A push at the end of a 100 ms bucket shows the book and trades before it and the
        # ticker rows up to and including it (a row on the push instant is pushed at once).
        k_bucket = (k_ts - 1) // TICKER_NS
        pushes = np.unique(np.concatenate([book.bucket, t_bucket, k_bucket]))
        if not pushes.size:
            return

        def latest(keys: I64) -> I64:
            return np.asarray(np.searchsorted(keys, pushes, side="right") - 1, dtype=np.int64)

        # Ticker rows: the latest at each push, or the one carried from the previous day.
        ki = latest(k_bucket)
        krows = np.stack([
            np.asarray(k[c], dtype=np.int64) for c in ("mark", "index", "last", "next_ts", "oi")
        ] + [
            np.rint(np.asarray(k["predicted"], dtype=np.float64) * 1e8).astype(np.int64),
            np.asarray(k["seq"], dtype=np.int64),
        ], axis=1) if k_ts.size else np.zeros((0, 7), dtype=np.int64)  # fmt: skip
        if self.ticker is not None:
            krows = np.concatenate([np.asarray([self.ticker], dtype=np.int64), krows])
            ki = ki + 1
        if krows.shape[0]:
            self.ticker = tuple(int(v) for v in krows[-1])
        # Book top at each push; pushes start once there is a ticker row and a book.
        bi = latest(book.bucket)
        top = np.concatenate([np.asarray([carried[0]], dtype=np.int64), book.top])[bi + 1]
        valid = (ki >= 0) & ((top[:, 0] >= 0) | (top[:, 2] >= 0))  # a ticker row and a book
        pushes, ki, bi, top = pushes[valid], ki[valid], bi[valid], top[valid]
        if not pushes.size:
            return
        mark, index, k_last, next_ts, oi, rate, k_seq = (krows[ki, c] for c in range(7))
        # A push on a settlement instant (from the rows before it) already shows the next one.
        end_ns = (pushes + 1) * TICKER_NS
        next_ts = np.where(next_ts <= end_ns, next_ts + inst.funding_interval_ns, next_ts)
        b_seq = np.concatenate([[-1], book.seq])[bi + 1]

        # Last trade price and tick direction at each push (the ticker's last before any).
        ti = latest(t_bucket)
        t_px = np.concatenate([[carried[1]], t["price"]])[ti + 1]
        t_code = np.concatenate([[carried[2]], codes])[ti + 1]
        t_seq = np.concatenate([[-1], t["seq"]])[ti + 1]
        last = np.where(t_px >= 0, t_px, k_last)
        if self.open_px < 0:
            self.open_px = int(last[0])

        stats = self._rolling(pushes, last)
        cs = np.maximum(np.maximum(b_seq, t_seq), np.maximum(k_seq, self.cs))
        self.cs = int(cs[-1])

        places = (pg.scale + sg.scale, pg.numerator * sg.numerator)
        oi_value = _round_units(oi * mark * places[1], places[0], 2)
        pxs = (NumberStyle(pg, "fixed", px.places),)
        # An empty book side prints "".
        pxe = (NumberStyle(pg, "fixed", px.places, missing=""),)
        qtye = (NumberStyle(sg, "fixed", qty.places, missing=""),)
        const = np.zeros(pushes.size, dtype=np.int64)
        columns: list[tuple[str, I64, tuple[Any, ...]]] = [
            ("tickDirection", t_code, (TICK_NAMES,)),
            ("price24hPcnt", stats["pct"], (NumberStyle(Grid(1, 6), "fixed", 6),)),
            ("lastPrice", last, pxs),
            ("prevPrice24h", stats["prev24"], pxs),
            ("highPrice24h", stats["high"], pxs),
            ("lowPrice24h", stats["low"], pxs),
            ("prevPrice1h", stats["prev1"], pxs),
            ("markPrice", mark, pxs),
            ("indexPrice", index, pxs),
            ("openInterest", oi, (NumberStyle(sg, "trimmed"),)),
            ("openInterestValue", oi_value, (NumberStyle(Grid(1, 2), "fixed", 2),)),
            ("turnover24h", _round_units(stats["turnover"] * places[1], places[0], 4),
             (NumberStyle(Grid(1, 4), "fixed", 4),)),
            ("volume24h", stats["volume"], (NumberStyle(sg, "fixed", max(4, sg.scale)),)),
            ("fundingIntervalHour", const, ((str(inst.funding_interval_hours),),)),
            ("fundingCap", const, ((format(inst.funding_cap.normalize(), "f"),),)),
            ("nextFundingTime", next_ts // NS_PER_MS, ()),
            ("fundingRate", rate, (NumberStyle(Grid(1, 8), "trimmed"),)),
            ("bid1Price", top[:, 0], pxe),
            ("bid1Size", top[:, 1], qtye),
            ("ask1Price", top[:, 2], pxe),
            ("ask1Size", top[:, 3], qtye),
            ("preOpenPrice", const, (("",),)),
            ("preQty", const, (("",),)),
            ("curPreListingPhase", const, (("",),)),
        ]  # fmt: skip
        # Each push shows the fields that changed since the previous one (the first: all).
        cells: list[LevelText] = []
        cell_rows: list[I64] = []
        cell_cols: list[I64] = []
        for j, (name, values, style) in enumerate(columns):
            changed = np.ones(pushes.size, dtype=bool)
            changed[1:] = values[1:] != values[:-1]
            rows = np.flatnonzero(changed)
            cells.append(row_text('"' + name + '":"{v}"', {"v": (values[rows], *style)}))
            cell_rows.append(rows)
            cell_cols.append(np.full(rows.size, j, dtype=np.int64))
        rows_all, cols_all = np.concatenate(cell_rows), np.concatenate(cell_cols)
        by_push = concat(cells, np.lexsort((cols_all, rows_all)))
        counts = np.bincount(rows_all, minlength=pushes.size)
        stop = np.cumsum(counts)
        keep = np.flatnonzero(counts > 0)
        keep = keep if keep.size and keep[0] == 0 else np.concatenate([[0], keep])
        sym = inst.symbol
        texts = row_text(
            '{"topic":"tickers.' + sym + '","type":"{type}","data":{"symbol":"' + sym
            + '"{sep}{cells}},"cs":{cs},"ts":{ts}}',
            {
                "type": (keep == 0, ("delta", "snapshot")), "sep": (counts[keep] > 0, ("", ",")),
                "cells": by_push.run(stop[keep] - counts[keep], stop[keep]),
                "cs": (cs[keep],), "ts": (end_ns[keep] // NS_PER_MS,),
            },
        )  # fmt: skip
        local = end_ns[keep] + day.config.latency
        out.add(local, texts, priority=2)

    def _roll_in(self, day: DayInput) -> None:
        """Append the day's trades to the 24 h history as 100 ms bucket aggregates."""
        t = day.trades
        r = self.rolling
        if t["ts"].size:
            b = t["ts"] // TICKER_NS
            new = np.ones(b.size, dtype=bool)
            new[1:] = b[1:] != b[:-1]
            starts = np.flatnonzero(new)
            stops = np.concatenate([starts[1:], [b.size]])
            price, size = t["price"], t["size"]
            r.bucket = np.concatenate([r.bucket, b[starts]])
            r.high = np.concatenate([r.high, np.maximum.reduceat(price, starts)])
            r.low = np.concatenate([r.low, np.minimum.reduceat(price, starts)])
            r.volume = np.concatenate([r.volume, np.add.reduceat(size, starts)])
            r.turnover = np.concatenate([r.turnover, np.add.reduceat(price * size, starts)])
            r.last = np.concatenate([r.last, price[stops - 1]])

    def _rolling(self, pushes: I64, last: I64) -> dict[str, I64]:
        """Return 24 h high, low, volume, turnover and the prices 24 h and 1 h ago per push."""
        r = self.rolling
        cv = np.concatenate([[0], np.cumsum(r.volume)])
        ct = np.concatenate([[0], np.cumsum(r.turnover)])
        hi_ = np.searchsorted(r.bucket, pushes, side="right")
        lo_ = np.searchsorted(r.bucket, pushes - DAY_BUCKETS, side="right")
        lo1 = np.searchsorted(r.bucket, pushes - HOUR_BUCKETS, side="right")
        kernel: Any = _range_max
        empty = lo_ == hi_
        high = np.where(empty, last, kernel(r.high, lo_, hi_))
        low = np.where(empty, last, -kernel(-r.low, lo_, hi_))
        before = r.before if r.before >= 0 else self.open_px
        prices = np.concatenate([[before], r.last])
        prev24, prev1 = prices[lo_], prices[lo1]
        pct = np.floor_divide(2 * (last - prev24) * 10**6 + prev24, 2 * prev24)
        # Keep what a later push can still reach.
        drop = int(np.searchsorted(r.bucket, int(pushes[-1]) - DAY_BUCKETS, side="right"))
        if drop:
            r.before = int(r.last[drop - 1])
            for name in ("bucket", "high", "low", "volume", "turnover", "last"):
                setattr(r, name, getattr(r, name)[drop:])
        return {
            "high": high, "low": low, "volume": cv[hi_] - cv[lo_], "turnover": ct[hi_] - ct[lo_],
            "prev24": prev24, "prev1": prev1, "pct": pct,
        }  # fmt: skip
