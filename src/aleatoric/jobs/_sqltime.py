"""Database-clock expressions for leases: "now" and "now plus some seconds".

Leases compare times written by different machines, so every lease time comes from the
database's clock, never from a process's. SQLite keeps times as text; its expressions use
one format (milliseconds) so that comparisons in SQL order them correctly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

__all__ = ["db_after", "db_now"]

_SQLITE_FORMAT = "%Y-%m-%d %H:%M:%f"


def db_now(dialect: str) -> Any:
    """Return a SQL expression for the database's current time."""
    if dialect == "sqlite":
        return func.strftime(_SQLITE_FORMAT, "now")
    return func.now()


def db_after(dialect: str, seconds: float) -> Any:
    """Return a SQL expression for the database's current time plus ``seconds``."""
    if dialect == "sqlite":
        return func.strftime(_SQLITE_FORMAT, "now", f"{float(seconds):+.3f} seconds")
    return func.now() + func.make_interval(0, 0, 0, 0, 0, 0, float(seconds))
