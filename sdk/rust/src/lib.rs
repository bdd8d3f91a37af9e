//! Read, verify and replay datasets of the Aleatoric Engine, and drive its job service.
//!
//! A dataset is a directory with `manifest.json` and hive-partitioned Parquet files, one
//! canonical schema for every venue (docs/schema.md), optionally signed with a DSSE envelope
//! over an in-toto statement (docs/provenance.md). This crate gives Rust programs the same
//! guarantees the Python package gives, without a Python runtime:
//!
//! - [`Dataset`]: open a directory, list instruments, tables, segments and files, check
//!   every file's SHA-256 ([`Dataset::verify_files`]) and the signature
//!   ([`Dataset::verify_signature`], the same verdicts as `aleatoric verify`);
//! - read each table as typed records ([`Mbo`], [`BookDelta`], [`BookSnapshot`], [`Trade`],
//!   [`Ticker`], [`Funding`]) or as Arrow [`RecordBatch`]es ([`Dataset::batches`]);
//! - [`Dataset::events`]: all tables of an instrument in one stream ordered by `ts_recv`,
//!   then `seq`; [`L2Book`] and [`L3Book`] replay it into order books whose top levels equal
//!   `book_snapshot`'s;
//! - [`client::Client`] (feature `client`, on by default): submit a config to the HTTP job
//!   service, follow it and download the dataset, checked file by file.
//!
//! ```no_run
//! use aleatoric::{Dataset, Event, L2Book, PublicKey};
//!
//! let ds = Dataset::open("data/btc-calm")?;
//! let report = ds.verify_signature(&PublicKey::from_pem_file("aleatoric.key.pub")?)?;
//! println!("verified {} files with key {}", report.files(), report.key_id);
//! let mut book = L2Book::new();
//! for event in ds.events(&ds.instruments()[0]) {
//!     match event? {
//!         Event::BookDelta(delta) => book.apply(&delta),
//!         Event::Trade(trade) => println!("{} {} @ {}", trade.ts_recv, trade.size, trade.price),
//!         _ => {}
//!     }
//! }
//! # Ok::<(), aleatoric::Error>(())
//! ```
//!
//! Arrow types come from the `arrow-array` and `arrow-schema` crates, the building blocks
//! the `arrow` crate re-exports: an `aleatoric` batch is an `arrow::record_batch::RecordBatch`.
#![warn(missing_docs)]

mod book;
#[cfg(feature = "client")]
pub mod client;
mod dataset;
mod error;
mod manifest;
pub mod provenance;
mod reader;
mod records;
mod stream;

pub use arrow_array::RecordBatch;
pub use book::{L2Book, L3Book, Order};
pub use dataset::Dataset;
pub use error::{Error, Result};
pub use manifest::{
    Engine, FileEntry, Grid, Instrument, InstrumentRules, Manifest, Partition, Segment, Table,
    MANIFEST_FORMAT, MANIFEST_NAME,
};
pub use provenance::{PublicKey, VerifyReport};
pub use reader::{BatchReader, Records, DEFAULT_BATCH_SIZE};
pub use records::{
    Action, Aggressor, BookDelta, BookSnapshot, Funding, Level, Mbo, Record, Side, Ticker, Trade,
    F_LAST, F_SNAPSHOT,
};
pub use stream::{Event, EventStream};

// The README's examples compile as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// Re-exported so users need no direct dependency to name these types.
pub use arrow_array;
pub use arrow_schema;
pub use parquet;
