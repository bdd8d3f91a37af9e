"""Lean export: every file parses by Lean's rules and equals bars computed here from the dataset.

Lean needs .NET, which this machine lacks, so the reader in ``aleatoric.integrations
.lean_reader`` restates Lean's parsing rules and the golden files in ``tests/golden/lean`` pin
the exact text. After a deliberate change of the generated data (a CHANGELOG entry), rebuild
them with ``ALEATORIC_UPDATE_GOLDEN=1 pytest tests/test_export_lean.py -k golden``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from aleatoric.instruments import get_instrument
from aleatoric.integrations.lean_reader import (
    LeanFormatError,
    read_folder,
    read_margin_interest,
    read_symbol_properties,
    read_zip,
)
from tests.conftest import read_table

GOLDEN = Path(__file__).parent / "golden" / "lean"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aleatoric.cli", *args], capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def lean(small_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lean") / "data"
    res = _cli("export", str(small_dataset), "--to", "lean", "--out", str(out), "-q")
    assert res.returncode == 0, res.stderr
    return out


def _bars(df: pl.DataFrame, every: str, price: str, size: str) -> pl.DataFrame:
    return (
        df.with_columns(pl.from_epoch("ts_event", time_unit="ns").alias("t"))
        .group_by_dynamic("t", every=every, closed="left", label="left")
        .agg(
            pl.col(price).first().alias("open"),
            pl.col(price).max().alias("high"),
            pl.col(price).min().alias("low"),
            pl.col(price).last().alias("close"),
            pl.col(size).sum().alias("volume"),
        )
        .with_columns(pl.col("t").dt.epoch("ns").alias("start"))
    )


def _floats(rows: list[tuple[Decimal, ...]], i: int) -> list[float]:
    return [float(r[i]) for r in rows]


def test_every_file_is_listed_with_its_digest(lean: Path) -> None:
    manifest = json.loads((lean / "export.json").read_text())
    assert manifest["engine"] == "lean" and manifest["format"] == "aleatoric-export/1"
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    on_disk = {p.relative_to(lean).as_posix() for p in lean.rglob("*") if p.is_file()}
    assert on_disk - {"export.json"} == set(listed)
    for rel, digest in listed.items():
        assert hashlib.sha256((lean / rel).read_bytes()).hexdigest() == digest
    # tick/second/minute x trade/quote day files, hour/daily x trade/quote, funding, properties
    assert len(listed) == 6 + 4 + 2


def test_trade_ticks_and_bars_round_trip(lean: Path, small_dataset: Path) -> None:
    series = read_folder(lean)
    trades = read_table(small_dataset, "trades")
    ticks = series[("binance", "btcusdt", "tick", "trade")]
    assert ticks.times == (trades["ts_event"] // 1_000_000 * 1_000_000).to_list()
    assert _floats(ticks.rows, 0) == trades["price"].to_list()
    assert _floats(ticks.rows, 1) == trades["size"].to_list()
    lot = float(get_instrument("binance", "BTCUSDT").lot_size)
    for res, every in (("second", "1s"), ("minute", "1m"), ("hour", "1h"), ("daily", "1d")):
        got = series[("binance", "btcusdt", res, "trade")]
        want = _bars(trades, every, "price", "size")
        assert got.times == want["start"].to_list(), res
        for i, col in enumerate(("open", "high", "low", "close")):
            assert _floats(got.rows, i) == want[col].to_list(), (res, col)
        volume = _floats(got.rows, 4)
        assert volume == pytest.approx(want["volume"].to_list(), abs=lot / 2), res
        # Sizes print exactly on the lot grid (summed in lots, not floats).
        assert all(r[4] == r[4].quantize(Decimal("0.001")) for r in got.rows)


def test_quote_ticks_and_bars_round_trip(lean: Path, small_dataset: Path) -> None:
    series = read_folder(lean)
    snaps = read_table(small_dataset, "book_snapshot").filter(
        pl.col("bid_px_00").is_not_null() & pl.col("ask_px_00").is_not_null()
    )
    top = ["bid_px_00", "bid_sz_00", "ask_px_00", "ask_sz_00"]
    changed = snaps.filter(pl.any_horizontal([pl.col(c) != pl.col(c).shift(1) for c in top])
                           | (pl.int_range(pl.len()) == 0))  # fmt: skip
    ticks = series[("binance", "btcusdt", "tick", "quote")]
    assert ticks.times == changed["ts_event"].to_list()
    for i, col in enumerate(top):
        assert _floats(ticks.rows, i) == changed[col].to_list()
    for res, every in (("second", "1s"), ("minute", "1m"), ("daily", "1d")):
        got = series[("binance", "btcusdt", res, "quote")]
        bid = _bars(snaps, every, "bid_px_00", "bid_sz_00")
        ask = _bars(snaps, every, "ask_px_00", "ask_sz_00")
        assert got.times == bid["start"].to_list()
        for i, col in enumerate(("open", "high", "low", "close")):
            assert _floats(got.rows, i) == bid[col].to_list()
            assert _floats(got.rows, 5 + i) == ask[col].to_list()
        last = snaps.with_columns(pl.from_epoch("ts_event", time_unit="ns").alias("t"))
        sizes = last.group_by_dynamic("t", every=every).agg(pl.col("bid_sz_00", "ask_sz_00").last())
        assert _floats(got.rows, 4) == sizes["bid_sz_00"].to_list()
        assert _floats(got.rows, 9) == sizes["ask_sz_00"].to_list()


def test_funding_and_symbol_properties(lean: Path, small_dataset: Path) -> None:
    funding = read_table(small_dataset, "funding")
    rates = read_margin_interest(lean / "cryptofuture/binance/margin_interest/btcusdt.csv")
    assert [t for t, _ in rates] == funding["ts_event"].to_list()
    assert [float(r) for _, r in rates] == funding["funding_rate"].to_list()
    (row,) = read_symbol_properties(lean / "symbol-properties/symbol-properties-database.csv")
    inst = get_instrument("binance", "BTCUSDT")
    assert row["market"] == "binance" and row["symbol"] == "BTCUSDT"
    assert row["type"] == "cryptofuture" and row["quote_currency"] == "USDT"
    assert Decimal(row["minimum_price_variation"]) == inst.tick_size
    assert Decimal(row["lot_size"]) == inst.lot_size * inst.contract_value


def _entries(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*.zip")):
        with zipfile.ZipFile(path) as z:
            (name,) = z.namelist()
            out[path.relative_to(root).as_posix() + ":" + name] = z.read(name).decode()
    for path in sorted(root.rglob("*.csv")):
        out[path.relative_to(root).as_posix()] = path.read_text()
    return out


def test_golden_files(lean: Path) -> None:
    entries = _entries(lean)
    digests = {k: hashlib.sha256(v.encode()).hexdigest() for k, v in entries.items()}
    if os.environ.get("ALEATORIC_UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        (GOLDEN / "digests.json").write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n")
        for key, text in entries.items():
            if "/hour/" in key or "/daily/" in key or (key.endswith(".csv") and ":" not in key):
                name = key.split(":")[-1].split("/")[-1]
                (GOLDEN / name).write_text(text)
            elif "/minute/" in key:
                name = key.split(":")[-1]
                (GOLDEN / f"head_{name}").write_text("".join(text.splitlines(True)[:5]))
    assert digests == json.loads((GOLDEN / "digests.json").read_text())
    for path in sorted(GOLDEN.glob("*.csv")):
        match = [v for k, v in entries.items() if k.endswith("/" + path.name.removeprefix("head_"))
                 or k.endswith(":" + path.name.removeprefix("head_"))]  # fmt: skip
        assert match, path.name
        assert match[0].startswith(path.read_text()), path.name


def test_reader_rejects_what_lean_would(tmp_path: Path) -> None:
    rel = "cryptofuture/binance/minute/btcusdt/20260101_trade.zip"
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    cases = {
        "20260101_btcusdt_minute_trade.csv": "0,1,1,1,1,1\n",  # missing _perp
        "20260101_btcusdt_minute_trade_perp.csv": "0,1,1,1,1\n",  # 5 columns
    }
    for name, text in cases.items():
        with zipfile.ZipFile(path, "w") as z:
            z.writestr(name, text)
        with pytest.raises(LeanFormatError):
            read_zip(tmp_path, rel)
    for text in ("30000,1,1,1,1,1\n", "60000,1e3,1,1,1,1\n", "60000,1,1,1,1,1\n0,1,1,1,1,1\n"):
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("20260101_btcusdt_minute_trade_perp.csv", text)
        with pytest.raises(LeanFormatError):
            read_zip(tmp_path, rel)


def test_export_bytes_are_deterministic(lean: Path, small_dataset: Path, tmp_path: Path) -> None:
    from aleatoric.integrations import export

    again = export(small_dataset, "lean", tmp_path / "again")
    assert (again.path / "export.json").read_bytes() == (lean / "export.json").read_bytes()


@pytest.mark.slow
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, small_dataset: Path) -> None:
    res = _cli("export", str(small_dataset), "--to", "zipline", "--out", str(tmp_path / "z"))
    assert res.returncode == 2 and "backtrader, lean, hftbacktest, nautilus" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "z").exists()
    res = _cli("export", str(tmp_path / "nope"), "--to", "lean", "--out", str(tmp_path / "z"))
    assert res.returncode == 2 and "manifest.json" in res.stderr
    thin = tmp_path / "thin"
    res = _cli("generate", "--out", str(thin), "--duration", "1m", "--segment", "1m",
               "--warmup", "5m", "--tables", "trades,ticker", "-q")  # fmt: skip
    assert res.returncode == 0, res.stderr
    res = _cli("export", str(thin), "--to", "lean", "--out", str(tmp_path / "z"))
    assert res.returncode == 2 and "book_snapshot" in res.stderr and "funding" in res.stderr
    assert not (tmp_path / "z").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".z")]


@pytest.mark.slow
def test_generate_export_in_one_step(tmp_path: Path) -> None:
    out = tmp_path / "btc"
    res = _cli("generate", "--out", str(out), "--duration", "1m", "--segment", "1m",
               "--warmup", "5m", "--seed", "5", "--export", "lean")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert (out / "manifest.json").is_file()
    exported = json.loads((tmp_path / "btc-lean" / "export.json").read_text())
    assert exported["engine"] == "lean" and exported["source"]["seed"] == 5
    assert ("binance", "btcusdt", "minute", "trade") in read_folder(tmp_path / "btc-lean")
    res = _cli("generate", "--out", str(tmp_path / "x"), "--duration", "1m", "--export", "zipline")
    assert res.returncode == 2 and "backtrader, lean, hftbacktest, nautilus" in res.stderr
    assert not (tmp_path / "x").exists()
    res = _cli("generate", "--out", str(tmp_path / "x"), "--tables", "trades", "--export", "lean")
    assert res.returncode == 2 and "book_snapshot, funding" in res.stderr
    assert not (tmp_path / "x").exists()


def test_a_failure_mid_export_leaves_nothing(small_dataset: Path, tmp_path: Path) -> None:
    from aleatoric.integrations import export

    def progress(done: int, total: int) -> None:
        if done == 2:
            raise RuntimeError("disk full")

    for engine in ("lean", "hftbacktest"):
        with pytest.raises(RuntimeError, match="disk full"):
            export(small_dataset, engine, tmp_path / "out", progress=progress)
        assert list(tmp_path.iterdir()) == []
