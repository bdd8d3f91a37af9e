"""Trade-id continuity: consecutive trades carry consecutive ids.

Generated datasets number trades ``1, 2, 3, ...``; Binance (``t``) and Bybit number their
public trades per instrument the same way, so a normalized capture keeps that numbering and
a missing trade line shows as a jump. OKX merges fills into one message (its ids advance by
``count``: the frame rule ``okx_trade_id_gap_free`` checks them on the capture) and
Hyperliquid's ids are not consecutive, so the rule is not applied to their captures.

A jump across a labelled feed gap (the ``feed_gaps`` table a normalized capture carries,
:mod:`aleatoric.venues._gaps`) is accepted: the capture says those trades were lost.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from aleatoric.integrity._context import CheckContext
from aleatoric.integrity._model import RuleResult
from aleatoric.integrity._registry import Finding, missing, outcome, rule, violations
from aleatoric.venues._gaps import across_gap, read_gaps

__all__ = ["trade_id_gap_free"]

I64 = npt.NDArray[np.int64]


@rule("trade_id_gap_free", {"trades": ("trade_id", "ts_event")})
def trade_id_gap_free(ctx: CheckContext) -> RuleResult:
    """Check that each trade's id is the previous trade's id plus one, in ``seq`` order."""
    if not ctx.has("trades"):
        return outcome(ctx, "trade_id_gap_free", [], 0, missing(["trades"]))
    frame = ctx.frame("trades")
    column = frame["trade_id"]
    if frame.height == 0 or column.null_count() == frame.height:
        return outcome(ctx, "trade_id_gap_free", [], frame.height, "no trade ids")
    ids = column.fill_null(0).to_numpy().astype(np.int64)
    known = ~column.is_null().to_numpy()
    jump = np.zeros(ids.size, dtype=np.bool_)
    both = known[1:] & known[:-1]
    jump[1:] = both & (ids[1:] != ids[:-1] + 1)
    gaps = read_gaps(ctx.dataset.root)
    accepted = 0
    if gaps and jump.any():
        ts = frame["ts_event"].to_numpy().astype(np.int64)
        for i in np.flatnonzero(jump).tolist():
            if ids[i] > ids[i - 1] and across_gap(int(ts[i - 1]), int(ts[i]), gaps):
                jump[i] = False
                accepted += 1

    def describe(_rows: pl.DataFrame, idx: I64) -> list[str]:
        out = []
        for i in idx.tolist():
            gap = int(ids[i]) - int(ids[i - 1]) - 1
            what = f"{gap} trade id(s) missing" if gap > 0 else "not after the previous id"
            out.append(f"trade_id {int(ids[i])} follows {int(ids[i - 1])}: {what}")
        return out

    findings: list[Finding] = [violations(ctx, "trades", jump, describe)]
    note = f"{accepted} jump(s) across labelled feed gaps accepted" if accepted else ""
    return outcome(ctx, "trade_id_gap_free", findings, frame.height, note)
