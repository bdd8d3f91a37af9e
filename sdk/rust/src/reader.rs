//! Stream a table's Parquet files as Arrow record batches or typed records, file by file.

use std::collections::VecDeque;
use std::fs::File;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::error::{Error, Result};
use crate::records::Record;

/// Rows per record batch unless set otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 64 * 1024;

/// Arrow record batches of a list of Parquet files, read lazily in order.
///
/// Batches keep the file's columns and schema metadata (`venue`, `symbol`, `seed`, `table`,
/// `segment`, `aleatoric_version`); hive partition values are not added as columns.
pub struct BatchReader {
    files: VecDeque<(String, PathBuf)>,
    current: Option<(String, SchemaRef, ParquetRecordBatchReader)>,
    batch_size: usize,
}

impl BatchReader {
    /// Read `files`, each given as (path relative to the dataset root, full path).
    pub fn new(files: Vec<(String, PathBuf)>) -> BatchReader {
        BatchReader {
            files: files.into(),
            current: None,
            batch_size: DEFAULT_BATCH_SIZE,
        }
    }

    /// Set the number of rows per batch (the last batch of each file may be smaller).
    pub fn with_batch_size(mut self, rows: usize) -> BatchReader {
        self.batch_size = rows.max(1);
        self
    }

    fn open_next(&mut self) -> Result<bool> {
        let Some((rel, path)) = self.files.pop_front() else {
            return Ok(false);
        };
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let parquet = |source| Error::Parquet {
            path: rel.clone(),
            source,
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(parquet)?;
        // The builder's schema carries the file's metadata; the batches' own schema does not.
        let schema = builder.schema().clone();
        let reader = builder
            .with_batch_size(self.batch_size)
            .build()
            .map_err(parquet)?;
        self.current = Some((rel, schema, reader));
        Ok(true)
    }
}

impl Iterator for BatchReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((rel, schema, reader)) = &mut self.current {
                match reader.next() {
                    Some(Ok(batch)) => {
                        let path = rel.clone();
                        return Some(batch.with_schema(schema.clone()).map_err(|source| {
                            Error::Parquet {
                                path,
                                source: source.into(),
                            }
                        }));
                    }
                    Some(Err(e)) => {
                        let path = rel.clone();
                        self.current = None;
                        self.files.clear();
                        return Some(Err(Error::Parquet {
                            path,
                            source: e.into(),
                        }));
                    }
                    None => self.current = None,
                }
            }
            match self.open_next() {
                Ok(true) => continue,
                Ok(false) => return None,
                Err(e) => {
                    self.files.clear();
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Typed records of one table, decoded batch by batch.
pub struct Records<T: Record> {
    batches: BatchReader,
    buffer: std::vec::IntoIter<T>,
}

impl<T: Record> Records<T> {
    /// Decode the batches of `batches` into `T`s.
    pub fn new(batches: BatchReader) -> Records<T> {
        Records {
            batches,
            buffer: Vec::new().into_iter(),
        }
    }

    /// The next decoded batch of records (an empty vector never comes back: `None` ends).
    pub fn next_chunk(&mut self) -> Option<Result<Vec<T>>> {
        let rest: Vec<T> = self.buffer.by_ref().collect();
        if !rest.is_empty() {
            return Some(Ok(rest));
        }
        loop {
            match self.batches.next()? {
                Ok(batch) if batch.num_rows() == 0 => continue,
                Ok(batch) => return Some(T::from_batch(&batch)),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl<T: Record> Iterator for Records<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(record) = self.buffer.next() {
                return Some(Ok(record));
            }
            let batch = match self.batches.next()? {
                Ok(b) => b,
                Err(e) => return Some(Err(e)),
            };
            match T::from_batch(&batch) {
                Ok(records) => self.buffer = records.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
