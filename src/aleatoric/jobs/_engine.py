"""The job store's engine: per-dialect connection set-up and table creation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from aleatoric.jobs._models import Base

__all__ = ["create_tables", "make_engine"]

_ADVISORY_LOCK = 0x616C6561746F7269  # "aleatori": serializes table creation on PostgreSQL


def make_engine(url: str, dialect: str, schema: str | None) -> Engine:
    """Return an engine for ``url``: SQLite in WAL mode with immediate transactions, or a
    pre-pinged pool whose tables live in ``schema``."""
    if dialect == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy own transactions; WAL lets readers run beside one writer.
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            # Take the write lock up front: no deadlock when a reader becomes a writer.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_pre_ping=True)
    if schema is not None:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


def create_tables(engine: Engine, dialect: str, schema: str | None) -> None:
    """Create the schema and the tables when missing, and add columns newer than a table."""
    with engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})
            if schema is not None:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        Base.metadata.create_all(conn)
        _add_missing_columns(conn, schema)


def _add_missing_columns(conn: Connection, schema: str | None) -> None:
    inspector = inspect(conn)
    for table in Base.metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name, schema=schema)}
        for column in table.columns:
            if column.name in have:
                continue
            if not column.nullable:
                raise RuntimeError(f"{table.name}.{column.name} cannot be added to old tables")
            kind = column.type.compile(dialect=conn.dialect)
            name = f'"{schema}".{table.name}' if schema else table.name
            conn.execute(text(f"ALTER TABLE {name} ADD COLUMN {column.name} {kind}"))
