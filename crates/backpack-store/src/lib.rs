//! The domain's [`Store`](backpack_domain::ports::Store) on two real
//! databases, chosen at run time from the URL: SQLite (embedded default: WAL,
//! foreign keys on) and PostgreSQL.
//!
//! One SQL text serves both backends: the queries are plain modules in
//! `src/queries/` (portable SQL, `$n` parameters, `RETURNING`), compiled once
//! per driver by `#[path]` inclusion from `sqlite.rs` and `postgres.rs`, so
//! the SQL is written once and the two cannot drift. What differs per driver
//! is the handful of consts and type aliases in those two files (the store and
//! row types, the backup snapshot statement, the table-list query, the
//! substring test, the job claim's `SKIP LOCKED`), with the connection options
//! and migrations. Each backend has its own plain-SQL `migrations/` folder with
//! the same file names (a test checks it), run at start.
//!
//! Every query on a user's object matches on the owner's id.

use std::borrow::Cow;

use backpack_domain::{Conflict, StoreError};
use sqlx::migrate::{Migration, MigrationType, Migrator};

mod postgres;
mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Column types of the portable backup format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Text,
    Int,
}

/// Every table in foreign-key order, with its columns: the backup export and
/// import walk this list (a test checks it against the live schema).
pub(crate) const TABLES: &[(&str, &[(&str, Ty)])] = &[
    (
        "users",
        &[
            ("id", Ty::Text),
            ("display_name", Ty::Text),
            ("role", Ty::Text),
            ("locale", Ty::Text),
            ("password_hash", Ty::Text),
            ("photo_file_id", Ty::Text),
            ("disabled", Ty::Int),
            ("created_at", Ty::Int),
        ],
    ),
    (
        "emails",
        &[
            ("id", Ty::Text),
            ("user_id", Ty::Text),
            ("address", Ty::Text),
            ("confirmed_at", Ty::Int),
            ("is_primary", Ty::Int),
            ("created_at", Ty::Int),
        ],
    ),
    (
        "dids",
        &[
            ("id", Ty::Text),
            ("user_id", Ty::Text),
            ("did", Ty::Text),
            ("challenge", Ty::Text),
            ("confirmed_at", Ty::Int),
            ("created_at", Ty::Int),
        ],
    ),
    (
        "sessions",
        &[
            ("token_hash", Ty::Text),
            ("user_id", Ty::Text),
            ("created_at", Ty::Int),
            ("expires_at", Ty::Int),
        ],
    ),
    (
        "one_time_tokens",
        &[
            ("token_hash", Ty::Text),
            ("purpose", Ty::Text),
            ("user_id", Ty::Text),
            ("subject_id", Ty::Text),
            ("expires_at", Ty::Int),
        ],
    ),
    ("login_failures", &[("key", Ty::Text), ("at", Ty::Int)]),
    (
        "jobs",
        &[
            ("id", Ty::Text),
            ("kind", Ty::Text),
            ("payload", Ty::Text),
            ("dedupe_key", Ty::Text),
            ("run_at", Ty::Int),
            ("attempts", Ty::Int),
            ("lease_owner", Ty::Text),
            ("lease_until", Ty::Int),
            ("last_error", Ty::Text),
            ("failed_at", Ty::Int),
            ("created_at", Ty::Int),
        ],
    ),
    (
        "files",
        &[
            ("id", Ty::Text),
            ("user_id", Ty::Text),
            ("purpose", Ty::Text),
            ("filename", Ty::Text),
            ("content_type", Ty::Text),
            ("size", Ty::Int),
            ("sha256", Ty::Text),
            ("blob_key", Ty::Text),
            ("created_at", Ty::Int),
        ],
    ),
    (
        "blob_deletions",
        &[("blob_key", Ty::Text), ("delete_after", Ty::Int)],
    ),
    (
        "badges",
        &[
            ("id", Ty::Text),
            ("user_id", Ty::Text),
            ("blob_key", Ty::Text),
            ("sha256", Ty::Text),
            ("content_sha256", Ty::Text),
            ("media_type", Ty::Text),
            ("filename", Ty::Text),
            ("credential_id", Ty::Text),
            ("name", Ty::Text),
            ("issuer_name", Ty::Text),
            ("issuer_id", Ty::Text),
            ("description", Ty::Text),
            ("valid_from", Ty::Text),
            ("valid_until", Ty::Text),
            ("verdict", Ty::Text),
            ("report", Ty::Text),
            ("checked_at", Ty::Int),
            ("imported_at", Ty::Int),
            ("source", Ty::Text),
            ("keywords", Ty::Text),
        ],
    ),
    (
        "notes",
        &[
            ("id", Ty::Text),
            ("user_id", Ty::Text),
            ("title", Ty::Text),
            ("body", Ty::Text),
            ("tags", Ty::Text),
            ("created_at", Ty::Int),
            ("updated_at", Ty::Int),
        ],
    ),
    (
        "certificates",
        &[
            ("id", Ty::Text),
            ("user_id", Ty::Text),
            ("blob_key", Ty::Text),
            ("preview_key", Ty::Text),
            ("sha256", Ty::Text),
            ("media_type", Ty::Text),
            ("filename", Ty::Text),
            ("size", Ty::Int),
            ("title", Ty::Text),
            ("platform", Ty::Text),
            ("issuer_name", Ty::Text),
            ("issued_on", Ty::Text),
            ("credential_id", Ty::Text),
            ("verification_url", Ty::Text),
            ("description", Ty::Text),
            ("tags", Ty::Text),
            ("created_at", Ty::Int),
            ("updated_at", Ty::Int),
        ],
    ),
    (
        "note_files",
        &[
            ("id", Ty::Text),
            ("note_id", Ty::Text),
            ("user_id", Ty::Text),
            ("blob_key", Ty::Text),
            ("filename", Ty::Text),
            ("content_type", Ty::Text),
            ("size", Ty::Int),
            ("sha256", Ty::Text),
            ("created_at", Ty::Int),
        ],
    ),
    (
        "note_links",
        &[
            ("note_id", Ty::Text),
            ("user_id", Ty::Text),
            ("area", Ty::Text),
            ("item_id", Ty::Text),
        ],
    ),
    (
        "collections",
        &[
            ("id", Ty::Text),
            ("user_id", Ty::Text),
            ("name", Ty::Text),
            ("description", Ty::Text),
            ("created_at", Ty::Int),
            ("updated_at", Ty::Int),
        ],
    ),
    (
        "collection_items",
        &[
            ("collection_id", Ty::Text),
            ("user_id", Ty::Text),
            ("area", Ty::Text),
            ("item_id", Ty::Text),
            ("added_at", Ty::Int),
        ],
    ),
    (
        "items",
        &[
            ("id", Ty::Text),
            ("user_id", Ty::Text),
            ("area", Ty::Text),
            ("title", Ty::Text),
            ("issuer", Ty::Text),
            ("tags", Ty::Text),
            ("day", Ty::Text),
            ("at", Ty::Int),
            ("haystack", Ty::Text),
        ],
    ),
    (
        "portfolios",
        &[
            ("user_id", Ty::Text),
            ("document", Ty::Text),
            ("updated_at", Ty::Int),
        ],
    ),
    (
        "issuers",
        &[
            ("id", Ty::Text),
            ("slug", Ty::Text),
            ("did", Ty::Text),
            ("name", Ty::Text),
            ("profile", Ty::Text),
            ("logo_key", Ty::Text),
            ("logo_type", Ty::Text),
            ("created_at", Ty::Int),
            ("updated_at", Ty::Int),
        ],
    ),
    (
        "issuer_members",
        &[
            ("issuer_id", Ty::Text),
            ("user_id", Ty::Text),
            ("added_at", Ty::Int),
        ],
    ),
    (
        "issuer_keys",
        &[
            ("id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("fragment", Ty::Text),
            ("public_key", Ty::Text),
            ("sealed_secret", Ty::Text),
            ("created_at", Ty::Int),
            ("retired_at", Ty::Int),
            ("revoked_at", Ty::Int),
        ],
    ),
    (
        "achievements",
        &[
            ("id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("name", Ty::Text),
            ("spec", Ty::Text),
            ("image_key", Ty::Text),
            ("image_type", Ty::Text),
            ("created_at", Ty::Int),
            ("updated_at", Ty::Int),
        ],
    ),
    (
        "status_lists",
        &[
            ("id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("size", Ty::Int),
            ("used", Ty::Int),
            ("version", Ty::Int),
            ("revocation", Ty::Text),
            ("suspension", Ty::Text),
            ("revocation_vc", Ty::Text),
            ("suspension_vc", Ty::Text),
            ("created_at", Ty::Int),
            ("updated_at", Ty::Int),
        ],
    ),
    (
        "issued",
        &[
            ("id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("achievement_id", Ty::Text),
            ("achievement_name", Ty::Text),
            ("recipient_kind", Ty::Text),
            ("recipient", Ty::Text),
            ("recipient_name", Ty::Text),
            ("user_id", Ty::Text),
            ("format", Ty::Text),
            ("credential", Ty::Text),
            ("list_id", Ty::Text),
            ("list_index", Ty::Int),
            ("state", Ty::Text),
            ("reason", Ty::Text),
            ("state_at", Ty::Int),
            ("issued_at", Ty::Int),
            ("actor_name", Ty::Text),
            ("source", Ty::Text),
            ("batch_id", Ty::Text),
            ("batch_row", Ty::Int),
            ("award_key", Ty::Text),
        ],
    ),
    (
        "claims",
        &[
            ("token_hash", Ty::Text),
            ("issued_id", Ty::Text),
            ("expires_at", Ty::Int),
            ("claimed_by", Ty::Text),
            ("claimed_at", Ty::Int),
        ],
    ),
    (
        "issuer_audit",
        &[
            ("id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("at", Ty::Int),
            ("actor_id", Ty::Text),
            ("actor_name", Ty::Text),
            ("action", Ty::Text),
            ("subject", Ty::Text),
            ("detail", Ty::Text),
        ],
    ),
    (
        "batches",
        &[
            ("id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("achievement_id", Ty::Text),
            ("filename", Ty::Text),
            ("sha256", Ty::Text),
            ("blob_key", Ty::Text),
            ("format", Ty::Text),
            ("total", Ty::Int),
            ("valid", Ty::Int),
            ("state", Ty::Text),
            ("next_row", Ty::Int),
            ("issued", Ty::Int),
            ("failed", Ty::Int),
            ("lease_until", Ty::Int),
            ("actor_id", Ty::Text),
            ("actor_name", Ty::Text),
            ("created_at", Ty::Int),
            ("finished_at", Ty::Int),
        ],
    ),
    (
        "batch_rows",
        &[
            ("batch_id", Ty::Text),
            ("row_number", Ty::Int),
            ("recipient", Ty::Text),
            ("status", Ty::Text),
            ("code", Ty::Text),
            ("issued_id", Ty::Text),
        ],
    ),
    (
        "api_tokens",
        &[
            ("id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("name", Ty::Text),
            ("scope", Ty::Text),
            ("token_hash", Ty::Text),
            ("hint", Ty::Text),
            ("created_by", Ty::Text),
            ("created_at", Ty::Int),
            ("last_used_at", Ty::Int),
            ("revoked_at", Ty::Int),
        ],
    ),
    (
        "xapi_rules",
        &[
            ("id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("activity", Ty::Text),
            ("achievement_id", Ty::Text),
            ("min_score", Ty::Int),
            ("created_at", Ty::Int),
        ],
    ),
    (
        "xapi_statements",
        &[
            ("issuer_id", Ty::Text),
            ("statement_id", Ty::Text),
            ("received_at", Ty::Int),
            ("verb", Ty::Text),
            ("actor", Ty::Text),
            ("activity", Ty::Text),
            ("outcome", Ty::Text),
            ("issued_id", Ty::Text),
        ],
    ),
    (
        "stack_rules",
        &[
            ("id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("achievement_id", Ty::Text),
            ("created_at", Ty::Int),
        ],
    ),
    (
        "stack_components",
        &[("rule_id", Ty::Text), ("achievement_id", Ty::Text)],
    ),
    (
        "stack_consents",
        &[
            ("achievement_id", Ty::Text),
            ("issuer_id", Ty::Text),
            ("granted_at", Ty::Int),
        ],
    ),
];

/// The migration files of one backend, embedded in the binary.
pub(crate) fn migrator(files: &[(i64, &'static str, &'static str)]) -> Migrator {
    let migrations: Vec<Migration> = files
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

/// File names of each backend's migrations (the test that they match reads these).
pub const MIGRATION_FILES: &[&str] = &[
    "0001_accounts.sql",
    "0002_badges.sql",
    "0003_notes.sql",
    "0004_backpack.sql",
    "0005_issuing.sql",
    "0006_automation.sql",
    "0007_account_security.sql",
    "0008_issuing_security.sql",
    "0009_jobs.sql",
    "0010_jobs_order.sql",
];

pub(crate) fn backend_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(Conflict::Taken)
        }
        // PostgreSQL's connection exceptions (08…) and operator
        // intervention (57…: shutting down, cannot connect now).
        sqlx::Error::Database(d)
            if d.code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57")) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

pub(crate) fn parse_uuid(s: &str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(s)
        .map_err(|e| StoreError::Backend(format!("bad id {s:?} in the database: {e}")))
}

/// Open the store a URL names: `sqlite://PATH` (created if missing) or
/// `postgres://…`. Runs the backend's migrations.
pub async fn connect(
    url: &str,
) -> Result<std::sync::Arc<dyn backpack_domain::ports::Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::Backend(format!(
            "unsupported database URL scheme in {:?}: use sqlite://PATH or postgres://…",
            redact_url(url)
        )))
    }
}

/// A URL with its password replaced by `***`, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://bob:secret@db/x"),
            "postgres://bob:***@db/x"
        );
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
        assert_eq!(
            redact_url("sqlite://data/backpack.db"),
            "sqlite://data/backpack.db"
        );
    }

    #[test]
    fn both_backends_have_the_same_migration_files() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |b: &str| {
            let mut v: Vec<String> = std::fs::read_dir(root.join(b))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names("sqlite"), names("postgres"));
        assert_eq!(names("sqlite"), MIGRATION_FILES);
    }

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        for embedded in [sqlite::MIGRATIONS, postgres::MIGRATIONS] {
            assert_eq!(embedded.len(), MIGRATION_FILES.len());
            for ((version, description, sql), file) in embedded.iter().zip(MIGRATION_FILES) {
                assert_eq!(file, &format!("{version:04}_{description}.sql"));
                assert!(!sql.trim().is_empty());
            }
        }
    }
}
