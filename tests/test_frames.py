"""aleatoric.load / scan / simulate: DataFrames with datetimes, real prices, filters applied."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import aleatoric
from aleatoric.config import DatasetConfig
from aleatoric.instruments import get_instrument
from aleatoric.reactor import segment_bounds
from aleatoric.sinks.schema import schema_for
from tests.conftest import read_table

UTC_NS = pl.Datetime("ns", "UTC")


def test_load_matches_the_files_with_datetimes(
    small_dataset: Path, small_config: DatasetConfig
) -> None:
    raw = read_table(small_dataset, "trades")
    df = aleatoric.load(small_dataset, "trades")
    assert isinstance(df, pl.DataFrame)
    assert df.schema["ts_event"] == UTC_NS and df.schema["ts_recv"] == UTC_NS
    assert df.schema["date"] == pl.Date
    assert df["seq"].to_list() == raw["seq"].to_list()  # seq order, every row
    assert df["ts_event"].dt.epoch("ns").to_list() == raw["ts_event"].cast(pl.Int64).to_list()
    assert df["price"].to_list() == raw["price"].to_list()  # prices as stored, not ticks
    assert set(df["date"].to_list()) == {small_config.start.date()}
    ticker = aleatoric.load(small_dataset, "ticker", columns=["next_funding_ts", "mark_price"])
    assert ticker.columns == ["next_funding_ts", "mark_price"]
    assert ticker.schema["next_funding_ts"] == UTC_NS


def test_time_and_instrument_filters(small_dataset: Path, small_config: DatasetConfig) -> None:
    t0 = datetime.fromtimestamp(small_config.start_ns / 1e9, UTC)
    start, end = t0 + timedelta(minutes=3), t0 + timedelta(minutes=7)
    df = aleatoric.load(small_dataset, "trades", instruments="BTCUSDT", start=start, end=end)
    raw = read_table(small_dataset, "trades")
    lo, hi = small_config.start_ns + 180 * 10**9, small_config.start_ns + 420 * 10**9
    expected = raw.filter((pl.col("ts_event") >= lo) & (pl.col("ts_event") < hi))
    assert 0 < df.height == expected.height < raw.height
    assert df["ts_event"].min() >= start and df["ts_event"].max() < end  # type: ignore[operator]
    # ISO strings (naive = UTC) and ns integers select the same rows.
    same = aleatoric.load(
        small_dataset, "trades", start=start.replace(tzinfo=None).isoformat(), end=hi
    )
    assert same["seq"].to_list() == df["seq"].to_list()
    # The filter is in the lazy plan, before the rows are read.
    plan = aleatoric.scan(small_dataset, "trades", start=start).explain()
    assert "ts_event" in plan and "SELECTION" in plan.upper()


def test_backends(small_dataset: Path) -> None:
    pdf = aleatoric.load(small_dataset, "book_delta", backend="pandas")
    assert isinstance(pdf, pd.DataFrame)
    assert str(pdf["ts_event"].dtype) == "datetime64[ns, UTC]"
    # pandas has no date dtype: the partition day is a midnight datetime.
    assert str(pdf["date"].dtype).startswith("datetime64")
    assert (pdf["date"] == pdf["ts_event"].dt.tz_localize(None).dt.normalize()).all()
    tbl = aleatoric.load(small_dataset, "book_delta", backend="arrow")
    assert isinstance(tbl, pa.Table)
    assert tbl.schema.field("ts_recv").type == pa.timestamp("ns", tz="UTC")
    assert tbl.num_rows == len(pdf) == read_table(small_dataset, "book_delta").height


def test_empty_table_has_its_columns(small_dataset: Path) -> None:
    # 15 minutes from midnight hold no funding settlement after the start.
    funding = aleatoric.load(small_dataset, "funding")
    assert funding.height == read_table(small_dataset, "funding").height
    assert funding.schema["ts_event"] == UTC_NS and "funding_rate" in funding.columns


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"table": "trade"}, "table must be one of mbo, book_delta, book_snapshot, trades"),
        ({"backend": "numpy"}, "backend must be one of polars, pandas, arrow, was 'numpy'"),
        ({"instruments": ["ETHUSDT"]}, "instruments must be among BTCUSDT, was ETHUSDT"),
        ({"columns": ["px"]}, "was px"),
        ({"start": "yesterday"}, "start must be an ISO 8601 time, was 'yesterday'"),
        ({"start": 10, "end": 5}, "end must be after start"),
    ],
)
def test_bad_arguments_name_the_allowed_values(
    small_dataset: Path, kwargs: dict[str, object], message: str
) -> None:
    args = {"table": "trades", **kwargs}
    with pytest.raises(aleatoric.LoadError, match=message.replace("(", r"\(")):
        aleatoric.load(small_dataset, **args)  # type: ignore[arg-type]


def test_missing_dataset(tmp_path: Path) -> None:
    with pytest.raises(aleatoric.LoadError, match="not an aleatoric dataset"):
        aleatoric.load(tmp_path / "nothing", "trades")


def test_simulate_equals_the_written_dataset(
    small_dataset: Path, small_config: DatasetConfig
) -> None:
    frames = aleatoric.simulate(small_config)
    assert sorted(frames) == sorted(small_config.tables)
    for table in ("trades", "mbo", "ticker"):
        loaded = aleatoric.load(small_dataset, table).drop("venue", "symbol", "date")
        assert frames[table].equals(loaded), table


def test_simulate_segment_has_prices_and_no_warmup(small_config: DatasetConfig) -> None:
    frames = aleatoric.simulate_segment(small_config, 1, backend="pandas")
    start_ns, end_ns = segment_bounds(small_config, 1)
    inst = get_instrument(small_config.venue, small_config.symbol)
    for table, df in frames.items():
        if len(df) == 0:
            continue
        ns = df["ts_event"].astype("int64")
        assert ns.min() >= start_ns and ns.max() < end_ns, table  # no warm-up rows
    assert min(int(df["seq"].min()) for df in frames.values() if len(df)) == 0
    trades = frames["trades"]
    ticks = trades["price"] / float(inst.tick_size)
    assert (ticks - ticks.round()).abs().max() < 1e-6  # on the grid, in price units
    assert trades["price"].min() > 1000  # BTC prices, not integer tick counts


def test_tutorial_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = Path(__file__).parent.parent / "docs" / "tutorial.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    assert len(blocks) == 5
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"tutorial.md block {i + 1}", "exec"), namespace)
    assert (tmp_path / "data" / "btc" / "manifest.json").is_file()


def test_files_store_timestamps_and_read_with_typed_partitions(small_dataset: Path) -> None:
    ts = pa.timestamp("ns", tz="UTC")
    for table in ("mbo", "book_delta", "book_snapshot", "trades", "ticker"):
        schema = pq.read_schema(next((small_dataset / table).rglob("*.parquet")))
        assert schema.field("ts_event").type == ts and schema.field("ts_recv").type == ts
        assert schema == schema_for(table).with_metadata(schema.metadata), table
    assert (
        pq.read_schema(next((small_dataset / "ticker").rglob("*.parquet")))
        .field("next_funding_ts")
        .type
        == ts
    )
    # The recipes of docs/schema.md: polars infers the partition types, pyarrow is told them.
    lazy = pl.scan_parquet(small_dataset / "trades" / "**" / "*.parquet", hive_partitioning=True)
    assert lazy.collect_schema()["date"] == pl.Date
    parts = ds.partitioning(
        pa.schema([("venue", pa.string()), ("symbol", pa.string()), ("date", pa.date32())]),
        flavor="hive",
    )
    dataset = ds.dataset(small_dataset / "trades", partitioning=parts)
    assert dataset.schema.field("date").type == pa.date32()
    frame = pd.read_parquet(
        small_dataset / "trades", partitioning=parts, columns=["ts_event", "date"]
    )
    assert str(frame["ts_event"].dtype) == "datetime64[ns, UTC]"
