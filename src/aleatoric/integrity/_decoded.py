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

from aleatoric.venues._capture import NORMALIZED_MARKER

__all__ = ["NOT_FOR_VENUE", "capture_rules", "decoded_capture"]

NOT_FOR_VENUE: dict[str, set[str]] = {
    "binance": {"delete_of_absent_level", "trade_inside_touch"},
    "bybit": {"trade_inside_touch"},
    "okx": {"trade_inside_touch", "trade_id_gap_free"},
    "hyperliquid": {"trade_inside_touch", "trade_id_gap_free"},
}


def capture_rules(venue: str) -> list[str]:
    """Return the canonical rule names that apply to a decoded capture of ``venue``."""
    from aleatoric.integrity._check import rule_names

    return [n for n in rule_names() if n not in NOT_FOR_VENUE.get(venue, set())]


def decoded_capture(root: Path) -> dict[str, Any] | None:
    """Return the marker of a normalized capture folder, or None for a generated dataset."""
    try:
        marker = json.loads((root / NORMALIZED_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None
