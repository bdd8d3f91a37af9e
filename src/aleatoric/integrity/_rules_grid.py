"""Grid rules: prices on the instrument's tick (and significant figures), sizes on its lot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import polars as pl

from aleatoric.instruments import Grid, Instrument
from aleatoric.integrity._context import CheckContext
from aleatoric.integrity._model import RuleResult
from aleatoric.integrity._registry import Finding, missing, outcome, rule, violations

__all__ = ["bad_prices", "bad_sizes", "price_on_tick", "size_on_lot"]

F64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
Test = Callable[[F64], Mask]

#: Price columns per table (glob patterns); a null snapshot price is an absent level.
PRICE_COLUMNS: dict[str, tuple[str, ...]] = {
    "mbo": ("price",),
    "book_delta": ("price",),
    "trades": ("price",),
    "book_snapshot": ("bid_px_*", "ask_px_*"),
}
#: Size columns per table, and whether a size of zero is allowed there.
SIZE_COLUMNS: dict[str, tuple[tuple[str, ...], bool]] = {
    "mbo": (("size",), False),
    "book_delta": (("size",), True),
    "trades": (("size",), False),
    "book_snapshot": (("bid_sz_*", "ask_sz_*"), True),
}
_POW10 = np.array([10**k for k in range(1, 19)], dtype=np.int64)


def _significant_ok(values: F64, grid: Grid, figures: int) -> Mask:
    # At most ``figures`` significant figures, counted as the venue does: the step at a price
    # is 10**(digits of its integer part - figures), never finer than one tick.
    finite = np.isfinite(values)
    units = np.where(finite, grid.to_units(np.where(finite, values, 0.0)), 0) * grid.numerator
    whole = np.abs(units) // grid.denominator
    digits = 1 + np.searchsorted(_POW10, whole, side="right")
    exponent = np.clip(digits - figures + grid.scale, 0, 18).astype(np.int64)
    return np.asarray(units % (np.int64(10) ** exponent) == 0)


def bad_prices(values: F64, instrument: Instrument) -> Mask:
    """Return where prices are not positive, off the tick, or have too many significant figures.

    Parameters
    ----------
    values
        Prices as float64.
    instrument
        The instrument whose tick and significant-figure rule apply.

    Returns
    -------
    numpy.ndarray
        True where a price breaks a rule.
    """
    grid = instrument.price_grid
    finite = np.isfinite(values)
    safe = np.where(finite, values, 0.0)
    with np.errstate(all="ignore"):  # a huge corrupt value must not warn, only fail
        ok = finite & grid.on_grid(safe) & (safe > 0)
        if instrument.significant_figures > 0:
            ok &= _significant_ok(values, grid, instrument.significant_figures)
    return np.asarray(~ok)


def bad_sizes(values: F64, instrument: Instrument, *, zero_ok: bool) -> Mask:
    """Return where sizes are off the lot grid, negative, or zero where zero is not allowed.

    Parameters
    ----------
    values
        Sizes in base asset as float64.
    instrument
        The instrument whose lot (times its contract value) is the size grid.
    zero_ok
        Whether a size of zero is valid (a removed or absent level).

    Returns
    -------
    numpy.ndarray
        True where a size breaks a rule.
    """
    finite = np.isfinite(values)
    safe = np.where(finite, values, 0.0)
    with np.errstate(all="ignore"):
        ok = finite & instrument.size_grid.on_grid(safe) & (safe >= 0 if zero_ok else safe > 0)
    return np.asarray(~ok)


def _table_finding(
    ctx: CheckContext, table: str, columns: list[str], bad: Test, step: Decimal, what: str
) -> Finding:
    frame = ctx.frame(table)
    any_bad = np.zeros(frame.height, dtype=np.bool_)
    per_column: dict[str, Mask] = {}
    for col in columns:
        series = frame[col]
        mask = bad(series.to_numpy().astype(np.float64, copy=False))
        if series.null_count():
            mask &= ~series.is_null().to_numpy()
        per_column[col] = mask
        any_bad |= mask

    def describe(rows: pl.DataFrame, idx: npt.NDArray[np.int64]) -> list[str]:
        out = []
        for row, i in zip(rows.iter_rows(named=True), idx.tolist(), strict=True):
            cols = [c for c in columns if per_column[c][i]]
            parts = [f"{c}={row[c]!r}" for c in cols[:3]] + (["..."] if len(cols) > 3 else [])
            out.append(f"{what} off grid (step {step}): {', '.join(parts)}")
        return out

    return violations(ctx, table, any_bad, describe)


def _check(
    ctx: CheckContext,
    name: str,
    spec: Mapping[str, tuple[tuple[str, ...], Test]],
    step: Decimal,
    what: str,
) -> RuleResult:
    findings: list[Finding] = []
    rows = 0
    for table, (patterns, bad) in spec.items():
        if ctx.has(table):
            columns = [c for p in patterns for c in ctx.matching(table, p)]
            findings.append(_table_finding(ctx, table, columns, bad, step, what))
            rows += ctx.frame(table).height
    return outcome(ctx, name, findings, rows, missing([t for t in spec if not ctx.has(t)]))


@rule("price_on_tick", {t: ("ts_event", *c) for t, c in PRICE_COLUMNS.items()})
def price_on_tick(ctx: CheckContext) -> RuleResult:
    """Check that prices are positive, on the tick and within the venue's significant figures.

    Tables: mbo, book_delta, trades and book_snapshot (a null snapshot price is an absent
    level). The significant-figure rule applies to instruments that set one.
    """
    inst = ctx.instrument

    def bad(values: F64) -> Mask:
        return bad_prices(values, inst)

    spec = {t: (c, bad) for t, c in PRICE_COLUMNS.items()}
    return _check(ctx, "price_on_tick", spec, inst.tick_size, "price")


@rule("size_on_lot", {t: ("ts_event", *c) for t, (c, _) in SIZE_COLUMNS.items()})
def size_on_lot(ctx: CheckContext) -> RuleResult:
    """Check that sizes are on the lot grid: positive for orders and trades, else non-negative.

    Tables: mbo, book_delta, trades and book_snapshot; sizes are in base asset, so the grid
    is one lot times the contract value.
    """
    inst = ctx.instrument

    def positive(values: F64) -> Mask:
        return bad_sizes(values, inst, zero_ok=False)

    def non_negative(values: F64) -> Mask:
        return bad_sizes(values, inst, zero_ok=True)

    spec = {
        t: (c, non_negative if zero_ok else positive) for t, (c, zero_ok) in SIZE_COLUMNS.items()
    }
    return _check(ctx, "size_on_lot", spec, inst.lot_size * inst.contract_value, "size")
