//! PostgreSQL, by `postgres://` URL.

use std::str::FromStr;
use std::time::Duration;

use backpack_domain::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::{backend_err, migrator};

pub struct PgStore {
    pub(crate) pool: PgPool,
    /// The same pool: PostgreSQL runs reads beside writes by itself (the
    /// queries name `read` for what SQLite routes to its readers).
    pub(crate) read: PgPool,
}

pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "accounts",
        include_str!("../migrations/postgres/0001_accounts.sql"),
    ),
    (
        2,
        "badges",
        include_str!("../migrations/postgres/0002_badges.sql"),
    ),
    (
        3,
        "notes",
        include_str!("../migrations/postgres/0003_notes.sql"),
    ),
    (
        4,
        "backpack",
        include_str!("../migrations/postgres/0004_backpack.sql"),
    ),
    (
        5,
        "issuing",
        include_str!("../migrations/postgres/0005_issuing.sql"),
    ),
    (
        6,
        "automation",
        include_str!("../migrations/postgres/0006_automation.sql"),
    ),
    (
        7,
        "account_security",
        include_str!("../migrations/postgres/0007_account_security.sql"),
    ),
    (
        8,
        "issuing_security",
        include_str!("../migrations/postgres/0008_issuing_security.sql"),
    ),
    (
        9,
        "jobs",
        include_str!("../migrations/postgres/0009_jobs.sql"),
    ),
    (
        10,
        "jobs_order",
        include_str!("../migrations/postgres/0010_jobs_order.sql"),
    ),
];

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(backend_err)?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            // A lost database shows as 503 within seconds, not after a minute.
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(backend_err)?;
        migrator(MIGRATIONS).run(&pool).await.map_err(backend_err)?;
        let read = pool.clone();
        let store = PgStore { pool, read };
        store.fill_items().await?;
        Ok(store)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

// The queries, written once for both drivers: this module includes them as
// its own `queries` (so does `sqlite.rs`), compiled against the items
// below. One file loaded as two modules is the design, hence the allow.
#[allow(clippy::duplicate_mod)]
#[path = "queries/mod.rs"]
mod queries;

type Store = PgStore;
type Db = sqlx::Postgres;
type R = sqlx::postgres::PgRow;

/// The backend's name (`Store::backend`).
const NAME: &str = "postgres";
/// Run first in a backup's read transaction: backups read every table in one
/// repeatable-read snapshot.
const SNAPSHOT: Option<&str> = Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
/// The database's own tables (the backup schema check compares them with the
/// backup format): a column `name`.
const TABLES_SQL: &str = "SELECT table_name::text AS name FROM information_schema.tables \
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%'";
/// The item search's text condition: the lower-case haystack contains `$2`.
const CONTAINS: &str = "strpos(haystack, $2) > 0";
/// Appended to the job claim's inner `SELECT`: concurrent workers skip the
/// rows another has locked instead of waiting for them.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
