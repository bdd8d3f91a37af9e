"""Render a scorecard: a Rich table for terminals, one self-contained HTML file for people.

The HTML embeds every figure as a base64 PNG ``data:`` URI, so the file can be mailed or
attached to a CI run as is. matplotlib is needed only here and is imported on first use.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from aleatoric.realism._model import Comparison, Fact, Scorecard

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["MissingExtraError", "ensure_matplotlib", "render_html", "render_terminal"]

_STYLE = {"PASS": "bold green", "FAIL": "bold red", "N/A": "dim"}
_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.PASS { color: #0a7a2f; font-weight: bold; }
.FAIL { color: #b00020; font-weight: bold; }
.NA { color: #777; }
section { border-top: 1px solid #ddd; margin-top: 1.5em; padding-top: 0.5em; }
img { max-width: 100%; }
pre { background: #f8f8f8; padding: 0.5em; overflow-x: auto; font-size: 0.8em; }
"""


class MissingExtraError(ImportError):
    """matplotlib is not installed; the HTML report needs the ``report`` extra."""


def ensure_matplotlib() -> None:
    """Raise :class:`MissingExtraError` unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError(
            "the HTML report needs matplotlib, which is not installed; install the 'report' "
            "extra: pip install 'aleatoric[report]'"
        ) from exc


def render_terminal(
    scorecard: Scorecard, console: Console, comparison: Comparison | None = None
) -> None:
    """Print the scorecard as a Rich table (fact, value, band, PASS/FAIL/N/A) and a verdict.

    Parameters
    ----------
    scorecard
        The scorecard to print.
    console
        Where to print.
    comparison
        Optional compare-mode result, printed as a second table.
    """
    table = Table(title=f"realism: {scorecard.venue} {scorecard.symbol} {scorecard.preset}")
    table.add_column("fact")
    table.add_column("value", justify="right")
    table.add_column("band")
    table.add_column("status")
    table.add_column("note", overflow="fold")
    for f in scorecard.facts:
        status = f"[{_STYLE[f.status]}]{f.status}[/]"
        table.add_row(f.title, f.value_text, f.band, status, f.reason)
    console.print(table)
    if comparison is not None:
        console.print(_comparison_table(comparison))
    n_fail = len(scorecard.failed)
    if scorecard.passed:
        console.print("[bold green]PASS[/]: every applicable band holds")
    else:
        names = ", ".join(f.name for f in scorecard.failed)
        console.print(f"[bold red]FAIL[/]: {n_fail} band(s) fail: {names}")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _comparison_table(comparison: Comparison) -> Table:
    table = Table(title=f"compare: A = {comparison.a_label}, B = {comparison.b_label}")
    for col in ("quantity", "unit", "W1", "A mean", "B mean", "A median", "B median"):
        table.add_column(col, justify="left" if col in ("quantity", "unit") else "right")
    for d in comparison.distances:
        a, b = d.a_stats, d.b_stats
        table.add_row(
            d.title, d.unit, _fmt(d.w1), _fmt(a.get("mean", "-")), _fmt(b.get("mean", "-")),
            _fmt(a.get("median", "-")), _fmt(b.get("median", "-")),
        )  # fmt: skip
    return table


def _png(fig: Figure) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fact_section(fact: Fact, image: str) -> str:
    css = "NA" if fact.status == "N/A" else fact.status
    details = json.dumps(fact.to_dict()["details"], indent=2)
    reason = f"<p class='NA'>{_e(fact.reason)}</p>" if fact.reason else ""
    return (
        f"<section id='{_e(fact.name)}'><h2>{_e(fact.title)} "
        f"<span class='{css}'>{_e(fact.status)}</span></h2>"
        f"<p>value <b>{_e(fact.value_text)}</b>, band {_e(fact.band)}</p>{reason}"
        f"<img alt='{_e(fact.name)}' src=\"{image}\">"
        f"<details><summary>details</summary><pre>{_e(details)}</pre></details></section>"
    )


def _summary_table(scorecard: Scorecard) -> str:
    rows = "".join(
        f"<tr><td><a href='#{_e(f.name)}'>{_e(f.title)}</a></td><td>{_e(f.value_text)}</td>"
        f"<td>{_e(f.band)}</td><td class='{'NA' if f.status == 'N/A' else f.status}'>"
        f"{_e(f.status)}</td><td>{_e(f.reason)}</td></tr>"
        for f in scorecard.facts
    )
    head = "<tr><th>fact</th><th>value</th><th>band</th><th>status</th><th>note</th></tr>"
    return f"<table>{head}{rows}</table>"


def _comparison_html(comparison: Comparison) -> str:
    from aleatoric.realism._plots import distance_figure

    stats = ("n", "mean", "std", "p05", "median", "p95")
    head = "<tr><th>quantity</th><th>W1</th>" + "".join(
        f"<th>A {s}</th><th>B {s}</th>" for s in stats
    )
    rows = []
    sections = []
    for d in comparison.distances:
        cells = "".join(
            f"<td>{_e(_fmt(d.a_stats.get(s, '-')))}</td><td>{_e(_fmt(d.b_stats.get(s, '-')))}</td>"
            for s in stats
        )
        rows.append(
            f"<tr><td>{_e(d.title)} ({_e(d.unit)})</td><td>{_e(_fmt(d.w1))}</td>{cells}</tr>"
        )
        image = _png(distance_figure(d, comparison.a_label, comparison.b_label))
        sections.append(
            f"<section id='compare-{_e(d.name)}'><h3>{_e(d.title)}: W1 = {_e(_fmt(d.w1))} "
            f"{_e(d.unit)}</h3><img alt='compare {_e(d.name)}' src=\"{image}\"></section>"
        )
    return (
        f"<section id='compare'><h2>Compare</h2><p>A = {_e(comparison.a_label)} "
        f"({_e(comparison.a_path)})<br>B = {_e(comparison.b_label)} ({_e(comparison.b_path)})"
        f"</p><table>{head}</tr>{''.join(rows)}</table>{''.join(sections)}</section>"
    )


def _document(scorecard: Scorecard, comparison: Comparison | None) -> str:
    from aleatoric.realism._plots import PlotData, fact_figure

    data = PlotData.of(scorecard.observations) if scorecard.observations is not None else None
    sections = [_fact_section(f, _png(fact_figure(f, data))) for f in scorecard.facts]
    verdict = "PASS" if scorecard.passed else "FAIL"
    title = f"Realism scorecard: {scorecard.venue} {scorecard.symbol} {scorecard.preset}"
    seed = "" if scorecard.seed is None else f", seed {scorecard.seed}"
    compare_html = _comparison_html(comparison) if comparison is not None else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)} <span class='{verdict}'>{verdict}</span></h1>"
        f"<p>{_e(scorecard.path)}{_e(seed)}. A band marked N/A does not count.</p>"
        f"{_summary_table(scorecard)}{''.join(sections)}{compare_html}</body></html>\n"
    )


def render_html(
    scorecard: Scorecard, path: str | Path, comparison: Comparison | None = None
) -> Path:
    """Write the scorecard as one self-contained HTML file with a figure per fact.

    The file is written to a temporary name next to ``path`` and renamed into place, so a
    failure never leaves a partial report.

    Parameters
    ----------
    scorecard
        The scorecard to render; its ``observations`` feed the figures.
    path
        Output file.
    comparison
        Optional compare-mode result: adds a table and side-by-side figures.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    MissingExtraError
        If matplotlib is not installed.
    """
    ensure_matplotlib()
    out = Path(path)
    text = _document(scorecard, comparison)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
