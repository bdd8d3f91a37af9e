"""Dataset configuration: the model, its file formats and the regime presets."""

from aleatoric.config._durations import format_duration, parse_duration_ns
from aleatoric.config._load import ConfigError, format_errors, load_config, read_config_file
from aleatoric.config._model import TABLES, DatasetConfig, TableName
from aleatoric.config._presets import AssetScale, Preset, get_preset, presets

__all__ = [
    "TABLES",
    "AssetScale",
    "ConfigError",
    "DatasetConfig",
    "Preset",
    "TableName",
    "format_duration",
    "format_errors",
    "get_preset",
    "load_config",
    "parse_duration_ns",
    "presets",
    "read_config_file",
]
