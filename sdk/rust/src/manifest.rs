//! `manifest.json`: what produced a dataset, and every file with its digest and row count.
//!
//! The field names and meanings are those of docs/schema.md; unknown fields are kept in the
//! `extra` maps so that a newer manifest still opens (columns and keys are only ever added).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;

/// The `format` value this crate reads.
pub const MANIFEST_FORMAT: &str = "aleatoric-dataset/1";
/// The manifest's file name at the dataset root.
pub const MANIFEST_NAME: &str = "manifest.json";

/// A parsed `manifest.json`.
///
/// A dataset of one instrument writes its rules as `instrument`, a dataset of several as
/// `instruments` (a list, in config order); both read into [`Manifest::instruments`], and
/// [`Manifest::instrument`] is the first of them. Written back, a manifest keeps the form it
/// was read in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ManifestDoc", into = "ManifestDoc")]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// Engine name and version.
    pub engine: Engine,
    /// Versions of everything that can change output bytes (Python, NumPy, PyArrow, ...).
    pub libraries: BTreeMap<String, String>,
    /// The root seed.
    pub seed: u64,
    /// The full config with defaults filled in (durations as strings).
    pub config: Map<String, Value>,
    /// The instrument rules used: of the dataset's instrument, or of the first listed when
    /// it holds several (see [`Manifest::instruments`] and
    /// [`crate::Dataset::instrument_rules`]).
    pub instrument: InstrumentRules,
    /// Every instrument's rules, in the manifest's order (one entry for a single-instrument
    /// dataset).
    pub instruments: Vec<InstrumentRules>,
    /// Rows per table (a selected table with no rows counts 0).
    #[serde(default)]
    pub tables: BTreeMap<String, u64>,
    /// Per table: SHA-256 over its files' `content_sha256` in path order.
    #[serde(default)]
    pub table_digests: BTreeMap<String, String>,
    /// One entry per segment.
    #[serde(default)]
    pub segments: Vec<Segment>,
    /// Every data file.
    pub files: Vec<FileEntry>,
    /// Keys this crate does not know yet.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `manifest.json` as written: `instrument` for one instrument, `instruments` for several.
#[derive(Serialize, Deserialize)]
struct ManifestDoc {
    format: String,
    engine: Engine,
    libraries: BTreeMap<String, String>,
    seed: u64,
    config: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    instrument: Option<InstrumentRules>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    instruments: Option<Vec<InstrumentRules>>,
    #[serde(default)]
    tables: BTreeMap<String, u64>,
    #[serde(default)]
    table_digests: BTreeMap<String, String>,
    #[serde(default)]
    segments: Vec<Segment>,
    files: Vec<FileEntry>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl TryFrom<ManifestDoc> for Manifest {
    type Error = String;

    fn try_from(doc: ManifestDoc) -> std::result::Result<Manifest, String> {
        let instruments = match (doc.instrument, doc.instruments) {
            (Some(one), None) => vec![one],
            (None, Some(many)) if !many.is_empty() => many,
            (None, Some(_)) => return Err("instruments: must list at least one".to_owned()),
            (Some(_), Some(_)) => {
                return Err("give instrument or instruments, not both".to_owned());
            }
            (None, None) => return Err("missing field `instrument` (or `instruments`)".to_owned()),
        };
        Ok(Manifest {
            format: doc.format,
            engine: doc.engine,
            libraries: doc.libraries,
            seed: doc.seed,
            config: doc.config,
            instrument: instruments[0].clone(),
            instruments,
            tables: doc.tables,
            table_digests: doc.table_digests,
            segments: doc.segments,
            files: doc.files,
            extra: doc.extra,
        })
    }
}

impl From<Manifest> for ManifestDoc {
    fn from(m: Manifest) -> ManifestDoc {
        let (instrument, instruments) = if m.instruments.len() > 1 {
            (None, Some(m.instruments))
        } else {
            (Some(m.instrument), None)
        };
        ManifestDoc {
            format: m.format,
            engine: m.engine,
            libraries: m.libraries,
            seed: m.seed,
            config: m.config,
            instrument,
            instruments,
            tables: m.tables,
            table_digests: m.table_digests,
            segments: m.segments,
            files: m.files,
            extra: m.extra,
        }
    }
}

/// Engine name and version that wrote a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engine {
    /// `aleatoric`.
    pub name: String,
    /// The engine version.
    pub version: String,
}

/// Instrument rules (tick, lot, contract value, funding); decimals stay strings, exactly as
/// written, so nothing is rounded on the way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstrumentRules {
    /// Venue name, e.g. `binance`.
    pub venue: String,
    /// The venue's own symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// Price step, e.g. `"0.10"`.
    pub tick_size: String,
    /// Size step in contracts (in base asset on every venue but OKX).
    pub lot_size: String,
    /// Base asset per contract (`"1"` except on OKX).
    #[serde(default = "one")]
    pub contract_value: String,
    /// The other rules (funding caps, mark method, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn one() -> String {
    "1".to_owned()
}

/// One segment of the generated time range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Segment index, from 0.
    pub index: u32,
    /// Start, ns since the Unix epoch (inclusive).
    pub start_ns: i64,
    /// End, ns since the Unix epoch (exclusive).
    pub end_ns: i64,
    /// Rows written by the segment over all tables.
    #[serde(default)]
    pub rows: u64,
    /// Trades in the segment.
    #[serde(default)]
    pub trades: u64,
    /// Rows written to reconcile the book at the segment's start.
    #[serde(default)]
    pub reconciliation_rows: u64,
    /// The segment's venue, in a dataset of several instruments (each has its own segments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    /// The segment's symbol, in a dataset of several instruments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

/// One data file listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the dataset root, `/`-separated.
    pub path: String,
    /// Canonical table name.
    pub table: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// File size.
    pub bytes: u64,
    /// Rows in the file.
    pub rows: u64,
    /// Hex SHA-256 of the rows (Arrow IPC stream of the columns, as written by PyArrow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    /// Fingerprint of the column names and types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
}

impl FileEntry {
    /// The hive partition values and segment encoded in the path, if it has the canonical
    /// layout `<table>/venue=<v>/symbol=<s>/date=<YYYY-MM-DD>/part-<segment>.parquet`.
    pub fn partition(&self) -> Option<Partition> {
        let mut parts = self.path.split('/');
        let _table = parts.next()?;
        let venue = parts.next()?.strip_prefix("venue=")?;
        let symbol = parts.next()?.strip_prefix("symbol=")?;
        let date = parts.next()?.strip_prefix("date=")?;
        let file = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        let segment = file
            .strip_prefix("part-")?
            .strip_suffix(".parquet")?
            .parse()
            .ok()?;
        Some(Partition {
            instrument: Instrument {
                venue: venue.to_owned(),
                symbol: symbol.to_owned(),
            },
            date: date.to_owned(),
            segment,
        })
    }
}

/// Where a file sits in the hive layout.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Partition {
    /// Venue and symbol.
    pub instrument: Instrument,
    /// UTC date, `YYYY-MM-DD`.
    pub date: String,
    /// Segment index.
    pub segment: u32,
}

/// A venue and one of its symbols.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Instrument {
    /// Venue, e.g. `binance`.
    pub venue: String,
    /// The venue's symbol, e.g. `BTCUSDT`.
    pub symbol: String,
}

impl fmt::Display for Instrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.venue, self.symbol)
    }
}

/// The canonical tables (docs/schema.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// Market by order (L3).
    Mbo,
    /// L2 price-level changes.
    BookDelta,
    /// Top of book at a fixed interval.
    BookSnapshot,
    /// One row per match.
    Trades,
    /// Perp state (mark, index, funding, open interest).
    Ticker,
    /// One row per funding settlement.
    Funding,
}

impl Table {
    /// Every table, in the engine's default order.
    pub const ALL: [Table; 6] = [
        Table::Mbo,
        Table::BookDelta,
        Table::BookSnapshot,
        Table::Trades,
        Table::Ticker,
        Table::Funding,
    ];

    /// The table's name in paths and manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Mbo => "mbo",
            Table::BookDelta => "book_delta",
            Table::BookSnapshot => "book_snapshot",
            Table::Trades => "trades",
            Table::Ticker => "ticker",
            Table::Funding => "funding",
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Table {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Table::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                Error::Invalid(format!(
                "table must be one of mbo, book_delta, book_snapshot, trades, ticker, funding, \
                 was {s:?}"
            ))
            })
    }
}

/// A decimal step `numerator / 10^scale` (0.10 is `1 / 10^1`), to turn grid floats into
/// whole numbers of steps and back exactly as the engine does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    numerator: i64,
    scale: u32,
}

impl Grid {
    /// Parse a positive decimal step such as `"0.10"`.
    pub fn from_decimal(step: &str) -> Result<Grid, Error> {
        let bad = || {
            Error::Invalid(format!(
                "grid step must be a positive decimal, was {step:?}"
            ))
        };
        let (mantissa, scale) = parse_decimal(step).ok_or_else(bad)?;
        if mantissa <= 0 {
            return Err(bad());
        }
        Ok(Grid::normalized(mantissa, scale))
    }

    /// The product of two decimal steps (lot size times contract value).
    pub fn product(a: &str, b: &str) -> Result<Grid, Error> {
        let (ga, gb) = (Grid::from_decimal(a)?, Grid::from_decimal(b)?);
        Ok(Grid::normalized(
            ga.numerator * gb.numerator,
            ga.scale + gb.scale,
        ))
    }

    fn normalized(mut numerator: i64, mut scale: u32) -> Grid {
        while scale > 0 && numerator % 10 == 0 {
            numerator /= 10;
            scale -= 1;
        }
        Grid { numerator, scale }
    }

    fn denominator(self) -> f64 {
        10f64.powi(self.scale as i32)
    }

    /// The float of `units` steps, computed as the engine computes it.
    pub fn to_float(self, units: i64) -> f64 {
        (units * self.numerator) as f64 / self.denominator()
    }

    /// The nearest whole number of steps to `value`.
    pub fn to_units(self, value: f64) -> i64 {
        (value * self.denominator() / self.numerator as f64).round_ties_even() as i64
    }
}

fn parse_decimal(s: &str) -> Option<(i64, u32)> {
    let (int, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let digits = format!("{int}{frac}");
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, frac.len() as u32))
}

impl InstrumentRules {
    /// The venue and symbol these rules are for.
    pub fn instrument(&self) -> Instrument {
        Instrument {
            venue: self.venue.clone(),
            symbol: self.symbol.clone(),
        }
    }

    /// The instrument's price grid (one tick).
    pub fn price_grid(&self) -> Result<Grid, Error> {
        Grid::from_decimal(&self.tick_size)
    }

    /// The size grid in base asset: one lot times the contract value.
    pub fn size_grid(&self) -> Result<Grid, Error> {
        Grid::product(&self.lot_size, &self.contract_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_round_trip_like_the_engine() {
        let tick = Grid::from_decimal("0.10").unwrap();
        assert_eq!(
            tick,
            Grid {
                numerator: 1,
                scale: 1
            }
        );
        assert_eq!(tick.to_float(876543), 87654.3);
        assert_eq!(tick.to_units(87654.3), 876543);
        let okx = Grid::product("0.01", "0.1").unwrap();
        assert_eq!(
            okx,
            Grid {
                numerator: 1,
                scale: 3
            }
        );
        assert_eq!(Grid::from_decimal("10").unwrap().to_float(3), 30.0);
        assert!(Grid::from_decimal("-1").is_err());
        assert!(Grid::from_decimal("abc").is_err());
    }

    #[test]
    fn partitions_parse_from_canonical_paths() {
        let entry = FileEntry {
            path: "trades/venue=okx/symbol=ETH-USDT-SWAP/date=2026-01-01/part-00012.parquet".into(),
            table: "trades".into(),
            sha256: String::new(),
            bytes: 0,
            rows: 0,
            content_sha256: None,
            schema: None,
        };
        let p = entry.partition().unwrap();
        assert_eq!(p.instrument.to_string(), "okx:ETH-USDT-SWAP");
        assert_eq!((p.date.as_str(), p.segment), ("2026-01-01", 12));
        assert!("nope"
            .parse::<Table>()
            .unwrap_err()
            .to_string()
            .contains("was \"nope\""));
    }
}
