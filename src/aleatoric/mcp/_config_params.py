"""Config parameters of MCP tools, built from the config's input fields.

:func:`with_config_params` gives a tool one parameter per config input field (with the
field's description, so the client's model reads the same words as the docs) and hands the
tool the given ones as ``fields``. A new config field reaches the tools with no change here.
"""

# No ``from __future__ import annotations``: the SDK reads the annotations at registration.

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import Field

from aleatoric.config import InputField, input_fields

__all__ = ["with_config_params"]

F = TypeVar("F", bound=Callable[..., Any])

_TYPES: dict[str, Any] = {
    "text": str | None,
    "int": int | None,
    "bool": bool | None,
    "list": list[str] | None,
    "object": dict[str, Any] | None,
    "objects": list[dict[str, Any]] | None,
}
_HINTS = {
    "instruments": " Each as 'venue:symbol', e.g. ['binance:BTCUSDT', 'okx:ETH-USDT-SWAP'] "
    "(see describe_venue); or give venue and symbol for one instrument.",
    "venue": " One of binance, bybit, okx, hyperliquid (see describe_venue).",
    "symbol": " E.g. BTCUSDT, ETH-USDT-SWAP (OKX), BTC (Hyperliquid).",
    "venues": " E.g. ['binance', 'bybit']; give symbols too (not instruments).",
    "symbols": " Base assets, e.g. ['BTC', 'ETH', 'SOL'] (see describe_venue).",
    "preset": " calm or volatile (see get_presets).",
    "duration": " Whole minutes, e.g. '5m', '1h', '1d' or 'PT30M'.",
}


def _parameter(field: InputField, default: Any) -> inspect.Parameter:
    text = field.description + _HINTS.get(field.name, "")
    if default is not None:
        text += f" Default here: {default!r}."
    annotation = Annotated[_TYPES[field.kind], Field(description=text)]  # type: ignore[valid-type,name-defined]
    return inspect.Parameter(
        field.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
    )


def with_config_params(defaults: Mapping[str, Any] | None = None) -> Callable[[F], F]:
    """Return a decorator adding the config parameters to a tool.

    The tool declares ``fields: dict[str, Any]`` and receives the parameters that were given
    (not ``None``), on top of ``defaults`` (this tool's own defaults, e.g. a short sample).
    """
    base = dict(defaults or {})

    def decorate(tool: F) -> F:
        own = inspect.signature(tool)
        kept = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
                for p in own.parameters.values() if p.name != "fields"]  # fmt: skip
        added = [_parameter(f, base.get(f.name)) for f in input_fields().values()]
        names = [p.name for p in added]

        @functools.wraps(tool)
        async def wrapper(**kwargs: Any) -> Any:
            given = {n: kwargs.pop(n, None) for n in names}
            fields = {**base, **{k: v for k, v in given.items() if v is not None}}
            if any(given.get(k) is not None for k in ("instruments", "venues", "symbols")):
                fields.pop("venue", None), fields.pop("symbol", None)
            return await tool(fields=fields, **kwargs)

        del wrapper.__wrapped__  # the SDK must read the new signature
        signature = own.replace(parameters=kept + added)
        wrapper.__signature__ = signature  # type: ignore[attr-defined]
        wrapper.__annotations__ = {
            **{p.name: p.annotation for p in signature.parameters.values()},
            "return": own.return_annotation,
        }
        return wrapper  # type: ignore[return-value]

    return decorate
