"""Exchange times and receive delays out of a dataset or a native capture, for fitting.

A dataset gives ``ts_recv - ts_event`` of its rows (exact nanoseconds). A capture gives each
message's local time minus the time the venue stamped on it as it sent it (Binance ``E``,
Bybit ``ts``; for other venues the exchange time the decoder reads, which can be earlier),
which venues print in milliseconds: delays from a capture carry up to 1 ms of rounding, so
only models whose delays are well above a millisecond can be recovered from one, and the
rounding noise shortens the fitted ``tau_ms``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq

from aleatoric.config import InstrumentRef
from aleatoric.dataset import open_dataset
from aleatoric.errors import DatasetError

__all__ = ["Delays", "read_delays"]

I64 = npt.NDArray[np.int64]
_TABLES = ("mbo", "book_delta", "book_snapshot", "trades", "ticker", "funding")


@dataclass(frozen=True)
class Delays:
    """Per-event exchange times and delays, and per-message loss flags when known."""

    source: str
    ts_event: I64
    delay_ns: I64
    lost: npt.NDArray[np.bool_] | None = None


def read_delays(
    path: str | Path, *, instrument: str | None = None, venue: str | None = None
) -> Delays:
    """Return the delays of a dataset (a folder with ``manifest.json``) or a capture file.

    Raises
    ------
    DatasetError
        If ``path`` is neither, the instrument is not in the dataset, or the venue of a
        capture is unknown.
    """
    p = Path(path)
    if p.is_dir():
        return _from_dataset(p, instrument)
    if p.is_file():
        return _from_capture(p, venue)
    raise DatasetError(f"no dataset or capture at {p}")


def _from_dataset(root: Path, instrument: str | None) -> Delays:
    ds = open_dataset(root)
    refs = ds.instruments
    if instrument is None:
        ref = refs[0]
    else:
        ref = InstrumentRef.model_validate(instrument)
        if ref not in refs:
            listed = ", ".join(str(r) for r in refs)
            raise DatasetError(f"instrument: {ref} is not in the dataset; it has {listed}")
    ts, recv = [], []
    for table in _TABLES:
        for f in ds.table_files(table, ref):
            t = pq.read_table(f, columns=["ts_event", "ts_recv"])
            ts.append(t["ts_event"].cast("int64").to_numpy())
            recv.append(t["ts_recv"].cast("int64").to_numpy())
    if not ts:
        raise DatasetError(f"{root} has no canonical tables for {ref}")
    ts_all, recv_all = np.concatenate(ts), np.concatenate(recv)
    return Delays(f"{root} ({ref})", ts_all, recv_all - ts_all, _lost(root, ref))


def _lost(root: Path, ref: InstrumentRef) -> npt.NDArray[np.bool_] | None:
    # Per-message loss flags of the instrument's captures, day after day (drops tables).
    tables = sorted((root / "native" / ref.venue).glob(f"{ref.symbol.lower()}_*.drops.parquet"))
    flags = []
    for path in tables:
        table = pq.read_table(path, columns=["position"])
        day = np.zeros(int((table.schema.metadata or {})[b"messages"]), dtype=bool)
        day[table["position"].to_numpy().astype(np.int64)] = True
        flags.append(day)
    return np.concatenate(flags) if flags else None


def _from_capture(path: Path, venue: str | None) -> Delays:
    from aleatoric.venues import VENUES, decoder_for, read_capture
    from aleatoric.venues._capture import ReadStats
    from aleatoric.venues._stream import DecodedRows

    name = venue or path.parent.name
    if name not in VENUES:
        raise DatasetError(
            f"venue: cannot tell the venue of {path.name}, was {name!r}; pass one of "
            f"{', '.join(VENUES)}"
        )
    decode = decoder_for(name)
    rows = DecodedRows()
    ts: list[int] = []
    local: list[int] = []
    for line in read_capture(path, ReadStats()):
        sent = _publish_ms(name, line.text)
        if sent is not None:
            ts.append(sent * 1_000_000)
            local.append(line.local_ns)
            continue
        before = rows.seq
        decode(line.local_ns, line.text, line.line_no, rows)
        if rows.seq > before:
            newest = max(
                (r[-1] for r in (rows.book_delta, rows.trades, rows.ticker, rows.funding) if r),
                key=lambda row: row["seq"],
            )
            ts.append(int(newest["ts_event"]))
            local.append(line.local_ns)
        if rows.pending() > 50_000:
            rows.book_delta.clear()
            rows.trades.clear()
            rows.ticker.clear()
            rows.funding.clear()
    if not ts:
        raise DatasetError(f"{path}: no message with an exchange time")
    t = np.asarray(ts, dtype=np.int64)
    return Delays(str(path), t, np.asarray(local, dtype=np.int64) - t)


def _publish_ms(venue: str, text: str) -> int | None:
    # The time the venue stamps on a message as it sends it (ms), where the format has one.
    try:
        msg = json.loads(text)
    except ValueError:
        return None
    if not isinstance(msg, dict):
        return None
    value: Any = None
    if venue == "binance":
        value = msg.get("data", msg).get("E")
    elif venue == "bybit":
        value = msg.get("ts")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
