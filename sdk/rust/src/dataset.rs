//! A dataset directory: its manifest, files, digests, signature and tables.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::manifest::{
    FileEntry, Instrument, InstrumentRules, Manifest, Segment, Table, MANIFEST_FORMAT,
    MANIFEST_NAME,
};
use crate::provenance::{self, file_sha256, hex, rel_path, PublicKey, VerifyReport};
use crate::reader::{BatchReader, Records};
use crate::records::Record;
use crate::stream::EventStream;

/// An opened dataset: `DIR/manifest.json` plus the hive-partitioned Parquet files it lists.
///
/// ```no_run
/// use aleatoric::{Dataset, Trade};
///
/// let ds = Dataset::open("data/btc-calm")?;
/// ds.verify_files()?; // every file has the SHA-256 and size the manifest lists
/// for instrument in ds.instruments() {
///     let trades: Vec<Trade> = ds.read(Some(&instrument))?;
///     println!("{instrument}: {} trades", trades.len());
/// }
/// # Ok::<(), aleatoric::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dataset {
    root: PathBuf,
    manifest: Manifest,
    manifest_sha256: String,
}

impl Dataset {
    /// Open the dataset at `root` and parse its manifest.
    ///
    /// # Errors
    /// [`Error::Manifest`] if `manifest.json` is missing, is not valid JSON, lacks a field or
    /// has another `format` than [`MANIFEST_FORMAT`].
    pub fn open(root: impl AsRef<Path>) -> Result<Dataset> {
        let root = root.as_ref().to_path_buf();
        let path = root.join(MANIFEST_NAME);
        let raw = fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                Error::Manifest(format!("{MANIFEST_NAME}: not found in {}", root.display()))
            }
            _ => Error::io(&path, e),
        })?;
        let manifest: Manifest = serde_json::from_slice(&raw)
            .map_err(|e| Error::Manifest(format!("{MANIFEST_NAME}: {e}")))?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(Error::Manifest(format!(
                "{MANIFEST_NAME}: format must be {MANIFEST_FORMAT}, was {:?}",
                manifest.format
            )));
        }
        Ok(Dataset {
            root,
            manifest,
            manifest_sha256: hex(&Sha256::digest(&raw)),
        })
    }

    /// The dataset directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The parsed manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Hex SHA-256 of `manifest.json` as read by [`Dataset::open`].
    pub fn manifest_sha256(&self) -> &str {
        &self.manifest_sha256
    }

    /// Every instrument with at least one file, sorted by venue, then symbol; the manifest's
    /// own instruments if the dataset has no file at all.
    pub fn instruments(&self) -> Vec<Instrument> {
        let found: BTreeSet<Instrument> = self
            .manifest
            .files
            .iter()
            .filter_map(|f| f.partition())
            .map(|p| p.instrument)
            .collect();
        if found.is_empty() {
            let listed: BTreeSet<Instrument> = self
                .manifest
                .instruments
                .iter()
                .map(InstrumentRules::instrument)
                .collect();
            return listed.into_iter().collect();
        }
        found.into_iter().collect()
    }

    /// The manifest's rules of `instrument` (tick and lot size, contract value, funding), or
    /// `None` if the manifest lists no rules for it.
    pub fn instrument_rules(&self, instrument: &Instrument) -> Option<&InstrumentRules> {
        self.manifest
            .instruments
            .iter()
            .find(|r| r.venue == instrument.venue && r.symbol == instrument.symbol)
    }

    /// Rows of `table` of one instrument: the sum of the manifest's rows of its files.
    pub fn instrument_rows(&self, table: Table, instrument: &Instrument) -> u64 {
        self.files(table, Some(instrument))
            .iter()
            .map(|f| f.rows)
            .sum()
    }

    /// The tables the dataset was generated with, in canonical order (a table may have no
    /// rows, and then no file).
    pub fn tables(&self) -> Vec<Table> {
        Table::ALL
            .into_iter()
            .filter(|t| {
                self.manifest.tables.contains_key(t.as_str())
                    || self.manifest.files.iter().any(|f| f.table == t.as_str())
            })
            .collect()
    }

    /// Rows of `table` according to the manifest, over every instrument.
    pub fn rows(&self, table: Table) -> u64 {
        self.manifest
            .tables
            .get(table.as_str())
            .copied()
            .unwrap_or(0)
    }

    /// The segments of the generated time range.
    pub fn segments(&self) -> &[Segment] {
        &self.manifest.segments
    }

    /// The files of `table` (of one instrument, if given) in row order: by segment, then
    /// date.
    pub fn files(&self, table: Table, instrument: Option<&Instrument>) -> Vec<&FileEntry> {
        let mut files: Vec<&FileEntry> = self
            .manifest
            .files
            .iter()
            .filter(|f| f.table == table.as_str())
            .filter(|f| match instrument {
                None => true,
                Some(i) => f.partition().is_some_and(|p| &p.instrument == i),
            })
            .collect();
        files.sort_by_key(|f| {
            (
                f.partition().map(|p| (p.instrument, p.segment, p.date)),
                f.path.clone(),
            )
        });
        files
    }

    /// The per-table digest the manifest records in `table_digests`, recomputed from the
    /// files' `content_sha256`: SHA-256 of their hex digests concatenated in manifest order.
    /// `None` if the table has no file with a content digest.
    pub fn table_digest(&self, table: Table) -> Option<String> {
        let mut hasher = Sha256::new();
        let mut any = false;
        for f in self
            .manifest
            .files
            .iter()
            .filter(|f| f.table == table.as_str())
        {
            if let Some(content) = &f.content_sha256 {
                hasher.update(content.as_bytes());
                any = true;
            }
        }
        any.then(|| hex(&hasher.finalize()))
    }

    /// Full path of a file given relative to the root with `/` separators.
    pub fn path_of(&self, rel: &str) -> PathBuf {
        rel_path(&self.root, rel)
    }

    /// Check every file the manifest lists: present, a regular file, with the listed size
    /// and SHA-256.
    ///
    /// # Errors
    /// [`Error::Verify`] naming every file at fault (`"<path>: missing"`,
    /// `"<path>: sha256 mismatch"`, `"<path>: bytes does not match the file size"`).
    pub fn verify_files(&self) -> Result<()> {
        let mut problems = Vec::new();
        for entry in &self.manifest.files {
            let path = self.path_of(&entry.path);
            match fs::symlink_metadata(&path) {
                Err(_) => problems.push(format!("{}: missing", entry.path)),
                Ok(meta) if !meta.is_file() => {
                    problems.push(format!("{}: not a regular file", entry.path))
                }
                Ok(meta) if meta.len() != entry.bytes => problems.push(format!(
                    "{}: bytes does not match the file size",
                    entry.path
                )),
                Ok(_) => {
                    if file_sha256(&path)? != entry.sha256 {
                        problems.push(format!("{}: sha256 mismatch", entry.path));
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Verify(problems))
        }
    }

    /// Verify the signature and every file, as `aleatoric verify` does; see
    /// [`provenance::verify_dataset`].
    pub fn verify_signature(&self, key: &PublicKey) -> Result<VerifyReport> {
        provenance::verify_dataset(&self.root, key)
    }

    /// Arrow record batches of `table` (of one instrument, if given), in row order.
    pub fn batches(&self, table: Table, instrument: Option<&Instrument>) -> BatchReader {
        BatchReader::new(
            self.files(table, instrument)
                .into_iter()
                .map(|f| (f.path.clone(), self.path_of(&f.path)))
                .collect(),
        )
    }

    /// Typed records of `T`'s table (of one instrument, if given), streamed in row order.
    pub fn records<T: Record>(&self, instrument: Option<&Instrument>) -> Records<T> {
        Records::new(
            self.batches(T::TABLE, instrument)
                .with_dictionary_strings(true),
        )
    }

    /// Every record of `T`'s table (of one instrument, if given), in row order.
    pub fn read<T: Record>(&self, instrument: Option<&Instrument>) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for batch in self
            .batches(T::TABLE, instrument)
            .with_dictionary_strings(true)
        {
            T::decode(&batch?, &mut out)?;
        }
        Ok(out)
    }

    /// All tables of `instrument` merged into one stream ordered by `ts_recv`, then `seq`.
    pub fn events(&self, instrument: &Instrument) -> EventStream {
        EventStream::new(self, instrument)
    }
}
