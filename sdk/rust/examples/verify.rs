//! Verify a dataset as `aleatoric verify` does, with the same output and exit codes.
//!
//! ```text
//! cargo run --example verify -- DIR --key PUBLIC_KEY.pem   # signature and every file
//! cargo run --example verify -- DIR                        # files against the manifest
//! ```
//!
//! Prints `verified N files` and exits 0; prints each problem on its own line (stderr,
//! `error: ` first) and exits 1
//! when verification fails; exits 2 on unusable input (a missing or unusable key, a
//! directory without `manifest.json`).

use std::process::ExitCode;

use aleatoric::{Dataset, Error, PublicKey};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, key) = match args.as_slice() {
        [dir] => (dir, None),
        [dir, flag, key] if flag == "--key" || flag == "-k" => (dir, Some(key)),
        _ => {
            eprintln!("usage: verify DIR [--key PUBLIC_KEY.pem]");
            return ExitCode::from(2);
        }
    };
    let ds = match Dataset::open(dir) {
        Ok(ds) => ds,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let outcome = match key {
        None => ds.verify_files().map(|()| ds.manifest().files.len()),
        Some(path) => match PublicKey::from_pem_file(path) {
            Ok(key) => ds.verify_signature(&key).map(|r| r.files()),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    match outcome {
        Ok(n) => {
            println!("verified {n} files");
            ExitCode::SUCCESS
        }
        Err(Error::Verify(problems)) => {
            for p in problems {
                eprintln!("error: {p}");
            }
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
