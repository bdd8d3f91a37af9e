"""DBN records of futures contracts: instrument definitions and settlement statistics.

The pieces a futures dataset's DBN export needs beyond the perpetuals' (docs/tradfi.md):
``InstrumentDefMsg`` with the contract's expiry, multiplier and tick value, and ``StatMsg``
settlement prices (``stat_type`` 3) whose ``ts_ref`` is the trade date, ``stat_flags`` bit 0
set for a final settlement and bit 1 for an actual (not theoretical) one. Written with
``databento-dbn`` (``pip install 'aleatoric[dbn]'``).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from aleatoric.integrations._dbn_meta import metadata_bytes
from aleatoric.tradfi import Contract

__all__ = [
    "STAT_ACTUAL",
    "STAT_FINAL",
    "Settlement",
    "contract_definition",
    "futures_statistics",
    "settlement_statistics",
    "write_futures_dbn",
]

dbn: Any = importlib.import_module("databento_dbn")
_SCALE = 10**9
#: ``stat_flags`` bits of a settlement price.
STAT_FINAL = 1
STAT_ACTUAL = 2
_EXCHANGES = {"cme": "XCME", "sgx": "XSES"}


@dataclass(frozen=True)
class Settlement:
    """One settlement price: when it was published, its trade date, price and kind."""

    ts_event: int
    ts_recv: int
    trade_date: date
    price: float
    final: bool = False


def _fixed(value: Any) -> int:
    return int(value * _SCALE)


def contract_definition(
    contract: Contract, instrument_id: int, ts_ns: int, *, activation_ns: int | None = None
) -> Any:
    """Return the ``InstrumentDefMsg`` of ``contract`` (a record object; ``bytes()`` encodes it).

    ``expiration`` is the last trade (undefined for a perpetual), ``unit_of_measure_qty`` the
    multiplier in units of the underlying, ``min_price_increment_amount`` the tick value.
    """
    p = contract.product
    last = contract.last_trade_ns
    return dbn.InstrumentDefMsg(
        0, instrument_id, ts_ns, ts_ns, _fixed(p.tick_size), _SCALE, contract.symbol,
        p.root[:10], "FUT", dbn.InstrumentClass.FUTURE, dbn.SecurityUpdateAction.ADD,
        expiration=last if last is not None else dbn.UNDEF_TIMESTAMP,
        activation=activation_ns if activation_ns is not None else dbn.UNDEF_TIMESTAMP,
        unit_of_measure_qty=_fixed(p.multiplier), unit_of_measure=p.base[:30],
        min_price_increment_amount=_fixed(p.tick_value), currency=p.quote[:3],
        settl_currency=p.quote[:3], exchange=_EXCHANGES.get(p.venue, p.venue.upper()[:4]),
        group=p.root[:20], min_lot_size_round_lot=1,
        maturity_year=contract.year or None, maturity_month=contract.month or None,
        match_algorithm=dbn.MatchAlgorithm.FIFO,
    )  # fmt: skip


def settlement_statistics(
    contract: Contract, instrument_id: int, settlements: Sequence[Settlement]
) -> list[Any]:
    """Return a ``StatMsg`` settlement price per settlement, in the given order.

    Prices are written as given (to 1e-9): the settlement functions of
    :mod:`aleatoric.tradfi` round daily settlements to the tick, a final settlement to a
    reference rate keeps the rate's cents.
    """
    out = []
    for s in settlements:
        ts_ref = int(datetime.combine(s.trade_date, datetime.min.time(), UTC).timestamp()) * _SCALE
        flags = STAT_ACTUAL | (STAT_FINAL if s.final else 0)
        out.append(dbn.StatMsg(
            0, instrument_id, s.ts_event, s.ts_recv, ts_ref,
            _fixed(Decimal(repr(float(s.price)))),
            dbn.UNDEF_STAT_QUANTITY, dbn.StatType.SETTLEMENT_PRICE,
            update_action=dbn.StatUpdateAction.NEW, stat_flags=flags,
        ))  # fmt: skip
    return out


def write_futures_dbn(
    path: Path, contract: Contract, instrument_id: int, schema: str, records: Sequence[Any]
) -> None:
    """Write ``records`` (definition or statistics) of ``contract`` as one DBN file."""
    if not records:
        raise ValueError("records must not be empty")
    first = min(r.ts_event for r in records)
    last = max(r.ts_event for r in records)
    dataset = f"ALTR.{contract.product.venue.upper()}"
    body = b"".join(bytes(r) for r in records)
    path.write_bytes(
        metadata_bytes(dataset, dbn.Schema.from_str(schema), contract.symbol, instrument_id,
                       first, last) + body
    )  # fmt: skip


def futures_statistics(root: Path, contract: Contract, instrument_id: int) -> list[Any]:
    """Return the settlement ``StatMsg`` records of ``contract`` from a dataset's table.

    The dataset's ``settlement`` table (written by ``generate`` for CME monthly futures) is
    read as it is: a record per row, ``ts_recv`` = ``ts_event`` (a published price).
    """
    path = root / f"settlement/venue={contract.product.venue}/symbol={contract.symbol}"
    files = sorted(path.glob("*.parquet")) if path.is_dir() else []
    settlements = []
    for f in files:
        t = pq.read_table(f)
        ts = t.column("ts_event").cast(pa.int64()).to_pylist()
        days, prices = t.column("trade_date").to_pylist(), t.column("price").to_pylist()
        for i, kind in enumerate(t.column("kind").to_pylist()):
            settlements.append(Settlement(ts[i], ts[i], days[i], prices[i], final=kind == "final"))
    return settlement_statistics(contract, instrument_id, settlements)
