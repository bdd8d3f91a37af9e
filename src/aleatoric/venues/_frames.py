"""Frame rules: a venue's own sequencing rules, checked on the raw frames of a capture.

Each rule is a small class that sees every frame in order and records offending lines
(``seq`` in an example is the capture line number). Venue folders define theirs in
``frames.py``; :mod:`aleatoric.integrity` runs them and reports them with the canonical rules.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_EXAMPLES", "FrameRule", "LocalAfterExchange", "exchange_ms"]

MAX_EXAMPLES = 5


class FrameRule:
    """One frame rule: ``see`` every frame, then ``finish``; ``violations`` and ``examples``."""

    name = ""

    def __init__(self) -> None:
        self.rows = 0
        self.violations = 0
        self.examples: list[dict[str, Any]] = []
        #: Labelled feed gaps ``[lo, hi]`` (ns) of the capture (its drops table).
        self.gaps: list[tuple[int, int]] = []

    def bad(self, line: int, ts: int, message: str) -> None:
        """Record a violation at capture line ``line`` (exchange time ``ts`` ns)."""
        self.violations += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append({"table": "capture", "seq": line, "ts_event": ts,
                                  "message": message})  # fmt: skip

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        """Look at one frame (``local`` is its receive time, ns)."""
        raise NotImplementedError

    def finish(self) -> None:
        """Report what only the end of the capture shows (a snapshot never bridged, ...)."""

    @property
    def note(self) -> str:
        """Return why the rule had nothing to check, if so."""
        return "" if self.rows else "no frames of this kind in the capture"


def exchange_ms(data: Any) -> int | None:
    """Return the exchange time (ms) a frame carries in ``E``, ``T``, ``ts`` or ``time``."""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if not isinstance(data, dict):
        return None
    for key in ("E", "T", "ts", "time"):
        value = data.get(key)
        if value is not None:
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


class LocalAfterExchange(FrameRule):
    """The local receive time of every frame is after the exchange time it carries."""

    name = "local_after_exchange"

    def see(self, line: int, local: int, msg: dict[str, Any]) -> None:
        exch = exchange_ms(msg.get("data", msg))
        if exch is None:
            exch = exchange_ms(msg)
        if exch is None:
            return
        self.rows += 1
        if local <= exch * 1_000_000:
            self.bad(line, exch * 1_000_000, f"local {local} is not after exchange {exch} ms")
