"""Measure a CME MBT + BTCUSDT-perpetual dataset: halts, weekend gap, holiday, settlements, basis.

The week of docs/tradfi.md ("Generating futures"): MBTH6 expires on 2026-03-27 16:00 London,
the weekend follows, CME closes early on Good Friday 2026-04-03 (10:15 CT)::

    aleatoric generate -o week --instrument binance:BTCUSDT --instrument cme:MBTH6 \
        --instrument cme:MBTJ6 --start 2026-03-27T00:00Z --duration 7d16h \
        --tables trades,mbo,book_snapshot,ticker --snapshot-interval 1s --workers 2
    python benchmarks/futures_week.py week

Prints, per contract: the gaps of more than 30 minutes between prints with the calendar's
state and the futures' and the perpetual's moves across them, contracts per day (the roll),
the basis over the spot index (bp and annualised), the settlement table next to an
independent recomputation from the trades (daily: VWAP of 14:59-15:00 CT rounded to the
tick; final: the reference rate of the ticker's spot prints), and the integrity rules.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.dataset as pads

from aleatoric._settlements import contract_settlements
from aleatoric.config import DatasetConfig
from aleatoric.dataset import open_dataset
from aleatoric.integrity import check_instruments
from aleatoric.tradfi import SessionState, calendar_for, contract_of

root = Path(sys.argv[1])
cfg = DatasetConfig.model_validate(open_dataset(root).manifest.config)
S = 1_000_000_000


def iso(ns):
    return str(np.datetime64(int(ns) // S, "s")) + "Z"


def read(table, sym, cols):
    d = pads.dataset(root / table, format="parquet", partitioning="hive")
    t = d.to_table(filter=pads.field("symbol") == sym, columns=[*cols, "seq"]).sort_by("seq")
    out = {c: t[c].to_numpy(zero_copy_only=False) for c in cols}
    if "ts_event" in out:
        out["ts_event"] = out["ts_event"].astype("datetime64[ns]").astype(np.int64)
    return out


perp = read("trades", "BTCUSDT", ["ts_event", "price", "size"])
print(f"dataset {iso(cfg.start_ns)} .. {iso(cfg.end_ns)}; perp trades {perp['price'].size:,}")
for sym in ("MBTH6", "MBTJ6"):
    c = contract_of(
        "cme", sym, np.datetime64(cfg.start_ns, "ns").astype("datetime64[D]").astype(object)
    )
    tr = read("trades", sym, ["ts_event", "price", "size"])
    ts = tr["ts_event"]
    print(
        f"\n== {sym}: last trade {iso(c.last_trade_ns)}, trades {ts.size:,}, "
        f"contracts {tr['size'].sum() / 0.1:,.0f}, "
        f"first print {iso(ts[0])}, last print {iso(ts[-1])}"
    )
    # Gaps of more than 30 minutes without trades, against the calendar's non-open spans.
    gaps = np.flatnonzero(np.diff(ts) > 30 * 60 * S)
    tl = calendar_for("cme_crypto").timeline(cfg.start_ns - 86400 * S, cfg.end_ns + 86400 * S)
    for g in gaps:
        a, b = ts[g], ts[g + 1]
        st = SessionState(int(tl.state_at(np.array([a + S]))[0])).name
        # The latent moved: the first print after the gap against the last before it, and
        # the perpetual over the same gap.
        pa_ = perp["price"][np.searchsorted(perp["ts_event"], a) - 1]
        pb = perp["price"][np.searchsorted(perp["ts_event"], b)]
        print(
            f"  gap {iso(a)} -> {iso(b)} ({(b - a) / 3.6e12:5.2f} h, state {st}): "
            f"fut {tr['price'][g]:.0f} -> {tr['price'][g + 1]:.0f} "
            f"({np.log(tr['price'][g + 1] / tr['price'][g]) * 1e4:+.0f} bp), "
            f"perp {np.log(pb / pa_) * 1e4:+.0f} bp"
        )
    # Session rule over the whole week (integrity's rule).
    # Daily volume by UTC date (roll).
    days = ts.astype("datetime64[ns]").astype("datetime64[D]")
    vol = {str(d): float(tr["size"][days == d].sum() / 0.1) for d in np.unique(days)}
    print("  contracts per UTC day:", json.dumps({k: round(v) for k, v in vol.items()}))
    # Basis over spot: hourly median of log(trade / ticker index); annualised over tau.
    tk = read("ticker", sym, ["ts_event", "index_price"])
    hours = ts // (3600 * S)
    rows = []
    for h in np.unique(hours)[::12]:
        m = hours == h
        k = (tk["ts_event"] // (3600 * S)) == h
        if m.sum() > 20 and k.any():
            b = np.median(
                np.log(tr["price"][m] / np.interp(ts[m], tk["ts_event"], tk["index_price"]))
            )
            tau = (c.last_trade_ns - h * 3600 * S) / (365 * 86400 * S)
            rows.append((iso(h * 3600 * S), b * 1e4, b / tau * 100))
    for r in rows:
        print(f"  basis {r[0]}: {r[1]:+7.1f} bp over spot, {r[2]:5.1f} %/yr")
    # Basis against the perpetual, last hour before expiry / last hour of the data.
    end = min(c.last_trade_ns, cfg.end_ns)
    m = ts >= end - 3600 * S
    pm = perp["ts_event"] >= end - 3600 * S
    pm &= perp["ts_event"] < end
    print(
        f"  last hour: fut VWAP {np.average(tr['price'][m], weights=tr['size'][m]):.1f}, "
        f"perp VWAP {np.average(perp['price'][pm], weights=perp['size'][pm]):.1f}"
    )
    # Settlement table (generator's function) vs an independent recomputation.
    st = contract_settlements(cfg, root, "cme", sym).to_pylist()
    for r in st:
        t_end = int(r["ts_event"].value) - 60 * S if r["kind"] == "daily" else None
        if r["kind"] == "daily":
            w = (ts >= t_end - 60 * S) & (ts < t_end)
            vw = (
                np.sum(tr["price"][w] * tr["size"][w]) / tr["size"][w].sum()
                if w.any()
                else float("nan")
            )
            indep = 5 * np.floor(vw / 5 + 0.5)
            # Equal, or an exact half tick (rounded toward the prior settlement).
            same = abs(indep - r["price"]) < 1e-9 or abs(vw / 5 % 1 - 0.5) < 1e-9
            print(
                f"  daily {r['trade_date']} window end {iso(t_end)}: "
                f"table {r['price']:.0f} tier {r['tier']} | "
                f"independent VWAP {vw:.2f} -> {indep:.0f} ({w.sum()} trades) "
                f"{'OK' if same else 'MISMATCH'}"
            )
        else:
            e = c.last_trade_ns
            med = []
            for k in range(12):
                lo = e - 3600 * S + k * 300 * S
                p = np.sort(
                    tk["index_price"][(tk["ts_event"] >= lo) & (tk["ts_event"] < lo + 300 * S)]
                )
                if p.size:
                    med.append(p[int(np.ceil(p.size / 2)) - 1])
            ref = np.floor(np.mean(med) * 100 + 0.5) / 100
            lastpx = tr["price"][-1]
            print(
                f"  final {r['trade_date']} at {iso(int(r['ts_event'].value))}: "
                f"table {r['price']:.2f} | independent "
                f"reference rate {ref:.2f} ({len(med)} partitions) "
                f"{'OK' if ref == r['price'] else 'MISMATCH'}; last trade {lastpx:.0f} "
                f"({np.log(lastpx / r['price']) * 1e4:+.1f} bp)"
            )
for sym in ("cme:MBTH6", "cme:MBTJ6"):
    for rep in check_instruments(
        root, instrument=sym, rules=["session_open", "price_on_tick", "size_on_lot", "ts_monotone"]
    ):
        print(
            f"check {rep.venue}:{rep.symbol}:",
            ", ".join(
                f"{r.name} {'PASS' if r.passed else 'FAIL'} ({r.violations} of {r.rows:,})"
                for r in rep.results
            ),
        )
