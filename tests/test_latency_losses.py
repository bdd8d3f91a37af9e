"""Injected losses in native captures: gaps a real client detects and recovers from.

A Binance capture with a lossy latency overlay loses depth diffs in bursts; after each loss
the capture carries the venue's resync (a new REST depth snapshot). ccxt's own Binance
order-book code rejects the broken chain, and restarting from the resync snapshot (what it
does by fetching ``/fapi/v1/depth`` again) rebuilds the book to the dataset's final book.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

import aleatoric
from aleatoric.integrity import check_capture
from aleatoric.latency import fit_losses
from aleatoric.latency._sources import read_delays
from tests.conformance.books import as_levels, final_book

LOSSY = {"kind": "latency", "profile": "retail", "params": {"loss_p": 0.002, "loss_r": 0.25}}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = aleatoric.load_config(
        duration="10m", segment="5m", warmup="5m", seed=21, overlays=[LOSSY]
    )
    out = tmp_path_factory.mktemp("loss") / "ds"
    aleatoric.generate(config, out, formats=("parquet", "native"))
    return out


def _capture(dataset: Path) -> Path:
    return dataset / "native" / "binance" / "btcusdt_20260101.gz"


def _messages(dataset: Path) -> list[dict[str, Any]]:
    with gzip.open(_capture(dataset), "rt") as fh:
        return [json.loads(line.split(" ", 1)[1]) for line in fh]


def test_drops_table_lists_what_the_capture_lost(dataset: Path) -> None:
    drops = pq.read_table(_capture(dataset).with_name("btcusdt_20260101.drops.parquet"))
    meta = drops.schema.metadata
    total, resyncs = int(meta[b"messages"]), int(meta[b"resyncs"])
    with gzip.open(_capture(dataset), "rt") as fh:
        kept = [line.split(" ", 1)[1].rstrip("\n") for line in fh]
    assert drops.num_rows > 20 and resyncs > 5
    # Every message is either in the capture or in the drops table; resyncs are extra.
    assert len(kept) + drops.num_rows == total + resyncs
    assert not set(drops["message"].to_pylist()) & set(kept)
    lost = np.zeros(total, dtype=bool)
    lost[drops["position"].to_numpy().astype(np.int64)] = True
    p, r = fit_losses(lost)  # bursts are cut at minute starts, so r reads a little high
    assert p == pytest.approx(0.002, rel=0.5) and r == pytest.approx(0.25, rel=0.5)
    # `aleatoric latency fit DATASET` reads the same flags from the drops tables.
    flags = read_delays(dataset).lost
    assert flags is not None and np.array_equal(flags, lost)


def test_lost_and_kept_messages_are_the_messages_without_losses(
    dataset: Path, tmp_path: Path
) -> None:
    plain = aleatoric.load_config(duration="10m", segment="5m", warmup="5m", seed=21)
    aleatoric.generate(plain, tmp_path / "plain", formats=("native",))
    with gzip.open(_capture(tmp_path / "plain"), "rt") as fh:
        expected = [line.split(" ", 1)[1].rstrip("\n") for line in fh]
    with gzip.open(_capture(dataset), "rt") as fh:
        kept = [line.split(" ", 1)[1].rstrip("\n") for line in fh]
    # Resyncs are the REST lines after the capture's first: none is sent without a loss.
    rest = [i for i, t in enumerate(kept) if '"lastUpdateId"' in t]
    kept = [t for i, t in enumerate(kept) if i not in set(rest[1:])]
    drops = pq.read_table(_capture(dataset).with_name("btcusdt_20260101.drops.parquet"))
    rebuilt = list(kept)
    for pos, text in zip(drops["position"].to_pylist(), drops["message"].to_pylist(), strict=True):
        rebuilt.insert(pos, text)
    assert rebuilt == expected


def test_capture_passes_the_frame_rules_with_resyncs(dataset: Path) -> None:
    report = check_capture(_capture(dataset), "binance")
    by_name = {r.name: r for r in report.results}
    for rule in ("binance_depth_continuity", "binance_snapshot_bridge", "book_not_crossed"):
        assert by_name[rule].violations == 0, by_name[rule]
    # Lost trade messages are lost: the capture reads as a real lossy recording would.
    assert by_name["trade_id_gap_free"].violations > 0


def _segments(msgs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    # (snapshot, the diffs from the one it bridges until the next resync's bridging diff).
    out: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    diffs: list[dict[str, Any]] = []
    for m in msgs:
        if "lastUpdateId" in m:
            bridging = diffs.pop() if diffs else None
            if out:
                out[-1][1].extend(diffs)
            out.append((m, [bridging] if bridging is not None else []))
            diffs = []
        elif m.get("stream") == "btcusdt@depth@100ms":
            diffs.append(m["data"])
    out[-1][1].extend(diffs)
    return out


def _ccxt(snapshot: dict[str, Any], frames: list[dict[str, Any]]) -> tuple[Any, Any]:
    pytest.importorskip("ccxt.pro")
    from tests.conformance.ccxt_harness import binance_book

    return binance_book(snapshot, frames)


@pytest.mark.slow
def test_ccxt_detects_each_gap_and_recovers_with_the_resync(dataset: Path) -> None:
    segments = _segments(_messages(dataset))
    assert len(segments) > 5
    # Across a loss without its resync, ccxt's sequence check rejects the book.
    (first, frames), (_, after) = segments[0], segments[1]
    book, error = _ccxt(first, frames + after)
    assert book is None or error is not None
    # From every resync snapshot, ccxt rebuilds without error up to the next loss ...
    for snapshot, frames in segments:
        book, error = _ccxt(snapshot, frames)
        assert error is None, (snapshot["lastUpdateId"], error)
    # ... and the last one ends in the dataset's final book.
    ours = final_book(dataset)
    assert as_levels(book["bids"]) == as_levels(ours["bids"][: len(book["bids"])])
    assert as_levels(book["asks"]) == as_levels(ours["asks"][: len(book["asks"])])
    assert len(book["bids"]) >= min(len(ours["bids"]), 1000) - 1
