"""The catalogue over every built day: ``catalog.json``, ``index.html`` and ``README.md``.

``index_catalog(root)`` reads each ``root/<YYYY-MM-DD>/release.json`` and writes three files
at ``root``, ready for static hosting or a Hugging Face dataset repository: the catalogue
(every day with its size, digests, headline figures and links), a self-contained HTML page
(no script, no external resource; the regime plot is inline SVG) and the repository's
dataset card. All three depend only on the releases, so indexing twice gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from aleatoric.errors import DatasetError
from aleatoric.opendata._card import catalog_card
from aleatoric.opendata._plot import regime_svg
from aleatoric.opendata._release import RELEASE_NAME, read_release, release_bytes
from aleatoric.provenance import PROVENANCE_NAME

__all__ = ["CATALOG_FORMAT", "CATALOG_NAME", "INDEX_NAME", "IndexResult", "index_catalog"]

CATALOG_NAME = "catalog.json"
INDEX_NAME = "index.html"
CATALOG_FORMAT = "aleatoric-opendata-catalog/1"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class IndexResult:
    """What was indexed: the catalogue root and the days it lists."""

    root: Path
    days: list[str]


def _day_entry(root: Path, day: str) -> dict[str, Any]:
    folder = root / day
    document = read_release(folder)
    if document.get("date") != day:
        raise DatasetError(f"{day}/{RELEASE_NAME}: date is {document.get('date')!r}, not {day!r}")
    raw = (folder / RELEASE_NAME).read_bytes()
    files = document["files"]
    size = sum(int(f["bytes"]) for f in files) + len(raw)
    signature = folder / PROVENANCE_NAME
    if signature.is_file():
        size += signature.stat().st_size
    links = {"card": f"{day}/README.md", "release": f"{day}/{RELEASE_NAME}"}
    instruments = []
    for inst in document["instruments"]:
        instruments.append({
            **{k: inst[k] for k in ("venue", "symbol", "split", "headline", "scorecard")},
            "scorecard_html": f"{day}/scorecard/{inst['split']}.html",
        })  # fmt: skip
    return {
        "date": day,
        "duration": document["duration"],
        "seed": document["seed"],
        "engine": document["engine"]["version"],
        "universe_version": document["universe_version"],
        "bytes": size,
        "files": len(files) + 1 + signature.is_file(),
        "release_sha256": hashlib.sha256(raw).hexdigest(),
        "data_manifest_sha256": next(
            f["sha256"] for f in files if f["path"] == "data/manifest.json"
        ),
        "signed": signature.is_file(),
        "scenario": document.get("scenario"),
        "links": links,
        "instruments": instruments,
        "tables": list(document["config"]["tables"]),
    }


def index_catalog(root: str | Path) -> IndexResult:
    """Write ``catalog.json``, ``index.html`` and ``README.md`` over the days under ``root``.

    Raises
    ------
    DatasetError
        If ``root`` is not a directory, holds no release, or a day's ``release.json`` is
        unreadable.
    """
    base = Path(root)
    if not base.is_dir():
        raise DatasetError(f"{base}: not a directory")
    names = sorted(p.name for p in base.iterdir() if p.is_dir() and _DAY.match(p.name))
    days = [_day_entry(base, name) for name in names if (base / name / RELEASE_NAME).is_file()]
    if not days:
        raise DatasetError(f"{base}: no release (no YYYY-MM-DD/{RELEASE_NAME}); build one first")
    catalog = {"format": CATALOG_FORMAT, "days": days}
    _write(base / CATALOG_NAME, release_bytes(catalog))
    _write(base / INDEX_NAME, _page(days).encode())
    instruments: dict[str, dict[str, str]] = {}
    tables: list[str] = []
    for day in days:
        for inst in day["instruments"]:
            instruments.setdefault(
                inst["split"], {"venue": inst["venue"], "symbol": inst["symbol"]}
            )
        tables += [t for t in day["tables"] if t not in tables]
    card = catalog_card(days, tables, list(instruments.values()))
    _write(base / "README.md", card.encode())
    return IndexResult(base, [d["date"] for d in days])


def _write(path: Path, data: bytes) -> None:
    # Replace atomically: a reader of the hosted catalogue never sees half a file.
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _day_rows(days: list[dict[str, Any]]) -> str:
    rows = []
    for day in reversed(days):
        d = escape(day["date"])
        first = day["instruments"][0]["headline"]
        vols = [i["headline"]["realized_vol_pct"] or 0.0 for i in day["instruments"]]
        trades = sum(i["headline"]["trades"] for i in day["instruments"])
        cards = " ".join(
            f'<a href="{escape(i["scorecard_html"])}" title="{escape(i["scorecard"]["verdict"])}">'
            f"{escape(i['split'])}</a>"
            for i in day["instruments"]
        )
        rows.append(
            f'<tr id="day-{d}"><td><a href="{escape(day["links"]["card"])}">{d}</a></td>'
            f"<td>{escape(day['duration'])}</td>"
            f'<td class="num">{day["bytes"] / 1e6:,.1f} MB</td>'
            f'<td><a href="{escape(day["links"]["release"])}"><code title="sha256 of '
            f'release.json">{day["release_sha256"][:16]}</code></a></td>'
            f'<td class="num">{_fmt(first["close"])} ({_fmt(first["change_pct"])} %)</td>'
            f'<td class="num">{_fmt(sum(vols) / len(vols))}</td>'
            f'<td class="num">{_fmt(trades)}</td>'
            f"<td>{'signed' if day['signed'] else 'unsigned'}</td>"
            f'<td class="cards">{cards}</td></tr>'
        )
    return "\n".join(rows)


def _page(days: list[dict[str, Any]]) -> str:
    first = days[0]["instruments"][0]
    span = f"{days[0]['date']} to {days[-1]['date']}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aleatoric OpenData</title>
<link rel="icon" href="data:,">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
       color: #1d1d1f; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.35rem 0.5rem; text-align: left; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td:first-child, td.num {{ white-space: nowrap; }}
td.cards a {{ margin-right: 0.4rem; }}
figure {{ margin: 1.5rem 0; }}
</style>
</head>
<body>
<h1>Aleatoric OpenData</h1>
<p>Synthetic high-volatility crypto perpetual markets, one release per UTC day ({escape(span)},
{len(days)} day{"s" if len(days) != 1 else ""}). Every day is signed and can be rebuilt byte for
byte from its date: <code>aleatoric opendata verify DAY --key opendata.pub --rebuild</code>.
Machine-readable: <a href="catalog.json">catalog.json</a>; dataset card:
<a href="README.md">README.md</a>.</p>
<figure>
{regime_svg(days)}
<figcaption>Regime over time: realized volatility of one-minute mid returns over each day, in
percent, per instrument.</figcaption>
</figure>
<table>
<thead><tr><th>day</th><th>span</th><th class="num">size</th><th>release.json</th>
<th class="num">{escape(first["venue"])} {escape(first["symbol"])} close</th>
<th class="num">mean realized vol %</th><th class="num">trades</th><th>signature</th>
<th>scorecards</th></tr></thead>
<tbody>
{_day_rows(days)}
</tbody>
</table>
</body>
</html>
"""
