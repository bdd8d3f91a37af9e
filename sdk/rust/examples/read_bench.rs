//! Throughput of reading a table: Parquet to Arrow record batches (one thread, and one file
//! per core at once), and on to typed records (one thread).
//!
//! ```text
//! cargo run --release --example read_bench -- DIR TABLE [REPEATS]
//! ```
//!
//! Prints one JSON line per measurement (`{"reader": ..., "events_per_s": ...}`), the best
//! of REPEATS (default 5) runs; `benchmarks/sdk_read.py` runs it next to pyarrow.

use std::time::Instant;

use aleatoric::{BookDelta, Dataset, Mbo, Record, Table, Ticker, Trade};

fn typed<T: Record>(ds: &Dataset) -> aleatoric::Result<usize> {
    let mut n = 0;
    let mut checksum = 0u64;
    for batch in ds.batches(T::TABLE, None).with_dictionary_strings(true) {
        let rows = T::from_batch(&batch?)?;
        n += rows.len();
        checksum = checksum.wrapping_add(rows.last().map_or(0, |r| r.seq()));
    }
    std::hint::black_box(checksum);
    Ok(n)
}

fn best(
    repeats: usize,
    mut f: impl FnMut() -> aleatoric::Result<usize>,
) -> aleatoric::Result<(usize, f64)> {
    let mut best = f64::INFINITY;
    let mut rows = 0;
    for _ in 0..repeats {
        let began = Instant::now();
        rows = f()?;
        best = best.min(began.elapsed().as_secs_f64());
    }
    Ok((rows, best))
}

fn main() -> aleatoric::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, table, rest @ ..] = args.as_slice() else {
        return Err(aleatoric::Error::Invalid(
            "usage: read_bench DIR TABLE [REPEATS]".into(),
        ));
    };
    let repeats: usize = rest.first().map_or(Ok(5), |r| r.parse()).map_err(|_| {
        aleatoric::Error::Invalid(format!("REPEATS must be a positive integer, was {rest:?}"))
    })?;
    let ds = Dataset::open(dir)?;
    let table: Table = table.parse()?;
    let report = |reader: &str, (rows, secs): (usize, f64)| {
        println!(
            "{{\"reader\": \"{reader}\", \"table\": \"{table}\", \"rows\": {rows}, \"seconds\": {secs:.6}, \"events_per_s\": {:.0}}}",
            rows as f64 / secs
        );
    };
    report(
        "rust-arrow",
        best(repeats, || {
            let mut n = 0;
            for batch in ds.batches(table, None) {
                n += batch?.num_rows();
            }
            Ok(n)
        })?,
    );
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    report(
        &format!("rust-arrow-{threads}t"),
        best(repeats, || {
            let mut n = 0;
            for batch in ds.batches(table, None).with_threads(threads) {
                n += batch?.num_rows();
            }
            Ok(n)
        })?,
    );
    let run = || match table {
        Table::Trades => typed::<Trade>(&ds),
        Table::BookDelta => typed::<BookDelta>(&ds),
        Table::Mbo => typed::<Mbo>(&ds),
        Table::Ticker => typed::<Ticker>(&ds),
        _ => Ok(0),
    };
    report("rust-typed", best(repeats, run)?);
    Ok(())
}
