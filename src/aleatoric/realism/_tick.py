"""Load the tick-level series of a dataset: a 100 ms book grid, OFI, best-price changes, events.

The book comes from ``book_delta`` when the dataset has it (replayed exactly, file by file, see
:mod:`aleatoric.realism._book`), else from ``book_snapshot`` resampled onto its own interval.
Aggressor events come from ``trades``: fills in the same millisecond on the same side are one
aggressive order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow.parquet as pq

from aleatoric.dataset import partition
from aleatoric.realism._book import (
    DEPTH_LEVELS,
    FULL_LEVELS,
    ST_CROSSED,
    ST_EMPTY,
    ST_FEWEST,
    ST_MESSAGES,
    ST_SHALLOW,
    finish_grid,
    new_state,
    replay,
)
from aleatoric.realism._model import DatasetError
from aleatoric.sinks.schema import AS_NS

__all__ = [
    "GRID_NS",
    "WARMUP_NS",
    "Events",
    "TickObservations",
    "aggressor_events",
    "load_tick",
    "table_files",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

NS_PER_MS = 1_000_000
NS_PER_SECOND = 1_000_000_000
#: Interval of the book grid read from ``book_delta``.
GRID_NS = 100_000_000
#: A book rebuilt from level changes without an initial snapshot is ignored for this long.
WARMUP_NS = 60 * NS_PER_SECOND
#: Rows replayed per batch (one Parquet row group of the writers: 2^20).
BATCH_ROWS = 1 << 20
#: Widest price range (in ticks) replayed; rows beyond it, far from the touch, are skipped.
MAX_PRICE_TICKS = 40_000_000


def table_files(root: Path, table: str, instrument: tuple[str, str] | None = None) -> list[Path]:
    """Return the Parquet files of ``table`` under ``root`` (empty when the table is absent).

    With ``instrument`` (venue, symbol), only that instrument's partition of the table.
    """
    folder = root / (partition(table, *instrument) if instrument else table)
    return sorted(folder.rglob("*.parquet")) if folder.is_dir() else []


@dataclass(frozen=True, eq=False)
class Events:
    """Aggressor events: fills in the same millisecond on the same side (one aggressive order).

    ``ts`` is the first fill's time, ``sign`` +1 for buys and -1 for sells, ``size`` the summed
    base-asset size, ``levels`` the number of distinct prices the order took.
    """

    ts: I64
    sign: F64
    size: F64
    levels: I64


def aggressor_events(ts: I64, side_buy: npt.NDArray[np.bool_], price: F64, size: F64) -> Events:
    """Group fills in time order into aggressor events (same millisecond, same side)."""
    if ts.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return Events(empty, np.empty(0), np.empty(0), empty)
    ms = ts // NS_PER_MS
    new = np.ones(ts.size, dtype=np.bool_)
    new[1:] = (ms[1:] != ms[:-1]) | (side_buy[1:] != side_buy[:-1])
    starts = np.flatnonzero(new)
    price_step = np.ones(ts.size, dtype=np.int64)
    price_step[1:] = (price[1:] != price[:-1]) & ~new[1:]
    price_step[starts] = 1
    return Events(
        ts=ts[starts],
        sign=np.where(side_buy[starts], 1.0, -1.0),
        size=np.add.reduceat(size, starts),
        levels=np.add.reduceat(price_step, starts),
    )


@dataclass(frozen=True, eq=False)
class TickObservations:
    """Tick-level series of one dataset.

    The grid holds, per ``grid_ns`` interval from ``start_ns``, the book as it stood at the
    interval's end: best prices and sizes and the summed size of the ten best non-empty levels
    per side (NaN while a side is empty or the book is crossed). ``ofi`` is the best-level
    order-flow imbalance per second from ``start_ns``; ``change_ts``/``change_mid`` every change
    of a best price. ``messages``/``empty``/``crossed`` count book states (message ends or
    snapshots) and those with an empty side or crossed; ``shallow`` those with fewer than
    ``full_levels`` levels on a side (the full depth a venue feed shows, or every level of a
    shallower snapshot) and ``fewest`` the fewest levels seen on a side.
    """

    source: str
    start_ns: int
    end_ns: int
    grid_ns: int
    bid: F64
    ask: F64
    bid_size: F64
    ask_size: F64
    bid_depth: F64
    ask_depth: F64
    ofi: F64
    change_ts: I64
    change_mid: F64
    messages: int
    empty: int
    crossed: int
    events: Events
    #: Spans ``[lo, hi)`` of stress scenarios masked out of the grid and the events.
    stressed: tuple[tuple[int, int], ...] = ()
    shallow: int = 0
    fewest: int = 0
    full_levels: int = FULL_LEVELS

    @property
    def mid(self) -> F64:
        """Return the grid mid price (NaN where the book is invalid)."""
        return np.asarray(0.5 * (self.bid + self.ask), dtype=np.float64)

    @property
    def duration_s(self) -> float:
        """Return the span of the grid in seconds."""
        return (self.end_ns - self.start_ns) / NS_PER_SECOND

    def mid_on(self, step_ns: int) -> F64 | None:
        """Return the mid at the end of every ``step_ns`` interval, or None if the grid is coarser.

        ``step_ns`` must be a whole multiple of the grid interval.
        """
        if step_ns % self.grid_ns:
            return None
        k = step_ns // self.grid_ns
        n = self.bid.size // k
        return np.asarray(self.mid[k - 1 : n * k : k], dtype=np.float64)

    def mid_at(self, t: I64) -> F64:
        """Return the mid in force at each time of ``t`` (after every change at or before it)."""
        i = np.searchsorted(self.change_ts, t, side="right") - 1
        out = np.full(t.size, np.nan)
        ok = i >= 0
        out[ok] = self.change_mid[i[ok]]
        return out


def _stat(files: list[Path], column: str) -> tuple[float, float] | None:
    lo, hi = math.inf, -math.inf
    for f in files:
        meta = pq.ParquetFile(f).metadata
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        if column not in names:
            return None
        col = names.index(column)
        for g in range(meta.num_row_groups):
            st = meta.row_group(g).column(col).statistics
            if st is None or not st.has_min_max:
                return None
            lo, hi = min(lo, float(st.min)), max(hi, float(st.max))
    return (lo, hi) if lo <= hi else None


def _minmax(files: list[Path], column: str) -> tuple[float, float]:
    found = _stat(files, column)
    if found is not None:
        return found
    row = pl.scan_parquet(files).select(pl.col(column).min().alias("lo"),
                                        pl.col(column).max().alias("hi")).collect()  # fmt: skip
    return float(row["lo"][0]), float(row["hi"][0])


def _file_order(files: list[Path]) -> list[Path]:
    # Files sorted by their first sequence number (falls back to path order).
    keys = []
    for f in files:
        found = _stat([f], "seq")
        keys.append(found[0] if found is not None else math.inf)
    return [f for _, f in sorted(zip(keys, files, strict=True), key=lambda kv: kv[0])]


def _delta_batches(files: list[Path], cols: list[str]) -> Iterator[pl.DataFrame]:
    """Yield the rows of ``files`` (already in seq order) one Parquet batch at a time.

    Raises
    ------
    DatasetError
        If the rows are not in ``seq`` order (the writers of this package never do that).
    """
    last = -1
    for f in files:
        for batch in pq.ParquetFile(f).iter_batches(batch_size=BATCH_ROWS, columns=cols):
            frame = cast(pl.DataFrame, pl.from_arrow(batch))
            seq = frame["seq"]
            if seq.len() == 0:
                continue
            if not seq.is_sorted() or int(seq[0]) < last:
                raise DatasetError(
                    f"book_delta rows are not in seq order in {f} (seq {int(seq[0])} after "
                    f"{last}); the replay needs them in order"
                )
            last = int(seq[-1])
            yield frame


def _from_deltas(files: list[Path], start_ns: int, end_ns: int, tick: float, events: Events
                 ) -> TickObservations:  # fmt: skip
    lo, hi = _minmax(files, "price")
    p0 = math.floor(lo / tick)
    n_prices = math.floor(hi / tick) - p0 + 2
    if n_prices > MAX_PRICE_TICKS:
        mid_guess = 0.5 * (lo + hi)
        p0 = math.floor(mid_guess / tick) - MAX_PRICE_TICKS // 2
        n_prices = MAX_PRICE_TICKS
    has_snapshot = pl.scan_parquet(files).select(pl.col("is_snapshot").any()).collect().item()
    grid_start = start_ns if has_snapshot else start_ns + WARMUP_NS
    n_grid = max(0, (end_ns - grid_start) // GRID_NS)
    bids = np.zeros(n_prices, dtype=np.float64)
    asks = np.zeros(n_prices, dtype=np.float64)
    si, sf = new_state(n_prices)
    g_out = np.full((n_grid, 6), np.nan)
    ofi = np.zeros(max(0, (end_ns - grid_start) // NS_PER_SECOND), dtype=np.float64)
    ch_ts_parts: list[I64] = []
    ch_px_parts: list[I64] = []
    cols = ["ts_event", "seq", "side", "price", "size", "is_last"]
    for frame in _delta_batches(_file_order(files), cols):
        ts = frame["ts_event"].cast(pl.Int64).to_numpy()
        is_ask = (frame["side"] == "ask").to_numpy()
        idx = ((frame["price"] / tick).round().cast(pl.Int64) - p0).to_numpy()
        size = frame["size"].cast(pl.Float64).to_numpy()
        is_last = frame["is_last"].to_numpy()
        ch_ts = np.empty(ts.size, dtype=np.int64)
        ch_px = np.empty((ts.size, 2), dtype=np.int64)
        n_ch = replay(ts, is_ask, idx, size, is_last, bids, asks, si, sf,
                      grid_start, GRID_NS, g_out, ofi, ch_ts, ch_px)  # fmt: skip
        ch_ts_parts.append(ch_ts[:n_ch].copy())
        ch_px_parts.append(ch_px[:n_ch].copy())
        del frame, ts, is_ask, idx, size, is_last, ch_ts, ch_px
    finish_grid(si, sf, bids, asks, grid_start, GRID_NS, g_out)
    change_px = np.concatenate(ch_px_parts) if ch_px_parts else np.empty((0, 2), np.int64)
    change_ts = np.concatenate(ch_ts_parts) if ch_ts_parts else np.empty(0, np.int64)
    valid = change_px[:, 0] >= 0
    change_mid = np.where(valid, (0.5 * (change_px[:, 0] + change_px[:, 1]) + p0) * tick, np.nan)
    return TickObservations(
        source="book_delta",
        start_ns=grid_start,
        end_ns=grid_start + n_grid * GRID_NS,
        grid_ns=GRID_NS,
        bid=(g_out[:, 0] + p0) * tick,
        ask=(g_out[:, 1] + p0) * tick,
        bid_size=g_out[:, 2].copy(),
        ask_size=g_out[:, 3].copy(),
        bid_depth=g_out[:, 4].copy(),
        ask_depth=g_out[:, 5].copy(),
        ofi=ofi,
        change_ts=change_ts,
        change_mid=change_mid,
        messages=int(si[ST_MESSAGES]),
        empty=int(si[ST_EMPTY]),
        crossed=int(si[ST_CROSSED]),
        events=events,
        shallow=int(si[ST_SHALLOW]),
        fewest=int(si[ST_FEWEST]) if si[ST_MESSAGES] else 0,
    )


def _depth_expr(side: str, names: set[str]) -> pl.Expr:
    cols = [f"{side}_sz_{i:02d}" for i in range(DEPTH_LEVELS) if f"{side}_sz_{i:02d}" in names]
    return pl.sum_horizontal([pl.col(c).fill_null(0.0) for c in cols]).alias(f"{side}_depth")


def _levels_expr(side: str, names: set[str]) -> pl.Expr:
    # Non-empty levels of a side in a snapshot (a missing level is null).
    cols = [c for c in sorted(names) if c.startswith(f"{side}_px_")]
    return pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int64) for c in cols]).alias(
        f"{side}_levels"
    )


def _from_snapshots(files: list[Path], start_ns: int, end_ns: int, events: Events
                    ) -> TickObservations:  # fmt: skip
    names = set(pl.read_parquet_schema(files[0]))
    columns = ["ts_event", "seq", "bid_px_00", "ask_px_00", "bid_sz_00", "ask_sz_00"]
    depth = [_depth_expr("bid", names), _depth_expr("ask", names)]
    full = min(FULL_LEVELS, sum(1 for c in names if c.startswith("bid_px_")))
    counts = [_levels_expr("bid", names), _levels_expr("ask", names)]
    frame = (
        pl.scan_parquet(files)
        .select(*columns, *depth, *counts)
        .with_columns(AS_NS)
        .sort("seq")
        .collect()
    )
    fewest = np.minimum(frame["bid_levels"].to_numpy(), frame["ask_levels"].to_numpy())
    ts = frame["ts_event"].cast(pl.Int64).to_numpy()
    bid = frame["bid_px_00"].cast(pl.Float64).to_numpy()
    ask = frame["ask_px_00"].cast(pl.Float64).to_numpy()
    empty_mask = np.isnan(bid) | np.isnan(ask)
    crossed_mask = ~empty_mask & (bid >= ask)
    good = ~(empty_mask | crossed_mask)
    interval = int(np.median(np.diff(ts))) if ts.size > 1 else GRID_NS
    grid_ns = max(GRID_NS, round(interval / GRID_NS) * GRID_NS)
    n_grid = max(0, (end_ns - start_ns) // grid_ns)
    cols = [bid, ask] + [
        frame[c].cast(pl.Float64).to_numpy()
        for c in ("bid_sz_00", "ask_sz_00", "bid_depth", "ask_depth")
    ]
    out = np.full((n_grid, 6), np.nan)
    # last snapshot at or before each interval's end, forward-filled
    ends = start_ns + (np.arange(n_grid, dtype=np.int64) + 1) * grid_ns
    at = np.searchsorted(ts, ends, side="left") - 1
    ok = at >= 0
    for c, values in enumerate(cols):
        v = np.where(good, values, np.nan)
        out[ok, c] = v[at[ok]]
    mid = 0.5 * (bid + ask)
    mid[~good] = np.nan
    changed = np.ones(ts.size, dtype=np.bool_)
    changed[1:] = (bid[1:] != bid[:-1]) | (ask[1:] != ask[:-1])
    ofi = _grid_ofi(out, start_ns, grid_ns, (end_ns - start_ns) // NS_PER_SECOND)
    return TickObservations(
        source=f"book_snapshot every {interval / 1e6:g} ms",
        start_ns=start_ns,
        end_ns=start_ns + n_grid * grid_ns,
        grid_ns=grid_ns,
        bid=out[:, 0], ask=out[:, 1], bid_size=out[:, 2], ask_size=out[:, 3],
        bid_depth=out[:, 4], ask_depth=out[:, 5],
        ofi=ofi,
        change_ts=ts[changed], change_mid=mid[changed],
        messages=int(ts.size), empty=int(empty_mask.sum()), crossed=int(crossed_mask.sum()),
        events=events, shallow=int((fewest < full).sum()),
        fewest=int(fewest.min()) if fewest.size else 0, full_levels=full,
    )  # fmt: skip


def _grid_ofi(g: F64, start_ns: int, grid_ns: int, seconds: int) -> F64:
    # Best-level OFI between consecutive grid samples, summed per second.
    pb, pa, qb, qa = g[:-1, 0], g[:-1, 1], g[:-1, 2], g[:-1, 3]
    b, a, nb_, na = g[1:, 0], g[1:, 1], g[1:, 2], g[1:, 3]
    e = (np.where(b >= pb, nb_, 0.0) - np.where(b <= pb, qb, 0.0)
         - np.where(a <= pa, na, 0.0) + np.where(a >= pa, qa, 0.0))  # fmt: skip
    e = np.where(np.isfinite(e), e, 0.0)
    sec = ((np.arange(1, g.shape[0]) + 1) * grid_ns - 1) // NS_PER_SECOND
    keep = sec < seconds
    out = np.bincount(sec[keep], weights=e[keep], minlength=max(seconds, 0))[: max(seconds, 0)]
    return np.asarray(out, dtype=np.float64)


def _events(root: Path, instrument: tuple[str, str] | None = None) -> Events:
    files = table_files(root, "trades", instrument)
    if not files:
        return aggressor_events(np.empty(0, np.int64), np.empty(0, np.bool_), np.empty(0),
                                np.empty(0))  # fmt: skip
    try:
        frame = (
            pl.scan_parquet(files).select("ts_event", "seq", "price", "size", "side")
            .with_columns(AS_NS).sort("seq").collect()
        )  # fmt: skip
    except Exception as exc:  # polars raises several unrelated types for bad files
        raise DatasetError(f"cannot read table 'trades' in {root}: {exc}") from None
    return aggressor_events(
        frame["ts_event"].cast(pl.Int64).to_numpy(),
        (frame["side"] == "buy").to_numpy(),
        frame["price"].cast(pl.Float64).to_numpy(),
        frame["size"].cast(pl.Float64).to_numpy(),
    )


def load_tick(
    root: Path,
    start_ns: int,
    end_ns: int,
    tick: float,
    instrument: tuple[str, str] | None = None,
) -> TickObservations | None:
    """Return the tick-level series of the dataset at ``root``, or None without a book table.

    ``instrument`` (venue, symbol) selects one instrument of a dataset that holds several.

    Raises
    ------
    DatasetError
        If a table cannot be read.
    """
    events = _events(root, instrument)
    deltas = table_files(root, "book_delta", instrument)
    try:
        if deltas:
            return _from_deltas(deltas, start_ns, end_ns, tick, events)
        snapshots = table_files(root, "book_snapshot", instrument)
        if snapshots:
            return _from_snapshots(snapshots, start_ns, end_ns, events)
    except DatasetError:
        raise
    except Exception as exc:  # polars and pyarrow raise several unrelated types for bad files
        raise DatasetError(f"cannot read the book of {root}: {exc}") from None
    return None
