"""Stress scenarios: named presets, placing them on a timeline, and their labels.

The kinds and their parameters are part of the config (``config/_scenarios.py``); the
reactor applies them (``reactor/_scenarios.py``); this package places presets and writes the
``scenario_labels`` table of a dataset (docs/scenarios.md).
"""

from aleatoric.scenarios._labels import (
    LABEL_SCHEMA,
    LABELS_PATH,
    LABELS_TABLE,
    scenario_labels,
    write_labels,
)
from aleatoric.scenarios._liquidations import (
    LIQUIDATIONS_PATH,
    LIQUIDATIONS_TABLE,
    forced_orders,
    liquidations,
)
from aleatoric.scenarios._place import place_scenarios, scenario_rows

__all__ = [
    "LABELS_PATH",
    "LABELS_TABLE",
    "LABEL_SCHEMA",
    "LIQUIDATIONS_PATH",
    "LIQUIDATIONS_TABLE",
    "forced_orders",
    "liquidations",
    "place_scenarios",
    "scenario_labels",
    "scenario_rows",
    "write_labels",
]
