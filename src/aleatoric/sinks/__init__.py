"""Sinks: where canonical rows leave the engine (Parquet files, the manifest)."""

from aleatoric.sinks.manifest import MANIFEST_NAME, build_manifest, library_versions
from aleatoric.sinks.parquet import FileEntry, file_sha256, write_segment_tables
from aleatoric.sinks.schema import schema_for, snapshot_columns
from aleatoric.sinks.tables import Offsets, segment_counts, segment_tables

__all__ = [
    "MANIFEST_NAME",
    "FileEntry",
    "Offsets",
    "build_manifest",
    "file_sha256",
    "library_versions",
    "schema_for",
    "segment_counts",
    "segment_tables",
    "snapshot_columns",
    "write_segment_tables",
]
