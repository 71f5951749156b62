//! What the store keeps. Times are Unix seconds (UTC).

use uuid::Uuid;

use crate::ids::{IssuerId, UserId};
use crate::values::{Locale, Role};

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    /// The interface language the person chose; `None` follows the browser.
    pub locale: Option<Locale>,
    /// PHC string (argon2id). Never leaves the domain.
    pub password_hash: String,
    pub photo_file_id: Option<Uuid>,
    pub disabled: bool,
    pub created_at: i64,
}

/// One line of the administrator's user list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    pub primary_email: String,
    pub disabled: bool,
    pub created_at: i64,
}

/// An e-mail address an account claims. Credentials issued to a confirmed
/// address (or to its salted hash) are the account holder's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    pub id: Uuid,
    pub user_id: UserId,
    pub address: String,
    pub confirmed_at: Option<i64>,
    pub is_primary: bool,
    pub created_at: i64,
}

/// A DID an account claims; confirmed when the holder signs the challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidEntry {
    pub id: Uuid,
    pub user_id: UserId,
    pub did: String,
    pub challenge: String,
    pub confirmed_at: Option<i64>,
    pub created_at: i64,
}

/// A signed-in browser. The store keeps only the SHA-256 of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: UserId,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What a one-time token (sent by mail) is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    PasswordReset,
    EmailConfirmation,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::EmailConfirmation => "email_confirmation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "password_reset" => Some(TokenPurpose::PasswordReset),
            "email_confirmation" => Some(TokenPurpose::EmailConfirmation),
            _ => None,
        }
    }
}

/// A one-time token: its hash, what it is for and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeToken {
    pub token_hash: String,
    pub purpose: TokenPurpose,
    pub user_id: UserId,
    /// The object the token acts on (the e-mail address row for a confirmation).
    pub subject_id: Option<Uuid>,
    pub expires_at: i64,
}

/// A background job to queue, written in the same transaction as the rows
/// that cause it (see [`crate::jobs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub id: Uuid,
    /// What to do: [`crate::jobs::Job::kind`].
    pub kind: String,
    /// The job's arguments, as JSON.
    pub payload: String,
    /// At most one queued job per key: a second insert with the same key is
    /// ignored.
    pub dedupe_key: Option<String>,
    /// Not before this time.
    pub run_at: i64,
    pub created_at: i64,
}

/// A job as a runner leased it, or as an administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: Uuid,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub run_at: i64,
    /// Attempts so far (counted when a runner leases the job).
    pub attempts: i64,
    /// The server holding the job, while it runs.
    pub lease_owner: Option<String>,
    pub last_error: Option<String>,
    /// When the job gave up (it then waits for an administrator's retry).
    pub failed_at: Option<i64>,
    pub created_at: i64,
}

/// How many jobs wait, run and failed (for the administrator and metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Due or scheduled, not leased.
    pub queued: i64,
    /// Leased by a live runner.
    pub running: i64,
    /// Gave up, waiting for a retry.
    pub failed: i64,
}

/// A file a user stored (the bytes are in the blob store under `blob_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub id: Uuid,
    pub user_id: UserId,
    pub purpose: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
    pub created_at: i64,
}

/// A digital badge a learner imported. The original bytes are in the blob
/// store, exactly as received; the row keeps what lists and search need and
/// the verification made at import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub id: Uuid,
    pub user_id: UserId,
    pub blob_key: String,
    pub sha256: String,
    /// SHA-256 of the credential document inside (JSON as parsed), so the
    /// same credential in another container is recognised.
    pub content_sha256: String,
    /// `application/json`, `application/jwt`, `image/png` or `image/svg+xml`.
    pub media_type: String,
    pub filename: String,
    pub credential_id: Option<String>,
    pub name: String,
    pub issuer_name: Option<String>,
    pub issuer_id: Option<String>,
    pub description: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    /// The engine's verdict at import (`verified`, `revoked`, …).
    pub verdict: String,
    /// The engine's report at import, as JSON.
    pub report: String,
    pub checked_at: i64,
    pub imported_at: i64,
    /// Imported by the learner, or issued by this instance (a portal certificate).
    pub source: BadgeSource,
    /// The credential's skills and tags (alignment names, achievement tags), for search.
    pub keywords: Vec<String>,
}

/// Where a badge in the backpack came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadgeSource {
    /// Imported by the learner (area 2, digital badges).
    Imported,
    /// Issued by this instance (area 3, portal certificates).
    Portal,
}

impl BadgeSource {
    pub fn code(self) -> &'static str {
        match self {
            BadgeSource::Imported => "imported",
            BadgeSource::Portal => "portal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "imported" => Some(BadgeSource::Imported),
            "portal" => Some(BadgeSource::Portal),
            _ => None,
        }
    }
    /// The backpack area its badges are shown in.
    pub fn area(self) -> Area {
        match self {
            BadgeSource::Imported => Area::Badge,
            BadgeSource::Portal => Area::Portal,
        }
    }
}

/// The areas of the e-Backpack that hold items (the portfolio is built from them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    /// External certificates (uploaded PDF or image).
    Certificate,
    /// Digital badges imported by the learner.
    Badge,
    /// Credentials this instance issued to the learner.
    Portal,
    /// Personal notes.
    Note,
}

impl Area {
    pub const ALL: [Area; 4] = [Area::Certificate, Area::Badge, Area::Portal, Area::Note];
    pub fn code(self) -> &'static str {
        match self {
            Area::Certificate => "certificate",
            Area::Badge => "badge",
            Area::Portal => "portal",
            Area::Note => "note",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Area::ALL.into_iter().find(|a| a.code() == s)
    }
    /// The item's page.
    pub fn path(self, id: Uuid) -> String {
        match self {
            Area::Certificate => format!("/backpack/certificates/{id}"),
            Area::Badge | Area::Portal => format!("/backpack/badges/{id}"),
            Area::Note => format!("/backpack/notes/{id}"),
        }
    }
}

/// A reference to one backpack item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ItemRef {
    pub area: Area,
    pub id: Uuid,
}

/// One backpack item as the timeline, search, collections and links show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub area: Area,
    pub id: Uuid,
    pub title: String,
    /// Issuer or platform (none for notes).
    pub issuer: Option<String>,
    pub tags: Vec<String>,
    /// The item's own date (issue date), `YYYY-MM-DD`, when it has one.
    pub date: Option<String>,
    /// When it entered the backpack (or a note was last changed), Unix seconds.
    pub at: i64,
}

impl Item {
    pub fn item_ref(&self) -> ItemRef {
        ItemRef {
            area: self.area,
            id: self.id,
        }
    }
}

/// A search of the backpack. `None` filters match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemQuery {
    /// Lower-cased text searched in titles, issuers, descriptions, skills, tags and note bodies.
    pub text: Option<String>,
    pub area: Option<Area>,
    pub tag: Option<String>,
    /// Lower-cased text searched in the issuer or platform.
    pub issuer: Option<String>,
    /// Items dated on or after this day (`YYYY-MM-DD`; undated items by `at`).
    pub from: Option<String>,
    pub to: Option<String>,
    pub from_unix: Option<i64>,
    pub to_unix: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// A certificate earned elsewhere, uploaded as PDF, PNG or JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub id: Uuid,
    pub user_id: UserId,
    pub blob_key: String,
    /// A PNG preview (first page or the image), when one could be made.
    pub preview_key: Option<String>,
    pub sha256: String,
    /// `application/pdf`, `image/png` or `image/jpeg`.
    pub media_type: String,
    pub filename: String,
    pub size: i64,
    pub title: String,
    /// `coursera`, `edx`, `canvas_network`, `cognitive_class` or `other`.
    pub platform: String,
    pub issuer_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub issued_on: Option<String>,
    pub credential_id: Option<String>,
    pub verification_url: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A file attached to a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteFile {
    pub id: Uuid,
    pub note_id: Uuid,
    pub user_id: UserId,
    pub blob_key: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
}

/// A named group of backpack items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub id: Uuid,
    pub user_id: UserId,
    pub name: String,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A personal note (Markdown) with tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: Uuid,
    pub user_id: UserId,
    pub title: String,
    pub body: String,
    /// Normalised tags (lower-case, trimmed, unique, in order).
    pub tags: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

// ───────────────────────────── Issuing ─────────────────────────────

pub use backpack_credentials::eu::{AchievementSpec, IssuerProfile};

/// An awarding body on this instance, identified by `did:web` under the
/// instance's public URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Issuer {
    pub id: IssuerId,
    pub slug: String,
    pub did: String,
    /// Legal name, country, contact, type, accreditation: what goes into
    /// every credential's `issuer`.
    pub profile: IssuerProfile,
    pub logo_key: Option<String>,
    pub logo_type: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One of an issuer's Ed25519 keys. The secret is sealed with the operator's
/// key; only the issuing service opens it, to sign.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuerKeyRecord {
    pub id: Uuid,
    pub issuer_id: IssuerId,
    /// The verification method's fragment (`key-1`, `key-2`, …).
    pub fragment: String,
    /// Multikey (`z6Mk…`).
    pub public_key: String,
    pub sealed_secret: String,
    pub created_at: i64,
    /// When a rotation replaced it (it no longer signs; it still verifies).
    pub retired_at: Option<i64>,
    /// When staff revoked it: out of the DID document's `assertionMethod`,
    /// so what it signed no longer verifies (only a retired key).
    pub revoked_at: Option<i64>,
}

impl std::fmt::Debug for IssuerKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKeyRecord")
            .field("id", &self.id)
            .field("fragment", &self.fragment)
            .field("public_key", &self.public_key)
            .field("retired_at", &self.retired_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// An achievement (badge class) an issuer awards.
#[derive(Debug, Clone, PartialEq)]
pub struct Achievement {
    pub id: Uuid,
    pub issuer_id: IssuerId,
    pub spec: AchievementSpec,
    pub image_key: Option<String>,
    pub image_type: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A pair of Bitstring Status Lists (revocation and suspension) of one
/// issuer; a credential holds the same index in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    pub id: Uuid,
    pub issuer_id: IssuerId,
    pub size: i64,
    /// How many indexes are handed out.
    pub used: i64,
    /// Bumped on every change (optimistic concurrency).
    pub version: i64,
    /// The `encodedList` of each list.
    pub revocation: String,
    pub suspension: String,
    /// The signed list credentials, as served.
    pub revocation_vc: String,
    pub suspension_vc: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Whether an issued credential stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialState {
    Active,
    Revoked,
    Suspended,
}

impl CredentialState {
    pub fn code(self) -> &'static str {
        match self {
            CredentialState::Active => "active",
            CredentialState::Revoked => "revoked",
            CredentialState::Suspended => "suspended",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(CredentialState::Active),
            "revoked" => Some(CredentialState::Revoked),
            "suspended" => Some(CredentialState::Suspended),
            _ => None,
        }
    }
}

/// How a credential names its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientKind {
    /// A salted hash of the address (OB 3.0 `identityHash`).
    Email,
    /// The recipient's DID as `credentialSubject.id`.
    Did,
}

impl RecipientKind {
    pub fn code(self) -> &'static str {
        match self {
            RecipientKind::Email => "email",
            RecipientKind::Did => "did",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(RecipientKind::Email),
            "did" => Some(RecipientKind::Did),
            _ => None,
        }
    }
}

/// A credential an issuer signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCredential {
    pub id: Uuid,
    pub issuer_id: IssuerId,
    pub achievement_id: Uuid,
    pub achievement_name: String,
    pub recipient_kind: RecipientKind,
    /// The address (lower-case) or the DID.
    pub recipient: String,
    pub recipient_name: Option<String>,
    /// The account it was delivered to.
    pub user_id: Option<UserId>,
    /// `json` (Data Integrity) or `jwt`.
    pub format: String,
    /// The signed credential (JSON or compact JWT), as issued.
    pub credential: String,
    pub list_id: Uuid,
    pub list_index: i64,
    pub state: CredentialState,
    pub reason: Option<String>,
    pub state_at: Option<i64>,
    pub issued_at: i64,
    pub actor_name: String,
    /// `form`, `csv`, `xapi`, `stacking` or `api`.
    pub source: String,
    pub batch_id: Option<Uuid>,
    pub batch_row: Option<i64>,
    /// Unique per automatic award (`xapi:<achievement>:<learner>`,
    /// `stack:<rule>:<account>`): the same one is never made twice.
    pub award_key: Option<String>,
}

/// A claim link's stored form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub token_hash: String,
    pub issued_id: Uuid,
    pub expires_at: i64,
    pub claimed_by: Option<Uuid>,
    pub claimed_at: Option<i64>,
}

/// One line of an issuer's audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: Uuid,
    pub issuer_id: IssuerId,
    pub at: i64,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    /// `issuer.create`, `issuer.update`, `key.rotate`, `achievement.create`,
    /// `achievement.update`, `credential.issue`, `credential.revoke`,
    /// `credential.suspend`, `credential.reinstate`, `member.add`.
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// Filters of the issued-credentials list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssuedQuery {
    /// Lower-case text found in the recipient or achievement name.
    pub text: Option<String>,
    pub achievement_id: Option<Uuid>,
    pub state: Option<CredentialState>,
    pub limit: i64,
    pub offset: i64,
}

/// Where a batch award stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    /// Checked and shown; nothing issued until a person starts it.
    Preview,
    /// Started; a job will take it (or has, while its lease runs).
    Running,
    Done,
}

impl BatchState {
    pub fn code(self) -> &'static str {
        match self {
            BatchState::Preview => "preview",
            BatchState::Running => "running",
            BatchState::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "preview" => Some(BatchState::Preview),
            "running" => Some(BatchState::Running),
            "done" => Some(BatchState::Done),
            _ => None,
        }
    }
}

/// A batch award from a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: Uuid,
    pub issuer_id: IssuerId,
    pub achievement_id: Uuid,
    pub filename: String,
    pub sha256: String,
    pub blob_key: String,
    /// `json` or `jwt`.
    pub format: String,
    /// Data rows in the file.
    pub total: i64,
    /// Rows that passed the checks at upload.
    pub valid: i64,
    pub state: BatchState,
    /// The first data row (1-based) not yet processed.
    pub next_row: i64,
    pub issued: i64,
    pub failed: i64,
    /// Unix time until which a job holds the batch.
    pub lease_until: i64,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One line of a batch's per-row report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub batch_id: Uuid,
    /// 1-based data row (the header is row 0).
    pub row_number: i64,
    pub recipient: String,
    /// `issued`, `invalid` or `failed`.
    pub status: String,
    /// The issued credential's id, or an error code.
    pub code: String,
    pub issued_id: Option<Uuid>,
}

/// Where a batch stands after a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkProgress {
    pub next_row: i64,
    /// Set on the last chunk.
    pub done_at: Option<i64>,
    /// The job's lease, renewed with every chunk.
    pub lease_until: i64,
}

/// What an API token may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// The whole JSON API of its issuer (and the xAPI endpoint).
    Api,
    /// Only the xAPI statements endpoint (what an LRS forwards with).
    Xapi,
}

impl TokenScope {
    pub fn code(self) -> &'static str {
        match self {
            TokenScope::Api => "api",
            TokenScope::Xapi => "xapi",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "api" => Some(TokenScope::Api),
            "xapi" => Some(TokenScope::Xapi),
            _ => None,
        }
    }
}

/// A per-issuer API token. Only its SHA-256 is stored; the token itself is
/// shown once. It acts with its creator's rights, on its issuer only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Uuid,
    pub issuer_id: IssuerId,
    pub name: String,
    pub scope: TokenScope,
    pub token_hash: String,
    /// The token's last four characters, to tell tokens apart.
    pub hint: String,
    pub created_by: UserId,
    /// The creator's display name (read with the token).
    pub created_by_name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// An xAPI rule: a `completed` or `passed` statement about `activity` (with
/// at least `min_score` percent, when set) earns the achievement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XapiRule {
    pub id: Uuid,
    pub issuer_id: IssuerId,
    pub activity: String,
    pub achievement_id: Uuid,
    pub min_score: Option<i64>,
    pub created_at: i64,
}

/// A statement the xAPI endpoint accepted, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XapiStatementRecord {
    pub issuer_id: IssuerId,
    pub statement_id: Uuid,
    pub received_at: i64,
    pub verb: String,
    /// `mailto:` address, or `account:<homePage>#<name>`.
    pub actor: String,
    pub activity: String,
    /// `awarded`, `already_awarded`, `score_too_low` or `not_successful`.
    pub outcome: String,
    pub issued_id: Option<Uuid>,
}

/// A stacking rule: a learner who holds every component achievement (of
/// this issuer or of other issuers on this instance) is awarded the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackRule {
    pub id: Uuid,
    pub issuer_id: IssuerId,
    pub achievement_id: Uuid,
    pub components: Vec<Uuid>,
    pub created_at: i64,
}
