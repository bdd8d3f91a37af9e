"""Venue outage: the native capture goes silent over the window, then the venue's resync.

Every message sent inside the window is left out of the capture and listed in its drops
table; the first book message after it is followed by the venue's own resync (Binance REST
depth snapshot, then the ``pu`` chain restarts; Bybit and OKX the snapshot a resubscription
sends). The generated canonical tables do not change; a normalized capture marks the gap in
its ``feed_gaps`` table, and ``check`` accepts the trade ids lost in a labelled gap only.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import aleatoric
from aleatoric.dataset import open_dataset
from aleatoric.integrity import check_capture, check_dataset
from aleatoric.scenarios import LABELS_PATH
from aleatoric.venues.normalize import normalize

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


def test_the_capture_passes_check_with_its_labelled_gap(outage: Path) -> None:
    # The drops table labels the gap: book sequence rules pass across the resync, and the
    # trade ids that skip the lost trades are accepted across the labelled window.
    report = check_capture(_capture(outage), outage.name)
    failed = {r.name: r.violations for r in report.results if r.violations}
    assert not failed, failed
    rule = "okx_trade_id_gap_free" if outage.name == "okx" else "trade_id_gap_free"
    (ids,) = [r for r in report.results if r.name == rule]
    assert ids.rows > 100
    # `aleatoric check` on the capture says the same (exit 0).
    done = subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", "check", str(_capture(outage)), "--venue",
         outage.name], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_unlabelled_gap_still_fails(outage: Path, tmp_path: Path) -> None:
    # The same capture without its drops table: nothing says the trades were lost.
    bare = tmp_path / _capture(outage).name
    shutil.copy(_capture(outage), bare)
    report = check_capture(bare, outage.name)
    failed = {r.name: r.violations for r in report.results if r.violations}
    rule = "okx_trade_id_gap_free" if outage.name == "okx" else "trade_id_gap_free"
    assert set(failed) == {rule}, failed
    # A labelled gap elsewhere does not excuse it: move the outage window an hour later.
    drops = pq.read_table(_drops(outage))
    meta = dict(drops.schema.metadata)
    lo, hi = json.loads(meta[b"outages"])[0]
    meta[b"outages"] = json.dumps([[lo + 60 * MIN, hi + 60 * MIN]]).encode()
    kept = drops.filter(pc.less(drops["sent_ns"], lo))  # drop rows of the window too
    pq.write_table(kept.replace_schema_metadata(meta), _drops(outage, bare))
    report = check_capture(bare, outage.name)
    assert {r.name for r in report.results if r.violations} == {rule}


def test_the_normalized_capture_marks_the_gap(outage: Path, tmp_path: Path) -> None:
    venue = outage.name
    config = _config(venue, True)
    normalize(_capture(outage), venue, tmp_path / "ds")
    gaps = pq.read_table(tmp_path / "ds" / "feed_gaps" / "part-00000.parquet").to_pylist()
    (gap,) = [g for g in gaps if g["reason"] == "venue-outage"]
    lo, hi = config.start_ns + 3 * MIN, config.start_ns + 5 * MIN
    assert (_ns(gap["start"]), _ns(gap["end"])) == (lo, hi)
    assert gap["messages"] == pq.read_table(_drops(outage)).num_rows
    assert check_dataset(tmp_path / "ds").passed
    # Without the table the normalized trades' id jump fails `check` (Binance and Bybit; OKX
    # ids advance by each message's count and are checked on the capture).
    shutil.rmtree(tmp_path / "ds" / "feed_gaps")
    if venue != "okx":
        assert {r.name for r in check_dataset(tmp_path / "ds").results if r.violations} == {
            "trade_id_gap_free"
        }


def _drops(root: Path, capture: Path | None = None) -> Path:
    capture = capture or _capture(root)
    return capture.with_name(capture.name.removesuffix(".gz") + ".drops.parquet")


def _ns(value: Any) -> int:
    return int(pa.scalar(value, pa.timestamp("ns", tz="UTC")).cast(pa.int64()).as_py())


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


# --- ccxt, the client the venue conformance tests use, across the outage ----------------


def _frames(root: Path) -> list[dict[str, Any]]:
    with gzip.open(_capture(root), "rt") as fh:
        return [json.loads(line.split(" ", 1)[1]) for line in fh]


def _binance_segments(root: Path) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    # (REST snapshot, the depth diffs from the one that bridges it up to the next snapshot).
    out: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    diffs: list[dict[str, Any]] = []
    for m in _frames(root):
        if "lastUpdateId" in m:
            bridging = diffs.pop() if diffs else None
            if out:
                out[-1][1].extend(diffs)
            out.append((m, [bridging] if bridging is not None else []))
            diffs = []
        elif str(m.get("stream", "")).endswith("@depth@100ms"):
            diffs.append(m["data"])
    out[-1][1].extend(diffs)
    return out


def _book_segments(root: Path) -> list[list[dict[str, Any]]]:
    # Each snapshot starts a segment; the update just before a resync met the broken chain
    # and is left out, as a client discards what it got before resubscribing.
    channel = {"bybit": lambda m: str(m.get("topic", "")).startswith("orderbook."),
               "okx": lambda m: m.get("arg", {}).get("channel") == "books"}[root.name]  # fmt: skip
    out: list[list[dict[str, Any]]] = []
    for m in filter(channel, _frames(root)):
        if m.get("type") == "snapshot" or m.get("action") == "snapshot":
            if out:
                out[-1].pop()
            out.append([m])
        elif out:
            out[-1].append(m)
    return out


def _ccxt_swap(venue: str, frames: list[dict[str, Any]]) -> tuple[Any, Any]:
    pytest.importorskip("ccxt.pro")
    from tests.conformance.ccxt_harness import swap_book

    return swap_book(venue, frames)


@pytest.mark.slow
def test_ccxt_rebuilds_the_book_across_the_outage(outage: Path) -> None:
    from tests.conformance.books import as_levels, final_book

    venue = outage.name
    if venue == "binance":
        pytest.importorskip("ccxt.pro")
        from tests.conformance.ccxt_harness import binance_book

        segments = _binance_segments(outage)
        assert len(segments) == 2  # the subscription's snapshot and the outage's resync
        (first, frames), (_, after) = segments
        book, error = binance_book(first, frames + after)
        assert book is None or error is not None  # across the gap, ccxt's `pu` check fails
        for snapshot, frames in segments:
            book, error = binance_book(snapshot, frames)
            assert error is None, error
        ours = final_book(outage)
        assert as_levels(book["bids"]) == as_levels(ours["bids"][: len(book["bids"])])
        assert as_levels(book["asks"]) == as_levels(ours["asks"][: len(book["asks"])])
        return
    segments = _book_segments(outage)
    assert len(segments) >= 2
    for frames in segments:
        book, error = _ccxt_swap(venue, frames)
        assert error is None, error
    ours = final_book(outage, 50 if venue == "bybit" else 400)
    for side in ("bids", "asks"):
        got = book[side]
        if venue == "okx":  # ccxt keeps OKX amounts in contracts
            got = [(p, float(Decimal(str(q)) * Decimal("0.01"))) for p, q, *_ in got]
        assert as_levels(got) == as_levels(ours[side])
