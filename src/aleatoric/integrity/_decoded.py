"""Which canonical rules apply to a decoded capture, and how to recognise one.

A capture keeps each venue's wire-level view of the book: an L2 diff feed whose window's
final state no longer shows an event-by-event book, so ``trade_inside_touch`` cannot hold,
and Binance diffs may delete levels a local book never held; Hyperliquid trade ids are not
consecutive, and OKX ids advance by each message's ``count`` (checked on the capture by
``okx_trade_id_gap_free``). ``check`` skips those rules on
a capture and on its normalized folder alike (recognised by its ``normalized.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aleatoric.integrity._registry import RULES
from aleatoric.venues import REGISTRY
from aleatoric.venues._capture import NORMALIZED_MARKER

__all__ = ["NOT_FOR_VENUE", "capture_rules", "decoded_capture"]

#: Canonical rules a venue's feed cannot be held to, as each venue registers them.
NOT_FOR_VENUE: dict[str, set[str]] = {n: set(s.not_checked) for n, s in REGISTRY.items()}


def capture_rules(venue: str) -> list[str]:
    """Return the canonical rule names that apply to a decoded capture of ``venue``."""
    # Every registered rule (the rule modules register on import, before any check runs).
    spec = REGISTRY.get(venue)
    skipped = spec.not_checked if spec is not None else frozenset()
    return [n for n in RULES if n not in skipped]


def decoded_capture(root: Path) -> dict[str, Any] | None:
    """Return the marker of a normalized capture folder, or None for a generated dataset."""
    try:
        marker = json.loads((root / NORMALIZED_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None
