"""Figures of the cross-asset facts, drawn from the facts' details (no series needed).

A correlation fact gets two heatmaps (measured, model) side by side; the lead-lag fact the
cross-correlation curve of each venue against the leader with the configured lag marked;
the band fact each venue pair's share inside the band.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from aleatoric.realism._model import Fact

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CROSS_FIGURES", "cross_figure"]

CROSS_FIGURES = ("cross_correlation_1m", "cross_correlation_5m", "cross_correlation_1h",
                 "lead_lag", "cross_venue_band")  # fmt: skip


def _figure(ncols: int = 1) -> tuple[Figure, list[Any]]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2 * ncols + 1.0, 3.6), dpi=96, layout="constrained")
    return fig, list(fig.subplots(1, ncols, squeeze=False)[0])


def _heatmaps(fact: Fact) -> Figure:
    pairs: dict[str, dict[str, float]] = dict(fact.details["pairs"])
    names = list(dict.fromkeys(n for key in pairs for n in key.split("/")))
    k = len(names)
    fig, axes = _figure(2)
    for ax, which in zip(axes, ("measured", "model"), strict=True):
        m = np.eye(k)
        for key, v in pairs.items():
            a, b = (names.index(n) for n in key.split("/"))
            m[a, b] = m[b, a] = v[which]
        im = ax.imshow(m, vmin=0.0, vmax=1.0, cmap="viridis")
        for a in range(k):
            for b in range(k):
                color = "k" if m[a, b] > 0.6 else "w"
                ax.text(b, a, f"{m[a, b]:.2f}", ha="center", va="center", color=color, fontsize=8)
        ax.set_xticks(range(k), names)
        ax.set_yticks(range(k), names)
        ax.set_title(f"{which} ({fact.details.get('bars', '?')} bars)")
    fig.colorbar(im, ax=axes, shrink=0.8)
    return fig


def _lead_lag(fact: Fact) -> Figure:
    fig, (ax,) = _figure()
    for key, v in dict(fact.details["pairs"]).items():
        lags = np.asarray(v["lags_ms"], dtype=float)
        line = ax.plot(lags, v["curve"], marker="o", label=key)[0]
        ax.axvline(v["configured_ms"], color=line.get_color(), linestyle=":")
    ax.set_xlabel("lag of the venue behind the leader (ms)")
    ax.set_ylabel("cross-correlation of 100 ms mid returns")
    ax.legend(fontsize=7)
    return fig


def _band(fact: Fact) -> Figure:
    fig, (ax,) = _figure()
    pairs = dict(fact.details["pairs"])
    ax.barh(list(pairs), [100.0 * v["share"] for v in pairs.values()])
    ax.axvline(99.0, color="r", linestyle="--", label="band: 99 %")
    ax.set_xlabel("% of 100 ms snapshots inside fees + 3 ticks")
    ax.set_xlim(90.0, 100.5)
    ax.legend(fontsize=7)
    return fig


def cross_figure(fact: Fact) -> Figure | None:
    """Return the figure of a cross-asset fact, or None when it has nothing to draw."""
    if fact.name not in CROSS_FIGURES or not fact.details.get("pairs"):
        return None
    if fact.name == "lead_lag":
        return _lead_lag(fact)
    if fact.name == "cross_venue_band":
        return _band(fact)
    return _heatmaps(fact)
