"""Integrity rules: clean generated data passes every rule; each corruption trips its rule.

One small dataset is generated per session. Each mutation test copies it, rewrites one
Parquet file with Polars to break exactly one invariant, and checks that the rule guarding
that invariant fires, names the offending row's seq, and that no unrelated rule fires.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import aleatoric
from aleatoric.instruments import Instrument, get_instrument
from aleatoric.integrity import (
    RULES,
    CheckReport,
    IntegrityInputError,
    check_dataset,
    rule_names,
)
from aleatoric.integrity._rules_grid import bad_prices
from aleatoric.sinks.schema import AS_NS

INSTRUMENT = get_instrument("binance", "BTCUSDT")
TICK = float(INSTRUMENT.tick_size)
LOT = float(INSTRUMENT.lot_size * INSTRUMENT.contract_value)

Row = dict[str, Any]
#: A mutation rewrites one table file of a dataset copy and returns the offending row's seq.
Mutation = Callable[[Path], int]


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10-minute binance BTCUSDT dataset of two segments (boundary included)."""
    config = aleatoric.load_config(duration="10m", segment="5m", warmup="5m", seed=5)
    out = tmp_path_factory.mktemp("integrity") / "clean"
    aleatoric.generate(config, out)
    return out


@pytest.fixture(scope="session")
def clean_report(clean: Path) -> CheckReport:
    return check_dataset(clean)


def _copy(clean: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(clean, tmp_path / "ds"))


def _file(root: Path, table: str, index: int = 0) -> Path:
    return sorted((root / table).rglob("*.parquet"))[index]


def _read(root: Path, table: str) -> pl.DataFrame:
    # As int64 ns, so tests can shift times; rules read both int64 and timestamp columns.
    return pl.read_parquet(_file(root, table), hive_partitioning=False).with_columns(AS_NS)


def _write(root: Path, table: str, df: pl.DataFrame) -> None:
    # Back with the file's own column types (timestamps stay timestamps).
    path = _file(root, table)
    types = pl.read_parquet_schema(path)
    df.with_columns(pl.col(c).cast(t) for c, t in types.items() if c in df.columns).write_parquet(
        path
    )


def _set(df: pl.DataFrame, seq: int, **values: object) -> pl.DataFrame:
    """Return ``df`` with columns of the row ``seq`` replaced (dtypes kept)."""
    return df.with_columns(
        pl.when(pl.col("seq") == seq)
        .then(pl.lit(value, dtype=df.schema[col]))
        .otherwise(pl.col(col))
        .alias(col)
        for col, value in values.items()
    )


def _on_tick(price: float, instrument: Instrument = INSTRUMENT) -> float:
    grid = instrument.price_grid
    return float(grid.to_float(grid.to_units(price)))


def _pick(df: pl.DataFrame, condition: pl.Expr, nth: int = 40) -> Row:
    rows = df.filter(condition)
    assert rows.height > nth, "the clean dataset lacks rows to corrupt"
    return rows.row(nth, named=True)


def _edit(
    root: Path,
    table: str,
    condition: pl.Expr,
    nth: int = 40,
    **change: Callable[[Row], object],
) -> int:
    """Change columns of the ``nth`` row of ``table``'s first file where ``condition`` holds."""
    df = _read(root, table)
    row = _pick(df, condition, nth)
    seq = int(row["seq"])
    _write(root, table, _set(df, seq, **{c: f(row) for c, f in change.items()}))
    return seq


# --- mutations: each breaks one invariant ----------------------------------------------


def price_off_tick(root: Path) -> int:
    # A sell trade fills at the bid: a third of a tick higher is still inside the touch.
    return _edit(root, "trades", pl.col("side") == "sell", price=lambda r: r["price"] + TICK / 3)


def size_off_lot(root: Path) -> int:
    # A third of a lot rounds back to the same lot count, so the book replays unchanged.
    return _edit(root, "mbo", pl.col("action") == "A", size=lambda r: r["size"] + LOT / 3)


def seq_gap(root: Path) -> int:
    df = _read(root, "ticker")
    seq = int(df["seq"][40])
    _write(root, "ticker", df.filter(pl.col("seq") != seq))
    return seq


def ts_swapped(root: Path) -> int:
    df = _read(root, "trades")
    ts = df["ts_event"].to_numpy()
    i = int(np.flatnonzero(ts[1:] > ts[:-1])[40])  # rows i and i + 1 at different times
    for col in ("ts_event", "ts_recv"):
        values = df[col].to_numpy().copy()
        values[[i, i + 1]] = values[[i + 1, i]]
        df = df.with_columns(pl.Series(col, values, dtype=df.schema[col]))
    _write(root, "trades", df)
    return int(df["seq"][i + 1])


def recv_before_event(root: Path) -> int:
    return _edit(root, "ticker", pl.lit(True), ts_recv=lambda r: r["ts_event"] - 1)


def crossed_snapshot(root: Path) -> int:
    return _edit(
        root, "book_snapshot", pl.col("ask_px_00").is_not_null(),
        bid_px_00=lambda r: _on_tick(r["ask_px_00"] + TICK),
    )  # fmt: skip


def crossed_l2(root: Path) -> int:
    # A bid level update moved 1% above the market crosses the rebuilt L2 book.
    condition = (pl.col("side") == "bid") & (pl.col("size") > 0) & pl.col("is_last")
    condition &= ~pl.col("is_snapshot")
    return _edit(root, "book_delta", condition, price=lambda r: _on_tick(r["price"] * 1.01))


def delete_absent(root: Path) -> int:
    condition = (pl.col("side") == "bid") & (pl.col("size") == 0) & ~pl.col("is_snapshot")
    return _edit(root, "book_delta", condition, price=lambda r: _on_tick(r["price"] * 0.5))


def trade_outside(root: Path) -> int:
    return _edit(root, "trades", pl.col("side") == "buy", price=lambda r: r["price"] + 1000 * TICK)


def trade_id_jump(root: Path) -> int:
    # A lost trade: every later id would be one further; one row's id jumping is enough.
    return _edit(
        root, "trades", pl.col("trade_id").is_not_null(), trade_id=lambda r: r["trade_id"] + 5
    )


def trade_far_from_mark(root: Path) -> int:
    # A single trade 16 % above the market: on the tick grid, but outside the venue's band.
    return _edit(
        root, "trades", pl.col("side") == "buy", price=lambda r: _on_tick(r["price"] * 1.16)
    )


def funding_over_cap(root: Path) -> int:
    cap = float(INSTRUMENT.funding_cap)
    return _edit(root, "funding", pl.lit(True), funding_rate=lambda r: 2 * cap, nth=0)


def funding_off_grid(root: Path) -> int:
    second = 1_000_000_000
    return _edit(
        root, "funding", pl.lit(True), nth=0,
        ts_event=lambda r: r["ts_event"] + second, ts_recv=lambda r: r["ts_recv"] + second,
    )  # fmt: skip


def mark_far(root: Path) -> int:
    return _edit(
        root,
        "ticker",
        pl.lit(True),
        mark_price=lambda r: _on_tick(r["index_price"] * 1.2),
    )


def fill_unknown_order(root: Path) -> int:
    return _edit(root, "mbo", pl.col("action") == "F", order_id=lambda r: 2**63 + 12345)


def fill_exceeds_remaining(root: Path) -> int:
    return _edit(root, "mbo", pl.col("action") == "F", size=lambda r: 1000.0)


def delta_disagrees_with_l3(root: Path) -> int:
    condition = (pl.col("size") > 0) & ~pl.col("is_snapshot")
    return _edit(root, "book_delta", condition, size=lambda r: r["size"] + LOT)


def order_count_disagrees_with_l3(root: Path) -> int:
    condition = (pl.col("order_count") > 0) & ~pl.col("is_snapshot")
    return _edit(root, "book_delta", condition, order_count=lambda r: r["order_count"] + 1)


# (mutation, rule that must fire, rules the corruption may also break by necessity)
MUTATIONS: list[tuple[Mutation, str, set[str]]] = [
    (price_off_tick, "price_on_tick", set()),
    (size_off_lot, "size_on_lot", set()),
    (seq_gap, "seq_gap_free", set()),
    (ts_swapped, "ts_monotone", set()),
    (recv_before_event, "ts_recv_after_event", set()),
    (crossed_snapshot, "book_not_crossed", set()),
    # The level update lands at another price: L3 disagrees there and the original level
    # goes stale in the L2 book, so later removals, trades and messages see a wrong book.
    (
        crossed_l2,
        "book_not_crossed",
        {"l3_consistency", "delete_of_absent_level", "trade_inside_touch"},
    ),
    # The level the removal was meant for stays in the L2 book, stale.
    # It is also moved to half the price: far outside the venue's band.
    (
        delete_absent,
        "delete_of_absent_level",
        {"book_not_crossed", "trade_inside_touch"},
    ),
    (trade_outside, "trade_inside_touch", set()),
    (trade_id_jump, "trade_id_gap_free", set()),
    # Far above the market is also outside the touch.
    (trade_far_from_mark, "price_within_band", {"trade_inside_touch"}),
    (funding_over_cap, "funding_within_caps", set()),
    (funding_off_grid, "funding_on_interval_grid", set()),
    # Trades near the index are then far from that mark.
    (mark_far, "mark_near_index", {"price_within_band"}),
    (fill_unknown_order, "l3_consistency", set()),
    (fill_exceeds_remaining, "l3_consistency", set()),
    (delta_disagrees_with_l3, "l3_consistency", set()),
    (order_count_disagrees_with_l3, "l3_consistency", set()),
]


def test_clean_dataset_passes_every_rule(clean_report: CheckReport) -> None:
    assert clean_report.passed, clean_report.to_text()
    assert clean_report.names == rule_names() == list(RULES)
    for result in clean_report.results:
        assert result.violations == 0 and result.examples == []
        assert result.rows > 0 and result.note == "", result


def test_every_rule_has_a_mutation() -> None:
    # session_open needs a futures dataset: its mutation is in test_futures_generation.py.
    assert {rule for _, rule, _ in MUTATIONS} == set(RULES) - {"session_open"}


@pytest.mark.parametrize(
    ("mutate", "rule", "collateral"), MUTATIONS, ids=[m.__name__ for m, _, _ in MUTATIONS]
)
def test_corruption_fires_its_rule(
    clean: Path, tmp_path: Path, mutate: Mutation, rule: str, collateral: set[str]
) -> None:
    root = _copy(clean, tmp_path)
    seq = mutate(root)
    report = check_dataset(root)
    result = report.result(rule)
    assert not result.passed and result.violations >= 1, report.to_text()
    assert seq in [e["seq"] for e in result.examples], report.to_text()
    for example in result.examples:
        assert {"table", "seq", "ts_event", "message"} <= example.keys() and example["message"]
    fired = {r.name for r in report.failed}
    assert fired - {rule} <= collateral, report.to_text()
    assert not report.passed
    json.dumps(report.to_dict())


def test_single_corruption_counts_once(clean: Path, tmp_path: Path) -> None:
    root = _copy(clean, tmp_path)
    seq = seq_gap(root)
    result = check_dataset(root, rules=["seq_gap_free"]).result("seq_gap_free")
    assert result.violations == 1
    assert result.examples[0]["seq"] == seq and "no row has seq" in result.examples[0]["message"]


def test_truncated_dataset_has_a_gap_at_its_end(clean: Path, tmp_path: Path) -> None:
    # Without the last row the seq is still 0..N-2, but the manifest counts N rows.
    root = _copy(clean, tmp_path)
    files = {t: _file(root, t, -1) for t in ("mbo", "book_delta", "trades", "ticker")}
    last = max((pl.read_parquet(f)["seq"].max(), t) for t, f in files.items())
    df = pl.read_parquet(files[last[1]], hive_partitioning=False)
    df.filter(pl.col("seq") != last[0]).write_parquet(files[last[1]])
    result = check_dataset(root, rules=["seq_gap_free"]).result("seq_gap_free")
    assert result.violations == 1 and result.examples[0]["seq"] == last[0]


@pytest.mark.parametrize(
    ("price", "bad"),
    [
        (95000.0, False), (95001.0, False), (95000.1, True), (9500.1, False), (950.12, True),
        (1.2345, True), (0.0, True), (-95000.0, True), (float("nan"), True),
    ],
)  # fmt: skip
def test_significant_figures(price: float, bad: bool) -> None:
    # Hyperliquid BTC: tick 0.1 and at most 5 significant figures.
    hyperliquid = get_instrument("hyperliquid", "BTC")
    assert bool(bad_prices(np.array([price]), hyperliquid)[0]) is bad


def test_a_dataset_with_native_captures_passes(tmp_path: Path) -> None:
    # The manifest counts capture lines under `native`; they are not canonical rows.
    config = aleatoric.load_config(duration="5m", segment="5m", warmup="5m", seed=5)
    aleatoric.generate(config, tmp_path / "ds", formats=["parquet", "native"])
    report = check_dataset(tmp_path / "ds")
    assert report.passed, [r.name for r in report.results if not r.passed]
    assert next(r for r in report.results if r.name == "seq_gap_free").passed


@pytest.fixture(scope="session")
def hyperliquid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = aleatoric.load_config(
        venue="hyperliquid", symbol="BTC", duration="5m", segment="5m", warmup="5m", seed=2
    )
    out = tmp_path_factory.mktemp("integrity") / "hyperliquid"
    aleatoric.generate(config, out)
    return out


def test_other_venue_and_significant_figure_mutation(hyperliquid: Path, tmp_path: Path) -> None:
    report = check_dataset(hyperliquid)
    assert report.passed, report.to_text()
    assert (report.venue, report.symbol) == ("hyperliquid", "BTC")
    root = Path(shutil.copytree(hyperliquid, tmp_path / "ds"))
    inst = get_instrument("hyperliquid", "BTC")
    # One tick above a five-figure price: on the 0.1 tick, but six significant figures.
    seq = _edit(
        root, "mbo", pl.col("action") == "T",
        price=lambda r: _on_tick(r["price"] + float(inst.tick_size), inst),
    )  # fmt: skip
    report = check_dataset(root)
    assert {r.name for r in report.failed} == {"price_on_tick"}, report.to_text()
    assert seq in [e["seq"] for e in report.result("price_on_tick").examples]


def test_rule_selection_and_missing_tables(clean: Path, tmp_path: Path) -> None:
    report = check_dataset(clean, rules=["mark_near_index", "seq_gap_free"])
    assert report.names == ["seq_gap_free", "mark_near_index"]  # registry order
    root = _copy(clean, tmp_path)
    shutil.rmtree(root / "mbo")
    names = [n for n in rule_names() if n != "seq_gap_free"]  # seq counts the removed rows
    report = check_dataset(root, rules=names)
    assert report.passed, report.to_text()
    assert report.result("l3_consistency").note == "no mbo table"


def test_dataset_without_manifest_uses_partitions(clean: Path, tmp_path: Path) -> None:
    root = _copy(clean, tmp_path)
    (root / "manifest.json").unlink()
    report = check_dataset(root)
    assert report.passed and (report.venue, report.symbol) == ("binance", "BTCUSDT")


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda p: p / "missing", ["does not exist"]),
        (lambda p: p, ["no manifest.json", "no canonical table"]),
    ],
)
def test_unusable_input_raises(
    tmp_path: Path, setup: Callable[[Path], Path], words: list[str]
) -> None:
    with pytest.raises(IntegrityInputError) as info:
        check_dataset(setup(tmp_path))
    assert all(w in str(info.value) for w in words), info.value


def test_unreadable_file_raises(clean: Path, tmp_path: Path) -> None:
    root = _copy(clean, tmp_path)
    _file(root, "trades").write_bytes(b"not parquet")
    with pytest.raises(IntegrityInputError, match="cannot read table trades"):
        check_dataset(root)


def test_unknown_rule_lists_allowed(clean: Path) -> None:
    with pytest.raises(IntegrityInputError, match=r"unknown rule.*'nope'.*allowed: price_on_tick"):
        check_dataset(clean, rules=["nope"])


# --- command line and pytest plugin, as a user runs them -------------------------------

#: The command registered on an app with a callback, as in the full ``aleatoric`` CLI.
APP = """
import typer
from aleatoric.cli._check import register
app = typer.Typer()
app.callback()(lambda: None)
register(app)
app()
"""
#: The snippet with a single command: Typer then runs it without the subcommand name.
SINGLE = (
    "import typer; from aleatoric.cli._check import register; "
    "app = typer.Typer(); register(app); app()"
)


def _run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


@pytest.fixture
def corrupted(clean: Path, tmp_path: Path) -> tuple[Path, int]:
    root = _copy(clean, tmp_path)
    return root, trade_outside(root)


@pytest.mark.slow
def test_cli_exit_codes(clean: Path, corrupted: tuple[Path, int], tmp_path: Path) -> None:
    ok = _run([sys.executable, "-c", APP, "check", str(clean)])
    assert ok.returncode == 0, ok.stderr
    assert "PASS" in ok.stdout and "FAIL" not in ok.stdout and "mark_near_index" in ok.stdout

    root, seq = corrupted
    bad = _run([sys.executable, "-c", APP, "check", str(root), "--format", "json"])
    assert bad.returncode == 1, bad.stderr
    document = json.loads(bad.stdout)
    failed = {r["name"]: r for r in document["results"] if not r["passed"]}
    assert set(failed) == {"trade_inside_touch"}
    assert seq in [e["seq"] for e in failed["trade_inside_touch"]["examples"]]

    table = _run([sys.executable, "-c", APP, "check", str(root), "--rules", "trade_inside_touch"])
    assert table.returncode == 1 and "FAIL" in table.stdout and f"seq {seq}" in table.stdout

    missing = _run([sys.executable, "-c", APP, "check", str(tmp_path / "nope")])
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr

    unknown = _run([sys.executable, "-c", APP, "check", str(clean), "--rules", "nope"])
    assert unknown.returncode == 2 and "allowed: price_on_tick" in unknown.stderr

    single = _run([sys.executable, "-c", SINGLE, str(clean), "--rules", "seq_gap_free"])
    assert single.returncode == 0, single.stderr


@pytest.mark.slow
def test_pytest_plugin(clean: Path, corrupted: tuple[Path, int], tmp_path: Path) -> None:
    work = tmp_path / "suite"
    work.mkdir()
    (work / "test_data.py").write_text(
        "def test_fixture(aleatoric_check):\n"
        f"    report = aleatoric_check({str(clean)!r}, rules=['seq_gap_free'])\n"
        "    assert report.passed\n"
    )
    base = [sys.executable, "-m", "pytest", "-p", "aleatoric.integrity.pytest_plugin"]
    base += ["-p", "no:cacheprovider", "-q"]
    ok = _run([*base, "--aleatoric-check", str(clean)], cwd=work)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "2 passed" in ok.stdout

    root, seq = corrupted
    bad = _run([*base, "--aleatoric-check", str(root)], cwd=work)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL trade_inside_touch" in bad.stdout and f"seq={seq}" in bad.stdout
    assert "1 failed, 1 passed" in bad.stdout
