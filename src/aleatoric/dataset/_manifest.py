"""The dataset manifest as one typed, frozen value: parsed once, written with stable bytes.

``manifest.json`` records what produced a dataset (engine and library versions, seed,
config), its instruments, row counts per table, segments, and every file with its SHA-256.
It holds no wall-clock time or host name, so it is as reproducible as the data. Every module
that reads a manifest goes through :func:`read_manifest` (or
:func:`aleatoric.dataset.open_dataset`); the file name is defined here only.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from aleatoric.config import DatasetConfig, InstrumentRef, format_errors
from aleatoric.errors import DatasetError

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "Manifest",
    "ManifestFile",
    "manifest_bytes",
    "read_manifest",
    "write_manifest",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "aleatoric-dataset/1"

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ManifestFile(BaseModel):
    """One file of a dataset: path relative to the root, table, digests, size and rows."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    path: str
    sha256: str
    table: str = ""
    bytes: int | None = None
    rows: int | None = None
    content_sha256: str = ""
    schema_: str = Field("", alias="schema")

    @field_validator("path")
    @classmethod
    def _inside(cls, value: str) -> str:
        # Readers join this to the dataset root: a path that escapes it must never be opened.
        rel = PurePosixPath(value)
        if not value or rel.is_absolute() or ".." in rel.parts:
            raise ValueError(f"must be a relative path inside the dataset, was {value!r}")
        return value

    @field_validator("sha256", "content_sha256")
    @classmethod
    def _hex_digest(cls, value: str, info: Any) -> str:
        if info.field_name == "content_sha256" and not value:
            return value
        if not _SHA256.match(value):
            raise ValueError(f"must be 64 lowercase hex digits, was {value!r}")
        return value

    def document(self) -> dict[str, Any]:
        """Return the entry as written: row digest and schema only when there is one."""
        entry: dict[str, Any] = {"path": self.path, "table": self.table, "sha256": self.sha256}
        entry.update(
            {k: v for k, v in (("bytes", self.bytes), ("rows", self.rows)) if v is not None}
        )
        if self.content_sha256:
            entry["content_sha256"] = self.content_sha256
            entry["schema"] = self.schema_
        return entry


class Manifest(BaseModel):
    """A parsed ``manifest.json``.

    Fields a hand-made or older manifest may lack are ``None`` (and stay absent when it is
    written back), so reading and writing a manifest keeps its bytes. ``config`` is kept as
    written; :attr:`dataset_config` validates it. One instrument is written as
    ``instrument``, several as ``instruments``; both read into :attr:`instruments`.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    format: str | None = None
    engine: dict[str, str] | None = None
    libraries: dict[str, str] | None = None
    seed: int | None = None
    config: dict[str, Any]
    instruments: tuple[dict[str, Any], ...] | None = None
    tables: dict[str, int] = Field(default_factory=dict)
    table_digests: dict[str, str] | None = None
    segments: tuple[dict[str, Any], ...] | None = None
    files: tuple[ManifestFile, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_instrument(cls, data: Any) -> Any:
        if isinstance(data, dict) and "instrument" in data:
            data = dict(data)
            data["instruments"] = [data.pop("instrument")]
        return data

    @property
    def instrument_refs(self) -> tuple[InstrumentRef, ...]:
        """Return the dataset's instruments, in config order.

        Raises
        ------
        DatasetError
            If the config names no instrument the engine knows.
        """
        config = self.config
        listed = config.get("instruments")
        if listed is None:
            listed = [{"venue": config.get("venue"), "symbol": config.get("symbol")}]
        try:
            return tuple(InstrumentRef.model_validate(i) for i in listed)
        except ValidationError as exc:
            problems = "; ".join(f"{p}: {m}" for p, m in format_errors(exc))
            raise DatasetError(
                f"{MANIFEST_NAME}: config names no usable instrument: {problems}"
            ) from None

    @property
    def dataset_config(self) -> DatasetConfig:
        """Return the validated config the dataset was generated from.

        Raises
        ------
        DatasetError
            If the config is not valid for this engine (an unknown preset, say).
        """
        try:
            return DatasetConfig.model_validate(self.config)
        except ValidationError as exc:
            problems = "; ".join(f"{p}: {m}" for p, m in format_errors(exc, self.config))
            raise DatasetError(f"{MANIFEST_NAME}: config is not valid here: {problems}") from None

    @property
    def file_entries(self) -> tuple[ManifestFile, ...]:
        """Return the listed files (none for a manifest without a file list)."""
        return self.files or ()

    @property
    def digests(self) -> dict[str, str]:
        """Return the SHA-256 of every listed file, by path."""
        return {f.path: f.sha256 for f in self.file_entries}

    @property
    def rows(self) -> int:
        """Return the number of rows over all tables."""
        return sum(self.tables.values())

    def document(self) -> dict[str, Any]:
        """Return the manifest as the JSON document it is written as."""
        doc: dict[str, Any] = {"config": self.config, "tables": self.tables}
        for name in ("format", "engine", "libraries", "seed", "table_digests"):
            value = getattr(self, name)
            if value is not None:
                doc[name] = value
        if self.instruments is not None:
            many = len(self.instruments) != 1
            doc["instruments" if many else "instrument"] = (
                list(self.instruments) if many else self.instruments[0]
            )
        if self.segments is not None:
            doc["segments"] = list(self.segments)
        if self.files is not None:
            doc["files"] = [f.document() for f in self.files]
        return doc


def manifest_bytes(manifest: Manifest) -> bytes:
    """Return the bytes of ``manifest.json``: sorted keys, two-space indent, final newline."""
    return (json.dumps(manifest.document(), indent=2, sort_keys=True) + "\n").encode()


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Write ``manifest`` as ``root/manifest.json``."""
    (root / MANIFEST_NAME).write_bytes(manifest_bytes(manifest))


def read_manifest(root: Path) -> tuple[Manifest, str]:
    """Return the manifest of the dataset at ``root`` and the SHA-256 of its bytes.

    The digest and the document come from the same read, so they always agree.

    Raises
    ------
    DatasetError
        If the manifest is missing, unreadable, not a JSON object, or malformed.
    """
    path = root / MANIFEST_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{MANIFEST_NAME}: not found in {root}") from None
    except OSError as exc:
        raise DatasetError(f"{MANIFEST_NAME}: cannot read ({exc.strerror})") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{MANIFEST_NAME}: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise DatasetError(f"{MANIFEST_NAME}: not a JSON object")
    try:
        manifest = Manifest.model_validate(document)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "document"
        message = str(err["msg"]).removeprefix("Value error, ")
        raise DatasetError(f"{MANIFEST_NAME}: {where}: {message}") from None
    return manifest, hashlib.sha256(raw).hexdigest()
