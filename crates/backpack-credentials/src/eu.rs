//! EU micro-credentials: the standard elements of Council Recommendation
//! 2022/C 243/02, Annex I, carried in Open Badges 3.0 credentials.
//!
//! - [`IssuerProfile`] and [`AchievementSpec`]: what an issuer and an
//!   achievement definition say, stored as JSON (snake_case, every field
//!   defaulted: keep the names stable).
//! - [`missing_in_spec`]: the mandatory elements a definition lacks, before
//!   anything is awarded.
//! - [`credential`]: an unsigned `OpenBadgeCredential` (VC 2.0) carrying every
//!   element, for [`crate::sign::sign`]; [`status_list_credential`]: the
//!   Bitstring Status List credential its status entries point at.
//! - [`missing_elements`]: the mandatory elements any credential document
//!   lacks (ours or anyone's); the verifier reports it as a
//!   [`CheckKind::EuElements`] check, which never changes the verdict.
//!
//! Elements that Open Badges 3.0 has a field for use that field (title:
//! `achievement.name`; awarding body: `issuer.name`; country:
//! `issuer.address.addressCountryCode`; ECTS: `creditsAvailable`; level: an
//! EQF `alignment`; grade: `result` / `resultDescription`). The rest are
//! terms of a small **inline** JSON-LD context ([`extension_context`]):
//! nothing is ever fetched, any JSON-LD processor expands it, and the terms
//! are signed like every other statement. `docs/eu-microcredential.md` maps
//! every element to its place.

use crate::model::parse_datetime;
use crate::proof::format_datetime;
use crate::report::{Check, CheckKind, Outcome};
use crate::status::Bitstring;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The VC 2.0 context.
pub const VC2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0 context our credentials use.
pub const OB3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// The European Learning Model (ELM 3) ontology namespace.
pub const ELM: &str = "http://data.europa.eu/snb/model/elm/";
/// Backpack's namespace for the elements ELM has no matching property for.
pub const EXT: &str = "https://purl.org/backpack/eu-mc#";
/// EQF levels as EU controlled-vocabulary concepts: `…/eqf/6`.
pub const EQF_CONCEPTS: &str = "http://data.europa.eu/snb/eqf/";
/// `targetFramework` of the EQF alignment.
pub const EQF_FRAMEWORK: &str = "European Qualifications Framework";
/// `targetType` of the EQF alignment (the OB 3.0 schema accepts `ext:` types).
pub const EQF_TARGET_TYPE: &str = "ext:EQFLevel";
/// `targetType` of an ESCO skill alignment.
pub const SKILL_TARGET_TYPE: &str = "ceasn:Competency";

const XSD_DURATION: &str = "http://www.w3.org/2001/XMLSchema#duration";

// ---------------------------------------------------------------------------
// Descriptions (stored as JSON)

/// Formal education and training, or non-formal (Annex I: type of awarding body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuerKind {
    Formal,
    NonFormal,
}

impl IssuerKind {
    /// Stable code, as in JSON and in credentials: `formal`, `non_formal`.
    pub fn code(self) -> &'static str {
        match self {
            IssuerKind::Formal => "formal",
            IssuerKind::NonFormal => "non_formal",
        }
    }
}

/// Form of participation in the learning activity (Annex I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participation {
    Online,
    Onsite,
    Blended,
    Volunteering,
    WorkExperience,
}

impl Participation {
    pub const ALL: [Participation; 5] = [
        Participation::Online,
        Participation::Onsite,
        Participation::Blended,
        Participation::Volunteering,
        Participation::WorkExperience,
    ];

    /// Stable code, as in JSON and in credentials (`work_experience`, …).
    pub fn code(self) -> &'static str {
        match self {
            Participation::Online => "online",
            Participation::Onsite => "onsite",
            Participation::Blended => "blended",
            Participation::Volunteering => "volunteering",
            Participation::WorkExperience => "work_experience",
        }
    }

    /// Plain English.
    pub fn label(self) -> &'static str {
        match self {
            Participation::Online => "online",
            Participation::Onsite => "on site",
            Participation::Blended => "blended",
            Participation::Volunteering => "volunteering",
            Participation::WorkExperience => "work experience",
        }
    }
}

/// The issuer (awarding body) as its credentials describe it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IssuerProfile {
    /// The issuer's DID, e.g. `did:web:example.org:issuers:acme`.
    pub id: String,
    /// Legal name.
    pub name: String,
    pub url: Option<String>,
    /// Contact address.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `FR`.
    pub country_code: Option<String>,
    pub region: Option<String>,
    pub description: Option<String>,
    /// URL or `data:` URI of the logo.
    pub image: Option<String>,
    pub kind: Option<IssuerKind>,
    /// Quality assurance / accreditation of the issuer, in words.
    pub accreditation: Option<String>,
}

/// An ESCO skill (or any skill with a URI).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Skill {
    /// ESCO URI, e.g. `http://data.europa.eu/esco/skill/…`.
    pub uri: String,
    pub name: String,
}

/// The title and description in another language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Translation {
    /// BCP 47, e.g. `fr`.
    pub language: String,
    pub name: String,
    pub description: String,
}

/// An achievement definition with the Annex I elements.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AchievementSpec {
    /// The achievement's URL.
    pub id: String,
    pub name: String,
    pub description: String,
    pub criteria: String,
    /// OB 3.0 `achievementType`, e.g. `MicroCredential`, `Course`, `Badge`.
    pub achievement_type: Option<String>,
    /// Meant to be an EU micro-credential: the issuing code enforces the
    /// mandatory elements ([`missing_in_spec`]).
    pub eu: bool,
    pub learning_outcomes: Vec<String>,
    /// Notional workload in ECTS credits.
    pub ects: Option<f64>,
    /// Notional workload in hours.
    pub hours: Option<u32>,
    /// EQF level, 1 to 8; `None`: not given.
    pub eqf_level: Option<u8>,
    /// The issuer says the EQF level is not applicable.
    pub eqf_not_applicable: bool,
    /// Type of assessment, in words.
    pub assessment: Option<String>,
    pub participation: Option<Participation>,
    /// Type of quality assurance used to underpin the credential, in words.
    pub quality_assurance: Option<String>,
    pub prerequisites: Option<String>,
    /// Supervision and identity verification during assessment.
    pub supervision: Option<String>,
    pub grade_scheme: Option<String>,
    /// Integration / stackability options.
    pub stackability: Option<String>,
    pub further_information: Option<String>,
    pub skills: Vec<Skill>,
    /// `data:` URI or URL.
    pub image: Option<String>,
    /// BCP 47 language of `name` and `description`, e.g. `en`.
    pub language: String,
    pub translations: Vec<Translation>,
    /// Validity of the awarded credential, in calendar months.
    pub valid_months: Option<u32>,
    /// Credentials may be suspended (and reinstated) as well as revoked: they
    /// carry a second status entry (purpose `suspension`). Off by default,
    /// because the 1EdTech OB 3.0.3 JSON Schema accepts only one
    /// `credentialStatus` object (VC 2.0 allows an array).
    pub suspendable: bool,
}

// ---------------------------------------------------------------------------
// Annex I elements

/// One standard element of Annex I (mandatory, then optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    /// Identification of the learner.
    #[serde(rename = "learner")]
    LearnerIdentification,
    /// Title of the micro-credential.
    Title,
    /// Country or region of the issuer.
    Country,
    /// Awarding body.
    AwardingBody,
    /// Date of issuing.
    IssueDate,
    /// Learning outcomes.
    LearningOutcomes,
    /// Notional workload needed to achieve the learning outcomes (ECTS wherever possible).
    Workload,
    /// Level (and cycle, if applicable) of the learning experience (EQF, QF-EHEA), if applicable.
    Level,
    /// Type of assessment.
    Assessment,
    /// Form of participation in the learning activity.
    Participation,
    /// Type of quality assurance used to underpin the micro-credential.
    QualityAssurance,
    /// Prerequisites needed to enrol (optional).
    Prerequisites,
    /// Type of supervision and identity verification during assessment (optional).
    Supervision,
    /// Grade achieved (optional).
    Grade,
    /// Integration / stackability options (optional).
    Stackability,
    /// Further information (optional).
    FurtherInformation,
}

impl Element {
    /// Every element, in Annex I order.
    pub const ALL: [Element; 16] = [
        Element::LearnerIdentification,
        Element::Title,
        Element::Country,
        Element::AwardingBody,
        Element::IssueDate,
        Element::LearningOutcomes,
        Element::Workload,
        Element::Level,
        Element::Assessment,
        Element::Participation,
        Element::QualityAssurance,
        Element::Prerequisites,
        Element::Supervision,
        Element::Grade,
        Element::Stackability,
        Element::FurtherInformation,
    ];

    /// The mandatory elements, in Annex I order.
    pub const MANDATORY: [Element; 11] = [
        Element::LearnerIdentification,
        Element::Title,
        Element::Country,
        Element::AwardingBody,
        Element::IssueDate,
        Element::LearningOutcomes,
        Element::Workload,
        Element::Level,
        Element::Assessment,
        Element::Participation,
        Element::QualityAssurance,
    ];

    /// Stable snake_case code (i18n key, API field, `Report::eu_missing`).
    pub fn code(self) -> &'static str {
        match self {
            Element::LearnerIdentification => "learner",
            Element::Title => "title",
            Element::Country => "country",
            Element::AwardingBody => "awarding_body",
            Element::IssueDate => "issue_date",
            Element::LearningOutcomes => "learning_outcomes",
            Element::Workload => "workload",
            Element::Level => "level",
            Element::Assessment => "assessment",
            Element::Participation => "participation",
            Element::QualityAssurance => "quality_assurance",
            Element::Prerequisites => "prerequisites",
            Element::Supervision => "supervision",
            Element::Grade => "grade",
            Element::Stackability => "stackability",
            Element::FurtherInformation => "further_information",
        }
    }

    /// The element a code names.
    pub fn from_code(code: &str) -> Option<Element> {
        Element::ALL.into_iter().find(|e| e.code() == code)
    }

    /// Plain English, lower case (it is listed inside sentences).
    pub fn label(self) -> &'static str {
        match self {
            Element::LearnerIdentification => "learner identification",
            Element::Title => "title",
            Element::Country => "country or region of the issuer",
            Element::AwardingBody => "awarding body",
            Element::IssueDate => "date of issuing",
            Element::LearningOutcomes => "learning outcomes",
            Element::Workload => "workload",
            Element::Level => "level",
            Element::Assessment => "type of assessment",
            Element::Participation => "form of participation",
            Element::QualityAssurance => "quality assurance",
            Element::Prerequisites => "prerequisites",
            Element::Supervision => "supervision and identity verification",
            Element::Grade => "grade achieved",
            Element::Stackability => "integration and stackability options",
            Element::FurtherInformation => "further information",
        }
    }

    pub fn is_mandatory(self) -> bool {
        Element::MANDATORY.contains(&self)
    }
}

/// Trimmed, or `None` when blank.
fn filled(s: Option<&String>) -> Option<&str> {
    s.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn filled_str(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

fn ects_of(a: &AchievementSpec) -> Option<f64> {
    a.ects.filter(|e| e.is_finite() && *e > 0.0)
}

fn hours_of(a: &AchievementSpec) -> Option<u32> {
    a.hours.filter(|h| *h > 0)
}

fn eqf_of(a: &AchievementSpec) -> Option<u8> {
    a.eqf_level.filter(|l| (1..=8).contains(l))
}

fn outcomes_of(a: &AchievementSpec) -> Vec<&str> {
    a.learning_outcomes
        .iter()
        .filter_map(|o| filled_str(o))
        .collect()
}

/// The mandatory elements that an issuer and an achievement definition do
/// not provide. The learner and the date of issuing come at award time and
/// are never missing here. Workload counts only ECTS or hours above zero; a
/// level only 1 to 8 (or the explicit "not applicable"); quality assurance
/// may come from the achievement or the issuer's accreditation.
pub fn missing_in_spec(issuer: &IssuerProfile, a: &AchievementSpec) -> Vec<Element> {
    Element::MANDATORY
        .into_iter()
        .filter(|e| match e {
            Element::LearnerIdentification | Element::IssueDate => false,
            Element::Title => filled_str(&a.name).is_none(),
            Element::Country => filled(issuer.country_code.as_ref()).is_none(),
            Element::AwardingBody => filled_str(&issuer.name).is_none(),
            Element::LearningOutcomes => outcomes_of(a).is_empty(),
            Element::Workload => ects_of(a).is_none() && hours_of(a).is_none(),
            Element::Level => eqf_of(a).is_none() && !a.eqf_not_applicable,
            Element::Assessment => filled(a.assessment.as_ref()).is_none(),
            Element::Participation => a.participation.is_none(),
            Element::QualityAssurance => {
                filled(a.quality_assurance.as_ref()).is_none()
                    && filled(issuer.accreditation.as_ref()).is_none()
            }
            _ => false,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Recipient and status

/// Who receives the credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// `credentialSubject.id`.
    Did(String),
    /// A hashed e-mail address (`identityHash` = [`identity_hash`]).
    Email {
        /// `sha256$` + hex.
        hash: String,
        salt: String,
    },
}

impl Recipient {
    /// A hashed e-mail recipient for `address` (lower-cased and trimmed).
    pub fn email(address: &str, salt: &str) -> Recipient {
        Recipient::Email {
            hash: identity_hash(address, salt),
            salt: salt.to_string(),
        }
    }
}

/// OB 3.0 `identityHash`: `sha256$` + lower-case hex of SHA-256(identity +
/// salt), with the identity lower-cased and trimmed first (the same as
/// `backpack_domain::recipient::identity_hash` for a lower-case address).
pub fn identity_hash(identity: &str, salt: &str) -> String {
    let mut h = Sha256::new();
    h.update(identity.trim().to_lowercase().as_bytes());
    h.update(salt.as_bytes());
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256$");
    for b in h.finalize() {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// One entry of a Bitstring Status List.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRef {
    /// URL of the status list credential.
    pub list_url: String,
    pub index: u64,
    /// `revocation` or `suspension`.
    pub purpose: String,
}

// ---------------------------------------------------------------------------
// The credential

/// The inline JSON-LD context of the extension terms (protected, absolute
/// IRIs only). Inline, it needs no fetching and works in any JSON-LD 1.1
/// processor.
pub fn extension_context() -> Value {
    let elm = |t: &str| json!({ "@id": format!("{ELM}{t}") });
    let ext = |t: &str| json!({ "@id": format!("{EXT}{t}") });
    let mut c = Map::new();
    c.insert("@protected".into(), true.into());
    c.insert("learningOutcome".into(), elm("learningOutcome"));
    c.insert(
        "volumeOfLearning".into(),
        json!({ "@id": format!("{ELM}volumeOfLearning"), "@type": XSD_DURATION }),
    );
    c.insert("mode".into(), elm("mode"));
    c.insert("entryRequirement".into(), elm("entryRequirement"));
    for t in [
        "assessmentType",
        "qualityAssurance",
        "supervision",
        "stackability",
        "furtherInformation",
        "eqfNotApplicable",
        "issuerKind",
        "accreditation",
    ] {
        c.insert(t.into(), ext(t));
    }
    c.insert(
        "translation".into(),
        json!({ "@id": format!("{EXT}translation"), "@type": "@json" }),
    );
    Value::Object(c)
}

/// `t` plus `months` calendar months, the day clamped to the month's length
/// (31 January + 1 month = 28 or 29 February). `None` past year 9999.
pub fn add_months(t: OffsetDateTime, months: u32) -> Option<OffsetDateTime> {
    let d = t.date();
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = d.day().min(month.length(year));
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(t.replace_date(date))
}

fn image(id: &str) -> Value {
    json!({ "id": id, "type": "Image" })
}

fn without_fragment(iri: &str) -> &str {
    iri.split('#').next().unwrap_or(iri)
}

fn put(m: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        m.insert(key.into(), v.into());
    }
}

fn issuer_json(p: &IssuerProfile) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), p.id.trim().into());
    m.insert("type".into(), json!(["Profile"]));
    m.insert("name".into(), p.name.trim().into());
    put(&mut m, "url", filled(p.url.as_ref()));
    put(&mut m, "email", filled(p.email.as_ref()));
    put(&mut m, "phone", filled(p.phone.as_ref()));
    put(&mut m, "description", filled(p.description.as_ref()));
    if let Some(i) = filled(p.image.as_ref()) {
        m.insert("image".into(), image(i));
    }
    let country = filled(p.country_code.as_ref()).map(str::to_uppercase);
    let region = filled(p.region.as_ref());
    if country.is_some() || region.is_some() {
        let mut a = Map::new();
        a.insert("type".into(), json!(["Address"]));
        put(&mut a, "addressCountryCode", country.as_deref());
        put(&mut a, "addressRegion", region);
        m.insert("address".into(), Value::Object(a));
    }
    put(&mut m, "issuerKind", p.kind.map(IssuerKind::code));
    put(&mut m, "accreditation", filled(p.accreditation.as_ref()));
    Value::Object(m)
}

/// The id of the achievement's one `ResultDescription` (the grade).
fn grade_description_id(a: &AchievementSpec) -> String {
    format!("{}#grade", without_fragment(a.id.trim()))
}

fn achievement_json(a: &AchievementSpec, graded: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), a.id.trim().into());
    m.insert("type".into(), json!(["Achievement"]));
    put(
        &mut m,
        "achievementType",
        filled(a.achievement_type.as_ref()),
    );
    m.insert("name".into(), a.name.trim().into());
    m.insert("description".into(), a.description.trim().into());
    let criteria = match filled_str(&a.criteria) {
        Some(n) => json!({ "narrative": n }),
        None => json!({}),
    };
    m.insert("criteria".into(), criteria);
    if let Some(i) = filled(a.image.as_ref()) {
        m.insert("image".into(), image(i));
    }
    put(&mut m, "inLanguage", filled_str(&a.language));
    if let Some(e) = ects_of(a) {
        m.insert("creditsAvailable".into(), json!(e));
    }
    let mut alignment: Vec<Value> = a
        .skills
        .iter()
        .filter_map(|s| {
            let uri = filled_str(&s.uri)?;
            Some(json!({
                "type": ["Alignment"],
                "targetType": SKILL_TARGET_TYPE,
                "targetFramework": "ESCO",
                "targetName": filled_str(&s.name).unwrap_or(uri),
                "targetUrl": uri,
            }))
        })
        .collect();
    if let Some(level) = eqf_of(a) {
        alignment.push(json!({
            "type": ["Alignment"],
            "targetType": EQF_TARGET_TYPE,
            "targetFramework": EQF_FRAMEWORK,
            "targetCode": level.to_string(),
            "targetName": format!("EQF level {level}"),
            "targetUrl": format!("{EQF_CONCEPTS}{level}"),
        }));
    }
    if !alignment.is_empty() {
        m.insert("alignment".into(), Value::Array(alignment));
    }
    let scheme = filled(a.grade_scheme.as_ref());
    if scheme.is_some() || graded {
        m.insert(
            "resultDescription".into(),
            json!([{
                "id": grade_description_id(a),
                "type": ["ResultDescription"],
                "name": scheme.unwrap_or("Grade"),
                "resultType": "Result",
            }]),
        );
    }
    let outcomes = outcomes_of(a);
    if !outcomes.is_empty() {
        m.insert("learningOutcome".into(), json!(outcomes));
    }
    if let Some(h) = hours_of(a) {
        m.insert("volumeOfLearning".into(), format!("PT{h}H").into());
    }
    put(&mut m, "mode", a.participation.map(Participation::code));
    put(&mut m, "assessmentType", filled(a.assessment.as_ref()));
    put(
        &mut m,
        "qualityAssurance",
        filled(a.quality_assurance.as_ref()),
    );
    put(&mut m, "entryRequirement", filled(a.prerequisites.as_ref()));
    put(&mut m, "supervision", filled(a.supervision.as_ref()));
    put(&mut m, "stackability", filled(a.stackability.as_ref()));
    put(
        &mut m,
        "furtherInformation",
        filled(a.further_information.as_ref()),
    );
    if eqf_of(a).is_none() && a.eqf_not_applicable {
        m.insert("eqfNotApplicable".into(), true.into());
    }
    let translations: Vec<Value> = a
        .translations
        .iter()
        .filter_map(|t| {
            Some(json!({
                "language": filled_str(&t.language)?,
                "name": t.name.trim(),
                "description": t.description.trim(),
            }))
        })
        .collect();
    if !translations.is_empty() {
        m.insert("translation".into(), Value::Array(translations));
    }
    Value::Object(m)
}

fn status_entry(s: &StatusRef) -> Value {
    json!({
        "id": format!("{}#{}-{}", without_fragment(&s.list_url), s.index, s.purpose),
        "type": "BitstringStatusListEntry",
        "statusPurpose": s.purpose,
        "statusListIndex": s.index.to_string(),
        "statusListCredential": s.list_url,
    })
}

/// An unsigned Open Badges 3.0 `OpenBadgeCredential` (VC 2.0) awarding `a`
/// from `issuer` to `recipient`, with every Annex I element the definition
/// has. `id` is the credential's identifier (a URL or `urn:uuid:`);
/// `validUntil` is `valid_from` plus [`AchievementSpec::valid_months`]
/// (none for zero); `status` gives one `BitstringStatusListEntry` each (an
/// array when more than one); `grade` adds a `result`.
///
/// Sign it with [`crate::sign::sign`] as the issuer's DID (`issuer.id`).
/// Blank optional texts are left out; identifiers and image URIs must be
/// absolute IRIs, or signing fails (JSON-LD safe mode).
pub fn credential(
    issuer: &IssuerProfile,
    a: &AchievementSpec,
    recipient: &Recipient,
    id: &str,
    valid_from: OffsetDateTime,
    status: &[StatusRef],
    grade: Option<&str>,
) -> Value {
    let grade = grade.and_then(filled_str);
    let mut subject = Map::new();
    subject.insert("type".into(), json!(["AchievementSubject"]));
    match recipient {
        Recipient::Did(did) => {
            subject.insert("id".into(), did.trim().into());
        }
        Recipient::Email { hash, salt } => {
            subject.insert(
                "identifier".into(),
                json!([{
                    "type": "IdentityObject",
                    "identityHash": hash,
                    "identityType": "emailAddress",
                    "hashed": true,
                    "salt": salt,
                }]),
            );
        }
    }
    subject.insert("achievement".into(), achievement_json(a, grade.is_some()));
    if let Some(g) = grade {
        subject.insert(
            "result".into(),
            json!([{
                "type": ["Result"],
                "value": g,
                "resultDescription": grade_description_id(a),
            }]),
        );
    }
    let mut c = Map::new();
    c.insert(
        "@context".into(),
        json!([VC2_CONTEXT, OB3_CONTEXT, extension_context()]),
    );
    c.insert("id".into(), id.into());
    c.insert(
        "type".into(),
        json!(["VerifiableCredential", "OpenBadgeCredential"]),
    );
    c.insert("name".into(), a.name.trim().into());
    c.insert("issuer".into(), issuer_json(issuer));
    c.insert("validFrom".into(), format_datetime(valid_from).into());
    if let Some(until) = a
        .valid_months
        .filter(|m| *m > 0)
        .and_then(|m| add_months(valid_from, m))
    {
        c.insert("validUntil".into(), format_datetime(until).into());
    }
    c.insert("credentialSubject".into(), Value::Object(subject));
    match status {
        [] => {}
        [one] => {
            c.insert("credentialStatus".into(), status_entry(one));
        }
        many => {
            c.insert(
                "credentialStatus".into(),
                Value::Array(many.iter().map(status_entry).collect()),
            );
        }
    }
    Value::Object(c)
}

/// An unsigned `BitstringStatusListCredential` (W3C Bitstring Status List
/// v1.0) published at `id`, for `purpose` (`revocation` or `suspension`).
/// The verifier trusts it once it is signed by the credentials' issuer.
pub fn status_list_credential(
    id: &str,
    issuer_did: &str,
    purpose: &str,
    list: &Bitstring,
    valid_from: OffsetDateTime,
) -> Value {
    json!({
        "@context": [VC2_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": format_datetime(valid_from),
        "credentialSubject": {
            "id": format!("{}#list", without_fragment(id)),
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": list.encode(),
        }
    })
}

// ---------------------------------------------------------------------------
// Reading any credential

/// How deep [`missing_elements`] looks into one value.
const MAX_TEXT_DEPTH: usize = 6;

/// A language-map key (`en`, `fr-CA`); not `id`, which is JSON-LD's alias.
fn looks_like_language_tag(k: &str) -> bool {
    if k == "id" {
        return false;
    }
    let mut parts = k.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Some non-blank text: a string, a value object, a language map, an ELM
/// node with a title / label / note, or an array holding one.
fn has_text(v: &Value, depth: usize) -> bool {
    if depth > MAX_TEXT_DEPTH {
        return false;
    }
    match v {
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => a.iter().any(|x| has_text(x, depth + 1)),
        Value::Object(o) => {
            ["@value", "name", "title", "prefLabel", "noteLiteral"]
                .iter()
                .filter_map(|k| o.get(*k))
                .any(|x| has_text(x, depth + 1))
                || o.iter().any(|(k, x)| {
                    looks_like_language_tag(k) && x.as_str().is_some_and(|s| !s.trim().is_empty())
                })
        }
        _ => false,
    }
}

fn objects(v: Option<&Value>) -> Vec<&Map<String, Value>> {
    match v {
        Some(Value::Object(o)) => vec![o],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

fn text_at(o: Option<&Map<String, Value>>, key: &str) -> bool {
    o.and_then(|o| o.get(key)).is_some_and(|v| has_text(v, 0))
}

/// The learner's subject: the first with an achievement, else the first.
fn subject_of(doc: &Value) -> Option<&Map<String, Value>> {
    let all = objects(doc.get("credentialSubject"));
    all.iter()
        .find(|s| s.contains_key("achievement"))
        .or(all.first())
        .copied()
}

/// An Open Badges 3.0 achievement credential: its subject has an achievement.
pub fn is_achievement_credential(doc: &Value) -> bool {
    subject_of(doc).is_some_and(|s| s.get("achievement").is_some_and(|a| !a.is_null()))
}

fn is_eqf_alignment(a: &Map<String, Value>) -> bool {
    let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("");
    let url = s("targetUrl");
    let framework = s("targetFramework").to_ascii_lowercase();
    url.starts_with(EQF_CONCEPTS)
        || url.starts_with("https://data.europa.eu/snb/eqf/")
        || s("targetType") == EQF_TARGET_TYPE
        || framework.contains("european qualifications framework")
        || framework == "eqf"
        || framework.contains("qf-ehea")
}

fn has_elm_eqf(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Number(n)) => n.as_u64().is_some_and(|l| (1..=8).contains(&l)),
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| id.contains("/snb/eqf/")),
        _ => false,
    }
}

/// The mandatory Annex I elements that a credential document lacks. Reads
/// Open Badges 3.0 fields, the extension terms of [`extension_context`] and
/// a few ELM-shaped values (ELM `learningOutcome` nodes with a `title`, ELM
/// `creditPoint`, `eqfLevel` concepts); `docs/eu-microcredential.md` lists
/// what counts. Never panics, whatever the JSON.
pub fn missing_elements(doc: &Value) -> Vec<Element> {
    let subject = subject_of(doc);
    let achievement = subject
        .and_then(|s| s.get("achievement"))
        .and_then(Value::as_object);
    let issuer = doc.get("issuer").and_then(Value::as_object);
    let present = |e: Element| -> bool {
        match e {
            Element::LearnerIdentification => {
                subject
                    .and_then(|s| s.get("id"))
                    .and_then(Value::as_str)
                    .is_some_and(|id| !id.trim().is_empty())
                    || objects(subject.and_then(|s| s.get("identifier")))
                        .iter()
                        .any(|i| text_at(Some(*i), "identityHash"))
            }
            Element::Title => text_at(achievement, "name"),
            Element::Country => objects(issuer.and_then(|i| i.get("address")))
                .iter()
                .any(|a| {
                    text_at(Some(*a), "addressCountryCode") || text_at(Some(*a), "addressCountry")
                }),
            Element::AwardingBody => text_at(issuer, "name"),
            Element::IssueDate => ["validFrom", "issuanceDate", "awardedDate"]
                .iter()
                .any(|k| {
                    doc.get(*k)
                        .and_then(Value::as_str)
                        .is_some_and(|d| parse_datetime(d).is_ok())
                }),
            Element::LearningOutcomes => {
                text_at(achievement, "learningOutcome")
                    || text_at(achievement, "learningOutcomeSummary")
            }
            Element::Workload => {
                achievement
                    .and_then(|a| a.get("creditsAvailable"))
                    .and_then(Value::as_f64)
                    .is_some_and(|c| c > 0.0)
                    || text_at(achievement, "volumeOfLearning")
                    || objects(achievement.and_then(|a| a.get("creditPoint")))
                        .iter()
                        .any(|c| {
                            c.get("point")
                                .is_some_and(|p| has_text(p, 0) || p.is_number())
                        })
            }
            Element::Level => {
                objects(achievement.and_then(|a| a.get("alignment")))
                    .iter()
                    .any(|a| is_eqf_alignment(a))
                    || achievement
                        .and_then(|a| a.get("eqfNotApplicable"))
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                    || has_elm_eqf(achievement.and_then(|a| a.get("eqfLevel")))
            }
            Element::Assessment => text_at(achievement, "assessmentType"),
            Element::Participation => text_at(achievement, "mode"),
            Element::QualityAssurance => {
                text_at(achievement, "qualityAssurance") || text_at(issuer, "accreditation")
            }
            _ => true,
        }
    };
    Element::MANDATORY
        .into_iter()
        .filter(|e| !present(*e))
        .collect()
}

/// The verifier's completeness check, for Open Badges 3.0 achievement
/// credentials only (`None` for any other document), with the missing
/// elements. Informative: [`crate::Report::derive_verdict`] ignores it.
pub fn completeness_check(doc: &Value) -> Option<(Check, Vec<Element>)> {
    if !is_achievement_credential(doc) {
        return None;
    }
    let missing = missing_elements(doc);
    let check = if missing.is_empty() {
        Check::new(
            CheckKind::EuElements,
            Outcome::Passed,
            "eu_microcredential_complete",
            "EU micro-credential: complete",
        )
    } else {
        let labels: Vec<&str> = missing.iter().map(|e| e.label()).collect();
        Check::new(
            CheckKind::EuElements,
            Outcome::Warning,
            "eu_microcredential_incomplete",
            format!("EU micro-credential: incomplete: {}", labels.join(", ")),
        )
    };
    Some((check, missing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::{eu_achievement, eu_issuer};
    use std::collections::HashSet;

    const DID: &str = "did:web:example.org:issuers:acme";

    fn day(s: &str) -> OffsetDateTime {
        parse_datetime(s).unwrap()
    }

    fn build(issuer: &IssuerProfile, a: &AchievementSpec) -> Value {
        credential(
            issuer,
            a,
            &Recipient::Did("did:example:learner".into()),
            "urn:uuid:00000000-0000-4000-8000-000000000001",
            day("2025-03-31T10:00:00Z"),
            &[],
            None,
        )
    }

    #[test]
    fn element_codes_are_unique_stable_and_round_trip() {
        let codes: HashSet<&str> = Element::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), 16);
        for e in Element::ALL {
            assert_eq!(Element::from_code(e.code()), Some(e));
            assert_eq!(serde_json::to_value(e).unwrap(), e.code());
            assert!(!e.label().is_empty());
        }
        assert_eq!(Element::MANDATORY.len(), 11);
        assert!(Element::MANDATORY.iter().all(|e| e.is_mandatory()));
        assert_eq!(Element::ALL.iter().filter(|e| !e.is_mandatory()).count(), 5);
        assert_eq!(Element::LearnerIdentification.code(), "learner");
        assert_eq!(Element::FurtherInformation.code(), "further_information");
    }

    #[test]
    fn descriptions_are_stored_as_snake_case_json_with_defaults() {
        let a = eu_achievement();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["participation"], "blended");
        assert!(v.get("learning_outcomes").is_some());
        assert_eq!(serde_json::from_value::<AchievementSpec>(v).unwrap(), a);
        let i: IssuerProfile =
            serde_json::from_str(r#"{"id":"did:x:y","kind":"non_formal"}"#).unwrap();
        assert_eq!(i.kind, Some(IssuerKind::NonFormal));
        assert_eq!(i.name, "");
        let p: Participation = serde_json::from_str("\"work_experience\"").unwrap();
        assert_eq!(p, Participation::WorkExperience);
        assert_eq!(
            serde_json::from_str::<AchievementSpec>("{}").unwrap(),
            AchievementSpec::default()
        );
    }

    #[test]
    fn a_full_definition_lacks_nothing() {
        assert_eq!(missing_in_spec(&eu_issuer(DID), &eu_achievement()), vec![]);
        assert_eq!(
            missing_elements(&build(&eu_issuer(DID), &eu_achievement())),
            vec![]
        );
    }

    #[test]
    fn an_empty_definition_lacks_all_but_learner_and_date() {
        let missing = missing_in_spec(&IssuerProfile::default(), &AchievementSpec::default());
        let expected: Vec<Element> = Element::MANDATORY
            .into_iter()
            .filter(|e| !matches!(e, Element::LearnerIdentification | Element::IssueDate))
            .collect();
        assert_eq!(missing, expected);
    }

    #[test]
    fn level_is_missing_only_when_neither_given_nor_declared_not_applicable() {
        let i = eu_issuer(DID);
        let mut a = eu_achievement();
        a.eqf_level = None;
        assert_eq!(missing_in_spec(&i, &a), vec![Element::Level]);
        a.eqf_not_applicable = true;
        assert_eq!(missing_in_spec(&i, &a), vec![]);
        let doc = build(&i, &a);
        assert_eq!(
            doc["credentialSubject"]["achievement"]["eqfNotApplicable"],
            true
        );
        assert_eq!(missing_elements(&doc), vec![]);
        a.eqf_not_applicable = false;
        a.eqf_level = Some(9);
        assert_eq!(missing_in_spec(&i, &a), vec![Element::Level]);
        assert_eq!(missing_elements(&build(&i, &a)), vec![Element::Level]);
    }

    #[test]
    fn spec_and_credential_agree_on_what_is_missing() {
        type Edit = fn(&mut IssuerProfile, &mut AchievementSpec);
        let edits: [(&str, Edit); 11] = [
            ("name", |_, a| a.name = " ".into()),
            ("country", |i, _| i.country_code = None),
            ("region only", |i, _| {
                i.country_code = None;
                i.region = Some("Bretagne".into())
            }),
            ("issuer name", |i, _| i.name = String::new()),
            ("outcomes", |_, a| a.learning_outcomes = vec!["  ".into()]),
            ("workload", |_, a| {
                a.ects = Some(0.0);
                a.hours = None
            }),
            ("hours only", |_, a| a.ects = None),
            ("ects nan", |_, a| {
                a.ects = Some(f64::NAN);
                a.hours = None
            }),
            ("assessment", |_, a| a.assessment = Some(String::new())),
            ("participation", |_, a| a.participation = None),
            ("quality", |i, a| {
                a.quality_assurance = None;
                i.accreditation = None
            }),
        ];
        for mask in 0u32..(1 << edits.len()) {
            let mut i = eu_issuer(DID);
            let mut a = eu_achievement();
            for (k, (_, edit)) in edits.iter().enumerate() {
                if mask & (1 << k) != 0 {
                    edit(&mut i, &mut a);
                }
            }
            let names: Vec<&str> = edits
                .iter()
                .enumerate()
                .filter(|(k, _)| mask & (1 << k) != 0)
                .map(|(_, (n, _))| *n)
                .collect();
            assert_eq!(
                missing_in_spec(&i, &a),
                missing_elements(&build(&i, &a)),
                "{names:?}"
            );
        }
    }

    #[test]
    fn quality_assurance_may_come_from_the_issuer() {
        let mut i = eu_issuer(DID);
        let mut a = eu_achievement();
        a.quality_assurance = None;
        assert_eq!(missing_in_spec(&i, &a), vec![]);
        assert_eq!(missing_elements(&build(&i, &a)), vec![]);
        i.accreditation = None;
        assert_eq!(missing_in_spec(&i, &a), vec![Element::QualityAssurance]);
    }

    #[test]
    fn identity_hash_is_sha256_of_the_lowercased_identity_and_salt() {
        let h = identity_hash("ada@example.org", "pepper");
        let expected: String = Sha256::digest(b"ada@example.orgpepper")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(h, format!("sha256${expected}"));
        assert_eq!(identity_hash("  Ada@Example.ORG ", "pepper"), h);
        assert_ne!(identity_hash("ada@example.org", "salt"), h);
        assert_eq!(
            Recipient::email("ADA@example.org", "pepper"),
            Recipient::Email {
                hash: h,
                salt: "pepper".into()
            }
        );
    }

    #[test]
    fn months_are_calendar_months_with_the_day_clamped() {
        let t = day("2025-01-31T10:00:00Z");
        assert_eq!(add_months(t, 1), Some(day("2025-02-28T10:00:00Z")));
        assert_eq!(
            add_months(day("2024-01-31T10:00:00Z"), 1),
            Some(day("2024-02-29T10:00:00Z"))
        );
        assert_eq!(add_months(t, 12), Some(day("2026-01-31T10:00:00Z")));
        assert_eq!(add_months(t, 14), Some(day("2026-03-31T10:00:00Z")));
        assert_eq!(add_months(t, 0), Some(t));
        assert_eq!(add_months(t, u32::MAX), None);
    }

    #[test]
    fn valid_until_follows_valid_months() {
        let i = eu_issuer(DID);
        let mut a = eu_achievement();
        a.valid_months = Some(11);
        assert_eq!(build(&i, &a)["validUntil"], "2026-02-28T10:00:00Z");
        a.valid_months = Some(0);
        assert!(build(&i, &a).get("validUntil").is_none());
        a.valid_months = None;
        assert!(build(&i, &a).get("validUntil").is_none());
    }

    #[test]
    fn status_entries_are_one_object_or_an_array_with_distinct_ids() {
        let i = eu_issuer(DID);
        let a = eu_achievement();
        let r = Recipient::Did("did:example:learner".into());
        let t = day("2025-03-31T10:00:00Z");
        let rev = StatusRef {
            list_url: "https://example.org/status/1".into(),
            index: 7,
            purpose: "revocation".into(),
        };
        let sus = StatusRef {
            purpose: "suspension".into(),
            ..rev.clone()
        };
        let one = credential(&i, &a, &r, "urn:x:1", t, std::slice::from_ref(&rev), None);
        assert_eq!(
            one["credentialStatus"],
            json!({
                "id": "https://example.org/status/1#7-revocation",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "7",
                "statusListCredential": "https://example.org/status/1"
            })
        );
        let two = credential(&i, &a, &r, "urn:x:1", t, &[rev, sus], None);
        let entries = two["credentialStatus"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_ne!(entries[0]["id"], entries[1]["id"]);
        assert!(credential(&i, &a, &r, "urn:x:1", t, &[], None)
            .get("credentialStatus")
            .is_none());
    }

    #[test]
    fn a_grade_points_at_the_achievements_result_description() {
        let i = eu_issuer(DID);
        let mut a = eu_achievement();
        let r = Recipient::Did("did:example:learner".into());
        let t = day("2025-03-31T10:00:00Z");
        let doc = credential(&i, &a, &r, "urn:x:1", t, &[], Some("B"));
        let s = &doc["credentialSubject"];
        let rd = &s["achievement"]["resultDescription"][0];
        assert_eq!(s["result"][0]["value"], "B");
        assert_eq!(s["result"][0]["resultDescription"], rd["id"]);
        assert_eq!(rd["name"], a.grade_scheme.clone().unwrap());
        // No scheme: a grade still gets a description to point at.
        a.grade_scheme = None;
        let doc = credential(&i, &a, &r, "urn:x:1", t, &[], Some("B"));
        assert_eq!(
            doc["credentialSubject"]["achievement"]["resultDescription"][0]["name"],
            "Grade"
        );
        let doc = credential(&i, &a, &r, "urn:x:1", t, &[], None);
        assert!(doc["credentialSubject"]["achievement"]
            .get("resultDescription")
            .is_none());
        assert!(doc["credentialSubject"].get("result").is_none());
    }

    #[test]
    fn the_extension_context_defines_absolute_iris_only() {
        let ctx = extension_context();
        let terms = ctx.as_object().unwrap();
        assert_eq!(terms["@protected"], true);
        for (k, v) in terms.iter().filter(|(k, _)| *k != "@protected") {
            let iri = v["@id"].as_str().unwrap();
            assert!(iri.starts_with(ELM) || iri.starts_with(EXT), "{k}: {iri}");
        }
    }

    #[test]
    fn every_term_of_the_credential_expands() {
        let doc = credential(
            &eu_issuer(DID),
            &eu_achievement(),
            &Recipient::email("ada@example.org", "s"),
            "urn:uuid:00000000-0000-4000-8000-000000000001",
            day("2025-03-31T10:00:00Z"),
            &[StatusRef {
                list_url: "https://example.org/status/1".into(),
                index: 3,
                purpose: "revocation".into(),
            }],
            Some("A"),
        );
        let quads = crate::Processor::shared().to_rdf(&doc).unwrap();
        for iri in [
            format!("{ELM}learningOutcome"),
            format!("{ELM}volumeOfLearning"),
            format!("{EXT}translation"),
            format!("{EXT}issuerKind"),
        ] {
            assert!(
                quads.iter().any(|q| q.predicate.as_str() == iri),
                "{iri} is not in the graph"
            );
        }
    }

    #[test]
    fn a_bare_definition_still_makes_a_well_formed_credential() {
        let issuer = IssuerProfile {
            id: DID.into(),
            ..Default::default()
        };
        let a = AchievementSpec {
            id: "https://example.org/achievements/1".into(),
            name: "Bare".into(),
            ..Default::default()
        };
        let doc = build(&issuer, &a);
        let achievement = &doc["credentialSubject"]["achievement"];
        assert_eq!(achievement["criteria"], json!({}));
        for absent in ["inLanguage", "image", "alignment", "translation", "mode"] {
            assert!(achievement.get(absent).is_none(), "{absent}");
        }
        assert!(doc["issuer"].get("address").is_none());
        crate::Processor::shared().to_rdf(&doc).unwrap();
        assert!(crate::model::check_structure(&doc)
            .iter()
            .all(|i| i.severity != crate::model::Severity::Error));
    }

    #[test]
    fn the_check_is_only_for_achievement_credentials() {
        assert!(completeness_check(&json!({"credentialSubject": {"id": "did:x:y"}})).is_none());
        let (c, missing) = completeness_check(&build(&eu_issuer(DID), &eu_achievement())).unwrap();
        assert_eq!(
            (c.outcome, c.code.as_str()),
            (Outcome::Passed, "eu_microcredential_complete")
        );
        assert!(missing.is_empty());
        let mut a = eu_achievement();
        a.learning_outcomes.clear();
        a.hours = None;
        a.ects = None;
        let (c, missing) = completeness_check(&build(&eu_issuer(DID), &a)).unwrap();
        assert_eq!(c.outcome, Outcome::Warning);
        assert_eq!(
            c.message,
            "EU micro-credential: incomplete: learning outcomes, workload"
        );
        assert_eq!(missing, vec![Element::LearningOutcomes, Element::Workload]);
    }

    #[test]
    fn elm_shaped_values_count() {
        let doc = json!({
            "validFrom": "2025-01-01T00:00:00Z",
            "issuer": {"id": "did:x:y", "name": {"en": "University of Zed"},
                       "address": [{"addressCountry": {"name": "Ireland"}}]},
            "credentialSubject": [{"identifier": {"identityHash": "sha256$00"},
                "achievement": {
                    "name": [{"@value": "Micro", "@language": "en"}],
                    "learningOutcome": [{"type": "LearningOutcome", "title": {"en": "Communicate"}}],
                    "creditPoint": {"point": "2"},
                    "eqfLevel": {"id": "http://data.europa.eu/snb/eqf/6"},
                    "assessmentType": "artefact",
                    "mode": {"prefLabel": {"en": "Blended"}},
                    "qualityAssurance": "ISO 9001"
                }}]
        });
        assert_eq!(missing_elements(&doc), vec![]);
    }

    #[test]
    fn garbage_never_panics() {
        // Built by hand: `json!` would serialise the inner value again at
        // every level.
        let mut deep = json!("x");
        for _ in 0..1000 {
            deep = Value::Array(vec![deep]);
        }
        let mut wide = json!({"learningOutcome": "x"});
        for _ in 0..12 {
            let mut m = Map::new();
            m.insert("title".into(), wide.clone());
            m.insert("name".into(), Value::Array(vec![wide]));
            wide = Value::Object(m);
        }
        let mut chain = Value::Null;
        for _ in 0..1000 {
            let mut m = Map::new();
            m.insert("title".into(), chain);
            chain = Value::Object(m);
        }
        let subject = |achievement: Value| {
            let mut s = Map::new();
            s.insert("achievement".into(), achievement);
            let mut d = Map::new();
            d.insert("credentialSubject".into(), Value::Object(s));
            Value::Object(d)
        };
        let mut a1 = Map::new();
        a1.insert("creditsAvailable".into(), "10".into());
        a1.insert("learningOutcome".into(), deep);
        let mut a2 = Map::new();
        a2.insert(
            "learningOutcome".into(),
            Value::Array(vec![wide, "Plan a sequence".into()]),
        );
        a2.insert("mode".into(), chain);
        a2.insert("name".into(), json!({"id": "x"}));
        let docs = [
            json!(null),
            json!(1),
            json!(-1.5),
            json!("credential"),
            json!([]),
            json!([1, 2, {"credentialSubject": {}}]),
            json!({}),
            json!({"credentialSubject": 7, "issuer": [1]}),
            json!({"credentialSubject": [null, 1, "x", {"achievement": 3}]}),
            json!({"credentialSubject": {"achievement": {"alignment": 5, "name": {"@value": 1}}}}),
            json!({"credentialSubject": {"achievement": {"alignment": [1, "x", {"targetUrl": 3}]}}}),
            json!({"issuer": {"address": "FR", "name": null}, "validFrom": 3}),
            // A multi-byte character across byte 19 of a would-be date.
            json!({"validFrom": "aaaaaaaaaaaaaaaaaa\u{e9}", "awardedDate": "2025-01-01T00:00:0\u{e9}"}),
            subject(Value::Object(a1)),
            subject(Value::Object(a2)),
        ];
        for d in &docs {
            let missing = missing_elements(d);
            assert!(missing.iter().all(|e| e.is_mandatory()));
            let _ = completeness_check(d);
        }
        assert_eq!(missing_elements(&json!(1)), Element::MANDATORY.to_vec());
        // Too deep to be text, and an `id` is not a language map.
        let missing = missing_elements(&docs[docs.len() - 1]);
        for e in [Element::Title, Element::Participation, Element::Workload] {
            assert!(missing.contains(&e), "{e:?} in {missing:?}");
        }
        assert!(!missing.contains(&Element::LearningOutcomes), "{missing:?}");
    }
}
