//! Digital badges: import (a file or pasted text: OB 3.0 JSON or VC-JWT,
//! OB 2.0, baked PNG or SVG), verification with the credential engine on
//! import and on view, and the learner's list.
//!
//! The original bytes are kept exactly as received. A second import of the
//! same bytes, or of the same credential (same `id`) in another form, is
//! recognised and returns the badge already there.

use std::sync::Arc;

use backpack_credentials::report::{Format, Report, Verdict};
use backpack_credentials::verify::InputError;
use bytes::Bytes;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entities::{Badge, BadgeSource, User};
use crate::issuing::{LocalDocuments, LocalIssuers};
use crate::ports::{BlobStore, Clock, Store};
use crate::tokens::hex;
use crate::{DomainError, FieldError, StoreError};

/// How imported credentials are checked (the server chooses offline or
/// online look-ups).
pub trait CredentialCheck: Send + Sync {
    /// `local`: this instance's own issuers' DID documents and status lists
    /// that the credential refers to (read from the store, never fetched).
    fn check(
        &self,
        bytes: &[u8],
        at: OffsetDateTime,
        local: &LocalDocuments,
    ) -> Result<Report, InputError>;
}

/// Offline checks: did:key resolves, nothing is fetched; a did:web issuer or a
/// status list reads "needs the network".
pub struct OfflineCheck;

impl CredentialCheck for OfflineCheck {
    fn check(
        &self,
        bytes: &[u8],
        at: OffsetDateTime,
        local: &LocalDocuments,
    ) -> Result<Report, InputError> {
        let mut resolver = backpack_credentials::did::OfflineResolver::new();
        for d in &local.did_documents {
            resolver.add_document(d.clone());
        }
        let mut lists = backpack_credentials::status::LocalStatusLists::new();
        for l in &local.status_lists {
            lists.add(l.clone());
        }
        let no_lists = backpack_credentials::status::NoStatusLists;
        let verifier = backpack_credentials::verify::Verifier {
            processor: backpack_jsonld::Processor::shared(),
            resolver: &resolver,
            status_lists: if local.status_lists.is_empty() {
                &no_lists
            } else {
                &lists
            },
            now: at,
            deadline: &backpack_credentials::work::NoDeadline,
        };
        verifier.verify_bytes(bytes)
    }
}

/// Largest badge accepted: a credential document (2 MiB) or a baked image.
pub const MAX_BADGE_BYTES: u64 = 16 * 1024 * 1024;

/// What an import did.
#[derive(Debug, Clone)]
pub enum Imported {
    New(Badge),
    /// The account already holds this credential.
    Existing(Badge),
}

/// A badge and its live verification.
#[derive(Debug, Clone)]
pub struct BadgeView {
    pub badge: Badge,
    pub report: Report,
    pub document: Option<Value>,
    /// Whether it names one of the account's confirmed identifiers.
    pub recipient: crate::recipient::RecipientMatch,
}

pub struct Badges {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    check: Arc<dyn CredentialCheck>,
    clock: Arc<dyn Clock>,
    blob_grace_secs: i64,
    local: Option<Arc<LocalIssuers>>,
}

fn media_type(bytes: &[u8]) -> &'static str {
    match backpack_bake::sniff(bytes) {
        Some(backpack_bake::ImageKind::Png) => "image/png",
        Some(backpack_bake::ImageKind::Svg) => "image/svg+xml",
        None if bytes.trim_ascii_start().starts_with(b"{") => "application/json",
        None => "application/jwt",
    }
}

/// The credential document inside the bytes (JSON, compact JWS, baked image).
pub fn document_of(bytes: &[u8]) -> Option<Value> {
    let text = if backpack_bake::sniff(bytes).is_some() {
        backpack_bake::unbake(bytes).ok()?.text
    } else {
        std::str::from_utf8(bytes).ok()?.to_owned()
    };
    let text = text.trim();
    if text.starts_with('{') {
        return backpack_credentials::json::parse_limited(text.as_bytes()).ok();
    }
    let jws = backpack_crypto::jose::parse_compact(text).ok()?;
    let payload: Value = backpack_credentials::json::parse_limited(&jws.payload).ok()?;
    Some(backpack_credentials::jwt::credential_of(&payload))
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        // Multilingual maps (`{"en": …, "fr": …}`): the first value.
        Value::Object(m) => m.values().find_map(|x| x.as_str().map(str::to_owned)),
        _ => None,
    }
    .map(|s| s.chars().take(2000).collect())
}

/// Name, issuer, description, dates and id, wherever the format puts them
/// (OB 3.0: the achievement; OB 2.0: the badge class).
pub struct Summary {
    pub credential_id: Option<String>,
    pub name: Option<String>,
    pub issuer_name: Option<String>,
    pub issuer_id: Option<String>,
    pub description: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

pub fn summarise(doc: &Value) -> Summary {
    let subject = match doc.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    let achievement = subject.and_then(|s| s.get("achievement"));
    let badge_class = doc.get("badge").filter(|b| b.is_object());
    let issuer = doc
        .get("issuer")
        .or_else(|| badge_class.and_then(|b| b.get("issuer")));
    let (issuer_name, issuer_id) = match issuer {
        Some(Value::String(s)) => (None, Some(s.clone())),
        Some(obj @ Value::Object(_)) => (text_of(obj.get("name")), text_of(obj.get("id"))),
        _ => (None, None),
    };
    Summary {
        credential_id: text_of(doc.get("id")),
        name: text_of(achievement.and_then(|a| a.get("name")))
            .or_else(|| text_of(doc.get("name")))
            .or_else(|| text_of(badge_class.and_then(|b| b.get("name")))),
        issuer_name,
        issuer_id,
        description: text_of(achievement.and_then(|a| a.get("description")))
            .or_else(|| text_of(doc.get("description")))
            .or_else(|| text_of(badge_class.and_then(|b| b.get("description")))),
        valid_from: text_of(doc.get("validFrom"))
            .or_else(|| text_of(doc.get("issuanceDate")))
            .or_else(|| text_of(doc.get("issuedOn"))),
        valid_until: text_of(doc.get("validUntil"))
            .or_else(|| text_of(doc.get("expirationDate")))
            .or_else(|| text_of(doc.get("expires"))),
    }
}

impl Badges {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        check: Arc<dyn CredentialCheck>,
        clock: Arc<dyn Clock>,
        blob_grace_secs: i64,
    ) -> Self {
        Badges {
            store,
            blobs,
            check,
            clock,
            blob_grace_secs,
            local: None,
        }
    }

    /// Verify this instance's own credentials with its issuers' documents
    /// and status lists read from the store.
    pub fn with_local_issuers(mut self, local: Arc<LocalIssuers>) -> Self {
        self.local = Some(local);
        self
    }

    async fn verify(&self, bytes: Bytes) -> Result<Result<Report, InputError>, DomainError> {
        let check = self.check.clone();
        let at = self.clock.now();
        let local = match (&self.local, document_of(&bytes)) {
            (Some(l), Some(doc)) => l.documents_for(&doc).await?,
            _ => LocalDocuments::default(),
        };
        tokio::task::spawn_blocking(move || check.check(&bytes, at, &local))
            .await
            .map_err(DomainError::internal)
    }

    /// Import a badge for `user`. Refused (a field error on `file`, with the
    /// engine's code) when the bytes are not a credential at all; nothing is
    /// stored then.
    pub async fn import(
        &self,
        user: &User,
        filename: &str,
        bytes: Bytes,
    ) -> Result<Imported, DomainError> {
        self.receive(user, filename, bytes, BadgeSource::Imported)
            .await
    }

    /// Store a credential this instance issued to `user` (area 3, portal
    /// certificates). Verified like an import.
    pub async fn receive_portal(
        &self,
        user: &User,
        filename: &str,
        bytes: Bytes,
    ) -> Result<Imported, DomainError> {
        self.receive(user, filename, bytes, BadgeSource::Portal)
            .await
    }

    async fn receive(
        &self,
        user: &User,
        filename: &str,
        bytes: Bytes,
        source: BadgeSource,
    ) -> Result<Imported, DomainError> {
        if bytes.is_empty() {
            return Err(DomainError::field("file", "file_empty"));
        }
        if bytes.len() as u64 > MAX_BADGE_BYTES {
            return Err(DomainError::FileTooLarge {
                max: MAX_BADGE_BYTES,
            });
        }
        let sha = hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        let doc = document_of(&bytes);
        let content_sha = match &doc {
            Some(d) => hex(&<sha2::Sha256 as sha2::Digest>::digest(
                serde_json::to_vec(d).map_err(DomainError::internal)?,
            )),
            None => sha.clone(),
        };
        // Already here (the same bytes or the same credential): nothing to
        // verify again (a delivery job run twice lands here).
        if let Some(existing) = self
            .store
            .find_same_badge(user.id, &sha, &content_sha)
            .await?
        {
            return Ok(Imported::Existing(existing));
        }
        let report = match self.verify(bytes.clone()).await? {
            Ok(r) => r,
            Err(e) => {
                return Err(DomainError::Invalid(vec![FieldError::new(
                    "file",
                    input_code(&e),
                )]))
            }
        };
        let summary = doc.as_ref().map(summarise);
        let credential_id = summary
            .as_ref()
            .and_then(|s| s.credential_id.clone())
            .or_else(|| report.id.clone());
        let id = Uuid::new_v4();
        let now = self.clock.unix();
        let mt = media_type(&bytes);
        let ext = match mt {
            "image/png" => "png",
            "image/svg+xml" => "svg",
            "application/json" => "json",
            _ => "jwt",
        };
        let s = summary.unwrap_or(Summary {
            credential_id: None,
            name: None,
            issuer_name: None,
            issuer_id: None,
            description: None,
            valid_from: None,
            valid_until: None,
        });
        let badge = Badge {
            id,
            user_id: user.id,
            blob_key: format!("badges/{}/{}", user.id, id),
            sha256: sha,
            content_sha256: content_sha,
            media_type: mt.to_owned(),
            filename: crate::files::clean_stem(filename, "badge", ext),
            credential_id,
            name: s
                .name
                .or_else(|| report.name.clone())
                .unwrap_or_else(|| "—".to_owned()),
            // An OB 2.0 assertion's embedded issuer is the sender's word: once
            // its key is bound, the name shown is the fetched Profile's.
            issuer_name: match (report.format, report.verdict) {
                (Format::Ob2Signed, Verdict::Verified) => report.issuer.clone().or(s.issuer_name),
                _ => s.issuer_name,
            },
            issuer_id: s.issuer_id.or_else(|| report.issuer.clone()),
            description: s.description,
            valid_from: s.valid_from,
            valid_until: s.valid_until,
            verdict: verdict_code(&report),
            report: serde_json::to_string(&report).map_err(DomainError::internal)?,
            checked_at: now,
            imported_at: now,
            source,
            keywords: doc.as_ref().map(keywords).unwrap_or_default(),
        };
        self.blobs
            .put(&badge.blob_key, bytes)
            .await
            .map_err(DomainError::Internal)?;
        match self.store.insert_badge(&badge).await {
            Ok(()) => Ok(Imported::New(badge)),
            Err(StoreError::Conflict(_)) => {
                // A concurrent import of the same bytes won: keep theirs.
                let _ = self.blobs.delete(&badge.blob_key).await;
                let existing = self
                    .store
                    .find_same_badge(user.id, &badge.sha256, &badge.content_sha256)
                    .await?
                    .ok_or(DomainError::NotFound)?;
                Ok(Imported::Existing(existing))
            }
            Err(e) => {
                let _ = self.blobs.delete(&badge.blob_key).await;
                Err(e.into())
            }
        }
    }

    /// The badges of one area (imported, or issued by this instance).
    pub async fn list(&self, user: &User, source: BadgeSource) -> Result<Vec<Badge>, DomainError> {
        Ok(self
            .store
            .list_badges(user.id)
            .await?
            .into_iter()
            .filter(|b| b.source == source)
            .collect())
    }

    /// The credential as a JSON document (a VC-JWT's payload credential for
    /// a JWT), pretty-printed, for download.
    pub async fn document_json(
        &self,
        user: &User,
        id: Uuid,
    ) -> Result<(Badge, Vec<u8>), DomainError> {
        let (badge, bytes) = self.original(user, id).await?;
        let doc = document_of(&bytes)
            .ok_or_else(|| DomainError::internal("a stored badge no longer parses"))?;
        let out = serde_json::to_vec_pretty(&doc).map_err(DomainError::internal)?;
        Ok((badge, out))
    }

    /// The credential baked into a PNG: the original if it is one, else
    /// baked into the achievement's PNG image or Backpack's default image.
    pub async fn baked_png(&self, user: &User, id: Uuid) -> Result<(Badge, Vec<u8>), DomainError> {
        let (badge, bytes) = self.original(user, id).await?;
        if badge.media_type == "image/png" {
            return Ok((badge, bytes.to_vec()));
        }
        let text = if backpack_bake::sniff(&bytes).is_some() {
            backpack_bake::unbake(&bytes)
                .map_err(DomainError::internal)?
                .text
        } else {
            String::from_utf8(bytes.to_vec()).map_err(DomainError::internal)?
        };
        let text = text.trim();
        let payload = if text.starts_with('{') {
            backpack_bake::Payload::Json(text)
        } else {
            backpack_bake::Payload::Jws(text)
        };
        let image = document_of(&bytes)
            .map(|d| details(&d))
            .and_then(|d| d.image)
            .filter(|(mt, _)| mt == "image/png")
            .map_or_else(|| DEFAULT_BADGE_PNG.to_vec(), |(_, b)| b);
        let baked = backpack_bake::bake(&image, payload)
            .or_else(|_| backpack_bake::bake(DEFAULT_BADGE_PNG, payload))
            .map_err(DomainError::internal)?;
        Ok((badge, baked))
    }

    /// The badge's image, served only as an image: the original when it is
    /// a baked PNG or SVG, else an image embedded in the credential
    /// (`data:` URI). Remote images are not fetched.
    pub async fn image(&self, user: &User, id: Uuid) -> Result<(String, Vec<u8>), DomainError> {
        let (badge, bytes) = self.original(user, id).await?;
        if badge.media_type.starts_with("image/") {
            return Ok((badge.media_type, bytes.to_vec()));
        }
        document_of(&bytes)
            .and_then(|d| details(&d).image)
            .ok_or(DomainError::NotFound)
    }

    /// A badge with a fresh verification (nothing is written).
    pub async fn view(&self, user: &User, id: Uuid) -> Result<BadgeView, DomainError> {
        let (badge, bytes) = self.original(user, id).await?;
        let report = match self.verify(bytes.clone()).await? {
            Ok(r) => r,
            Err(e) => {
                return Err(DomainError::Internal(format!(
                    "a stored badge no longer parses: {e}"
                )))
            }
        };
        let document = document_of(&bytes);
        let emails: Vec<String> = self
            .store
            .list_emails(user.id)
            .await?
            .into_iter()
            .filter(|e| e.confirmed_at.is_some())
            .map(|e| e.address)
            .collect();
        let dids: Vec<String> = self
            .store
            .list_dids(user.id)
            .await?
            .into_iter()
            .filter(|d| d.confirmed_at.is_some())
            .map(|d| d.did)
            .collect();
        let recipient = document
            .as_ref()
            .map_or(crate::recipient::RecipientMatch::NotNamed, |d| {
                crate::recipient::recipient_match(d, &emails, &dids)
            });
        Ok(BadgeView {
            badge,
            report,
            document,
            recipient,
        })
    }

    pub async fn get(&self, user: &User, id: Uuid) -> Result<Badge, DomainError> {
        self.store
            .find_badge(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    /// The badge and its bytes exactly as imported.
    pub async fn original(&self, user: &User, id: Uuid) -> Result<(Badge, Bytes), DomainError> {
        let badge = self
            .store
            .find_badge(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let bytes = self
            .blobs
            .get(&badge.blob_key)
            .await
            .map_err(DomainError::Internal)?
            .ok_or(DomainError::NotFound)?;
        Ok((badge, bytes))
    }

    pub async fn delete(&self, user: &User, id: Uuid) -> Result<(), DomainError> {
        let after = self.clock.unix() + self.blob_grace_secs;
        if self.store.delete_badge(user.id, id, after).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }
}

/// Backpack's own badge image, for credentials that carry no PNG.
pub const DEFAULT_BADGE_PNG: &[u8] = include_bytes!("../assets/badge.png");

/// Largest image taken from a `data:` URI in a credential.
pub const MAX_EMBEDDED_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// A competency framework alignment (OB 3.0 `alignment`, OB 2.0 `alignment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alignment {
    pub name: String,
    pub url: Option<String>,
    pub framework: Option<String>,
    pub code: Option<String>,
}

/// Evidence of the achievement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub name: Option<String>,
    pub description: Option<String>,
    pub narrative: Option<String>,
    pub url: Option<String>,
}

/// An endorsement of the credential or its achievement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endorsement {
    pub issuer: String,
    pub comment: Option<String>,
    pub date: Option<String>,
}

/// What a badge page shows beyond the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    /// An image embedded as a `data:` URI: media type and bytes.
    pub image: Option<(String, Vec<u8>)>,
    pub achievement_type: Option<String>,
    pub alignments: Vec<Alignment>,
    pub tags: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub endorsements: Vec<Endorsement>,
}

fn list_of(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().take(100).collect(),
        Some(other @ Value::Object(_)) => vec![other],
        Some(s @ Value::String(_)) => vec![s],
        _ => Vec::new(),
    }
}

fn achievement_of(doc: &Value) -> Option<&Value> {
    let subject = match doc.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    subject
        .and_then(|s| s.get("achievement"))
        .or_else(|| doc.get("badge").filter(|b| b.is_object()))
}

fn decode_data_uri(uri: &str) -> Option<(String, Vec<u8>)> {
    use base64::Engine;
    let rest = uri.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let media_type = meta.strip_suffix(";base64")?.to_ascii_lowercase();
    if !matches!(
        media_type.as_str(),
        "image/png" | "image/svg+xml" | "image/jpeg"
    ) {
        return None;
    }
    if data.len() > MAX_EMBEDDED_IMAGE_BYTES * 4 / 3 + 4 {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()?;
    // The bytes must be what the URI says (no HTML behind an image type).
    let ok = match media_type.as_str() {
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        _ => backpack_bake::sniff(&bytes).is_some(),
    };
    ok.then_some((media_type, bytes))
}

/// Image, alignments, skills, evidence and endorsements of a credential
/// (OB 3.0 or OB 2.0), each string bounded.
pub fn details(doc: &Value) -> Details {
    let achievement = achievement_of(doc);
    let image = achievement
        .and_then(|a| a.get("image"))
        .or_else(|| doc.get("image"))
        .and_then(|i| match i {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("id").and_then(Value::as_str),
            _ => None,
        })
        .and_then(decode_data_uri);
    let alignments = list_of(achievement.and_then(|a| a.get("alignment")))
        .into_iter()
        .filter_map(|a| {
            Some(Alignment {
                name: text_of(a.get("targetName")).or_else(|| text_of(a.get("name")))?,
                url: text_of(a.get("targetUrl")).or_else(|| text_of(a.get("url"))),
                framework: text_of(a.get("targetFramework")),
                code: text_of(a.get("targetCode")),
            })
        })
        .collect();
    let tags = list_of(achievement.and_then(|a| a.get("tag").or_else(|| a.get("tags"))))
        .into_iter()
        .filter_map(|t| text_of(Some(t)))
        .collect();
    let evidence = list_of(doc.get("evidence"))
        .into_iter()
        .map(|e| match e {
            Value::String(u) => Evidence {
                name: None,
                description: None,
                narrative: None,
                url: Some(u.chars().take(2000).collect()),
            },
            _ => Evidence {
                name: text_of(e.get("name")),
                description: text_of(e.get("description")),
                narrative: text_of(e.get("narrative")),
                url: text_of(e.get("id")),
            },
        })
        .collect();
    let mut endorsements = Vec::new();
    for source in [
        doc.get("endorsement"),
        achievement.and_then(|a| a.get("endorsement")),
    ] {
        for e in list_of(source) {
            let issuer = match e.get("issuer") {
                Some(Value::Object(o)) => text_of(o.get("name")).or_else(|| text_of(o.get("id"))),
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            };
            let subject = e.get("credentialSubject").or_else(|| e.get("claim"));
            endorsements.push(Endorsement {
                issuer: issuer.unwrap_or_else(|| "—".to_owned()),
                comment: text_of(subject.and_then(|s| s.get("endorsementComment"))),
                date: text_of(e.get("validFrom")).or_else(|| text_of(e.get("issuedOn"))),
            });
        }
    }
    Details {
        image,
        achievement_type: text_of(achievement.and_then(|a| a.get("achievementType"))),
        alignments,
        tags,
        evidence,
        endorsements,
    }
}

/// Skills and tags for search: the achievement's tags and alignment names,
/// lower-cased, without commas, at most 40.
pub fn keywords(doc: &Value) -> Vec<String> {
    let d = details(doc);
    let mut out: Vec<String> = Vec::new();
    for k in d.tags.iter().chain(d.alignments.iter().map(|a| &a.name)) {
        let k: String = k
            .to_lowercase()
            .replace(',', " ")
            .chars()
            .filter(|c| !c.is_control())
            .take(80)
            .collect();
        let k = k.trim().to_owned();
        if !k.is_empty() && !out.contains(&k) && out.len() < 40 {
            out.push(k);
        }
    }
    out
}

/// The verdict's stable code (`verified`, `key_not_bound`, …).
pub fn verdict_code(r: &Report) -> String {
    r.verdict.code().to_owned()
}

/// The field error code for input that is not a credential.
pub fn input_code(e: &InputError) -> &'static str {
    match e.code() {
        "input_too_large" => "badge_too_large",
        "json_too_deep" | "malformed_json" | "not_utf8" => "badge_malformed",
        "image_unreadable" => "badge_image_unreadable",
        "unsupported_format" => "badge_unsupported",
        _ => "badge_not_a_credential",
    }
}
