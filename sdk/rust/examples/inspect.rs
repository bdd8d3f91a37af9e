//! Print what a dataset holds: instruments, tables with rows, and a replay check.
//!
//! ```text
//! cargo run --release --example inspect -- DIR
//! ```

use std::time::Instant;

use aleatoric::{Dataset, Event, L2Book, L3Book, Table};

fn main() -> aleatoric::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let ds = Dataset::open(&dir)?;
    println!(
        "engine {} {}",
        ds.manifest().engine.name,
        ds.manifest().engine.version
    );
    for table in ds.tables() {
        println!(
            "{table}: {} rows in {} files",
            ds.rows(table),
            ds.files(table, None).len()
        );
    }
    for instrument in ds.instruments() {
        // Each instrument has its own lot size (a dataset may hold several).
        let grid = match ds.instrument_rules(&instrument) {
            Some(rules) => rules.size_grid()?,
            None => ds.manifest().instrument.size_grid()?,
        };
        let began = Instant::now();
        let (mut l2, mut l3) = (L2Book::new(), L3Book::new(grid));
        let (mut events, mut snapshots, mut last) = (0u64, 0u64, (i64::MIN, 0u64));
        for event in ds.events(&instrument) {
            let event = event?;
            let key = (event.ts_recv(), event.seq());
            assert!(key > last, "out of order at seq {}", event.seq());
            last = key;
            events += 1;
            match &event {
                Event::Mbo(row) => l3.apply(row)?,
                Event::BookDelta(delta) => l2.apply(delta),
                Event::BookSnapshot(s) => {
                    l2.check_snapshot(s)?;
                    l3.check_snapshot(s)?;
                    snapshots += 1;
                }
                _ => {}
            }
        }
        let (bids, asks) = l2.top(1);
        println!(
            "{instrument}: {events} events in {:.2} s, {snapshots} snapshots equal the L2 and L3 books; \
             last top {:?} / {:?}",
            began.elapsed().as_secs_f64(),
            bids.first(),
            asks.first()
        );
        let _ = Table::ALL;
    }
    Ok(())
}
