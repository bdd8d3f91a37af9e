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

from aleatoric.config._inputs import input_fields
from aleatoric.config._model import DatasetConfig
from aleatoric.errors import ConfigError

__all__ = ["ConfigError", "format_errors", "input_fields", "load_config", "read_config_file"]

#: Paths of the structured form, and the flat field a flat input gives them as.
_FLAT_PATHS = {
    "instruments.0.venue": "venue",
    "instruments.0.symbol": "symbol",
    "venue_options.okx.checksum": "okx_checksum",
    "venue_options.okx": "okx_checksum",
}


def _allowed_at(loc: tuple[int | str, ...]) -> list[str]:
    # The field names accepted where an unknown one was found: the top level, or a part.
    if not loc:
        return list(input_fields())
    model: Any = DatasetConfig
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(model, "model_fields", {}).get(part)
        if info is None:
            return []
        model = info.annotation
        args = [a for a in getattr(model, "__args__", ()) if hasattr(a, "model_fields")]
        model = args[0] if args else model
    return list(getattr(model, "model_fields", {}))


def _names_a_field(msg: str) -> bool:
    # Cross-field checks raise "path: message"; the path is a field or a dotted field path.
    head = msg.split(": ", 1)[0] if ": " in msg else ""
    return bool(head) and all(p.isidentifier() or p.isdigit() for p in head.split("."))


def format_errors(
    exc: ValidationError, given: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """Return ``(field path, message)`` for every error in a pydantic ValidationError.

    With ``given`` (the input that failed) in the flat form, errors are named by the flat
    fields the user wrote (``symbol`` rather than ``instruments.0.symbol``).
    """
    flat = set(given or ()) & set(_FLAT_PATHS.values())
    if flat & {"venue", "symbol"}:
        flat |= {"venue", "symbol"}  # one given flat, the other defaulted
    out: list[tuple[str, str]] = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "config"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown field; allowed: {', '.join(_allowed_at(err['loc'][:-1]))}"
        elif not err["loc"] and _names_a_field(msg):
            path, msg = msg.split(": ", 1)
        if _FLAT_PATHS.get(path) in flat:
            path = _FLAT_PATHS[path]
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
        raise ConfigError(format_errors(exc, data)) from None
