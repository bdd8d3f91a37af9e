"""The regime plot of the catalogue: realized volatility per instrument and day, as SVG.

Hand-written SVG rather than a plotting library: a few polylines, deterministic bytes, no
script and nothing to load, so the page works from any static host.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["regime_svg"]

WIDTH, HEIGHT = 880, 300
LEFT, RIGHT, TOP, BOTTOM = 60, 180, 20, 40
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip


def _series(days: list[dict[str, Any]]) -> dict[str, list[tuple[int, float]]]:
    out: dict[str, list[tuple[int, float]]] = {}
    for x, day in enumerate(days):
        for inst in day["instruments"]:
            vol = inst["headline"]["realized_vol_pct"]
            if vol is not None:
                out.setdefault(f"{inst['venue']} {inst['symbol']}", []).append((x, vol))
    return out


def regime_svg(days: list[dict[str, Any]]) -> str:
    """Return an inline ``<svg>`` of each instrument's realized volatility by day."""
    series = _series(days)
    top = max((v for points in series.values() for _, v in points), default=1.0) or 1.0
    span = max(len(days) - 1, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def xy(x: int, v: float) -> str:
        px = LEFT + (plot_w * x / span if len(days) > 1 else plot_w / 2)
        return f"{px:.1f},{TOP + plot_h * (1 - v / top):.1f}"

    parts = [
        f'<svg id="regime" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-label="realized volatility per day">',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#555"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#555"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - frac)
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{top * frac:.2f}</text>"
        )
    for x in sorted({0, len(days) - 1}):
        px = xy(x, 0.0).split(",")[0]
        parts.append(
            f'<text x="{px}" y="{HEIGHT - 14}" font-size="11" text-anchor="middle">'
            f"{escape(days[x]['date'])}</text>"
        )
    for i, (name, points) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(xy(x, v) for x, v in points)
        parts.append(
            f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="1.5" '
            f'points="{path}"><title>{escape(name)}</title></polyline>'
        )
        for x, v in points:
            cx, cy = xy(x, v).split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
        ly = TOP + 14 * i + 8
        parts.append(
            f'<rect x="{WIDTH - RIGHT + 12}" y="{ly - 8}" width="10" height="10" '
            f'fill="{colour}"/><text x="{WIDTH - RIGHT + 28}" y="{ly + 1}" font-size="11">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
