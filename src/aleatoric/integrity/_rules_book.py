"""Book rules: uncrossed books, no removal of absent levels, trades at the touch, L3 = L2."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from aleatoric.integrity import _kernels as k
from aleatoric.integrity._context import CheckContext
from aleatoric.integrity._model import RuleResult
from aleatoric.integrity._registry import Finding, missing, outcome, rule, violations
from aleatoric.integrity._replay import l2_replay, l3_replay

__all__ = ["book_not_crossed", "delete_of_absent_level", "l3_consistency", "trade_inside_touch"]

I64 = npt.NDArray[np.int64]

_DELTA = ("ts_event", "side", "price", "size", "is_last", "is_snapshot?")
_DELTA_L3 = (*_DELTA, "order_count?")
_MBO = ("ts_event", "order_id", "action", "side", "price", "size")


def _px(value: float) -> str:
    return "none" if np.isnan(value) else repr(float(value))


@rule(
    "book_not_crossed",
    {"book_snapshot": ("ts_event", "bid_px_00", "ask_px_00"), "book_delta": _DELTA},
)
def book_not_crossed(ctx: CheckContext) -> RuleResult:
    """Check that best bid < best ask in every snapshot and after every complete L2 message.

    The L2 book is rebuilt from book_delta and checked after each row with ``is_last``.
    """
    findings: list[Finding] = []
    rows = 0
    if ctx.has("book_snapshot"):
        snap = ctx.frame("book_snapshot")
        bid, ask = snap["bid_px_00"], snap["ask_px_00"]
        crossed = (bid >= ask).fill_null(False).to_numpy()
        findings.append(
            violations(
                ctx,
                "book_snapshot",
                crossed,
                lambda r, _: [
                    f"snapshot crossed: bid_px_00 {b} >= ask_px_00 {a}"
                    for b, a in zip(r["bid_px_00"].to_list(), r["ask_px_00"].to_list(), strict=True)
                ],
            )
        )
        rows += snap.height
    if ctx.has("book_delta"):
        replay = l2_replay(ctx)

        def describe(r: pl.DataFrame, idx: I64) -> list[str]:
            return [
                f"L2 book crossed after this message: best bid {_px(replay.best[i, 0])} >= "
                f"best ask {_px(replay.best[i, 1])}"
                for i in idx.tolist()
            ]

        findings.append(violations(ctx, "book_delta", replay.crossed, describe))
        rows += ctx.frame("book_delta").height
    absent = [t for t in ("book_snapshot", "book_delta") if not ctx.has(t)]
    return outcome(ctx, "book_not_crossed", findings, rows, missing(absent))


@rule("delete_of_absent_level", {"book_delta": _DELTA})
def delete_of_absent_level(ctx: CheckContext) -> RuleResult:
    """Check that no book_delta row removes (size 0) a level that is not in the L2 book."""
    if not ctx.has("book_delta"):
        return outcome(ctx, "delete_of_absent_level", [], 0, missing(["book_delta"]))
    replay = l2_replay(ctx)
    finding = violations(
        ctx,
        "book_delta",
        replay.absent,
        lambda r, _: [
            f"removes {s} level {p} that is not in the book"
            for s, p in zip(r["side"].to_list(), r["price"].to_list(), strict=True)
        ],
    )
    return outcome(ctx, "delete_of_absent_level", [finding], ctx.frame("book_delta").height)


@rule(
    "trade_inside_touch",
    {"book_delta": _DELTA, "trades": ("ts_event", "price")},
)
def trade_inside_touch(ctx: CheckContext) -> RuleResult:
    """Check that every trade is priced within [best bid, best ask] of the L2 book before it.

    The book is rebuilt from every book_delta row with a smaller seq; an empty side bounds
    nothing. A fill at the touch always passes, also when it removes that level.
    """
    absent = [t for t in ("trades", "book_delta") if not ctx.has(t)]
    if absent:
        return outcome(ctx, "trade_inside_touch", [], 0, missing(absent))
    replay = l2_replay(ctx)
    trades = ctx.frame("trades")
    price = trades["price"].to_numpy()
    bid, ask = replay.trade_best[:, 0], replay.trade_best[:, 1]
    with np.errstate(invalid="ignore"):
        outside = (price < bid) | (price > ask) | np.isnan(price)

    def describe(r: pl.DataFrame, idx: I64) -> list[str]:
        return [
            f"trade at {float(price[i])!r} outside the touch [{_px(bid[i])}, {_px(ask[i])}]"
            for i in idx.tolist()
        ]

    finding = violations(ctx, "trades", outside, describe)
    return outcome(ctx, "trade_inside_touch", [finding], trades.height)


_ERRORS = (
    (k.ERR_UNKNOWN, "{verb} of order {oid}, which is not resting"),
    (k.ERR_EXCEEDS, "{verb} of {size!r} exceeds the order's remaining {rem!r}"),
    (k.ERR_WRONG_LEVEL, "{verb} at {side} {price!r} is not at the order's side and price"),
    (k.ERR_ADD_LIVE, "add of order {oid}, which is already resting with {rem!r}"),
    (k.ERR_BAD_CODE, "unknown action {action!r} or side {side!r} for a book action"),
)
_VERBS = {"A": "add (A)", "C": "cancel (C)", "M": "modify (M)", "F": "fill (F)"}


@rule("l3_consistency", {"mbo": _MBO, "book_delta": _DELTA_L3})
def l3_consistency(ctx: CheckContext) -> RuleResult:
    """Check that mbo replays as an order book that agrees with book_delta.

    Replaying mbo (A add, C cancel, M modify, F fill of a resting order, T aggressor record
    that leaves the book alone): no cancel, modify or fill of an unknown order, no fill or
    cancel larger than the remaining size, and each book_delta row's size equals the L3 size
    of its level after every mbo row with a smaller seq (and its ``order_count``, where the
    table has one, the number of resting orders there).
    """
    if not ctx.has("mbo"):
        return outcome(ctx, "l3_consistency", [], 0, missing(["mbo"]))
    replay = l3_replay(ctx)
    mbo = ctx.frame("mbo")

    def describe_mbo(r: pl.DataFrame, idx: I64) -> list[str]:
        out = []
        for row, i in zip(r.iter_rows(named=True), idx.tolist(), strict=True):
            err = int(replay.errors[i])
            fields = {
                "action": row["action"],
                "verb": _VERBS.get(row["action"], repr(row["action"])),
                "oid": row["order_id"],
                "size": row["size"],
                "rem": float(replay.remaining[i]),
                "side": row["side"],
                "price": row["price"],
            }
            out.append("; ".join(msg.format(**fields) for bit, msg in _ERRORS if err & bit))
        return out

    findings = [violations(ctx, "mbo", replay.errors != 0, describe_mbo)]
    rows = mbo.height
    if ctx.has("book_delta"):

        def describe_delta(r: pl.DataFrame, idx: I64) -> list[str]:
            out = []
            for row, i in zip(r.iter_rows(named=True), idx.tolist(), strict=True):
                text = (
                    f"{row['side']} {row['price']!r} size {row['size']!r}, "
                    f"L3 level size {float(replay.level_size[i])!r}"
                )
                if row.get("order_count") is not None:
                    text += f"; order_count {row['order_count']}, L3 {replay.level_orders[i]}"
                out.append(text)
            return out

        findings.append(violations(ctx, "book_delta", replay.delta_mismatch, describe_delta))
        rows += ctx.frame("book_delta").height
    return outcome(
        ctx,
        "l3_consistency",
        findings,
        rows,
        missing([] if ctx.has("book_delta") else ["book_delta"]),
    )
