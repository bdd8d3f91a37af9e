"""The Celery application: no-job-lost settings for long, CPU-bound chunk tasks.

Chunks are acknowledged only after they finish (``task_acks_late``), a chunk whose worker
process dies is requeued (``task_reject_on_worker_lost``), a worker reserves one task at a
time (``worker_prefetch_multiplier=1``), and the broker redelivers an unacknowledged task
only after a visibility timeout longer than the longest chunk. Redelivery is safe because a
chunk's output is content-addressed: a repeated chunk writes the same bytes.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from aleatoric.jobs._settings import JobSettings, broker_kind

__all__ = ["broker_transport_options", "celery_config", "create_celery"]


def broker_transport_options(settings: JobSettings) -> dict[str, Any]:
    """Return the kombu transport options for the configured broker.

    Redis: the visibility timeout and how often unacknowledged tasks of dead workers are
    restored. RabbitMQ: publisher confirms; a consumer's unacknowledged messages are
    redelivered as soon as its connection drops. Azure Service Bus: peek-lock with automatic
    lock renewal for as long as a visibility timeout, so a long chunk keeps its lock instead
    of being delivered twice.
    """
    kind = broker_kind(settings.broker_url)
    if kind == "redis":
        return {
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": settings.restore_interval,
            "unacked_restore_throttle": 1,
        }
    if kind == "azureservicebus":
        return {
            "use_lock_renewal": True,
            "max_lock_renewal_duration": float(settings.visibility_timeout),
            "peek_lock_seconds": settings.servicebus_peek_lock_seconds,
            "queue_name_prefix": settings.servicebus_queue_prefix,
            "wait_time_seconds": 5,
        }
    if kind == "amqp":
        return {"confirm_publish": True}
    return {"visibility_timeout": settings.visibility_timeout}


def celery_config(settings: JobSettings, *, results: bool = True) -> dict[str, Any]:
    """Return the Celery configuration for ``settings`` (a plain mapping, easy to inspect).

    ``results=False`` configures a producer only (the API): it never reads task results, so
    it has no result backend and sending a task does not subscribe to its result.
    """
    backend = settings.effective_result_backend if results else None
    conf: dict[str, Any] = {
        "broker_url": settings.broker_url,
        "broker_transport_options": broker_transport_options(settings),
        "broker_connection_retry_on_startup": True,
        "result_backend": backend,
        "task_ignore_result": backend is None,
        "result_expires": 24 * 3600,
        "task_default_queue": settings.queue,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        # No job lost: acknowledge after the task, requeue when the worker dies.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        # The job store owns the chunk: a running chunk keeps its lease through a broker
        # outage and finishes; a redelivered copy finds it busy and is skipped.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_track_started": True,
        "task_soft_time_limit": settings.chunk_time_limit,
        "task_time_limit": settings.chunk_time_limit + settings.time_limit_grace,
        "worker_soft_shutdown_timeout": settings.soft_shutdown_timeout,
        "worker_enable_soft_shutdown_on_idle": True,
        "worker_max_tasks_per_child": 50,
        "worker_hijack_root_logger": False,
    }
    if broker_kind(settings.broker_url) not in ("redis", "amqp"):
        # Remote control needs broadcast (fanout) queues, which kombu's Service Bus
        # transport does not promise; job state lives in SQL, not in worker replies.
        conf["worker_enable_remote_control"] = False
    if backend is not None and broker_kind(backend) == "redis":
        conf["result_backend_transport_options"] = {
            "visibility_timeout": settings.visibility_timeout
        }
    return conf


def create_celery(settings: JobSettings, *, results: bool = True) -> Celery:
    """Return a Celery app for ``settings`` with the chunk and finalizer tasks registered.

    Workers store task outcomes in the result backend (for Celery's own tools; the job
    records in SQL are the source of truth); the API passes ``results=False``.
    """
    from aleatoric.jobs._tasks import register_tasks

    app = Celery("aleatoric", set_as_current=False)
    app.conf.update(celery_config(settings, results=results))
    register_tasks(app, settings)
    return app
