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
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from aleatoric.instruments import Grid, get_instrument
from aleatoric.venues._book import L2Replay, ViewChanges
from aleatoric.venues._format import Formatter
from aleatoric.venues._inputs import DayInput
from aleatoric.venues._stream import DecodedRows, Messages, depth_windows

__all__ = ["VENUE", "Encoder", "checksum", "decode_message"]

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


def _rate(value: float) -> str:
    """Return a rate with 16 decimals, as the funding-rate channel prints it."""
    return f"{value + 0.0:.16f}"


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
        prev, prev_crc, prev_push = seq[0], crc, int(end_ns[0])

        levels = [
            f'["{px[p]}","{sz[q]}","0","{c}"]'
            for p, q, c in zip(changes.price.tolist(), changes.size.tolist(),
                               changes.count.tolist(), strict=True)
        ]  # fmt: skip
        wins, lo, mid, hi = _by_window(changes)
        for j, w in enumerate(wins.tolist()):
            push = int(end_ns[w])
            # Keepalives: an empty update after every 60 s without a change.
            at = prev_push + KEEPALIVE_NS
            while at < push:
                texts.append(
                    f'{arg},"action":"update","data":[{{"asks":[],"bids":[],'
                    f'"ts":"{at // NS_PER_MS}","checksum":{prev_crc},"prevSeqId":{prev},'
                    f'"seqId":{prev}}}]}}'
                )
                local.append(at + latency)
                at += KEEPALIVE_NS
            crc = 0
            if tops is not None:
                t_px, t_sz, _, t_n = tops
                crc = self._crc(t_px[w - 1], t_sz[w - 1], t_n[w - 1], px, sz)
            bids = ",".join(levels[lo[j] : mid[j]])
            asks = ",".join(levels[mid[j] : hi[j]])
            texts.append(
                f'{arg},"action":"update","data":[{{"asks":[{asks}],"bids":[{bids}],'
                f'"ts":"{ts[w]}","checksum":{crc},"prevSeqId":{prev},"seqId":{seq[w]}}}]}}'
            )
            local.append(push + latency)
            prev, prev_crc, prev_push = seq[w], crc, push
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
        sizes = np.add.reduceat(t["size"], starts).tolist()
        count = (stops - starts).tolist()
        ids = t["trade_id"][last].tolist()
        seq = t["seq"][last].tolist()
        ms = (t["ts"][starts] // NS_PER_MS).tolist()
        prices = t["price"][starts].tolist()
        sides = ["sell" if s else "buy" for s in t["side"][starts].tolist()]
        texts = [
            f'{{"arg":{{"channel":"trades","instId":"{inst_id}"}},"data":[{{"instId":"{inst_id}",'
            f'"tradeId":"{ids[i]}","px":"{px[prices[i]]}","sz":"{sz[sizes[i]]}",'
            f'"side":"{sides[i]}","ts":"{ms[i]}","count":"{count[i]}","source":"0",'
            f'"seqId":{seq[i]}}}]}}'
            for i in range(starts.size)
        ]
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


def _by_window(ch: ViewChanges) -> tuple[I64, list[int], list[int], list[int]]:
    """Return the windows with changes and, per window, where its bids, asks and end start."""
    w = ch.window  # sorted
    wins = w[np.flatnonzero(np.diff(w, prepend=-1))] if w.size else w
    lo = np.searchsorted(w, wins)
    mid = np.searchsorted(w * 2 + ch.side, wins * 2 + 1)
    hi = np.searchsorted(w, wins, side="right")
    return wins, lo.tolist(), mid.tolist(), hi.tolist()


# --- Decoder ---------------------------------------------------------------------------------

_BOOKS = ("books", "books5", "bbo-tbt", "books-l2-tbt", "books50-l2-tbt", "books-elp")


def _session(rows: DecodedRows) -> dict[str, Any]:
    # Decoder state of one normalization, kept on its rows.
    state: dict[str, Any] = rows.state.setdefault("okx", {})
    return state


@cache
def _contract_value(inst_id: str) -> Decimal | None:
    """Return base asset per size unit of ``inst_id``: its contract value, 1 on spot."""
    try:
        return get_instrument(VENUE, inst_id).contract_value
    except KeyError:
        pass
    return Decimal(1) if len(inst_id.split("-")) == 2 else None


def _base(size: str, cv: Decimal) -> float:
    """Return a size in contracts (or base on spot) as base asset, exactly rounded."""
    return float(size) if cv == 1 else float(Decimal(size) * cv)


def _opt_float(value: Any) -> float | None:
    return float(value) if value not in (None, "") else None


def decode_message(local_ns: int, text: str, line_no: int, rows: DecodedRows) -> None:
    """Decode one OKX line (books, trades, funding-rate, mark-price) into canonical rows."""
    msg = rows.parse_object(text, line_no)
    if msg is None:
        return
    try:
        if "event" in msg:
            if msg["event"] == "error":
                rows.reject("unknown", line_no, f"error event {msg.get('msg', '')!r}")
            return  # subscription acknowledgements
        arg = msg.get("arg")
        if not isinstance(arg, dict) or "channel" not in arg:
            rows.reject("unknown", line_no, "no channel")
            return
        channel = arg["channel"]
        inst_id = str(arg.get("instId", ""))
        data = msg["data"]
        if not isinstance(data, list):
            raise TypeError("data is not a list")
        if channel in _BOOKS or channel in ("trades", "trades-all"):
            cv = _contract_value(inst_id)
            if cv is None:
                rows.reject("unknown", line_no, f"no contract value for instId {inst_id!r}")
                return
            if channel in _BOOKS:
                # Channels without an action (books5, bbo-tbt) send full views every time.
                snapshot = msg.get("action", "snapshot") == "snapshot"
                for entry in data:
                    levels = [("bid", float(p[0]), _base(p[1], cv)) for p in entry["bids"]]
                    levels += [("ask", float(p[0]), _base(p[1], cv)) for p in entry["asks"]]
                    counts: list[int | None] = [
                        int(p[3]) if len(p) > 3 else None for p in entry["bids"] + entry["asks"]
                    ]
                    rows.add_levels(int(entry["ts"]) * NS_PER_MS, local_ns, levels, snapshot,
                                    count=counts)  # fmt: skip
            else:
                for entry in data:
                    tid = str(entry.get("tradeId", ""))
                    rows.add("trades", {
                        "ts_event": int(entry["ts"]) * NS_PER_MS, "ts_recv": local_ns,
                        "trade_id": int(tid) if tid.isdigit() else None,
                        "price": float(entry["px"]), "size": _base(entry["sz"], cv),
                        "side": {"buy": "buy", "sell": "sell"}[entry["side"]],
                    })  # fmt: skip
        elif channel == "funding-rate":
            _funding(data, local_ns, rows)
        elif channel == "mark-price":
            for entry in data:
                rows.add("ticker", _ticker_row(entry, local_ns, mark_price=float(entry["markPx"])))
        elif channel == "index-tickers":
            for entry in data:
                rows.add("ticker", _ticker_row(entry, local_ns, index_price=float(entry["idxPx"])))
        else:
            rows.reject("unknown", line_no, f"channel {channel!r}")
    except (KeyError, TypeError, ValueError, IndexError, InvalidOperation) as exc:
        rows.reject("malformed", line_no, f"{type(exc).__name__}: {exc}")


def _ticker_row(entry: dict[str, Any], local_ns: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ts_event": int(entry["ts"]) * NS_PER_MS, "ts_recv": local_ns, "mark_price": None,
        "index_price": None, "last_price": None, "funding_rate": None,
        "predicted_funding_rate": None, "next_funding_ts": None, "open_interest": None,
    }  # fmt: skip
    row.update(values)
    return row


def _funding(data: list[Any], local_ns: int, rows: DecodedRows) -> None:
    seen: set[int] = _session(rows).setdefault("settlements", set())
    for entry in data:
        settled = _opt_float(entry.get("settFundingRate"))
        next_ts = entry.get("fundingTime")
        rows.add("ticker", _ticker_row(
            entry, local_ns, funding_rate=settled,
            predicted_funding_rate=_opt_float(entry.get("fundingRate")),
            next_funding_ts=int(next_ts) * NS_PER_MS if next_ts not in (None, "") else None,
        ))  # fmt: skip
        prev = entry.get("prevFundingTime")
        if settled is None or prev in (None, "") or entry.get("settState") == "processing":
            continue
        at = int(prev) * NS_PER_MS
        if at not in seen:
            seen.add(at)
            rows.add("funding", {
                "ts_event": at, "ts_recv": local_ns, "funding_rate": settled, "mark_price": None,
            })  # fmt: skip
