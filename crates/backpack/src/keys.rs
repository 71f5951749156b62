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

/// `backpack key sign-challenge`: a compact JWS (EdDSA) whose payload is the
/// challenge, with the key's verification method as `kid`.
pub fn sign_challenge(key_file: &Path, challenge: &str) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    let bytes = crate::io::read_limited(&key_file.to_string_lossy(), 64 * 1024)?;
    let issuer = IssuerKey::from_key_file(&bytes)
        .with_context(|| format!("{} is not a key file", key_file.display()))?;
    let mut header = serde_json::Map::new();
    header.insert("kid".into(), issuer.verification_method.clone().into());
    let jws = backpack_crypto::jose::sign_compact_eddsa(
        &header,
        challenge.trim().as_bytes(),
        &issuer.key,
    );
    println!("{jws}");
    Ok(ExitCode::SUCCESS)
}
