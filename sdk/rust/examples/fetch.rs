//! Generate a dataset on the job service and download it, checked file by file.
//!
//! ```text
//! cargo run --example fetch -- URL CONFIG.json OUT [PUBLIC_KEY.pem]
//! ```
//!
//! The API key comes from `$ALEATORIC_API_KEY`. CONFIG.json holds config fields as in a
//! config file (`{"venue": "binance", "duration": "15m", "seed": 7}`). With a public key the
//! downloaded dataset's signature is verified as well.

use std::process::ExitCode;

use aleatoric::client::Client;
use aleatoric::PublicKey;

fn run(args: &[String]) -> aleatoric::Result<()> {
    let [url, config, out, rest @ ..] = args else {
        return Err(aleatoric::Error::Invalid("usage: fetch URL CONFIG.json OUT [PUBLIC_KEY.pem]".into()));
    };
    let text = std::fs::read_to_string(config).map_err(|e| aleatoric::Error::Invalid(format!("{config}: {e}")))?;
    let config: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| aleatoric::Error::Invalid(format!("{config}: not a JSON object ({e})")))?;
    let client = Client::new(url, None);
    let mut last = (u64::MAX, 0);
    let ds = client.generate(&config, out, &mut |done, total| {
        if (done, total) != last {
            eprintln!("segments {done}/{total}");
            last = (done, total);
        }
    })?;
    ds.verify_files()?;
    println!("downloaded {} files to {}", ds.manifest().files.len() + 1, ds.root().display());
    if let Some(key) = rest.first() {
        let report = ds.verify_signature(&PublicKey::from_pem_file(key)?)?;
        println!("verified {} files with key {}", report.files(), report.key_id);
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if matches!(e, aleatoric::Error::Invalid(_)) { 2 } else { 1 })
        }
    }
}
