"""Read a generated dataset one segment at a time, per instrument, for the exporters.

Exports must run in bounded memory on a day of L3 data, so nothing here loads a whole
table: :meth:`SourceDataset.segments` yields the rows of one segment (all its date parts)
at a time, in ``seq`` order. Instruments are found from the hive partitions, so a dataset
holding several venues or symbols is exported instrument by instrument.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from aleatoric.dataset import Manifest, open_dataset
from aleatoric.errors import AleatoricError, DatasetError
from aleatoric.instruments import Instrument, get_instrument
from aleatoric.sinks.schema import ns_table, schema_for

__all__ = ["ExportError", "SourceDataset", "open_source"]

_PART = re.compile(
    r"^(?P<table>[a-z_]+)/venue=(?P<venue>[^/]+)/symbol=(?P<symbol>[^/]+)/"
    r"date=(?P<date>\d{4}-\d{2}-\d{2})/part-(?P<segment>\d+)\.parquet$"
)


class ExportError(AleatoricError, ValueError):
    """The dataset or the options cannot be exported (the message says why and what is allowed)."""


@dataclass(frozen=True)
class _Part:
    path: str
    table: str
    venue: str
    symbol: str
    date: str
    segment: int


@dataclass(frozen=True)
class SourceDataset:
    """A dataset on disk: its manifest, its files and the instruments it holds."""

    root: Path
    manifest: Manifest
    parts: tuple[_Part, ...]

    @property
    def tables(self) -> tuple[str, ...]:
        """Return the tables the dataset was generated with (some may have no rows)."""
        return tuple(self.manifest.config.get("tables", ()))

    @property
    def snapshot_depth(self) -> int:
        """Return the number of levels per side of ``book_snapshot``."""
        return int(self.manifest.config.get("snapshot_depth", 25))

    @property
    def digest(self) -> str:
        """Return a digest of the source: the SHA-256 over its files' digests, in path order."""
        files = sorted(self.manifest.file_entries, key=lambda f: f.path)
        return hashlib.sha256("".join(f.sha256 for f in files).encode()).hexdigest()

    def instruments(self) -> list[Instrument]:
        """Return the instruments with rows in the dataset, sorted by venue and symbol."""
        pairs = sorted({(p.venue, p.symbol) for p in self.parts})
        if not pairs:
            pairs = [(i.venue, i.symbol) for i in self.manifest.instrument_refs]
        return [get_instrument(v, s) for v, s in pairs]

    def require(self, tables: Sequence[str], engine: str) -> None:
        """Raise :class:`ExportError` unless the dataset was generated with every table."""
        missing = [t for t in tables if t not in self.tables]
        if missing:
            raise ExportError(
                f"the {engine} export needs the table(s) {', '.join(missing)}; the dataset has "
                f"{', '.join(self.tables) or 'none'} (generate with --tables "
                f"{','.join(dict.fromkeys([*self.tables, *missing]))})"
            )

    def segment_indexes(self, inst: Instrument) -> list[int]:
        """Return the segment numbers with any rows for ``inst``, in order."""
        return sorted({p.segment for p in self._of(inst)})

    def segments(
        self, inst: Instrument, tables: Sequence[str], columns: dict[str, list[str]] | None = None
    ) -> Iterator[tuple[int, dict[str, pa.Table]]]:
        """Yield ``(segment, {table: rows})`` in segment order; a table without rows is empty."""
        mine = self._of(inst)
        for segment in self.segment_indexes(inst):
            out: dict[str, pa.Table] = {}
            for table in tables:
                cols = None if columns is None else columns.get(table)
                files = sorted(
                    (p for p in mine if p.table == table and p.segment == segment),
                    key=lambda p: p.date,
                )
                parts = [ns_table(pq.read_table(self.root / p.path, columns=cols)) for p in files]
                if parts:
                    out[table] = pa.concat_tables(parts).replace_schema_metadata(None)
                else:
                    schema = schema_for(table, depth=self.snapshot_depth)  # type: ignore[arg-type]
                    if cols is not None:
                        schema = pa.schema([schema.field(c) for c in cols])
                    out[table] = ns_table(schema.empty_table())
            yield segment, out

    def _of(self, inst: Instrument) -> list[_Part]:
        return [p for p in self.parts if p.venue == inst.venue and p.symbol == inst.symbol]


def open_source(path: str | Path) -> SourceDataset:
    """Open the dataset at ``path`` (a directory with ``manifest.json``)."""
    root = Path(path)
    try:
        manifest = open_dataset(root).manifest
    except DatasetError as exc:
        raise ExportError(f"not a dataset (a directory with manifest.json): {exc}") from None
    if not str(manifest.format or "").startswith("aleatoric-dataset/"):
        raise ExportError(f"manifest format must be aleatoric-dataset/1, was {manifest.format!r}")
    parts: list[_Part] = []
    for entry in manifest.file_entries:
        match = _PART.match(entry.path)
        if match is None:
            continue
        parts.append(
            _Part(entry.path, match["table"], match["venue"], match["symbol"], match["date"],
                  int(match["segment"]))
        )  # fmt: skip
    missing = [p.path for p in parts if not (root / p.path).is_file()]
    if missing:
        raise ExportError(f"dataset {root} is incomplete: {len(missing)} file(s) missing, "
                          f"first {missing[0]}")  # fmt: skip
    return SourceDataset(root, manifest, tuple(parts))
