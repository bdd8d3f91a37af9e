"""The one error class of the futures layer: bad input, naming the field and what is allowed."""

from __future__ import annotations

from aleatoric.errors import ConfigError, MissingExtraError

__all__ = ["TradfiError", "require_calendars"]


class TradfiError(ConfigError):
    """A product, contract, time or rule argument that cannot be used.

    A :class:`~aleatoric.errors.ConfigError` (so a ``ValueError``, exit code 2 in the CLI)
    whose ``errors`` hold the one ``(field, message)`` pair.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__([(field, message)])
        self.field = field


def require_calendars() -> None:
    """Raise :class:`MissingExtraError` unless the calendar libraries are installed."""
    import importlib.util

    missing = [
        name
        for name in ("exchange_calendars", "pandas_market_calendars")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise MissingExtraError(
            f"exchange calendars need {', '.join(missing)}; "
            "install them with: pip install 'aleatoric[tradfi]'"
        )
