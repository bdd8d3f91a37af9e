//! Generate a dataset on the job service and download it, checked file by file.
//!
//! ```text
//! cargo run --example fetch -- URL CONFIG.json OUT [PUBLIC_KEY.pem]
//! ```
//!
//! The API key comes from `$ALEATORIC_API_KEY`. Exit 0 when done, 2 on bad input (usage, a
//! config the service refuses: each invalid field is printed), 1 on any other failure. CONFIG.json holds config fields as in a
//! config file (`{"venue": "binance", "duration": "15m", "seed": 7}`). With a public key the
//! downloaded dataset's signature is verified as well.

use std::process::ExitCode;

use aleatoric::client::Client;
use aleatoric::PublicKey;

fn run(args: &[String]) -> aleatoric::Result<()> {
    let [url, config, out, rest @ ..] = args else {
        return Err(aleatoric::Error::Invalid(
            "usage: fetch URL CONFIG.json OUT [PUBLIC_KEY.pem]".into(),
        ));
    };
    let text = std::fs::read_to_string(config)
        .map_err(|e| aleatoric::Error::Invalid(format!("{config}: {e}")))?;
    let config: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| aleatoric::Error::Invalid(format!("{config}: not a JSON object ({e})")))?;
    let client = Client::new(url, None);
    let mut last = String::new();
    let ds = client.generate(&config, out, &mut |job| {
        let line = format!(
            "job {} {}: {}/{} segments",
            job.id, job.state, job.progress.done, job.progress.total
        );
        if line != last {
            eprintln!("{line}");
            last = line;
        }
    })?;
    ds.verify_files()?;
    println!(
        "downloaded {} files to {}",
        ds.manifest().files.len() + 1,
        ds.root().display()
    );
    if let Some(key) = rest.first() {
        let report = ds.verify_signature(&PublicKey::from_pem_file(key)?)?;
        println!(
            "verified {} files with key {}",
            report.files(),
            report.key_id
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            // Bad input (usage, a refused config: 422) is exit 2, as for the Python CLI.
            let bad_input = matches!(
                e,
                aleatoric::Error::Invalid(_) | aleatoric::Error::Remote { status: 422, .. }
            );
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}
