"""Cross-asset and cross-venue facts over price series of several instruments.

The inputs are what the canonical tables hold: event times (ns) and prices of each instrument
(trade prices, or mids from ``book_snapshot``). Series are put on a common grid of bars with
:func:`bar_returns`; the facts then read those returns: the correlation matrix by horizon
(which rises with the horizon in real data: the Epps effect), the share of jumps that are
co-jumps with a leader, the lag of the peak cross-correlation (who leads price discovery) and
the share of time two venues' mids of one asset stay inside a no-arbitrage band.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from aleatoric.realism._series import resample_last

__all__ = [
    "band_share",
    "bar_returns",
    "co_jump_share",
    "correlation_by_horizon",
    "correlation_matrix",
    "lead_lag",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
NS_PER_MINUTE = 60_000_000_000
#: MAD to standard deviation for normal data.
_MAD_TO_STD = 1.4826


def bar_returns(
    series: Mapping[str, tuple[I64, F64]], width_ns: int, end_ns: int
) -> dict[str, F64]:
    """Return log returns of every series on the bars all of them cover, one row per bar.

    ``series`` maps a name to ``(ts_ns, price)`` in time order; each is resampled to the last
    price per bar (gaps forward-filled), and only the bars every series has are kept, so the
    returns line up across names.
    """
    bars = {name: resample_last(np.asarray(ts, dtype=np.int64), np.asarray(px, dtype=np.float64),
                                width_ns, end_ns)
            for name, (ts, px) in series.items()}  # fmt: skip
    if not bars:
        return {}
    lo = max(int(b[0][0]) if b[0].size else 0 for b in bars.values())
    hi = min(int(b[0][-1]) if b[0].size else -1 for b in bars.values())
    out: dict[str, F64] = {}
    for name, (bucket, price) in bars.items():
        keep = (bucket >= lo) & (bucket <= hi)
        out[name] = np.diff(np.log(price[keep])) if keep.any() else np.empty(0)
    return out


def correlation_matrix(returns: Mapping[str, F64]) -> tuple[tuple[str, ...], F64]:
    """Return the names and the Pearson correlation matrix of aligned return series."""
    names = tuple(returns)
    lengths = {len(returns[n]) for n in names}
    if len(lengths) != 1 or min(lengths) < 3:
        raise ValueError(f"returns must be aligned and hold 3 or more rows, were {lengths}")
    return names, np.atleast_2d(np.corrcoef(np.vstack([returns[n] for n in names])))


def correlation_by_horizon(
    series: Mapping[str, tuple[I64, F64]],
    end_ns: int,
    horizons_min: tuple[int, ...] = (1, 5, 60),
) -> dict[int, tuple[tuple[str, ...], F64]]:
    """Return the correlation matrix of bar returns at each horizon (minutes)."""
    return {
        h: correlation_matrix(bar_returns(series, h * NS_PER_MINUTE, end_ns)) for h in horizons_min
    }


def _jumps(r: F64, k: float) -> npt.NDArray[np.bool_]:
    med = float(np.median(r))
    scale = _MAD_TO_STD * float(np.median(np.abs(r - med)))
    return np.abs(r - med) > k * scale if scale > 0 else np.zeros(r.shape, dtype=bool)


def co_jump_share(returns: Mapping[str, F64], leader: str, k: float = 6.0) -> dict[str, float]:
    """Return, per other name, the share of its jump bars in which ``leader`` jumps too.

    A jump bar is a return more than ``k`` robust standard deviations (MAD) from the median.
    NaN for a name without jumps.
    """
    if leader not in returns:
        raise KeyError(f"leader {leader!r} not among the series; allowed: {', '.join(returns)}")
    lead = _jumps(returns[leader], k)
    out: dict[str, float] = {}
    for name, r in returns.items():
        if name == leader:
            continue
        own = _jumps(r, k)
        out[name] = float((own & lead).sum() / own.sum()) if own.any() else float("nan")
    return out


def lead_lag(a: F64, b: F64, max_lag: int) -> tuple[I64, F64, int]:
    """Return lags, cross-correlations ``corr(a[t], b[t + lag])`` and the lag of the peak.

    A positive peak lag means ``a`` leads ``b`` by that many bars.
    """
    if a.shape != b.shape or a.size <= 2 * max_lag + 2:
        raise ValueError(f"a and b must be aligned and longer than 2*max_lag+2, were {a.shape}")
    lags = np.arange(-max_lag, max_lag + 1, dtype=np.int64)
    xc = np.empty(lags.size)
    n = a.size
    for i, lag in enumerate(lags.tolist()):
        x = a[max(0, -lag) : n - max(0, lag)]
        y = b[max(0, lag) : n - max(0, -lag)]
        xc[i] = np.corrcoef(x, y)[0, 1]
    return lags, xc, int(lags[int(np.argmax(xc))])


def band_share(mid_a: F64, mid_b: F64, band_bps: float) -> float:
    """Return the share of aligned samples where two mids differ by at most ``band_bps``."""
    if mid_a.shape != mid_b.shape or mid_a.size == 0:
        raise ValueError(f"mids must be aligned and non-empty, were {mid_a.shape}, {mid_b.shape}")
    gap = np.abs(np.log(mid_a / mid_b)) * 1e4
    return float(np.mean(gap <= band_bps))
