//! Issuing: issuers and their staff, signing keys (sealed at rest, rotated
//! without breaking earlier credentials), achievements carrying the EU
//! micro-credential standard elements, awards signed as OB 3.0 credentials
//! with a Bitstring Status List entry, revocation and suspension, claim links,
//! batches, API tokens, xAPI rules, stacking rules and the audit log.
//!
//! One part per noun, each a handle on the shared `Core`:
//! [`Issuers`], [`Achievements`], [`Awards`], [`StatusLists`], [`Claims`],
//! [`Batches`], [`ApiTokens`], [`Xapi`] and [`Stacking`], reached through
//! the fields of [`Issuing`]. What more than one part needs is on `Core`:
//! the staff checks (`issuer`, `achievement`, `issued_one`), signing keys,
//! delivery (`issuing/delivery.rs`), stacking's award check, and the one
//! allocate-and-sign path (`issue_all` → `sign_awards` → `reserve_slots` +
//! `prepare`, in `issuing/awards.rs`).
//!
//! Rules that hold everywhere here:
//! - every staff use case names the acting user, and the store matches on
//!   membership in the query: another issuer's object is "absent";
//! - an issuer is `did:web:<host>:issuers:<slug>` under the instance's public
//!   URL; its DID document lists every key it ever had under
//!   `assertionMethod`, so rotation never breaks an earlier credential,
//!   except keys staff revoked: those stay under `verificationMethod` with
//!   their `revoked` date (the Multikey context's term) and leave
//!   `assertionMethod`, so what they signed no longer verifies;
//! - a claim link is not a bearer token: only an account that confirmed the
//!   address (or DID) the credential was issued to can claim it;
//! - status slots are reserved in the database (an atomic update of the
//!   list's `used` counter) before signing, so no lock is held while
//!   signing, servers never wait on each other and two credentials never
//!   share an index; a slot whose credential is never stored stays a zero
//!   bit no credential names;
//! - signing happens on the blocking pool's threads;
//! - work after a commit (delivery, mail, stacking, batches) is a durable
//!   job written in the same transaction ([`crate::jobs`]).

mod achievements;
mod awards;
pub mod batches;
mod claims;
mod delivery;
mod issuers;
mod stacking;
mod status;
mod tokens;
mod xapi;

pub use achievements::Achievements;
pub use awards::Awards;
pub use batches::Batches;
pub use claims::Claims;
pub use issuers::Issuers;
pub use stacking::{StackConsent, StackProgress, StackRuleView, Stacking, MAX_COMPONENTS};
pub use status::StatusLists;
pub use tokens::{ApiCaller, ApiTokens, OfIssuer, TOKEN_PREFIX};
pub use xapi::{award_key_xapi, StatementOutcome, Xapi};

use std::sync::Arc;

use backpack_credentials::eu::{
    self, AchievementSpec, Element, IssuerProfile, Recipient, StatusRef,
};
use backpack_credentials::sign::{IssuerKey, Secured, SignFormat};
use backpack_credentials::status::Bitstring;
use backpack_crypto::ed25519::SigningKey;
use backpack_crypto::multikey::PublicKey;
use backpack_crypto::secretbox::SecretBox;
use bytes::Bytes;
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::badges::Badges;
use crate::certificates::is_web_url;
use crate::entities::*;
use crate::jobs::{Job, JobSignal};
use crate::ports::{BlobStore, Clock, Notification, Store};
use crate::tokens::{random_token, token_hash};
use crate::values::{Email, Role};
use crate::{Conflict, DomainError, FieldError, IssuerId, StoreError, UserId};

/// Entries per status list (the W3C minimum, 16 KB: herd privacy).
pub const STATUS_LIST_SIZE: i64 = 131_072;
/// How long a claim link stays valid.
pub const CLAIM_TTL_SECS: i64 = 90 * 24 * 3600;
/// Largest achievement image or issuer logo.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// Where the instance lives and the key that seals issuers' keys.
#[derive(Clone, Debug)]
pub struct IssuingSettings {
    /// The public base URL, without a trailing slash (`https://example.org`).
    pub public_url: String,
    pub vault: SecretBox,
    /// How long a batch job holds its batch without progress, in seconds.
    pub batch_lease_secs: u64,
}

/// How an award names its recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientInput {
    /// An address: delivered to the account that confirmed it, or a claim
    /// link is mailed.
    Email(String),
    /// An existing account, by an address it confirmed.
    Account(String),
    /// A DID: delivered to the account that confirmed it, if any.
    Did(String),
}

/// One award.
#[derive(Debug, Clone)]
pub struct AwardRequest {
    pub achievement_id: Uuid,
    pub recipient: RecipientInput,
    pub recipient_name: Option<String>,
    pub format: SignFormat,
    pub grade: Option<String>,
}

/// Who acts: a staff member (checked against membership) or the system (an
/// automatic award), with the name the audit log shows.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` for the system.
    pub user_id: Option<UserId>,
    pub name: String,
}

impl Actor {
    pub fn of(user: &User) -> Self {
        Actor {
            user_id: Some(user.id),
            name: user.display_name.clone(),
        }
    }
}

/// Profile fields as typed in the form (checked by [`Issuing`]).
#[derive(Debug, Clone, Default)]
pub struct IssuerInput {
    pub name: String,
    pub url: String,
    pub email: String,
    pub phone: String,
    pub country_code: String,
    pub region: String,
    pub description: String,
    pub kind: String,
    pub accreditation: String,
}

/// What the verifier of an issuer's own credentials needs from this
/// instance: DID documents and status lists, read from the store rather than
/// fetched over HTTP.
#[derive(Debug, Clone, Default)]
pub struct LocalDocuments {
    pub did_documents: Vec<Value>,
    pub status_lists: Vec<Value>,
}

/// Reads this instance's DID documents and status lists from the store.
pub struct LocalIssuers {
    store: Arc<dyn Store>,
    public_url: String,
}

impl LocalIssuers {
    pub fn new(store: Arc<dyn Store>, public_url: &str) -> Self {
        LocalIssuers {
            store,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The documents a credential refers to that this instance holds.
    pub async fn documents_for(&self, doc: &Value) -> Result<LocalDocuments, DomainError> {
        let mut out = LocalDocuments::default();
        if let Some(did) = backpack_credentials::did::issuer_id(doc) {
            if did.starts_with("did:web:") {
                if let Some(issuer) = self.store.issuer_by_did(did).await? {
                    let keys = self.store.issuer_keys(issuer.id).await?;
                    out.did_documents.push(did_document(&issuer, &keys));
                }
            }
        }
        let entries: Vec<&Value> = match doc.get("credentialStatus") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v @ Value::Object(_)) => vec![v],
            _ => vec![],
        };
        let prefix = format!("{}/status/", self.public_url);
        for e in entries.into_iter().take(4) {
            let Some(url) = e.get("statusListCredential").and_then(Value::as_str) else {
                continue;
            };
            let Some((id, purpose)) = url.strip_prefix(&prefix).and_then(|r| r.split_once('/'))
            else {
                continue;
            };
            let Ok(id) = Uuid::parse_str(id) else {
                continue;
            };
            if let Some(list) = self.store.find_status_list(id).await? {
                let vc = match purpose {
                    "revocation" => &list.revocation_vc,
                    "suspension" => &list.suspension_vc,
                    _ => continue,
                };
                if let Ok(v) = serde_json::from_str(vc) {
                    out.status_lists.push(v);
                }
            }
        }
        Ok(out)
    }
}

/// The DID document of an issuer: every key it ever had under
/// `verificationMethod`, and under `assertionMethod` every key not revoked
/// (earlier credentials keep verifying after a rotation). A revoked key
/// keeps its entry, with its `revoked` date (`xsd:dateTime`, defined by the
/// Multikey context, as in W3C Controlled Identifiers), as the document's
/// history; verifiers refuse it as it is no assertion method.
pub fn did_document(issuer: &Issuer, keys: &[IssuerKeyRecord]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|k| {
            let mut m = json!({
                "id": format!("{}#{}", issuer.did, k.fragment),
                "type": "Multikey",
                "controller": issuer.did,
                "publicKeyMultibase": k.public_key,
            });
            if let Some(at) = k.revoked_at {
                m["revoked"] = Value::String(rfc3339(at));
            }
            m
        })
        .collect();
    let ids: Vec<Value> = keys
        .iter()
        .filter(|k| k.revoked_at.is_none())
        .map(|k| Value::String(format!("{}#{}", issuer.did, k.fragment)))
        .collect();
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": issuer.did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

/// A Unix time as RFC 3339 (UTC), as `xsd:dateTime` wants it.
pub fn rfc3339(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Whether a signed document (a status list credential) carries a proof made
/// with the verification method `vm`.
fn signed_with(document: &str, vm: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(document) else {
        return false;
    };
    let proofs: Vec<&Value> = match doc.get("proof") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(p @ Value::Object(_)) => vec![p],
        _ => vec![],
    };
    proofs
        .iter()
        .any(|p| p.get("verificationMethod").and_then(Value::as_str) == Some(vm))
}

/// `did:web` for a path under the public URL: the host (with its port
/// percent-encoded) then the path segments.
pub fn did_web(public_url: &str, path: &[&str]) -> Result<String, DomainError> {
    let rest = public_url
        .strip_prefix("https://")
        .or_else(|| public_url.strip_prefix("http://"))
        .ok_or_else(|| DomainError::Internal("the public URL must be http(s)".into()))?;
    let mut parts = rest.trim_end_matches('/').split('/');
    let host = parts.next().unwrap_or_default().replace(':', "%3A");
    if host.is_empty() {
        return Err(DomainError::Internal("the public URL has no host".into()));
    }
    let mut did = format!("did:web:{host}");
    for p in parts.filter(|p| !p.is_empty()).chain(path.iter().copied()) {
        did.push(':');
        did.push_str(p);
    }
    Ok(did)
}

/// The index a list hands out as its `n`th: a bijection of `0..size` (an odd
/// multiplier modulo a power of two, plus a per-list offset), so indexes are
/// not in issuing order.
pub fn status_index(list_id: Uuid, n: i64) -> i64 {
    let b = list_id.as_bytes();
    let offset = i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])) % STATUS_LIST_SIZE;
    (n.wrapping_mul(48_271) + offset).rem_euclid(STATUS_LIST_SIZE)
}

fn trimmed(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

pub(crate) fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// Lower-case ASCII letters, digits and dashes from a name.
pub fn slug_of(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
            'ç' | 'č' | 'ć' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => "u",
            'ý' | 'ÿ' => "y",
            'š' | 'ś' => "s",
            'ž' | 'ź' | 'ż' => "z",
            'ł' => "l",
            'ř' => "r",
            'œ' => "oe",
            'æ' => "ae",
            'ß' => "ss",
            _ => "",
        };
        if !folded.is_empty() {
            out.push_str(folded);
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.len() < 3 {
        format!("issuer-{out}").trim_end_matches('-').to_owned()
    } else {
        out
    }
}

/// Check the profile form.
pub fn profile_of(input: &IssuerInput, did: &str) -> Result<IssuerProfile, DomainError> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "required"));
    } else if too_long(name, 200) {
        errors.push(FieldError::new("name", "too_long"));
    }
    let url = trimmed(&input.url);
    if let Some(u) = &url {
        if !is_web_url(u) || too_long(u, 500) {
            errors.push(FieldError::new("url", "url_invalid"));
        }
    }
    let email = match trimmed(&input.email) {
        None => None,
        Some(e) => match Email::parse("email", &e) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    let country = trimmed(&input.country_code).map(|c| c.to_ascii_uppercase());
    if let Some(c) = &country {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(FieldError::new("country_code", "bad_country"));
        }
    }
    let kind = match input.kind.trim() {
        "" => None,
        "formal" => Some(eu::IssuerKind::Formal),
        "non_formal" => Some(eu::IssuerKind::NonFormal),
        _ => {
            errors.push(FieldError::new("kind", "bad_choice"));
            None
        }
    };
    for (field, value, max) in [
        ("phone", &input.phone, 50),
        ("region", &input.region, 200),
        ("description", &input.description, 5000),
        ("accreditation", &input.accreditation, 2000),
    ] {
        if too_long(value.trim(), max) {
            errors.push(FieldError::new(field, "too_long"));
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(IssuerProfile {
        id: did.to_owned(),
        name: name.to_owned(),
        url,
        email,
        phone: trimmed(&input.phone),
        country_code: country,
        region: trimmed(&input.region),
        description: trimmed(&input.description),
        image: None,
        kind,
        accreditation: trimmed(&input.accreditation),
    })
}

/// The OB 3.0 `achievementType` values an achievement may take here (the
/// form's choices): the ones a learner or employer recognises.
pub const ACHIEVEMENT_TYPES: &[&str] = &[
    "MicroCredential",
    "Course",
    "Badge",
    "Certificate",
    "Certification",
    "Competency",
    "Award",
    "Diploma",
    "License",
];

/// The achievement-type rule: one of [`ACHIEVEMENT_TYPES`], or none. Forms
/// call it while reading their fields (to show every error at once);
/// [`check_spec`] calls it again when the achievement is saved.
pub fn check_achievement_type(t: Option<&str>) -> Option<FieldError> {
    t.is_some_and(|t| !ACHIEVEMENT_TYPES.contains(&t))
        .then(|| FieldError::new("achievement_type", "bad_choice"))
}

/// Check an achievement definition (the form has filled the spec).
pub fn check_spec(spec: &AchievementSpec) -> Result<(), DomainError> {
    let mut errors: Vec<FieldError> = check_achievement_type(spec.achievement_type.as_deref())
        .into_iter()
        .collect();
    for (field, value, max, required) in [
        ("name", &spec.name, 200, true),
        ("description", &spec.description, 5000, true),
        ("criteria", &spec.criteria, 5000, true),
    ] {
        if value.trim().is_empty() && required {
            errors.push(FieldError::new(field, "required"));
        } else if too_long(value, max) {
            errors.push(FieldError::new(field, "too_long"));
        }
    }
    for (field, value) in [
        ("assessment", &spec.assessment),
        ("quality_assurance", &spec.quality_assurance),
        ("prerequisites", &spec.prerequisites),
        ("supervision", &spec.supervision),
        ("grade_scheme", &spec.grade_scheme),
        ("stackability", &spec.stackability),
        ("further_information", &spec.further_information),
    ] {
        if value.as_deref().is_some_and(|v| too_long(v, 2000)) {
            errors.push(FieldError::new(field, "too_long"));
        }
    }
    if spec.learning_outcomes.len() > 50 || spec.learning_outcomes.iter().any(|o| too_long(o, 1000))
    {
        errors.push(FieldError::new("learning_outcomes", "too_long"));
    }
    if spec
        .ects
        .is_some_and(|e| !(e.is_finite() && (0.0..=300.0).contains(&e)))
    {
        errors.push(FieldError::new("ects", "out_of_range"));
    }
    if spec.hours.is_some_and(|h| h == 0 || h > 20_000) {
        errors.push(FieldError::new("hours", "out_of_range"));
    }
    if spec.eqf_level.is_some_and(|l| !(1..=8).contains(&l)) {
        errors.push(FieldError::new("eqf_level", "out_of_range"));
    }
    if spec.valid_months.is_some_and(|m| m == 0 || m > 600) {
        errors.push(FieldError::new("valid_months", "out_of_range"));
    }
    if spec.skills.len() > 50
        || spec
            .skills
            .iter()
            .any(|s| !is_web_url(&s.uri) || too_long(&s.uri, 500) || too_long(&s.name, 300))
    {
        errors.push(FieldError::new("skills", "bad_skill"));
    }
    if spec.translations.len() > 20
        || spec.translations.iter().any(|t| {
            crate::values::Locale::parse(&t.language).is_none() && !is_language_tag(&t.language)
                || too_long(&t.name, 200)
                || too_long(&t.description, 5000)
        })
    {
        errors.push(FieldError::new("translations", "bad_translation"));
    }
    if !is_language_tag(&spec.language) {
        errors.push(FieldError::new("language", "bad_choice"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(errors))
    }
}

/// A BCP 47 tag of the simple kind: `fr`, `pt-BR`.
pub fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or_default();
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn new_key() -> SigningKey {
    SigningKey::generate()
}

fn nonce() -> [u8; 24] {
    let mut n = [0u8; 24];
    OsRng.fill_bytes(&mut n);
    n
}

fn key_aad(issuer_id: IssuerId, key_id: Uuid) -> Vec<u8> {
    format!("backpack-issuer-key/{issuer_id}/{key_id}").into_bytes()
}

/// Status slots reserved for the credentials being signed: positions
/// `first`, `first + 1`, … of a list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slots {
    pub list_id: Uuid,
    pub first: i64,
}

/// What every part of issuing shares: the ports, the settings, and the
/// signal that wakes the local job runner.
pub(crate) struct Core {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) blobs: Arc<dyn BlobStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) badges: Arc<Badges>,
    pub(crate) settings: IssuingSettings,
    /// Wakes the local job runner when an award queued work.
    pub(crate) signal: Arc<JobSignal>,
}

/// The issuing use cases, one part per noun. Every part is a handle on the
/// same `Core`; what more than one part needs (the staff check, signing
/// keys, the one allocate-and-sign path) is on `Core`.
pub struct Issuing {
    pub issuers: Issuers,
    pub achievements: Achievements,
    pub awards: Awards,
    pub status: StatusLists,
    pub claims: Claims,
    pub batches: Batches,
    pub tokens: ApiTokens,
    pub xapi: Xapi,
    pub stacking: Stacking,
    pub(crate) core: Arc<Core>,
}

/// A signed credential ready to store, and where it goes.
pub(crate) struct Prepared {
    pub(crate) issued: IssuedCredential,
    pub(crate) deliver_to: Option<User>,
    pub(crate) claim: Option<(Claim, String)>,
    pub(crate) notify: Option<String>,
}

impl Issuing {
    /// `signal` is raised when jobs were queued (the one the
    /// [`crate::jobs::JobRunner`] and [`crate::accounts::Accounts`] share).
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        badges: Arc<Badges>,
        mut settings: IssuingSettings,
        signal: Arc<JobSignal>,
    ) -> Self {
        settings.public_url = settings.public_url.trim_end_matches('/').to_owned();
        let core = Arc::new(Core {
            store,
            blobs,
            clock,
            badges,
            settings,
            signal,
        });
        Issuing {
            issuers: Issuers { core: core.clone() },
            achievements: Achievements { core: core.clone() },
            awards: Awards { core: core.clone() },
            status: StatusLists { core: core.clone() },
            claims: Claims { core: core.clone() },
            batches: Batches { core: core.clone() },
            tokens: ApiTokens { core: core.clone() },
            xapi: Xapi { core: core.clone() },
            stacking: Stacking { core: core.clone() },
            core,
        }
    }

    pub fn public_url(&self) -> &str {
        self.core.public_url()
    }

    /// The URL of an achievement (its OB 3.0 `id`).
    pub fn achievement_url(&self, id: Uuid) -> String {
        self.core.achievement_url(id)
    }

    /// The mandatory EU elements an achievement (with its issuer) lacks;
    /// empty for an achievement that is not meant as an EU micro-credential.
    pub fn missing(issuer: &Issuer, a: &Achievement) -> Vec<Element> {
        if a.spec.eu {
            eu::missing_in_spec(&issuer.profile, &a.spec)
        } else {
            Vec::new()
        }
    }
}

impl Core {
    pub(crate) fn public_url(&self) -> &str {
        &self.settings.public_url
    }

    pub(crate) fn audit(
        &self,
        issuer_id: IssuerId,
        actor: &Actor,
        action: &str,
        subject: String,
        detail: String,
    ) -> AuditEntry {
        AuditEntry {
            id: Uuid::new_v4(),
            issuer_id,
            at: self.clock.unix(),
            actor_id: actor.user_id,
            actor_name: actor.name.clone(),
            action: action.to_owned(),
            subject,
            detail,
        }
    }

    /// The URL of an achievement (its OB 3.0 `id`).
    pub(crate) fn achievement_url(&self, id: Uuid) -> String {
        format!("{}/achievements/{id}", self.settings.public_url)
    }

    pub(crate) fn status_url(&self, list_id: Uuid, purpose: &str) -> String {
        format!("{}/status/{list_id}/{purpose}", self.settings.public_url)
    }
}

/// Where one award goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RecipientTarget {
    Email(String),
    Did(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Award {
    pub(crate) recipient: RecipientTarget,
    pub(crate) account: Option<User>,
    pub(crate) name: Option<String>,
    pub(crate) grade: Option<String>,
    pub(crate) format: SignFormat,
    pub(crate) source: &'static str,
    pub(crate) batch: Option<(Uuid, i64)>,
    /// An automatic award's key (see `IssuedCredential::award_key`).
    pub(crate) key: Option<String>,
}

/// Whether a credential carries a suspension status entry.
pub fn is_suspendable(issued: &IssuedCredential) -> bool {
    let Some(doc) = crate::badges::document_of(issued.credential.as_bytes()) else {
        return false;
    };
    let entries: Vec<&Value> = match doc.get("credentialStatus") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    };
    entries
        .iter()
        .any(|e| e.get("statusPurpose").and_then(Value::as_str) == Some("suspension"))
}

/// PNG or SVG by content, within the size limit.
fn image_type(bytes: &[u8]) -> Result<&'static str, DomainError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(DomainError::FileTooLarge {
            max: MAX_IMAGE_BYTES as u64,
        });
    }
    match backpack_bake::sniff(bytes) {
        Some(backpack_bake::ImageKind::Png) => Ok("image/png"),
        Some(backpack_bake::ImageKind::Svg) => Ok("image/svg+xml"),
        None => Err(DomainError::FileType),
    }
}

/// A simple badge image for achievements without one: a disc with the
/// initials of the name (escaped: the name is the issuer's text).
pub fn generated_image(name: &str) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(3)
        .flat_map(char::to_uppercase)
        .collect();
    let hue = name
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360;
    let escaped = initials
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 200 200\" width=\"200\" height=\"200\">\
<circle cx=\"100\" cy=\"100\" r=\"96\" fill=\"hsl({hue},55%,35%)\"/>\
<circle cx=\"100\" cy=\"100\" r=\"80\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4\"/>\
<text x=\"100\" y=\"118\" font-family=\"sans-serif\" font-size=\"52\" font-weight=\"bold\" fill=\"#fff\" text-anchor=\"middle\">{escaped}</text></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_names_host_port_and_path() {
        assert_eq!(
            did_web("https://example.org", &["issuers", "acme"]).unwrap(),
            "did:web:example.org:issuers:acme"
        );
        assert_eq!(
            did_web("http://127.0.0.1:8080/", &["issuers", "acme"]).unwrap(),
            "did:web:127.0.0.1%3A8080:issuers:acme"
        );
        assert_eq!(
            did_web("https://example.org/portal", &["issuers", "x"]).unwrap(),
            "did:web:example.org:portal:issuers:x"
        );
        assert!(did_web("ftp://example.org", &[]).is_err());
    }

    #[test]
    fn status_indexes_are_a_permutation() {
        let id = Uuid::new_v4();
        let mut seen = vec![false; STATUS_LIST_SIZE as usize];
        for n in 0..STATUS_LIST_SIZE {
            let i = status_index(id, n) as usize;
            assert!(!seen[i], "index {i} handed out twice");
            seen[i] = true;
        }
        assert_ne!(status_index(id, 1), status_index(id, 0) + 1);
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug_of("Académie de Défense — NATO"),
            "academie-de-defense-nato"
        );
        assert_eq!(slug_of("X"), "issuer-x");
        assert_eq!(slug_of("!!!"), "issuer");
        assert!(slug_of(&"a".repeat(100)).len() <= 40);
    }

    #[test]
    fn profile_checks_fields() {
        let bad = IssuerInput {
            name: " ".into(),
            url: "javascript:alert(1)".into(),
            email: "nope".into(),
            country_code: "FRA".into(),
            kind: "other".into(),
            ..Default::default()
        };
        let Err(DomainError::Invalid(errors)) = profile_of(&bad, "did:web:x") else {
            panic!("accepted a bad profile")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "url", "email", "country_code", "kind"]);
        let good = IssuerInput {
            name: "Acme Academy".into(),
            country_code: "fr".into(),
            kind: "non_formal".into(),
            ..Default::default()
        };
        let p = profile_of(&good, "did:web:x").unwrap();
        assert_eq!(p.country_code.as_deref(), Some("FR"));
        assert_eq!(p.kind, Some(eu::IssuerKind::NonFormal));
    }

    #[test]
    fn generated_images_escape_the_name() {
        let svg = generated_image("<script> & Co");
        assert!(!svg.contains("<script>"));
        assert!(svg.starts_with("<svg"));
    }

    #[test]
    fn language_tags() {
        assert!(is_language_tag("fr"));
        assert!(is_language_tag("pt-BR"));
        assert!(!is_language_tag("French"));
        assert!(!is_language_tag(""));
    }
}
