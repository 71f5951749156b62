//! `backpack key generate`.

use crate::io::write_atomic;
use anyhow::bail;
use backpack_credentials::sign::IssuerKey;
use backpack_crypto::ed25519::SigningKey;
use std::path::Path;
use std::process::ExitCode;

pub fn generate(out: Option<&Path>, force: bool) -> anyhow::Result<ExitCode> {
    let issuer = IssuerKey::did_key(SigningKey::generate());
    let text = serde_json::to_string_pretty(&issuer.to_key_file())? + "\n";
    match out {
        Some(path) => {
            if path.exists() && !force {
                bail!("{} exists; use --force to overwrite it", path.display());
            }
            write_atomic(path, text.as_bytes(), true)?;
            println!("{}", issuer.did);
        }
        None => {
            print!("{text}");
            eprintln!("{}", issuer.did);
        }
    }
    Ok(ExitCode::SUCCESS)
}
