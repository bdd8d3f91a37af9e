"""Open one instrument of a canonical dataset and serve its tables to the rules, lazily.

A dataset is a directory ``DIR/<table>/venue=<v>/symbol=<s>/date=<d>/part-NNNNN.parquet``
plus ``DIR/manifest.json``, read through :func:`aleatoric.dataset.read_manifest`. The rules
check one instrument at a time (``seq`` runs per instrument). Without a manifest, the
instrument comes from the ``venue=`` and ``symbol=`` partition names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from aleatoric.config import TABLES, InstrumentRef
from aleatoric.dataset import MANIFEST_NAME, Manifest, partition, read_manifest
from aleatoric.errors import DatasetError, IntegrityInputError
from aleatoric.instruments import Instrument, get_instrument
from aleatoric.sinks.schema import AS_NS

__all__ = ["CheckContext", "CheckTarget", "open_targets", "plan_columns"]

T = TypeVar("T")


@dataclass(frozen=True)
class CheckTarget:
    """One instrument of a dataset: where its files live and which tables it has."""

    root: Path
    venue: str
    symbol: str
    instrument: Instrument
    tables: tuple[str, ...]
    manifest: Manifest | None
    #: Rows the manifest counts for this instrument over every table (0 when unknown).
    manifest_rows: int = 0
    #: Whether the dataset holds other instruments (then only this one's partitions are read).
    shared: bool = False

    def base(self, table: str) -> Path:
        """Return the directory of this instrument's files of ``table``."""
        if self.shared:
            return self.root / partition(table, self.venue, self.symbol)
        return self.root / table

    def glob(self, table: str) -> str:
        """Return the glob of a table's Parquet files."""
        return str(self.base(table) / "**" / "*.parquet")


def _partition_values(root: Path, tables: Iterable[str], key: str, depth: int) -> set[str]:
    values: set[str] = set()
    for table in tables:
        pattern = "/".join(["*"] * (depth - 1) + [f"{key}=*"])
        values |= {p.name.split("=", 1)[1] for p in (root / table).glob(pattern) if p.is_dir()}
    return values


def _read_manifest(root: Path) -> Manifest | None:
    if not (root / MANIFEST_NAME).is_file():
        return None
    try:
        return read_manifest(root)[0]
    except DatasetError as exc:
        raise IntegrityInputError(f"{root}: {exc}") from None


def _instruments(
    root: Path, manifest: Manifest | None, tables: tuple[str, ...]
) -> list[InstrumentRef]:
    if manifest is not None:
        try:
            return list(manifest.instrument_refs)
        except DatasetError as exc:
            raise IntegrityInputError(f"{root}: {exc}") from None
    venues = _partition_values(root, tables, "venue", 1)
    symbols = _partition_values(root, tables, "symbol", 2)
    if len(venues) != 1 or len(symbols) != 1:
        raise IntegrityInputError(
            f"{root} has no {MANIFEST_NAME} and its partitions do not name exactly one venue "
            f"and symbol (found venue={sorted(venues)}, symbol={sorted(symbols)})"
        )
    try:
        return [InstrumentRef(venue=venues.pop(), symbol=symbols.pop())]
    except ValueError as exc:
        raise IntegrityInputError(f"{root}: {exc}") from None


def _rows_of(manifest: Manifest | None, ref: InstrumentRef, shared: bool) -> int:
    if manifest is None:
        return 0
    if not shared:  # the canonical tables only: `native` counts capture lines, not rows
        return sum(n for table, n in manifest.tables.items() if table in TABLES)
    prefixes = tuple(partition(t, ref.venue, ref.symbol) + "/" for t in TABLES)
    return sum(f.rows or 0 for f in manifest.file_entries if f.path.startswith(prefixes))


def open_targets(path: str | Path, instrument: str | None = None) -> list[CheckTarget]:
    """Return the instruments of a dataset to check: every one, or the one named.

    ``instrument`` is ``venue:symbol`` or a symbol.

    Raises
    ------
    IntegrityInputError
        If the directory is missing, holds no canonical table, names no known instrument,
        or has no instrument called ``instrument``.
    """
    root = Path(path)
    if not root.is_dir():
        raise IntegrityInputError(f"dataset directory {root} does not exist")
    tables = tuple(t for t in TABLES if any((root / t).rglob("*.parquet")))
    manifest = _read_manifest(root)
    if not tables:
        what = "has a manifest but" if manifest is not None else f"has no {MANIFEST_NAME} and"
        raise IntegrityInputError(
            f"{root} {what} no canonical table (expected one of {', '.join(TABLES)} "
            "holding Parquet files)"
        )
    refs = _instruments(root, manifest, tables)
    shared = len(refs) > 1
    if instrument is not None:
        chosen = [r for r in refs if instrument in (str(r), r.symbol)]
        if not chosen:
            listed = ", ".join(str(r) for r in refs)
            raise IntegrityInputError(f"instrument: {root} has no {instrument!r}; it has {listed}")
        refs = chosen[:1]
    out = []
    for ref in refs:
        inst = get_instrument(ref.venue, ref.symbol)
        present = tables
        if shared:
            present = tuple(
                t
                for t in tables
                if any((root / partition(t, ref.venue, ref.symbol)).rglob("*.parquet"))
            )
        out.append(CheckTarget(root, ref.venue, ref.symbol, inst, present, manifest,
                               _rows_of(manifest, ref, shared), shared))  # fmt: skip
    return out


def _unreadable(dataset: CheckTarget, table: str, exc: Exception) -> IntegrityInputError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return IntegrityInputError(f"cannot read table {table} of {dataset.root}: {first}")


@dataclass
class CheckContext:
    """What a rule sees: the dataset, its instrument and its tables, sorted by ``seq``.

    Every table is read once, with the union of the columns the selected rules asked for;
    rules share derived results (book replays) through :meth:`memo`.
    """

    dataset: CheckTarget
    columns: Mapping[str, tuple[str, ...]]
    max_examples: int = 5
    _frames: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def instrument(self) -> Instrument:
        """Return the dataset's instrument."""
        return self.dataset.instrument

    def has(self, table: str) -> bool:
        """Return whether the dataset has ``table``."""
        return table in self.dataset.tables

    def planned(self, table: str) -> bool:
        """Return whether ``table`` is present and some selected rule reads it."""
        return table in self.columns

    def frame(self, table: str) -> pl.DataFrame:
        """Return ``table`` with the planned columns, sorted by ``seq`` (read on first use)."""
        if table not in self._frames:
            scan = pl.scan_parquet(self.dataset.glob(table), hive_partitioning=False)
            try:
                df = scan.select(self.columns[table]).with_columns(AS_NS).collect()
            except (pl.exceptions.PolarsError, OSError) as exc:
                raise _unreadable(self.dataset, table, exc) from None
            if not df["seq"].is_sorted():
                df = df.sort("seq")
            self._frames[table] = df
        return self._frames[table]

    def matching(self, table: str, pattern: str) -> list[str]:
        """Return the planned columns of ``table`` whose names match a glob ``pattern``."""
        return [c for c in self.columns.get(table, ()) if fnmatchcase(c, pattern)]

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Return the value stored under ``key``, building it on first use."""
        if key not in self._memo:
            self._memo[key] = build()
        value: T = self._memo[key]
        return value


def plan_columns(
    dataset: CheckTarget, needs: Iterable[Mapping[str, tuple[str, ...]]]
) -> dict[str, tuple[str, ...]]:
    """Return, per present table, the columns the rules need (glob patterns resolved).

    A pattern ending in ``?`` is optional: a column added to the schema later, absent from
    older datasets.

    Raises
    ------
    IntegrityInputError
        If a table cannot be read or lacks a column a rule needs.
    """
    wanted: dict[str, list[str]] = {}
    for need in needs:
        for table, patterns in need.items():
            if table in dataset.tables:
                wanted.setdefault(table, ["seq"]).extend(patterns)
    plan: dict[str, tuple[str, ...]] = {}
    for table, wanted_patterns in wanted.items():
        try:
            schema = pl.scan_parquet(dataset.glob(table), hive_partitioning=False).collect_schema()
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise _unreadable(dataset, table, exc) from None
        names = list(schema.names())
        cols: list[str] = []
        for wanted_pattern in dict.fromkeys(wanted_patterns):
            pattern = wanted_pattern.removesuffix("?")
            found = [n for n in names if fnmatchcase(n, pattern)]
            if not found and not wanted_pattern.endswith("?"):
                raise IntegrityInputError(
                    f"table {table} of {dataset.root} has no column {pattern!r} "
                    f"(it has {', '.join(names)})"
                )
            cols += [n for n in found if n not in cols]
        plan[table] = tuple(cols)
    return plan
