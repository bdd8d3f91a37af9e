"""Hyperliquid perpetuals: public WebSocket messages as the 2026 feed sends them.

Channels (one JSON object per message, ``{"channel": ..., "data": ...}``):

- ``l2Book``: a full snapshot of the top 20 levels a side (bids descending, asks ascending),
  each level ``{"px","sz","n"}`` with ``n`` the number of resting orders. No sequence number:
  a client replaces its book with every message. Pushed after every 0.5 s window (aligned to
  the epoch) in which the top 20 changed, stamped with the window's end, so two pushes are at
  least 0.5 s apart;
- ``trades``: the fills of one taker at one instant in one message, ``side`` the aggressor
  (``B`` buyer-initiated, ``A`` seller-initiated), ``tid`` a scrambled but invertible function
  of the canonical ``trade_id`` (see :func:`tid_of`), ``hash`` one pseudo transaction hash per
  message and ``users`` ``[buyer, seller]`` drawn from a fixed pool of pseudo addresses, all
  derived by hashing, never random;
- ``activeAssetCtx`` once per ticker row (every second by default): ``funding`` is the
  predicted hourly rate, ``oraclePx`` the index, ``midPx`` and ``impactPxs`` come from the
  book at that instant, ``dayNtlVlm``/``dayBaseVlm`` are rolling 24 h trade volumes and
  ``prevDayPx`` the last trade price 24 h earlier (the first trade price of the data while
  there is no such trade).

Prices print at their exact decimal value with at least one decimal (``"79889.0"``), sizes
trimmed with at least one decimal (``"1.2"``, ``"1.0"``). A real frame for reference::

    {"channel":"l2Book","data":{"coin":"BTC","time":1788658200000,"levels":[[{"px":"79889.0",
     "sz":"7.85045","n":22},{"px":"79885.0","sz":"1.2","n":3}],[{"px":"79890.0",
     "sz":"4.16384","n":20}]]}}

The decoder turns each ``l2Book`` snapshot into the differences from the previous one (the
first is flagged ``is_snapshot``), so the canonical ``book_delta`` rows replay to the same
20-level view; ``trades`` become trades (``tid`` kept as ``trade_id``) and ``activeAssetCtx``
ticker rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from aleatoric.instruments import Grid
from aleatoric.venues._book import L2Replay
from aleatoric.venues._format import Formatter
from aleatoric.venues._inputs import DayInput
from aleatoric.venues._levels import NumberStyle, level_text, row_text
from aleatoric.venues._registry import register_venue
from aleatoric.venues._stream import Messages, depth_windows
from aleatoric.venues.hyperliquid._ids import tid_of
from aleatoric.venues.hyperliquid.decode import decode_message
from aleatoric.venues.hyperliquid.frames import HyperliquidSnapshotSpacing

__all__ = ["VENUE", "Encoder"]

VENUE = "hyperliquid"
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

NS_PER_MS = 1_000_000
NS_PER_HOUR = 3_600_000_000_000
NS_PER_DAY = 86_400_000_000_000
#: ``l2Book`` cadence and depth.
WINDOW_NS = 500_000_000
DEPTH = 20
#: Notional (USDC) whose average execution price is the impact price (BTC and ETH).
IMPACT_NOTIONAL = 20_000
#: Decimals of ``funding`` and ``premium``.
RATE_DECIMALS = 10
#: Windows per replay call: bounds the memory of the full-view snapshots.
CHUNK = 4096
#: Pseudo addresses that trade (a fixed pool, so the same users come back).
USER_POOL = 4096

_PRIO_BOOK, _PRIO_TRADES, _PRIO_CTX = 0, 1, 2


def _mix64(x: U64) -> U64:
    # splitmix64 finalizer: a well-spread 64-bit hash of each value.
    z = x.astype(np.uint64, copy=True)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _users() -> tuple[str, ...]:
    return tuple(
        "0x" + hashlib.sha256(f"aleatoric-hyperliquid-user-{i}".encode()).hexdigest()[:40]
        for i in range(USER_POOL)
    )


_USERS = _users()


def _rate(value: float) -> str:
    # A rate at RATE_DECIMALS decimals, trailing zeros trimmed, at least one decimal.
    text = f"{value:.{RATE_DECIMALS}f}".rstrip("0")
    text = text + "0" if text.endswith(".") else text
    return "0.0" if float(text) == 0 else text


@dataclass
class _Views:
    """Top-of-book quantities at each ticker row (ticks; -1 where a side is empty)."""

    bid: I64
    ask: I64
    impact_bid: I64
    impact_ask: I64


@register_venue(
    "hyperliquid",
    decode=decode_message,
    frame_rules=(HyperliquidSnapshotSpacing,),
    # The book is published as snapshots every 0.5 s: a trade can print at a level the next
    # snapshot no longer shows.
    # Trade ids: tids are a keyed permutation, not consecutive.
    not_checked=("trade_inside_touch", "trade_id_gap_free"),
)
@dataclass
class Encoder:
    """Encode canonical days into Hyperliquid messages; book and volume state carry over days."""

    replay: L2Replay | None = None
    #: The top-20 view after the last 0.5 s window (price, size, count [2, 20]; levels [2]).
    last_view: tuple[I64, I64, I64, I64] | None = None
    #: Trades of the last 24 h (and the one before): ts, seq, price, lots, notional.
    history: dict[str, I64] = field(default_factory=dict)
    first_price: int = -1
    stats: dict[str, int] = field(default_factory=dict)

    def encode(self, day: DayInput) -> Messages:
        """Return the day's messages (all channels, merged by local time).

        Parameters
        ----------
        day
            One UTC day of canonical rows.

        Returns
        -------
        Messages
            ``l2Book``, ``trades`` and ``activeAssetCtx`` lines in receive order.
        """
        inst = day.instrument
        coin = inst.symbol
        latency = day.config.latency
        px = Formatter(inst.price_grid, "keep_one")
        qty = Formatter(inst.size_grid, "keep_one")
        out = Messages()
        views = self._book(day, out, coin, latency, px, qty)
        self._trades(day, out, coin, latency, px, qty)
        self._ctx(day, out, coin, latency, views, px, qty)
        return out

    # -- l2Book -------------------------------------------------------------------------

    def _book(
        self, day: DayInput, out: Messages, coin: str, latency: int, px: Formatter,
        qty: Formatter,
    ) -> _Views:  # fmt: skip
        d, k = day.delta, day.ticker
        n_tick = int(k["ts"].size)
        views = _Views(*(np.full(n_tick, -1, dtype=np.int64) for _ in range(4)))
        if self.replay is None:
            if not d["ts"].size:
                return views
            self.replay = L2Replay(int(d["price"][0]), depth=0)
        replay = self.replay

        # Window ends of the 0.5 s pushes and the row position of every ticker, in one list
        # of bounds (a ticker sees the book after every row with a smaller seq).
        if d["ts"].size:
            _, ends, end_ns = depth_windows(d["ts"], WINDOW_NS)
        else:
            ends = end_ns = np.zeros(0, dtype=np.int64)
        tick_at = np.searchsorted(d["seq"], np.asarray(k["seq"], dtype=np.int64))
        bounds = np.concatenate([ends, tick_at]).astype(np.int64)
        kind = np.concatenate([np.zeros(ends.size, np.int64), np.ones(n_tick, np.int64)])
        ref = np.concatenate([np.arange(ends.size), np.arange(n_tick)]).astype(np.int64)
        order = np.lexsort((kind, bounds))
        bounds, kind, ref = bounds[order], kind[order], ref[order]

        target = self._impact_target(day)
        texts: list[str] = []
        local: list[int] = []
        row = 0
        for c in range(0, bounds.size, CHUNK):
            b = bounds[c : c + CHUNK]
            hi = int(b[-1])
            sl = slice(row, hi)
            ch = replay.run(
                d["side"][sl], d["price"][sl], d["size"][sl], d["count"][sl], b - row,
                snapshot_windows=np.arange(b.size, dtype=np.int64), snapshot_depth=DEPTH,
            )  # fmt: skip
            row = hi
            s_px, s_sz, s_ct, s_n = ch.snapshots
            kc, rc = kind[c : c + CHUNK], ref[c : c + CHUNK]
            book = np.flatnonzero(kc == 0)
            if book.size:
                self._pushes(
                    (s_px[book], s_sz[book], s_ct[book], s_n[book]), end_ns[rc[book]],
                    coin, latency, px, qty, texts, local,
                )  # fmt: skip
            tick = np.flatnonzero(kc == 1)
            if tick.size:
                t = rc[tick]
                views.bid[t], views.ask[t] = _top(s_px[tick], s_n[tick])
                views.impact_bid[t] = _impact(s_px[tick, 0], s_sz[tick, 0], s_n[tick, 0], target)
                views.impact_ask[t] = _impact(s_px[tick, 1], s_sz[tick, 1], s_n[tick, 1], target)
        out.add(local, texts, priority=_PRIO_BOOK)
        self.stats["l2Book"] = self.stats.get("l2Book", 0) + len(texts)
        return views

    def _pushes(
        self, snaps: tuple[I64, I64, I64, I64], end_ns: I64, coin: str, latency: int,
        px: Formatter, qty: Formatter, texts: list[str], local: list[int],
    ) -> None:  # fmt: skip
        s_px, s_sz, s_ct, s_n = snaps
        # A window is pushed when its top-20 view differs from the previous window's (the
        # first window ever always is: no view has -1 levels).
        last = self.last_view or (
            np.zeros_like(s_px[0]), np.zeros_like(s_sz[0]), np.zeros_like(s_ct[0]),
            np.full_like(s_n[0], -1),
        )  # fmt: skip
        p_px, p_sz, p_ct, p_n = (
            np.concatenate([p[None], s[:-1]]) for p, s in zip(last, snaps, strict=True)
        )
        changed = (
            np.any(s_n != p_n, axis=1)
            | np.any(s_px != p_px, axis=(1, 2))
            | np.any(s_sz != p_sz, axis=(1, 2))
            | np.any(s_ct != p_ct, axis=(1, 2))
        )
        self.last_view = (s_px[-1].copy(), s_sz[-1].copy(), s_ct[-1].copy(), s_n[-1].copy())
        pick = np.flatnonzero(changed)
        if not pick.size:
            return
        ms = (end_ns[pick] // NS_PER_MS).tolist()
        # Every present level of the picked views, in (view, side, level) order.
        n = s_n[pick]
        present = np.arange(s_px.shape[2])[None, None, :] < n[:, :, None]
        levels = level_text(
            '{"px":"{px}","sz":"{sz}","n":{n}}', s_px[pick][present], s_sz[pick][present],
            NumberStyle(px.grid, "keep_one"), NumberStyle(qty.grid, "keep_one"),
            s_ct[pick][present],
        )  # fmt: skip
        at = np.concatenate([[0], np.cumsum(n.ravel())]).tolist()
        head = f'{{"channel":"l2Book","data":{{"coin":"{coin}","time":'
        texts.extend([
            f'{head}{t},"levels":[[{levels.join(at[2 * j], at[2 * j + 1])}],'
            f'[{levels.join(at[2 * j + 1], at[2 * j + 2])}]]}}}}'
            for j, t in enumerate(ms)
        ])  # fmt: skip
        local.extend((end_ns[pick] + latency).tolist())

    @staticmethod
    def _impact_target(day: DayInput) -> int:
        # IMPACT_NOTIONAL in units of one tick times one lot (exact for decimal grids).
        pg, sg = day.instrument.price_grid, day.instrument.size_grid
        unit = pg.step * sg.step
        return int(Decimal(IMPACT_NOTIONAL) / unit)

    # -- trades -------------------------------------------------------------------------

    def _trades(
        self, day: DayInput, out: Messages, coin: str, latency: int, px: Formatter,
        qty: Formatter,
    ) -> None:  # fmt: skip
        t = day.trades
        n = int(t["ts"].size)
        if not n:
            return
        if self.first_price < 0:
            self.first_price = int(t["price"][0])
        tids = tid_of(t["trade_id"], coin)
        # One message per taker and instant: consecutive fills with one time and side.
        new = np.ones(n, dtype=bool)
        new[1:] = (t["ts"][1:] != t["ts"][:-1]) | (t["side"][1:] != t["side"][:-1])
        starts = np.flatnonzero(new)
        ends = np.concatenate([starts[1:], [n]])
        group = np.cumsum(new) - 1
        first_tid = tids[starts]
        taker = (_mix64(first_tid) % np.uint64(USER_POOL)).astype(np.int64)
        maker = (_mix64(tids ^ np.uint64(0x5DEECE66D)) % np.uint64(USER_POOL)).astype(np.int64)
        taker_of = taker[group]
        maker = np.where(maker == taker_of, (maker + 1) % USER_POOL, maker)
        buy = t["side"] == 0
        buyer = np.where(buy, taker_of, maker)
        seller = np.where(buy, maker, taker_of)
        hashes = tuple(
            "0x" + hashlib.sha256(f"{coin}:{f}".encode()).hexdigest() for f in first_tid.tolist()
        )
        keep_one = (NumberStyle(px.grid, "keep_one"), NumberStyle(qty.grid, "keep_one"))
        fills = row_text(
            '{"coin":"' + coin + '","side":"{side}","px":"{px}","sz":"{sz}","time":{time},'
            '"hash":"{hash}","tid":{tid},"users":["{buyer}","{seller}"]}',
            {
                "side": (t["side"] != 0, ("B", "A")), "px": (t["price"], keep_one[0]),
                "sz": (t["size"], keep_one[1]), "time": (t["ts"] // NS_PER_MS,),
                "hash": (group, hashes), "tid": (tids.astype(np.int64),),
                "buyer": (buyer, _USERS), "seller": (seller, _USERS),
            },
        )  # fmt: skip
        texts = row_text(
            '{"channel":"trades","data":[{fills}]}', {"fills": fills.run(starts, ends)}
        )
        out.add(t["ts"][starts] + latency, texts, priority=_PRIO_TRADES)
        self.stats["trades"] = self.stats.get("trades", 0) + len(texts)

    # -- activeAssetCtx -----------------------------------------------------------------

    def _ctx(
        self, day: DayInput, out: Messages, coin: str, latency: int, views: _Views,
        px: Formatter, qty: Formatter,
    ) -> None:  # fmt: skip
        k, t = day.ticker, day.trades
        n = int(k["ts"].size)
        hist = self._history(t)
        if not n:
            self._trim(hist, t, k)
            return
        k_ts = np.asarray(k["ts"], dtype=np.int64)
        k_seq = np.asarray(k["seq"], dtype=np.int64)
        last = np.asarray(k["last"], dtype=np.int64)
        cutoff = k_ts - NS_PER_DAY
        # Rolling 24 h volumes: trades after ts - 24 h and before the ticker row (by seq).
        hi = np.searchsorted(hist["seq"], k_seq)
        lo = np.minimum(np.searchsorted(hist["ts"], cutoff, side="right"), hi)
        cum_lots = np.concatenate([[0], np.cumsum(hist["lots"])])
        cum_ntl = np.concatenate([[0], np.cumsum(hist["ntl"])])
        base_vol = (cum_lots[hi] - cum_lots[lo]).tolist()
        ntl_vol = (cum_ntl[hi] - cum_ntl[lo]).tolist()
        # prevDayPx: the last trade at or before ts - 24 h, else the first trade of the data,
        # else (no trade yet) the ticker's last price.
        before = lo - 1
        first = self.first_price
        traded = hi > 0
        prev_px = np.where(
            before >= 0,
            hist["price"][np.maximum(before, 0)] if hist["price"].size else last,
            np.where(traded & (first >= 0), first, last),
        ).tolist()
        self._trim(hist, t, k)

        pg, sg = day.instrument.price_grid, day.instrument.size_grid
        half = Formatter(Grid(pg.numerator * 5, pg.scale + 1), "keep_one")  # half a tick
        ntl_fmt = Formatter(Grid(pg.numerator * sg.numerator, pg.scale + sg.scale), "keep_one")
        mark = np.asarray(k["mark"], dtype=np.int64).tolist()
        oracle = np.asarray(k["index"], dtype=np.int64)
        oi = np.asarray(k["oi"], dtype=np.int64).tolist()
        rates: dict[float, str] = {}
        funding = [rates.get(r) or rates.setdefault(r, _rate(r)) for r in k["predicted"].tolist()]
        bid, ask, ib, ia = views.bid, views.ask, views.impact_bid, views.impact_ask
        both = (ib >= 0) & (ia >= 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            prem = np.where(
                both & (oracle > 0),
                (np.maximum(ib - oracle, 0) - np.maximum(oracle - ia, 0)) / oracle,
                0.0,
            ).tolist()
        oracle_l = oracle.tolist()
        mids = [
            f'"{half[b + a]}"' if b >= 0 and a >= 0 else "null"
            for b, a in zip(bid.tolist(), ask.tolist(), strict=True)
        ]
        impacts = [
            f'["{px[b]}","{px[a]}"]' if b >= 0 and a >= 0 else "null"
            for b, a in zip(ib.tolist(), ia.tolist(), strict=True)
        ]
        texts = [
            f'{{"channel":"activeAssetCtx","data":{{"coin":"{coin}","ctx":{{'
            f'"funding":"{funding[i]}","openInterest":"{qty[oi[i]]}",'
            f'"prevDayPx":"{px[prev_px[i]]}","dayNtlVlm":"{ntl_fmt[ntl_vol[i]]}",'
            f'"premium":"{_rate(prem[i])}","oraclePx":"{px[oracle_l[i]]}",'
            f'"markPx":"{px[mark[i]]}","midPx":{mids[i]},"impactPxs":{impacts[i]},'
            f'"dayBaseVlm":"{qty[base_vol[i]]}"}}}}}}'
            for i in range(n)
        ]
        out.add(k_ts + latency, texts, priority=_PRIO_CTX)
        self.stats["activeAssetCtx"] = self.stats.get("activeAssetCtx", 0) + n

    def _history(self, t: dict[str, I64]) -> dict[str, I64]:
        # The carried trades of the last 24 h followed by the day's trades.
        today = {
            "ts": t["ts"], "seq": t["seq"], "price": t["price"], "lots": t["size"],
            "ntl": t["price"] * t["size"],
        }  # fmt: skip
        if not self.history:
            return {key: np.asarray(v, dtype=np.int64) for key, v in today.items()}
        return {
            key: np.concatenate([self.history[key], np.asarray(v, dtype=np.int64)])
            for key, v in today.items()
        }

    def _trim(self, hist: dict[str, I64], t: dict[str, I64], k: dict[str, Any]) -> None:
        # Keep what the next day's rows can reach: trades after the day's last time - 24 h,
        # and the one before them (the prevDayPx of the first rows).
        if not hist["ts"].size:
            self.history = hist
            return
        last = int(hist["ts"][-1])
        if k["ts"].size:
            last = max(last, int(k["ts"][-1]))
        start = max(int(np.searchsorted(hist["ts"], last - NS_PER_DAY, side="right")) - 1, 0)
        self.history = {key: v[start:].copy() for key, v in hist.items()}


def _top(s_px: I64, s_n: I64) -> tuple[I64, I64]:
    # Best bid and ask per view, -1 where a side is empty.
    bid = np.where(s_n[:, 0] > 0, s_px[:, 0, 0], -1)
    ask = np.where(s_n[:, 1] > 0, s_px[:, 1, 0], -1)
    return bid.astype(np.int64), ask.astype(np.int64)


def _impact(px: I64, sz: I64, n: I64, target: int) -> I64:
    """Return the average execution price of ``target`` notional per view, in whole ticks.

    Parameters
    ----------
    px, sz
        Levels best first, ``[views, depth]`` in ticks and lots.
    n
        Levels present per view.
    target
        Notional in tick-times-lot units.

    Returns
    -------
    numpy.ndarray
        The price rounded to the nearest tick; with too little depth, the average over every
        level; -1 for an empty side.
    """
    depth = px.shape[1]
    present = np.arange(depth)[None, :] < n[:, None]
    sz = np.where(present, sz, 0)
    ntl = px * sz
    cum_ntl = np.cumsum(ntl, axis=1)
    cum_sz = np.cumsum(sz, axis=1)
    reached = cum_ntl >= target
    full = reached.any(axis=1)
    k = np.where(full, np.argmax(reached, axis=1), np.maximum(n - 1, 0))
    rows = np.arange(px.shape[0])
    before_ntl = cum_ntl[rows, k] - ntl[rows, k]
    before_sz = cum_sz[rows, k] - sz[rows, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        part = (target - before_ntl) / px[rows, k]
        avg_full = target / (before_sz + part)
        avg_all = cum_ntl[rows, k] / cum_sz[rows, k]
    avg = np.where(full, avg_full, avg_all)
    return np.where(n > 0, np.rint(np.nan_to_num(avg)), -1).astype(np.int64)
