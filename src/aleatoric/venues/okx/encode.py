"""OKX v5 perpetual swaps: public market-data messages as the 2026 feed sends them.

Channels (one capture line per message, ``{"arg": ..., "data": [...]}``):

- ``books``: a ``snapshot`` of the top 400 levels a side at the start of every file
  (``prevSeqId`` -1), then an ``update`` per 100 ms window in which the top-400 view changed,
  including levels entering the view from below and levels pushed out of it (sent as
  ``["px","0","0","0"]``). Levels are ``[price, contracts, "0", orders]``, numbers trimmed of
  trailing zeros. ``seqId`` is the canonical ``seq`` of the window's last row and
  ``prevSeqId`` the previous message's ``seqId``; after 60 s without a change an empty
  ``update`` with ``prevSeqId == seqId`` keeps the channel alive. ``checksum`` is 0, as since
  June 2026, or the CRC32 of the top 25 levels with :class:`Encoder` ``checksum=True``;
- ``trades``: one message per taker order and price (``count`` fills, ``tradeId`` the last);
- ``funding-rate`` (every 30 s) and ``mark-price`` (on change, else every 10 s).

Sizes are in contracts: canonical size (base asset) = contracts × the contract value.

A real frame for reference::

    {"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":
     [["83802","0","0","0"]],"bids":[["83800.8","1.25","0","18"]],"instId":"BTC-USDT",
     "ts":"1790358602306","seqId":81625399057,"prevSeqId":81625399056}]}
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aleatoric.config import OkxOptions
from aleatoric.instruments import Grid
from aleatoric.venues._format import Formatter
from aleatoric.venues._inputs import DayInput
from aleatoric.venues._levels import NumberStyle, level_text, row_text
from aleatoric.venues._liquidations import okx_liquidations
from aleatoric.venues._registry import register_venue
from aleatoric.venues._replay import RangeReplay, by_window
from aleatoric.venues._stream import Messages, depth_windows
from aleatoric.venues.okx.decode import decode_message
from aleatoric.venues.okx.frames import OkxChecksum, OkxSeqChain, OkxTradeIds

__all__ = ["VENUE", "Encoder", "checksum"]

VENUE = "okx"
DEPTH = 400
CHECKSUM_LEVELS = 25
WINDOW_NS = 100_000_000
KEEPALIVE_NS = 60_000_000_000
FUNDING_EVERY_NS = 30_000_000_000
MARK_IDLE_NS = 10_000_000_000
NS_PER_MS = 1_000_000
#: Impact notional of the funding premium, as the venue's funding-rate channel prints it.
IMPACT_VALUE = "20000.0000000000000000"

I64 = npt.NDArray[np.int64]


def checksum(bids: Sequence[tuple[str, str]], asks: Sequence[tuple[str, str]]) -> int:
    """Return OKX's signed CRC32 of the first 25 levels a side (strings as sent, best first).

    Levels interleave ``bid:size:ask:size:...``; a side with fewer levels is skipped where it
    has none.
    """
    parts = []
    for i in range(CHECKSUM_LEVELS):
        if i < len(bids):
            parts.append(f"{bids[i][0]}:{bids[i][1]}")
        if i < len(asks):
            parts.append(f"{asks[i][0]}:{asks[i][1]}")
    value = zlib.crc32(":".join(parts).encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def _rate(value: float) -> str:
    """Return a rate with 16 decimals, as the funding-rate channel prints it."""
    return f"{value + 0.0:.16f}"


@register_venue(
    "okx",
    decode=decode_message,
    frame_rules=(OkxSeqChain, OkxChecksum, OkxTradeIds),
    # Depth is published per 100 ms window: a trade can print at a level the window's final
    # state no longer shows.
    # Trade ids: one message per taker order and price carries the last id only.
    not_checked=("trade_inside_touch", "trade_id_gap_free"),
    options=OkxOptions,
)
@dataclass
class Encoder:
    """Encode canonical days into OKX messages; state carries books and pushes across days.

    ``checksum=True`` writes the real CRC32 (pre-June-2026 data) instead of 0.
    """

    checksum: bool = False
    replay: RangeReplay | None = None
    funding_at: int = -1
    mark_at: int = -1
    mark_px: int = -1

    def encode(self, day: DayInput) -> Messages:
        """Return the day's messages (all channels, merged by local time)."""
        inst = day.instrument
        px = Formatter(inst.price_grid, "trimmed")
        # Canonical lots are contract lots: size grid = lot size × contract value.
        sz = Formatter(Grid.from_decimal(inst.lot_size), "trimmed")
        out = Messages()
        self._books(out, day, px, sz)
        self._trades(out, day, px, sz)
        self._funding(out, day)
        self._mark(out, day, px)
        out.add(*okx_liquidations(day), priority=3)
        return out

    # -- books --------------------------------------------------------------------------------

    def _books(self, out: Messages, day: DayInput, px: Formatter, sz: Formatter) -> None:
        d = day.delta
        if not d["ts"].size:
            return
        if self.replay is None:
            self.replay = RangeReplay(int(d["price"][0]), depth=DEPTH)
        _, ends, end_ns = depth_windows(d["ts"], WINDOW_NS)
        cols = (d["side"], d["price"], d["size"], d["count"])
        # Window 0 becomes the file's snapshot; the later windows give updates.
        _, head = self.replay.run_windows(cols, ends, 0, 1, snapshot_depth=DEPTH)
        changes, tops = self.replay.run_windows(
            cols, ends, 1, ends.size, snapshot_depth=CHECKSUM_LEVELS if self.checksum else 0
        )
        assert head is not None
        inst_id = day.instrument.symbol
        arg = f'{{"arg":{{"channel":"books","instId":"{inst_id}"}}'
        last = ends - 1
        seq = d["seq"][last].tolist()
        ts = (d["ts"][last] // NS_PER_MS).tolist()
        latency = day.config.latency

        s_px, s_sz, s_ct, s_n = head
        sides = []
        for s in (0, 1):
            n = int(s_n[0, s])
            sides.append(",".join(
                f'["{px[p]}","{sz[q]}","0","{c}"]'
                for p, q, c in zip(s_px[0, s, :n].tolist(), s_sz[0, s, :n].tolist(),
                                   s_ct[0, s, :n].tolist(), strict=True)
            ))  # fmt: skip
        crc = self._crc(s_px[0, :, :CHECKSUM_LEVELS], s_sz[0, :, :CHECKSUM_LEVELS],
                        np.minimum(s_n[0], CHECKSUM_LEVELS), px, sz)  # fmt: skip
        texts = [
            f'{arg},"action":"snapshot","data":[{{"asks":[{sides[1]}],"bids":[{sides[0]}],'
            f'"ts":"{ts[0]}","checksum":{crc},"prevSeqId":-1,"seqId":{seq[0]}}}]}}'
        ]
        local = [int(end_ns[0]) + latency]

        levels = level_text(
            '["{px}","{sz}","0","{n}"]', changes.price, changes.size,
            NumberStyle(px.grid, "trimmed"), NumberStyle(sz.grid, "trimmed"), changes.count,
        )  # fmt: skip
        wins, lo, mid, hi = by_window(changes)
        if wins.size:
            seq_a = d["seq"][last]
            push = end_ns[wins]
            crcs = np.zeros(wins.size, dtype=np.int64)
            if tops is not None:
                t_px, t_sz, _, t_n = tops
                crcs[:] = [self._crc(t_px[w - 1], t_sz[w - 1], t_n[w - 1], px, sz)
                           for w in wins.tolist()]  # fmt: skip
            prev = np.concatenate([[seq[0]], seq_a[wins[:-1]]])
            prev_crc = np.concatenate([[crc], crcs[:-1]])
            prev_push = np.concatenate([[int(end_ns[0])], push[:-1]])
            updates = row_text(
                arg + ',"action":"update","data":[{"asks":[{asks}],"bids":[{bids}],"ts":"{ts}",'
                '"checksum":{crc},"prevSeqId":{prev},"seqId":{seq}}]}',
                {
                    "asks": levels.run(mid, hi), "bids": levels.run(lo, mid),
                    "ts": (d["ts"][last[wins]] // NS_PER_MS,), "crc": (crcs,), "prev": (prev,),
                    "seq": (seq_a[wins],),
                },
            )  # fmt: skip
            out.add(push + latency, updates, priority=0)
            # Keepalives: an empty update after every 60 s without a change, before a window.
            gaps = (push - prev_push - 1) // KEEPALIVE_NS
            if gaps.sum():
                j = np.repeat(np.arange(wins.size), gaps)
                k = np.arange(j.size) - np.repeat(np.cumsum(gaps) - gaps, gaps) + 1
                at = prev_push[j] + k * KEEPALIVE_NS
                out.add(at + latency, row_text(
                    arg + ',"action":"update","data":[{"asks":[],"bids":[],"ts":"{ts}",'
                    '"checksum":{crc},"prevSeqId":{prev},"seqId":{seq}}]}',
                    {"ts": (at // NS_PER_MS,), "crc": (prev_crc[j],), "prev": (prev[j],),
                     "seq": (prev[j],)},
                ), priority=0)  # fmt: skip
        out.add(local, texts, priority=0)

    def _crc(self, t_px: I64, t_sz: I64, t_n: I64, px: Formatter, sz: Formatter) -> int:
        """Return the checksum of a top-25 view ([2, 25] prices and sizes), or 0 when off."""
        if not self.checksum:
            return 0
        sides = [
            [(px[p], sz[q]) for p, q in zip(t_px[s, : t_n[s]].tolist(),
                                             t_sz[s, : t_n[s]].tolist(), strict=True)]
            for s in (0, 1)
        ]  # fmt: skip
        return checksum(sides[0], sides[1])

    # -- trades -------------------------------------------------------------------------------

    def _trades(self, out: Messages, day: DayInput, px: Formatter, sz: Formatter) -> None:
        t = day.trades
        n = t["ts"].size
        if not n:
            return
        inst_id = day.instrument.symbol
        # One message per taker order and price: consecutive fills at one instant, side, price.
        new = np.ones(n, dtype=bool)
        new[1:] = (
            (t["ts"][1:] != t["ts"][:-1])
            | (t["side"][1:] != t["side"][:-1])
            | (t["price"][1:] != t["price"][:-1])
        )
        starts = np.flatnonzero(new)
        stops = np.concatenate([starts[1:], [n]])
        last = stops - 1
        texts = row_text(
            '{"arg":{"channel":"trades","instId":"' + inst_id + '"},"data":[{"instId":"'
            + inst_id + '","tradeId":"{id}","px":"{px}","sz":"{sz}","side":"{side}",'
            '"ts":"{ts}","count":"{count}","source":"0","seqId":{seq}}]}',
            {
                "id": (t["trade_id"][last],),
                "px": (t["price"][starts], NumberStyle(px.grid, "trimmed")),
                "sz": (np.add.reduceat(t["size"], starts), NumberStyle(sz.grid, "trimmed")),
                "side": (t["side"][starts] != 0, ("buy", "sell")),
                "ts": (t["ts"][starts] // NS_PER_MS,), "count": (stops - starts,),
                "seq": (t["seq"][last],),
            },
        ).items()  # fmt: skip
        out.add(t["ts"][starts] + day.config.latency, texts, priority=1)

    # -- funding-rate and mark-price ----------------------------------------------------------

    def _funding(self, out: Messages, day: DayInput) -> None:
        k = day.ticker
        k_ts = np.asarray(k["ts"], dtype=np.int64)
        if not k_ts.size:
            return
        inst = day.instrument
        pg = inst.price_grid
        interval_ms = inst.funding_interval_ns // NS_PER_MS
        mark = pg.to_float(np.asarray(k["mark"]))
        index = pg.to_float(np.asarray(k["index"]))
        premium = ((mark - index) / index).tolist()
        predicted = np.asarray(k["predicted"], dtype=np.float64).tolist()
        settled = np.asarray(k["rate"], dtype=np.float64).tolist()
        next_ms = (np.asarray(k["next_ts"], dtype=np.int64) // NS_PER_MS).tolist()
        ts_list = k_ts.tolist()
        cap = format(inst.funding_cap.normalize(), "f")
        floor = format(inst.funding_floor.normalize(), "f")
        interest = _rate(float(inst.interest_rate))
        head = f'{{"arg":{{"channel":"funding-rate","instId":"{inst.symbol}"}},"data":[{{'
        texts: list[str] = []
        local: list[int] = []
        for i, ts in enumerate(ts_list):
            # The first row of a file (a fresh subscription), then at most every 30 s.
            if i and ts - self.funding_at < FUNDING_EVERY_NS:
                continue
            self.funding_at = ts
            nxt = next_ms[i]
            texts.append(
                f'{head}"formulaType":"withRate","fundingRate":"{_rate(predicted[i])}",'
                f'"fundingTime":"{nxt}","impactValue":"{IMPACT_VALUE}",'
                f'"instId":"{inst.symbol}","instType":"SWAP","interestRate":"{interest}",'
                f'"maxFundingRate":"{cap}","method":"current_period",'
                f'"minFundingRate":"{floor}","nextFundingRate":"",'
                f'"nextFundingTime":"{nxt + interval_ms}","premium":"{_rate(premium[i])}",'
                f'"prevFundingTime":"{nxt - interval_ms}",'
                f'"settFundingRate":"{_rate(settled[i])}","settState":"settled",'
                f'"ts":"{ts // NS_PER_MS}"}}]}}'
            )
            local.append(ts + day.config.latency)
        out.add(local, texts, priority=2)

    def _mark(self, out: Messages, day: DayInput, px: Formatter) -> None:
        k = day.ticker
        k_ts = np.asarray(k["ts"], dtype=np.int64)
        if not k_ts.size:
            return
        inst_id = day.instrument.symbol
        texts: list[str] = []
        local: list[int] = []
        marks = np.asarray(k["mark"], dtype=np.int64).tolist()
        for i, (ts, mark) in enumerate(zip(k_ts.tolist(), marks, strict=True)):
            # The first row of a file, then on a change or after 10 s without one.
            if i and mark == self.mark_px and ts - self.mark_at < MARK_IDLE_NS:
                continue
            self.mark_at, self.mark_px = ts, mark
            texts.append(
                f'{{"arg":{{"channel":"mark-price","instId":"{inst_id}"}},"data":[{{'
                f'"instId":"{inst_id}","instType":"SWAP","markPx":"{px[mark]}",'
                f'"ts":"{ts // NS_PER_MS}"}}]}}'
            )
            local.append(ts + day.config.latency)
        out.add(local, texts, priority=3)
