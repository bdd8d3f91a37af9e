//! Signed provenance: the DSSE envelope over the in-toto statement (docs/provenance.md).
//!
//! [`verify_dataset`] checks what `aleatoric verify` checks, in the same order, and reports
//! the same problems in the same words: the envelope and its signature, the statement's
//! shape, every file's SHA-256 and that no file was added, then the manifest against the
//! files. The first stage that fails stops verification with every problem of that stage.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::manifest::MANIFEST_NAME;

/// The signed envelope's file name at the dataset root (one JSON line).
pub const PROVENANCE_NAME: &str = "provenance.intoto.jsonl";
/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The in-toto statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The SLSA provenance predicate type.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";

/// The DSSE v1 pre-authentication encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP
/// body`, lengths as ASCII decimal byte counts. Signatures cover these bytes.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// A public key that can check dataset signatures: ECDSA P-256 (SHA-256) or Ed25519.
#[derive(Debug, Clone)]
pub enum PublicKey {
    /// ECDSA on NIST P-256 with SHA-256; signatures are DER-encoded.
    EcdsaP256(p256::ecdsa::VerifyingKey),
    /// Ed25519; signatures are the raw 64 bytes.
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    /// Parse a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
    ///
    /// `what` names the source in error messages (a path, usually).
    pub fn from_pem(pem: &str, what: &str) -> Result<PublicKey> {
        use ed25519_dalek::pkcs8::DecodePublicKey as _;
        if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(PublicKey::EcdsaP256(key));
        }
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            return Ok(PublicKey::Ed25519(key));
        }
        if pem.contains("PRIVATE KEY") {
            return Err(Error::Key(format!(
                "{what}: is a private key; pass the public key"
            )));
        }
        if pem.contains("-----BEGIN PUBLIC KEY-----") {
            return Err(Error::Key(format!(
                "{what}: unsupported public key type; allowed: ecdsa-p256, ed25519"
            )));
        }
        Err(Error::Key(format!("{what}: not a PEM public key")))
    }

    /// Read a PEM public key file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<PublicKey> {
        let path = path.as_ref();
        let what = path.display().to_string();
        let data = fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Key(format!("{what}: no such public key file")),
            _ => Error::Key(format!("{what}: cannot read public key ({e})")),
        })?;
        let text = String::from_utf8_lossy(&data);
        PublicKey::from_pem(&text, &what)
    }

    /// The DER SubjectPublicKeyInfo encoding.
    pub fn to_der(&self) -> Vec<u8> {
        use ed25519_dalek::pkcs8::EncodePublicKey as _;
        let doc = match self {
            PublicKey::EcdsaP256(k) => k.to_public_key_der(),
            PublicKey::Ed25519(k) => k.to_public_key_der(),
        };
        doc.expect("a valid key always encodes").as_bytes().to_vec()
    }

    /// The key id: hex SHA-256 of the DER SubjectPublicKeyInfo (a hint, never trusted alone).
    pub fn key_id(&self) -> String {
        hex(&Sha256::digest(self.to_der()))
    }

    /// The algorithm name as `aleatoric keygen --algorithm` spells it.
    pub fn algorithm(&self) -> &'static str {
        match self {
            PublicKey::EcdsaP256(_) => "ecdsa-p256",
            PublicKey::Ed25519(_) => "ed25519",
        }
    }

    /// Whether `signature` is this key's signature of `message`.
    pub fn verifies(&self, signature: &[u8], message: &[u8]) -> bool {
        match self {
            PublicKey::EcdsaP256(key) => {
                use p256::ecdsa::signature::Verifier as _;
                match p256::ecdsa::DerSignature::try_from(signature) {
                    Ok(sig) => key.verify(message, &sig).is_ok(),
                    Err(_) => false,
                }
            }
            PublicKey::Ed25519(key) => match ed25519_dalek::Signature::from_slice(signature) {
                Ok(sig) => key.verify_strict(message, &sig).is_ok(),
                Err(_) => false,
            },
        }
    }
}

/// What a successful verification checked.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The dataset directory.
    pub root: PathBuf,
    /// The id of the key whose signature verified.
    pub key_id: String,
    /// Every verified file, `manifest.json` included, sorted.
    pub subjects: Vec<String>,
    /// The verified in-toto statement.
    pub statement: Map<String, Value>,
}

impl VerifyReport {
    /// The number of files verified (what `aleatoric verify` prints).
    pub fn files(&self) -> usize {
        self.subjects.len()
    }
}

fn fail<T>(problem: impl Into<String>) -> Result<T> {
    Err(Error::Verify(vec![problem.into()]))
}

/// Python's `repr` of a JSON value, so that messages read as `aleatoric verify` prints them.
fn py_repr(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "None".into(),
        Some(Value::Bool(b)) => if *b { "True" } else { "False" }.into(),
        Some(Value::String(s)) => py_str_repr(s),
        Some(other) => other.to_string(),
    }
}

fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn b64decode(value: &str, field: &str) -> Result<Vec<u8>> {
    // DSSE allows standard or URL-safe base64; padding is required, as Python's decoder does.
    let config = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical);
    // Like Python's `b64decode(altchars=b"-_")`: URL-safe characters map onto `+` and `/`.
    let value = value.replace('-', "+").replace('_', "/");
    GeneralPurpose::new(&alphabet::STANDARD, config)
        .decode(value)
        .map_err(|_| Error::Verify(vec![format!("envelope: {field} is not valid base64")]))
}

/// Python's `str.splitlines` boundaries.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Read the DSSE envelope in `root/provenance.intoto.jsonl`.
pub fn read_envelope(root: &Path) -> Result<Map<String, Value>> {
    let path = root.join(PROVENANCE_NAME);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return fail(format!(
                "{PROVENANCE_NAME}: not found; the dataset is not signed"
            ))
        }
        Err(e) => return fail(format!("{PROVENANCE_NAME}: cannot read ({e})")),
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return fail(format!("{PROVENANCE_NAME}: cannot read ({e})")),
    };
    let lines: Vec<&str> = text
        .split(is_line_break)
        .filter(|l| !l.trim().is_empty())
        .collect();
    if lines.len() != 1 {
        return fail(format!(
            "{PROVENANCE_NAME}: expected one envelope line, found {}",
            lines.len()
        ));
    }
    match serde_json::from_str::<Value>(lines[0]) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => fail(format!("{PROVENANCE_NAME}: not a JSON object")),
        Err(_) => fail(format!("{PROVENANCE_NAME}: not valid JSON")),
    }
}

/// Check that `key` signed `envelope`; return the statement it carries.
///
/// A signature counts if its `keyid` is absent, empty or the key's id, and it verifies over
/// the PAE of the payload type and payload. One such signature is enough.
pub fn verify_envelope(
    envelope: &Map<String, Value>,
    key: &PublicKey,
) -> Result<Map<String, Value>> {
    let (Some(Value::String(kind)), Some(Value::String(payload))) =
        (envelope.get("payloadType"), envelope.get("payload"))
    else {
        return fail("envelope: payloadType and payload must be strings");
    };
    if kind != PAYLOAD_TYPE {
        return fail(format!(
            "envelope: payloadType is {}, expected {}",
            py_str_repr(kind),
            py_str_repr(PAYLOAD_TYPE)
        ));
    }
    let signatures = match envelope.get("signatures") {
        Some(Value::Array(s)) if !s.is_empty() => s,
        _ => return fail("envelope: signatures must be a non-empty list"),
    };
    let body = b64decode(payload, "payload")?;
    let message = pae(kind, &body);
    let expected = key.key_id();
    let mut others: Vec<&str> = Vec::new();
    let mut verified = false;
    for (i, entry) in signatures.iter().enumerate() {
        let Some(Value::String(sig)) = entry.get("sig") else {
            return fail(format!("envelope: signatures[{i}] needs a sig string"));
        };
        let keyid = match entry.get("keyid") {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Bool(false)) => "",
            Some(Value::Number(n)) if n.as_f64() == Some(0.0) => "",
            Some(Value::Array(a)) if a.is_empty() => "",
            Some(Value::Object(o)) if o.is_empty() => "",
            Some(_) => return fail(format!("envelope: signatures[{i}].keyid must be a string")),
        };
        if !keyid.is_empty() && keyid != expected {
            others.push(keyid);
            continue;
        }
        if key.verifies(&b64decode(sig, &format!("signatures[{i}].sig"))?, &message) {
            verified = true;
            break;
        }
    }
    if !verified {
        let reason = if others.len() == signatures.len() {
            format!(
                ": the envelope is signed only by key(s) {}",
                others.join(", ")
            )
        } else {
            String::new()
        };
        return fail(format!(
            "signature does not verify with key {expected}{reason}"
        ));
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return fail("envelope: payload is not UTF-8 JSON");
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(statement)) => Ok(statement),
        Ok(_) => fail("envelope: payload is not a JSON object"),
        Err(_) => fail("envelope: payload is not UTF-8 JSON"),
    }
}

/// The SHA-256 per subject name of a statement, after checking its type and shape.
pub fn subject_digests(
    statement: &Map<String, Value>,
) -> Result<std::collections::BTreeMap<String, String>> {
    if statement.get("_type").and_then(Value::as_str) != Some(STATEMENT_TYPE) {
        return fail(format!(
            "statement: _type is {}, expected {}",
            py_repr(statement.get("_type")),
            py_str_repr(STATEMENT_TYPE)
        ));
    }
    if statement.get("predicateType").and_then(Value::as_str) != Some(PREDICATE_TYPE) {
        return fail(format!(
            "statement: predicateType is {}, expected {}",
            py_repr(statement.get("predicateType")),
            py_str_repr(PREDICATE_TYPE)
        ));
    }
    let subjects = match statement.get("subject") {
        Some(Value::Array(s)) if !s.is_empty() => s,
        _ => return fail("statement: subject must be a non-empty list"),
    };
    let mut digests = std::collections::BTreeMap::new();
    for (i, subject) in subjects.iter().enumerate() {
        let name = subject.get("name").and_then(Value::as_str);
        let sha = subject
            .get("digest")
            .and_then(|d| d.get("sha256"))
            .and_then(Value::as_str);
        let (Some(name), Some(sha)) = (name, sha) else {
            return fail(format!(
                "statement: subject[{i}] needs a name and a sha256 digest"
            ));
        };
        if digests.insert(name.to_owned(), sha.to_owned()).is_some() {
            return fail(format!("statement: subject {name} appears twice"));
        }
    }
    Ok(digests)
}

/// Every file under `root` except the root's provenance file, as sorted `/`-separated
/// relative paths. Symbolic links and other non-regular entries are refused: they cannot be
/// attested by their bytes.
pub fn dataset_files(root: &Path) -> Result<Vec<String>> {
    if !root.is_dir() {
        return fail(format!("{}: not a directory", root.display()));
    }
    let mut found = Vec::new();
    let mut odd = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| {
            let at = if prefix.is_empty() {
                root.display().to_string()
            } else {
                prefix.clone()
            };
            Error::Verify(vec![format!("{at}: cannot list ({e})")])
        })?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::Verify(vec![format!("{prefix}: cannot list ({e})")]))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
            if kind.is_symlink() {
                odd.push(rel);
            } else if kind.is_dir() {
                stack.push((entry.path(), rel));
            } else if rel == PROVENANCE_NAME {
                continue;
            } else if kind.is_file() {
                found.push(rel);
            } else {
                odd.push(rel);
            }
        }
    }
    if !odd.is_empty() {
        odd.sort();
        return Err(Error::Verify(
            odd.into_iter()
                .map(|r| format!("{r}: not a regular file"))
                .collect(),
        ));
    }
    found.sort();
    Ok(found)
}

/// Hex SHA-256 of a file, read in 1 MiB blocks.
pub fn file_sha256(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn rel_path(root: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part))
}

/// Read `manifest.json` as raw JSON with the SHA-256 of the very bytes parsed.
fn read_manifest_json(root: &Path) -> Result<(Map<String, Value>, String)> {
    let raw = match fs::read(root.join(MANIFEST_NAME)) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return fail(format!("{MANIFEST_NAME}: not found in {}", root.display()))
        }
        Err(e) => return fail(format!("{MANIFEST_NAME}: cannot read ({e})")),
    };
    let manifest = match serde_json::from_slice::<Value>(&raw) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return fail(format!("{MANIFEST_NAME}: not a JSON object")),
        Err(e) => return fail(format!("{MANIFEST_NAME}: not valid JSON ({e})")),
    };
    let missing: Vec<String> = ["config", "seed", "engine", "libraries", "files"]
        .iter()
        .filter(|k| !manifest.contains_key(**k))
        .map(|k| format!("{MANIFEST_NAME}: missing field '{k}'"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Verify(missing));
    }
    let ok = manifest["files"].as_array().is_some_and(|files| {
        files.iter().all(|f| {
            f.get("path").is_some_and(Value::is_string)
                && f.get("sha256").is_some_and(Value::is_string)
        })
    });
    if !ok {
        return fail(format!(
            "{MANIFEST_NAME}: files must be a list of {{path, sha256, ...}}"
        ));
    }
    Ok((manifest, hex(&Sha256::digest(&raw))))
}

/// JSON equality as Python compares the parsed values (1 == 1.0, True == 1).
fn json_eq(a: &Value, b: &Value) -> bool {
    fn num(v: &Value) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => num(a) == num(b),
        (Value::Number(_), Value::Number(_)) => a == b,
        (Value::Bool(_), Value::Number(_)) | (Value::Number(_), Value::Bool(_)) => num(a) == num(b),
        _ => a == b,
    }
}

fn check_manifest(
    root: &Path,
    statement: &Map<String, Value>,
    actual: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<String>> {
    let (manifest, digest) = read_manifest_json(root)?;
    if Some(&digest) != actual.get(MANIFEST_NAME) {
        return Ok(vec![format!("{MANIFEST_NAME}: sha256 mismatch")]);
    }
    let mut problems = Vec::new();
    for (i, entry) in manifest["files"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = entry["path"].as_str().unwrap_or_default();
        let place = format!("{MANIFEST_NAME}: files[{i}] ({path})");
        match actual.get(path) {
            None => problems.push(format!("{place}: file is not in the provenance statement")),
            Some(sha) if entry["sha256"].as_str() != Some(sha) => {
                problems.push(format!("{place}: sha256 does not match the file"))
            }
            Some(_) => {
                if let Some(bytes) = entry.get("bytes") {
                    let file = rel_path(root, path);
                    let size = fs::metadata(&file).map_err(|e| Error::io(&file, e))?.len();
                    if !json_eq(bytes, &Value::from(size)) {
                        problems.push(format!("{place}: bytes does not match the file size"));
                    }
                }
            }
        }
    }
    let mut external = Some(&Value::Null);
    let statement_value = Value::Object(statement.clone());
    external = external.and(Some(&statement_value));
    for key in ["predicate", "buildDefinition", "externalParameters"] {
        external = external
            .and_then(|v| v.as_object())
            .and_then(|m| m.get(key));
    }
    let empty = Map::new();
    let external = external.and_then(Value::as_object).unwrap_or(&empty);
    for field in ["config", "seed"] {
        if !json_eq(
            external.get(field).unwrap_or(&Value::Null),
            &manifest[field],
        ) {
            problems.push(format!(
                "statement: predicate.buildDefinition.externalParameters.{field} does not match {MANIFEST_NAME}"
            ));
        }
    }
    Ok(problems)
}

/// Verify the signed dataset at `root` with `key`, as `aleatoric verify` does.
///
/// # Errors
/// [`Error::Verify`] with every problem of the first failing stage, each naming its file or
/// field, e.g. `"extra file not in provenance: x.parquet"`; [`Error::Io`] if a file that
/// was listed cannot be read.
pub fn verify_dataset(root: impl AsRef<Path>, key: &PublicKey) -> Result<VerifyReport> {
    let root = root.as_ref();
    if !root.is_dir() {
        return fail(format!("{}: not a directory", root.display()));
    }
    let statement = verify_envelope(&read_envelope(root)?, key)?;
    let signed = subject_digests(&statement)?;
    let present: std::collections::BTreeSet<String> = dataset_files(root)?.into_iter().collect();
    let mut problems = Vec::new();
    let mut actual = std::collections::BTreeMap::new();
    if !signed.contains_key(MANIFEST_NAME) {
        problems.push(format!(
            "{MANIFEST_NAME}: not a subject of the provenance statement"
        ));
    }
    for (name, sha) in &signed {
        if !present.contains(name) {
            problems.push(format!("{name}: missing (signed, but not on disk)"));
            continue;
        }
        let digest = file_sha256(&rel_path(root, name))?;
        if &digest != sha {
            problems.push(format!("{name}: sha256 mismatch"));
        }
        actual.insert(name.clone(), digest);
    }
    problems.extend(
        present
            .iter()
            .filter(|p| !signed.contains_key(*p))
            .map(|p| format!("extra file not in provenance: {p}")),
    );
    if problems.is_empty() {
        problems = check_manifest(root, &statement, &actual)?;
    }
    if !problems.is_empty() {
        return Err(Error::Verify(problems));
    }
    Ok(VerifyReport {
        root: root.to_path_buf(),
        key_id: key.key_id(),
        subjects: signed.into_keys().collect(),
        statement,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_vector() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn base64_accepts_both_alphabets_and_rejects_garbage() {
        assert_eq!(b64decode("+/8=", "x").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(b64decode("-_8=", "x").unwrap(), vec![0xfb, 0xff]);
        assert!(b64decode("a b=", "x").is_err());
        assert_eq!(b64decode("+_8=", "x").unwrap(), vec![0xfb, 0xff]);
        assert!(b64decode("+/8", "x").is_err());
    }

    #[test]
    fn python_reprs() {
        assert_eq!(py_repr(Some(&Value::from("a'b"))), "\"a'b\"");
        assert_eq!(py_repr(Some(&Value::from("ab"))), "'ab'");
        assert_eq!(py_repr(None), "None");
        assert!(json_eq(&Value::from(1), &serde_json::json!(1.0)));
        assert!(!json_eq(&Value::from(1), &Value::from("1")));
    }
}
