//! A blocking client of the job service's HTTP API (`aleatoric serve`).
//!
//! [`Client::generate`] submits a config as one job, follows it while the service's workers
//! compute its chunks, then downloads the published dataset: `manifest.json`, every file it
//! lists (each streamed to disk and checked against the manifest's SHA-256 and size) and the
//! signature if the service signs. Files appear at the output directory only when the whole
//! dataset has been downloaded and checked, so the result is byte-identical to a local
//! `aleatoric generate` of the same config on the service's engine and library versions.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::manifest::{Manifest, MANIFEST_NAME};
use crate::provenance::{hex, rel_path, PROVENANCE_NAME};

/// Called with the job's record after each poll (`job.progress` counts segments done).
pub type Progress<'a> = &'a mut dyn FnMut(&Job);

/// Half-open range of segment indices `[start, stop)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRange {
    /// First segment.
    pub start: Option<u32>,
    /// One past the last segment.
    pub stop: Option<u32>,
}

/// Work done out of work asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    /// Segments computed.
    pub done: u64,
    /// Segments asked for.
    pub total: u64,
}

/// One chunk of a job: a range of segments run by one worker task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Chunk index.
    pub index: u32,
    /// Its segments.
    pub segments: SegmentRange,
    /// `queued`, `running`, `succeeded`, `failed` or `dead`.
    pub state: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Its segments done.
    pub progress: JobProgress,
    /// The last error, if any.
    #[serde(default)]
    pub error: Option<String>,
}

/// A job's record as `GET /v1/jobs/{id}` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// 32 hex digits.
    pub id: String,
    /// `queued`, `running`, `succeeded`, `failed` or `dead`.
    pub state: String,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// The canonical config.
    pub config: Map<String, Value>,
    /// Output formats.
    pub formats: Vec<String>,
    /// Whether it computes a segment range only (no dataset).
    pub partial: bool,
    /// Segments done out of segments asked for.
    pub progress: JobProgress,
    /// Per-chunk state.
    #[serde(default)]
    pub chunks: Vec<Chunk>,
    /// Summary of the published dataset (tables, files, bytes).
    #[serde(default)]
    pub result: Option<Value>,
    /// Where the manifest is once the dataset is published.
    #[serde(default)]
    pub manifest_url: Option<String>,
    /// Fields this crate does not know yet.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Job {
    /// Whether the job has ended, one way or the other.
    pub fn is_finished(&self) -> bool {
        matches!(self.state.as_str(), "succeeded" | "failed" | "dead")
    }
}

/// A client of the job service at one base URL.
///
/// ```no_run
/// use aleatoric::client::Client;
/// use serde_json::json;
///
/// let client = Client::new("http://127.0.0.1:8000", None);
/// let config = json!({"venue": "binance", "symbol": "BTCUSDT", "duration": "15m", "seed": 7});
/// let ds = client.generate(config.as_object().unwrap(), "data/btc", &mut |job| {
///     eprintln!("job {} {}: {}/{} segments", job.id, job.state, job.progress.done, job.progress.total);
/// })?;
/// ds.verify_files()?;
/// # Ok::<(), aleatoric::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    auth: Option<String>,
    agent: ureq::Agent,
    /// Seconds between two polls of a running job.
    pub poll: Duration,
    /// Give up waiting for a job after this long (`None`: wait as long as it runs).
    pub timeout: Option<Duration>,
}

impl Client {
    /// A client of the service at `url` (e.g. `http://127.0.0.1:8000`) with bearer key
    /// `api_key`, or `$ALEATORIC_API_KEY` when `None`. Connecting times out after 30 s, waiting for an
    /// answer or for the next bytes of a download after 60 s.
    pub fn new(url: &str, api_key: Option<&str>) -> Client {
        let key = api_key
            .map(str::to_owned)
            .or_else(|| std::env::var("ALEATORIC_API_KEY").ok());
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // No limit on a whole request: a large file may take long. Each phase and
            // each read of the body is bounded instead, so a stalled service fails.
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .build()
            .into();
        Client {
            base: url.trim_end_matches('/').to_owned(),
            auth: key.filter(|k| !k.is_empty()).map(|k| format!("Bearer {k}")),
            agent,
            poll: Duration::from_millis(250),
            timeout: None,
        }
    }

    /// The service's base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let url = format!("{}{path}", self.base);
        let transport = |e: ureq::Error| Error::Remote {
            status: 0,
            message: format!("{method} {url}: {e}"),
        };
        let response = match body {
            Some(json) => {
                let mut req = self.agent.post(&url);
                if let Some(auth) = &self.auth {
                    req = req.header("Authorization", auth);
                }
                req.send_json(json).map_err(transport)?
            }
            None => {
                let mut req = self.agent.get(&url);
                if let Some(auth) = &self.auth {
                    req = req.header("Authorization", auth);
                }
                req.call().map_err(transport)?
            }
        };
        let status = response.status().as_u16();
        if status < 400 {
            return Ok(response);
        }
        let reason = response
            .status()
            .canonical_reason()
            .unwrap_or("error")
            .to_owned();
        let text = response.into_body().read_to_string().unwrap_or_default();
        let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let errors: Vec<String> = parsed
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|e| {
                format!(
                    "{}: {}",
                    e.get("field").and_then(Value::as_str).unwrap_or("?"),
                    e.get("message").and_then(Value::as_str).unwrap_or("?")
                )
            })
            .collect();
        let message = if !errors.is_empty() {
            errors.join("; ")
        } else {
            match parsed.get("detail") {
                Some(Value::String(d)) => d.clone(),
                Some(other) => other.to_string(),
                None if !text.is_empty() => text,
                None => reason,
            }
        };
        Err(Error::Remote { status, message })
    }

    fn json<T: for<'de> Deserialize<'de>>(&self, path: &str, body: Option<&Value>) -> Result<T> {
        let text = self
            .request(path_method(body), path, body)?
            .into_body()
            .read_to_string()
            .map_err(|e| Error::Remote {
                status: 0,
                message: format!("{path}: {e}"),
            })?;
        serde_json::from_str(&text).map_err(|e| Error::Remote {
            status: 0,
            message: format!("{path}: unexpected answer ({e})"),
        })
    }

    /// Submit `config` (config fields as in a config file) as a job writing `formats`
    /// (`["parquet"]` if empty); return its record.
    ///
    /// # Errors
    /// [`Error::Remote`] with status 422 and every invalid field when the config is refused.
    pub fn submit(&self, config: &Map<String, Value>, formats: &[&str]) -> Result<Job> {
        let mut body = config.clone();
        let formats: Vec<&str> = if formats.is_empty() {
            vec!["parquet"]
        } else {
            formats.to_vec()
        };
        body.insert("formats".into(), Value::from(formats));
        self.json("/v1/jobs", Some(&Value::Object(body)))
    }

    /// A job's record: state, chunks and progress.
    pub fn job(&self, id: &str) -> Result<Job> {
        self.json(&format!("/v1/jobs/{id}"), None)
    }

    /// Poll a job until it ends; return its last record (of any final state).
    ///
    /// # Errors
    /// [`Error::Remote`] if the service fails to answer, [`Error::Invalid`] after
    /// [`Client::timeout`].
    pub fn wait(&self, id: &str, progress: Progress<'_>) -> Result<Job> {
        let began = Instant::now();
        loop {
            let job = self.job(id)?;
            progress(&job);
            if job.is_finished() {
                return Ok(job);
            }
            if let Some(limit) = self.timeout {
                if began.elapsed() > limit {
                    return Err(Error::Invalid(format!(
                        "job {id} still {} after {:.0} s",
                        job.state,
                        limit.as_secs_f64()
                    )));
                }
            }
            std::thread::sleep(self.poll);
        }
    }

    /// The raw bytes of a finished job's `manifest.json`.
    pub fn manifest_bytes(&self, id: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.download(&format!("/v1/jobs/{id}/manifest"), &mut out)?;
        Ok(out)
    }

    fn download(&self, path: &str, sink: &mut dyn Write) -> Result<(String, u64)> {
        let response = self.request("GET", path, None)?;
        let mut reader = response.into_body().into_reader();
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = reader.read(&mut buf).map_err(|e| Error::Remote {
                status: 0,
                message: format!("GET {path}: {e}"),
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            sink.write_all(&buf[..n]).map_err(|e| Error::io(path, e))?;
            total += n as u64;
        }
        Ok((hex(&hasher.finalize()), total))
    }

    /// Download a finished job's dataset into `out` (which must not exist), checking every
    /// file against the manifest. The files appear at `out` only when all are there.
    ///
    /// # Errors
    /// [`Error::Remote`] if a download fails or a file's SHA-256 or size differs from the
    /// manifest's; [`Error::Invalid`] if `out` exists.
    pub fn download_dataset(&self, id: &str, out: impl AsRef<Path>) -> Result<Dataset> {
        let out = out.as_ref();
        if out.exists() {
            return Err(Error::Invalid(format!(
                "{}: exists; the output directory must not",
                out.display()
            )));
        }
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let staging = staging_dir(out);
        let result = self.download_into(id, &staging);
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        fs::rename(&staging, out).map_err(|e| {
            let _ = fs::remove_dir_all(&staging);
            Error::io(out, e)
        })?;
        Dataset::open(out)
    }

    fn download_into(&self, id: &str, dir: &Path) -> Result<()> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let raw = self.manifest_bytes(id)?;
        let manifest: Manifest = serde_json::from_slice(&raw)
            .map_err(|e| Error::Manifest(format!("{MANIFEST_NAME} of job {id}: {e}")))?;
        for entry in &manifest.files {
            if entry
                .path
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
            {
                return Err(Error::Manifest(format!(
                    "{MANIFEST_NAME}: file path {:?} leaves the dataset",
                    entry.path
                )));
            }
            let target = rel_path(dir, &entry.path);
            if let Some(p) = target.parent() {
                fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
            }
            let mut file = fs::File::create(&target).map_err(|e| Error::io(&target, e))?;
            let (sha, bytes) =
                self.download(&format!("/v1/jobs/{id}/files/{}", entry.path), &mut file)?;
            if sha != entry.sha256 || bytes != entry.bytes {
                return Err(Error::Remote {
                    status: 0,
                    message: format!(
                        "{}: sha256 or size differs from {MANIFEST_NAME}",
                        entry.path
                    ),
                });
            }
        }
        // A service with a signing key publishes the envelope beside the files.
        let mut envelope = Vec::new();
        match self.download(
            &format!("/v1/jobs/{id}/files/{PROVENANCE_NAME}"),
            &mut envelope,
        ) {
            Ok(_) => write_file(&dir.join(PROVENANCE_NAME), &envelope)?,
            Err(Error::Remote { status: 404, .. }) => {}
            Err(e) => return Err(e),
        }
        write_file(&dir.join(MANIFEST_NAME), &raw)
    }

    /// Submit `config`, follow the job, and download its dataset into `out`: what
    /// `aleatoric generate --remote` gives, byte for byte. `progress` sees the job's record
    /// after each poll.
    ///
    /// # Errors
    /// [`Error::JobFailed`] if the job ends in `failed` or `dead`; see also
    /// [`Client::submit`] and [`Client::download_dataset`].
    pub fn generate(
        &self,
        config: &Map<String, Value>,
        out: impl AsRef<Path>,
        progress: Progress<'_>,
    ) -> Result<Dataset> {
        let out = out.as_ref();
        if out.exists() {
            return Err(Error::Invalid(format!(
                "{}: exists; the output directory must not",
                out.display()
            )));
        }
        let job = self.submit(config, &[])?;
        let job = self.wait(&job.id, progress)?;
        if job.state != "succeeded" {
            return Err(Error::JobFailed(format!(
                "job {} is {}: {}",
                job.id,
                job.state,
                job.error.as_deref().unwrap_or("no error given")
            )));
        }
        self.download_dataset(&job.id, out)
    }
}

fn path_method(body: Option<&Value>) -> &'static str {
    if body.is_some() {
        "POST"
    } else {
        "GET"
    }
}

fn staging_dir(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

fn write_file(path: &Path, data: &[u8]) -> Result<()> {
    fs::write(path, data).map_err(|e| Error::io(path, e))
}
