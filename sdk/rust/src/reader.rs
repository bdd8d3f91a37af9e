//! Stream a table's Parquet files as Arrow record batches or typed records, file by file.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};

use crate::error::{Error, Result};
use crate::records::Record;

/// Rows per record batch unless set otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 64 * 1024;

/// Arrow record batches of a list of Parquet files, in order.
///
/// By default one file is open at a time and batches are decoded as they are asked for.
/// [`BatchReader::with_threads`] decodes up to that many whole files ahead on their own
/// threads (still yielding batches in file order), trading memory for throughput.
///
/// Batches keep the file's columns and schema metadata (`venue`, `symbol`, `seed`, `table`,
/// `segment`, `aleatoric_version`); hive partition values are not added as columns.
pub struct BatchReader {
    files: VecDeque<(String, PathBuf)>,
    options: FileOptions,
    threads: usize,
    current: Option<OpenFile>,
    pending: VecDeque<JoinHandle<Result<Vec<RecordBatch>>>>,
    ready: VecDeque<RecordBatch>,
}

#[derive(Debug, Clone, Copy)]
struct FileOptions {
    batch_size: usize,
    dictionary_strings: bool,
}

struct OpenFile {
    rel: String,
    schema: SchemaRef,
    reader: ParquetRecordBatchReader,
}

impl OpenFile {
    fn open(rel: String, path: &Path, options: FileOptions) -> Result<OpenFile> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let parquet = |source| Error::Parquet {
            path: rel.clone(),
            source,
        };
        let mut metadata =
            ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(parquet)?;
        if options.dictionary_strings {
            if let Some(schema) = with_dictionary_strings(metadata.schema()) {
                let reader_options = ArrowReaderOptions::new().with_schema(Arc::new(schema));
                metadata =
                    ArrowReaderMetadata::try_new(metadata.metadata().clone(), reader_options)
                        .map_err(parquet)?;
            }
        }
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
        // The builder's schema carries the file's metadata; the batches' own schema does not.
        let schema = builder.schema().clone();
        let reader = builder
            .with_batch_size(options.batch_size)
            .build()
            .map_err(parquet)?;
        Ok(OpenFile {
            rel,
            schema,
            reader,
        })
    }

    fn next_batch(&mut self) -> Option<Result<RecordBatch>> {
        let parquet = |source| Error::Parquet {
            path: self.rel.clone(),
            source,
        };
        Some(match self.reader.next()? {
            Ok(batch) => batch
                .with_schema(self.schema.clone())
                .map_err(|e| parquet(e.into())),
            Err(e) => Err(parquet(e.into())),
        })
    }

    fn read_all(mut self) -> Result<Vec<RecordBatch>> {
        let mut out = Vec::new();
        while let Some(batch) = self.next_batch() {
            out.push(batch?);
        }
        Ok(out)
    }
}

/// The schema with every string column read as a dictionary of its (few) values.
fn with_dictionary_strings(schema: &Schema) -> Option<Schema> {
    let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let mut changed = false;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            if f.data_type() == &DataType::Utf8 {
                changed = true;
                f.as_ref().clone().with_data_type(dictionary.clone())
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    changed.then(|| Schema::new_with_metadata(fields, schema.metadata().clone()))
}

impl BatchReader {
    /// Read `files`, each given as (path relative to the dataset root, full path).
    pub fn new(files: Vec<(String, PathBuf)>) -> BatchReader {
        BatchReader {
            files: files.into(),
            options: FileOptions {
                batch_size: DEFAULT_BATCH_SIZE,
                dictionary_strings: false,
            },
            threads: 1,
            current: None,
            pending: VecDeque::new(),
            ready: VecDeque::new(),
        }
    }

    /// Set the number of rows per batch (the last batch of each file may be smaller).
    pub fn with_batch_size(mut self, rows: usize) -> BatchReader {
        self.options.batch_size = rows.max(1);
        self
    }

    /// Read string columns (`side`, `action`) as `Dictionary(Int32, Utf8)` arrays: the
    /// Parquet files store them dictionary-encoded, so this skips building one string per
    /// row. The typed readers use it; off by default, where batches have the canonical types.
    pub fn with_dictionary_strings(mut self, on: bool) -> BatchReader {
        self.options.dictionary_strings = on;
        self
    }

    /// Decode up to `threads` files at once, each on its own thread, whole files ahead of
    /// the consumer (1, the default: one file at a time, batch by batch, on the caller's
    /// thread). Batches still come in file order.
    pub fn with_threads(mut self, threads: usize) -> BatchReader {
        self.threads = threads.max(1);
        self
    }

    fn spawn_next(&mut self) {
        if let Some((rel, path)) = self.files.pop_front() {
            let options = self.options;
            self.pending.push_back(std::thread::spawn(move || {
                OpenFile::open(rel, &path, options)?.read_all()
            }));
        }
    }

    fn fail(&mut self, e: Error) -> Option<Result<RecordBatch>> {
        // After an error the reader ends: drop what is left (threads finish on their own).
        self.files.clear();
        self.pending.clear();
        self.ready.clear();
        self.current = None;
        Some(Err(e))
    }

    fn next_threaded(&mut self) -> Option<Result<RecordBatch>> {
        while self.pending.len() < self.threads && !self.files.is_empty() {
            self.spawn_next();
        }
        loop {
            if let Some(batch) = self.ready.pop_front() {
                return Some(Ok(batch));
            }
            let handle = self.pending.pop_front()?;
            self.spawn_next();
            match handle.join() {
                Ok(Ok(batches)) => self.ready = batches.into(),
                Ok(Err(e)) => return self.fail(e),
                Err(_) => {
                    return self.fail(Error::Invalid("a Parquet reader thread panicked".into()))
                }
            }
        }
    }
}

impl Iterator for BatchReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.threads > 1 {
            return self.next_threaded();
        }
        loop {
            if let Some(file) = &mut self.current {
                match file.next_batch() {
                    Some(Ok(batch)) => return Some(Ok(batch)),
                    Some(Err(e)) => return self.fail(e),
                    None => self.current = None,
                }
            }
            let (rel, path) = self.files.pop_front()?;
            match OpenFile::open(rel, &path, self.options) {
                Ok(file) => self.current = Some(file),
                Err(e) => return self.fail(e),
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
