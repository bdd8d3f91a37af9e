//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while opening, reading, verifying or fetching a dataset.
///
/// Messages name the file or field at fault, in the words of the Python package where it has
/// an equivalent, so that a problem reads the same whichever language reported it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `manifest.json` (or another JSON document) is missing a field or malformed.
    Manifest(String),
    /// A Parquet file could not be decoded.
    Parquet {
        /// The file, relative to the dataset root.
        path: String,
        /// The underlying error.
        source: parquet::errors::ParquetError,
    },
    /// A table's columns are not the canonical schema (docs/schema.md).
    Schema(String),
    /// A key file is unusable: missing, not PEM, a private key, or an unsupported algorithm.
    Key(String),
    /// Verification failed: every problem of the first failing stage, each naming its file
    /// or field (the same messages as `aleatoric verify`).
    Verify(Vec<String>),
    /// The job service answered with an error (`status` 0: no HTTP answer at all).
    Remote {
        /// HTTP status, or 0 when the request did not get an answer.
        status: u16,
        /// What the service (or the transport) said.
        message: String,
    },
    /// A remote job ended in `failed` or `dead`.
    JobFailed(String),
    /// Input the caller gave is out of range; the message says which and what is allowed.
    Invalid(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The verification problems, if this is a [`Error::Verify`].
    pub fn problems(&self) -> &[String] {
        match self {
            Error::Verify(p) => p,
            _ => &[],
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Manifest(m) | Error::Schema(m) | Error::Key(m) | Error::Invalid(m) => {
                f.write_str(m)
            }
            Error::Parquet { path, source } => write!(f, "{path}: {source}"),
            Error::Verify(problems) => f.write_str(&problems.join("; ")),
            Error::Remote { status, message } => write!(f, "{status}: {message}"),
            Error::JobFailed(m) => write!(f, "job failed: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Parquet { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
