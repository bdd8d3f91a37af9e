"""The one exception the provenance package raises for a dataset or envelope that fails."""

from __future__ import annotations

from aleatoric.errors import ProvenanceError

__all__ = ["ProvenanceError"]
