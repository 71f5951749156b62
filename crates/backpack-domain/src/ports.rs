//! The ports: what the domain needs from the outside world. Storage
//! backends, the blob store, the notifier (mail) and the clock implement them;
//! the application holds them as `Arc<dyn …>` so everything above compiles once.
//!
//! Store methods are use-case sized and keep their transaction inside.
//! Every method that reads or changes a user's object takes the owner's id and
//! matches on it: ownership is checked in the query itself.

use async_trait::async_trait;
use bytes::Bytes;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::backup::TableDump;
use crate::entities::*;
use crate::values::{Locale, Role};
use crate::{IssuerId, StoreError, UserId};

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Insert an account with its primary (unconfirmed) address.
    /// `Conflict` when the address is taken.
    /// Insert the account and its primary address, taking the address from
    /// any account that holds it unconfirmed. `Conflict` when the primary is
    /// confirmed and another account has it confirmed.
    async fn insert_user(&self, user: &User, primary: &EmailAddress) -> StoreResult<()>;
    async fn find_user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// The account that may log in with this address: the one holding it
    /// confirmed (an unconfirmed address never logs in).
    async fn find_user_by_login(&self, address: &str) -> StoreResult<Option<User>>;
    async fn count_users(&self) -> StoreResult<i64>;
    async fn count_admins(&self) -> StoreResult<i64>;
    async fn list_users(&self, offset: i64, limit: i64) -> StoreResult<Vec<UserSummary>>;
    async fn update_profile(
        &self,
        id: UserId,
        display_name: &str,
        locale: Option<Locale>,
    ) -> StoreResult<()>;
    /// Replace the password hash and end every session of the account.
    async fn update_password(&self, id: UserId, password_hash: &str) -> StoreResult<()>;
    async fn update_role(&self, id: UserId, role: Role, disabled: bool) -> StoreResult<()>;
    /// Delete the account and every row that belongs to it (one
    /// transaction); the blobs of its files and badges are queued for
    /// deletion at `delete_after`. Returns how many blobs were queued.
    async fn delete_user(&self, id: UserId, delete_after: i64) -> StoreResult<u64>;
}

#[async_trait]
pub trait EmailStore: Send + Sync {
    async fn list_emails(&self, user_id: UserId) -> StoreResult<Vec<EmailAddress>>;
    /// Add an unconfirmed address. `Conflict` when this account already has
    /// it (an address is unique across accounts only once confirmed).
    async fn insert_email(&self, email: &EmailAddress) -> StoreResult<()>;
    async fn find_email(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<EmailAddress>>;
    /// The confirmed row of an address, whoever holds it.
    async fn find_confirmed_email(&self, address: &str) -> StoreResult<Option<EmailAddress>>;
    /// An account still being registered: it holds `address` as its
    /// unconfirmed primary and has no confirmed address (the newest such).
    async fn find_pending_account(
        &self,
        address: &str,
    ) -> StoreResult<Option<(User, EmailAddress)>>;
    /// Confirm the address, and delete every other account's unconfirmed row
    /// of it, in one transaction. False when the row is gone or another
    /// account confirmed the address first.
    async fn confirm_email(&self, user_id: UserId, id: Uuid, at: i64) -> StoreResult<bool>;
    /// A password reset through the address `email_id`: set the password,
    /// confirm that address, delete the account's other unconfirmed addresses
    /// (and other accounts' unconfirmed rows of this address), every session
    /// and reset token, in one transaction. False (nothing changed) when the
    /// address is gone or confirmed by another account.
    async fn reset_through_email(
        &self,
        user_id: UserId,
        email_id: Uuid,
        password_hash: &str,
        at: i64,
    ) -> StoreResult<bool>;
    /// Delete unconfirmed addresses made before `before`; an account left with
    /// no address at all (a registration never confirmed) goes too, and an
    /// account left without a primary address gets its oldest confirmed one.
    /// `delete_after` is for the blobs of deleted accounts.
    async fn expire_unconfirmed_emails(&self, before: i64, delete_after: i64) -> StoreResult<u64>;
    /// Delete a non-primary address; false when absent, not owned or primary.
    async fn delete_email(&self, user_id: UserId, id: Uuid) -> StoreResult<bool>;
    /// Make a confirmed address the primary one; false when absent, not owned
    /// or unconfirmed.
    async fn set_primary_email(&self, user_id: UserId, id: Uuid) -> StoreResult<bool>;
}

#[async_trait]
pub trait DidStore: Send + Sync {
    async fn list_dids(&self, user_id: UserId) -> StoreResult<Vec<DidEntry>>;
    /// `Conflict` when the account already claims the DID.
    async fn insert_did(&self, did: &DidEntry) -> StoreResult<()>;
    async fn find_did(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<DidEntry>>;
    async fn confirm_did(&self, user_id: UserId, id: Uuid, at: i64) -> StoreResult<bool>;
    async fn delete_did(&self, user_id: UserId, id: Uuid) -> StoreResult<bool>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    /// The session and its (enabled) user, if the session has not expired.
    async fn find_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<(Session, User)>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    async fn delete_expired(&self, now: i64) -> StoreResult<u64>;
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_token(&self, token: &OneTimeToken) -> StoreResult<()>;
    /// Delete and return the token if it exists, has this purpose and has
    /// not expired (one use only, even under concurrent requests).
    async fn take_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: i64,
    ) -> StoreResult<Option<OneTimeToken>>;
}

#[async_trait]
pub trait ThrottleStore: Send + Sync {
    async fn record_failure(&self, key: &str, at: i64) -> StoreResult<()>;
    async fn count_failures(&self, key: &str, since: i64) -> StoreResult<i64>;
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;
}

/// Durable background jobs (see [`crate::jobs`]), shared by every server on
/// the database: a job is leased by one runner at a time, and a lease that
/// ends (a crashed or stopped server) hands the job to another.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Queue jobs (a job whose `dedupe_key` is already queued is skipped).
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> StoreResult<()>;
    /// Store a one-time token and queue the job that mails it, in one
    /// transaction.
    async fn insert_token_with_job(&self, token: &OneTimeToken, job: &NewJob) -> StoreResult<()>;
    /// Lease up to `limit` due jobs (not failed, `run_at <= now`, no live
    /// lease) to `owner` until `lease_until`, counting an attempt on each.
    /// Two runners never get the same job (`FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL; one atomic statement on SQLite).
    async fn claim_jobs(
        &self,
        owner: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<JobRecord>>;
    /// Extend every lease `owner` holds (a long job's heartbeat).
    async fn extend_job_leases(&self, owner: &str, lease_until: i64) -> StoreResult<u64>;
    /// These jobs are done: delete them (only those `owner` still holds),
    /// in one statement. Returns how many were deleted.
    async fn jobs_done(&self, ids: &[Uuid], owner: &str) -> StoreResult<u64>;
    /// The attempt failed: try again at `run_at`.
    async fn job_retry_at(
        &self,
        id: Uuid,
        owner: &str,
        run_at: i64,
        error: &str,
    ) -> StoreResult<()>;
    /// The job gives up: keep it, with its error, for an administrator.
    async fn job_failed(&self, id: Uuid, owner: &str, at: i64, error: &str) -> StoreResult<()>;
    /// Give back every job `owner` holds, uncounting the attempt (a server
    /// stopping). Returns how many.
    async fn release_jobs(&self, owner: &str) -> StoreResult<u64>;
    /// Jobs whose last attempt failed: given up (`failed_at`) or waiting to
    /// be tried again; given up first, then newest.
    async fn jobs_with_errors(&self, limit: i64) -> StoreResult<Vec<JobRecord>>;
    /// Run a job that failed (given up or waiting for its next attempt)
    /// again, due at `now`; a job given up starts its attempts afresh.
    /// False when no such job waits (done, running, or never failed).
    async fn retry_job_now(&self, id: Uuid, now: i64) -> StoreResult<bool>;
    async fn job_counts(&self, now: i64) -> StoreResult<JobCounts>;
}

#[async_trait]
pub trait FileStore: Send + Sync {
    async fn insert_file(&self, file: &StoredFile) -> StoreResult<()>;
    async fn find_file(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<StoredFile>>;
    async fn list_files(&self, user_id: UserId) -> StoreResult<Vec<StoredFile>>;
    /// Set (or clear) the account's photo; the previous photo file, if any,
    /// is deleted as by [`FileStore::delete_file`].
    async fn set_photo(
        &self,
        user_id: UserId,
        file_id: Option<Uuid>,
        delete_after: i64,
    ) -> StoreResult<()>;
    /// Delete the row and queue its blob for deletion after `delete_after`
    /// (a grace period, so that a backup taken meanwhile stays complete).
    async fn delete_file(&self, user_id: UserId, id: Uuid, delete_after: i64) -> StoreResult<bool>;
    /// Blob keys whose deletion is due; the caller deletes each blob, then
    /// calls [`FileStore::forget_blob_deletion`].
    async fn due_blob_deletions(&self, now: i64, limit: i64) -> StoreResult<Vec<String>>;
    async fn forget_blob_deletion(&self, blob_key: &str) -> StoreResult<()>;
}

#[async_trait]
pub trait BadgeStore: Send + Sync {
    /// `Conflict` when the account already holds the same bytes.
    async fn insert_badge(&self, badge: &Badge) -> StoreResult<()>;
    async fn find_badge(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<Badge>>;
    /// The account's badge with these bytes, or with the same credential
    /// document in another container (a JSON file and its baked PNG).
    async fn find_same_badge(
        &self,
        user_id: UserId,
        sha256: &str,
        content_sha256: &str,
    ) -> StoreResult<Option<Badge>>;
    /// Newest first.
    async fn list_badges(&self, user_id: UserId) -> StoreResult<Vec<Badge>>;
    /// Delete the row and queue its blob for deletion after `delete_after`.
    async fn delete_badge(&self, user_id: UserId, id: Uuid, delete_after: i64)
        -> StoreResult<bool>;
}

#[async_trait]
pub trait NoteStore: Send + Sync {
    async fn insert_note(&self, note: &Note) -> StoreResult<()>;
    async fn find_note(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<Note>>;
    /// The account's notes, newest change first; `text` matches title, body
    /// or tags (case-insensitive), `tag` one tag exactly.
    async fn list_notes(
        &self,
        user_id: UserId,
        text: Option<&str>,
        tag: Option<&str>,
    ) -> StoreResult<Vec<Note>>;
    async fn update_note(&self, note: &Note) -> StoreResult<bool>;
    async fn delete_note(&self, user_id: UserId, id: Uuid, delete_after: i64) -> StoreResult<bool>;
}

/// Whole-database export and import for backups: every table, in an order
/// that satisfies foreign keys, read in one consistent snapshot.
/// The e-Backpack beyond badges and notes: external certificates, note
/// attachments and links, collections, the portfolio, and the cross-area
/// search and timeline.
#[async_trait]
pub trait BackpackStore: Send + Sync {
    async fn insert_certificate(&self, c: &Certificate) -> StoreResult<()>;
    async fn find_certificate(&self, user_id: UserId, id: Uuid)
        -> StoreResult<Option<Certificate>>;
    async fn list_certificates(&self, user_id: UserId) -> StoreResult<Vec<Certificate>>;
    /// Metadata only (the file stays).
    async fn update_certificate(&self, c: &Certificate) -> StoreResult<bool>;
    /// Deletes the row, queues its blobs, and forgets links and collection
    /// entries that point at it, in one transaction.
    async fn delete_certificate(
        &self,
        user_id: UserId,
        id: Uuid,
        delete_after: i64,
    ) -> StoreResult<bool>;

    async fn insert_note_file(&self, f: &NoteFile) -> StoreResult<()>;
    async fn find_note_file(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<NoteFile>>;
    async fn list_note_files(&self, user_id: UserId, note_id: Uuid) -> StoreResult<Vec<NoteFile>>;
    async fn delete_note_file(
        &self,
        user_id: UserId,
        id: Uuid,
        delete_after: i64,
    ) -> StoreResult<bool>;
    /// Replace the items a note links to.
    async fn set_note_links(
        &self,
        user_id: UserId,
        note_id: Uuid,
        items: &[ItemRef],
    ) -> StoreResult<()>;
    async fn list_note_links(&self, user_id: UserId, note_id: Uuid) -> StoreResult<Vec<ItemRef>>;
    /// Notes that link to an item.
    async fn notes_linking(&self, user_id: UserId, item_id: Uuid) -> StoreResult<Vec<Uuid>>;

    async fn insert_collection(&self, c: &Collection) -> StoreResult<()>;
    async fn find_collection(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<Collection>>;
    async fn list_collections(&self, user_id: UserId) -> StoreResult<Vec<(Collection, i64)>>;
    async fn update_collection(&self, c: &Collection) -> StoreResult<bool>;
    async fn delete_collection(&self, user_id: UserId, id: Uuid) -> StoreResult<bool>;
    /// False when the collection is not the user's; adding twice is a no-op.
    async fn add_to_collection(
        &self,
        user_id: UserId,
        collection_id: Uuid,
        item: ItemRef,
        at: i64,
    ) -> StoreResult<bool>;
    async fn remove_from_collection(
        &self,
        user_id: UserId,
        collection_id: Uuid,
        item: ItemRef,
    ) -> StoreResult<bool>;
    async fn collection_items(
        &self,
        user_id: UserId,
        collection_id: Uuid,
    ) -> StoreResult<Vec<Item>>;
    /// Collections holding an item.
    async fn collections_of(&self, user_id: UserId, item_id: Uuid) -> StoreResult<Vec<Collection>>;

    /// The portfolio document (JSON) and when it changed.
    async fn find_portfolio(&self, user_id: UserId) -> StoreResult<Option<(String, i64)>>;
    async fn put_portfolio(&self, user_id: UserId, document: &str, at: i64) -> StoreResult<()>;

    /// Items across areas, newest first, filtered.
    async fn search_items(&self, user_id: UserId, q: &ItemQuery) -> StoreResult<Vec<Item>>;
    /// The items with these ids that the user owns (any area).
    async fn find_items(&self, user_id: UserId, ids: &[Uuid]) -> StoreResult<Vec<Item>>;
    /// How many items each area holds.
    async fn count_items(&self, user_id: UserId) -> StoreResult<Vec<(Area, i64)>>;
    /// Every tag and every issuer in the backpack (for the search filters).
    async fn item_facets(&self, user_id: UserId) -> StoreResult<(Vec<String>, Vec<String>)>;
}

/// Issuing: issuers and their staff, keys, achievements, status lists,
/// issued credentials, claim links, the audit log. Staff reads and writes
/// take the acting user's id and match on membership in the query; the
/// public reads (DID documents, status lists, achievement pages, claims) are
/// by slug, DID or id and return only what is public.
#[async_trait]
pub trait IssuingStore: Send + Sync {
    /// The issuer, its first member, its first key and the audit line, in
    /// one transaction.
    async fn insert_issuer(
        &self,
        issuer: &Issuer,
        member: UserId,
        key: &IssuerKeyRecord,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn update_issuer(
        &self,
        user_id: UserId,
        issuer: &Issuer,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// Only when `user_id` is a member.
    async fn find_issuer(&self, user_id: UserId, id: IssuerId) -> StoreResult<Option<Issuer>>;
    async fn list_issuers(&self, user_id: UserId) -> StoreResult<Vec<Issuer>>;
    async fn issuer_by_slug(&self, slug: &str) -> StoreResult<Option<Issuer>>;
    async fn issuer_by_did(&self, did: &str) -> StoreResult<Option<Issuer>>;
    /// Public: the issuer of a public object (an achievement).
    async fn find_issuer_public(&self, id: IssuerId) -> StoreResult<Option<Issuer>>;
    /// Adds `member` when `user_id` is a member; false otherwise.
    async fn add_member(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        member: UserId,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// The members' display names and primary addresses.
    async fn list_members(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<UserSummary>>;

    /// Every key of the issuer, oldest first (public parts are public: the
    /// DID document lists them).
    async fn issuer_keys(&self, issuer_id: IssuerId) -> StoreResult<Vec<IssuerKeyRecord>>;
    /// The newest issuer key of any issuer (at start: does this server's
    /// key-encryption key open what is stored?).
    async fn newest_issuer_key(&self) -> StoreResult<Option<IssuerKeyRecord>>;
    /// Retire the current key and add `key`, when `user_id` is a member.
    async fn rotate_key(
        &self,
        user_id: UserId,
        key: &IssuerKeyRecord,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;

    /// Revoke a retired, unrevoked key of the issuer and store the status
    /// lists re-signed without it (each guarded by its `version`: `Conflict`
    /// when one moved), with the audit line, in one transaction, when
    /// `user_id` is a member; false otherwise (or when the key is current or
    /// already revoked).
    #[allow(clippy::too_many_arguments)]
    async fn revoke_key(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        key_id: Uuid,
        at: i64,
        lists: &[StatusList],
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// Every status list of the issuer (public documents), oldest first.
    async fn status_lists_of(&self, issuer_id: IssuerId) -> StoreResult<Vec<StatusList>>;

    async fn insert_achievement(
        &self,
        user_id: UserId,
        a: &Achievement,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    async fn update_achievement(
        &self,
        user_id: UserId,
        a: &Achievement,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// Only when `user_id` is a member of its issuer.
    async fn find_achievement(&self, user_id: UserId, id: Uuid)
        -> StoreResult<Option<Achievement>>;
    async fn list_achievements(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<Achievement>>;
    /// Public: an achievement by id (its id URL and image are public).
    async fn public_achievement(&self, id: Uuid) -> StoreResult<Option<Achievement>>;

    /// The issuer's newest status list pair.
    async fn current_status_list(&self, issuer_id: IssuerId) -> StoreResult<Option<StatusList>>;
    async fn insert_status_list(&self, list: &StatusList) -> StoreResult<()>;
    /// Public.
    async fn find_status_list(&self, id: Uuid) -> StoreResult<Option<StatusList>>;

    /// Take `n` consecutive status slots of a list in one atomic update
    /// (`used` moves to `used + n`): the first slot taken, or `None` when
    /// fewer than `n` are left. Servers issuing at once each get their own
    /// slots without waiting on each other; a slot is never given back, so a
    /// signing that is never stored leaves a zero bit no credential names.
    async fn reserve_status_slots(&self, list_id: Uuid, n: i64) -> StoreResult<Option<i64>>;

    /// Credentials (their status slots reserved), their claim links and
    /// audit lines, in one transaction: `Conflict(Taken)` when one of them
    /// (an automatic award's key, a batch row) was already issued, and then
    /// nothing is written. `jobs` (deliveries, mails) are queued in the same
    /// transaction.
    async fn insert_issued(
        &self,
        credentials: &[IssuedCredential],
        claims: &[Claim],
        audit: &[AuditEntry],
        jobs: &[NewJob],
    ) -> StoreResult<()>;
    /// Any issued credential, by id (background jobs; no membership check).
    async fn find_issued_by_id(&self, id: Uuid) -> StoreResult<Option<IssuedCredential>>;
    /// Only when `user_id` is a member of its issuer.
    async fn find_issued(&self, user_id: UserId, id: Uuid)
        -> StoreResult<Option<IssuedCredential>>;
    async fn list_issued(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        q: &IssuedQuery,
    ) -> StoreResult<Vec<IssuedCredential>>;
    async fn count_issued(&self, user_id: UserId, issuer_id: IssuerId) -> StoreResult<i64>;
    /// Change a credential's state and its status list (from `list.version
    /// - 1` to `list.version`) with its audit line, in one transaction:
    /// `Conflict` when the list moved meanwhile; false when not a member's.
    async fn set_issued_state(
        &self,
        user_id: UserId,
        issued: &IssuedCredential,
        list: &StatusList,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// Record delivery to an account.
    async fn set_issued_user(&self, id: Uuid, user_id: UserId) -> StoreResult<()>;
    /// The credentials delivered to an account.
    async fn issued_to(&self, user_id: UserId) -> StoreResult<Vec<IssuedCredential>>;

    async fn find_claim(&self, token_hash: &str) -> StoreResult<Option<(Claim, IssuedCredential)>>;
    /// Replace the unclaimed claim link of `claim.issued_id` with `claim`,
    /// with its audit line and the mail that carries it, in one
    /// transaction. False (nothing written) when `user_id` is not a member
    /// of the credential's issuer or no unclaimed link exists.
    async fn replace_claim(
        &self,
        user_id: UserId,
        claim: &Claim,
        audit: &AuditEntry,
        mail: &NewJob,
    ) -> StoreResult<bool>;
    /// False when already claimed; `job` (the delivery) is queued with the
    /// claim.
    async fn mark_claimed(
        &self,
        token_hash: &str,
        user_id: UserId,
        at: i64,
        job: &NewJob,
    ) -> StoreResult<bool>;

    async fn audit_log(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>>;

    /// A new batch and its invalid rows, or `Conflict` when the same file
    /// was uploaded for the achievement before (see `find_batch_by_file`).
    async fn insert_batch(
        &self,
        batch: &Batch,
        rows: &[BatchRow],
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn find_batch_by_file(
        &self,
        issuer_id: IssuerId,
        achievement_id: Uuid,
        sha256: &str,
    ) -> StoreResult<Option<Batch>>;
    /// Only when `user_id` is a member of its issuer.
    async fn find_batch(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<Batch>>;
    async fn list_batches(&self, user_id: UserId, issuer_id: IssuerId) -> StoreResult<Vec<Batch>>;
    /// Preview → running, when `user_id` is a member, queueing `job` (the
    /// batch's run) in the same transaction.
    async fn start_batch(
        &self,
        user_id: UserId,
        id: Uuid,
        audit: &AuditEntry,
        job: &NewJob,
    ) -> StoreResult<bool>;
    /// End a batch's lease now (its job stopped at a safe point), so the
    /// next runner takes it at once.
    async fn release_batch(&self, id: Uuid, now: i64) -> StoreResult<()>;
    /// Take a running batch whose lease expired (a crashed or stopped job's
    /// included) until `lease_until`; the batch as taken.
    async fn lease_batch(&self, id: Uuid, now: i64, lease_until: i64)
        -> StoreResult<Option<Batch>>;
    /// Running batches (for resuming at start).
    async fn running_batches(&self) -> StoreResult<Vec<Uuid>>;
    /// One chunk of a batch, in one transaction: credentials, claims and
    /// report rows of rows not issued (issued rows are reported from
    /// `issued` itself), and the batch's `next_row`, counts and lease moved
    /// from `batch.next_row` (`Conflict(Moved)` when another job moved it).
    #[allow(clippy::too_many_arguments)]
    async fn insert_batch_chunk(
        &self,
        batch: &Batch,
        credentials: &[IssuedCredential],
        claims: &[Claim],
        rows: &[BatchRow],
        audit: &[AuditEntry],
        progress: &ChunkProgress,
        jobs: &[NewJob],
    ) -> StoreResult<()>;
    /// The per-row report, in row order (`after` and `limit` page it).
    async fn batch_rows(
        &self,
        batch_id: Uuid,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<BatchRow>>;

    /// The accounts holding these addresses confirmed: (address, account).
    async fn accounts_with_emails(&self, addresses: &[String]) -> StoreResult<Vec<(String, User)>>;
    /// The account holding this address confirmed.
    async fn account_with_email(&self, address: &str) -> StoreResult<Option<User>>;
    /// The account holding this DID confirmed.
    async fn account_with_did(&self, did: &str) -> StoreResult<Option<User>>;
}

/// Automatic awards and the JSON API: API tokens, xAPI rules and received
/// statements, stacking rules, automatic awards' keys. Staff reads and writes
/// take the acting user's id and match on membership, as `IssuingStore`.
#[async_trait]
pub trait AutomationStore: Send + Sync {
    /// False when `user_id` is not a member of the token's issuer.
    async fn insert_api_token(
        &self,
        user_id: UserId,
        token: &ApiToken,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// Newest first, revoked ones included.
    async fn list_api_tokens(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<ApiToken>>;
    /// False when absent, not the member's issuer's, or already revoked.
    async fn revoke_api_token(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        id: Uuid,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// A token by its hash (revoked ones included: the caller checks).
    async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>>;
    async fn touch_api_token(&self, id: Uuid, at: i64) -> StoreResult<()>;

    /// `Conflict` when the issuer has a rule for the activity; false when
    /// not a member.
    async fn insert_xapi_rule(
        &self,
        user_id: UserId,
        rule: &XapiRule,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    async fn delete_xapi_rule(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        id: Uuid,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    async fn list_xapi_rules(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<XapiRule>>;
    /// The issuer's rules for these activities (after token authentication).
    async fn xapi_rules_for(
        &self,
        issuer_id: IssuerId,
        activities: &[String],
    ) -> StoreResult<Vec<XapiRule>>;
    /// Which of these statement ids the issuer has already received.
    async fn known_statements(&self, issuer_id: IssuerId, ids: &[Uuid]) -> StoreResult<Vec<Uuid>>;
    /// Record statements (one already recorded is left as it is).
    async fn insert_xapi_statements(&self, records: &[XapiStatementRecord]) -> StoreResult<()>;
    /// Newest first.
    async fn list_xapi_statements(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        limit: i64,
    ) -> StoreResult<Vec<XapiStatementRecord>>;

    /// The credentials made under these award keys.
    async fn issued_by_keys(&self, keys: &[String]) -> StoreResult<Vec<IssuedCredential>>;

    /// `Conflict` when the target already has a rule; false when not a member.
    /// `job` (applying the rule to past awards) is queued with it.
    async fn insert_stack_rule(
        &self,
        user_id: UserId,
        rule: &StackRule,
        audit: &AuditEntry,
        job: &NewJob,
    ) -> StoreResult<bool>;
    /// A rule by id, whoever's (background jobs).
    async fn find_stack_rule(&self, id: Uuid) -> StoreResult<Option<StackRule>>;
    async fn delete_stack_rule(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        id: Uuid,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    async fn list_stack_rules(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<StackRule>>;
    /// Accounts holding an active credential of the achievement.
    async fn holders_of(&self, achievement_id: Uuid) -> StoreResult<Vec<UserId>>;
    /// Every rule (of any issuer) with one of these achievements as a
    /// component, and whose every component is usable by the rule's issuer:
    /// its own, or another issuer's that consented (`stack_consents`). A
    /// rule whose consent was withdrawn is not applied.
    async fn stack_rules_with_components(
        &self,
        achievement_ids: &[Uuid],
    ) -> StoreResult<Vec<StackRule>>;

    /// Whether `issuer_id` may use the achievement as a stacking component:
    /// it is its own, or its issuer consented.
    async fn stacking_allowed(
        &self,
        achievement_id: Uuid,
        issuer_id: IssuerId,
    ) -> StoreResult<bool>;
    /// The issuers allowed to stack the achievement, with when, when
    /// `user_id` is a member of the achievement's issuer (else empty).
    async fn stack_consents(
        &self,
        user_id: UserId,
        achievement_id: Uuid,
    ) -> StoreResult<Vec<(Issuer, i64)>>;
    /// Allow (`Some(at)`) or withdraw (`None`) an issuer's use of the
    /// achievement as a stacking component, with the audit line, when
    /// `user_id` is a member of the achievement's issuer; false otherwise.
    async fn set_stack_consent(
        &self,
        user_id: UserId,
        achievement_id: Uuid,
        issuer_id: IssuerId,
        granted_at: Option<i64>,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
}

#[async_trait]
pub trait BackupStore: Send + Sync {
    async fn export_all(&self) -> StoreResult<Vec<TableDump>>;
    /// Import into an empty database (refused with `Conflict` otherwise).
    async fn import_all(&self, tables: &[TableDump]) -> StoreResult<()>;
    /// True when the database holds no account.
    async fn is_empty(&self) -> StoreResult<bool>;
}

/// The whole store, as the application holds it.
#[async_trait]
pub trait Store:
    UserStore
    + EmailStore
    + DidStore
    + SessionStore
    + TokenStore
    + ThrottleStore
    + JobStore
    + FileStore
    + BadgeStore
    + NoteStore
    + BackpackStore
    + IssuingStore
    + AutomationStore
    + BackupStore
{
    /// `postgres` or `sqlite`.
    fn backend(&self) -> &'static str;
    /// Answers when the database does (for `/healthz`).
    async fn ping(&self) -> StoreResult<()>;
}

/// Where file bytes live. A put is atomic: after a crash the object is
/// complete or absent.
#[async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), String>;
    async fn get(&self, key: &str) -> Result<Option<Bytes>, String>;
    async fn delete(&self, key: &str) -> Result<(), String>;
    async fn ping(&self) -> Result<(), String>;
    fn describe(&self) -> String;
}

/// A message the domain wants a person to receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// Confirm an address (link carries the token).
    ConfirmEmail {
        to: String,
        locale: Locale,
        token: String,
    },
    /// Reset a forgotten password.
    PasswordReset {
        to: String,
        locale: Locale,
        token: String,
    },
    /// Someone tried to register with an address that already has an
    /// account (the owner is told; the page answers as for a new address).
    RegisterAttempt { to: String, locale: Locale },
    /// A credential was issued to this address: in the backpack already
    /// (`claim_token` absent), or to claim with the link.
    CredentialIssued {
        to: String,
        locale: Locale,
        issuer: String,
        achievement: String,
        claim_token: Option<String>,
    },
}

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, n: Notification) -> Result<(), String>;
}

/// The one wall clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
    fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }
}
