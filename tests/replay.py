"""An independent, plain-Python replay of canonical tables, used to check the engine.

It shares no code with the reactor: it rebuilds the L3 book from ``mbo`` rows and the L2 book
from ``book_delta`` rows and reports every inconsistency it sees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class L3Replay:
    """Orders by id and level sizes by (side, price), from mbo rows."""

    orders: dict[int, tuple[str, float, float]] = field(default_factory=dict)
    levels: dict[tuple[str, float], float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[tuple[str, float], int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)

    def apply(self, seq: int, action: str, side: str, oid: int, price: float, size: float) -> None:
        if action == "A":
            if oid in self.orders:
                self.errors.append(f"seq {seq}: add of live order {oid}")
            self.orders[oid] = (side, price, size)
            self.levels[(side, price)] += size
            self.counts[(side, price)] += 1
        elif action in ("C", "F", "M"):
            if oid not in self.orders:
                self.errors.append(f"seq {seq}: {action} of unknown order {oid}")
                return
            o_side, o_price, rem = self.orders[oid]
            if (o_side, o_price) != (side, price):
                self.errors.append(f"seq {seq}: {action} at wrong side/price for {oid}")
            if action == "M":
                new = size
            else:
                if size > rem + 1e-12:
                    self.errors.append(f"seq {seq}: {action} of {size} exceeds remaining {rem}")
                new = rem - size
                if action == "C" and abs(new) > 1e-9:
                    self.errors.append(f"seq {seq}: partial cancel of {oid}")
            self.levels[(side, price)] += new - rem
            if new <= 1e-12:
                del self.orders[oid]
                self.counts[(side, price)] -= 1
            else:
                self.orders[oid] = (side, price, new)

    def level(self, side: str, price: float) -> float:
        return round(self.levels.get((side, price), 0.0), 9)

    def best(self, side: str) -> float | None:
        prices = [p for (s, p), q in self.levels.items() if s == side and q > 1e-12]
        if not prices:
            return None
        return max(prices) if side == "B" else min(prices)


class BestTracker:
    """Best bid and ask of a level map, with lazy-deletion heaps (O(log n) per update)."""

    def __init__(self) -> None:
        import heapq

        self._heapq = heapq
        self.size: dict[tuple[str, float], float] = {}
        self._heaps: dict[str, list[float]] = {"bid": [], "ask": []}

    def set(self, side: str, price: float, size: float) -> None:
        self.size[(side, price)] = size
        if size > 0:
            self._heapq.heappush(self._heaps[side], -price if side == "bid" else price)

    def best(self, side: str) -> float | None:
        heap = self._heaps[side]
        while heap:
            price = -heap[0] if side == "bid" else heap[0]
            if self.size.get((side, price), 0.0) > 0:
                return price
            self._heapq.heappop(heap)
        return None

    def top(self, side: str, depth: int) -> list[tuple[float, float]]:
        levels = [(p, q) for (s, p), q in self.size.items() if s == side and q > 0]
        levels.sort(key=lambda x: -x[0] if side == "bid" else x[0])
        return levels[:depth]
