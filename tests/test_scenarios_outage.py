"""Venue outage: the native capture goes silent over the window, then the venue's resync.

Every message sent inside the window is left out of the capture and listed in its drops
table; the first book message after it is followed by the venue's own resync (Binance REST
depth snapshot, then the ``pu`` chain restarts; Bybit and OKX the snapshot a resubscription
sends). The canonical tables do not change.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import aleatoric
from aleatoric.dataset import open_dataset
from aleatoric.integrity import check_capture
from aleatoric.scenarios import LABELS_PATH

MIN = 60_000_000_000
VENUES = {"binance": "BTCUSDT", "bybit": "BTCUSDT", "okx": "BTC-USDT-SWAP"}
#: The venue's resync message (a snapshot) as it appears in the capture.
SNAPSHOT = {"binance": '"lastUpdateId"', "bybit": '"type":"snapshot"', "okx": '"action":"snapshot"'}
OUTAGE = {"kind": "venue-outage", "start": "3m", "duration": "2m"}


def _config(venue: str, outage: bool) -> aleatoric.DatasetConfig:
    return aleatoric.load_config(
        venue=venue, symbol=VENUES[venue], duration="8m", segment="8m", warmup="5m", seed=21,
        overlays=[OUTAGE] if outage else [],
    )  # fmt: skip


@pytest.fixture(scope="module", params=list(VENUES))
def outage(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("outage") / request.param
    aleatoric.generate(_config(request.param, True), out, formats=("parquet", "native"))
    return out


def _capture(root: Path) -> Path:
    (path,) = sorted((root / "native" / root.name).glob("*.gz"))
    return path


def test_the_feed_is_silent_then_resyncs_in_the_venue_format(outage: Path) -> None:
    venue = outage.name
    config = _config(venue, True)
    lo, hi = config.start_ns + 3 * MIN, config.start_ns + 5 * MIN
    with gzip.open(_capture(outage), "rt") as fh:
        lines = [(int(line.split(" ", 1)[0]), line) for line in fh]
    assert not [t for t, _ in lines if lo + config.latency <= t < hi + config.latency]
    # The first snapshot after the window is the resync, within a second of its end.
    after = [t for t, text in lines if t >= hi and SNAPSHOT[venue] in text]
    assert after and after[0] < hi + 1_000_000_000
    capture = _capture(outage)
    drops = pq.read_table(capture.with_name(capture.name.removesuffix(".gz") + ".drops.parquet"))
    sent = drops.column("sent_ns").to_pylist()
    assert len(sent) > 500 and min(sent) >= lo and max(sent) < hi
    meta = drops.schema.metadata
    assert int(meta[b"resyncs"]) == 1
    assert int(meta[b"messages"]) == len(lines) - 1 + drops.num_rows


def test_the_capture_passes_its_book_rules(outage: Path) -> None:
    # The drops table labels the gap; book sequence rules pass across the resync. Trade ids
    # skip the lost trades (as with latency losses, whose test excludes the same rule).
    report = check_capture(_capture(outage), outage.name)
    failed = {r.name: r.violations for r in report.results if r.violations}
    assert not {k: v for k, v in failed.items() if "trade_id" not in k}, failed


@pytest.mark.parametrize("outage", ["okx"], indirect=True)
def test_canonical_tables_are_unchanged_and_labelled(outage: Path, tmp_path: Path) -> None:
    calm = tmp_path / "calm"
    aleatoric.generate(_config("okx", False), calm)
    stressed = open_dataset(outage).manifest.table_digests
    assert {t: d for t, d in stressed.items() if t != "scenario_labels"} == open_dataset(
        calm
    ).manifest.table_digests
    (label,) = pq.read_table(outage / LABELS_PATH).to_pylist()
    assert label["kind"] == "venue-outage" and label["venue"] == "okx"
    assert label["peak_to_trough"] is None and label["spread_multiple"] is None
