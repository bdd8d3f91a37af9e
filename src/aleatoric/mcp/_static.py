"""Static MCP resources built from the code, so they never drift from the engine.

``docs://schema`` is the canonical schema (the Arrow schemas the writers use) and
``docs://realism`` the realism scorecard's facts with their minimum data lengths; the prose
is in docs/schema.md and docs/realism.md of the repository.
"""

from __future__ import annotations

from typing import Any

__all__ = ["realism_doc", "schema_doc"]


def schema_doc() -> dict[str, Any]:
    """Return every canonical table's columns (name, Arrow type, nullable)."""
    from aleatoric.config import TABLES
    from aleatoric.sinks.schema import schema_for

    tables = {}
    for table in TABLES:
        schema = schema_for(table, depth=1)
        tables[table] = [
            {"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in schema
        ]
    return {
        "layout": "DIR/<table>/venue=<venue>/symbol=<symbol>/date=<YYYY-MM-DD>/part-<segment>"
        ".parquet plus DIR/manifest.json",
        "notes": [
            "ts_event and ts_recv are nanoseconds since the Unix epoch, UTC.",
            "seq is one gap-free counter over all rows of all tables; it orders equal times.",
            "Sizes are in the base asset; prices and sizes lie on the instrument's grid.",
            "book_snapshot has bid_px_NN, bid_sz_NN, ask_px_NN, ask_sz_NN for NN = 00 .. "
            "depth-1 (level 00 is the best); shown here with depth 1.",
        ],
        "tables": tables,
    }


def realism_doc() -> dict[str, Any]:
    """Return the scorecard's facts: name, whether tick-level, minimum data length."""
    from aleatoric.realism._facts import FACT_MIN_DURATION_S, FACT_NAMES
    from aleatoric.realism._model import TICK_LEVEL_IN_VERDICT
    from aleatoric.realism._tick_facts import MIN_DURATION_S

    facts = [
        {"name": n, "tick_level": False, "min_duration_s": FACT_MIN_DURATION_S[n]}
        for n in FACT_NAMES
    ]
    facts += [
        {"name": n, "tick_level": True, "min_duration_s": s} for n, s in MIN_DURATION_S.items()
    ]
    return {
        "verdicts": {
            "PASS": "every applicable band holds",
            "FAIL": "at least one band fails",
            "INSUFFICIENT DATA": "no band fails, but the dataset is too short for some facts",
        },
        "tick_level_in_verdict": TICK_LEVEL_IN_VERDICT,
        "facts": facts,
    }
