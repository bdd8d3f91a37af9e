"""Book replays shared by the book rules: inputs from Polars frames, kernels, NumPy outputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from aleatoric.instruments import Grid
from aleatoric.integrity import _kernels as k
from aleatoric.integrity._context import CheckContext

__all__ = ["L2Replay", "L3Replay", "l2_replay", "l3_replay", "side_codes"]

F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

#: Direct level indexing up to this many price levels; beyond, indices of distinct prices.
_DENSE_LEVELS = 1 << 21
_ACTIONS = {"A": k.ACT_ADD, "C": k.ACT_CANCEL, "M": k.ACT_MODIFY, "T": k.ACT_TRADE, "F": k.ACT_FILL}


def side_codes(series: pl.Series, names: tuple[str, str]) -> I8:
    """Return 0 for ``names[0]`` (bid side), 1 for ``names[1]`` (ask side), 2 for anything else."""
    codes = series.replace_strict(
        {names[0]: 0, names[1]: 1}, default=2, return_dtype=pl.Int8
    ).fill_null(2)
    return np.ascontiguousarray(codes.to_numpy(), dtype=np.int8)


def _units(values: pl.Series, grid: Grid) -> I64:
    v = values.to_numpy().astype(np.float64, copy=False)
    finite = np.isfinite(v)
    if not finite.all():  # the grid rules report these; replay them at a harmless price
        v = np.where(finite, v, v[finite][0] if finite.any() else 0.0)
    with np.errstate(all="ignore"):
        return grid.to_units(v)


def _levels(ticks: list[I64], grid: Grid) -> tuple[list[I64], int, F64]:
    # Map price ticks of several arrays to dense level indices that keep price order.
    every = np.concatenate(ticks) if ticks else np.zeros(0, dtype=np.int64)
    if every.size == 0:
        return ticks, 1, np.zeros(1)
    lo, hi = int(every.min()), int(every.max())
    if hi - lo < _DENSE_LEVELS:
        prices = grid.to_float(np.arange(lo, hi + 1, dtype=np.int64))
        return [t - lo for t in ticks], hi - lo + 1, prices
    distinct = np.unique(every)
    return [np.searchsorted(distinct, t) for t in ticks], distinct.size, grid.to_float(distinct)


def _seq(frame: pl.DataFrame) -> I64:
    return np.ascontiguousarray(frame["seq"].to_numpy().astype(np.int64))


@dataclass(frozen=True)
class L2Replay:
    """The L2 book rebuilt from book_delta rows.

    Attributes
    ----------
    absent
        Per delta row: a removal (size 0) of a level that is not in the book.
    crossed
        Per delta row: the row has ``is_last`` and leaves best bid >= best ask.
    best
        Per delta row: best bid and best ask price after it (NaN when a side is empty).
    trade_best
        Per trade: best bid and best ask price after every delta row with a smaller seq.
    """

    absent: Mask
    crossed: Mask
    best: F64
    trade_best: F64


def _prices(index: I64, prices: F64) -> F64:
    return np.where(index >= 0, prices[np.maximum(index, 0)], np.nan)


def l2_replay(ctx: CheckContext) -> L2Replay:
    """Return the L2 replay of the dataset's book_delta (and trades), built once per check."""

    def build() -> L2Replay:
        grid = ctx.instrument.price_grid
        delta = ctx.frame("book_delta")
        trades = ctx.frame("trades") if ctx.planned("trades") else None
        (lvl,), n_levels, prices = _levels([_units(delta["price"], grid)], grid)
        n, n_t = delta.height, trades.height if trades is not None else 0
        absent = np.zeros(n, dtype=np.bool_)
        crossed = np.zeros(n, dtype=np.bool_)
        best = np.zeros((n, 2), dtype=np.int64)
        trade_best = np.zeros((n_t, 2), dtype=np.int64)
        last = np.ascontiguousarray(delta["is_last"].to_numpy(), dtype=np.bool_)
        # The first row of each snapshot message (a resync of a native capture) resets.
        snap = np.zeros(n, dtype=np.bool_)
        if "is_snapshot" in delta.columns:
            snap = np.ascontiguousarray(delta["is_snapshot"].fill_null(False).to_numpy(), np.bool_)
        reset = snap & np.concatenate([[True], last[:-1]]) if n else snap
        k.replay_l2(
            _seq(delta),
            side_codes(delta["side"], ("bid", "ask")),
            np.ascontiguousarray(lvl),
            _units(delta["size"], ctx.instrument.size_grid),
            last,
            reset,
            _seq(trades) if trades is not None else np.zeros(0, dtype=np.int64),
            n_levels,
            absent,
            crossed,
            best,
            trade_best,
        )
        # The message right before a resync snapshot met a stale book; the client discards
        # it (a message is the rows up to one with is_last).
        if reset[1:].any():
            message = np.concatenate([[0], np.cumsum(last[:-1])])
            stale = np.isin(message + 1, message[reset & (np.arange(n) > 0)])
            crossed &= ~stale
            absent &= ~stale
        return L2Replay(absent, crossed, _prices(best, prices), _prices(trade_best, prices))

    return ctx.memo("l2_replay", build)


@dataclass(frozen=True)
class L3Replay:
    """The L3 book rebuilt from mbo rows, compared with book_delta.

    Attributes
    ----------
    errors
        Per mbo row: error bits (``ERR_*`` in :mod:`aleatoric.integrity._kernels`).
    remaining
        Per mbo row: the resting order's remaining size before the row, in base asset.
    level_size
        Per book_delta row: the L3 size of its level after every mbo row with a smaller seq,
        in base asset (NaN for a row without a valid side).
    level_orders
        Per book_delta row: the number of resting L3 orders at its level then (-1 for a row
        without a valid side).
    delta_mismatch
        Per book_delta row: the row's size differs from ``level_size``, or its
        ``order_count`` (where the table has one and it is not null) from ``level_orders``.
    """

    errors: I8
    remaining: F64
    level_size: F64
    level_orders: I64
    delta_mismatch: Mask


def l3_replay(ctx: CheckContext) -> L3Replay:
    """Return the L3 replay of the dataset's mbo against its book_delta, built once per check."""

    def build() -> L3Replay:
        price_grid, size_grid = ctx.instrument.price_grid, ctx.instrument.size_grid
        mbo = ctx.frame("mbo")
        delta = ctx.frame("book_delta") if ctx.has("book_delta") else None
        ticks = [_units(mbo["price"], price_grid)]
        if delta is not None:
            ticks.append(_units(delta["price"], price_grid))
        levels, n_levels, _ = _levels(ticks, price_grid)
        actions = mbo["action"].replace_strict(_ACTIONS, default=0, return_dtype=pl.Int8)
        act = np.ascontiguousarray(actions.fill_null(0).to_numpy(), dtype=np.int8)
        bits = max(4, int(np.count_nonzero(act == k.ACT_ADD)).bit_length() + 1)
        n_d = delta.height if delta is not None else 0
        errors = np.zeros(mbo.height, dtype=np.int8)
        remaining = np.zeros(mbo.height, dtype=np.int64)
        level_size = np.full(n_d, -1, dtype=np.int64)
        level_orders = np.full(n_d, -1, dtype=np.int64)
        empty_i64 = np.zeros(0, dtype=np.int64)
        k.replay_l3(
            _seq(mbo),
            act,
            side_codes(mbo["side"], ("B", "A")),
            np.ascontiguousarray(mbo["order_id"].to_numpy(), dtype=np.uint64),
            np.ascontiguousarray(levels[0]),
            _units(mbo["size"], size_grid),
            _seq(delta) if delta is not None else empty_i64,
            side_codes(delta["side"], ("bid", "ask"))
            if delta is not None
            else empty_i64.astype(np.int8),
            np.ascontiguousarray(levels[1]) if delta is not None else empty_i64,
            n_levels,
            bits,
            errors,
            remaining,
            level_size,
            level_orders,
        )
        mismatch = np.zeros(n_d, dtype=np.bool_)
        if delta is not None:
            mismatch = (level_size >= 0) & (level_size != _units(delta["size"], size_grid))
            if "order_count" in delta.columns:
                count = delta["order_count"]
                known = ~count.is_null().to_numpy()
                differs = count.fill_null(0).to_numpy().astype(np.int64) != level_orders
                mismatch |= known & (level_orders >= 0) & differs
        return L3Replay(
            errors,
            size_grid.to_float(remaining),
            np.where(level_size >= 0, size_grid.to_float(level_size), np.nan),
            level_orders,
            mismatch,
        )

    return ctx.memo("l3_replay", build)
