"""The Celery app configured from the environment, for Celery's own tools.

``aleatoric worker`` is the usual way to start a worker; this module also lets the
standard Celery commands reach the same app, e.g. ``celery -A aleatoric.jobs.worker inspect
active`` or ``celery -A aleatoric.jobs.worker purge``.
"""

from __future__ import annotations

from aleatoric.jobs._celery import create_celery
from aleatoric.jobs._settings import JobSettings

__all__ = ["app"]

app = create_celery(JobSettings())
