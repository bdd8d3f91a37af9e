"""Open a canonical dataset and serve its tables to the rules, each read once, lazily.

A dataset is a directory ``DIR/<table>/venue=<v>/symbol=<s>/date=<d>/part-NNNNN.parquet``
plus ``DIR/manifest.json``. The instrument comes from the manifest's config; without a
manifest, from the ``venue=`` and ``symbol=`` partition names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from aleatoric.config import TABLES
from aleatoric.instruments import Instrument, get_instrument
from aleatoric.integrity._model import IntegrityInputError

__all__ = ["CheckContext", "Dataset", "open_dataset", "plan_columns"]

T = TypeVar("T")

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Dataset:
    """Where a dataset lives, which instrument it holds and which tables it has."""

    root: Path
    venue: str
    symbol: str
    instrument: Instrument
    tables: tuple[str, ...]
    manifest: Mapping[str, Any] | None

    def glob(self, table: str) -> str:
        """Return the glob of a table's Parquet files."""
        return str(self.root / table / "**" / "*.parquet")


def _partition_values(root: Path, tables: Iterable[str], key: str, depth: int) -> set[str]:
    values: set[str] = set()
    for table in tables:
        pattern = "/".join(["*"] * (depth - 1) + [f"{key}=*"])
        values |= {p.name.split("=", 1)[1] for p in (root / table).glob(pattern) if p.is_dir()}
    return values


def _read_manifest(root: Path) -> Mapping[str, Any] | None:
    path = root / MANIFEST
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IntegrityInputError(f"{path} is not readable JSON: {exc}") from None
    if not isinstance(document, dict):
        raise IntegrityInputError(f"{path} does not hold a JSON object")
    return document


def _instrument_names(
    root: Path, manifest: Mapping[str, Any] | None, tables: tuple[str, ...]
) -> tuple[str, str]:
    if manifest is not None:
        config = manifest.get("config")
        if not isinstance(config, dict) or not {"venue", "symbol"} <= config.keys():
            raise IntegrityInputError(f"{root / MANIFEST} has no config with venue and symbol")
        return str(config["venue"]), str(config["symbol"])
    venues = _partition_values(root, tables, "venue", 1)
    symbols = _partition_values(root, tables, "symbol", 2)
    if len(venues) != 1 or len(symbols) != 1:
        raise IntegrityInputError(
            f"{root} has no {MANIFEST} and its partitions do not name exactly one venue and "
            f"symbol (found venue={sorted(venues)}, symbol={sorted(symbols)})"
        )
    return venues.pop(), symbols.pop()


def open_dataset(path: str | Path) -> Dataset:
    """Find a dataset's tables and instrument.

    Raises
    ------
    IntegrityInputError
        If the directory is missing, holds no canonical table, or names no known instrument.
    """
    root = Path(path)
    if not root.is_dir():
        raise IntegrityInputError(f"dataset directory {root} does not exist")
    tables = tuple(t for t in TABLES if any((root / t).rglob("*.parquet")))
    manifest = _read_manifest(root)
    if not tables:
        what = "has a manifest but" if manifest is not None else f"has no {MANIFEST} and"
        raise IntegrityInputError(
            f"{root} {what} no canonical table (expected one of {', '.join(TABLES)} "
            "holding Parquet files)"
        )
    venue, symbol = _instrument_names(root, manifest, tables)
    try:
        instrument = get_instrument(venue, symbol)
    except KeyError as exc:
        raise IntegrityInputError(f"{root}: {exc.args[0]}") from None
    return Dataset(root, venue, symbol, instrument, tables, manifest)


def _unreadable(dataset: Dataset, table: str, exc: Exception) -> IntegrityInputError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return IntegrityInputError(f"cannot read table {table} of {dataset.root}: {first}")


@dataclass
class CheckContext:
    """What a rule sees: the dataset, its instrument and its tables, sorted by ``seq``.

    Every table is read once, with the union of the columns the selected rules asked for;
    rules share derived results (book replays) through :meth:`memo`.
    """

    dataset: Dataset
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
                df = scan.select(self.columns[table]).collect()
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
    dataset: Dataset, needs: Iterable[Mapping[str, tuple[str, ...]]]
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
