"""Config flags for CLI commands, built from the config's input fields.

:func:`with_config_flags` adds one option per field a flag can carry (``--duration``,
``--instrument binance:BTCUSDT`` repeated, ``--tables mbo,trades``, ``--okx-checksum``) and
hands the command the given ones as ``overrides``. Structured fields (overlays, venue
options) come from the config file.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from aleatoric.config import InputField, input_fields

__all__ = ["config_flag_names", "with_config_flags"]

PANEL = "Config (overrides the file)"
#: Option name per field where it differs from ``--<field-name>``.
_RENAMED = {"instruments": "instrument"}


def _flag(field: InputField) -> tuple[Any, Any] | None:
    name = _RENAMED.get(field.name, field.name).replace("_", "-")
    help_text = field.description
    if field.kind == "bool":
        option = typer.Option(f"--{name}/--no-{name}", help=help_text, rich_help_panel=PANEL)
        return bool | None, option
    if field.kind == "int":
        return int | None, typer.Option(f"--{name}", help=help_text, rich_help_panel=PANEL)
    if field.kind == "text":
        return str | None, typer.Option(f"--{name}", help=help_text, rich_help_panel=PANEL)
    if field.kind == "list" and field.name == "instruments":
        help_text += " Repeat: --instrument binance:BTCUSDT --instrument okx:ETH-USDT-SWAP."
        return list[str] | None, typer.Option(f"--{name}", help=help_text, rich_help_panel=PANEL)
    if field.kind == "list":
        help_text += " Comma-separated."
        return str | None, typer.Option(f"--{name}", help=help_text, rich_help_panel=PANEL)
    return None


def config_flag_names() -> list[str]:
    """Return the config fields the CLI has a flag for."""
    return [f.name for f in input_fields().values() if _flag(f) is not None]


def _value(field: InputField, value: Any) -> Any:
    if value is None or field.kind != "list" or field.name == "instruments":
        return value or None
    return [v.strip() for v in str(value).split(",") if v.strip()]


def with_config_flags(command: Callable[..., None]) -> Callable[..., None]:
    """Return ``command`` with a flag per config field; it receives them as ``overrides``."""
    fields = {f.name: f for f in input_fields().values()}
    own = inspect.signature(command, eval_str=True)
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
              for p in own.parameters.values() if p.name != "overrides"]  # fmt: skip
    flags = []
    for name, field in fields.items():
        made = _flag(field)
        if made is not None:
            annotation = Annotated[made[0], made[1]]  # type: ignore[valid-type]
            flags.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                           default=None, annotation=annotation))  # fmt: skip

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        given = {p.name: kwargs.pop(p.name) for p in flags}
        overrides = {k: _value(fields[k], v) for k, v in given.items()}
        command(overrides={k: v for k, v in overrides.items() if v is not None}, **kwargs)

    del wrapper.__wrapped__  # typer must read the new signature, not the command's
    signature = own.replace(parameters=params + flags)
    wrapper.__signature__ = signature  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    return wrapper
