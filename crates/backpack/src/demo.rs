//! `backpack demo`: a guided tour of the credential engine on demo data.
//! Writes an issuer key, signed credentials (Data Integrity and VC-JWT), a
//! revoked credential with its status list, and baked PNG/SVG badges into a
//! folder, then verifies each and prints the verdicts.

use crate::io::{now, write_atomic};
use backpack_credentials::did::OfflineResolver;
use backpack_credentials::proof::{self, SignSuite};
use backpack_credentials::samples::open_badge_credential;
use backpack_credentials::sign::{prepare, sign, IssuerKey, Secured, SignFormat};
use backpack_credentials::status::{Bitstring, LocalStatusLists, MIN_LIST_BITS};
use backpack_credentials::{Processor, Report, Verifier};
use backpack_crypto::ed25519::SigningKey;
use serde_json::{json, Value};
use std::path::Path;
use std::process::ExitCode;

const BADGE_PNG: &[u8] = include_bytes!("../../../assets/badge.png");
const BADGE_SVG: &[u8] = include_bytes!("../../../assets/badge.svg");

fn line(name: &str, r: &Report) {
    println!(
        "  {:<28} {:<14} {}",
        name,
        format!(
            "{} ({})",
            r.verdict.code().replace('_', " "),
            r.verdict.colour()
        ),
        r.name.as_deref().unwrap_or("")
    );
}

/// Add an eddsa-rdfc-2022 proof to a prepared document and write it, pretty.
fn sign_and_write(
    doc: &Value,
    issuer: &IssuerKey,
    time: time::OffsetDateTime,
    path: &Path,
) -> anyhow::Result<Value> {
    let signed = proof::sign(
        Processor::shared(),
        doc,
        &issuer.key,
        &issuer.verification_method,
        SignSuite::EddsaRdfc2022,
        time,
    )?;
    write_atomic(
        path,
        serde_json::to_string_pretty(&signed)?.as_bytes(),
        false,
    )?;
    Ok(signed)
}

pub fn run(dir: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir)?;
    let processor = Processor::shared();
    let time = now();
    let key_path = dir.join("issuer-key.json");
    let issuer = if key_path.exists() {
        IssuerKey::from_key_file(&std::fs::read(&key_path)?)?
    } else {
        let k = IssuerKey::did_key(SigningKey::generate());
        write_atomic(
            &key_path,
            (serde_json::to_string_pretty(&k.to_key_file())? + "\n").as_bytes(),
            true,
        )?;
        k
    };
    println!("Issuer {}\n  key file: {}", issuer.did, key_path.display());

    let di = SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022);
    let mut signed = Vec::new();
    let mut lines = String::new();
    for i in 1..=6 {
        let doc = open_badge_credential(i, &issuer.did);
        if let Secured::Json(v) = sign(processor, &doc, &issuer, di, time)? {
            lines.push_str(&serde_json::to_string(&v)?);
            lines.push('\n');
            signed.push(v);
        }
    }
    write_atomic(&dir.join("signed.jsonl"), lines.as_bytes(), false)?;
    let jwt = match sign(
        processor,
        &open_badge_credential(7, &issuer.did),
        &issuer,
        SignFormat::Jwt,
        time,
    )? {
        Secured::Jwt(t) => t,
        Secured::Json(v) => v.to_string(),
    };
    write_atomic(&dir.join("credential.jwt"), jwt.as_bytes(), false)?;
    let first = serde_json::to_string_pretty(&signed[0])?;
    write_atomic(&dir.join("credential.json"), first.as_bytes(), false)?;
    let png = backpack_bake::bake(BADGE_PNG, backpack_bake::Payload::Json(&first))?;
    write_atomic(&dir.join("badge-baked.png"), &png, false)?;
    let svg = backpack_bake::bake(BADGE_SVG, backpack_bake::Payload::Jws(&jwt))?;
    write_atomic(&dir.join("badge-baked.svg"), &svg, false)?;

    // A revoked credential and the issuer's status list.
    let list_url = "https://issuer.example.org/status/1";
    let mut bits = Bitstring::new(MIN_LIST_BITS);
    bits.set(42, true)?;
    let list = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": proof::format_datetime(time),
        "credentialSubject": {"id": format!("{list_url}#list"), "type": "BitstringStatusList",
            "statusPurpose": "revocation", "encodedList": bits.encode()}
    });
    let list = sign_and_write(&list, &issuer, time, &dir.join("status-list.json"))?;
    let mut revoked = prepare(&open_badge_credential(8, &issuer.did), &issuer.did, time)?;
    revoked["credentialStatus"] = json!({"id": format!("{list_url}#42"), "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "42", "statusListCredential": list_url});
    let revoked = sign_and_write(&revoked, &issuer, time, &dir.join("revoked.json"))?;
    let mut tampered: Value = signed[1].clone();
    tampered["name"] = json!("Master of Everything");
    write_atomic(
        &dir.join("tampered.json"),
        serde_json::to_string_pretty(&tampered)?.as_bytes(),
        false,
    )?;

    let resolver = OfflineResolver::new();
    let mut lists = LocalStatusLists::new();
    lists.add(list);
    let verifier = Verifier {
        processor,
        resolver: &resolver,
        status_lists: &lists,
        now: time,
        deadline: &backpack_credentials::NoDeadline,
    };
    println!("\nVerification (offline, did:key, status list from status-list.json):");
    for (name, bytes) in [
        ("credential.json", first.as_bytes().to_vec()),
        ("credential.jwt", jwt.as_bytes().to_vec()),
        ("badge-baked.png", png),
        ("badge-baked.svg", svg),
        ("revoked.json", serde_json::to_vec(&revoked)?),
        ("tampered.json", serde_json::to_vec(&tampered)?),
    ] {
        let r = verifier.verify_bytes(&bytes)?;
        line(name, &r);
    }
    println!("\nFiles are in {}. Try:\n  backpack verify {}/signed.jsonl\n  backpack verify --status-list {0}/status-list.json {0}/revoked.json\n  backpack unbake {0}/badge-baked.png", dir.display(), dir.display());
    Ok(ExitCode::SUCCESS)
}
