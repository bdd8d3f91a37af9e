"""Compare mode: distances between the distributions of two datasets.

Typical use: a synthetic dataset against a recording of a real venue converted to the
canonical schema, or one preset or engine version against another.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from aleatoric.realism._load import Observations, load_observations
from aleatoric.realism._metrics import summary, wasserstein1
from aleatoric.realism._model import Comparison, Distance, Fact, Scorecard
from aleatoric.realism._series import NS_PER_SECOND, minute_bars, spread_bps

__all__ = ["QUANTITIES", "compare", "compare_observations", "compare_with"]

F64 = npt.NDArray[np.float64]


def _spread(obs: Observations) -> F64:
    return spread_bps(obs)


def _inter_arrival(obs: Observations) -> F64:
    return np.asarray(np.diff(obs.trade_ts) / NS_PER_SECOND, dtype=np.float64)


def _depth(obs: Observations) -> F64:
    return np.asarray(obs.bid_size + obs.ask_size, dtype=np.float64)


def _returns(obs: Observations) -> F64:
    return minute_bars(obs).ret


#: ``(name, title, unit, extractor)`` of every compared quantity.
QUANTITIES: tuple[tuple[str, str, str, Callable[[Observations], F64]], ...] = (
    ("spread", "Quoted spread", "bps", _spread),
    ("inter_arrival", "Trade inter-arrival time", "s", _inter_arrival),
    ("top_depth", "Top-of-book depth (bid_sz_00 + ask_sz_00)", "base asset", _depth),
    ("returns_1m", "1-minute log return", "log return", _returns),
)


def compare_observations(
    a: Observations, b: Observations, a_facts: tuple[Fact, ...] | None = None
) -> Comparison:
    """Return the distances between two loaded datasets' distributions and both facts.

    ``a_facts`` are A's facts when already computed (they are computed otherwise).
    """
    from aleatoric.realism._facts import compute_facts

    distances = []
    for name, title, unit, extract in QUANTITIES:
        xa, xb = extract(a), extract(b)
        distances.append(
            Distance(
                name=name,
                title=title,
                unit=unit,
                w1=wasserstein1(xa, xb),
                a_stats=summary(xa),
                b_stats=summary(xb),
                a=xa,
                b=xb,
            )
        )
    return Comparison(
        a_path=str(a.meta.path),
        b_path=str(b.meta.path),
        a_label=a.meta.label,
        b_label=b.meta.label,
        distances=tuple(distances),
        a_facts=a_facts if a_facts is not None else compute_facts(a),
        b_facts=compute_facts(b),
        b_observations=b,
    )


def compare(a_path: str | Path, b_path: str | Path) -> Comparison:
    """Return the 1-Wasserstein distances between two datasets' distributions.

    Quantities: quoted spread (bps of mid), trade inter-arrival times (seconds between
    consecutive trade rows), top-of-book depth (``bid_sz_00 + ask_sz_00``, base asset) and raw
    1-minute mid log returns. Each distance comes with both samples' summary statistics, and
    every fact of both datasets is given side by side.

    Raises
    ------
    DatasetError
        If either path is not a readable dataset with a ``book_snapshot`` table.
    """
    return compare_observations(load_observations(a_path), load_observations(b_path))


def compare_with(card: Scorecard, b_path: str | Path) -> Comparison:
    """Return the comparison of a scored dataset (reusing its loaded series) with ``b_path``.

    Raises
    ------
    DatasetError
        If ``b_path`` is not a readable dataset with a ``book_snapshot`` table.
    """
    a = card.observations if card.observations is not None else load_observations(card.path)
    return compare_observations(a, load_observations(b_path), card.facts)
