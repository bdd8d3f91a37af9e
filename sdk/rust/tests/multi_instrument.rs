//! The multi-instrument test vector (expected.json's `multi_instrument`): instruments, their
//! files, rows per instrument and table, merged streams, and verification of every file.

use std::fs;
use std::path::{Path, PathBuf};

use aleatoric::{Dataset, Error, Grid, Instrument, PublicKey, Table, Trade};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

fn expected() -> Value {
    let text = fs::read_to_string(vectors().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).unwrap()
}

fn multi(expected: &Value) -> Vec<(String, Value)> {
    let all = expected["multi_instrument"]
        .as_object()
        .expect("expected.json: multi_instrument");
    assert!(!all.is_empty(), "no multi-instrument vector");
    all.iter().map(|(n, d)| (n.clone(), d.clone())).collect()
}

fn keys(expected: &Value) -> Vec<(String, PublicKey)> {
    expected["keys"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, path)| {
            let path = vectors().join(path.as_str().unwrap());
            (name.clone(), PublicKey::from_pem_file(path).unwrap())
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn instrument(want: &Value) -> Instrument {
    Instrument {
        venue: want["venue"].as_str().unwrap().to_owned(),
        symbol: want["symbol"].as_str().unwrap().to_owned(),
    }
}

#[test]
fn instruments_files_and_rows_per_instrument() {
    let expected = expected();
    for (name, want) in multi(&expected) {
        let ds = Dataset::open(vectors().join(&name)).unwrap();
        let listed: Vec<Instrument> = want["instruments"]
            .as_array()
            .unwrap()
            .iter()
            .map(instrument)
            .collect();
        assert!(listed.len() >= 2, "{name}");
        assert_eq!(ds.instruments(), listed, "{name}");
        assert_eq!(ds.manifest().instruments.len(), listed.len(), "{name}");
        assert_eq!(
            serde_json::to_value(ds.segments()).unwrap(),
            want["segments"],
            "{name}"
        );
        let files: Vec<Value> = ds
            .manifest()
            .files
            .iter()
            .map(|f| json!({"path": f.path, "table": f.table, "rows": f.rows, "bytes": f.bytes, "sha256": f.sha256}))
            .collect();
        assert_eq!(Value::from(files), want["files"], "{name}");
        for table in Table::ALL {
            assert_eq!(
                Value::from(ds.rows(table)),
                want["tables"][table.as_str()],
                "{name} {table}"
            );
            assert_eq!(
                ds.table_digest(table).map(Value::from).unwrap_or_default(),
                want["table_digests"][table.as_str()],
                "{name} {table}"
            );
        }
        for wi in want["instruments"].as_array().unwrap() {
            let inst = instrument(wi);
            let rules = ds
                .instrument_rules(&inst)
                .expect("rules of a listed instrument");
            assert_eq!(rules.lot_size, wi["lot_size"].as_str().unwrap(), "{inst}");
            assert_eq!(rules.tick_size, wi["tick_size"].as_str().unwrap(), "{inst}");
            let mut paths: Vec<String> = Table::ALL
                .iter()
                .flat_map(|t| ds.files(*t, Some(&inst)))
                .map(|f| f.path.clone())
                .collect();
            let mut want_paths: Vec<String> = wi["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect();
            paths.sort();
            want_paths.sort();
            assert_eq!(paths, want_paths, "{name} {inst}");
            for table in Table::ALL {
                let want_rows = &wi["tables"][table.as_str()];
                assert_eq!(
                    Value::from(ds.instrument_rows(table, &inst)),
                    *want_rows,
                    "{name} {inst} {table}"
                );
                // Read the rows, not just the manifest's counts.
                let mut read = 0usize;
                for batch in ds.batches(table, Some(&inst)) {
                    read += batch.unwrap().num_rows();
                }
                assert_eq!(Value::from(read), *want_rows, "{name} {inst} {table} read");
            }
            let trades: Vec<Trade> = ds.read(Some(&inst)).unwrap();
            assert_eq!(Value::from(trades.len()), wi["tables"]["trades"], "{inst}");
            let grid = rules.size_grid().unwrap();
            assert_eq!(grid, Grid::from_decimal(&rules.lot_size).unwrap());
            let mut hasher = Sha256::new();
            let mut events = 0u64;
            for event in ds.events(&inst) {
                let event = event.unwrap();
                let line = format!("{} {} {}\n", event.ts_recv(), event.seq(), event.table());
                hasher.update(line.as_bytes());
                events += 1;
            }
            assert_eq!(
                json!({"events": events, "sha256": hex(&hasher.finalize())}),
                wi["merged_stream"],
                "{name} {inst}"
            );
        }
    }
}

#[test]
fn a_multi_instrument_manifest_round_trips_in_its_own_form() {
    let expected = expected();
    for (name, _) in multi(&expected) {
        let ds = Dataset::open(vectors().join(&name)).unwrap();
        let written = serde_json::to_value(ds.manifest()).unwrap();
        let raw: Value =
            serde_json::from_slice(&fs::read(vectors().join(&name).join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(written, raw, "{name}");
        assert!(written.get("instrument").is_none());
    }
    let single = Dataset::open(vectors().join("binance-btcusdt")).unwrap();
    let written = serde_json::to_value(single.manifest()).unwrap();
    assert!(written.get("instruments").is_none() && written.get("instrument").is_some());
    assert_eq!(
        single.manifest().instruments,
        [single.manifest().instrument.clone()]
    );
}

fn verdict(dir: &Path, key: &PublicKey) -> Value {
    match Dataset::open(dir).unwrap().verify_signature(key) {
        Ok(report) => {
            json!({"ok": true, "exit": 0, "files": report.files(), "key_id": report.key_id})
        }
        Err(Error::Verify(problems)) => json!({"ok": false, "exit": 1, "problems": problems}),
        Err(other) => panic!("{}: {other}", dir.display()),
    }
}

fn manifest_check(dir: &Path) -> Value {
    let mismatched: Vec<String> = match Dataset::open(dir).unwrap().verify_files() {
        Ok(()) => vec![],
        Err(e) => e
            .problems()
            .iter()
            .map(|p| p.trim_end_matches(": sha256 mismatch").to_owned())
            .collect(),
    };
    json!({"ok": mismatched.is_empty(), "mismatched": mismatched})
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn every_file_of_every_instrument_is_verified() {
    let expected = expected();
    let keys = keys(&expected);
    for (name, want) in multi(&expected) {
        let dir = vectors().join(&name);
        for (key_name, key) in &keys {
            assert_eq!(
                verdict(&dir, key),
                want["verify"][key_name],
                "{name} {key_name}"
            );
        }
        assert_eq!(
            want["verify"][want["signed_with"].as_str().unwrap()]["ok"],
            true
        );
        assert_eq!(manifest_check(&dir), want["manifest_check"], "{name}");

        // The tampered case, applied to a scratch copy.
        let tampered = &want["tampered"];
        let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-tampered"));
        let _ = fs::remove_dir_all(&scratch);
        copy_dir(&dir, &scratch);
        let file = scratch.join(tampered["tampered"]["file"].as_str().unwrap());
        let mut bytes = fs::read(&file).unwrap();
        let offset = tampered["tampered"]["offset"].as_u64().unwrap() as usize;
        bytes[offset] ^= tampered["tampered"]["xor"].as_u64().unwrap() as u8;
        fs::write(&file, bytes).unwrap();
        for (key_name, key) in &keys {
            let have = verdict(&scratch, key);
            assert_eq!(have["ok"], false, "{name} tampered, {key_name}");
            assert_eq!(
                have, tampered["verify"][key_name],
                "{name} tampered, {key_name}"
            );
        }
        assert_eq!(
            manifest_check(&scratch),
            tampered["manifest_check"],
            "{name} tampered"
        );
        fs::remove_dir_all(&scratch).unwrap();
    }
}
