//! Typed rows of the canonical tables, decoded from Arrow record batches.
//!
//! Field names and units are those of docs/schema.md: times are ns since the Unix epoch
//! (UTC), prices and sizes are floats on the instrument's grid, sizes in base asset.

use arrow_array::cast::AsArray;
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::types::{
    Float64Type, Int32Type, Int64Type, TimestampNanosecondType, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, BooleanArray, PrimitiveArray, RecordBatch};
use arrow_schema::{DataType, TimeUnit};

use crate::error::{Error, Result};
use crate::manifest::Table;

/// A row of a canonical table.
pub trait Record: Sized + Clone + Send + 'static {
    /// The table the rows come from.
    const TABLE: Table;

    /// Decode every row of `batch`, appending to `out`.
    ///
    /// # Errors
    /// [`Error::Schema`] if a column is missing, has another type, or holds a value outside
    /// the documented ones.
    fn decode(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()>;

    /// Exchange time, ns.
    fn ts_event(&self) -> i64;
    /// Local receive time, ns.
    fn ts_recv(&self) -> i64;
    /// The dataset-wide row counter.
    fn seq(&self) -> u64;

    /// Decode every row of `batch` into a new vector.
    fn from_batch(batch: &RecordBatch) -> Result<Vec<Self>> {
        let mut out = Vec::with_capacity(batch.num_rows());
        Self::decode(batch, &mut out)?;
        Ok(out)
    }
}

/// The `F_LAST` flag bit of an `mbo` row: last record of a message.
pub const F_LAST: u8 = 128;
/// The `F_SNAPSHOT` flag bit of an `mbo` row: record of a book snapshot.
pub const F_SNAPSHOT: u8 = 32;

/// Book side of an order or a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Buy side (`B` in `mbo`, `bid` in `book_delta`).
    Bid,
    /// Sell side (`A` in `mbo`, `ask` in `book_delta`).
    Ask,
    /// No side (`N` in `mbo`).
    None,
}

/// What an `mbo` row does to the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `A`: a new resting order.
    Add,
    /// `C`: the order leaves the book (size is the remaining size removed).
    Cancel,
    /// `M`: size is the new remaining size; the queue place is kept.
    Modify,
    /// `T`: the aggressor's side of a match; does not change the book.
    Trade,
    /// `F`: the resting order is reduced by size; at 0 it leaves the book.
    Fill,
}

/// Aggressor side of a trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggressor {
    /// `buy`: a buyer lifted the ask.
    Buy,
    /// `sell`: a seller hit the bid.
    Sell,
}

/// `mbo`: market by order (L3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mbo {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Local receive time, ns.
    pub ts_recv: i64,
    /// Dataset-wide row counter.
    pub seq: u64,
    /// The order the row is about (for [`Action::Trade`], the aggressor).
    pub order_id: u64,
    /// What happens.
    pub action: Action,
    /// Bid, ask or none.
    pub side: Side,
    /// Order price (for trades and fills, the match price).
    pub price: f64,
    /// See [`Action`].
    pub size: f64,
    /// DBN flag bits: [`F_LAST`], [`F_SNAPSHOT`].
    pub flags: u8,
}

impl Mbo {
    /// Whether this is the last record of a message.
    pub fn is_last(&self) -> bool {
        self.flags & F_LAST != 0
    }

    /// Whether this record belongs to a book snapshot.
    pub fn is_snapshot(&self) -> bool {
        self.flags & F_SNAPSHOT != 0
    }
}

/// `book_delta`: an L2 price level after a change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BookDelta {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Local receive time, ns.
    pub ts_recv: i64,
    /// Dataset-wide row counter.
    pub seq: u64,
    /// Bid or ask.
    pub side: Side,
    /// Level price.
    pub price: f64,
    /// Total size at the level after the change; 0 removes the level.
    pub size: f64,
    /// Resting orders at the level after the change.
    pub order_count: u32,
    /// Part of the initial book snapshot.
    pub is_snapshot: bool,
    /// Last row of a message: the book is consistent after it.
    pub is_last: bool,
}

/// `trades`: one match between an aggressor and one resting order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trade {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Local receive time, ns.
    pub ts_recv: i64,
    /// Dataset-wide row counter.
    pub seq: u64,
    /// From 1, consecutive over the dataset.
    pub trade_id: u64,
    /// Match price.
    pub price: f64,
    /// Matched size.
    pub size: f64,
    /// Aggressor side.
    pub side: Aggressor,
}

/// `ticker`: perp state at a fixed interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ticker {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Local receive time, ns.
    pub ts_recv: i64,
    /// Dataset-wide row counter.
    pub seq: u64,
    /// Mark price by the venue's method.
    pub mark_price: f64,
    /// Spot index price.
    pub index_price: f64,
    /// Last trade price (mid before the first trade).
    pub last_price: f64,
    /// The rate settled at the last settlement.
    pub funding_rate: f64,
    /// The venue's running estimate for the next settlement.
    pub predicted_funding_rate: f64,
    /// Next settlement, ns.
    pub next_funding_ts: i64,
    /// Open interest in base asset.
    pub open_interest: f64,
}

/// `funding`: one settlement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Funding {
    /// Exchange time (the settlement), ns.
    pub ts_event: i64,
    /// Local receive time, ns.
    pub ts_recv: i64,
    /// Dataset-wide row counter.
    pub seq: u64,
    /// Rate settled at `ts_event`.
    pub funding_rate: f64,
    /// Mark at settlement.
    pub mark_price: f64,
}

/// One price level of a snapshot or a book.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Level price.
    pub price: f64,
    /// Total size at the level.
    pub size: f64,
}

/// `book_snapshot`: the top levels of both sides at a fixed interval.
///
/// A snapshot shows the book after every row with a smaller `seq`. Levels missing from a
/// thin book (a null price in the file) are left out, so `bids.len()` may be below the depth.
#[derive(Debug, Clone, PartialEq)]
pub struct BookSnapshot {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Local receive time, ns.
    pub ts_recv: i64,
    /// Dataset-wide row counter.
    pub seq: u64,
    /// Levels per side the file has columns for (`snapshot_depth`, 25 by default).
    pub depth: usize,
    /// Bids, best first.
    pub bids: Vec<Level>,
    /// Asks, best first.
    pub asks: Vec<Level>,
}

// --- decoding ---------------------------------------------------------------------------

fn column<'a>(batch: &'a RecordBatch, table: Table, name: &str) -> Result<&'a dyn Array> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| Error::Schema(format!("{table}: no column {name}")))
}

fn prim<'a, T: ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    table: Table,
    name: &str,
) -> Result<&'a PrimitiveArray<T>> {
    let col = column(batch, table, name)?;
    col.as_primitive_opt::<T>().ok_or_else(|| {
        Error::Schema(format!(
            "{table}: column {name} is {}, expected {}",
            col.data_type(),
            T::DATA_TYPE
        ))
    })
}

/// A non-nullable primitive column as a slice.
fn values<'a, T: ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    table: Table,
    name: &str,
) -> Result<&'a [T::Native]> {
    Ok(prim::<T>(batch, table, name)?.values().as_ref())
}

/// A time column as int64 nanoseconds: `timestamp[ns]` with any time zone (as datasets are
/// written now) or plain int64 (as they were written before); both store the same values.
fn times<'a>(batch: &'a RecordBatch, table: Table, name: &str) -> Result<&'a [i64]> {
    let col = column(batch, table, name)?;
    match col.data_type() {
        DataType::Timestamp(TimeUnit::Nanosecond, _) => Ok(col
            .as_primitive::<TimestampNanosecondType>()
            .values()
            .as_ref()),
        _ => values::<Int64Type>(batch, table, name),
    }
}

/// A string column, as plain strings or as a dictionary of its values.
fn strings<'a>(batch: &'a RecordBatch, table: Table, name: &str) -> Result<&'a dyn Array> {
    let col = column(batch, table, name)?;
    match col.data_type() {
        DataType::Utf8 => Ok(col),
        DataType::Dictionary(key, value)
            if **key == DataType::Int32 && **value == DataType::Utf8 =>
        {
            Ok(col)
        }
        other => Err(Error::Schema(format!(
            "{table}: column {name} is {other}, expected {}",
            DataType::Utf8
        ))),
    }
}

fn bools<'a>(batch: &'a RecordBatch, table: Table, name: &str) -> Result<&'a BooleanArray> {
    let col = column(batch, table, name)?;
    col.as_boolean_opt().ok_or_else(|| {
        Error::Schema(format!(
            "{table}: column {name} is {}, expected {}",
            col.data_type(),
            DataType::Boolean
        ))
    })
}

fn unknown(
    table: Table,
    name: &str,
    allowed: &[(&str, impl Copy)],
    value: &str,
    row: usize,
) -> Error {
    let names: Vec<&str> = allowed.iter().map(|(s, _)| *s).collect();
    Error::Schema(format!(
        "{table}: {name} must be one of {}, was {value:?} (row {row})",
        names.join(", ")
    ))
}

/// Decode a small string column through a lookup of its few allowed values; a dictionary
/// column is looked up once per dictionary value, not once per row.
fn codes<T: Copy>(
    array: &dyn Array,
    table: Table,
    name: &str,
    allowed: &[(&str, T)],
) -> Result<Vec<T>> {
    let lookup = |v: &str| allowed.iter().find(|(s, _)| *s == v).map(|(_, code)| *code);
    if let Some(dict) = array.as_dictionary_opt::<Int32Type>() {
        let values = dict.values().as_string::<i32>();
        let mapped: Vec<Option<T>> = values.iter().map(|v| lookup(v.unwrap_or(""))).collect();
        return dict
            .keys()
            .values()
            .iter()
            .enumerate()
            .map(|(row, &k)| {
                mapped
                    .get(k as usize)
                    .copied()
                    .flatten()
                    .ok_or_else(|| unknown(table, name, allowed, values.value(k as usize), row))
            })
            .collect();
    }
    let strings = array.as_string::<i32>();
    (0..strings.len())
        .map(|row| {
            let v = strings.value(row);
            lookup(v).ok_or_else(|| unknown(table, name, allowed, v, row))
        })
        .collect()
}

struct Common<'a> {
    ts_event: &'a [i64],
    ts_recv: &'a [i64],
    seq: &'a [u64],
}

fn common(batch: &RecordBatch, table: Table) -> Result<Common<'_>> {
    Ok(Common {
        ts_event: times(batch, table, "ts_event")?,
        ts_recv: times(batch, table, "ts_recv")?,
        seq: values::<UInt64Type>(batch, table, "seq")?,
    })
}

macro_rules! common_accessors {
    () => {
        fn ts_event(&self) -> i64 {
            self.ts_event
        }
        fn ts_recv(&self) -> i64 {
            self.ts_recv
        }
        fn seq(&self) -> u64 {
            self.seq
        }
    };
}

impl Record for Mbo {
    const TABLE: Table = Table::Mbo;

    fn decode(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()> {
        let t = Self::TABLE;
        let c = common(batch, t)?;
        let order_id = values::<UInt64Type>(batch, t, "order_id")?;
        let action = codes(
            strings(batch, t, "action")?,
            t,
            "action",
            &[
                ("A", Action::Add),
                ("C", Action::Cancel),
                ("M", Action::Modify),
                ("T", Action::Trade),
                ("F", Action::Fill),
            ],
        )?;
        let side = codes(
            strings(batch, t, "side")?,
            t,
            "side",
            &[("B", Side::Bid), ("A", Side::Ask), ("N", Side::None)],
        )?;
        let price = values::<Float64Type>(batch, t, "price")?;
        let size = values::<Float64Type>(batch, t, "size")?;
        let flags = values::<UInt8Type>(batch, t, "flags")?;
        out.extend((0..batch.num_rows()).map(|i| Mbo {
            ts_event: c.ts_event[i],
            ts_recv: c.ts_recv[i],
            seq: c.seq[i],
            order_id: order_id[i],
            action: action[i],
            side: side[i],
            price: price[i],
            size: size[i],
            flags: flags[i],
        }));
        Ok(())
    }

    common_accessors!();
}

impl Record for BookDelta {
    const TABLE: Table = Table::BookDelta;

    fn decode(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()> {
        let t = Self::TABLE;
        let c = common(batch, t)?;
        let side = codes(
            strings(batch, t, "side")?,
            t,
            "side",
            &[("bid", Side::Bid), ("ask", Side::Ask)],
        )?;
        let price = values::<Float64Type>(batch, t, "price")?;
        let size = values::<Float64Type>(batch, t, "size")?;
        let order_count = values::<UInt32Type>(batch, t, "order_count")?;
        let is_snapshot = bools(batch, t, "is_snapshot")?;
        let is_last = bools(batch, t, "is_last")?;
        out.extend((0..batch.num_rows()).map(|i| BookDelta {
            ts_event: c.ts_event[i],
            ts_recv: c.ts_recv[i],
            seq: c.seq[i],
            side: side[i],
            price: price[i],
            size: size[i],
            order_count: order_count[i],
            is_snapshot: is_snapshot.value(i),
            is_last: is_last.value(i),
        }));
        Ok(())
    }

    common_accessors!();
}

impl Record for Trade {
    const TABLE: Table = Table::Trades;

    fn decode(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()> {
        let t = Self::TABLE;
        let c = common(batch, t)?;
        let trade_id = values::<UInt64Type>(batch, t, "trade_id")?;
        let price = values::<Float64Type>(batch, t, "price")?;
        let size = values::<Float64Type>(batch, t, "size")?;
        let side = codes(
            strings(batch, t, "side")?,
            t,
            "side",
            &[("buy", Aggressor::Buy), ("sell", Aggressor::Sell)],
        )?;
        out.extend((0..batch.num_rows()).map(|i| Trade {
            ts_event: c.ts_event[i],
            ts_recv: c.ts_recv[i],
            seq: c.seq[i],
            trade_id: trade_id[i],
            price: price[i],
            size: size[i],
            side: side[i],
        }));
        Ok(())
    }

    common_accessors!();
}

impl Record for Ticker {
    const TABLE: Table = Table::Ticker;

    fn decode(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()> {
        let t = Self::TABLE;
        let c = common(batch, t)?;
        let f = |name| values::<Float64Type>(batch, t, name);
        let (mark, index, last) = (f("mark_price")?, f("index_price")?, f("last_price")?);
        let (rate, predicted, oi) = (
            f("funding_rate")?,
            f("predicted_funding_rate")?,
            f("open_interest")?,
        );
        let next = times(batch, t, "next_funding_ts")?;
        out.extend((0..batch.num_rows()).map(|i| Ticker {
            ts_event: c.ts_event[i],
            ts_recv: c.ts_recv[i],
            seq: c.seq[i],
            mark_price: mark[i],
            index_price: index[i],
            last_price: last[i],
            funding_rate: rate[i],
            predicted_funding_rate: predicted[i],
            next_funding_ts: next[i],
            open_interest: oi[i],
        }));
        Ok(())
    }

    common_accessors!();
}

impl Record for Funding {
    const TABLE: Table = Table::Funding;

    fn decode(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()> {
        let t = Self::TABLE;
        let c = common(batch, t)?;
        let rate = values::<Float64Type>(batch, t, "funding_rate")?;
        let mark = values::<Float64Type>(batch, t, "mark_price")?;
        out.extend((0..batch.num_rows()).map(|i| Funding {
            ts_event: c.ts_event[i],
            ts_recv: c.ts_recv[i],
            seq: c.seq[i],
            funding_rate: rate[i],
            mark_price: mark[i],
        }));
        Ok(())
    }

    common_accessors!();
}

impl Record for BookSnapshot {
    const TABLE: Table = Table::BookSnapshot;

    fn decode(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()> {
        let t = Self::TABLE;
        let c = common(batch, t)?;
        let depth = (0..)
            .take_while(|i| batch.column_by_name(&format!("bid_px_{i:02}")).is_some())
            .count();
        let side = |name: &str| -> Result<Vec<(&PrimitiveArray<Float64Type>, &[f64])>> {
            (0..depth)
                .map(|i| {
                    let px = prim::<Float64Type>(batch, t, &format!("{name}_px_{i:02}"))?;
                    let sz = values::<Float64Type>(batch, t, &format!("{name}_sz_{i:02}"))?;
                    Ok((px, sz))
                })
                .collect()
        };
        let (bid_cols, ask_cols) = (side("bid")?, side("ask")?);
        let levels = |cols: &[(&PrimitiveArray<Float64Type>, &[f64])], row: usize| -> Vec<Level> {
            cols.iter()
                .filter(|(px, _)| px.is_valid(row))
                .map(|(px, sz)| Level {
                    price: px.value(row),
                    size: sz[row],
                })
                .collect()
        };
        out.extend((0..batch.num_rows()).map(|i| BookSnapshot {
            ts_event: c.ts_event[i],
            ts_recv: c.ts_recv[i],
            seq: c.seq[i],
            depth,
            bids: levels(&bid_cols, i),
            asks: levels(&ask_cols, i),
        }));
        Ok(())
    }

    common_accessors!();
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, DictionaryArray, Float64Array, Int64Array, StringArray, UInt64Array,
    };

    use super::*;

    fn trades(side: ArrayRef) -> RecordBatch {
        let n = side.len();
        let int = |v: i64| Arc::new(Int64Array::from(vec![v; n])) as ArrayRef;
        let uint = |v: u64| Arc::new(UInt64Array::from(vec![v; n])) as ArrayRef;
        let float = |v: f64| Arc::new(Float64Array::from(vec![v; n])) as ArrayRef;
        RecordBatch::try_from_iter([
            ("ts_event", int(1)),
            ("ts_recv", int(2)),
            ("seq", uint(3)),
            ("trade_id", uint(4)),
            ("price", float(5.5)),
            ("size", float(0.25)),
            ("side", side),
        ])
        .unwrap()
    }

    #[test]
    fn string_and_dictionary_columns_decode_alike() {
        let plain = trades(Arc::new(StringArray::from(vec!["buy", "sell", "buy"])));
        let dict: DictionaryArray<Int32Type> = vec!["buy", "sell", "buy"].into_iter().collect();
        let dict = trades(Arc::new(dict));
        let a = Trade::from_batch(&plain).unwrap();
        assert_eq!(a, Trade::from_batch(&dict).unwrap());
        let sides: Vec<Aggressor> = a.iter().map(|t| t.side).collect();
        assert_eq!(sides, [Aggressor::Buy, Aggressor::Sell, Aggressor::Buy]);
        assert_eq!(
            (a[0].ts_recv, a[0].seq, a[0].trade_id, a[0].price),
            (2, 3, 4, 5.5)
        );
    }

    #[test]
    fn unknown_values_and_wrong_types_name_the_column() {
        let bad = trades(Arc::new(StringArray::from(vec!["buy", "hold"])));
        let err = Trade::from_batch(&bad).unwrap_err().to_string();
        assert_eq!(
            err,
            "trades: side must be one of buy, sell, was \"hold\" (row 1)"
        );
        let dict: DictionaryArray<Int32Type> = vec!["hold"].into_iter().collect();
        let err = Trade::from_batch(&trades(Arc::new(dict)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("was \"hold\" (row 0)"), "{err}");
        let wrong = trades(Arc::new(Float64Array::from(vec![1.0])));
        let err = Trade::from_batch(&wrong).unwrap_err().to_string();
        assert_eq!(err, "trades: column side is Float64, expected Utf8");
        let err = Mbo::from_batch(&wrong).unwrap_err().to_string();
        assert_eq!(err, "mbo: no column order_id");
    }
}
