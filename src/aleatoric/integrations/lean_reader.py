"""Read and validate a Lean ``cryptofuture`` data folder the way Lean parses it.

Lean cannot run without .NET, so this reader restates its rules independently of the writer
(it shares no code with :mod:`aleatoric.integrations.lean`) to check exported folders:

- paths: ``cryptofuture/<market>/<tick|second|minute>/<ticker>/YYYYMMDD_<trade|quote>.zip``
  holding exactly ``YYYYMMDD_<ticker>_<res>_<kind>_perp.csv``; ``<hour|daily>/<ticker>_<kind>.zip``
  holding ``<ticker>_<kind>_perp.csv``; ``margin_interest/<ticker>.csv``;
- rows: no header; the first column is ms since midnight of the file's date, a decimal that
  Lean turns into ``date + 10000 * ms`` ticks of 100 ns (hour/daily: ``yyyyMMdd HH:mm``);
  prices are plain decimals (crypto is not scaled by 10000 as equities are);
- column counts: trade bar 6, quote bar 11, trade tick 3 (or 4 with ``suspicious``), quote
  tick 5 (or 6); bar times are whole multiples of the resolution and increase within a file.

Values come back as :class:`decimal.Decimal` (Lean's type) and times as ns since the epoch.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from aleatoric.errors import AleatoricError

__all__ = [
    "LeanFormatError",
    "LeanSeries",
    "read_folder",
    "read_margin_interest",
    "read_symbol_properties",
    "read_zip",
]

_RES_NS = {"second": 10**9, "minute": 60 * 10**9, "hour": 3600 * 10**9, "daily": 86400 * 10**9}
_COLUMNS = {("bar", "trade"): (6,), ("bar", "quote"): (11,), ("tick", "trade"): (3, 4),
            ("tick", "quote"): (5, 6)}  # fmt: skip
_DAY_ZIP = re.compile(
    r"^cryptofuture/(?P<market>[a-z0-9]+)/(?P<res>tick|second|minute)/(?P<ticker>[a-z0-9]+)/"
    r"(?P<date>\d{8})_(?P<kind>trade|quote)\.zip$"
)
_WHOLE_ZIP = re.compile(
    r"^cryptofuture/(?P<market>[a-z0-9]+)/(?P<res>hour|daily)/(?P<ticker>[a-z0-9]+)_"
    r"(?P<kind>trade|quote)\.zip$"
)
_MARGIN = re.compile(
    r"^cryptofuture/(?P<market>[a-z0-9]+)/margin_interest/(?P<ticker>[a-z0-9]+)\.csv$"
)


class LeanFormatError(AleatoricError, ValueError):
    """A file breaks one of Lean's rules; the message names the file, line and rule."""


@dataclass
class LeanSeries:
    """All rows of one market, ticker, resolution and kind, merged over the day files."""

    market: str
    ticker: str
    resolution: str
    kind: str
    times: list[int] = field(default_factory=list)  # ns since the epoch, UTC
    rows: list[tuple[Decimal, ...]] = field(default_factory=list)


def _epoch_ns(day: datetime) -> int:
    return int(day.replace(tzinfo=UTC).timestamp()) * 10**9


def _decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise LeanFormatError(f"{where}: not a decimal number, was {text!r}") from None
    if not value.is_finite() or "e" in text.lower():
        raise LeanFormatError(f"{where}: a plain decimal without exponent, was {text!r}")
    return value


def read_zip(root: Path, rel: str) -> LeanSeries:
    """Parse one zip of the folder at ``root`` (``rel`` is its path from ``root``)."""
    day_match, whole_match = _DAY_ZIP.match(rel), _WHOLE_ZIP.match(rel)
    match = day_match or whole_match
    if match is None:
        raise LeanFormatError(f"{rel}: not a Lean cryptofuture zip path")
    res, kind, ticker = match["res"], match["kind"], match["ticker"]
    if day_match:
        date = day_match["date"]
        expected = f"{date}_{ticker}_{res}_{kind}_perp.csv"
        day_ns = _epoch_ns(datetime.strptime(date, "%Y%m%d"))
    else:
        expected = f"{ticker}_{kind}_perp.csv"
        day_ns = 0
    with zipfile.ZipFile(root / rel) as z:
        names = z.namelist()
        if names != [expected]:
            raise LeanFormatError(f"{rel}: must hold exactly {expected}, held {names}")
        text = z.read(expected).decode("ascii")
    series = LeanSeries(match["market"], ticker, res, kind)
    allowed = _COLUMNS[("tick" if res == "tick" else "bar", kind)]
    step = _RES_NS.get(res)
    last = -1
    for n, line in enumerate(text.splitlines(), 1):
        where = f"{rel}:{n}"
        cells = line.split(",")
        if len(cells) not in allowed:
            raise LeanFormatError(
                f"{where}: {'/'.join(map(str, allowed))} columns, was {len(cells)}"
            )
        if day_match:
            ms = _decimal(cells[0], where)
            if not 0 <= ms < 86_400_000:
                raise LeanFormatError(f"{where}: ms since midnight in [0, 86400000), was {ms}")
            ticks = int(ms * 10_000)  # Lean: date + 10000 * ms ticks of 100 ns
            ts = day_ns + ticks * 100
        else:
            try:
                ts = _epoch_ns(datetime.strptime(cells[0], "%Y%m%d %H:%M"))
            except ValueError:
                raise LeanFormatError(
                    f"{where}: time as yyyyMMdd HH:mm, was {cells[0]!r}"
                ) from None
        if step is not None and ts % step:
            raise LeanFormatError(f"{where}: a {res} bar starts on a whole {res}, was {cells[0]}")
        if ts < last or (step is not None and ts == last):
            raise LeanFormatError(f"{where}: times must increase, was {cells[0]}")
        last = ts
        values = tuple(_decimal(c, where) for c in cells[1:])
        if any(v < 0 for v in values):
            raise LeanFormatError(f"{where}: prices and sizes are never negative")
        series.times.append(ts)
        series.rows.append(values)
    return series


def read_margin_interest(path: Path) -> list[tuple[int, Decimal]]:
    """Parse a ``margin_interest`` CSV: ``yyyyMMdd HH:mm:ss,<rate>`` lines, UTC."""
    out = []
    for n, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
        cells = line.split(",")
        if len(cells) != 2:
            raise LeanFormatError(f"{path.name}:{n}: 2 columns, was {len(cells)}")
        try:
            when = datetime.strptime(cells[0], "%Y%m%d %H:%M:%S")
        except ValueError:
            raise LeanFormatError(f"{path.name}:{n}: yyyyMMdd HH:mm:ss, was {cells[0]!r}") from None
        out.append((_epoch_ns(when), _decimal(cells[1], f"{path.name}:{n}")))
    return out


def read_symbol_properties(path: Path) -> list[dict[str, str]]:
    """Parse ``symbol-properties-database.csv`` rows (``#`` lines are comments)."""
    keys = ("market", "symbol", "type", "description", "quote_currency",
            "contract_multiplier", "minimum_price_variation", "lot_size", "market_ticker",
            "minimum_order_size")  # fmt: skip
    rows = []
    for n, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split(",")
        if len(cells) < 9:
            raise LeanFormatError(f"{path.name}:{n}: at least 9 columns, was {len(cells)}")
        rows.append(dict(zip(keys, cells, strict=False)))
    return rows


def read_folder(root: str | Path) -> dict[tuple[str, str, str, str], LeanSeries]:
    """Parse every zip under ``root/cryptofuture``; key ``(market, ticker, res, kind)``.

    Day files of a series are merged in date order; a time that does not increase across
    files is an error too.
    """
    base = Path(root)
    out: dict[tuple[str, str, str, str], LeanSeries] = {}
    for path in sorted(base.glob("cryptofuture/**/*.zip")):
        rel = path.relative_to(base).as_posix()
        part = read_zip(base, rel)
        key = (part.market, part.ticker, part.resolution, part.kind)
        whole = out.setdefault(key, LeanSeries(*key))
        if whole.times and part.times and part.times[0] <= whole.times[-1]:
            raise LeanFormatError(f"{rel}: times overlap the previous day file")
        whole.times += part.times
        whole.rows += part.rows
    for path in sorted(base.glob("cryptofuture/*/margin_interest/*.csv")):
        if _MARGIN.match(path.relative_to(base).as_posix()) is None:
            raise LeanFormatError(f"{path}: not a margin_interest path")
    return out
