"""Distributed generation: a job is a config cut into whole-segment chunks.

Chunk tasks call :func:`aleatoric._generate.compute_segments` into a shared
:class:`~aleatoric.cache.CacheStore` (the artifact store); a finalizer task then runs
:func:`aleatoric.generate` over that cache, which writes exactly the bytes of a local run.
Job and chunk records live in SQL (:class:`JobStore`) and own the work: a running chunk
holds a lease its worker renews, and a :class:`Reaper` sends again whatever lost its lease or
its message. Tasks travel over Celery (Redis by default, RabbitMQ or Azure Service Bus by
configuration). Needs the ``service`` extra.
"""

from aleatoric.jobs._celery import broker_transport_options, celery_config, create_celery
from aleatoric.jobs._mcp_backend import CeleryJobBackend, mcp_job_backend
from aleatoric.jobs._plan import check_formats, check_segment_range, plan_chunks
from aleatoric.jobs._reaper import Reaper
from aleatoric.jobs._records import Chunk, Job, State
from aleatoric.jobs._settings import JobSettings, broker_kind
from aleatoric.jobs._store import JobStore, StartDecision
from aleatoric.jobs._submit import JobQueue, QueueUnavailableError, submit_job
from aleatoric.jobs._tasks import CHUNK_TASK, FINALIZE_TASK, Runtime

__all__ = [
    "CHUNK_TASK",
    "FINALIZE_TASK",
    "CeleryJobBackend",
    "Chunk",
    "Job",
    "JobQueue",
    "JobSettings",
    "JobStore",
    "QueueUnavailableError",
    "Reaper",
    "Runtime",
    "StartDecision",
    "State",
    "broker_kind",
    "broker_transport_options",
    "celery_config",
    "check_formats",
    "check_segment_range",
    "create_celery",
    "mcp_job_backend",
    "plan_chunks",
    "submit_job",
]
