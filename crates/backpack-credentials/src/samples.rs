//! Realistic unsigned Open Badges 3.0 credentials, deterministic in
//! (issuer, index): for tests, benchmarks and demo data.
//!
//! The catalogue holds the text that breaks canonicalisation code: French
//! no-break spaces and typographic quotes, Arabic with Arabic-Indic digits,
//! an emoji outside the BMP, a Markdown narrative with newlines, and one
//! narrative in decomposed (NFD) Unicode, which must be signed as is.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

struct Sample {
    slug: &'static str,
    lang: &'static str,
    kind: &'static str,
    credits: f64,
    name: &'static str,
    description: &'static str,
    narrative: &'static str,
    alignment: &'static [(&'static str, &'static str, &'static str)],
}

const CATALOGUE: &[Sample] = &[
    Sample {
        slug: "securite-numerique",
        lang: "fr",
        kind: "Badge",
        credits: 1.5,
        name: "Sécurité numérique\u{a0}: les bases",
        description: "Applique les réflexes d’hygiène numérique — mots de passe, sauvegardes, hameçonnage.",
        narrative: "Quiz final réussi (≥\u{a0}80\u{a0}%) et atelier «\u{a0}Mon poste sécurisé\u{a0}» validé.",
        alignment: &[("Protéger les équipements", "DigComp", "4.1")],
    },
    Sample {
        slug: "tahlil-bayanat",
        lang: "ar",
        kind: "Course",
        credits: 3.0,
        name: "مدخل إلى تحليل البيانات",
        description: "ينظّف البيانات ويحلّلها ويعرض النتائج بوضوح.",
        narrative: "إنجاز المشروع الختامي بدرجة ٧٥٪ على الأقل.",
        alignment: &[("تحليل البيانات", "ESCO", "S5.5.1")],
    },
    Sample {
        slug: "rust-fundamentals",
        lang: "en",
        kind: "MicroCredential",
        credits: 2.5,
        name: "Rust Fundamentals — Ownership and Borrowing",
        description: "Writes safe Rust with ownership, borrowing and lifetimes, without \"unsafe\".",
        narrative: "1. Complete 10 graded exercises.\n2. Pass a code review.\n3. Explain `Send` and `Sync`.\n",
        alignment: &[
            ("Programming in Rust", "ESCO", "S1.3.2"),
            ("Memory safety", "SFIA 9", "PROG-4"),
        ],
    },
    Sample {
        slug: "erste-hilfe",
        lang: "de",
        kind: "Certificate",
        credits: 1.0,
        name: "Erste Hilfe am Arbeitsplatz",
        description: "Leistet Erste Hilfe bis zum Eintreffen des Rettungsdienstes — sicher und ruhig.",
        narrative: "Praktische Prüfung bestanden; Gesamtnote mindestens „gut“.",
        alignment: &[("Erste Hilfe leisten", "DQR", "EH-2")],
    },
    Sample {
        slug: "secourisme",
        lang: "fr-CA",
        kind: "Certification",
        credits: 1.0,
        name: "Secourisme en milieu de travail",
        description: "Intervenir auprès d’une personne blessée en attendant les secours.",
        // Decomposed on purpose (e + U+0301): signed as is, never normalised.
        narrative: "Formation de 16\u{a0}heures comple\u{301}te\u{301}e; e\u{301}valuation re\u{301}ussie.",
        alignment: &[("Secourisme", "CNESST", "SST-16")],
    },
    Sample {
        slug: "open-source",
        lang: "en",
        kind: "Award",
        credits: 1.0,
        name: "Open Source Contributor 🏅",
        description: "Three merged pull requests to a community project — code, docs or translations.",
        narrative: "Three pull requests merged within a year.",
        alignment: &[("Collaborative software development", "ESCO", "S5.6.1")],
    },
];

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A UUID-shaped deterministic identifier for (issuer, index).
fn pseudo_uuid(issuer: &str, i: u64) -> String {
    let h = hex_sha256(&format!("{issuer} credential {i}"));
    format!(
        "{}-{}-5{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// The `i`-th unsigned OpenBadgeCredential from `issuer` (a DID).
pub fn open_badge_credential(i: u64, issuer: &str) -> Value {
    let a = &CATALOGUE[(i % CATALOGUE.len() as u64) as usize];
    let identity = format!("learner{i:05}@example.org");
    let salt = &hex_sha256(&format!("{issuer} salt {i}"))[..16];
    let day = 1 + (i % 28);
    let month = 1 + (i / 28) % 12;
    let mut cred = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": format!("urn:uuid:{}", pseudo_uuid(issuer, i)),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": a.name,
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": "Académie numérique — Example Issuer",
            "url": "https://issuer.example.org",
            "email": "badges@issuer.example.org"
        },
        "validFrom": format!("2025-{month:02}-{day:02}T09:00:00Z"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": format!("sha256${}", hex_sha256(&format!("{identity}{salt}"))),
                "identityType": "emailAddress",
                "hashed": true,
                "salt": salt
            }],
            "achievement": {
                "id": format!("https://issuer.example.org/achievements/{}", a.slug),
                "type": ["Achievement"],
                "achievementType": a.kind,
                "name": a.name,
                "description": a.description,
                "criteria": { "narrative": a.narrative },
                "alignment": a.alignment.iter().map(|(name, fw, code)| json!({
                    "type": ["Alignment"],
                    "targetName": name,
                    "targetUrl": format!("https://frameworks.example.org/{}/{code}", a.slug),
                    "targetFramework": fw,
                    "targetCode": code
                })).collect::<Vec<_>>(),
                "creditsAvailable": a.credits,
                "inLanguage": a.lang
            }
        }
    });
    if i.is_multiple_of(3) {
        cred["validUntil"] = format!("2030-{month:02}-{day:02}T09:00:00Z").into();
    }
    if i.is_multiple_of(2) {
        cred["credentialSubject"]["creditsEarned"] = json!(a.credits);
    }
    cred
}

/// A complete EU micro-credential issuer (every Annex I element it can give).
pub fn eu_issuer(did: &str) -> crate::eu::IssuerProfile {
    crate::eu::IssuerProfile {
        id: did.to_string(),
        name: "Université Exemple — Centre de formation continue".into(),
        url: Some("https://formation.example.org".into()),
        email: Some("microcredentials@formation.example.org".into()),
        phone: Some("+33 1 23 45 67 89".into()),
        country_code: Some("FR".into()),
        region: Some("Île-de-France".into()),
        description: Some("The continuing-education centre of a public university.".into()),
        image: Some("https://formation.example.org/logo.png".into()),
        kind: Some(crate::eu::IssuerKind::Formal),
        accreditation: Some(
            "Public higher-education institution, evaluated by the national quality agency.".into(),
        ),
    }
}

/// A complete EU micro-credential definition: every mandatory and optional
/// Annex I element, ESCO skills, an image and two translations.
pub fn eu_achievement() -> crate::eu::AchievementSpec {
    use crate::eu::{AchievementSpec, Participation, Skill, Translation};
    AchievementSpec {
        id: "https://formation.example.org/achievements/digital-content-creation".into(),
        name: "Digital Content Creation for Educators".into(),
        description: "Designs, produces and publishes accessible digital learning content.".into(),
        criteria: "Submit a portfolio of three accessible learning resources and pass the final quiz (≥\u{a0}60\u{a0}%).".into(),
        achievement_type: Some("MicroCredential".into()),
        eu: true,
        learning_outcomes: vec![
            "Plan a short learning sequence with measurable objectives.".into(),
            "Produce accessible video, text and quiz content (WCAG 2.2 AA).".into(),
            "Publish and license content openly (Creative Commons).".into(),
        ],
        ects: Some(3.0),
        hours: Some(75),
        eqf_level: Some(5),
        eqf_not_applicable: false,
        assessment: Some(
            "Portfolio of three learning resources reviewed by two assessors, and an online quiz."
                .into(),
        ),
        participation: Some(Participation::Blended),
        quality_assurance: Some(
            "Internal quality assurance of the university; programme reviewed every five years by the national quality agency."
                .into(),
        ),
        prerequisites: Some("Teaching experience; no technical prerequisites.".into()),
        supervision: Some(
            "Online quiz proctored with an identity check by video; portfolio reviewed without supervision."
                .into(),
        ),
        grade_scheme: Some("Pass / Merit / Distinction".into()),
        stackability: Some(
            "Counts towards the university diploma «\u{a0}Enseigner avec le numérique\u{a0}» (3 of its 30 ECTS)."
                .into(),
        ),
        further_information: Some("https://formation.example.org/digital-content".into()),
        skills: vec![
            Skill {
                uri: "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"
                    .into(),
                name: "develop digital content".into(),
            },
            Skill {
                uri: "http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9"
                    .into(),
                name: "stimulate creativity in the team".into(),
            },
        ],
        image: Some("https://formation.example.org/badges/digital-content.png".into()),
        language: "en".into(),
        translations: vec![
            Translation {
                language: "fr".into(),
                name: "Création de contenus numériques pour enseignants".into(),
                description: "Conçoit, produit et publie des contenus pédagogiques numériques accessibles.".into(),
            },
            Translation {
                language: "de".into(),
                name: "Digitale Lerninhalte für Lehrkräfte".into(),
                description: "Plant, erstellt und veröffentlicht barrierefreie digitale Lerninhalte.".into(),
            },
        ],
        valid_months: Some(36),
        suspendable: false,
    }
}
