//! SQLite: the embedded default. WAL journal, foreign keys on.
//!
//! One writer connection, several readers. SQLite lets one transaction write
//! at a time; with a pool of writers, the losers of each race sleep in
//! SQLite's busy handler (1, 2, 5, 10 … ms) and a mail queue drained at
//! hundreds of writes a second spent most of its time asleep. Writes queue
//! for the one writer connection instead (in the process: an SQLite database
//! belongs to one server), and reads, which WAL lets run beside a write, use
//! their own pool. The busy timeout stays for the rare outside writer (the
//! `backup` command on a live database).

use std::str::FromStr;
use std::time::Duration;

use backpack_domain::StoreError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{backend_err, migrator};

pub struct SqliteStore {
    /// The writer: one connection. Every write and every transaction.
    pub(crate) pool: SqlitePool,
    /// Readers: single `SELECT`s and read-only snapshots.
    pub(crate) read: SqlitePool,
}

pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "accounts",
        include_str!("../migrations/sqlite/0001_accounts.sql"),
    ),
    (
        2,
        "badges",
        include_str!("../migrations/sqlite/0002_badges.sql"),
    ),
    (
        3,
        "notes",
        include_str!("../migrations/sqlite/0003_notes.sql"),
    ),
    (
        4,
        "backpack",
        include_str!("../migrations/sqlite/0004_backpack.sql"),
    ),
    (
        5,
        "issuing",
        include_str!("../migrations/sqlite/0005_issuing.sql"),
    ),
    (
        6,
        "automation",
        include_str!("../migrations/sqlite/0006_automation.sql"),
    ),
    (
        7,
        "account_security",
        include_str!("../migrations/sqlite/0007_account_security.sql"),
    ),
    (
        8,
        "issuing_security",
        include_str!("../migrations/sqlite/0008_issuing_security.sql"),
    ),
    (
        9,
        "jobs",
        include_str!("../migrations/sqlite/0009_jobs.sql"),
    ),
    (
        10,
        "jobs_order",
        include_str!("../migrations/sqlite/0010_jobs_order.sql"),
    ),
];

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(backend_err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(backend_err)?;
        migrator(MIGRATIONS).run(&pool).await.map_err(backend_err)?;
        // Opened after the migrations, so a reader never sees an older schema.
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.pragma("query_only", "ON"))
            .await
            .map_err(backend_err)?;
        let store = SqliteStore { pool, read };
        store.fill_items().await?;
        Ok(store)
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.pool.close().await;
    }
}

// The queries, written once for both drivers: this module includes them as
// its own `queries` (so does `postgres.rs`), compiled against the items
// below. One file loaded as two modules is the design, hence the allow.
#[allow(clippy::duplicate_mod)]
#[path = "queries/mod.rs"]
mod queries;

type Store = SqliteStore;
type Db = sqlx::Sqlite;
type R = sqlx::sqlite::SqliteRow;

/// The backend's name (`Store::backend`).
const NAME: &str = "sqlite";
/// Run first in a backup's read transaction: none, as a read transaction in
/// WAL mode is a consistent snapshot from its first read.
const SNAPSHOT: Option<&str> = None;
/// The database's own tables (the backup schema check compares them with the
/// backup format): a column `name`.
const TABLES_SQL: &str = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
     AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'";
/// The item search's text condition: the lower-case haystack contains `$2`.
const CONTAINS: &str = "instr(haystack, $2) > 0";
/// Appended to the job claim's inner `SELECT`: nothing, as SQLite has one
/// writer at a time.
const SKIP_LOCKED: &str = "";
