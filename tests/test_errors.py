"""One error root: every engine error is an AleatoricError and keeps its standard base."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
import typer

import aleatoric
from aleatoric import errors
from aleatoric.cli._errors import EXIT_CODES, exit_code, exit_on_error
from aleatoric.errors import (
    AleatoricError,
    ConfigError,
    DatasetError,
    IntegrityInputError,
    OutputExistsError,
    RemoteError,
)

SRC = Path(aleatoric.__file__).parent


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for path in SRC.rglob("*.py"):
        if "_template" in path.parts:
            continue  # importing the venue template would register it
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
        if not names:
            continue
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        module = importlib.import_module(".".join(p for p in parts if p != "__init__"))
        for name in names:
            cls = getattr(module, name)
            # Warnings are exceptions but not errors.
            if (
                isinstance(cls, type)
                and issubclass(cls, Exception)
                and not issubclass(cls, Warning)
            ):
                found.append(cls)
    return found


def test_every_exception_class_has_the_root() -> None:
    classes = _exception_classes()
    assert len(classes) >= 15
    outside = [f"{c.__module__}.{c.__qualname__}" for c in classes
               if not issubclass(c, AleatoricError)]  # fmt: skip
    assert not outside


@pytest.mark.parametrize(
    ("cls", "base"),
    [
        (errors.ConfigError, ValueError),
        (errors.DatasetError, ValueError),
        (errors.IntegrityInputError, ValueError),
        (errors.OutputExistsError, FileExistsError),
        (errors.KernelError, RuntimeError),
        (errors.RemoteError, RuntimeError),
        (errors.QueueUnavailableError, RuntimeError),
        (errors.MissingExtraError, ImportError),
        (errors.SegmentDigestError, ValueError),
    ],
)
def test_standard_bases_are_kept(cls: type[Exception], base: type[Exception]) -> None:
    assert issubclass(cls, AleatoricError) and issubclass(cls, base)


def test_the_public_modules_raise_the_same_classes() -> None:
    from aleatoric.integrity import IntegrityInputError as integrity_error
    from aleatoric.provenance import ProvenanceError
    from aleatoric.realism import DatasetError as realism_error

    assert integrity_error is IntegrityInputError and realism_error is DatasetError
    assert aleatoric.OutputExistsError is OutputExistsError
    assert aleatoric.ConfigError is ConfigError
    assert ProvenanceError is errors.ProvenanceError


def test_exit_code_table() -> None:
    assert exit_code(ConfigError([("seed", "bad")])) == 2
    assert exit_code(IntegrityInputError("x")) == 2
    assert exit_code(OutputExistsError("x")) == 2
    assert exit_code(RemoteError("down", status=503)) == 1
    assert exit_code(RemoteError("no key", status=401)) == 2
    assert exit_code(errors.KernelError("pool full")) == 1
    assert exit_code(KeyboardInterrupt()) == 130
    assert exit_code(KeyError("x")) is None  # a bug: its traceback is wanted
    # Subclasses come before their bases, so no row is shadowed.
    classes = [cls for cls, _, _ in EXIT_CODES]
    for i, cls in enumerate(classes):
        assert not any(issubclass(cls, earlier) for earlier in classes[:i]), cls


def test_exit_on_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as info, exit_on_error("; nothing was written"):
        raise OutputExistsError("out exists and is not empty")
    assert info.value.exit_code == 2
    assert "(--overwrite replaces it); nothing was written" in capsys.readouterr().err
    with pytest.raises(KeyError), exit_on_error():
        raise KeyError("x")
