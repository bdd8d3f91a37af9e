"""Perpetual rules: funding within the venue's caps and on its interval grid, mark near index."""

from __future__ import annotations

import numpy as np
import polars as pl

from aleatoric.instruments import is_futures
from aleatoric.integrity._context import CheckContext
from aleatoric.integrity._model import RuleResult
from aleatoric.integrity._registry import Finding, missing, outcome, rule, violations

__all__ = ["funding_on_interval_grid", "funding_within_caps", "mark_near_index"]

_RATES = {"ticker": ("funding_rate", "predicted_funding_rate"), "funding": ("funding_rate",)}


def _within(value: float | None, low: float, high: float) -> bool:
    return value is not None and low <= value <= high


def _distance(mark: float, index: float) -> str:
    return f"{abs(mark - index) / abs(index):.2%}" if index else "infinitely far"


@rule("funding_within_caps", {t: ("ts_event", *c) for t, c in _RATES.items()})
def funding_within_caps(ctx: CheckContext) -> RuleResult:
    """Check that funding rates lie within the instrument's floor and cap.

    Columns: ticker ``funding_rate`` and ``predicted_funding_rate``, funding ``funding_rate``.
    """
    floor, cap = float(ctx.instrument.funding_floor), float(ctx.instrument.funding_cap)
    findings: list[Finding] = []
    rows = 0
    for table, columns in _RATES.items():
        if not ctx.has(table):
            continue
        frame = ctx.frame(table)
        out = pl.lit(False)
        for col in columns:
            # A rate a venue does not carry (null) is not a violation.
            out = out | (~pl.col(col).is_between(floor, cap)).fill_null(False)
        mask = frame.select(out.alias("x"))["x"].to_numpy()

        def describe(r: pl.DataFrame, _: object, columns: tuple[str, ...] = columns) -> list[str]:
            return [
                ", ".join(f"{c}={row[c]!r}" for c in columns if not _within(row[c], floor, cap))
                + f" outside [{floor!r}, {cap!r}]"
                for row in r.iter_rows(named=True)
            ]

        findings.append(violations(ctx, table, mask, describe))
        rows += frame.height
    absent = [t for t in _RATES if not ctx.has(t)]
    return outcome(ctx, "funding_within_caps", findings, rows, missing(absent))


@rule(
    "funding_on_interval_grid",
    {"funding": ("ts_event",), "ticker": ("ts_event", "next_funding_ts")},
)
def funding_on_interval_grid(ctx: CheckContext) -> RuleResult:
    """Check that settlements fall on the UTC funding-interval grid.

    Every funding ``ts_event`` is a multiple of the instrument's interval; every ticker
    ``next_funding_ts`` is the next such multiple after its ``ts_event``.
    """
    if is_futures(ctx.instrument.venue):
        return RuleResult("funding_on_interval_grid", True, 0, [], 0, "futures pay no funding")
    interval = ctx.instrument.funding_interval_ns
    findings: list[Finding] = []
    rows = 0
    if ctx.has("funding"):
        frame = ctx.frame("funding")
        off = (frame["ts_event"].to_numpy() % interval) != 0
        hours = ctx.instrument.funding_interval_hours
        findings.append(
            violations(
                ctx,
                "funding",
                off,
                lambda r, _: [f"settlement not on the {hours} h grid"] * r.height,
            )
        )
        rows += frame.height
    if ctx.has("ticker"):
        frame = ctx.frame("ticker")
        ts = frame["ts_event"].to_numpy()
        # A venue frame that does not carry the next settlement (null) is not a violation.
        present = frame["next_funding_ts"].is_not_null().to_numpy()
        nxt = frame["next_funding_ts"].fill_null(0).to_numpy()
        expected = (ts // interval + 1) * interval
        findings.append(
            violations(
                ctx,
                "ticker",
                present & (nxt != expected),
                lambda r, idx: [
                    f"next_funding_ts {int(nxt[i])} is not the next settlement {int(expected[i])}"
                    for i in idx.tolist()
                ],
            )
        )
        rows += frame.height
    absent = [t for t in ("funding", "ticker") if not ctx.has(t)]
    return outcome(ctx, "funding_on_interval_grid", findings, rows, missing(absent))


@rule("mark_near_index", {"ticker": ("ts_event", "mark_price", "index_price")})
def mark_near_index(ctx: CheckContext) -> RuleResult:
    """Check that every ticker mark price is within the price band of its index price.

    The band is the instrument's ``price_band``, a fraction of the index price.
    """
    if not ctx.has("ticker"):
        return outcome(ctx, "mark_near_index", [], 0, missing(["ticker"]))
    band = float(ctx.instrument.price_band)
    frame = ctx.frame("ticker")
    mark = frame["mark_price"].to_numpy()
    index = frame["index_price"].to_numpy()
    with np.errstate(invalid="ignore"):
        far = ~(np.abs(mark - index) <= band * np.abs(index))
    # Frames that carry only one of the two prices (null -> NaN) are not compared.
    far &= ~(np.isnan(mark) | np.isnan(index))

    def describe(r: pl.DataFrame, idx: object) -> list[str]:
        return [
            f"mark {m!r} is {_distance(m, x)} from index {x!r} (band {band:.2%})"
            for m, x in zip(r["mark_price"].to_list(), r["index_price"].to_list(), strict=True)
        ]

    finding = violations(ctx, "ticker", far, describe)
    return outcome(ctx, "mark_near_index", [finding], frame.height)
