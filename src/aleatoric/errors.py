"""Every error the engine raises on purpose, under one root: :class:`AleatoricError`.

Catch ``AleatoricError`` to handle anything the engine reports about its input or its work.
Each class also keeps the standard base users caught before the root existed (a bad config
is still a ``ValueError``, an existing output directory still a ``FileExistsError``), so
older ``except`` clauses keep working. The CLI maps these classes to exit codes in one table
(``aleatoric.cli._errors``). This module imports nothing from the package, so any module may
raise these without an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AleatoricError",
    "ConfigError",
    "DatasetError",
    "IntegrityInputError",
    "KernelError",
    "MissingExtraError",
    "OutputExistsError",
    "ProvenanceError",
    "QueueUnavailableError",
    "RemoteError",
    "RemoteJobFailedError",
    "SegmentDigestError",
    "ServiceUnavailableError",
]


class AleatoricError(Exception):
    """The root of every error the engine raises on purpose."""


class ConfigError(AleatoricError, ValueError):
    """A config that cannot be used; ``errors`` holds ``(field path, message)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{path}: {msg}" for path, msg in errors))


class DatasetError(AleatoricError, ValueError):
    """A dataset that cannot be read: missing, not a dataset, or an unreadable manifest."""


class IntegrityInputError(DatasetError):
    """The input cannot be checked: a missing directory, no tables, or an unknown rule name."""


class KernelError(AleatoricError, RuntimeError):
    """The simulation kernel stopped on an internal limit (a full pool, a broken invariant)."""


class OutputExistsError(AleatoricError, FileExistsError):
    """The output directory exists and is not empty, or another run is writing it (pass
    ``overwrite=True`` to replace it)."""


class SegmentDigestError(AleatoricError, ValueError):
    """Segment bytes that do not match the digest they were sent or stored with."""


class MissingExtraError(AleatoricError, ImportError):
    """An optional dependency (a package extra) is needed and not installed."""


class ServiceUnavailableError(AleatoricError, RuntimeError):
    """A service the work needs (the job queue, its database) cannot be reached."""


class QueueUnavailableError(ServiceUnavailableError):
    """The broker did not accept a task; the job was recorded as failed."""


class RemoteError(AleatoricError, RuntimeError):
    """The service answered with an error (``status`` is the HTTP status, 0 if none)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class RemoteJobFailedError(RemoteError):
    """A chunk job still failed after its resubmissions."""


class ProvenanceError(AleatoricError):
    """Signing or verification failed; ``problems`` lists every failure found.

    Each problem names the failing file or field, for example
    ``"manifest.json: sha256 mismatch"`` or ``"extra file not in provenance: x.parquet"``.
    The message is the problems joined by ``"; "``.
    """

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))
