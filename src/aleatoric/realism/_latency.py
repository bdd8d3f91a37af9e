"""The report's receive-latency section, for datasets generated with a latency overlay.

Not a stylized fact with a band (a latency model is a choice, not a property of markets):
the section shows the delays the dataset carries (``ts_recv - ts_event`` per event),
their quantiles, the configured model next to the one ``aleatoric latency fit`` recovers,
and the losses of the native captures when there are any.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from aleatoric.latency import LatencyFit, LatencyModel, fit_latency, fit_losses

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["LatencySummary", "latency_figure", "latency_rows", "latency_summary"]

F64 = npt.NDArray[np.float64]
QUANTILES = (0.01, 0.5, 0.9, 0.99, 0.999)
#: Parameters shown configured versus fitted.
SHOWN = ("d_min_ms", "mu", "sigma", "tau_ms", "tail_p", "tail_alpha", "loss_p", "loss_r")


@dataclass(frozen=True)
class LatencySummary:
    """Delays of one instrument, the configured models and the fitted one."""

    delay_ms: F64
    configured: tuple[tuple[str, LatencyModel], ...]
    fit: LatencyFit | None
    lost: int
    messages: int

    def quantiles(self) -> list[tuple[str, float]]:
        """Return ``(label, ms)`` of the delay quantiles and the maximum."""
        values = np.quantile(self.delay_ms, QUANTILES).tolist()
        out = [(f"p{q * 100:g}", v) for q, v in zip(QUANTILES, values, strict=True)]
        return [*out, ("max", float(self.delay_ms.max()))]


def latency_summary(path: str | Path, venue: str, symbol: str) -> LatencySummary | None:
    """Return the latency section's data, or None when the dataset has no latency overlay."""
    from aleatoric.dataset import open_dataset
    from aleatoric.latency._sources import read_delays

    try:
        config = open_dataset(path).config
    except (ValueError, OSError):
        return None
    models = []
    for overlay in config.overlays:
        if overlay.kind == "latency":
            lo, hi = config.overlay_window(overlay)
            window = f"{overlay.profile} [{(lo - config.start_ns) // 60_000_000_000} min, " \
                f"{(hi - config.start_ns) // 60_000_000_000} min)"  # fmt: skip
            models.append((window, overlay.latency_model()))
    if not models:
        return None
    delays = read_delays(path, instrument=f"{venue}:{symbol}")
    ts, first = np.unique(delays.ts_event, return_index=True)
    try:
        lost = delays.lost
        losses = fit_losses(lost) if lost is not None and lost.any() else None
        fit = fit_latency(ts, delays.delay_ns[first], losses)
    except ValueError:
        fit = None
    lost = delays.lost
    return LatencySummary(
        delays.delay_ns[first] / 1e6, tuple(models), fit,
        int(lost.sum()) if lost is not None else 0, int(lost.size) if lost is not None else 0,
    )  # fmt: skip


def latency_rows(summary: LatencySummary) -> list[tuple[str, str]]:
    """Return ``(quantity, text)`` rows for the terminal and the HTML table."""
    rows = [("events", f"{summary.delay_ms.size:,}")]
    rows += [(f"delay {label}", f"{value:,.4g} ms") for label, value in summary.quantiles()]
    if summary.messages:
        share = summary.lost / summary.messages
        rows.append(("native messages lost", f"{summary.lost:,} of {summary.messages:,} "
                                              f"({share:.3%})"))  # fmt: skip
    for window, model in summary.configured:
        rows.append((f"configured: {window}", _params(model)))
    if summary.fit is not None:
        rows.append((f"fitted (nearest {summary.fit.nearest_profile})", _params(summary.fit.model)))
        rows.append(("body KS distance", f"{summary.fit.ks_body:.4f}"))
        for note in summary.fit.notes:
            rows.append(("not estimated", note))
    return rows


def _params(model: LatencyModel) -> str:
    values = model.model_dump()
    return ", ".join(f"{k} {values[k]:.4g}" for k in SHOWN)


def latency_figure(summary: LatencySummary) -> Figure:
    """Return the delay histogram (log scale) and the survival function (log-log)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.2))
    left, right = fig.subplots(1, 2)
    d = summary.delay_ms
    bins = np.geomspace(max(float(d.min()), 1e-6), float(d.max()) * 1.0001, 80)
    left.hist(d, bins=bins, color="#4a78b0")
    left.set_xscale("log")
    left.set_xlabel("delay (ms)")
    left.set_ylabel("events")
    left.set_title("receive delay")
    x = np.sort(d)
    surv = 1.0 - np.arange(x.size) / x.size
    right.loglog(x, surv, color="#b04a4a", lw=1)
    right.set_xlabel("delay (ms)")
    right.set_ylabel("P(delay > x)")
    right.set_title("tail")
    fig.tight_layout()
    return fig
