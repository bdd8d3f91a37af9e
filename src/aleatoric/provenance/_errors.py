"""The one exception the provenance package raises for a dataset or envelope that fails."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ProvenanceError"]


class ProvenanceError(Exception):
    """Signal that signing or verification failed; ``problems`` lists every failure found.

    Each problem names the failing file or field, for example
    ``"manifest.json: sha256 mismatch"`` or ``"extra file not in provenance: x.parquet"``.
    The message is the problems joined by ``"; "``.
    """

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))
