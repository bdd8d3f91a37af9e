"""The public surface is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import aleatoric


def test_public_names_are_pinned() -> None:
    assert sorted(aleatoric.__all__) == [
        "BACKENDS",
        "Client",
        "ConfigError",
        "DatasetConfig",
        "GenerateResult",
        "Instrument",
        "LoadError",
        "OutputExistsError",
        "SegmentResult",
        "__version__",
        "generate",
        "get_instrument",
        "load",
        "load_config",
        "scan",
        "simulate",
        "simulate_segment",
    ]
    for name in aleatoric.__all__:
        assert getattr(aleatoric, name) is not None


def test_integration_names_are_pinned() -> None:
    import aleatoric.integrations as integrations

    assert sorted(integrations.__all__) == [
        "BAR_SIZES",
        "ENGINES",
        "EXPORT_MANIFEST",
        "ExportError",
        "ExportResult",
        "Ohlcv",
        "check_export",
        "export",
        "read_ohlcv",
    ]
    assert sorted(integrations.ENGINES) == ["backtrader", "hftbacktest", "lean", "nautilus"]
