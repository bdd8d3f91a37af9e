"""The structured config: instruments, overlays, venue options, and the flat form it keeps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aleatoric
from aleatoric.config import (
    TABLES,
    ConfigError,
    DatasetConfig,
    InstrumentRef,
    input_fields,
    load_config,
    presets,
)
from aleatoric.instruments import instruments

#: Instruments every shipped preset covers (BTC and ETH at every venue).
ALL = [f"{i.venue}:{i.symbol}" for i in instruments() if i.base in ("BTC", "ETH")]


def test_flat_form_is_the_structured_form() -> None:
    flat = load_config(venue="okx", symbol="ETH-USDT-SWAP", okx_checksum=True, seed=3)
    structured = load_config(
        instruments=[{"venue": "okx", "symbol": "ETH-USDT-SWAP"}],
        venue_options={"okx": {"checksum": True}},
        seed=3,
    )
    assert flat == structured
    assert (flat.venue, flat.symbol, flat.okx_checksum) == ("okx", "ETH-USDT-SWAP", True)
    assert flat.instruments == (InstrumentRef(venue="okx", symbol="ETH-USDT-SWAP"),)


def test_canonical_of_one_instrument_keeps_the_flat_keys() -> None:
    # Manifests and cache keys of single-instrument datasets keep their bytes.
    canonical = load_config(venue="bybit", symbol="ETHUSDT").canonical()
    assert list(canonical)[:2] == ["venue", "symbol"]
    assert canonical["okx_checksum"] is False
    assert not {"instruments", "overlays", "venue_options"} & canonical.keys()


def test_canonical_of_several_instruments_is_structured() -> None:
    config = load_config(instruments=["binance:BTCUSDT", "okx:BTC-USDT-SWAP"])
    canonical = config.canonical()
    assert canonical["instruments"] == [
        {"venue": "binance", "symbol": "BTCUSDT"},
        {"venue": "okx", "symbol": "BTC-USDT-SWAP"},
    ]
    assert not {"venue", "symbol", "okx_checksum"} & canonical.keys()
    with pytest.raises(ConfigError, match="holds 2 instruments"):
        _ = config.venue
    one = config.for_instrument("okx:BTC-USDT-SWAP")
    assert (one.venue, one.symbol, one.seed) == ("okx", "BTC-USDT-SWAP", config.seed)
    with pytest.raises(ConfigError, match="not in the config"):
        config.for_instrument("bybit:ETHUSDT")


@pytest.mark.parametrize(
    ("fields", "path", "words"),
    [
        ({"venue": "kraken"}, "venue", "allowed: binance, bybit, okx, hyperliquid"),
        ({"venue": "okx"}, "symbol", "unknown symbol 'BTCUSDT' for venue 'okx'"),
        ({"okx_checksum": True}, "okx_checksum", "applies to venue okx only"),
        ({"instruments": ["binance:BTCUSDT"] * 2}, "instruments", "listed twice"),
        ({"instruments": []}, "instruments", "at least one instrument"),
        ({"instruments": ["BTCUSDT"]}, "instruments.0", "venue:symbol"),
        ({"instruments": ["okx:BTCUSDT"]}, "instruments.0.symbol", "unknown symbol"),
        ({"instruments": ["okx:BTC-USDT-SWAP"], "venue": "okx"}, "venue", "not both"),
        ({"overlays": [{"kind": "flash_crash"}]}, "overlays.0.kind", "unknown overlay kind"),
        ({"venue_options": {"okx": {"checksum": True}}}, "venue_options.okx",
         "applies to venue okx only"),
        ({"venue_options": {"kraken": {}}}, "venue_options.kraken", "unknown field; allowed: okx"),
        ({"instruments": [{"venue": "okx", "symbol": "ETH-USDT-SWAP", "x": 1}]},
         "instruments.0.x", "allowed: venue, symbol"),
        ({"colour": "red"}, "colour", "allowed: instruments,"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(fields: dict[str, object], path: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(**fields)
    assert (path, True) in [(p, words in m) for p, m in info.value.errors], info.value.errors


def test_structured_file(tmp_path: Path) -> None:
    path = tmp_path / "basket.toml"
    path.write_text(
        'duration = "10m"\nseed = 4\n'
        '[[instruments]]\nvenue = "binance"\nsymbol = "BTCUSDT"\n'
        '[[instruments]]\nvenue = "okx"\nsymbol = "ETH-USDT-SWAP"\n'
        "[venue_options.okx]\nchecksum = true\n"
    )
    config = load_config(path)
    assert [str(i) for i in config.instruments] == ["binance:BTCUSDT", "okx:ETH-USDT-SWAP"]
    assert config.okx_checksum


def test_every_interface_takes_every_input_field() -> None:
    from aleatoric.cli._config_flags import config_flag_names
    from aleatoric.service._schemas import ConfigFields, JobRequest

    names = set(input_fields())
    assert (
        set(DatasetConfig.model_fields) | {"venue", "symbol", "okx_checksum", "venues", "symbols"}
        == names
    )
    assert names <= set(ConfigFields.model_fields)
    assert names <= set(JobRequest.model_fields)
    # The CLI has a flag for every field a flag can carry; structured ones come from files.
    assert set(config_flag_names()) == names - {"overlays", "venue_options"}


_durations = st.integers(1, 3 * 24 * 60).map(lambda m: f"{m}m")
_configs = st.fixed_dictionaries(
    {
        "instruments": st.lists(st.sampled_from(ALL), min_size=1, max_size=4, unique=True),
        "seed": st.integers(0, 2**128 - 1),
        "duration": _durations,
        "segment": st.sampled_from(["5m", "15m", "1h", "2h"]),
        "warmup": st.sampled_from(["5m", "10m", "1h"]),
        "preset": st.sampled_from(sorted(presets())),
        "tables": st.lists(st.sampled_from(TABLES), min_size=1, unique=True),
        "snapshot_depth": st.integers(1, 500),
        "latency": st.sampled_from(["1ms", "5ms", "250us", "1s"]),
    }
)


@given(_configs)
@settings(max_examples=60, deadline=None)
def test_config_round_trips(fields: dict[str, object]) -> None:
    config = load_config(**fields)
    for data in (config.canonical(), config.model_dump(mode="json")):
        assert DatasetConfig.model_validate(data) == config
        assert DatasetConfig.model_validate_json(json.dumps(data)) == config
    assert DatasetConfig.model_validate_json(config.model_dump_json()) == config
    for ref in config.instruments:
        one = config.for_instrument(ref)
        assert DatasetConfig.model_validate(one.canonical()) == one
        assert "venue" in one.canonical()


def test_public_api_keeps_working() -> None:
    # The flat keyword arguments users pass today.
    config = aleatoric.load_config(venue="binance", symbol="BTCUSDT", duration="1h", seed=7)
    assert config.venue == "binance"
    assert isinstance(ConfigError([("x", "y")]), ValueError)
