//! PostgreSQL, by `postgres://` URL.

use std::str::FromStr;
use std::time::Duration;

use backpack_domain::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::{backend_err, migrator};

pub struct PgStore {
    pub(crate) pool: PgPool,
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
        let store = PgStore { pool };
        store.fill_items().await?;
        Ok(store)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

// Backups read every table in one repeatable-read snapshot.
sql_store!(
    PgStore,
    sqlx::Postgres,
    sqlx::postgres::PgRow,
    "postgres",
    Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"),
    "SELECT table_name::text AS name FROM information_schema.tables \
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%'",
    "strpos(haystack, $2) > 0",
    " FOR UPDATE SKIP LOCKED"
);
