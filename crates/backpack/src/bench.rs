//! `backpack bench`: signs and verifies N realistic OB 3.0 credentials
//! (eddsa-rdfc-2022) on one core and on all cores, and prints rates and peak
//! memory. `--stream S` also signs S credentials through the streaming batch
//! path (as `backpack sign` does with JSON Lines) to show memory stays flat.

use crate::io::now;
use crate::signing::BATCH;
use backpack_credentials::did::OfflineResolver;
use backpack_credentials::proof::SignSuite;
use backpack_credentials::samples::open_badge_credential;
use backpack_credentials::sign::{sign, IssuerKey, Secured, SignFormat};
use backpack_credentials::status::NoStatusLists;
use backpack_credentials::{Processor, Verifier};
use backpack_crypto::ed25519::SigningKey;
use rayon::prelude::*;
use serde_json::Value;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

/// Peak resident memory of this process (VmHWM), in MiB, where Linux tells.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn rate(n: usize, secs: f64) -> f64 {
    if secs > 0.0 {
        n as f64 / secs
    } else {
        0.0
    }
}

pub fn run(n: u64, stream: u64) -> anyhow::Result<ExitCode> {
    let processor = Processor::shared();
    let issuer = IssuerKey::did_key(SigningKey::from_seed(&[7u8; 32]));
    let time = now();
    let format = SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022);
    let threads = rayon::current_num_threads();
    let unsigned: Vec<Value> = (1..=n)
        .map(|i| open_badge_credential(i, &issuer.did))
        .collect();
    let sign_one = |doc: &Value| -> anyhow::Result<String> {
        match sign(processor, doc, &issuer, format, time)? {
            Secured::Json(v) => Ok(serde_json::to_string(&v)?),
            Secured::Jwt(t) => Ok(t),
        }
    };
    // Warm the context cache.
    sign_one(&unsigned[0])?;

    let t = Instant::now();
    let signed1: Vec<String> = unsigned
        .iter()
        .map(sign_one)
        .collect::<anyhow::Result<_>>()?;
    let sign_1 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let signed: Vec<String> = unsigned
        .par_iter()
        .map(sign_one)
        .collect::<anyhow::Result<_>>()?;
    let sign_p = t.elapsed().as_secs_f64();
    drop(signed1);
    drop(unsigned);
    let bytes: usize = signed.iter().map(String::len).sum();

    let resolver = OfflineResolver::new();
    let verifier = Verifier {
        processor,
        resolver: &resolver,
        status_lists: &NoStatusLists,
        now: time,
        deadline: &backpack_credentials::NoDeadline,
    };
    let verify_one = |s: &String| {
        verifier
            .verify_bytes(s.as_bytes())
            .map(|r| r.is_verified())
            .unwrap_or(false)
    };
    let t = Instant::now();
    let ok1 = signed.iter().filter(|s| verify_one(s)).count();
    let verify_1 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let okp = signed.par_iter().filter(|s| verify_one(s)).count();
    let verify_p = t.elapsed().as_secs_f64();
    let n = signed.len();
    if ok1 != n || okp != n {
        anyhow::bail!("only {ok1}/{n} (one core) and {okp}/{n} (all cores) verified: the benchmark is invalid");
    }
    // Where the time goes: canonicalisation alone, one core.
    let sample: Value = serde_json::from_str(&signed[0])?;
    let mut bare = sample.clone();
    if let Value::Object(m) = &mut bare {
        m.remove("proof");
    }
    let reps = 2000;
    let t = Instant::now();
    for _ in 0..reps {
        processor.canonicalize_document(&bare)?;
    }
    let canon_us = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
    let t = Instant::now();
    for _ in 0..reps {
        processor.to_rdf(&bare)?;
    }
    let to_rdf_us = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
    let quads = processor.to_rdf(&bare)?;
    let t = Instant::now();
    for _ in 0..reps {
        backpack_jsonld::canonicalize(&quads)?;
    }
    let rdfc_us = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
    let key = issuer.key.verifying_key();
    let sig = issuer
        .key
        .sign(b"0123456789012345678901234567890123456789012345678901234567890123");
    let t = Instant::now();
    for _ in 0..reps {
        key.verify(
            b"0123456789012345678901234567890123456789012345678901234567890123",
            &sig,
        )?;
    }
    let ed_us = t.elapsed().as_secs_f64() * 1e6 / reps as f64;

    println!("backpack bench: {n} OpenBadgeCredentials, eddsa-rdfc-2022, avg {} bytes signed, {threads} threads", bytes / n.max(1));
    println!("  sign    1 core : {:>9.1} cred/s", rate(n, sign_1));
    println!("  sign    {threads} cores: {:>9.1} cred/s", rate(n, sign_p));
    println!("  verify  1 core : {:>9.1} cred/s", rate(n, verify_1));
    println!(
        "  verify  {threads} cores: {:>9.1} cred/s",
        rate(n, verify_p)
    );
    println!(
        "  one document, one core: to_rdf {to_rdf_us:.1} µs + RDFC-1.0 {rdfc_us:.1} µs = {canon_us:.1} µs ({} quads); Ed25519 verify {ed_us:.1} µs",
        quads.len()
    );
    if let Some(m) = peak_rss_mib() {
        println!("  peak RSS: {m:.1} MiB (holds all {n} signed credentials in memory)");
    }
    drop(signed);

    if stream > 0 {
        let before = peak_rss_mib();
        let t = Instant::now();
        let mut sink = std::io::sink();
        let mut i = 0u64;
        while i < stream {
            let end = (i + BATCH as u64).min(stream);
            let lines: Vec<String> = (i + 1..=end)
                .into_par_iter()
                .map(|k| sign_one(&open_badge_credential(k, &issuer.did)))
                .collect::<anyhow::Result<_>>()?;
            for l in lines {
                sink.write_all(l.as_bytes())?;
            }
            i = end;
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "  stream-sign {stream}: {:.1} cred/s, peak RSS {:.1} MiB (before the stream: {:.1} MiB)",
            rate(stream as usize, secs),
            peak_rss_mib().unwrap_or(0.0),
            before.unwrap_or(0.0)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `backpack example`: N unsigned sample credentials, one per line.
pub fn example(n: u64, issuer: Option<&str>) -> anyhow::Result<ExitCode> {
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    for i in 1..=n {
        let mut doc = open_badge_credential(i, issuer.unwrap_or(""));
        if issuer.is_none() {
            if let Some(profile) = doc.get_mut("issuer").and_then(Value::as_object_mut) {
                profile.remove("id");
            }
        }
        writeln!(out, "{}", serde_json::to_string(&doc)?)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
