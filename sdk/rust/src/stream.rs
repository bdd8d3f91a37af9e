//! One time-ordered stream over all tables of an instrument.

use crate::dataset::Dataset;
use crate::error::Result;
use crate::manifest::{Instrument, Table};
use crate::records::{BookDelta, BookSnapshot, Funding, Mbo, Record, Ticker, Trade};

/// A row of any canonical table.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An `mbo` row.
    Mbo(Mbo),
    /// A `book_delta` row.
    BookDelta(BookDelta),
    /// A `book_snapshot` row.
    BookSnapshot(BookSnapshot),
    /// A `trades` row.
    Trade(Trade),
    /// A `ticker` row.
    Ticker(Ticker),
    /// A `funding` row.
    Funding(Funding),
}

macro_rules! each {
    ($self:ident, $r:ident => $e:expr) => {
        match $self {
            Event::Mbo($r) => $e,
            Event::BookDelta($r) => $e,
            Event::BookSnapshot($r) => $e,
            Event::Trade($r) => $e,
            Event::Ticker($r) => $e,
            Event::Funding($r) => $e,
        }
    };
}

impl Event {
    /// Exchange time, ns.
    pub fn ts_event(&self) -> i64 {
        each!(self, r => r.ts_event())
    }

    /// Local receive time, ns.
    pub fn ts_recv(&self) -> i64 {
        each!(self, r => r.ts_recv())
    }

    /// Dataset-wide row counter.
    pub fn seq(&self) -> u64 {
        each!(self, r => r.seq())
    }

    /// The table the row comes from.
    pub fn table(&self) -> Table {
        match self {
            Event::Mbo(_) => Table::Mbo,
            Event::BookDelta(_) => Table::BookDelta,
            Event::BookSnapshot(_) => Table::BookSnapshot,
            Event::Trade(_) => Table::Trades,
            Event::Ticker(_) => Table::Ticker,
            Event::Funding(_) => Table::Funding,
        }
    }

    fn key(&self) -> (i64, u64) {
        (self.ts_recv(), self.seq())
    }
}

type Source = Box<dyn Iterator<Item = Result<Event>> + Send>;

fn source<T: Record>(ds: &Dataset, instrument: &Instrument, wrap: fn(T) -> Event) -> Source {
    Box::new(ds.records::<T>(Some(instrument)).map(move |r| r.map(wrap)))
}

/// All tables of one instrument merged by `(ts_recv, seq)`: a k-way merge of the per-table
/// streams, each already in that order, so memory stays at one batch per table.
///
/// Yields `Err` once if a file cannot be read or decoded, then ends.
pub struct EventStream {
    sources: Vec<Source>,
    heads: Vec<Option<Event>>,
    started: bool,
    failed: bool,
}

impl EventStream {
    /// The merged stream of every table of `instrument` in `ds`.
    pub fn new(ds: &Dataset, instrument: &Instrument) -> EventStream {
        let sources: Vec<Source> = ds
            .tables()
            .into_iter()
            .map(|table| match table {
                Table::Mbo => source(ds, instrument, Event::Mbo),
                Table::BookDelta => source(ds, instrument, Event::BookDelta),
                Table::BookSnapshot => source(ds, instrument, Event::BookSnapshot),
                Table::Trades => source(ds, instrument, Event::Trade),
                Table::Ticker => source(ds, instrument, Event::Ticker),
                Table::Funding => source(ds, instrument, Event::Funding),
            })
            .collect();
        let heads = sources.iter().map(|_| None).collect();
        EventStream {
            sources,
            heads,
            started: false,
            failed: false,
        }
    }

    fn pull(&mut self, i: usize) -> Result<()> {
        self.heads[i] = self.sources[i].next().transpose()?;
        Ok(())
    }
}

impl Iterator for EventStream {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        if !self.started {
            self.started = true;
            for i in 0..self.sources.len() {
                if let Err(e) = self.pull(i) {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
        let best = self
            .heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|e| (e.key(), i)))
            .min()?
            .1;
        let event = self.heads[best].take();
        if let Err(e) = self.pull(best) {
            self.failed = true;
            return Some(Err(e));
        }
        event.map(Ok)
    }
}
