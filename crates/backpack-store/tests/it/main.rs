//! The storage conformance suite: the same stories against SQLite (always)
//! and PostgreSQL (the local server; required under CI), each on a fresh
//! database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod automation;
mod issuing;
mod jobs;
mod stories;

use std::sync::Arc;

use backpack_domain::ports::Store;
use backpack_store::{PgStore, SqliteStore};
use backpack_testkit::PgDatabase;

/// A fresh store of each backend, with what keeps it alive.
pub struct Backend {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    pub drift: Vec<String>,
    pg: Option<Arc<PgDatabase>>,
    dir: Option<Arc<TempDir>>,
}

impl Backend {
    /// What keeps the database alive (a story's closure captures only the fields it uses).
    pub fn guard(&self) -> (Option<Arc<PgDatabase>>, Option<Arc<TempDir>>) {
        (self.pg.clone(), self.dir.clone())
    }
}

pub struct TempDir(pub std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn sqlite() -> Backend {
    let dir = std::env::temp_dir().join(format!("bp-store-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let s = SqliteStore::connect(&url).await.unwrap();
    let drift = s.backup_schema_drift().await.unwrap();
    Backend {
        name: "sqlite",
        store: Arc::new(s),
        drift,
        pg: None,
        dir: Some(Arc::new(TempDir(dir))),
    }
}

pub async fn postgres() -> Option<Backend> {
    let db = PgDatabase::create().await?;
    let s = PgStore::connect(&db.url).await.unwrap();
    let drift = s.backup_schema_drift().await.unwrap();
    Some(Backend {
        name: "postgres",
        store: Arc::new(s),
        drift,
        pg: Some(Arc::new(db)),
        dir: None,
    })
}

/// Run a story on every backend.
#[macro_export]
macro_rules! story {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let b = $crate::sqlite().await;
                let _guard = b.guard();
                ($body)(b).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(b) = $crate::postgres().await {
                    let _guard = b.guard();
                    ($body)(b).await;
                }
            }
        }
    };
}
