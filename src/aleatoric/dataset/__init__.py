"""The dataset model: the typed manifest and one way to open a dataset directory."""

from aleatoric.dataset._manifest import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    Manifest,
    ManifestFile,
    manifest_bytes,
    read_manifest,
    write_manifest,
)
from aleatoric.dataset._open import Dataset, open_dataset, partition

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "Dataset",
    "Manifest",
    "ManifestFile",
    "manifest_bytes",
    "open_dataset",
    "partition",
    "read_manifest",
    "write_manifest",
]
