"""A pytest plugin: check a dataset as part of a test run, or from a test via a fixture.

Enable it with ``-p aleatoric.integrity.pytest_plugin`` (or through the package's
``pytest11`` entry point). ``--aleatoric-check PATH`` adds one test item that fails with the
report when the dataset at ``PATH`` breaks any rule; the ``aleatoric_check`` fixture returns
:func:`~aleatoric.integrity.check_dataset`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aleatoric.errors import AleatoricError
from aleatoric.integrity._check import check_dataset, check_instruments
from aleatoric.integrity._model import CheckReport, IntegrityInputError

__all__ = [
    "DatasetCheckFailed",
    "DatasetCheckItem",
    "aleatoric_check",
    "pytest_addoption",
    "pytest_collection_modifyitems",
]

OPTION = "--aleatoric-check"


class DatasetCheckFailed(AleatoricError):
    """The dataset broke integrity rules, or could not be checked."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--aleatoric-check PATH``."""
    group = parser.getgroup("aleatoric", "aleatoric dataset integrity")
    group.addoption(
        OPTION,
        action="store",
        dest="aleatoric_check",
        metavar="PATH",
        default=None,
        help="Check the dataset at PATH against every integrity rule; fail the run if it "
        "breaks any.",
    )


class DatasetCheckItem(pytest.Item):
    """One test item that runs every integrity rule on the dataset given on the command line."""

    def __init__(self, *, path: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.reports: list[CheckReport] = []

    def runtest(self) -> None:
        """Check every instrument of the dataset; raise with the reports when a rule fails."""
        try:
            self.reports = check_instruments(self.path)
        except IntegrityInputError as exc:
            raise DatasetCheckFailed(f"unusable dataset: {exc}") from None
        failed = [r for r in self.reports if not r.passed]
        if failed:
            raise DatasetCheckFailed("\n\n".join(r.to_text() for r in failed))

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        """Return the report of a failed check instead of a traceback."""
        if isinstance(excinfo.value, DatasetCheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Return where the item points: the dataset directory."""
        return self.path, None, f"aleatoric integrity check of {self.path}"


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Append the dataset check item when ``--aleatoric-check`` is given."""
    value = config.getoption("aleatoric_check")
    if value:
        path = Path(value)
        items.append(
            DatasetCheckItem.from_parent(session, name=f"aleatoric-check[{path}]", path=path)
        )


@pytest.fixture
def aleatoric_check() -> Callable[..., CheckReport]:
    """Return :func:`~aleatoric.integrity.check_dataset`, to assert on datasets in tests."""
    return check_dataset
