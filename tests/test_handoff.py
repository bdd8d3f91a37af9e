"""A warm-up handed from one segment to the next gives the bytes of a segment simulated alone."""

from __future__ import annotations

import numpy as np
import pytest

import aleatoric
from aleatoric.reactor import SegmentResult, _handoff, segment_count, simulate_segment


def _same(a: SegmentResult, b: SegmentResult) -> None:
    assert a.rows.tobytes() == b.rows.tobytes()
    assert np.array_equal(a.snapshot_price, b.snapshot_price)
    assert np.array_equal(a.snapshot_size, b.snapshot_size)
    for key in a.ticker:
        assert np.array_equal(a.ticker[key], b.ticker[key]), key
    assert np.array_equal(a.funding_rate, b.funding_rate)
    assert a.reconciliation_rows == b.reconciliation_rows


@pytest.mark.parametrize(
    "fields",
    [
        {"duration": "20m", "segment": "10m", "seed": 5},
        {"venue": "okx", "symbol": "ETH-USDT-SWAP", "preset": "volatile", "duration": "10m",
         "segment": "5m", "warmup": "5m", "seed": 6},
    ],
)  # fmt: skip
def test_segments_in_order_equal_segments_alone(fields: dict[str, object]) -> None:
    config = aleatoric.load_config(**fields)
    key = config.model_dump_json()
    in_order = []
    for i in range(segment_count(config)):
        in_order.append(simulate_segment(config, i))
        # Each segment but the last leaves its warm-up for the next one.
        assert (key, i + 1) in _handoff._SLOT or i + 1 == segment_count(config)
    for i, seg in enumerate(in_order):
        _handoff._SLOT.clear()
        _same(seg, simulate_segment(config, i))


def test_a_warm_up_is_taken_once_and_only_by_its_segment() -> None:
    config = aleatoric.load_config(duration="10m", segment="5m", warmup="5m", seed=2)
    simulate_segment(config, 0)
    key = config.model_dump_json()
    assert _handoff.take(key, 0) is None
    other = aleatoric.load_config(duration="10m", segment="5m", warmup="5m", seed=3)
    assert _handoff.take(other.model_dump_json(), 1) is None
    assert _handoff.take(key, 1) is not None
    assert _handoff.take(key, 1) is None
