"""Read a dataset config from TOML, YAML or JSON and overlay explicit overrides.

Precedence, highest first: overrides (CLI flags, keyword arguments) > file > defaults.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aleatoric.config._model import DatasetConfig

__all__ = ["ConfigError", "format_errors", "load_config", "read_config_file"]


class ConfigError(ValueError):
    """A config that cannot be used; ``errors`` holds ``(field path, message)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{path}: {msg}" for path, msg in errors))


def format_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """Return ``(field path, message)`` for every error in a pydantic ValidationError."""
    out: list[tuple[str, str]] = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "config"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(DatasetConfig.model_fields)
            msg = f"unknown field; allowed: {allowed}"
        elif msg.startswith(("preset: ", "okx_checksum: ")):
            path, msg = msg.split(": ", 1)
        out.append((path, msg))
    return out


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Return the raw mapping in a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError([("config", f"no such file: {p}")])
    suffix = p.suffix.lower()
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [("config", f"{p.name} is not a UTF-8 text file (byte {exc.start})")]
        ) from None
    except OSError as exc:
        raise ConfigError([("config", f"cannot read {p.name}: {exc.strerror or exc}")]) from None
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(
                [("config", f"unknown file type {suffix!r}; allowed: .toml, .yaml, .yml, .json")]
            )
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ConfigError([("config", f"cannot parse {p.name}: {exc}")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([("config", f"{p.name} must hold a mapping of fields")])
    return data


def load_config(path: str | Path | None = None, /, **overrides: Any) -> DatasetConfig:
    """Return a validated config from an optional file plus keyword overrides.

    ``None`` overrides are ignored, so CLI flags that were not given do not mask the file.

    Raises
    ------
    ConfigError
        Listing every invalid field with its path and the allowed values.
    """
    data: dict[str, Any] = read_config_file(path) if path is not None else {}
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return DatasetConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc)) from None
