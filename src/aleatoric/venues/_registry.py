"""The venue registry: each venue folder registers its encoder, decoder, frame rules and options.

A venue is a folder ``venues/<name>/`` (copy ``venues/_template/``) whose ``__init__`` applies
:func:`register_venue` to its encoder class, naming its decoder, frame rules and the config
field of its options. Registering is what makes the venue known to ``generate``,
``normalize`` and ``check`` and what puts it under the contract test every venue must pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar, cast

from pydantic import BaseModel

from aleatoric.venues._frames import FrameRule
from aleatoric.venues._inputs import DayInput
from aleatoric.venues._stream import DecodedRows, Messages

__all__ = ["REGISTRY", "Decoder", "Encoder", "VenueSpec", "register_venue", "venue_spec"]


class Encoder(Protocol):
    """Turns canonical days into native messages; keeps sequence state between days."""

    def encode(self, day: DayInput) -> Messages: ...


#: ``decode(local_ns, text, line_no, rows)``: one capture line into canonical rows.
Decoder = Callable[[int, str, int, DecodedRows], None]
E = TypeVar("E")


@dataclass(frozen=True)
class VenueSpec:
    """Everything the engine needs of a venue's wire format."""

    name: str
    #: The encoder class; called with the venue's options as keyword arguments.
    encoder: Callable[..., Encoder]
    decode: Decoder
    #: Sequencing rules checked on raw frames (``local_after_exchange`` applies to all).
    frame_rules: tuple[type[FrameRule], ...]
    #: Canonical integrity rules the venue's feed cannot be held to, with the reason.
    not_checked: frozenset[str]
    #: The options model (a field of ``DatasetConfig.venue_options``), if the venue has any.
    options: type[BaseModel] | None

    def make_encoder(self, options: BaseModel | None = None) -> Encoder:
        """Return a fresh encoder with ``options`` (the defaults when ``None``)."""
        if self.options is None or options is None:
            return self.encoder()
        return self.encoder(**options.model_dump())


#: Registered venues by name, in registration order.
REGISTRY: dict[str, VenueSpec] = {}


def register_venue(
    name: str,
    *,
    decode: Decoder,
    frame_rules: Iterable[type[FrameRule]] = (),
    not_checked: Iterable[str] = (),
    options: type[BaseModel] | None = None,
) -> Callable[[type[E]], type[E]]:
    """Register the decorated encoder class as venue ``name``'s wire format.

    Raises
    ------
    ValueError
        If another encoder is registered under ``name``, or ``name`` is not a lower-case
        identifier.
    """

    def decorate(encoder: type[E]) -> type[E]:
        if not name.isidentifier() or name != name.lower():
            raise ValueError(f"venue name must be a lower-case identifier, was {name!r}")
        known = REGISTRY.get(name)
        if known is not None and known.encoder is not encoder:
            raise ValueError(f"venue {name!r} is registered twice")
        make = cast("Callable[..., Encoder]", encoder)
        REGISTRY[name] = VenueSpec(
            name, make, decode, tuple(frame_rules), frozenset(not_checked), options
        )
        return encoder

    return decorate


def venue_spec(name: str) -> VenueSpec:
    """Return a registered venue.

    Raises
    ------
    ValueError
        If no venue of that name is registered; the message lists the registered ones.
    """
    spec = REGISTRY.get(name)
    if spec is None:
        raise ValueError(f"no native format for venue {name!r}; supported: {', '.join(REGISTRY)}")
    return spec
