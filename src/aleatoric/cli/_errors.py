"""One table from error class to exit code and label, and the handler every command uses.

Exit codes: 0 success, 1 the work failed (a violation found, a service or job failure),
2 unusable input (a config, a dataset, a key, an option), 130 interrupted. The first row
whose class matches wins, so subclasses come before their bases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.markup import escape

from aleatoric.cli._console import make_console
from aleatoric.errors import (
    AleatoricError,
    ConfigError,
    DatasetError,
    KernelError,
    MissingExtraError,
    OutputExistsError,
    ProvenanceError,
    RemoteError,
    SegmentDigestError,
    ServiceUnavailableError,
)

__all__ = ["EXIT_CODES", "exit_code", "exit_on_error", "fail"]

err = make_console(stderr=True)

#: ``(error class, exit code, label printed before the message)``.
EXIT_CODES: tuple[tuple[type[BaseException], int, str], ...] = (
    (KeyboardInterrupt, 130, "interrupted"),
    (ConfigError, 2, "invalid config"),
    (OutputExistsError, 2, "error"),
    (DatasetError, 2, "unusable dataset"),
    (MissingExtraError, 2, "error"),
    (ProvenanceError, 2, "provenance"),
    (RemoteError, 1, "service error"),
    (ServiceUnavailableError, 1, "service unavailable"),
    (KernelError, 1, "engine error"),
    (SegmentDigestError, 1, "corrupt segment"),
    (AleatoricError, 1, "error"),
    (ValueError, 2, "invalid input"),
    (OSError, 1, "error"),
    (RuntimeError, 1, "error"),
)
#: Statuses of a service answer that mean the request itself was unusable.
_INPUT_STATUSES = (401, 403, 413, 422)
_HINTS: dict[type[BaseException], str] = {OutputExistsError: " (--overwrite replaces it)"}


def _row(exc: BaseException) -> tuple[int, str] | None:
    for cls, code, label in EXIT_CODES:
        if isinstance(exc, cls):
            if isinstance(exc, RemoteError) and exc.status in _INPUT_STATUSES:
                return 2, label
            return code, label
    return None


def exit_code(exc: BaseException) -> int | None:
    """Return the exit code for ``exc``, or ``None`` for an error the table does not know."""
    row = _row(exc)
    return None if row is None else row[0]


def _report(exc: BaseException, label: str, after: str) -> None:
    if isinstance(exc, KeyboardInterrupt):
        err.print(
            f"[bold red]{label}[/]{after.replace(';', ':', 1)}", highlight=False, soft_wrap=True
        )
        return
    if isinstance(exc, ConfigError):
        err.print(f"[bold red]{label}[/] ({len(exc.errors)} error(s)):", soft_wrap=True)
        for path, msg in exc.errors:
            text = f"  [bold]{escape(path)}[/]: {escape(msg)}"
            err.print(text, highlight=False, soft_wrap=True)
        return
    hint = next((h for cls, h in _HINTS.items() if isinstance(exc, cls)), "")
    err.print(
        f"[bold red]{label}[/]: {escape(str(exc))}{hint}{after}", highlight=False, soft_wrap=True
    )


def fail(exc: BaseException, after: str = "") -> typer.Exit:
    """Print ``exc`` as the table says and return the ``typer.Exit`` with its code.

    An error the table does not know exits 1 with its message.
    """
    code, label = _row(exc) or (1, "error")
    _report(exc, label, after)
    return typer.Exit(code=code)


@contextmanager
def exit_on_error(after: str = "") -> Iterator[None]:
    """Turn an error of the table into its message on stderr and its exit code.

    ``after`` is appended to the message (for example ``"; nothing was written"``). An error
    the table does not know propagates (a bug: its traceback is wanted).
    """
    try:
        yield
    except typer.Exit:
        raise
    except BaseException as exc:
        row = _row(exc)
        if row is None:
            raise
        _report(exc, row[1], after)
        raise typer.Exit(code=row[0]) from None
