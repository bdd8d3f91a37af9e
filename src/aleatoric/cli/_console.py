"""Consoles of the command line: nothing is cut or wrapped when output is not a terminal.

Rich lays out for 80 columns when it cannot ask a terminal, which truncates table cells
("BTC-US…") and option names in ``--help`` once output is piped or captured. Piped output gets a
width that fits any table instead (tables only take the width they need), and ``--help`` a
width that fits every option name. ``COLUMNS`` (and Typer's ``TERMINAL_WIDTH``) still win.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from rich.console import Console

__all__ = ["HELP_WIDTH", "PIPE_WIDTH", "configure_help", "make_console", "piped"]

#: Width of piped output: wide enough that no table is cut and no line is wrapped.
PIPE_WIDTH = 4096
#: Width of piped ``--help`` (its panels fill the width, so not the pipe width).
HELP_WIDTH = 160


def piped(stream: TextIO) -> bool:
    """Return whether ``stream`` is not a terminal and no width was asked for via ``COLUMNS``."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return not tty and not os.environ.get("COLUMNS")


def make_console(*, stderr: bool = False, **kwargs: Any) -> Console:
    """Return a Console for stdout (or stderr) that is wide when the output is piped."""
    stream = sys.stderr if stderr else sys.stdout
    width = PIPE_WIDTH if piped(stream) else None
    return Console(stderr=stderr, width=width, **kwargs)


def configure_help() -> None:
    """Make piped ``--help`` wide enough for every option name (unless a width is set)."""
    import typer.rich_utils

    if typer.rich_utils.MAX_WIDTH is None and piped(sys.stdout):
        typer.rich_utils.MAX_WIDTH = HELP_WIDTH
