"""Dataset configuration: the model, its file formats and the regime presets."""

from aleatoric.config._durations import format_duration, parse_duration_ns
from aleatoric.config._inputs import InputField, input_fields
from aleatoric.config._load import ConfigError, format_errors, load_config, read_config_file
from aleatoric.config._model import (
    FLAT_FIELDS,
    SHORTHAND_FIELDS,
    TABLES,
    DatasetConfig,
    TableName,
)
from aleatoric.config._parts import (
    OVERLAY_KINDS,
    InstrumentRef,
    OkxOptions,
    Overlay,
    VenueOptions,
)
from aleatoric.config._presets import AssetScale, Preset, get_preset, presets
from aleatoric.config._scenarios import SCENARIO_KINDS, ScenarioPreset, scenario_presets

__all__ = [
    "FLAT_FIELDS",
    "OVERLAY_KINDS",
    "SCENARIO_KINDS",
    "SHORTHAND_FIELDS",
    "TABLES",
    "AssetScale",
    "ConfigError",
    "DatasetConfig",
    "InputField",
    "InstrumentRef",
    "OkxOptions",
    "Overlay",
    "Preset",
    "ScenarioPreset",
    "TableName",
    "VenueOptions",
    "format_duration",
    "format_errors",
    "get_preset",
    "input_fields",
    "load_config",
    "parse_duration_ns",
    "presets",
    "read_config_file",
    "scenario_presets",
]
