"""SQLAlchemy tables of the job records: ``jobs`` and ``chunks``.

Timestamps are set by the database (``now()``), never from the process clock.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "ChunkRow", "JobRow"]


class Base(DeclarativeBase):
    """Declarative base of the job tables (no schema: one is mapped in per engine)."""


class JobRow(Base):
    """One job."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    config_json: Mapped[str] = mapped_column(Text)
    formats: Mapped[str] = mapped_column(String(64))
    seg_start: Mapped[int] = mapped_column(Integer)
    seg_stop: Mapped[int] = mapped_column(Integer)
    partial: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    finalize_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    finalize_attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Until when the running finalizer holds the job (renewed by its heartbeat).
    finalize_lease_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    #: When the finalizer message was last sent (the reaper's lost-message check).
    finalize_dispatched_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ChunkRow(Base):
    """One chunk of a job: segments ``[seg_start, seg_stop)``."""

    __tablename__ = "chunks"

    job_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    seg_start: Mapped[int] = mapped_column(Integer)
    seg_stop: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Until when the worker running the chunk holds it (renewed by its heartbeat).
    lease_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    #: ``host:pid`` of the process running the chunk.
    owner: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: When the chunk's message was last sent, or when its delayed retry is due.
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
