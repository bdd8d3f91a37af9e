"""The reactor: a pure, deterministic simulation of one instrument's market, by segment."""

from aleatoric.reactor._driver import (
    SegmentResult,
    segment_bounds,
    segment_count,
    simulate_segment,
)

__all__ = ["SegmentResult", "segment_bounds", "segment_count", "simulate_segment"]
