"""The contract every registered venue passes: the built-in ones and one added from the template.

For each venue, on a short generated dataset of one of its instruments (a venue without
instruments yet, like the toy one, encodes a Binance dataset): encoding is deterministic;
capture lines are ``<19-digit ns> <JSON object>`` in receive order; the venue's frame rules and
``local_after_exchange`` check frames and find nothing; decoding gives back the canonical trades
(every fill, or aggregated per taker order and price, as the venue publishes them); a decoder
counts unreadable lines instead of raising; with instruments, ``check_capture`` passes.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import aleatoric
import tests.toy_venue  # noqa: F401  (registers the toy venue)
from aleatoric.config import VenueOptions
from aleatoric.instruments import instruments
from aleatoric.venues import (
    REGISTRY,
    DecodedRows,
    VenueSpec,
    capture_path,
    iter_days,
    write_capture,
)
from aleatoric.venues._frames import LocalAfterExchange

SHORT = {"duration": "5m", "segment": "5m", "warmup": "5m", "seed": 8}
LINE_PREFIX = 20  # 19 digits and a space


def test_the_toy_venue_is_registered_from_the_template() -> None:
    assert {"binance", "bybit", "okx", "hyperliquid", "toy"} <= set(REGISTRY)
    assert "template" not in REGISTRY  # the template itself is never imported


@pytest.fixture(scope="module", params=sorted(REGISTRY))
def venue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[
    VenueSpec, Path
]:  # fmt: skip
    spec = REGISTRY[request.param]
    own = [i for i in instruments() if i.venue == spec.name and i.base == "BTC"]
    inst = own[0] if own else next(i for i in instruments() if i.venue == "binance")
    config = aleatoric.load_config(venue=inst.venue, symbol=inst.symbol, **SHORT)
    root = tmp_path_factory.mktemp(f"contract-{spec.name}") / "ds"
    aleatoric.generate(config, root)
    return spec, root


def _encode(spec: VenueSpec, root: Path) -> list[str]:
    encoder = spec.make_encoder()
    return [line for day in iter_days(root) for line in encoder.encode(day).capture_text()]


def test_encoding_is_deterministic_and_well_formed(venue: tuple[VenueSpec, Path]) -> None:
    spec, root = venue
    lines = _encode(spec, root)
    assert len(lines) > 100
    assert _encode(spec, root) == lines
    local = [int(line[:19]) for line in lines]
    assert all(line[19] == " " and line.endswith("\n") for line in lines)
    assert local == sorted(local)
    assert all(isinstance(json.loads(line[LINE_PREFIX:]), dict) for line in lines)


def test_frame_rules_check_frames_and_pass(venue: tuple[VenueSpec, Path]) -> None:
    spec, root = venue
    rules = [LocalAfterExchange(), *(cls() for cls in spec.frame_rules)]
    assert len(rules) >= 2, "a venue has at least one frame rule of its own"
    for n, line in enumerate(_encode(spec, root), start=1):
        for rule in rules:
            rule.see(n, int(line[:19]), json.loads(line[LINE_PREFIX:]))
    for rule in rules:
        rule.finish()
        assert rule.violations == 0, (rule.name, rule.examples)
    # Time and at least one rule of the venue's own checked frames (a rule may apply to an
    # option only, like OKX checksums, which are 0 by default).
    assert rules[0].rows > 0
    assert max(rule.rows for rule in rules[1:]) > 0, [r.name for r in rules[1:]]


def test_decoding_gives_back_the_trades(venue: tuple[VenueSpec, Path]) -> None:
    spec, root = venue
    rows = DecodedRows()
    for n, line in enumerate(_encode(spec, root), start=1):
        spec.decode(int(line[:19]), line[LINE_PREFIX:].rstrip("\n"), n, rows)
    assert rows.malformed == 0, rows.examples
    days = list(iter_days(root))
    inst = days[0].instrument
    want_px = np.concatenate([inst.price_grid.to_float(d.trades["price"]) for d in days])
    want_sz = np.concatenate([inst.size_grid.to_float(d.trades["size"]) for d in days])
    want_side = np.concatenate([d.trades["side"] for d in days])
    got = rows.trades
    assert got, "no trade decoded"
    # Volume per side and price is kept, whether fills are sent one by one or aggregated.
    want: Counter[tuple[str, float]] = Counter()
    for px, sz, side in zip(want_px.tolist(), want_sz.tolist(), want_side.tolist(), strict=True):
        want["sell" if side else "buy", round(px, 8)] += sz
    have: Counter[tuple[str, float]] = Counter()
    for t in got:
        have[t["side"], round(t["price"], 8)] += t["size"]
    assert have.keys() == want.keys()
    assert all(abs(have[k] - want[k]) <= 1e-9 * max(1.0, want[k]) for k in want)
    assert len(got) <= want_px.size


def test_unreadable_lines_are_counted_not_raised(venue: tuple[VenueSpec, Path]) -> None:
    spec, _ = venue
    rows = DecodedRows()
    for n, text in enumerate(["not json", "[1, 2]", '{"unknown": true}', "{}"], start=1):
        spec.decode(1, text, n, rows)
    assert rows.malformed + rows.unknown == 4
    assert rows.pending() == 0


def test_options_are_a_venue_options_field(venue: tuple[VenueSpec, Path]) -> None:
    spec, _ = venue
    if spec.options is None:
        assert spec.make_encoder() is not None
        return
    field = VenueOptions.model_fields[spec.name]
    assert field.annotation is spec.options
    assert spec.make_encoder(spec.options()) is not None


def test_check_capture_passes(venue: tuple[VenueSpec, Path], tmp_path: Path) -> None:
    # The integrity check of a capture: frame rules, then (for a venue with instruments, whose
    # normalized tables name a known instrument) the canonical rules on the decoded rows.
    from aleatoric.integrity import check_capture

    spec, root = venue
    day = next(iter_days(root))
    capture = capture_path(tmp_path, spec.name, day.instrument.symbol, day.day)
    write_capture(capture, _encode(spec, root))
    frame_names = ["local_after_exchange", *(cls.name for cls in spec.frame_rules)]
    known = any(i.venue == spec.name for i in instruments())
    report = check_capture(capture, spec.name, rules=None if known else frame_names)
    assert report.passed, report.to_text()
    assert set(frame_names) <= set(report.names)
    if known:
        assert "seq_gap_free" in report.names and len(report.names) > len(frame_names) + 5
