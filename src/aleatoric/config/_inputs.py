"""The fields a config accepts on input, with their descriptions and shapes.

The one list CLI flags, HTTP request bodies and MCP tool parameters are built from, so a new
config field reaches every interface with no change there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BeforeValidator

from aleatoric.config._model import FLAT_FIELDS, SHORTHAND_FIELDS, DatasetConfig

__all__ = ["InputField", "input_fields"]

#: ``text`` (durations, times, names), ``int``, ``bool``, ``list`` (of names, or
#: ``venue:symbol`` for instruments), ``object`` or ``objects`` (structured, from files or
#: JSON only).
InputKind = Literal["text", "int", "bool", "list", "object", "objects"]

_STRUCTURED: dict[str, InputKind] = {
    "instruments": "list",
    "tables": "list",
    "overlays": "objects",
    "venue_options": "object",
}
_FLAT_KINDS: dict[str, InputKind] = {"venue": "text", "symbol": "text", "okx_checksum": "bool"}


@dataclass(frozen=True)
class InputField:
    """One input field: its name, what it means, and the shape of its value."""

    name: str
    description: str
    kind: InputKind
    #: Whether it is the flat or shorthand form of a structured field (``venue``, ``venues``).
    flat: bool = False


def _kind(name: str) -> InputKind:
    if name in _STRUCTURED:
        return _STRUCTURED[name]
    info = DatasetConfig.model_fields[name]
    parsed = any(isinstance(m, BeforeValidator) for m in info.metadata)
    if info.annotation is bool:
        return "bool"
    if info.annotation is int and not parsed:
        return "int"
    return "text"


def input_fields() -> dict[str, InputField]:
    """Return every field a config accepts on input, by name, in documentation order.

    The config's own fields, then the flat form's (``venue``, ``symbol``, ``okx_checksum``),
    then the shorthand's (``venues``, ``symbols``).
    """
    fields = {
        name: InputField(name, info.description or "", _kind(name))
        for name, info in DatasetConfig.model_fields.items()
    }
    for name, text in FLAT_FIELDS.items():
        fields[name] = InputField(name, text, _FLAT_KINDS[name], flat=True)
    for name, text in SHORTHAND_FIELDS.items():
        fields[name] = InputField(name, text, "list", flat=True)
    return fields
