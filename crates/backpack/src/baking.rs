//! `backpack bake` and `backpack unbake`.

use crate::io::{read_limited, write_atomic};
use anyhow::{bail, Context};
use backpack_bake::Payload;
use backpack_credentials::json::parse_limited;
use backpack_credentials::limits::MAX_CREDENTIAL_BYTES;
use std::path::Path;
use std::process::ExitCode;

pub fn bake(image: &Path, credential: &Path, output: &Path) -> anyhow::Result<ExitCode> {
    let img = read_limited(
        &image.to_string_lossy(),
        backpack_bake::limits::MAX_IMAGE_BYTES,
    )?;
    let cred = read_limited(&credential.to_string_lossy(), MAX_CREDENTIAL_BYTES)?;
    let text = std::str::from_utf8(&cred)
        .with_context(|| format!("{} is not UTF-8 text", credential.display()))?
        .trim();
    let payload = if text.starts_with('{') {
        let v = parse_limited(text.as_bytes())
            .with_context(|| format!("{} is not a JSON credential", credential.display()))?;
        if v.get("proof").is_none() {
            bail!(
                "{} has no proof: sign it first (backpack sign)",
                credential.display()
            );
        }
        Payload::Json(text)
    } else if text.split('.').count() == 3 && text.starts_with("ey") {
        Payload::Jws(text)
    } else {
        bail!(
            "{} is neither a JSON credential nor a compact JWT",
            credential.display()
        );
    };
    let baked = backpack_bake::bake(&img, payload)
        .with_context(|| format!("cannot bake into {}", image.display()))?;
    write_atomic(output, &baked, false)?;
    Ok(ExitCode::SUCCESS)
}

pub fn unbake(image: &Path) -> anyhow::Result<ExitCode> {
    let img = read_limited(
        &image.to_string_lossy(),
        backpack_bake::limits::MAX_IMAGE_BYTES,
    )?;
    let baked = backpack_bake::unbake(&img).with_context(|| format!("{}", image.display()))?;
    println!("{}", baked.text.trim());
    Ok(ExitCode::SUCCESS)
}
