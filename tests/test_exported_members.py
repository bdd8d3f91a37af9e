"""The public surface is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import aleatoric


def test_public_names_are_pinned() -> None:
    assert sorted(aleatoric.__all__) == [
        "Client",
        "ConfigError",
        "DatasetConfig",
        "GenerateResult",
        "Instrument",
        "OutputExistsError",
        "SegmentResult",
        "__version__",
        "generate",
        "get_instrument",
        "load_config",
        "simulate_segment",
    ]
    for name in aleatoric.__all__:
        assert getattr(aleatoric, name) is not None
