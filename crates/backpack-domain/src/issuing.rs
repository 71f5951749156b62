//! Issuing: issuers and their staff, signing keys (sealed at rest, rotated
//! without breaking earlier credentials), achievements carrying the EU
//! micro-credential standard elements, awards signed as OB 3.0 credentials
//! with a Bitstring Status List entry, revocation and suspension, claim links,
//! and the audit log.
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
//! - a credential's status index is taken in the same transaction that
//!   stores it (optimistic check on the list's `used` counter), so two
//!   credentials never share an index and a crash leaves no gap that matters;
//! - signing happens on a blocking thread.

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
use crate::{Conflict, DomainError, FieldError, StoreError};

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
    pub user_id: Option<Uuid>,
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

fn key_aad(issuer_id: Uuid, key_id: Uuid) -> Vec<u8> {
    format!("backpack-issuer-key/{issuer_id}/{key_id}").into_bytes()
}

/// Status slots reserved for the credentials being signed: positions
/// `first`, `first + 1`, … of a list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slots {
    pub list_id: Uuid,
    pub first: i64,
}

/// The issuing use cases.
pub struct Issuing {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) blobs: Arc<dyn BlobStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) badges: Arc<Badges>,
    pub(crate) settings: IssuingSettings,
    /// Wakes the local job runner when an award queued work.
    pub(crate) signal: Arc<JobSignal>,
}

/// A signed credential ready to store, and where it goes.
pub(crate) struct Prepared {
    pub(crate) issued: IssuedCredential,
    pub(crate) deliver_to: Option<User>,
    pub(crate) claim: Option<(Claim, String)>,
    pub(crate) notify: Option<String>,
}

impl Issuing {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        badges: Arc<Badges>,
        mut settings: IssuingSettings,
    ) -> Self {
        settings.public_url = settings.public_url.trim_end_matches('/').to_owned();
        Issuing {
            store,
            blobs,
            clock,
            badges,
            settings,
            signal: JobSignal::new(),
        }
    }

    /// Raise `signal` when jobs were queued (the one the
    /// [`crate::jobs::JobRunner`] and [`crate::accounts::Accounts`] share).
    pub fn with_job_signal(mut self, signal: Arc<JobSignal>) -> Self {
        self.signal = signal;
        self
    }

    pub fn public_url(&self) -> &str {
        &self.settings.public_url
    }

    pub(crate) fn audit(
        &self,
        issuer_id: Uuid,
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
    pub fn achievement_url(&self, id: Uuid) -> String {
        format!("{}/achievements/{id}", self.settings.public_url)
    }

    pub fn status_url(&self, list_id: Uuid, purpose: &str) -> String {
        format!("{}/status/{list_id}/{purpose}", self.settings.public_url)
    }

    // ── issuers ──────────────────────────────────────────────────────

    /// Create an issuer (issuer staff and administrators only); the creator
    /// becomes its first member and a first key is made.
    pub async fn create_issuer(
        &self,
        user: &User,
        input: &IssuerInput,
    ) -> Result<Issuer, DomainError> {
        if !matches!(user.role, Role::IssuerStaff | Role::Admin) {
            return Err(DomainError::Forbidden);
        }
        let base = slug_of(&input.name);
        let now = self.clock.unix();
        let actor = Actor::of(user);
        for attempt in 0..20 {
            let slug = if attempt == 0 {
                base.clone()
            } else {
                format!("{base}-{}", attempt + 1)
            };
            let did = did_web(&self.settings.public_url, &["issuers", &slug])?;
            let profile = profile_of(input, &did)?;
            let issuer = Issuer {
                id: Uuid::new_v4(),
                slug: slug.clone(),
                did,
                profile,
                logo_key: None,
                logo_type: None,
                created_at: now,
                updated_at: now,
            };
            let key = self.seal_new_key(issuer.id, 1, now);
            let audit = self.audit(
                issuer.id,
                &actor,
                "issuer.create",
                issuer.did.clone(),
                issuer.profile.name.clone(),
            );
            match self
                .store
                .insert_issuer(&issuer, user.id, &key, &audit)
                .await
            {
                Ok(()) => return Ok(issuer),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::field("name", "taken"))
    }

    fn seal_new_key(&self, issuer_id: Uuid, n: usize, now: i64) -> IssuerKeyRecord {
        let key = new_key();
        let id = Uuid::new_v4();
        IssuerKeyRecord {
            id,
            issuer_id,
            fragment: format!("key-{n}"),
            public_key: PublicKey::Ed25519(key.verifying_key())
                .to_multikey()
                .unwrap_or_default(),
            sealed_secret: self
                .settings
                .vault
                .seal(&nonce(), &key_aad(issuer_id, id), &key.seed()),
            created_at: now,
            retired_at: None,
            revoked_at: None,
        }
    }

    pub async fn update_issuer(
        &self,
        user: &User,
        id: Uuid,
        input: &IssuerInput,
    ) -> Result<Issuer, DomainError> {
        let mut issuer = self.issuer(user, id).await?;
        let mut profile = profile_of(input, &issuer.did)?;
        profile.image = issuer.profile.image.clone();
        issuer.profile = profile;
        issuer.updated_at = self.clock.unix();
        let audit = self.audit(
            issuer.id,
            &Actor::of(user),
            "issuer.update",
            issuer.did.clone(),
            issuer.profile.name.clone(),
        );
        if !self.store.update_issuer(user.id, &issuer, &audit).await? {
            return Err(DomainError::NotFound);
        }
        Ok(issuer)
    }

    /// Set the issuer's logo (PNG or SVG): served at a public URL that every
    /// new credential's `issuer.image` names.
    pub async fn set_logo(
        &self,
        user: &User,
        id: Uuid,
        bytes: Bytes,
    ) -> Result<Issuer, DomainError> {
        let mut issuer = self.issuer(user, id).await?;
        let media = image_type(&bytes)?;
        let key = format!("issuers/{}/logo-{}", issuer.id, Uuid::new_v4());
        self.blobs
            .put(&key, bytes)
            .await
            .map_err(DomainError::Internal)?;
        let old = issuer.logo_key.replace(key);
        issuer.logo_type = Some(media.to_owned());
        issuer.profile.image = Some(format!(
            "{}/issuers/{}/logo",
            self.settings.public_url, issuer.slug
        ));
        issuer.updated_at = self.clock.unix();
        let audit = self.audit(
            issuer.id,
            &Actor::of(user),
            "issuer.logo",
            issuer.did.clone(),
            media.to_owned(),
        );
        if !self.store.update_issuer(user.id, &issuer, &audit).await? {
            return Err(DomainError::NotFound);
        }
        if let Some(old) = old {
            let _ = self.blobs.delete(&old).await;
        }
        Ok(issuer)
    }

    /// Public: an issuer's logo.
    pub async fn logo(&self, slug: &str) -> Result<(Bytes, String), DomainError> {
        let issuer = self
            .store
            .issuer_by_slug(slug)
            .await?
            .ok_or(DomainError::NotFound)?;
        let (Some(key), Some(media)) = (issuer.logo_key, issuer.logo_type) else {
            return Err(DomainError::NotFound);
        };
        let bytes = self
            .blobs
            .get(&key)
            .await
            .map_err(DomainError::Internal)?
            .ok_or(DomainError::NotFound)?;
        Ok((bytes, media))
    }

    /// An issuer the user is a member of.
    pub async fn issuer(&self, user: &User, id: Uuid) -> Result<Issuer, DomainError> {
        self.store
            .find_issuer(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn issuers(&self, user: &User) -> Result<Vec<Issuer>, DomainError> {
        Ok(self.store.list_issuers(user.id).await?)
    }

    pub async fn members(&self, user: &User, id: Uuid) -> Result<Vec<UserSummary>, DomainError> {
        self.issuer(user, id).await?;
        Ok(self.store.list_members(user.id, id).await?)
    }

    /// Add a colleague by the address they sign in with (issuer staff or
    /// administrators only).
    pub async fn add_member(
        &self,
        user: &User,
        id: Uuid,
        address: &str,
    ) -> Result<(), DomainError> {
        let issuer = self.issuer(user, id).await?;
        let email = Email::parse("email", address).map_err(|e| DomainError::Invalid(vec![e]))?;
        let member = self
            .store
            .find_user_by_login(email.as_str())
            .await?
            .ok_or_else(|| DomainError::field("email", "no_such_account"))?;
        if !matches!(member.role, Role::IssuerStaff | Role::Admin) {
            return Err(DomainError::field("email", "not_issuer_staff"));
        }
        let audit = self.audit(
            issuer.id,
            &Actor::of(user),
            "member.add",
            member.display_name.clone(),
            String::new(),
        );
        if !self
            .store
            .add_member(user.id, issuer.id, member.id, self.clock.unix(), &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        Ok(())
    }

    /// The issuer's keys, oldest first (public parts only leave).
    pub async fn keys(&self, user: &User, id: Uuid) -> Result<Vec<IssuerKeyRecord>, DomainError> {
        self.issuer(user, id).await?;
        Ok(self.store.issuer_keys(id).await?)
    }

    /// Make a new signing key; the old ones stay in the DID document.
    pub async fn rotate_key(&self, user: &User, id: Uuid) -> Result<IssuerKeyRecord, DomainError> {
        let issuer = self.issuer(user, id).await?;
        let keys = self.store.issuer_keys(id).await?;
        let key = self.seal_new_key(issuer.id, keys.len() + 1, self.clock.unix());
        let audit = self.audit(
            issuer.id,
            &Actor::of(user),
            "key.rotate",
            format!("{}#{}", issuer.did, key.fragment),
            key.public_key.clone(),
        );
        if !self.store.rotate_key(user.id, &key, &audit).await? {
            return Err(DomainError::NotFound);
        }
        Ok(key)
    }

    /// Revoke a retired key (named by its id or its fragment, `key-1`): it
    /// leaves the DID document's `assertionMethod`, so every credential it
    /// signed stops verifying (nothing is re-issued automatically: staff
    /// re-issue what they choose). The current key cannot be revoked: rotate
    /// first. Status lists last signed with it are re-signed with the
    /// current key in the same transaction, so the credentials they serve
    /// keep a checkable status. Audit-logged.
    pub async fn revoke_key(
        &self,
        user: &User,
        id: Uuid,
        key: &str,
        reason: &str,
    ) -> Result<IssuerKeyRecord, DomainError> {
        let issuer = self.issuer(user, id).await?;
        let reason = reason.trim();
        if too_long(reason, 500) {
            return Err(DomainError::field("reason", "too_long"));
        }
        let key = key.trim();
        let keys = self.store.issuer_keys(id).await?;
        let mut target = keys
            .iter()
            .find(|k| k.fragment == key || k.id.to_string() == key)
            .cloned()
            .ok_or(DomainError::NotFound)?;
        if target.revoked_at.is_some() {
            return Err(DomainError::field("key", "key_already_revoked"));
        }
        if target.retired_at.is_none() {
            return Err(DomainError::field("key", "key_current"));
        }
        let vm = format!("{}#{}", issuer.did, target.fragment);
        for _ in 0..5 {
            let current = self.signing_key(&issuer).await?;
            let now = self.clock.unix();
            let mut lists = Vec::new();
            for mut list in self.store.status_lists_of(issuer.id).await? {
                if !signed_with(&list.revocation_vc, &vm) && !signed_with(&list.suspension_vc, &vm)
                {
                    continue;
                }
                let revocation =
                    Bitstring::decode(&list.revocation).map_err(DomainError::internal)?;
                let suspension =
                    Bitstring::decode(&list.suspension).map_err(DomainError::internal)?;
                let (rv, sv) = self
                    .sign_lists(&issuer, &current, list.id, &revocation, &suspension)
                    .await?;
                list.revocation_vc = rv;
                list.suspension_vc = sv;
                list.version += 1;
                list.updated_at = now;
                lists.push(list);
            }
            let detail = if reason.is_empty() {
                target.public_key.clone()
            } else {
                format!("{} ({reason})", target.public_key)
            };
            let audit = self.audit(
                issuer.id,
                &Actor::of(user),
                "key.revoke",
                vm.clone(),
                detail,
            );
            match self
                .store
                .revoke_key(user.id, issuer.id, target.id, now, &lists, &audit)
                .await
            {
                Ok(true) => {
                    target.revoked_at = Some(now);
                    return Ok(target);
                }
                // Revoked meanwhile, or no longer a member.
                Ok(false) => return Err(DomainError::NotFound),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "the status lists kept changing".into(),
        ))
    }

    /// Public: the DID document served at `/issuers/<slug>/did.json`.
    pub async fn did_document(&self, slug: &str) -> Result<Value, DomainError> {
        let issuer = self
            .store
            .issuer_by_slug(slug)
            .await?
            .ok_or(DomainError::NotFound)?;
        let keys = self.store.issuer_keys(issuer.id).await?;
        Ok(did_document(&issuer, &keys))
    }

    /// At start: whether this server's key-encryption key opens the issuer
    /// keys already stored (`Ok(false)` when none is stored yet). A second
    /// server given a key of its own would otherwise start, look healthy,
    /// and fail at its first signing.
    pub async fn vault_opens_stored_keys(&self) -> Result<bool, DomainError> {
        let Some(k) = self.store.newest_issuer_key().await? else {
            return Ok(false);
        };
        self.settings
            .vault
            .open(&key_aad(k.issuer_id, k.id), &k.sealed_secret)
            .map(|_| true)
            .map_err(|_| {
                DomainError::Internal(format!(
                    "the key-encryption key does not open the issuer keys stored in the database \
                     (key {} of issuer {}): every server must use the same key \
                     (`issuing.key_encryption_key`, or the first server's issuer-keys.secret)",
                    k.id, k.issuer_id
                ))
            })
    }

    pub(crate) async fn signing_key(&self, issuer: &Issuer) -> Result<IssuerKey, DomainError> {
        let keys = self.store.issuer_keys(issuer.id).await?;
        let current = keys
            .iter()
            .rev()
            .find(|k| k.retired_at.is_none() && k.revoked_at.is_none())
            .ok_or_else(|| DomainError::Internal("the issuer has no current key".into()))?;
        let seed = self
            .settings
            .vault
            .open(&key_aad(issuer.id, current.id), &current.sealed_secret)
            .map_err(|e| DomainError::Internal(format!("issuer key {}: {e}", current.id)))?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| DomainError::Internal("issuer key has the wrong length".into()))?;
        Ok(IssuerKey {
            key: SigningKey::from_seed(&seed),
            did: issuer.did.clone(),
            verification_method: format!("{}#{}", issuer.did, current.fragment),
        })
    }

    // ── achievements ─────────────────────────────────────────────────

    /// Create (`id` absent) or change an achievement. Drafts are fine: an EU
    /// micro-credential missing mandatory elements is saved, and
    /// [`Issuing::missing`] says what it lacks.
    pub async fn save_achievement(
        &self,
        user: &User,
        issuer_id: Uuid,
        id: Option<Uuid>,
        mut spec: AchievementSpec,
    ) -> Result<Achievement, DomainError> {
        let issuer = match id {
            Some(id) => {
                let a = self.achievement(user, id).await?;
                self.issuer(user, a.issuer_id).await?
            }
            None => self.issuer(user, issuer_id).await?,
        };
        check_spec(&spec)?;
        let now = self.clock.unix();
        let actor = Actor::of(user);
        match id {
            None => {
                let id = Uuid::new_v4();
                spec.id = self.achievement_url(id);
                let a = Achievement {
                    id,
                    issuer_id: issuer.id,
                    spec,
                    image_key: None,
                    image_type: None,
                    created_at: now,
                    updated_at: now,
                };
                let audit = self.audit(
                    issuer.id,
                    &actor,
                    "achievement.create",
                    a.spec.id.clone(),
                    a.spec.name.clone(),
                );
                if !self.store.insert_achievement(user.id, &a, &audit).await? {
                    return Err(DomainError::NotFound);
                }
                Ok(a)
            }
            Some(id) => {
                let mut a = self.achievement(user, id).await?;
                spec.id = a.spec.id.clone();
                spec.image = a.spec.image.clone();
                a.spec = spec;
                a.updated_at = now;
                let audit = self.audit(
                    issuer.id,
                    &actor,
                    "achievement.update",
                    a.spec.id.clone(),
                    a.spec.name.clone(),
                );
                if !self.store.update_achievement(user.id, &a, &audit).await? {
                    return Err(DomainError::NotFound);
                }
                Ok(a)
            }
        }
    }

    /// Set an achievement's image (PNG or SVG), served at
    /// `/achievements/<id>/image`.
    pub async fn set_achievement_image(
        &self,
        user: &User,
        id: Uuid,
        bytes: Bytes,
    ) -> Result<Achievement, DomainError> {
        let mut a = self.achievement(user, id).await?;
        let issuer_id = a.issuer_id;
        let media = image_type(&bytes)?;
        let key = format!("achievements/{}/image-{}", a.id, Uuid::new_v4());
        self.blobs
            .put(&key, bytes)
            .await
            .map_err(DomainError::Internal)?;
        let old = a.image_key.replace(key);
        a.image_type = Some(media.to_owned());
        a.spec.image = Some(format!("{}/image", self.achievement_url(a.id)));
        a.updated_at = self.clock.unix();
        let audit = self.audit(
            issuer_id,
            &Actor::of(user),
            "achievement.update",
            a.spec.id.clone(),
            "image".into(),
        );
        if !self.store.update_achievement(user.id, &a, &audit).await? {
            return Err(DomainError::NotFound);
        }
        if let Some(old) = old {
            let _ = self.blobs.delete(&old).await;
        }
        Ok(a)
    }

    /// Public: an achievement's image; the generated one when none was
    /// uploaded.
    pub async fn achievement_image(&self, id: Uuid) -> Result<(Bytes, String), DomainError> {
        let a = self
            .store
            .public_achievement(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        if let (Some(key), Some(media)) = (&a.image_key, &a.image_type) {
            if let Some(bytes) = self.blobs.get(key).await.map_err(DomainError::Internal)? {
                return Ok((bytes, media.clone()));
            }
        }
        Ok((
            Bytes::from(generated_image(&a.spec.name)),
            "image/svg+xml".into(),
        ))
    }

    /// Public: the achievement as OB 3.0 JSON (what its `id` URL serves).
    pub async fn public_achievement(&self, id: Uuid) -> Result<(Achievement, Value), DomainError> {
        let a = self
            .store
            .public_achievement(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let issuer = self
            .store
            .find_issuer_public(a.issuer_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let doc = eu::credential(
            &issuer.profile,
            &a.spec,
            &Recipient::Did("did:example:recipient".into()),
            "urn:uuid:00000000-0000-0000-0000-000000000000",
            self.clock.now(),
            &[],
            None,
        );
        let achievement = doc
            .pointer("/credentialSubject/achievement")
            .cloned()
            .unwrap_or(Value::Null);
        Ok((a, achievement))
    }

    /// An achievement of an issuer the user is a member of.
    pub async fn achievement(&self, user: &User, id: Uuid) -> Result<Achievement, DomainError> {
        self.store
            .find_achievement(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn achievements(
        &self,
        user: &User,
        issuer_id: Uuid,
    ) -> Result<Vec<Achievement>, DomainError> {
        self.issuer(user, issuer_id).await?;
        Ok(self.store.list_achievements(user.id, issuer_id).await?)
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

    // ── awarding ─────────────────────────────────────────────────────

    /// Award one credential (from the award form).
    pub async fn award(
        &self,
        user: &User,
        issuer_id: Uuid,
        req: &AwardRequest,
    ) -> Result<IssuedCredential, DomainError> {
        self.award_from(user, issuer_id, req, "form").await
    }

    /// Award one credential; `source` says how (`form` or `api`), as the
    /// issued list shows it.
    pub async fn award_from(
        &self,
        user: &User,
        issuer_id: Uuid,
        req: &AwardRequest,
        source: &'static str,
    ) -> Result<IssuedCredential, DomainError> {
        let issuer = self.issuer(user, issuer_id).await?;
        let achievement = self
            .achievement(user, req.achievement_id)
            .await
            .ok()
            .filter(|a| a.issuer_id == issuer.id)
            .ok_or_else(|| DomainError::field("achievement_id", "required"))?;
        let missing = Self::missing(&issuer, &achievement);
        if !missing.is_empty() {
            return Err(DomainError::field("achievement_id", "eu_incomplete"));
        }
        let (recipient, account) = self.recipient_of(&req.recipient).await?;
        let name = match req.recipient_name.as_deref().map(str::trim) {
            Some(n) if too_long(n, 200) => {
                return Err(DomainError::field("recipient_name", "too_long"))
            }
            Some("") | None => None,
            Some(n) => Some(n.to_owned()),
        };
        let grade = match req.grade.as_deref().map(str::trim) {
            Some(g) if too_long(g, 100) => return Err(DomainError::field("grade", "too_long")),
            Some("") | None => None,
            Some(g) => Some(g.to_owned()),
        };
        let actor = Actor::of(user);
        let key = self.signing_key(&issuer).await?;
        let account_id = account.as_ref().map(|a| a.id);
        let mut issued = self
            .issue_all(
                &issuer,
                &achievement,
                &key,
                &actor,
                vec![Award {
                    recipient,
                    account,
                    name,
                    grade,
                    format: req.format,
                    source,
                    batch: None,
                    key: None,
                }],
            )
            .await?;
        let mut issued = issued
            .pop()
            .ok_or_else(|| DomainError::Internal("nothing issued".into()))?;
        // One award by hand: deliver now, so that the page (or the API's
        // answer) says where it is. The delivery job queued with it then
        // finds it done; should this fail, the job delivers it later.
        if let Some(account) = &account_id {
            match self.deliver_job(issued.id, *account).await {
                Ok(()) => issued.user_id = Some(*account),
                Err(e) => {
                    tracing::warn!(credential = %issued.id, error = %e, "delivering at once failed; the job will retry")
                }
            }
        }
        Ok(issued)
    }

    /// Who an award goes to: the credential's recipient, and the account
    /// that confirmed it, if any.
    pub(crate) async fn recipient_of(
        &self,
        input: &RecipientInput,
    ) -> Result<(RecipientTarget, Option<User>), DomainError> {
        match input {
            RecipientInput::Email(a) | RecipientInput::Account(a) => {
                let email =
                    Email::parse("recipient", a).map_err(|e| DomainError::Invalid(vec![e]))?;
                let account = self.store.account_with_email(email.as_str()).await?;
                if matches!(input, RecipientInput::Account(_)) && account.is_none() {
                    return Err(DomainError::field("recipient", "no_such_account"));
                }
                Ok((RecipientTarget::Email(email.as_str().to_owned()), account))
            }
            RecipientInput::Did(d) => {
                let did = crate::values::Did::parse("recipient", d)
                    .map_err(|e| DomainError::Invalid(vec![e]))?;
                let account = self.store.account_with_did(did.as_str()).await?;
                Ok((RecipientTarget::Did(did.as_str().to_owned()), account))
            }
        }
    }

    /// Sign and store awards of one achievement, then deliver and notify.
    pub(crate) async fn issue_all(
        &self,
        issuer: &Issuer,
        achievement: &Achievement,
        key: &IssuerKey,
        actor: &Actor,
        awards: Vec<Award>,
    ) -> Result<Vec<IssuedCredential>, DomainError> {
        let mut awards = awards;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // An automatic award made before (here or by another server)
            // is not made again.
            let keys: Vec<String> = awards.iter().filter_map(|a| a.key.clone()).collect();
            if !keys.is_empty() {
                let taken: std::collections::HashSet<String> = self
                    .store
                    .issued_by_keys(&keys)
                    .await?
                    .into_iter()
                    .filter_map(|c| c.award_key)
                    .collect();
                let mut seen = std::collections::HashSet::new();
                awards.retain(|a| {
                    a.key
                        .as_ref()
                        .is_none_or(|k| !taken.contains(k) && seen.insert(k.clone()))
                });
            }
            if awards.is_empty() {
                return Ok(Vec::new());
            }
            let prepared = self
                .sign_awards(issuer, achievement, key, actor, &awards)
                .await?;
            let issued: Vec<IssuedCredential> = prepared.iter().map(|p| p.issued.clone()).collect();
            let claims: Vec<Claim> = prepared
                .iter()
                .filter_map(|p| p.claim.as_ref().map(|c| c.0.clone()))
                .collect();
            let audits: Vec<AuditEntry> = prepared
                .iter()
                .map(|p| {
                    self.audit(
                        issuer.id,
                        actor,
                        "credential.issue",
                        format!("urn:uuid:{}", p.issued.id),
                        format!("{} → {}", p.issued.achievement_name, p.issued.recipient),
                    )
                })
                .collect();
            let jobs = self.award_jobs(issuer, &prepared);
            match self
                .store
                .insert_issued(&issued, &claims, &audits, &jobs)
                .await
            {
                Ok(()) => {
                    self.signal.queued();
                    return Ok(prepared.into_iter().map(|p| p.issued).collect());
                }
                // Another server made one of these automatic awards in the
                // meantime: look again (its slots stay unused).
                Err(StoreError::Conflict(Conflict::Taken)) if !keys.is_empty() && attempt < 3 => {
                    tracing::info!(
                        attempt,
                        "an automatic award was made elsewhere meanwhile: looking again"
                    );
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The work an award leaves for after its commit, queued with it: the
    /// delivery to the recipient's account, and the mail (a claim link for
    /// those without an account).
    pub(crate) fn award_jobs(&self, issuer: &Issuer, prepared: &[Prepared]) -> Vec<NewJob> {
        let now = self.clock.unix();
        let mut jobs = Vec::new();
        for p in prepared {
            if let Some(account) = &p.deliver_to {
                jobs.push(
                    Job::DeliverCredential {
                        credential_id: p.issued.id,
                        user_id: account.id,
                    }
                    .queue(now),
                );
            }
            if let Some(to) = &p.notify {
                let locale = p
                    .deliver_to
                    .as_ref()
                    .and_then(|u| u.locale)
                    .unwrap_or(crate::values::Locale::En);
                let mut mail = Job::SendMail(Notification::CredentialIssued {
                    to: to.clone(),
                    locale,
                    issuer: issuer.profile.name.clone(),
                    achievement: p.issued.achievement_name.clone(),
                    claim_token: p.claim.as_ref().map(|c| c.1.clone()),
                })
                .queue(now);
                mail.dedupe_key = Some(format!("mail:issued:{}", p.issued.id));
                jobs.push(mail);
            }
        }
        jobs
    }

    /// The delivery job: put an issued credential in its account's backpack
    /// (once: a second run finds it there), then award the stacked
    /// achievements it completes. Nothing to do when the credential or the
    /// account is gone. A credential revoked meanwhile is delivered all the
    /// same (as it would have been at once): the backpack shows it revoked.
    pub(crate) async fn deliver_job(
        &self,
        credential_id: Uuid,
        user_id: Uuid,
    ) -> Result<(), DomainError> {
        let Some(issued) = self.store.find_issued_by_id(credential_id).await? else {
            return Ok(());
        };
        let Some(account) = self.store.find_user(user_id).await? else {
            return Ok(());
        };
        self.deliver(&account, &issued).await?;
        self.award_stacks(&[(account.id, issued.achievement_id)])
            .await
    }

    /// Put a credential in the account's Portal certificates area.
    pub(crate) async fn deliver(
        &self,
        account: &User,
        issued: &IssuedCredential,
    ) -> Result<(), DomainError> {
        let ext = if issued.format == "jwt" {
            "jwt"
        } else {
            "json"
        };
        let filename = crate::files::clean_stem(&issued.achievement_name, "credential", ext);
        self.badges
            .receive_portal(account, &filename, Bytes::from(issued.credential.clone()))
            .await?;
        self.store.set_issued_user(issued.id, account.id).await?;
        Ok(())
    }

    /// The issuer's current status list pair with room for `n` more, or a
    /// new pair.
    /// Reserve status slots for `awards` and sign them: the one way
    /// credentials are made. The slots are taken in the database (see
    /// [`IssuingStore::reserve_status_slots`]), so no lock is held while
    /// signing and servers issuing at once never wait on each other.
    pub(crate) async fn sign_awards(
        &self,
        issuer: &Issuer,
        achievement: &Achievement,
        key: &IssuerKey,
        actor: &Actor,
        awards: &[Award],
    ) -> Result<Vec<Prepared>, DomainError> {
        if awards.is_empty() {
            return Ok(Vec::new());
        }
        let Some(slots) = self.reserve_slots(issuer, key, awards.len() as i64).await? else {
            return Ok(Vec::new());
        };
        self.prepare(issuer, achievement, key, actor, slots, awards)
            .await
    }

    /// `n` consecutive slots of the issuer's newest status list, or of a new
    /// one when it has fewer left (two servers may both open one: each list
    /// is valid, the newest is used next); none for no credential.
    pub(crate) async fn reserve_slots(
        &self,
        issuer: &Issuer,
        key: &IssuerKey,
        n: i64,
    ) -> Result<Option<Slots>, DomainError> {
        if n == 0 {
            return Ok(None);
        }
        if n > STATUS_LIST_SIZE {
            return Err(DomainError::Internal(
                "batch larger than a status list".into(),
            ));
        }
        for _ in 0..4 {
            let list = match self.store.current_status_list(issuer.id).await? {
                Some(list) if list.size - list.used >= n => list,
                _ => self.open_list(issuer, key).await?,
            };
            if let Some(first) = self.store.reserve_status_slots(list.id, n).await? {
                return Ok(Some(Slots {
                    list_id: list.id,
                    first,
                }));
            }
        }
        Err(DomainError::Internal(
            "no status list with free slots after four tries".into(),
        ))
    }

    /// A new, empty status list pair for the issuer.
    async fn open_list(&self, issuer: &Issuer, key: &IssuerKey) -> Result<StatusList, DomainError> {
        let now = self.clock.unix();
        let id = Uuid::new_v4();
        let empty = Bitstring::new(STATUS_LIST_SIZE as usize);
        let (revocation_vc, suspension_vc) =
            self.sign_lists(issuer, key, id, &empty, &empty).await?;
        let list = StatusList {
            id,
            issuer_id: issuer.id,
            size: STATUS_LIST_SIZE,
            used: 0,
            version: 0,
            revocation: empty.encode(),
            suspension: empty.encode(),
            revocation_vc,
            suspension_vc,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_status_list(&list).await?;
        tracing::info!(issuer = %issuer.id, list = %id, "opened a status list");
        Ok(list)
    }

    async fn sign_lists(
        &self,
        issuer: &Issuer,
        key: &IssuerKey,
        id: Uuid,
        revocation: &Bitstring,
        suspension: &Bitstring,
    ) -> Result<(String, String), DomainError> {
        let now = self.clock.now();
        let docs = [
            eu::status_list_credential(
                &self.status_url(id, "revocation"),
                &issuer.did,
                "revocation",
                revocation,
                now,
            ),
            eu::status_list_credential(
                &self.status_url(id, "suspension"),
                &issuer.did,
                "suspension",
                suspension,
                now,
            ),
        ];
        let key = IssuerKey {
            key: key.key.clone(),
            did: key.did.clone(),
            verification_method: key.verification_method.clone(),
        };
        let signed = tokio::task::spawn_blocking(move || {
            docs.iter()
                .map(|d| {
                    backpack_credentials::sign::sign(
                        backpack_jsonld::Processor::shared(),
                        d,
                        &key,
                        SignFormat::DataIntegrity(
                            backpack_credentials::proof::SignSuite::EddsaRdfc2022,
                        ),
                        now,
                    )
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(DomainError::internal)?
        .map_err(|e| DomainError::Internal(format!("signing a status list: {e}")))?;
        let mut texts = signed.into_iter().map(|s| match s {
            Secured::Json(v) => v.to_string(),
            Secured::Jwt(t) => t,
        });
        Ok((
            texts.next().unwrap_or_default(),
            texts.next().unwrap_or_default(),
        ))
    }

    /// Build and sign the credentials of `awards` at the reserved slots.
    pub(crate) async fn prepare(
        &self,
        issuer: &Issuer,
        achievement: &Achievement,
        key: &IssuerKey,
        actor: &Actor,
        slots: Slots,
        awards: &[Award],
    ) -> Result<Vec<Prepared>, DomainError> {
        let now = self.clock.now();
        let mut jobs = Vec::with_capacity(awards.len());
        for (i, award) in awards.iter().enumerate() {
            let id = Uuid::new_v4();
            let index = status_index(slots.list_id, slots.first + i as i64);
            let mut status = vec![StatusRef {
                list_url: self.status_url(slots.list_id, "revocation"),
                index: index as u64,
                purpose: "revocation".into(),
            }];
            if achievement.spec.suspendable {
                status.push(StatusRef {
                    list_url: self.status_url(slots.list_id, "suspension"),
                    index: index as u64,
                    purpose: "suspension".into(),
                });
            }
            let recipient = match &award.recipient {
                RecipientTarget::Email(a) => {
                    let salt = random_token()[..16].to_owned();
                    Recipient::Email {
                        hash: eu::identity_hash(a, &salt),
                        salt,
                    }
                }
                RecipientTarget::Did(d) => Recipient::Did(d.clone()),
            };
            let doc = eu::credential(
                &issuer.profile,
                &achievement.spec,
                &recipient,
                &format!("urn:uuid:{id}"),
                now,
                &status,
                award.grade.as_deref(),
            );
            jobs.push((id, index, doc));
        }
        let key2 = IssuerKey {
            key: key.key.clone(),
            did: key.did.clone(),
            verification_method: key.verification_method.clone(),
        };
        let formats: Vec<SignFormat> = awards.iter().map(|a| a.format).collect();
        let docs: Vec<Value> = jobs.iter().map(|j| j.2.clone()).collect();
        let signed = sign_many(docs, formats, Arc::new(key2), now).await?;
        let at = self.clock.unix();
        let mut out = Vec::with_capacity(awards.len());
        for ((award, (id, index, _)), secured) in awards.iter().zip(jobs).zip(signed) {
            let (format, credential) = match secured {
                Secured::Json(v) => ("json", v.to_string()),
                Secured::Jwt(t) => ("jwt", t),
            };
            let (kind, recipient) = match &award.recipient {
                RecipientTarget::Email(a) => (RecipientKind::Email, a.clone()),
                RecipientTarget::Did(d) => (RecipientKind::Did, d.clone()),
            };
            let claim = match (&award.account, kind) {
                (None, RecipientKind::Email) => {
                    let token = random_token();
                    Some((
                        Claim {
                            token_hash: token_hash(&token),
                            issued_id: id,
                            expires_at: at + CLAIM_TTL_SECS,
                            claimed_by: None,
                            claimed_at: None,
                        },
                        token,
                    ))
                }
                _ => None,
            };
            out.push(Prepared {
                issued: IssuedCredential {
                    id,
                    issuer_id: issuer.id,
                    achievement_id: achievement.id,
                    achievement_name: achievement.spec.name.clone(),
                    recipient_kind: kind,
                    recipient: recipient.clone(),
                    recipient_name: award.name.clone(),
                    user_id: None,
                    format: format.to_owned(),
                    credential,
                    list_id: slots.list_id,
                    list_index: index,
                    state: CredentialState::Active,
                    reason: None,
                    state_at: None,
                    issued_at: at,
                    actor_name: actor.name.clone(),
                    source: award.source.to_owned(),
                    batch_id: award.batch.map(|b| b.0),
                    batch_row: award.batch.map(|b| b.1),
                    award_key: award.key.clone(),
                },
                deliver_to: award.account.clone(),
                claim,
                notify: (kind == RecipientKind::Email).then_some(recipient),
            });
        }
        Ok(out)
    }

    // ── after issuing ────────────────────────────────────────────────

    pub async fn issued(
        &self,
        user: &User,
        issuer_id: Uuid,
        q: &IssuedQuery,
    ) -> Result<Vec<IssuedCredential>, DomainError> {
        self.issuer(user, issuer_id).await?;
        Ok(self.store.list_issued(user.id, issuer_id, q).await?)
    }

    pub async fn count_issued(&self, user: &User, issuer_id: Uuid) -> Result<i64, DomainError> {
        Ok(self.store.count_issued(user.id, issuer_id).await?)
    }

    /// A credential of an issuer the user is a member of.
    pub async fn issued_one(&self, user: &User, id: Uuid) -> Result<IssuedCredential, DomainError> {
        self.store
            .find_issued(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    /// Send a credential's claim link again, as a new link: the old one stops
    /// working (it may be the one that went astray). Only for an active
    /// credential not claimed yet and sent to an address; the mail is a job
    /// queued with the new link and the audit line.
    pub async fn resend_claim(
        &self,
        user: &User,
        id: Uuid,
    ) -> Result<IssuedCredential, DomainError> {
        let issued = self.issued_one(user, id).await?;
        if issued.state != CredentialState::Active
            || issued.user_id.is_some()
            || issued.recipient_kind != RecipientKind::Email
        {
            return Err(DomainError::field("claim", "claim_not_pending"));
        }
        let issuer = self.issuer(user, issued.issuer_id).await?;
        let now = self.clock.unix();
        let token = random_token();
        let claim = Claim {
            token_hash: token_hash(&token),
            issued_id: issued.id,
            expires_at: now + CLAIM_TTL_SECS,
            claimed_by: None,
            claimed_at: None,
        };
        let audit = self.audit(
            issuer.id,
            &Actor::of(user),
            "claim.resend",
            format!("urn:uuid:{}", issued.id),
            issued.recipient.clone(),
        );
        let mail = Job::SendMail(Notification::CredentialIssued {
            to: issued.recipient.clone(),
            locale: crate::values::Locale::En,
            issuer: issuer.profile.name.clone(),
            achievement: issued.achievement_name.clone(),
            claim_token: Some(token),
        })
        .queue(now);
        if !self
            .store
            .replace_claim(user.id, &claim, &audit, &mail)
            .await?
        {
            return Err(DomainError::field("claim", "claim_not_pending"));
        }
        self.signal.queued();
        Ok(issued)
    }

    /// Revoke (final), suspend, or reinstate a suspended credential: the
    /// status list is changed, re-signed and stored with the credential's
    /// state and the audit line, in one transaction.
    pub async fn set_state(
        &self,
        user: &User,
        id: Uuid,
        target: CredentialState,
        reason: &str,
    ) -> Result<IssuedCredential, DomainError> {
        let reason = reason.trim();
        if too_long(reason, 500) {
            return Err(DomainError::field("reason", "too_long"));
        }
        if target != CredentialState::Active && reason.is_empty() {
            return Err(DomainError::field("reason", "required"));
        }
        let first = self.issued_one(user, id).await?;
        let issuer = self.issuer(user, first.issuer_id).await?;
        for _ in 0..5 {
            let mut issued = self.issued_one(user, id).await?;
            let allowed = matches!(
                (issued.state, target),
                (CredentialState::Active, CredentialState::Revoked)
                    | (CredentialState::Active, CredentialState::Suspended)
                    | (CredentialState::Suspended, CredentialState::Revoked)
                    | (CredentialState::Suspended, CredentialState::Active)
            );
            if !allowed {
                return Err(DomainError::field("state", "state_change_refused"));
            }
            if target == CredentialState::Suspended && !is_suspendable(&issued) {
                return Err(DomainError::field("state", "not_suspendable"));
            }
            let mut list = self
                .store
                .find_status_list(issued.list_id)
                .await?
                .ok_or_else(|| DomainError::Internal("status list missing".into()))?;
            let mut revocation =
                Bitstring::decode(&list.revocation).map_err(DomainError::internal)?;
            let mut suspension =
                Bitstring::decode(&list.suspension).map_err(DomainError::internal)?;
            let index = usize::try_from(issued.list_index).map_err(DomainError::internal)?;
            revocation
                .set(index, target == CredentialState::Revoked)
                .map_err(DomainError::internal)?;
            suspension
                .set(index, target == CredentialState::Suspended)
                .map_err(DomainError::internal)?;
            let key = self.signing_key(&issuer).await?;
            let (rv, sv) = self
                .sign_lists(&issuer, &key, list.id, &revocation, &suspension)
                .await?;
            list.revocation = revocation.encode();
            list.suspension = suspension.encode();
            list.revocation_vc = rv;
            list.suspension_vc = sv;
            list.version += 1;
            list.updated_at = self.clock.unix();
            issued.state = target;
            issued.reason = (!reason.is_empty()).then(|| reason.to_owned());
            issued.state_at = Some(list.updated_at);
            let action = match target {
                CredentialState::Revoked => "credential.revoke",
                CredentialState::Suspended => "credential.suspend",
                CredentialState::Active => "credential.reinstate",
            };
            let audit = self.audit(
                issuer.id,
                &Actor::of(user),
                action,
                format!("urn:uuid:{}", issued.id),
                reason.to_owned(),
            );
            match self
                .store
                .set_issued_state(user.id, &issued, &list, &audit)
                .await
            {
                Ok(true) => return Ok(issued),
                Ok(false) => return Err(DomainError::NotFound),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "the status list kept changing".into(),
        ))
    }

    pub async fn audit_log(
        &self,
        user: &User,
        issuer_id: Uuid,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, DomainError> {
        self.issuer(user, issuer_id).await?;
        Ok(self.store.audit_log(user.id, issuer_id, limit).await?)
    }

    /// Public: a signed status list credential.
    pub async fn status_list(&self, id: Uuid, purpose: &str) -> Result<String, DomainError> {
        let list = self
            .store
            .find_status_list(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        match purpose {
            "revocation" => Ok(list.revocation_vc),
            "suspension" => Ok(list.suspension_vc),
            _ => Err(DomainError::NotFound),
        }
    }

    // ── claims ───────────────────────────────────────────────────────

    /// What a claim link offers (before the learner signs in).
    pub async fn claim_info(&self, token: &str) -> Result<IssuedCredential, DomainError> {
        let (claim, issued) = self
            .store
            .find_claim(&token_hash(token))
            .await?
            .ok_or(DomainError::TokenInvalid)?;
        if claim.claimed_at.is_some() || claim.expires_at < self.clock.unix() {
            return Err(DomainError::TokenInvalid);
        }
        Ok(issued)
    }

    /// Whether the account may claim this credential: it confirmed the
    /// address (or the DID) the credential was issued to. A claim link is
    /// not enough on its own: links get forwarded, leaked and logged.
    pub async fn may_claim(
        &self,
        user: &User,
        issued: &IssuedCredential,
    ) -> Result<bool, DomainError> {
        Ok(match issued.recipient_kind {
            RecipientKind::Email => self.store.list_emails(user.id).await?.iter().any(|e| {
                e.confirmed_at.is_some() && e.address.eq_ignore_ascii_case(&issued.recipient)
            }),
            RecipientKind::Did => self
                .store
                .list_dids(user.id)
                .await?
                .iter()
                .any(|d| d.confirmed_at.is_some() && d.did == issued.recipient),
        })
    }

    /// Put a claimed credential in the signed-in learner's backpack, when
    /// the account confirmed the recipient's address or DID
    /// ([`Issuing::may_claim`]); refused otherwise with
    /// `claim_recipient_unconfirmed`, and the link stays valid.
    pub async fn claim(&self, user: &User, token: &str) -> Result<IssuedCredential, DomainError> {
        let issued = self.claim_info(token).await?;
        if !self.may_claim(user, &issued).await? {
            return Err(DomainError::field(
                "recipient",
                "claim_recipient_unconfirmed",
            ));
        }
        // The delivery is queued with the claim (nothing is lost if this
        // request dies), then run at once so the learner sees it now; the
        // queued job then finds it done.
        let now = self.clock.unix();
        let job = Job::DeliverCredential {
            credential_id: issued.id,
            user_id: user.id,
        }
        .queue(now);
        if !self
            .store
            .mark_claimed(&token_hash(token), user.id, now, &job)
            .await?
        {
            return Err(DomainError::TokenInvalid);
        }
        self.deliver_job(issued.id, user.id).await?;
        self.signal.queued();
        Ok(issued)
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

/// Sign documents on up to two threads (the caller is a blocking thread).
async fn sign_many(
    docs: Vec<Value>,
    formats: Vec<SignFormat>,
    key: Arc<IssuerKey>,
    now: time::OffsetDateTime,
) -> Result<Vec<Secured>, DomainError> {
    fn sign_part(
        docs: &[Value],
        formats: &[SignFormat],
        key: &IssuerKey,
        now: time::OffsetDateTime,
    ) -> Result<Vec<Secured>, DomainError> {
        docs.iter()
            .zip(formats)
            .map(|(d, f)| {
                backpack_credentials::sign::sign(
                    backpack_jsonld::Processor::shared(),
                    d,
                    key,
                    *f,
                    now,
                )
                .map_err(|e| DomainError::Internal(format!("signing: {e}")))
            })
            .collect()
    }
    // One part per core, each on a thread of the blocking pool (kept
    // between chunks: no thread is made per chunk).
    let parts = if docs.len() < 64 {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 8)
    };
    let size = docs.len().div_ceil(parts).max(1);
    let mut docs = docs;
    let mut formats = formats;
    let mut tasks = Vec::with_capacity(parts);
    while !docs.is_empty() {
        let rest_docs = docs.split_off(size.min(docs.len()));
        let rest_formats = formats.split_off(size.min(formats.len()));
        let (part_docs, part_formats) = (docs, formats);
        let key = key.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            sign_part(&part_docs, &part_formats, &key, now)
        }));
        docs = rest_docs;
        formats = rest_formats;
    }
    let mut out = Vec::new();
    for t in tasks {
        out.extend(t.await.map_err(DomainError::internal)??);
    }
    Ok(out)
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
