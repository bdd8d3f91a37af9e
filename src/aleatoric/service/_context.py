"""What request handlers share: settings, job records, the job queue and the artifact store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from aleatoric.cache import CacheStore
from aleatoric.jobs import JobQueue, JobSettings, JobStore

__all__ = ["ServiceContext", "get_context"]


@dataclass(frozen=True)
class ServiceContext:
    """Shared state of one API process."""

    settings: JobSettings
    store: JobStore
    queue: JobQueue
    cache: CacheStore

    def dataset_dir(self, job_id: str) -> Path:
        """Return where the dataset of ``job_id`` is published."""
        return self.settings.datasets_dir / job_id


def get_context(request: Request) -> ServiceContext:
    """FastAPI dependency: the context stored on the application."""
    context: ServiceContext = request.app.state.context
    return context
