"""Render a scorecard: a Rich table for terminals, one self-contained HTML file for people.

The HTML embeds every figure as a base64 PNG ``data:`` URI, so the file can be mailed or
attached to a CI run as is. matplotlib is needed only here and is imported on first use.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aleatoric.errors import MissingExtraError
from aleatoric.realism._model import Comparison, Fact, Scorecard

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "MissingExtraError",
    "ensure_matplotlib",
    "render_html",
    "render_terminal",
    "verdict_lines",
]

_STYLE = {
    "PASS": "bold green",
    "FAIL": "bold red",
    "N/A": "dim",
    "INSUFFICIENT DATA": "bold yellow",
}
_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.PASS { color: #0a7a2f; font-weight: bold; }
.FAIL { color: #b00020; font-weight: bold; }
.NA { color: #777; }
.INSUFFICIENT { color: #a06000; font-weight: bold; }
section { border-top: 1px solid #ddd; margin-top: 1.5em; padding-top: 0.5em; }
img { max-width: 100%; }
pre { background: #f8f8f8; padding: 0.5em; overflow-x: auto; font-size: 0.8em; }
"""


def ensure_matplotlib() -> None:
    """Raise :class:`MissingExtraError` unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError(
            "the HTML report needs matplotlib, which is not installed; install the 'report' "
            "extra: pip install 'aleatoric[report]'"
        ) from exc


def _needs(fact: Fact) -> str:
    from aleatoric.realism._tick_facts import duration_text

    return duration_text(fact.min_duration_s) if fact.min_duration_s else "-"


def _facts_table(title: str, facts: list[Fact]) -> Table:
    table = Table(title=title)
    table.add_column("fact")
    table.add_column("value", justify="right")
    table.add_column("band")
    table.add_column("status")
    table.add_column("needs", justify="right")
    table.add_column("note", overflow="fold")
    for f in facts:
        status = f"[{_STYLE[f.status]}]{f.status}[/]"
        table.add_row(escape(f.title), escape(f.value_text), escape(f.band), status,
                      _needs(f), escape(f.reason))  # fmt: skip
    return table


def _duration_flag(seconds: float) -> str:
    # A --duration value covering ``seconds``: whole hours, or whole days from a day on.
    if seconds > 86_400:
        return f"{math.ceil(seconds / 86_400)}d"
    return f"{max(1, math.ceil(seconds / 3_600))}h"


def verdict_lines(scorecard: Scorecard) -> list[str]:
    """Return the verdict and, for insufficient data, which facts need how much and a hint."""
    from aleatoric.realism._tick_facts import duration_text

    verdict = scorecard.verdict
    if verdict == "FAIL":
        names = ", ".join(f.name for f in scorecard.failed)
        lines = [f"FAIL: {len(scorecard.failed)} band(s) fail: {names}"]
    elif verdict == "PASS":
        lines = ["PASS: every applicable band holds"]
    else:
        lines = ["INSUFFICIENT DATA: no band fails, but some facts cannot be judged on this length"]
    short = scorecard.insufficient
    if short:
        obs = scorecard.observations
        has = f", the dataset has {duration_text((obs.end_ns - obs.start_ns) / 1e9)}" if obs else ""
        need = max(f.min_duration_s or 0.0 for f in short)
        listed = ", ".join(f"{f.name} ({_needs(f)})" for f in short)
        lines.append(f"{len(short)} fact(s) need more data: {listed}{has}.")
        lines.append(
            f"hint: generate at least {duration_text(need)} of data "
            f"(aleatoric generate --duration {_duration_flag(need)} ...)."
        )
    return lines


def render_terminal(
    scorecard: Scorecard, console: Console, comparison: Comparison | None = None
) -> None:
    """Print the scorecard as Rich tables (fact, value, band, PASS/FAIL/N/A) and a verdict.

    The tick-level facts get their own table; while they are not part of the verdict
    (:data:`~aleatoric.realism._model.TICK_LEVEL_IN_VERDICT`), a line counts them apart.

    Parameters
    ----------
    scorecard
        The scorecard to print.
    console
        Where to print.
    comparison
        Optional compare-mode result, printed as further tables.
    """
    head = f"realism: {scorecard.venue} {scorecard.symbol} {scorecard.preset}"
    if scorecard.observations is not None:
        from aleatoric.realism._overview import overview

        table = Table(title=f"{head}: the market", show_header=False)
        table.add_column("quantity")
        table.add_column("value", overflow="fold")
        for name, value in overview(scorecard.observations):
            table.add_row(name, escape(value))
        console.print(table)
    _latency_terminal(scorecard, console, head)
    main = [f for f in scorecard.facts if not f.tick_level]
    tick = [f for f in scorecard.facts if f.tick_level]
    console.print(_facts_table(head, main))
    if tick:
        console.print(_facts_table(f"{head}: tick-level facts", tick))
    if scorecard.scenarios:
        console.print(_facts_table(f"{head}: stress scenarios", list(scorecard.scenarios)))
        console.print(escape(_stressed_line(scorecard)), highlight=False)
    if comparison is not None:
        console.print(_comparison_table(comparison))
        if comparison.fact_pairs():
            console.print(_fact_pairs_table(comparison))
    first, *rest = verdict_lines(scorecard)
    word, _, text = first.partition(":")
    console.print(f"[{_STYLE[word]}]{escape(word)}[/]:{escape(text)}", highlight=False)
    for line in rest:
        console.print(escape(line), highlight=False)
    outside = [f for f in tick if not f.counts]
    if outside:
        counts = {s: sum(f.status == s for f in outside) for s in ("PASS", "FAIL", "N/A")}
        console.print(
            f"tick-level facts (shown, not yet in the verdict): {counts['PASS']} pass, "
            f"{counts['FAIL']} fail, {counts['N/A']} N/A",
            highlight=False,
        )


def _stressed_line(scorecard: Scorecard) -> str:
    from aleatoric.realism._stress import SETTLE_NS

    if not scorecard.stressed:
        return "calm facts: no scenario stresses the book, every minute counts"
    spans = ", ".join(f"{_hhmm(lo)}-{_hhmm(hi)}" for lo, hi in scorecard.stressed)
    return (
        f"calm facts measured outside the scenario windows (each with "
        f"{SETTLE_NS // 60_000_000_000} min after it): {spans} UTC left out"
    )


def _hhmm(ns: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).strftime("%H:%M")


def _latency_terminal(scorecard: Scorecard, console: Console, head: str) -> None:
    from aleatoric.realism._latency import latency_rows, latency_summary

    summary = latency_summary(scorecard.path, scorecard.venue, scorecard.symbol)
    if summary is None:
        return
    table = Table(title=f"{head}: receive latency", show_header=False)
    table.add_column("quantity")
    table.add_column("value", overflow="fold")
    for name, value in latency_rows(summary):
        table.add_row(escape(name), escape(value))
    console.print(table)


def _fact_pairs_table(comparison: Comparison) -> Table:
    table = Table(title=f"facts: A = {comparison.a_label}, B = {comparison.b_label}")
    for col in ("fact", "band", "A", "A status", "B", "B status"):
        table.add_column(col, justify="right" if col in ("A", "B") else "left")
    for a, b in comparison.fact_pairs():
        table.add_row(
            escape(a.title), escape(a.band), escape(a.value_text),
            f"[{_STYLE[a.status]}]{a.status}[/]", escape(b.value_text),
            f"[{_STYLE[b.status]}]{b.status}[/]",
        )  # fmt: skip
    return table


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


def _css(fact: Fact) -> str:
    return "NA" if fact.status == "N/A" else fact.status


def _fact_section(fact: Fact, image: str) -> str:
    css = _css(fact)
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
        f"<tr><td><a href='#{_e(f.name)}'>{_e(f.title)}</a>"
        f"{' <small>(tick-level)</small>' if f.tick_level else ''}</td><td>{_e(f.value_text)}</td>"
        f"<td>{_e(f.band)}</td><td class='{'NA' if f.status == 'N/A' else f.status}'>"
        f"{_e(f.status)}</td><td>{_e(_needs(f))}</td><td>{_e(f.reason)}</td></tr>"
        for f in scorecard.facts
    )
    head = (
        "<tr><th>fact</th><th>value</th><th>band</th><th>status</th><th>needs</th>"
        "<th>note</th></tr>"
    )
    return f"<table>{head}{rows}</table>"


def _scenarios_html(scorecard: Scorecard) -> str:
    if not scorecard.scenarios:
        return ""
    rows = "".join(
        f"<tr><td>{_e(f.title)}</td><td>{_e(f.value_text)}</td><td>{_e(f.band)}</td>"
        f"<td class='{_css(f)}'>{_e(f.status)}</td><td>{_e(f.reason)}</td></tr>"
        for f in scorecard.scenarios
    )
    head = "<tr><th>measure</th><th>value</th><th>band</th><th>status</th><th>note</th></tr>"
    return (
        f"<section id='scenarios'><h2>Stress scenarios</h2><p>{_e(_stressed_line(scorecard))}"
        f"</p><table>{head}{rows}</table></section>"
    )


def _overview_html(scorecard: Scorecard) -> str:
    from aleatoric.realism._overview import overview
    from aleatoric.realism._plots import overview_figure

    obs = scorecard.observations
    if obs is None:
        return ""
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in overview(obs))
    image = _png(overview_figure(obs))
    return (
        f"<section id='overview'><h2>The market</h2><table>{rows}</table>"
        f"<img alt='overview' src=\"{image}\"></section>"
    )


def _latency_html(scorecard: Scorecard) -> str:
    # Receive delays, for a dataset generated with a latency overlay (docs/latency.md).
    from aleatoric.realism._latency import latency_figure, latency_rows, latency_summary

    summary = latency_summary(scorecard.path, scorecard.venue, scorecard.symbol)
    if summary is None:
        return ""
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in latency_rows(summary))
    image = _png(latency_figure(summary))
    return (
        f"<section id='latency'><h2>Receive latency</h2><table>{rows}</table>"
        f"<img alt='receive latency' src=\"{image}\"></section>"
    )


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
    pairs = "".join(
        f"<tr><td><a href='#{_e(a.name)}'>{_e(a.title)}</a></td><td>{_e(a.band)}</td>"
        f"<td>{_e(a.value_text)}</td><td class='{_css(a)}'>{_e(a.status)}</td>"
        f"<td>{_e(b.value_text)}</td><td class='{_css(b)}'>{_e(b.status)}</td></tr>"
        for a, b in comparison.fact_pairs()
    )
    facts = (
        "<h3>Facts side by side</h3><table><tr><th>fact</th><th>band</th><th>A</th>"
        f"<th>A status</th><th>B</th><th>B status</th></tr>{pairs}</table>"
        "<p>The figures of the tick-level facts above show A and B overlaid.</p>"
        if pairs
        else ""
    )
    return (
        f"<section id='compare'><h2>Compare</h2><p>A = {_e(comparison.a_label)} "
        f"({_e(comparison.a_path)})<br>B = {_e(comparison.b_label)} ({_e(comparison.b_path)})"
        f"</p>{facts}<table>{head}</tr>{''.join(rows)}</table>{''.join(sections)}</section>"
    )


def _document(scorecard: Scorecard, comparison: Comparison | None) -> str:
    from aleatoric.realism._plots import PlotData, fact_figure

    data = PlotData.of(scorecard.observations) if scorecard.observations is not None else None
    other = None
    if comparison is not None and comparison.b_observations is not None:
        other = (comparison.b_label, comparison.b_observations)
    sections = [
        _fact_section(f, _png(fact_figure(f, data, other if f.tick_level else None)))
        for f in scorecard.facts
    ]
    verdict = scorecard.verdict
    title = f"Realism scorecard: {scorecard.venue} {scorecard.symbol} {scorecard.preset}"
    lines = "".join(f"<p>{_e(line)}</p>" for line in verdict_lines(scorecard))
    seed = "" if scorecard.seed is None else f", seed {scorecard.seed}"
    compare_html = _comparison_html(comparison) if comparison is not None else ""
    tick_note = (
        "Tick-level facts are shown with their bands but are not yet part of the verdict."
        if any(f.tick_level and not f.counts for f in scorecard.facts)
        else ""
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)} <span class='{verdict.split()[0]}'>{_e(verdict)}</span></h1>"
        f"<p>{_e(scorecard.path)}{_e(seed)}. A band marked N/A does not count. {tick_note}</p>"
        f"{lines}{_overview_html(scorecard)}{_latency_html(scorecard)}<h2>Facts</h2>"
        f"{_summary_table(scorecard)}{''.join(sections)}{_scenarios_html(scorecard)}"
        f"{compare_html}</body></html>\n"
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
