//! The queries, written once for both drivers. `sqlite.rs` and `postgres.rs`
//! each include this folder as their own `queries` module (`#[path]`), so it
//! is compiled once per driver against what the including module defines:
//! `Store` (the store type), `Db` (the sqlx database), `R` (its row type) and
//! the consts `NAME`, `SNAPSHOT`, `TABLES_SQL`, `CONTAINS` and `SKIP_LOCKED`,
//! the only SQL that differs between the two. The SQL here is portable: `$n`
//! parameters, `RETURNING`.
//!
//! One module per group of ports (`accounts`, `files`, `backpack`, `jobs`,
//! `backup`, `issuing`, `automation`); this one holds what they share (they
//! `use super::*`): the imports, the column readers (`text`, `int`, …) and
//! the `Store` port itself.
//!
//! Every query on a user's object matches on the owner's id.

use async_trait::async_trait;
use backpack_domain::entities::*;
use backpack_domain::ports::{self, *};
use backpack_domain::{Conflict, IssuerId, StoreError, UserId};
use sqlx::Row;
use uuid::Uuid;

use super::{Db, Store, NAME, R};
use crate::{backend_err, map_err, parse_uuid};

mod accounts;
mod automation;
mod backpack;
mod backup;
mod files;
mod issuing;
mod jobs;

fn text(r: &R, col: &str) -> Result<String, StoreError> {
    r.try_get::<String, _>(col).map_err(backend_err)
}
fn opt_text(r: &R, col: &str) -> Result<Option<String>, StoreError> {
    r.try_get::<Option<String>, _>(col).map_err(backend_err)
}
fn int(r: &R, col: &str) -> Result<i64, StoreError> {
    r.try_get::<i64, _>(col).map_err(backend_err)
}
fn opt_int(r: &R, col: &str) -> Result<Option<i64>, StoreError> {
    r.try_get::<Option<i64>, _>(col).map_err(backend_err)
}
fn uuid(r: &R, col: &str) -> Result<Uuid, StoreError> {
    parse_uuid(&text(r, col)?)
}
fn user_id(r: &R, col: &str) -> Result<UserId, StoreError> {
    uuid(r, col).map(UserId::from_uuid)
}
fn issuer_id(r: &R, col: &str) -> Result<IssuerId, StoreError> {
    uuid(r, col).map(IssuerId::from_uuid)
}

#[async_trait]
impl ports::Store for Store {
    fn backend(&self) -> &'static str {
        NAME
    }
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
