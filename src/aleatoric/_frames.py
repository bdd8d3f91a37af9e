"""Canonical tables as DataFrames: load a dataset from disk or simulate one in memory.

Notebooks want one call from a path (or a config) to a DataFrame with datetime columns and
prices as prices. Reading goes through a lazy scan, so instrument and time filters and the
column selection reach the Parquet reader (row groups and date partitions outside the range
are skipped); simulating goes through the same row numbering and unit conversion as
``generate``, so an in-memory frame equals the one read back from the written dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, cast

import polars as pl
import pyarrow as pa

from aleatoric.config import TABLES, DatasetConfig
from aleatoric.dataset import Manifest, read_manifest
from aleatoric.errors import AleatoricError, DatasetError
from aleatoric.instruments import get_instrument
from aleatoric.reactor import segment_count
from aleatoric.reactor import simulate_segment as _simulate_rows
from aleatoric.sinks import Offsets, schema_for, segment_counts, segment_tables

__all__ = [
    "BACKENDS",
    "TIMESTAMP_COLUMNS",
    "Backend",
    "LoadError",
    "load",
    "scan",
    "simulate",
    "simulate_segment",
]

Backend = Literal["polars", "pandas", "arrow"]
#: DataFrame libraries ``load`` and ``simulate`` can return.
BACKENDS: tuple[Backend, ...] = ("polars", "pandas", "arrow")
#: Columns holding nanoseconds since the Unix epoch (UTC); frames show them as datetimes.
TIMESTAMP_COLUMNS = ("ts_event", "ts_recv", "next_funding_ts")
_PARTITIONS = {"venue": pl.String, "symbol": pl.String, "date": pl.Date}
_ARROW_TS = pa.timestamp("ns", tz="UTC")

Frame = Any  # a polars or pandas DataFrame, or a pyarrow Table, by ``backend``
TimeLike = datetime | date | str | int


class LoadError(AleatoricError, ValueError):
    """A table cannot be loaded as asked (unknown table or backend, no dataset, bad range)."""


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise LoadError(f"table must be one of {', '.join(TABLES)}, was {table!r}")


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise LoadError(f"backend must be one of {', '.join(BACKENDS)}, was {backend!r}")


def _to_ns(value: TimeLike, name: str) -> int:
    # Naive datetimes and dates are UTC: the whole engine works in UTC.
    if isinstance(value, bool):
        raise LoadError(f"{name} must be a datetime, date, ISO string or ns integer, was {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise LoadError(f"{name} must be an ISO 8601 time, was {value!r}") from None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        delta = aware - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    if isinstance(value, date):
        return _to_ns(datetime(value.year, value.month, value.day, tzinfo=UTC), name)
    raise LoadError(
        f"{name} must be a datetime, date, ISO string or ns integer, was {type(value).__name__}"
    )


def _as_datetimes(lf: pl.LazyFrame) -> pl.LazyFrame:
    names = lf.collect_schema().names()
    return lf.with_columns(
        pl.col(c).cast(pl.Datetime("ns", "UTC")) for c in TIMESTAMP_COLUMNS if c in names
    )


def _empty(manifest: Manifest, table: str) -> pl.LazyFrame:
    depth = int(manifest.config.get("snapshot_depth", 25))
    frame = cast(pl.DataFrame, pl.from_arrow(schema_for(table, depth=depth).empty_table()))  # type: ignore[arg-type]
    return frame.lazy().with_columns(
        pl.lit(None, dtype=dtype).alias(name) for name, dtype in _PARTITIONS.items()
    )


def scan(
    path: str | Path,
    table: str,
    *,
    instruments: str | Iterable[str] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    columns: Sequence[str] | None = None,
) -> pl.LazyFrame:
    """Return a lazy polars frame over one canonical table of the dataset at ``path``.

    ``instruments`` keeps the given symbols, ``start`` (inclusive) and ``end`` (exclusive)
    bound ``ts_event``; datetimes without a time zone, dates and ISO strings are UTC, integers
    are ns. The filters are applied before anything is read, so only the date partitions and
    row groups in range are decoded. Timestamps come as ``Datetime("ns", "UTC")``, the hive
    partitions ``venue``, ``symbol`` (strings) and ``date`` (a date) are columns too.
    """
    _check_table(table)
    root = Path(path)
    try:
        manifest, _ = read_manifest(root)
    except DatasetError as exc:
        raise LoadError(f"{root}: not an aleatoric dataset ({exc})") from None
    written = tuple(manifest.config.get("tables", TABLES))
    if table not in written:
        raise LoadError(
            f"the dataset at {root} has no {table!r} table; it has {', '.join(written)}"
        )
    files = sorted((root / table).glob("venue=*/symbol=*/date=*/*.parquet"))
    if files:
        lf = pl.scan_parquet(
            [str(f) for f in files], hive_partitioning=True, hive_schema=_PARTITIONS
        )
    else:  # a selected table can have no rows (a dataset shorter than a funding interval)
        lf = _empty(manifest, table)
    symbols = [instruments] if isinstance(instruments, str) else instruments
    if symbols is not None:
        wanted = list(symbols)
        present = sorted({f.parent.parent.name.removeprefix("symbol=") for f in files})
        unknown = [s for s in wanted if s not in present]
        if files and unknown:
            raise LoadError(
                f"instruments must be among {', '.join(present)}, was {', '.join(unknown)}"
            )
        lf = lf.filter(pl.col("symbol").is_in(wanted))
    lo = _to_ns(start, "start") if start is not None else None
    hi = _to_ns(end, "end") if end is not None else None
    if lo is not None and hi is not None and hi <= lo:
        raise LoadError(f"end must be after start, was start={start!r}, end={end!r}")
    if lo is not None:
        day = datetime.fromtimestamp(lo // 1_000_000_000, UTC).date()
        lf = lf.filter(pl.col("date") >= day, pl.col("ts_event").cast(pl.Int64) >= lo)
    if hi is not None:
        day = datetime.fromtimestamp((hi - 1) // 1_000_000_000, UTC).date()
        lf = lf.filter(pl.col("date") <= day, pl.col("ts_event").cast(pl.Int64) < hi)
    lf = _as_datetimes(lf)
    if columns is not None:
        names = lf.collect_schema().names()
        unknown = [c for c in columns if c not in names]
        if unknown:
            raise LoadError(
                f"columns of {table!r} are {', '.join(names)}, was {', '.join(unknown)}"
            )
        lf = lf.select(list(columns))
    return lf


def _convert(frame: pl.DataFrame, backend: Backend) -> Frame:
    if backend == "polars":
        return frame
    if backend == "arrow":
        return frame.to_arrow()
    try:
        import pandas  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise LoadError("backend 'pandas' needs pandas: pip install 'aleatoric[pandas]'") from None
    return frame.to_pandas()


def load(
    path: str | Path,
    table: str,
    *,
    instruments: str | Iterable[str] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    columns: Sequence[str] | None = None,
    backend: Backend = "polars",
) -> Frame:
    """Return one canonical table of the dataset at ``path`` as a DataFrame.

    The filters are those of :func:`scan`; ``backend`` picks a polars DataFrame, a pandas
    DataFrame (datetime64[ns, UTC] columns) or a pyarrow Table. Rows are in ``seq`` order.
    """
    _check_backend(backend)
    frame = scan(path, table, instruments=instruments, start=start, end=end, columns=columns)
    return _convert(frame.collect(), backend)


def _frames(tables: dict[str, pa.Table], backend: Backend) -> dict[str, Frame]:
    out: dict[str, Frame] = {}
    for name, tbl in tables.items():
        frame = cast(pl.DataFrame, pl.from_arrow(tbl))
        out[name] = _convert(_as_datetimes(frame.lazy()).collect(), backend)
    return out


def simulate_segment(
    config: DatasetConfig, index: int, *, backend: Backend = "polars"
) -> dict[str, Frame]:
    """Return segment ``index`` of ``config``'s dataset as one DataFrame per selected table.

    No I/O. Rows are those the segment writes (the warm-up before the segment start is not
    included), prices and sizes in the instrument's units. ``seq`` and ``trade_id`` count from
    the segment's first row, as if it were the first segment; :func:`simulate` numbers the
    whole dataset. For the raw integer rows see :func:`aleatoric.reactor.simulate_segment`.
    """
    _check_backend(backend)
    result = _simulate_rows(config, index)
    inst = get_instrument(config.venue, config.symbol)
    return _frames(segment_tables(result, config, inst, Offsets(0, 0)), backend)


def simulate(config: DatasetConfig, *, backend: Backend = "polars") -> dict[str, Frame]:
    """Return the whole dataset ``config`` describes as one DataFrame per selected table.

    No I/O: the rows, numbering and values are those ``generate`` writes, without the hive
    partition columns. Meant for short datasets that fit in memory.
    """
    _check_backend(backend)
    inst = get_instrument(config.venue, config.symbol)
    parts: dict[str, list[pa.Table]] = {t: [] for t in config.tables}
    offsets = Offsets(0, 0)
    for index in range(segment_count(config)):
        result = _simulate_rows(config, index)
        for name, tbl in segment_tables(result, config, inst, offsets).items():
            parts[name].append(tbl)
        rows, trades = segment_counts(result, config.tables)
        offsets = Offsets(offsets.seq + rows, offsets.trades + trades)
    tables = {name: pa.concat_tables(tbls) for name, tbls in parts.items()}
    return _frames(tables, backend)
