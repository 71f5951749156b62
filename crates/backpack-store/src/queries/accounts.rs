//! Accounts: users, their addresses and DIDs, sessions, one-time tokens and
//! the login throttle.

use backpack_domain::values::{Locale, Role};

use super::*;

pub(super) const USER_COLS: &str =
    "u.id, u.display_name, u.role, u.locale, u.password_hash, u.photo_file_id, u.disabled, u.created_at";

pub(super) fn user(r: &R) -> Result<User, StoreError> {
    let role = text(r, "role")?;
    Ok(User {
        id: user_id(r, "id")?,
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
pub(super) fn user_summary(r: &R) -> Result<UserSummary, StoreError> {
    let role = text(r, "role")?;
    Ok(UserSummary {
        id: user_id(r, "id")?,
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
        user_id: user_id(r, "user_id")?,
        address: text(r, "address")?,
        confirmed_at: opt_int(r, "confirmed_at")?,
        is_primary: int(r, "is_primary")? != 0,
        created_at: int(r, "created_at")?,
    })
}

fn did(r: &R) -> Result<DidEntry, StoreError> {
    Ok(DidEntry {
        id: uuid(r, "id")?,
        user_id: user_id(r, "user_id")?,
        did: text(r, "did")?,
        challenge: text(r, "challenge")?,
        confirmed_at: opt_int(r, "confirmed_at")?,
        created_at: int(r, "created_at")?,
    })
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
    user_id: UserId,
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

    async fn find_user(&self, id: UserId) -> StoreResult<Option<User>> {
        sqlx::query(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.read)
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
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(user)
        .transpose()
    }

    async fn count_users(&self) -> StoreResult<i64> {
        let r = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.read)
            .await
            .map_err(map_err)?;
        int(&r, "n")
    }

    async fn count_admins(&self) -> StoreResult<i64> {
        let r =
            sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0")
                .fetch_one(&self.read)
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
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(user_summary).collect()
    }

    async fn update_profile(
        &self,
        id: UserId,
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

    async fn update_password(&self, id: UserId, password_hash: &str) -> StoreResult<()> {
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

    async fn update_role(&self, id: UserId, role: Role, disabled: bool) -> StoreResult<()> {
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

    async fn delete_user(&self, id: UserId, delete_after: i64) -> StoreResult<u64> {
        self.delete_user_in_tx(id, delete_after).await
    }
}

impl Store {
    /// Delete one row of `table` by id, only if `user_id` owns it
    /// (and `extra`, an SQL condition, holds): the ownership rule
    /// in one place for every owned table.
    pub(super) async fn delete_owned(
        &self,
        table: &str,
        extra: &str,
        user_id: UserId,
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

    async fn delete_user_in_tx(&self, id: UserId, delete_after: i64) -> StoreResult<u64> {
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
    async fn list_emails(&self, user_id: UserId) -> StoreResult<Vec<EmailAddress>> {
        sqlx::query(
            "SELECT id, user_id, address, confirmed_at, is_primary, created_at FROM emails \
             WHERE user_id = $1 ORDER BY is_primary DESC, created_at, address",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.read)
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

    async fn find_email(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<EmailAddress>> {
        sqlx::query(
            "SELECT id, user_id, address, confirmed_at, is_primary, created_at FROM emails WHERE id = $1 AND user_id = $2",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
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
        .fetch_optional(&self.read)
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
        .fetch_optional(&self.read)
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

    async fn confirm_email(&self, user_id: UserId, id: Uuid, at: i64) -> StoreResult<bool> {
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
        user_id: UserId,
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
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        for r in &orphans {
            self.delete_user_in_tx(user_id(r, "id")?, delete_after)
                .await?;
        }
        Ok(u64::try_from(rows.len()).unwrap_or(u64::MAX))
    }

    async fn delete_email(&self, user_id: UserId, id: Uuid) -> StoreResult<bool> {
        self.delete_owned("emails", " AND is_primary = 0", user_id, id)
            .await
    }

    async fn set_primary_email(&self, user_id: UserId, id: Uuid) -> StoreResult<bool> {
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
    async fn list_dids(&self, user_id: UserId) -> StoreResult<Vec<DidEntry>> {
        sqlx::query(
            "SELECT id, user_id, did, challenge, confirmed_at, created_at FROM dids WHERE user_id = $1 ORDER BY created_at, did",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.read)
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

    async fn find_did(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<DidEntry>> {
        sqlx::query(
            "SELECT id, user_id, did, challenge, confirmed_at, created_at FROM dids WHERE id = $1 AND user_id = $2",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(did)
        .transpose()
    }

    async fn confirm_did(&self, user_id: UserId, id: Uuid, at: i64) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE dids SET confirmed_at = COALESCE(confirmed_at, $1) WHERE id = $2 AND user_id = $3")
            .bind(at)
            .bind(id.to_string())
            .bind(user_id.to_string())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn delete_did(&self, user_id: UserId, id: Uuid) -> StoreResult<bool> {
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
        .fetch_optional(&self.read)
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
            user_id: user_id(&r, "user_id")?,
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
            .fetch_one(&self.read)
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
