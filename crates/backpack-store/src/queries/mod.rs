//! The queries, written once for both drivers: `sqlite.rs` and `postgres.rs`
//! each include this folder as their own `queries` module (`#[path]`), so it
//! is compiled once per driver against the items the including module
//! defines: `Store` (the store type), `Db` (the sqlx database), `R` (its row
//! type) and the consts `NAME`, `SNAPSHOT`, `TABLES_SQL`, `CONTAINS` and
//! `SKIP_LOCKED`, the only SQL that differs between the two. The SQL here is
//! portable: `$n` parameters, `RETURNING`.
//!
//! Every query on a user's object matches on the owner's id.

use async_trait::async_trait;
use backpack_domain::backup::TableDump;
use backpack_domain::entities::*;
use backpack_domain::ports::{self, *};
use backpack_domain::values::{Locale, Role};
use backpack_domain::{Conflict, StoreError};
use sqlx::Row;
use uuid::Uuid;

use super::{Db, Store, CONTAINS, NAME, R, SKIP_LOCKED, SNAPSHOT, TABLES_SQL};
use crate::{backend_err, map_err, parse_uuid, Ty, TABLES};

mod automation;
mod issuing;

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

const USER_COLS: &str =
    "u.id, u.display_name, u.role, u.locale, u.password_hash, u.photo_file_id, u.disabled, u.created_at";

fn user(r: &R) -> Result<User, StoreError> {
    let role = text(r, "role")?;
    Ok(User {
        id: uuid(r, "id")?,
        display_name: text(r, "display_name")?,
        role: Role::parse(&role).ok_or_else(|| backend_err(format!("bad role {role:?}")))?,
        locale: opt_text(r, "locale")?.as_deref().and_then(Locale::parse),
        password_hash: text(r, "password_hash")?,
        photo_file_id: opt_text(r, "photo_file_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
        disabled: int(r, "disabled")? != 0,
        created_at: int(r, "created_at")?,
    })
}

/// A user-list row: the account and its primary address (`address`).
fn user_summary(r: &R) -> Result<UserSummary, StoreError> {
    let role = text(r, "role")?;
    Ok(UserSummary {
        id: uuid(r, "id")?,
        display_name: text(r, "display_name")?,
        role: Role::parse(&role).ok_or_else(|| backend_err(format!("bad role {role:?}")))?,
        primary_email: text(r, "address")?,
        disabled: int(r, "disabled")? != 0,
        created_at: int(r, "created_at")?,
    })
}

fn email(r: &R) -> Result<EmailAddress, StoreError> {
    Ok(EmailAddress {
        id: uuid(r, "id")?,
        user_id: uuid(r, "user_id")?,
        address: text(r, "address")?,
        confirmed_at: opt_int(r, "confirmed_at")?,
        is_primary: int(r, "is_primary")? != 0,
        created_at: int(r, "created_at")?,
    })
}

fn did(r: &R) -> Result<DidEntry, StoreError> {
    Ok(DidEntry {
        id: uuid(r, "id")?,
        user_id: uuid(r, "user_id")?,
        did: text(r, "did")?,
        challenge: text(r, "challenge")?,
        confirmed_at: opt_int(r, "confirmed_at")?,
        created_at: int(r, "created_at")?,
    })
}

fn file(r: &R) -> Result<StoredFile, StoreError> {
    Ok(StoredFile {
        id: uuid(r, "id")?,
        user_id: uuid(r, "user_id")?,
        purpose: text(r, "purpose")?,
        filename: text(r, "filename")?,
        content_type: text(r, "content_type")?,
        size: int(r, "size")?,
        sha256: text(r, "sha256")?,
        blob_key: text(r, "blob_key")?,
        created_at: int(r, "created_at")?,
    })
}

const FILE_COLS: &str =
    "id, user_id, purpose, filename, content_type, size, sha256, blob_key, created_at";

const BADGE_COLS: &str = "id, user_id, blob_key, sha256, content_sha256, media_type, filename, credential_id, name, issuer_name, \
    issuer_id, description, valid_from, valid_until, verdict, report, checked_at, imported_at, source, keywords";

fn badge(r: &R) -> Result<Badge, StoreError> {
    Ok(Badge {
        id: uuid(r, "id")?,
        user_id: uuid(r, "user_id")?,
        blob_key: text(r, "blob_key")?,
        sha256: text(r, "sha256")?,
        content_sha256: text(r, "content_sha256")?,
        media_type: text(r, "media_type")?,
        filename: text(r, "filename")?,
        credential_id: opt_text(r, "credential_id")?,
        name: text(r, "name")?,
        issuer_name: opt_text(r, "issuer_name")?,
        issuer_id: opt_text(r, "issuer_id")?,
        description: opt_text(r, "description")?,
        valid_from: opt_text(r, "valid_from")?,
        valid_until: opt_text(r, "valid_until")?,
        verdict: text(r, "verdict")?,
        report: text(r, "report")?,
        checked_at: int(r, "checked_at")?,
        imported_at: int(r, "imported_at")?,
        source: BadgeSource::parse(&text(r, "source")?)
            .ok_or_else(|| backend_err("bad badge source"))?,
        keywords: split_tags(&text(r, "keywords")?),
    })
}

/// Delete one of the user's rows of `table` that names files, and
/// queue those files (`blob_columns`) for deletion after
/// `delete_after`, in `tx`. False when there is no such row.
async fn delete_with_blobs(
    tx: &mut sqlx::Transaction<'_, Db>,
    table: &str,
    blob_columns: &[&str],
    user_id: Uuid,
    id: &str,
    delete_after: i64,
) -> StoreResult<bool> {
    let gone = sqlx::query(&format!(
        "DELETE FROM {table} WHERE id = $1 AND user_id = $2 RETURNING {}",
        blob_columns.join(", ")
    ))
    .bind(id)
    .bind(user_id.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(map_err)?;
    let Some(r) = gone else { return Ok(false) };
    for column in blob_columns {
        if let Some(key) = opt_text(&r, column)? {
            sqlx::query("INSERT INTO blob_deletions (blob_key, delete_after) VALUES ($1, $2)")
                .bind(key)
                .bind(delete_after)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
        }
    }
    Ok(true)
}

#[async_trait]
impl BadgeStore for Store {
    async fn insert_badge(&self, b: &Badge) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(&format!(
            "INSERT INTO badges ({BADGE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        ))
        .bind(b.id.to_string())
        .bind(b.user_id.to_string())
        .bind(&b.blob_key)
        .bind(&b.sha256)
        .bind(&b.content_sha256)
        .bind(&b.media_type)
        .bind(&b.filename)
        .bind(&b.credential_id)
        .bind(&b.name)
        .bind(&b.issuer_name)
        .bind(&b.issuer_id)
        .bind(&b.description)
        .bind(&b.valid_from)
        .bind(&b.valid_until)
        .bind(&b.verdict)
        .bind(&b.report)
        .bind(b.checked_at)
        .bind(b.imported_at)
        .bind(b.source.code())
        .bind(stored_tags(&b.keywords))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sync_item(&mut tx, "badges", b.id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn find_badge(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Badge>> {
        sqlx::query(&format!(
            "SELECT {BADGE_COLS} FROM badges WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(badge)
        .transpose()
    }

    async fn find_same_badge(
        &self,
        user_id: Uuid,
        sha256: &str,
        content_sha256: &str,
    ) -> StoreResult<Option<Badge>> {
        sqlx::query(&format!(
            "SELECT {BADGE_COLS} FROM badges WHERE user_id = $1 AND (sha256 = $2 OR content_sha256 = $3) \
             ORDER BY imported_at LIMIT 1"
        ))
        .bind(user_id.to_string())
        .bind(sha256)
        .bind(content_sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(badge)
        .transpose()
    }

    async fn list_badges(&self, user_id: Uuid) -> StoreResult<Vec<Badge>> {
        sqlx::query(&format!(
            "SELECT {BADGE_COLS} FROM badges WHERE user_id = $1 ORDER BY imported_at DESC, id"
        ))
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(badge)
        .collect()
    }

    async fn delete_badge(&self, user_id: Uuid, id: Uuid, delete_after: i64) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        if !delete_with_blobs(
            &mut tx,
            "badges",
            &["blob_key"],
            user_id,
            &id.to_string(),
            delete_after,
        )
        .await?
        {
            return Ok(false);
        }
        forget_item(&mut tx, user_id, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }
}

/// Delete every unconfirmed row of `address` but `keep_id`, and
/// give the accounts that lose their primary one another.
async fn take_unconfirmed(
    tx: &mut sqlx::Transaction<'_, Db>,
    address: &str,
    keep_id: &str,
) -> StoreResult<()> {
    let rows = sqlx::query("DELETE FROM emails WHERE address = $1 AND confirmed_at IS NULL AND id <> $2 RETURNING user_id")
        .bind(address)
        .bind(keep_id)
        .fetch_all(&mut **tx)
        .await
        .map_err(map_err)?;
    for r in &rows {
        fix_primary(tx, &text(r, "user_id")?).await?;
    }
    Ok(())
}

/// An account without a primary address gets its oldest confirmed one.
async fn fix_primary(tx: &mut sqlx::Transaction<'_, Db>, user_id: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE emails SET is_primary = 1 WHERE id = (SELECT c.id FROM emails c WHERE c.user_id = $1 \
         AND c.confirmed_at IS NOT NULL ORDER BY c.created_at, c.id LIMIT 1) \
         AND NOT EXISTS (SELECT 1 FROM emails p WHERE p.user_id = $2 AND p.is_primary = 1)",
    )
    .bind(user_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Confirm the account's address `id` and take it from every
/// other account holding it unconfirmed. False when the row is
/// gone or another account has confirmed the address.
async fn confirm_in_tx(
    tx: &mut sqlx::Transaction<'_, Db>,
    user_id: Uuid,
    id: Uuid,
    at: i64,
) -> StoreResult<bool> {
    let Some(row) = sqlx::query("SELECT address FROM emails WHERE id = $1 AND user_id = $2")
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
    else {
        return Ok(false);
    };
    let address = text(&row, "address")?;
    match sqlx::query("UPDATE emails SET confirmed_at = COALESCE(confirmed_at, $1) WHERE id = $2")
        .bind(at)
        .bind(id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)
    {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => return Ok(false),
        Err(e) => return Err(e),
    }
    take_unconfirmed(tx, &address, &id.to_string()).await?;
    Ok(true)
}

#[async_trait]
impl UserStore for Store {
    async fn insert_user(&self, u: &User, primary: &EmailAddress) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(
            "INSERT INTO users (id, display_name, role, locale, password_hash, photo_file_id, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
        )
        .bind(u.id.to_string())
        .bind(&u.display_name)
        .bind(u.role.as_str())
        .bind(u.locale.map(|l| l.code()))
        .bind(&u.password_hash)
        .bind(i64::from(u.disabled))
        .bind(u.created_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        // Registering takes the address from accounts that hold it
        // unconfirmed (an unconfirmed row claims nothing).
        take_unconfirmed(&mut tx, &primary.address, &primary.id.to_string()).await?;
        sqlx::query(
            "INSERT INTO emails (id, user_id, address, confirmed_at, is_primary, created_at) VALUES ($1, $2, $3, $4, 1, $5)",
        )
        .bind(primary.id.to_string())
        .bind(u.id.to_string())
        .bind(&primary.address)
        .bind(primary.confirmed_at)
        .bind(primary.created_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn find_user(&self, id: Uuid) -> StoreResult<Option<User>> {
        sqlx::query(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .as_ref()
            .map(user)
            .transpose()
    }

    async fn find_user_by_login(&self, address: &str) -> StoreResult<Option<User>> {
        sqlx::query(&format!(
            "SELECT {USER_COLS} FROM users u JOIN emails e ON e.user_id = u.id \
             WHERE e.address = $1 AND e.confirmed_at IS NOT NULL"
        ))
        .bind(address)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(user)
        .transpose()
    }

    async fn count_users(&self) -> StoreResult<i64> {
        let r = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        int(&r, "n")
    }

    async fn count_admins(&self) -> StoreResult<i64> {
        let r =
            sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0")
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
        int(&r, "n")
    }

    async fn list_users(&self, offset: i64, limit: i64) -> StoreResult<Vec<UserSummary>> {
        let rows = sqlx::query(
            "SELECT u.id, u.display_name, u.role, u.disabled, u.created_at, e.address \
             FROM users u JOIN emails e ON e.user_id = u.id AND e.is_primary = 1 \
             ORDER BY u.created_at, u.id LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(user_summary).collect()
    }

    async fn update_profile(
        &self,
        id: Uuid,
        display_name: &str,
        locale: Option<Locale>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE users SET display_name = $1, locale = $2 WHERE id = $3")
            .bind(display_name)
            .bind(locale.map(|l| l.code()))
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn update_password(&self, id: Uuid, password_hash: &str) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = 'password_reset'",
        )
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn update_role(&self, id: Uuid, role: Role, disabled: bool) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query("UPDATE users SET role = $1, disabled = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(i64::from(disabled))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn delete_user(&self, id: Uuid, delete_after: i64) -> StoreResult<u64> {
        self.delete_user_in_tx(id, delete_after).await
    }
}

impl Store {
    /// Delete one row of `table` by id, only if `user_id` owns it
    /// (and `extra`, an SQL condition, holds): the ownership rule
    /// in one place for every owned table.
    async fn delete_owned(
        &self,
        table: &str,
        extra: &str,
        user_id: Uuid,
        id: Uuid,
    ) -> StoreResult<bool> {
        let r = sqlx::query(&format!(
            "DELETE FROM {table} WHERE id = $1 AND user_id = $2{extra}"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn delete_user_in_tx(&self, id: Uuid, delete_after: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let mut queued = 0;
        for (table, column) in [
            ("files", "blob_key"),
            ("badges", "blob_key"),
            ("certificates", "blob_key"),
            ("certificates", "preview_key"),
            ("note_files", "blob_key"),
        ] {
            let r = sqlx::query(&format!(
                "INSERT INTO blob_deletions (blob_key, delete_after) \
                 SELECT {column}, $1 FROM {table} WHERE user_id = $2 AND {column} IS NOT NULL"
            ))
            .bind(delete_after)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            queued += r.rows_affected();
        }
        // Mail not sent yet to the account's addresses goes too.
        let addresses: Vec<String> = sqlx::query("SELECT address FROM emails WHERE user_id = $1")
            .bind(id.to_string())
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| text(r, "address"))
            .collect::<Result<_, _>>()?;
        let pending =
            sqlx::query("SELECT id, payload AS message FROM jobs WHERE kind = 'send_mail'")
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
        for r in &pending {
            let message: serde_json::Value =
                serde_json::from_str(&text(r, "message")?).unwrap_or_default();
            let to = message
                .get("to")
                .and_then(|t| t.as_str())
                .unwrap_or_default();
            if addresses.iter().any(|a| a == to) {
                sqlx::query("DELETE FROM jobs WHERE id = $1")
                    .bind(text(r, "id")?)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
        }
        // Every other row goes with the account (ON DELETE CASCADE).
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(queued)
    }
}

#[async_trait]
impl EmailStore for Store {
    async fn list_emails(&self, user_id: Uuid) -> StoreResult<Vec<EmailAddress>> {
        sqlx::query(
            "SELECT id, user_id, address, confirmed_at, is_primary, created_at FROM emails \
             WHERE user_id = $1 ORDER BY is_primary DESC, created_at, address",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(email)
        .collect()
    }

    async fn insert_email(&self, e: &EmailAddress) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO emails (id, user_id, address, confirmed_at, is_primary, created_at) VALUES ($1, $2, $3, $4, 0, $5)",
        )
        .bind(e.id.to_string())
        .bind(e.user_id.to_string())
        .bind(&e.address)
        .bind(e.confirmed_at)
        .bind(e.created_at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn find_email(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<EmailAddress>> {
        sqlx::query(
            "SELECT id, user_id, address, confirmed_at, is_primary, created_at FROM emails WHERE id = $1 AND user_id = $2",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(email)
        .transpose()
    }

    async fn find_confirmed_email(&self, address: &str) -> StoreResult<Option<EmailAddress>> {
        sqlx::query(
            "SELECT id, user_id, address, confirmed_at, is_primary, created_at FROM emails \
             WHERE address = $1 AND confirmed_at IS NOT NULL",
        )
        .bind(address)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(email)
        .transpose()
    }

    async fn find_pending_account(
        &self,
        address: &str,
    ) -> StoreResult<Option<(User, EmailAddress)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLS}, e.id AS e_id, e.address AS e_address, e.created_at AS e_created \
             FROM users u JOIN emails e ON e.user_id = u.id \
             WHERE e.address = $1 AND e.confirmed_at IS NULL AND e.is_primary = 1 \
             AND NOT EXISTS (SELECT 1 FROM emails c WHERE c.user_id = u.id AND c.confirmed_at IS NOT NULL) \
             ORDER BY e.created_at DESC, e.id LIMIT 1"
        ))
        .bind(address)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        let Some(r) = row else { return Ok(None) };
        let u = user(&r)?;
        let e = EmailAddress {
            id: uuid(&r, "e_id")?,
            user_id: u.id,
            address: text(&r, "e_address")?,
            confirmed_at: None,
            is_primary: true,
            created_at: int(&r, "e_created")?,
        };
        Ok(Some((u, e)))
    }

    async fn confirm_email(&self, user_id: Uuid, id: Uuid, at: i64) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        if !confirm_in_tx(&mut tx, user_id, id, at).await? {
            // Now, not when the pool reuses the connection: a
            // failed write keeps SQLite's write lock until then.
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn reset_through_email(
        &self,
        user_id: Uuid,
        email_id: Uuid,
        password_hash: &str,
        at: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        if !confirm_in_tx(&mut tx, user_id, email_id, at).await? {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        let uid = user_id.to_string();
        sqlx::query("DELETE FROM emails WHERE user_id = $1 AND confirmed_at IS NULL")
            .bind(&uid)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        fix_primary(&mut tx, &uid).await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(&uid)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for q in [
            "DELETE FROM sessions WHERE user_id = $1",
            "DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = 'password_reset'",
        ] {
            sqlx::query(q)
                .bind(&uid)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn expire_unconfirmed_emails(&self, before: i64, delete_after: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let rows = sqlx::query(
            "DELETE FROM emails WHERE confirmed_at IS NULL AND created_at <= $1 RETURNING user_id",
        )
        .bind(before)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        let mut users: Vec<String> = rows
            .iter()
            .map(|r| text(r, "user_id"))
            .collect::<Result<_, _>>()?;
        users.sort();
        users.dedup();
        for u in &users {
            fix_primary(&mut tx, u).await?;
        }
        tx.commit().await.map_err(map_err)?;
        // Registrations never confirmed: the account has no address left.
        let orphans = sqlx::query(
            "SELECT id FROM users u WHERE u.created_at <= $1 \
             AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.user_id = u.id) LIMIT 500",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        for r in &orphans {
            self.delete_user_in_tx(uuid(r, "id")?, delete_after).await?;
        }
        Ok(u64::try_from(rows.len()).unwrap_or(u64::MAX))
    }

    async fn delete_email(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.delete_owned("emails", " AND is_primary = 0", user_id, id)
            .await
    }

    async fn set_primary_email(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let ok = sqlx::query(
            "SELECT id FROM emails WHERE id = $1 AND user_id = $2 AND confirmed_at IS NOT NULL",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .is_some();
        if !ok {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE emails SET is_primary = CASE WHEN id = $1 THEN 1 ELSE 0 END WHERE user_id = $2",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }
}

#[async_trait]
impl DidStore for Store {
    async fn list_dids(&self, user_id: Uuid) -> StoreResult<Vec<DidEntry>> {
        sqlx::query(
            "SELECT id, user_id, did, challenge, confirmed_at, created_at FROM dids WHERE user_id = $1 ORDER BY created_at, did",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(did)
        .collect()
    }

    async fn insert_did(&self, d: &DidEntry) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO dids (id, user_id, did, challenge, confirmed_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(d.id.to_string())
        .bind(d.user_id.to_string())
        .bind(&d.did)
        .bind(&d.challenge)
        .bind(d.confirmed_at)
        .bind(d.created_at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn find_did(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<DidEntry>> {
        sqlx::query(
            "SELECT id, user_id, did, challenge, confirmed_at, created_at FROM dids WHERE id = $1 AND user_id = $2",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(did)
        .transpose()
    }

    async fn confirm_did(&self, user_id: Uuid, id: Uuid, at: i64) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE dids SET confirmed_at = COALESCE(confirmed_at, $1) WHERE id = $2 AND user_id = $3")
            .bind(at)
            .bind(id.to_string())
            .bind(user_id.to_string())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn delete_did(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.delete_owned("dids", "", user_id, id).await
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(&s.token_hash)
            .bind(s.user_id.to_string())
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn find_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<(Session, User)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLS}, s.token_hash, s.created_at AS s_created, s.expires_at FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        let Some(r) = row else { return Ok(None) };
        let u = user(&r)?;
        let s = Session {
            token_hash: text(&r, "token_hash")?,
            user_id: u.id,
            created_at: int(&r, "s_created")?,
            expires_at: int(&r, "expires_at")?,
        };
        Ok(Some((s, u)))
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn delete_expired(&self, now: i64) -> StoreResult<u64> {
        let a = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        let b = sqlx::query("DELETE FROM one_time_tokens WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        // Failures older than a day no longer count in any window we allow.
        let c = sqlx::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(now - 86_400)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(a.rows_affected() + b.rows_affected() + c.rows_affected())
    }
}

#[async_trait]
impl TokenStore for Store {
    async fn insert_token(&self, t: &OneTimeToken) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO one_time_tokens (token_hash, purpose, user_id, subject_id, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&t.token_hash)
        .bind(t.purpose.as_str())
        .bind(t.user_id.to_string())
        .bind(t.subject_id.map(|s| s.to_string()))
        .bind(t.expires_at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn take_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: i64,
    ) -> StoreResult<Option<OneTimeToken>> {
        let row = sqlx::query(
            "DELETE FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 \
             RETURNING token_hash, purpose, user_id, subject_id, expires_at",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        let Some(r) = row else { return Ok(None) };
        let t = OneTimeToken {
            token_hash: text(&r, "token_hash")?,
            purpose,
            user_id: uuid(&r, "user_id")?,
            subject_id: opt_text(&r, "subject_id")?
                .as_deref()
                .map(parse_uuid)
                .transpose()?,
            expires_at: int(&r, "expires_at")?,
        };
        Ok((t.expires_at > now).then_some(t))
    }
}

#[async_trait]
impl ThrottleStore for Store {
    async fn record_failure(&self, key: &str, at: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn count_failures(&self, key: &str, since: i64) -> StoreResult<i64> {
        let r = sqlx::query("SELECT COUNT(*) AS n FROM login_failures WHERE key = $1 AND at > $2")
            .bind(key)
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        int(&r, "n")
    }

    async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

const JOB_COLS: &str =
    "id, kind, payload, dedupe_key, run_at, attempts, lease_owner, last_error, failed_at, created_at";

fn job(r: &R) -> Result<JobRecord, StoreError> {
    Ok(JobRecord {
        id: uuid(r, "id")?,
        kind: text(r, "kind")?,
        payload: text(r, "payload")?,
        dedupe_key: opt_text(r, "dedupe_key")?,
        run_at: int(r, "run_at")?,
        attempts: int(r, "attempts")?,
        lease_owner: opt_text(r, "lease_owner")?,
        last_error: opt_text(r, "last_error")?,
        failed_at: opt_int(r, "failed_at")?,
        created_at: int(r, "created_at")?,
    })
}

fn clip(error: &str) -> String {
    error.chars().take(2000).collect()
}

#[async_trait]
impl JobStore for Store {
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        insert_jobs(&mut tx, jobs).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn insert_token_with_job(&self, t: &OneTimeToken, j: &NewJob) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(
            "INSERT INTO one_time_tokens (token_hash, purpose, user_id, subject_id, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&t.token_hash)
        .bind(t.purpose.as_str())
        .bind(t.user_id.to_string())
        .bind(t.subject_id.map(|s| s.to_string()))
        .bind(t.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        insert_jobs(&mut tx, std::slice::from_ref(j)).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn claim_jobs(
        &self,
        owner: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<JobRecord>> {
        let rows = sqlx::query(&format!(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $3 \
             AND (lease_until IS NULL OR lease_until <= $4) ORDER BY run_at, created_at LIMIT $5{}) \
             RETURNING {JOB_COLS}",
            SKIP_LOCKED
        ))
        .bind(owner)
        .bind(lease_until)
        .bind(now)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut out = rows.iter().map(job).collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|j| (j.run_at, j.created_at));
        Ok(out)
    }

    async fn extend_job_leases(&self, owner: &str, lease_until: i64) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE lease_owner = $2 AND failed_at IS NULL",
        )
        .bind(lease_until)
        .bind(owner)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(r.rows_affected())
    }

    async fn job_done(&self, id: Uuid, owner: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM jobs WHERE id = $1 AND lease_owner = $2")
            .bind(id.to_string())
            .bind(owner)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn job_retry_at(
        &self,
        id: Uuid,
        owner: &str,
        run_at: i64,
        error: &str,
    ) -> StoreResult<()> {
        end_attempt(&self.pool, id, owner, "run_at", run_at, error).await
    }

    async fn job_failed(&self, id: Uuid, owner: &str, at: i64, error: &str) -> StoreResult<()> {
        end_attempt(&self.pool, id, owner, "failed_at", at, error).await
    }

    async fn release_jobs(&self, owner: &str) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE lease_owner = $1",
        )
        .bind(owner)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(r.rows_affected())
    }

    async fn jobs_with_errors(&self, limit: i64) -> StoreResult<Vec<JobRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLS} FROM jobs WHERE last_error IS NOT NULL \
             ORDER BY CASE WHEN failed_at IS NULL THEN 1 ELSE 0 END, COALESCE(failed_at, run_at) DESC, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(job).collect()
    }

    async fn retry_job_now(&self, id: Uuid, now: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE jobs SET run_at = $1, attempts = CASE WHEN failed_at IS NULL THEN attempts ELSE 0 END, failed_at = NULL \
             WHERE id = $2 AND last_error IS NOT NULL AND (failed_at IS NOT NULL OR lease_owner IS NULL OR lease_until <= $3)",
        )
        .bind(now)
        .bind(id.to_string())
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn job_counts(&self, now: i64) -> StoreResult<JobCounts> {
        let r = sqlx::query(
            "SELECT \
             COALESCE(SUM(CASE WHEN failed_at IS NULL AND (lease_until IS NULL OR lease_until <= $1) THEN 1 ELSE 0 END), 0) AS queued, \
             COALESCE(SUM(CASE WHEN failed_at IS NULL AND lease_until > $2 THEN 1 ELSE 0 END), 0) AS running, \
             COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed \
             FROM jobs",
        )
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(JobCounts {
            queued: int(&r, "queued")?,
            running: int(&r, "running")?,
            failed: int(&r, "failed")?,
        })
    }
}

/// End a failed attempt of a job `owner` holds: release it with its
/// error, setting `column` (`run_at`: try again then; `failed_at`:
/// given up) to `at`.
async fn end_attempt(
    pool: &sqlx::Pool<Db>,
    id: Uuid,
    owner: &str,
    column: &'static str,
    at: i64,
    error: &str,
) -> StoreResult<()> {
    sqlx::query(&format!(
        "UPDATE jobs SET {column} = $1, lease_owner = NULL, lease_until = NULL, last_error = $2 \
         WHERE id = $3 AND lease_owner = $4"
    ))
    .bind(at)
    .bind(clip(error))
    .bind(id.to_string())
    .bind(owner)
    .execute(pool)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Queue jobs inside the caller's transaction: a job commits with
/// its cause or not at all.
async fn insert_jobs(tx: &mut sqlx::Transaction<'_, Db>, jobs: &[NewJob]) -> StoreResult<()> {
    for j in jobs {
        sqlx::query(
            "INSERT INTO jobs (id, kind, payload, dedupe_key, run_at, attempts, lease_owner, lease_until, last_error, failed_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, NULL, NULL, NULL, NULL, $6) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(j.id.to_string())
        .bind(&j.kind)
        .bind(&j.payload)
        .bind(j.dedupe_key.as_deref())
        .bind(j.run_at)
        .bind(j.created_at)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

#[async_trait]
impl FileStore for Store {
    async fn insert_file(&self, f: &StoredFile) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO files ({FILE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(f.id.to_string())
        .bind(f.user_id.to_string())
        .bind(&f.purpose)
        .bind(&f.filename)
        .bind(&f.content_type)
        .bind(f.size)
        .bind(&f.sha256)
        .bind(&f.blob_key)
        .bind(f.created_at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn find_file(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<StoredFile>> {
        sqlx::query(&format!(
            "SELECT {FILE_COLS} FROM files WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(file)
        .transpose()
    }

    async fn list_files(&self, user_id: Uuid) -> StoreResult<Vec<StoredFile>> {
        sqlx::query(&format!(
            "SELECT {FILE_COLS} FROM files WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(file)
        .collect()
    }

    async fn set_photo(
        &self,
        user_id: Uuid,
        file_id: Option<Uuid>,
        delete_after: i64,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let old = sqlx::query("SELECT photo_file_id FROM users WHERE id = $1")
            .bind(user_id.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let old = match old {
            Some(r) => opt_text(&r, "photo_file_id")?,
            None => None,
        };
        sqlx::query("UPDATE users SET photo_file_id = $1 WHERE id = $2")
            .bind(file_id.map(|f| f.to_string()))
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if let Some(old) =
            old.filter(|o| Some(o.as_str()) != file_id.map(|f| f.to_string()).as_deref())
        {
            delete_with_blobs(&mut tx, "files", &["blob_key"], user_id, &old, delete_after).await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn delete_file(&self, user_id: Uuid, id: Uuid, delete_after: i64) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        if !delete_with_blobs(
            &mut tx,
            "files",
            &["blob_key"],
            user_id,
            &id.to_string(),
            delete_after,
        )
        .await?
        {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET photo_file_id = NULL WHERE id = $1 AND photo_file_id = $2")
            .bind(user_id.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn due_blob_deletions(&self, now: i64, limit: i64) -> StoreResult<Vec<String>> {
        sqlx::query("SELECT blob_key FROM blob_deletions WHERE delete_after <= $1 ORDER BY delete_after LIMIT $2")
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| text(r, "blob_key"))
            .collect()
    }

    async fn forget_blob_deletion(&self, blob_key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM blob_deletions WHERE blob_key = $1")
            .bind(blob_key)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

#[async_trait]
impl BackupStore for Store {
    async fn export_all(&self) -> StoreResult<Vec<TableDump>> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let snapshot: Option<&str> = SNAPSHOT;
        if let Some(sql) = snapshot {
            sqlx::query(sql).execute(&mut *tx).await.map_err(map_err)?;
        }
        let mut out = Vec::new();
        for (table, cols) in TABLES {
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let rows = sqlx::query(&format!(
                "SELECT {} FROM {table} ORDER BY {}",
                names.join(", "),
                names[0]
            ))
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
            let mut dump = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut obj = serde_json::Map::new();
                for (name, ty) in cols.iter() {
                    let v = match ty {
                        Ty::Text => opt_text(r, name)?.map(serde_json::Value::from),
                        Ty::Int => opt_int(r, name)?.map(serde_json::Value::from),
                    };
                    obj.insert((*name).to_owned(), v.unwrap_or(serde_json::Value::Null));
                }
                dump.push(obj);
            }
            out.push(TableDump {
                table: (*table).to_owned(),
                rows: dump,
            });
        }
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn import_all(&self, tables: &[TableDump]) -> StoreResult<()> {
        if !self.is_empty().await? {
            return Err(StoreError::Conflict(Conflict::NotEmpty));
        }
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        for (table, cols) in TABLES {
            let Some(dump) = tables.iter().find(|d| d.table == *table) else {
                continue;
            };
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                params.join(", ")
            );
            for row in &dump.rows {
                let mut q = sqlx::query(&sql);
                for (name, ty) in cols.iter() {
                    let v = row.get(*name).unwrap_or(&serde_json::Value::Null);
                    q = match ty {
                        Ty::Text => q.bind(match v {
                            serde_json::Value::Null => None,
                            serde_json::Value::String(s) => Some(s.clone()),
                            other => {
                                return Err(backend_err(format!(
                                    "{table}.{name}: expected text, found {other}"
                                )))
                            }
                        }),
                        Ty::Int => q.bind(match v {
                            serde_json::Value::Null => None,
                            serde_json::Value::Number(n) => Some(n.as_i64().ok_or_else(|| {
                                backend_err(format!("{table}.{name}: not an integer"))
                            })?),
                            other => {
                                return Err(backend_err(format!(
                                    "{table}.{name}: expected an integer, found {other}"
                                )))
                            }
                        }),
                    };
                }
                q.execute(&mut *tx).await.map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(map_err)
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        Ok(self.count_users().await? == 0)
    }
}

const NOTE_COLS: &str = "id, user_id, title, body, tags, created_at, updated_at";

fn note(r: &R) -> Result<Note, StoreError> {
    Ok(Note {
        id: uuid(r, "id")?,
        user_id: uuid(r, "user_id")?,
        title: text(r, "title")?,
        body: text(r, "body")?,
        tags: split_tags(&text(r, "tags")?),
        created_at: int(r, "created_at")?,
        updated_at: int(r, "updated_at")?,
    })
}

fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Tags as stored: ",a,b," so that one tag matches `%,tag,%`.
fn stored_tags(tags: &[String]) -> String {
    format!(",{},", tags.join(","))
}

/// A LIKE pattern that matches `s` literally anywhere (escape `\`).
fn contains_pattern(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[async_trait]
impl NoteStore for Store {
    async fn insert_note(&self, n: &Note) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(&format!(
            "INSERT INTO notes ({NOTE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(n.id.to_string())
        .bind(n.user_id.to_string())
        .bind(&n.title)
        .bind(&n.body)
        .bind(stored_tags(&n.tags))
        .bind(n.created_at)
        .bind(n.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sync_item(&mut tx, "notes", n.id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn find_note(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Note>> {
        sqlx::query(&format!(
            "SELECT {NOTE_COLS} FROM notes WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(note)
        .transpose()
    }

    async fn list_notes(
        &self,
        user_id: Uuid,
        text_q: Option<&str>,
        tag: Option<&str>,
    ) -> StoreResult<Vec<Note>> {
        let text_pattern = text_q.map(|t| contains_pattern(&t.to_lowercase()));
        let tag_pattern = tag.map(|t| contains_pattern(&format!(",{t},")));
        sqlx::query(&format!(
            "SELECT {NOTE_COLS} FROM notes WHERE user_id = $1 \
             AND ($2 IS NULL OR LOWER(title) LIKE $2 ESCAPE '\\' OR LOWER(body) LIKE $2 ESCAPE '\\' OR tags LIKE $2 ESCAPE '\\') \
             AND (CAST($3 AS TEXT) IS NULL OR tags LIKE $3 ESCAPE '\\') \
             ORDER BY updated_at DESC, id"
        ))
        .bind(user_id.to_string())
        .bind(text_pattern)
        .bind(tag_pattern)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(note)
        .collect()
    }

    async fn update_note(&self, n: &Note) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query("UPDATE notes SET title = $1, body = $2, tags = $3, updated_at = $4 WHERE id = $5 AND user_id = $6")
            .bind(&n.title)
            .bind(&n.body)
            .bind(stored_tags(&n.tags))
            .bind(n.updated_at)
            .bind(n.id.to_string())
            .bind(n.user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if r.rows_affected() == 1 {
            sync_item(&mut tx, "notes", n.id).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn delete_note(&self, user_id: Uuid, id: Uuid, delete_after: i64) -> StoreResult<bool> {
        // The note's attachments go with it: queue their blobs first.
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(
            "INSERT INTO blob_deletions (blob_key, delete_after) \
             SELECT f.blob_key, $1 FROM note_files f JOIN notes n ON n.id = f.note_id \
             WHERE n.id = $2 AND n.user_id = $3",
        )
        .bind(delete_after)
        .bind(id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let r = sqlx::query("DELETE FROM notes WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        forget_item(&mut tx, user_id, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }
}

const CERT_COLS: &str = "id, user_id, blob_key, preview_key, sha256, media_type, filename, size, title, platform, issuer_name, \
    issued_on, credential_id, verification_url, description, tags, created_at, updated_at";

fn certificate(r: &R) -> Result<Certificate, StoreError> {
    Ok(Certificate {
        id: uuid(r, "id")?,
        user_id: uuid(r, "user_id")?,
        blob_key: text(r, "blob_key")?,
        preview_key: opt_text(r, "preview_key")?,
        sha256: text(r, "sha256")?,
        media_type: text(r, "media_type")?,
        filename: text(r, "filename")?,
        size: int(r, "size")?,
        title: text(r, "title")?,
        platform: text(r, "platform")?,
        issuer_name: opt_text(r, "issuer_name")?,
        issued_on: opt_text(r, "issued_on")?,
        credential_id: opt_text(r, "credential_id")?,
        verification_url: opt_text(r, "verification_url")?,
        description: opt_text(r, "description")?,
        tags: split_tags(&text(r, "tags")?),
        created_at: int(r, "created_at")?,
        updated_at: int(r, "updated_at")?,
    })
}

const NOTE_FILE_COLS: &str =
    "id, note_id, user_id, blob_key, filename, content_type, size, sha256, created_at";

fn note_file(r: &R) -> Result<NoteFile, StoreError> {
    Ok(NoteFile {
        id: uuid(r, "id")?,
        note_id: uuid(r, "note_id")?,
        user_id: uuid(r, "user_id")?,
        blob_key: text(r, "blob_key")?,
        filename: text(r, "filename")?,
        content_type: text(r, "content_type")?,
        size: int(r, "size")?,
        sha256: text(r, "sha256")?,
        created_at: int(r, "created_at")?,
    })
}

const COLLECTION_COLS: &str = "id, user_id, name, description, created_at, updated_at";

fn collection(r: &R) -> Result<Collection, StoreError> {
    Ok(Collection {
        id: uuid(r, "id")?,
        user_id: uuid(r, "user_id")?,
        name: text(r, "name")?,
        description: text(r, "description")?,
        created_at: int(r, "created_at")?,
        updated_at: int(r, "updated_at")?,
    })
}

fn item_ref(r: &R) -> Result<ItemRef, StoreError> {
    let area = text(r, "area")?;
    Ok(ItemRef {
        area: Area::parse(&area).ok_or_else(|| backend_err(format!("bad area {area:?}")))?,
        id: uuid(r, "item_id")?,
    })
}

/// A certificate's issuer: the name given, else the platform's
/// display name (none for "other").
fn certificate_issuer_sql() -> String {
    let cases: String = backpack_domain::certificates::PLATFORMS
        .iter()
        .filter(|(code, _)| *code != "other")
        .map(|(code, label)| format!(" WHEN '{code}' THEN '{label}'"))
        .collect();
    format!("COALESCE(issuer_name, CASE platform{cases} ELSE NULL END)")
}

/// The `items` row (the search index of every area) that one row
/// of `table` (certificates, badges, notes) makes: the one place
/// that says what each area shows in lists and what search reads.
fn item_select(table: &str) -> String {
    match table {
        "certificates" => format!(
            "SELECT 'certificate', id, user_id, title, {}, tags, issued_on, created_at, \
             LOWER(title || ' ' || COALESCE(issuer_name, '') || ' ' || REPLACE(platform, '_', ' ') || ' ' || COALESCE(description, '') || ' ' || tags) \
             FROM certificates",
            certificate_issuer_sql()
        ),
        "badges" => "SELECT CASE WHEN source = 'portal' THEN 'portal' ELSE 'badge' END, id, user_id, name, COALESCE(issuer_name, issuer_id), \
             keywords, SUBSTR(valid_from, 1, 10), imported_at, \
             LOWER(name || ' ' || COALESCE(issuer_name, '') || ' ' || COALESCE(issuer_id, '') || ' ' || COALESCE(description, '') || ' ' || keywords) \
             FROM badges"
            .to_owned(),
        _ => "SELECT 'note', id, user_id, title, NULL, tags, NULL, updated_at, LOWER(title || ' ' || body || ' ' || tags) FROM notes".to_owned(),
    }
}

const ITEM_COLS: &str = "area, id, user_id, title, issuer, tags, day, at";

/// Refresh the `items` row of one row of `table`, in its transaction.
async fn sync_item(tx: &mut sqlx::Transaction<'_, Db>, table: &str, id: Uuid) -> StoreResult<()> {
    sqlx::query("DELETE FROM items WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    sqlx::query(&format!(
        "INSERT INTO items ({ITEM_COLS}, haystack) {} WHERE id = $1",
        item_select(table)
    ))
    .bind(id.to_string())
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

fn item(r: &R) -> Result<Item, StoreError> {
    let area = text(r, "area")?;
    Ok(Item {
        area: Area::parse(&area).ok_or_else(|| backend_err(format!("bad area {area:?}")))?,
        id: uuid(r, "id")?,
        title: text(r, "title")?,
        issuer: opt_text(r, "issuer")?,
        tags: split_tags(&text(r, "tags")?),
        date: opt_text(r, "day")?,
        at: int(r, "at")?,
    })
}

/// Forget the search row, links and collection entries of an item
/// being deleted.
async fn forget_item(
    tx: &mut sqlx::Transaction<'_, Db>,
    user_id: Uuid,
    item_id: Uuid,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM items WHERE user_id = $1 AND id = $2")
        .bind(user_id.to_string())
        .bind(item_id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    for table in ["note_links", "collection_items"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE user_id = $1 AND item_id = $2"
        ))
        .bind(user_id.to_string())
        .bind(item_id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

#[async_trait]
impl BackpackStore for Store {
    async fn insert_certificate(&self, c: &Certificate) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(&format!(
            "INSERT INTO certificates ({CERT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ))
        .bind(c.id.to_string())
        .bind(c.user_id.to_string())
        .bind(&c.blob_key)
        .bind(&c.preview_key)
        .bind(&c.sha256)
        .bind(&c.media_type)
        .bind(&c.filename)
        .bind(c.size)
        .bind(&c.title)
        .bind(&c.platform)
        .bind(&c.issuer_name)
        .bind(&c.issued_on)
        .bind(&c.credential_id)
        .bind(&c.verification_url)
        .bind(&c.description)
        .bind(stored_tags(&c.tags))
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sync_item(&mut tx, "certificates", c.id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn find_certificate(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Certificate>> {
        sqlx::query(&format!(
            "SELECT {CERT_COLS} FROM certificates WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(certificate)
        .transpose()
    }

    async fn list_certificates(&self, user_id: Uuid) -> StoreResult<Vec<Certificate>> {
        sqlx::query(&format!(
            "SELECT {CERT_COLS} FROM certificates WHERE user_id = $1 ORDER BY created_at DESC, id"
        ))
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(certificate)
        .collect()
    }

    async fn update_certificate(&self, c: &Certificate) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(
            "UPDATE certificates SET title = $1, platform = $2, issuer_name = $3, issued_on = $4, credential_id = $5, \
             verification_url = $6, description = $7, tags = $8, updated_at = $9 WHERE id = $10 AND user_id = $11",
        )
        .bind(&c.title)
        .bind(&c.platform)
        .bind(&c.issuer_name)
        .bind(&c.issued_on)
        .bind(&c.credential_id)
        .bind(&c.verification_url)
        .bind(&c.description)
        .bind(stored_tags(&c.tags))
        .bind(c.updated_at)
        .bind(c.id.to_string())
        .bind(c.user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() == 1 {
            sync_item(&mut tx, "certificates", c.id).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn delete_certificate(
        &self,
        user_id: Uuid,
        id: Uuid,
        delete_after: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        if !delete_with_blobs(
            &mut tx,
            "certificates",
            &["blob_key", "preview_key"],
            user_id,
            &id.to_string(),
            delete_after,
        )
        .await?
        {
            return Ok(false);
        }
        forget_item(&mut tx, user_id, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn insert_note_file(&self, f: &NoteFile) -> StoreResult<()> {
        // Only onto the user's own note.
        let r = sqlx::query(&format!(
            "INSERT INTO note_files ({NOTE_FILE_COLS}) SELECT $1, id, user_id, $2, $3, $4, $5, $6, $7 \
             FROM notes WHERE id = $8 AND user_id = $9"
        ))
        .bind(f.id.to_string())
        .bind(&f.blob_key)
        .bind(&f.filename)
        .bind(&f.content_type)
        .bind(f.size)
        .bind(&f.sha256)
        .bind(f.created_at)
        .bind(f.note_id.to_string())
        .bind(f.user_id.to_string())
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        if r.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn find_note_file(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<NoteFile>> {
        sqlx::query(&format!(
            "SELECT {NOTE_FILE_COLS} FROM note_files WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(note_file)
        .transpose()
    }

    async fn list_note_files(&self, user_id: Uuid, note_id: Uuid) -> StoreResult<Vec<NoteFile>> {
        sqlx::query(&format!(
            "SELECT {NOTE_FILE_COLS} FROM note_files WHERE note_id = $1 AND user_id = $2 ORDER BY created_at, id"
        ))
        .bind(note_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(note_file)
        .collect()
    }

    async fn delete_note_file(
        &self,
        user_id: Uuid,
        id: Uuid,
        delete_after: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        if !delete_with_blobs(
            &mut tx,
            "note_files",
            &["blob_key"],
            user_id,
            &id.to_string(),
            delete_after,
        )
        .await?
        {
            return Ok(false);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn set_note_links(
        &self,
        user_id: Uuid,
        note_id: Uuid,
        items: &[ItemRef],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query("DELETE FROM note_links WHERE note_id = $1 AND user_id = $2")
            .bind(note_id.to_string())
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for it in items {
            sqlx::query(
                "INSERT INTO note_links (note_id, user_id, area, item_id) SELECT id, user_id, $1, $2 FROM notes \
                 WHERE id = $3 AND user_id = $4",
            )
            .bind(it.area.code())
            .bind(it.id.to_string())
            .bind(note_id.to_string())
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn list_note_links(&self, user_id: Uuid, note_id: Uuid) -> StoreResult<Vec<ItemRef>> {
        sqlx::query("SELECT area, item_id FROM note_links WHERE note_id = $1 AND user_id = $2 ORDER BY area, item_id")
            .bind(note_id.to_string())
            .bind(user_id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(item_ref)
            .collect()
    }

    async fn notes_linking(&self, user_id: Uuid, item_id: Uuid) -> StoreResult<Vec<Uuid>> {
        sqlx::query(
            "SELECT note_id FROM note_links WHERE user_id = $1 AND item_id = $2 ORDER BY note_id",
        )
        .bind(user_id.to_string())
        .bind(item_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|r| uuid(r, "note_id"))
        .collect()
    }

    async fn insert_collection(&self, c: &Collection) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO collections ({COLLECTION_COLS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(c.id.to_string())
        .bind(c.user_id.to_string())
        .bind(&c.name)
        .bind(&c.description)
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn find_collection(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Collection>> {
        sqlx::query(&format!(
            "SELECT {COLLECTION_COLS} FROM collections WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(collection)
        .transpose()
    }

    async fn list_collections(&self, user_id: Uuid) -> StoreResult<Vec<(Collection, i64)>> {
        sqlx::query(
            "SELECT c.id, c.user_id, c.name, c.description, c.created_at, c.updated_at, \
             (SELECT COUNT(*) FROM collection_items i WHERE i.collection_id = c.id) AS n \
             FROM collections c WHERE c.user_id = $1 ORDER BY LOWER(c.name), c.id",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|r| Ok((collection(r)?, int(r, "n")?)))
        .collect()
    }

    async fn update_collection(&self, c: &Collection) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE collections SET name = $1, description = $2, updated_at = $3 WHERE id = $4 AND user_id = $5")
            .bind(&c.name)
            .bind(&c.description)
            .bind(c.updated_at)
            .bind(c.id.to_string())
            .bind(c.user_id.to_string())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn delete_collection(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.delete_owned("collections", "", user_id, id).await
    }

    async fn add_to_collection(
        &self,
        user_id: Uuid,
        collection_id: Uuid,
        it: ItemRef,
        at: i64,
    ) -> StoreResult<bool> {
        if self
            .find_collection(user_id, collection_id)
            .await?
            .is_none()
        {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO collection_items (collection_id, user_id, area, item_id, added_at) \
             SELECT id, user_id, $1, $2, $3 FROM collections WHERE id = $4 AND user_id = $5 \
             ON CONFLICT DO NOTHING",
        )
        .bind(it.area.code())
        .bind(it.id.to_string())
        .bind(at)
        .bind(collection_id.to_string())
        .bind(user_id.to_string())
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(true)
    }

    async fn remove_from_collection(
        &self,
        user_id: Uuid,
        collection_id: Uuid,
        it: ItemRef,
    ) -> StoreResult<bool> {
        // The collection must be the user's; removing an item it
        // does not hold is a no-op.
        if self
            .find_collection(user_id, collection_id)
            .await?
            .is_none()
        {
            return Ok(false);
        }
        sqlx::query(
            "DELETE FROM collection_items WHERE collection_id = $1 AND user_id = $2 AND area = $3 AND item_id = $4",
        )
        .bind(collection_id.to_string())
        .bind(user_id.to_string())
        .bind(it.area.code())
        .bind(it.id.to_string())
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(true)
    }

    async fn collection_items(&self, user_id: Uuid, collection_id: Uuid) -> StoreResult<Vec<Item>> {
        sqlx::query(
            "SELECT items.area, items.id, items.title, items.issuer, items.tags, items.day, items.at \
             FROM collection_items ci JOIN items ON items.id = ci.item_id AND items.user_id = ci.user_id \
             WHERE ci.collection_id = $1 AND ci.user_id = $2 ORDER BY ci.added_at, ci.item_id",
        )
        .bind(collection_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(item)
        .collect()
    }

    async fn collections_of(&self, user_id: Uuid, item_id: Uuid) -> StoreResult<Vec<Collection>> {
        sqlx::query(
            "SELECT c.id, c.user_id, c.name, c.description, c.created_at, c.updated_at FROM collections c \
             JOIN collection_items i ON i.collection_id = c.id WHERE c.user_id = $1 AND i.item_id = $2 ORDER BY LOWER(c.name), c.id",
        )
        .bind(user_id.to_string())
        .bind(item_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(collection)
        .collect()
    }

    async fn find_portfolio(&self, user_id: Uuid) -> StoreResult<Option<(String, i64)>> {
        sqlx::query("SELECT document, updated_at FROM portfolios WHERE user_id = $1")
            .bind(user_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .as_ref()
            .map(|r| Ok((text(r, "document")?, int(r, "updated_at")?)))
            .transpose()
    }

    async fn put_portfolio(&self, user_id: Uuid, document: &str, at: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO portfolios (user_id, document, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
        )
        .bind(user_id.to_string())
        .bind(document)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn search_items(&self, user_id: Uuid, q: &ItemQuery) -> StoreResult<Vec<Item>> {
        // The haystack and the text are both lower-case: a plain
        // substring test (instr/strpos), several times faster than LIKE.
        let text_pattern = q.text.clone();
        let tag_pattern = q
            .tag
            .as_deref()
            .map(|t| contains_pattern(&format!(",{t},")));
        let issuer_pattern = q.issuer.as_deref().map(contains_pattern);
        let text_cond = if text_pattern.is_some() {
            CONTAINS
        } else {
            "CAST($2 AS TEXT) IS NULL"
        };
        sqlx::query(&format!(
            "SELECT area, id, title, issuer, tags, day, at FROM items WHERE user_id = $1 \
             AND {text_cond} \
             AND (CAST($3 AS TEXT) IS NULL OR area = $3) \
             AND (CAST($4 AS TEXT) IS NULL OR tags LIKE $4 ESCAPE '\\') \
             AND (CAST($5 AS TEXT) IS NULL OR LOWER(issuer) LIKE $5 ESCAPE '\\') \
             AND (CAST($6 AS TEXT) IS NULL OR COALESCE(day >= $6, at >= $7)) \
             AND (CAST($8 AS TEXT) IS NULL OR COALESCE(day <= $8, at <= $9)) \
             ORDER BY at DESC, id DESC LIMIT $10 OFFSET $11"
        ))
        .bind(user_id.to_string())
        .bind(text_pattern)
        .bind(q.area.map(Area::code))
        .bind(tag_pattern)
        .bind(issuer_pattern)
        .bind(&q.from)
        .bind(q.from_unix.unwrap_or(i64::MIN))
        .bind(&q.to)
        .bind(q.to_unix.unwrap_or(i64::MAX))
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(item)
        .collect()
    }

    async fn find_items(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Item>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let params: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT area, id, title, issuer, tags, day, at FROM items WHERE user_id = $1 AND id IN ({}) ORDER BY at DESC, id DESC",
            params.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(user_id.to_string());
        for id in ids {
            query = query.bind(id.to_string());
        }
        query
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(item)
            .collect()
    }

    async fn count_items(&self, user_id: Uuid) -> StoreResult<Vec<(Area, i64)>> {
        sqlx::query("SELECT area, COUNT(*) AS n FROM items WHERE user_id = $1 GROUP BY area")
            .bind(user_id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| {
                let area = text(r, "area")?;
                Ok((
                    Area::parse(&area).ok_or_else(|| backend_err("bad area"))?,
                    int(r, "n")?,
                ))
            })
            .collect()
    }

    async fn item_facets(&self, user_id: Uuid) -> StoreResult<(Vec<String>, Vec<String>)> {
        let tag_rows = sqlx::query("SELECT DISTINCT tags FROM items WHERE user_id = $1")
            .bind(user_id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        let mut tags = std::collections::BTreeSet::new();
        for r in &tag_rows {
            tags.extend(split_tags(&text(r, "tags")?));
        }
        let issuer_rows = sqlx::query(
            "SELECT DISTINCT issuer FROM items WHERE user_id = $1 AND issuer IS NOT NULL",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut issuers = std::collections::BTreeSet::new();
        for r in &issuer_rows {
            issuers.insert(text(r, "issuer")?);
        }
        Ok((tags.into_iter().collect(), issuers.into_iter().collect()))
    }
}

impl Store {
    /// Add the `items` rows that rows written before the index
    /// existed lack (run when the store opens; cheap when none).
    pub(crate) async fn fill_items(&self) -> StoreResult<()> {
        for table in ["certificates", "badges", "notes"] {
            sqlx::query(&format!(
                "INSERT INTO items ({ITEM_COLS}, haystack) {} WHERE id NOT IN (SELECT id FROM items)",
                item_select(table)
            ))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }

    /// Columns the live schema has that the backup format does
    /// not list (`table.column`), or listed ones it lacks: must be
    /// empty, or a backup would lose data.
    pub async fn backup_schema_drift(&self) -> StoreResult<Vec<String>> {
        use sqlx::{Column, Executor};
        let mut drift = Vec::new();
        // Every table of the database must be in the backup format.
        let live_tables = sqlx::query(TABLES_SQL)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        for r in &live_tables {
            let name = text(r, "name")?;
            if !TABLES.iter().any(|(t, _)| *t == name) {
                drift.push(format!("{name} (a table not in the backup format)"));
            }
        }
        for (table, cols) in TABLES {
            let d = (&self.pool)
                .describe(&format!("SELECT * FROM {table}"))
                .await
                .map_err(map_err)?;
            let live: Vec<String> = d.columns().iter().map(|c| c.name().to_owned()).collect();
            for name in &live {
                if !cols.iter().any(|(n, _)| n == name) {
                    drift.push(format!("{table}.{name} (not in the backup format)"));
                }
            }
            for (name, _) in cols.iter() {
                if !live.iter().any(|l| l == name) {
                    drift.push(format!("{table}.{name} (not in the database)"));
                }
            }
        }
        Ok(drift)
    }
}

#[async_trait]
impl ports::Store for Store {
    fn backend(&self) -> &'static str {
        NAME
    }
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
