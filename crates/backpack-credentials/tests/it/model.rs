//! The typed model is lossless, and what we sign passes the 1EdTech schema.

use crate::common::*;
use crate::tamper::signed_sample;
use backpack_credentials::model::Credential;
use backpack_credentials::proof::SignSuite;
use backpack_credentials::sign::{Secured, SignFormat};
use serde_json::Value;

fn corpus_json_credentials(shared: &std::path::Path) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![shared.join("corpus")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let v: Value = match serde_json::from_slice(&std::fs::read(&p).unwrap()) {
                    Ok(v) => v,
                    Err(_) => continue,
                };
                let ctx = v.get("@context").map(|c| c.to_string()).unwrap_or_default();
                let ty = v.get("type").map(|c| c.to_string()).unwrap_or_default();
                let ob = ty.contains("OpenBadgeCredential")
                    || ty.contains("AchievementCredential")
                    || ty.contains("EndorsementCredential");
                if ob && (ctx.contains("credentials/v2") || ctx.contains("2018/credentials/v1")) {
                    out.push((p.display().to_string(), v));
                }
            }
        }
    }
    out
}

#[test]
fn every_corpus_credential_round_trips_through_the_typed_model() {
    let Some(shared) = shared() else { return };
    let all = corpus_json_credentials(&shared);
    assert!(all.len() >= 20, "found only {}", all.len());
    for (name, v) in all {
        let c = Credential::from_value(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(c.to_value(), v, "{name} changed on a round trip");
    }
    for f in [
        "unsigned.json",
        "eddsa-rdfc-2022/signedDataInt.json",
        "eddsa-jcs-2022/signedJCS.json",
    ] {
        let v = read_json(&shared.join("spec-data/vc-di-eddsa").join(f));
        assert_eq!(Credential::from_value(&v).unwrap().to_value(), v, "{f}");
    }
}

#[test]
fn typed_access_reads_the_achievement() {
    let (_, Secured::Json(doc)) =
        signed_sample(3, SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022))
    else {
        panic!()
    };
    let c = Credential::from_value(&doc).unwrap();
    assert!(c.has_type("OpenBadgeCredential"));
    assert!(c.issuer_id().unwrap().starts_with("did:key:"));
    let subject = c.credential_subject.as_ref().unwrap().first().unwrap();
    let backpack_credentials::model::IdOrObject::Object(a) = subject.achievement.as_ref().unwrap()
    else {
        panic!()
    };
    assert!(!a.name.as_ref().unwrap().as_str().is_empty());
    assert_eq!(subject.identifier.as_ref().unwrap()[0].hashed, Some(true));
}

fn schema_validator(shared: &std::path::Path) -> jsonschema::Validator {
    let schema = read_json(&shared.join("spec-data/ob-v3p0/schema/achievementcredential.json"));
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn everything_we_sign_validates_against_the_ob3_schema() {
    let Some(shared) = shared() else { return };
    let validator = schema_validator(&shared);
    for format in [
        SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
        SignFormat::DataIntegrity(SignSuite::EddsaJcs2022),
    ] {
        for i in 1..=12 {
            let (_, Secured::Json(doc)) = signed_sample(i, format) else {
                panic!()
            };
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "#{i}: {errors:?}");
        }
    }
}

#[test]
fn the_schema_check_can_fail() {
    let Some(shared) = shared() else { return };
    let validator = schema_validator(&shared);
    let (_, Secured::Json(mut doc)) =
        signed_sample(1, SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022))
    else {
        panic!()
    };
    doc.as_object_mut().unwrap().remove("credentialSubject");
    assert!(!validator.is_valid(&doc));
}

#[test]
fn a_date_with_a_multibyte_character_at_byte_19_is_reported_not_a_panic() {
    let (_, Secured::Json(mut doc)) =
        signed_sample(1, SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022))
    else {
        panic!()
    };
    doc["validFrom"] = "2025-01-01T09:00:0\u{e9}".into();
    let r = verify_offline(
        serde_json::to_string(&doc).unwrap().as_bytes(),
        corpus_day(),
    )
    .unwrap();
    assert_eq!(
        r.verdict,
        backpack_credentials::Verdict::Invalid,
        "{}",
        summary(&r)
    );
}
