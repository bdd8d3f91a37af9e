"""Read the columns the scorecard needs from a dataset directory, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from aleatoric.config import InstrumentRef, parse_duration_ns
from aleatoric.dataset import MANIFEST_NAME, open_dataset
from aleatoric.errors import DatasetError
from aleatoric.instruments import Instrument, get_instrument
from aleatoric.realism._tick import TickObservations, load_tick, table_files
from aleatoric.sinks.schema import AS_NS

__all__ = ["DatasetMeta", "Observations", "load_observations", "read_meta"]

NS_PER_MINUTE = 60_000_000_000

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class DatasetMeta:
    """What the manifest says about a dataset: instrument, regime and time span."""

    path: Path
    venue: str
    symbol: str
    preset: str
    seed: int | None
    start_ns: int | None
    end_ns: int | None
    instrument: Instrument
    #: Whether the dataset holds other instruments too (then only this one's files are read).
    shared: bool = False

    @property
    def where(self) -> tuple[str, str] | None:
        """Return (venue, symbol) to read from a dataset of several instruments, else None."""
        return (self.venue, self.symbol) if self.shared else None

    @property
    def label(self) -> str:
        """Return a short human-readable name such as ``binance BTCUSDT calm seed=7``."""
        seed = "" if self.seed is None else f" seed={self.seed}"
        return f"{self.venue} {self.symbol} {self.preset or '(no manifest)'}{seed}"


@dataclass(frozen=True, eq=False)
class Observations:
    """The raw series of one dataset, sorted by time; absent tables give empty arrays.

    Book columns hold the best level only, for snapshots whose both sides are present.
    """

    meta: DatasetMeta
    snapshot_ts: I64
    bid: F64
    ask: F64
    bid_size: F64
    ask_size: F64
    trade_ts: I64
    trade_size: F64
    ticker_ts: I64
    ticker_funding: F64
    ticker_predicted: F64
    funding_ts: I64
    funding_rate: F64
    tick: TickObservations | None = None
    #: Spans ``[lo, hi)`` of stress scenarios (with their aftermath) left out of the calm
    #: facts; set by the scorecard from the dataset's ``scenario_labels``.
    stressed: tuple[tuple[int, int], ...] = ()

    @property
    def calm_snapshots(self) -> npt.NDArray[np.bool_]:
        """Return which snapshots lie outside every stressed span."""
        keep = np.ones(self.snapshot_ts.shape, dtype=np.bool_)
        for lo, hi in self.stressed:
            keep &= (self.snapshot_ts < lo) | (self.snapshot_ts >= hi)
        return keep

    @property
    def start_ns(self) -> int:
        """Return the dataset start, or the first minute with a snapshot when unknown."""
        if self.meta.start_ns is not None:
            return self.meta.start_ns
        return int(self.snapshot_ts[0] // NS_PER_MINUTE * NS_PER_MINUTE)

    @property
    def end_ns(self) -> int:
        """Return the dataset end, or the minute after the last snapshot when unknown."""
        if self.meta.end_ns is not None:
            return self.meta.end_ns
        return int((self.snapshot_ts[-1] // NS_PER_MINUTE + 1) * NS_PER_MINUTE)


def _parse_start(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp()) * 1_000_000_000


def _hive_meta(root: Path) -> DatasetMeta | None:
    # A directory of canonical tables without a manifest, as `aleatoric normalize` writes from a
    # real capture: venue and symbol come from the hive partition names.
    for table in ("book_delta", "book_snapshot", "trades"):
        parts = sorted((root / table).glob("venue=*/symbol=*")) if (root / table).is_dir() else []
        for part in parts:
            venue, symbol = part.parent.name[6:], part.name[7:]
            try:
                instrument = get_instrument(venue, symbol)
            except KeyError as exc:
                raise DatasetError(str(exc.args[0])) from None
            return DatasetMeta(root, venue, symbol, "", None, None, None, instrument)
    return None


def _choose(path: Path, refs: tuple[InstrumentRef, ...], wanted: str | None) -> InstrumentRef:
    if wanted is None:
        if len(refs) == 1:
            return refs[0]
        listed = ", ".join(str(r) for r in refs)
        raise DatasetError(f"{path} holds {len(refs)} instruments; name one of {listed}")
    for ref in refs:
        if wanted in (str(ref), ref.symbol):
            return ref
    listed = ", ".join(str(r) for r in refs)
    raise DatasetError(f"instrument: {path} has no {wanted!r}; it has {listed}")


def read_meta(path: str | Path, instrument: str | None = None) -> DatasetMeta:
    """Return the manifest facts of (one instrument of) the dataset at ``path``.

    ``instrument`` (``venue:symbol`` or the symbol) is needed only when the dataset holds
    several.

    A directory without ``manifest.json`` but with hive-partitioned tables (a capture
    normalized by ``aleatoric normalize``) takes venue and symbol from the partition names; its
    preset is empty and its time span comes from the data.

    Raises
    ------
    DatasetError
        If the directory or its manifest is missing or unreadable, names an unknown
        instrument, or holds several and ``instrument`` names none of them.
    """
    root = Path(path)
    if not root.is_dir():
        raise DatasetError(f"no dataset at {root}: not a directory")
    if not (root / MANIFEST_NAME).is_file():
        found = _hive_meta(root)
        if found is None:
            raise DatasetError(f"no dataset at {root}: {MANIFEST_NAME} is missing")
        return found
    dataset = open_dataset(root)
    manifest = dataset.manifest
    ref = _choose(root, dataset.instruments, instrument)
    venue, symbol = ref.venue, ref.symbol
    config = manifest.config
    shared = len(dataset.instruments) > 1
    start_ns = _parse_start(config.get("start"))
    end_ns: int | None = None
    if start_ns is not None and config.get("duration") is not None:
        try:
            end_ns = start_ns + parse_duration_ns(config["duration"])
        except (TypeError, ValueError):
            end_ns = None
    seed = config.get("seed", manifest.seed)
    return DatasetMeta(
        path=root,
        venue=venue,
        symbol=symbol,
        preset=str(config.get("preset", "")),
        seed=int(seed) if isinstance(seed, int) else None,
        start_ns=start_ns,
        end_ns=end_ns,
        instrument=get_instrument(venue, symbol),
        shared=shared,
    )


def _read(meta: DatasetMeta, table: str, columns: list[str]) -> pl.DataFrame | None:
    root = meta.path
    files = table_files(root, table, meta.where)
    if not files:
        return None
    try:
        frame = (
            pl.scan_parquet([str(f) for f in files]).select(columns).with_columns(AS_NS).collect()
        )
    except Exception as exc:  # polars raises several unrelated types for bad files
        raise DatasetError(f"cannot read table {table!r} in {root}: {exc}") from None
    order = ["seq"] if "seq" in columns else ["ts_event"]
    return frame.sort(order)


def _f64(frame: pl.DataFrame | None, column: str) -> F64:
    if frame is None:
        return np.empty(0, dtype=np.float64)
    return np.asarray(frame[column].cast(pl.Float64).to_numpy(), dtype=np.float64)


def _i64(frame: pl.DataFrame | None, column: str) -> I64:
    if frame is None:
        return np.empty(0, dtype=np.int64)
    return np.asarray(frame[column].cast(pl.Int64).to_numpy(), dtype=np.int64)


def _data_span(root: Path, meta: DatasetMeta) -> tuple[int, int] | None:
    # The manifest's span, else whole seconds around the book and trade times.
    if meta.start_ns is not None and meta.end_ns is not None:
        return meta.start_ns, meta.end_ns
    lo, hi = None, None
    for table in ("book_delta", "book_snapshot", "trades"):
        files = table_files(root, table, meta.where)
        if not files:
            continue
        ts = pl.col("ts_event").cast(pl.Int64)
        try:
            row = (
                pl.scan_parquet(files)
                # int64 ns today; a timestamp[ns] column casts to the same integers
                .select(ts.min().alias("lo"), ts.max().alias("hi"))
                .collect()
            )
        except Exception as exc:  # polars raises several unrelated types for bad files
            raise DatasetError(f"cannot read table {table!r} in {root}: {exc}") from None
        if row["lo"][0] is None:
            continue
        t0, t1 = int(row["lo"][0]), int(row["hi"][0])
        lo = t0 if lo is None else min(lo, t0)
        hi = t1 if hi is None else max(hi, t1)
    if lo is None or hi is None:
        return None
    second = 1_000_000_000
    start = meta.start_ns if meta.start_ns is not None else lo // second * second
    return start, (hi // second + 1) * second


def _book_from_grid(tick: TickObservations) -> pl.DataFrame:
    # Best-level "snapshots" from the replayed grid, for datasets with book_delta only.
    ts = tick.start_ns + (np.arange(tick.bid.size, dtype=np.int64) + 1) * tick.grid_ns - 1
    return pl.DataFrame(
        {
            "ts_event": ts, "bid_px_00": tick.bid, "ask_px_00": tick.ask,
            "bid_sz_00": tick.bid_size, "ask_sz_00": tick.ask_size,
        }
    ).filter(pl.col("bid_px_00").is_not_nan() & pl.col("ask_px_00").is_not_nan())  # fmt: skip


def load_observations(
    path: str | Path, instrument: str | None = None, *, tick_level: bool = True
) -> Observations:
    """Return the series the scorecard needs from (one instrument of) the dataset at ``path``.

    ``instrument`` (``venue:symbol`` or the symbol) is needed when the dataset holds several.

    Reads only the best book level (``book_snapshot``), trade times and sizes (``trades``),
    funding columns (``ticker``, ``funding``), and with ``tick_level`` the tick-level series
    (:mod:`aleatoric.realism._tick`: ``book_delta`` replayed when present, and trades). A
    dataset without ``book_snapshot`` but with ``book_delta`` (a normalized capture) takes its
    best levels from the replayed book.

    Raises
    ------
    DatasetError
        If the dataset is missing or unreadable or has no usable book rows.
    """
    meta = read_meta(path, instrument)
    root = meta.path
    book = _read(
        meta,
        "book_snapshot",
        ["ts_event", "seq", "bid_px_00", "ask_px_00", "bid_sz_00", "ask_sz_00"],
    )
    if book is None and not table_files(root, "book_delta", meta.where):
        raise DatasetError(f"dataset {root} has no book_snapshot or book_delta table")
    span = _data_span(root, meta)
    tick = None
    if span is not None and (tick_level or book is None):
        tick = load_tick(root, span[0], span[1], float(meta.instrument.tick_size), meta.where)
    if book is None and tick is not None:
        book = _book_from_grid(tick)
    if meta.start_ns is None and span is not None:
        meta = replace(meta, start_ns=span[0], end_ns=span[1])
    if book is None:
        raise DatasetError(f"dataset {root} has no rows in book_delta")
    book = book.drop_nulls(["bid_px_00", "ask_px_00"])
    if book.height < 2:
        raise DatasetError(f"dataset {root} has fewer than two two-sided book snapshots")
    trades = _read(meta, "trades", ["ts_event", "seq", "size"])
    ticker = _read(meta, "ticker", ["ts_event", "seq", "funding_rate", "predicted_funding_rate"])
    funding = _read(meta, "funding", ["ts_event", "seq", "funding_rate"])
    return Observations(
        meta=meta,
        snapshot_ts=_i64(book, "ts_event"),
        bid=_f64(book, "bid_px_00"),
        ask=_f64(book, "ask_px_00"),
        bid_size=_f64(book, "bid_sz_00"),
        ask_size=_f64(book, "ask_sz_00"),
        trade_ts=_i64(trades, "ts_event"),
        trade_size=_f64(trades, "size"),
        ticker_ts=_i64(ticker, "ts_event"),
        ticker_funding=_f64(ticker, "funding_rate"),
        ticker_predicted=_f64(ticker, "predicted_funding_rate"),
        funding_ts=_i64(funding, "ts_event"),
        funding_rate=_f64(funding, "funding_rate"),
        tick=tick if tick_level else None,
    )
