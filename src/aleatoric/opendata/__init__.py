"""OpenData: daily public releases of synthetic high-volatility market data.

A release is one UTC day of a fixed universe (``data/universe.toml``): canonical tables for
every instrument, native captures for a subset, realism scorecards, a dataset card and a
signature over every file. Its seed is the date (``YYYYMMDD``), so anyone can rebuild the
same bytes::

    from aleatoric.opendata import build_release, parse_date, verify_release

    build_release(parse_date("2026-03-01"), "releases", duration_ns=DAY_NS, key="k.pem")
    verify_release("releases/2026-03-01", "k.pem.pub", rebuild=True)
"""

from aleatoric.opendata._build import BuildResult, build_release
from aleatoric.opendata._index import IndexResult, index_catalog
from aleatoric.opendata._release import RELEASE_NAME
from aleatoric.opendata._universe import (
    DAY_NS,
    Universe,
    load_universe,
    parse_date,
    release_configs,
    release_duration,
    release_seed,
    scenario_for,
    universe,
)
from aleatoric.opendata._verify import VerifyResult, verify_release

__all__ = [
    "DAY_NS",
    "RELEASE_NAME",
    "BuildResult",
    "IndexResult",
    "Universe",
    "VerifyResult",
    "build_release",
    "index_catalog",
    "load_universe",
    "parse_date",
    "release_configs",
    "release_duration",
    "release_seed",
    "scenario_for",
    "universe",
    "verify_release",
]
