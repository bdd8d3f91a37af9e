"""The venue's price band: trades stay near the mark price.

Venues reject orders that would trade further than a band from the mark (or index) price,
so a single trade 16 % away from the mark is corrupt data, not a market move. The band is
the instrument's ``price_band`` from the registry, around the latest ticker ``mark_price``
before the trade (by ``seq``; the first one for earlier trades). Resting orders are not
held to it: the engine's deep L3 books rest orders a few percent beyond the band.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from aleatoric.integrity._context import CheckContext
from aleatoric.integrity._model import RuleResult
from aleatoric.integrity._registry import Finding, missing, outcome, rule, violations

__all__ = ["price_within_band"]

_PRICED = ("trades",)


@rule(
    "price_within_band",
    {"ticker": ("mark_price",), **{t: ("price",) for t in _PRICED}},
)
def price_within_band(ctx: CheckContext) -> RuleResult:
    """Check that trade prices lie within ``price_band`` of the mark price."""
    priced = [t for t in _PRICED if ctx.has(t)]
    if not ctx.has("ticker") or not priced:
        return outcome(ctx, "price_within_band", [], 0, missing(["ticker"] if priced else []))
    band = float(ctx.instrument.price_band)
    marks = (
        ctx.frame("ticker")
        .select(pl.col("seq").cast(pl.Int64), pl.col("mark_price").alias("mark"))
        .drop_nulls()
        .sort("seq")
    )
    if marks.height == 0:
        return outcome(ctx, "price_within_band", [], 0, "no mark prices")
    first = float(marks["mark"][0])
    findings: list[Finding] = []
    rows = 0
    for table in priced:
        frame = ctx.frame(table)
        keyed = frame.select(pl.col("seq").cast(pl.Int64), pl.col("price")).with_row_index("i")
        joined = keyed.sort("seq").join_asof(marks, on="seq", strategy="backward").sort("i")
        mark = joined["mark"].fill_null(first).to_numpy()
        price = joined["price"].to_numpy()
        with np.errstate(invalid="ignore"):
            away = np.abs(price - mark) > band * mark
        mask: npt.NDArray[np.bool_] = np.nan_to_num(away, nan=0).astype(np.bool_)

        def describe(
            _rows: pl.DataFrame,
            idx: npt.NDArray[np.int64],
            price: object = price,
            mark: object = mark,
        ) -> list[str]:
            p, m = np.asarray(price), np.asarray(mark)
            return [
                f"price {p[i]:g} is {abs(p[i] - m[i]) / m[i]:.2%} from the mark {m[i]:g} "
                f"(band {band:.0%})"
                for i in idx.tolist()
            ]

        findings.append(violations(ctx, table, mask, describe))
        rows += frame.height
    return outcome(ctx, "price_within_band", findings, rows)
