"""Realism scorecard: stylized facts of a dataset checked against bands, and compare mode.

::

    from aleatoric.realism import scorecard

    card = scorecard("data/btc-calm")
    print(card.passed, [f.status for f in card.facts])
"""

from aleatoric.realism._compare import compare, compare_observations, compare_with
from aleatoric.realism._cross import (
    band_share,
    bar_returns,
    co_jump_share,
    correlation_by_horizon,
    correlation_matrix,
    lead_lag,
)
from aleatoric.realism._cross_card import CROSS_FACT_NAMES, cross_facts, cross_scorecard
from aleatoric.realism._facts import (
    ALL_FACT_NAMES,
    FACT_NAMES,
    TICK_FACT_NAMES,
    compute_facts,
    scorecard,
)
from aleatoric.realism._load import Observations, load_observations
from aleatoric.realism._model import Comparison, DatasetError, Distance, Fact, Scorecard
from aleatoric.realism._report import MissingExtraError, render_html, render_terminal

__all__ = [
    "ALL_FACT_NAMES",
    "CROSS_FACT_NAMES",
    "FACT_NAMES",
    "TICK_FACT_NAMES",
    "Comparison",
    "DatasetError",
    "Distance",
    "Fact",
    "MissingExtraError",
    "Observations",
    "Scorecard",
    "band_share",
    "bar_returns",
    "co_jump_share",
    "compare",
    "compare_observations",
    "compare_with",
    "compute_facts",
    "correlation_by_horizon",
    "correlation_matrix",
    "cross_facts",
    "cross_scorecard",
    "lead_lag",
    "load_observations",
    "render_html",
    "render_terminal",
    "scorecard",
]
