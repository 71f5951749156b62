//! The issuing queries (`IssuingStore`), a child of the `queries` module so
//! they share its row helpers and, like it, are compiled once per driver.
//!
//! Staff queries match on membership in the query itself:
//! `EXISTS (SELECT 1 FROM issuer_members …)`.

use super::accounts::{user, user_summary, USER_COLS};
use super::backpack::contains_pattern;
use super::jobs::insert_jobs;
use super::*;

const MEMBER: &str =
    "EXISTS (SELECT 1 FROM issuer_members m WHERE m.issuer_id = {issuer} AND m.user_id = {user})";

pub(super) fn member(issuer: &str, user: &str) -> String {
    MEMBER.replace("{issuer}", issuer).replace("{user}", user)
}

pub(super) const ISSUER_COLS: &str =
    "i.id, i.slug, i.did, i.name, i.profile, i.logo_key, i.logo_type, i.created_at, i.updated_at";

pub(super) fn issuer_row(r: &R) -> Result<Issuer, StoreError> {
    Ok(Issuer {
        id: issuer_id(r, "id")?,
        slug: text(r, "slug")?,
        did: text(r, "did")?,
        profile: serde_json::from_str(&text(r, "profile")?).map_err(backend_err)?,
        logo_key: opt_text(r, "logo_key")?,
        logo_type: opt_text(r, "logo_type")?,
        created_at: int(r, "created_at")?,
        updated_at: int(r, "updated_at")?,
    })
}

const KEY_COLS: &str =
    "id, issuer_id, fragment, public_key, sealed_secret, created_at, retired_at, revoked_at";

fn key_row(r: &R) -> Result<IssuerKeyRecord, StoreError> {
    Ok(IssuerKeyRecord {
        id: uuid(r, "id")?,
        issuer_id: issuer_id(r, "issuer_id")?,
        fragment: text(r, "fragment")?,
        public_key: text(r, "public_key")?,
        sealed_secret: text(r, "sealed_secret")?,
        created_at: int(r, "created_at")?,
        retired_at: opt_int(r, "retired_at")?,
        revoked_at: opt_int(r, "revoked_at")?,
    })
}

const ACH_COLS: &str =
    "a.id, a.issuer_id, a.name, a.spec, a.image_key, a.image_type, a.created_at, a.updated_at";

fn achievement_row(r: &R) -> Result<Achievement, StoreError> {
    Ok(Achievement {
        id: uuid(r, "id")?,
        issuer_id: issuer_id(r, "issuer_id")?,
        spec: serde_json::from_str(&text(r, "spec")?).map_err(backend_err)?,
        image_key: opt_text(r, "image_key")?,
        image_type: opt_text(r, "image_type")?,
        created_at: int(r, "created_at")?,
        updated_at: int(r, "updated_at")?,
    })
}

const LIST_COLS: &str = "id, issuer_id, size, used, version, revocation, suspension, revocation_vc, suspension_vc, created_at, updated_at";

fn list_row(r: &R) -> Result<StatusList, StoreError> {
    Ok(StatusList {
        id: uuid(r, "id")?,
        issuer_id: issuer_id(r, "issuer_id")?,
        size: int(r, "size")?,
        used: int(r, "used")?,
        version: int(r, "version")?,
        revocation: text(r, "revocation")?,
        suspension: text(r, "suspension")?,
        revocation_vc: text(r, "revocation_vc")?,
        suspension_vc: text(r, "suspension_vc")?,
        created_at: int(r, "created_at")?,
        updated_at: int(r, "updated_at")?,
    })
}

pub(super) const ISSUED_COLS: &str = "c.id, c.issuer_id, c.achievement_id, c.achievement_name, c.recipient_kind, c.recipient, \
    c.recipient_name, c.user_id, c.format, c.credential, c.list_id, c.list_index, c.state, c.reason, c.state_at, \
    c.issued_at, c.actor_name, c.source, c.batch_id, c.batch_row, c.award_key";

pub(super) fn issued_row(r: &R) -> Result<IssuedCredential, StoreError> {
    let kind = text(r, "recipient_kind")?;
    let state = text(r, "state")?;
    Ok(IssuedCredential {
        id: uuid(r, "id")?,
        issuer_id: issuer_id(r, "issuer_id")?,
        achievement_id: uuid(r, "achievement_id")?,
        achievement_name: text(r, "achievement_name")?,
        recipient_kind: RecipientKind::parse(&kind)
            .ok_or_else(|| backend_err(format!("bad recipient kind {kind:?}")))?,
        recipient: text(r, "recipient")?,
        recipient_name: opt_text(r, "recipient_name")?,
        user_id: opt_text(r, "user_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?
            .map(UserId::from_uuid),
        format: text(r, "format")?,
        credential: text(r, "credential")?,
        list_id: uuid(r, "list_id")?,
        list_index: int(r, "list_index")?,
        state: CredentialState::parse(&state)
            .ok_or_else(|| backend_err(format!("bad state {state:?}")))?,
        reason: opt_text(r, "reason")?,
        state_at: opt_int(r, "state_at")?,
        issued_at: int(r, "issued_at")?,
        actor_name: text(r, "actor_name")?,
        source: text(r, "source")?,
        batch_id: opt_text(r, "batch_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
        batch_row: opt_int(r, "batch_row")?,
        award_key: opt_text(r, "award_key")?,
    })
}

const AUDIT_COLS: &str = "id, issuer_id, at, actor_id, actor_name, action, subject, detail";

fn audit_row(r: &R) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: uuid(r, "id")?,
        issuer_id: issuer_id(r, "issuer_id")?,
        at: int(r, "at")?,
        actor_id: opt_text(r, "actor_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?
            .map(UserId::from_uuid),
        actor_name: text(r, "actor_name")?,
        action: text(r, "action")?,
        subject: text(r, "subject")?,
        detail: text(r, "detail")?,
    })
}

fn profile_text(v: &IssuerProfile) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(backend_err)
}

fn spec_text(v: &AchievementSpec) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(backend_err)
}

pub(super) async fn insert_audit<'c, E>(e: E, a: &AuditEntry) -> StoreResult<()>
where
    E: sqlx::Executor<'c, Database = <R as sqlx::Row>::Database>,
{
    sqlx::query(&format!(
        "INSERT INTO issuer_audit ({AUDIT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(a.id.to_string())
    .bind(a.issuer_id.to_string())
    .bind(a.at)
    .bind(a.actor_id.map(|u| u.to_string()))
    .bind(&a.actor_name)
    .bind(&a.action)
    .bind(&a.subject)
    .bind(&a.detail)
    .execute(e)
    .await
    .map_err(map_err)?;
    Ok(())
}

async fn insert_key<'c, E>(e: E, k: &IssuerKeyRecord) -> StoreResult<()>
where
    E: sqlx::Executor<'c, Database = <R as sqlx::Row>::Database>,
{
    sqlx::query(&format!(
        "INSERT INTO issuer_keys ({KEY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(k.id.to_string())
    .bind(k.issuer_id.to_string())
    .bind(&k.fragment)
    .bind(&k.public_key)
    .bind(&k.sealed_secret)
    .bind(k.created_at)
    .bind(k.retired_at)
    .bind(k.revoked_at)
    .execute(e)
    .await
    .map_err(map_err)?;
    Ok(())
}

const BATCH_COLS: &str = "id, issuer_id, achievement_id, filename, sha256, blob_key, format, total, valid, state, next_row, \
    issued, failed, lease_until, actor_id, actor_name, created_at, finished_at";

fn batch_row(r: &R) -> Result<Batch, StoreError> {
    let state = text(r, "state")?;
    Ok(Batch {
        id: uuid(r, "id")?,
        issuer_id: issuer_id(r, "issuer_id")?,
        achievement_id: uuid(r, "achievement_id")?,
        filename: text(r, "filename")?,
        sha256: text(r, "sha256")?,
        blob_key: text(r, "blob_key")?,
        format: text(r, "format")?,
        total: int(r, "total")?,
        valid: int(r, "valid")?,
        state: BatchState::parse(&state)
            .ok_or_else(|| backend_err(format!("bad batch state {state:?}")))?,
        next_row: int(r, "next_row")?,
        issued: int(r, "issued")?,
        failed: int(r, "failed")?,
        lease_until: int(r, "lease_until")?,
        actor_id: opt_text(r, "actor_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?
            .map(UserId::from_uuid),
        actor_name: text(r, "actor_name")?,
        created_at: int(r, "created_at")?,
        finished_at: opt_int(r, "finished_at")?,
    })
}

/// Many credentials in few statements (a multi-row `INSERT`; 500
/// rows × 20 parameters stays under both databases' limits).
async fn insert_issued_many(
    tx: &mut sqlx::Transaction<'_, <R as sqlx::Row>::Database>,
    credentials: &[IssuedCredential],
) -> StoreResult<()> {
    for part in credentials.chunks(500) {
        let mut q = sqlx::QueryBuilder::<<R as sqlx::Row>::Database>::new(format!(
            "INSERT INTO issued ({}) ",
            ISSUED_COLS.replace("c.", "")
        ));
        q.push_values(part, |mut b, c| {
            b.push_bind(c.id.to_string())
                .push_bind(c.issuer_id.to_string())
                .push_bind(c.achievement_id.to_string())
                .push_bind(c.achievement_name.clone())
                .push_bind(c.recipient_kind.code())
                .push_bind(c.recipient.clone())
                .push_bind(c.recipient_name.clone())
                .push_bind(c.user_id.map(|u| u.to_string()))
                .push_bind(c.format.clone())
                .push_bind(c.credential.clone())
                .push_bind(c.list_id.to_string())
                .push_bind(c.list_index)
                .push_bind(c.state.code())
                .push_bind(c.reason.clone())
                .push_bind(c.state_at)
                .push_bind(c.issued_at)
                .push_bind(c.actor_name.clone())
                .push_bind(c.source.clone())
                .push_bind(c.batch_id.map(|u| u.to_string()))
                .push_bind(c.batch_row)
                .push_bind(c.award_key.clone());
        });
        q.build().execute(&mut **tx).await.map_err(map_err)?;
    }
    Ok(())
}

async fn insert_claims_many(
    tx: &mut sqlx::Transaction<'_, <R as sqlx::Row>::Database>,
    claims: &[Claim],
) -> StoreResult<()> {
    for part in claims.chunks(1000) {
        let mut q = sqlx::QueryBuilder::<<R as sqlx::Row>::Database>::new(
            "INSERT INTO claims (token_hash, issued_id, expires_at, claimed_by, claimed_at) ",
        );
        q.push_values(part, |mut b, c| {
            b.push_bind(c.token_hash.clone())
                .push_bind(c.issued_id.to_string())
                .push_bind(c.expires_at)
                .push_bind(c.claimed_by.map(|u| u.to_string()))
                .push_bind(c.claimed_at);
        });
        q.build().execute(&mut **tx).await.map_err(map_err)?;
    }
    Ok(())
}

async fn insert_batch_row<'c, E>(e: E, b: &BatchRow) -> StoreResult<()>
where
    E: sqlx::Executor<'c, Database = <R as sqlx::Row>::Database>,
{
    {
        sqlx::query("INSERT INTO batch_rows (batch_id, row_number, recipient, status, code, issued_id) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(b.batch_id.to_string())
            .bind(b.row_number)
            .bind(&b.recipient)
            .bind(&b.status)
            .bind(&b.code)
            .bind(b.issued_id.map(|u| u.to_string()))
            .execute(e)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

#[async_trait]
impl IssuingStore for Store {
    async fn insert_issuer(
        &self,
        i: &Issuer,
        member: UserId,
        key: &IssuerKeyRecord,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(
            "INSERT INTO issuers (id, slug, did, name, profile, logo_key, logo_type, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(i.id.to_string())
        .bind(&i.slug)
        .bind(&i.did)
        .bind(&i.profile.name)
        .bind(profile_text(&i.profile)?)
        .bind(&i.logo_key)
        .bind(&i.logo_type)
        .bind(i.created_at)
        .bind(i.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO issuer_members (issuer_id, user_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(i.id.to_string())
        .bind(member.to_string())
        .bind(i.created_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        insert_key(&mut *tx, key).await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn update_issuer(
        &self,
        user_id: UserId,
        i: &Issuer,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "UPDATE issuers SET name = $1, profile = $2, logo_key = $3, logo_type = $4, updated_at = $5 \
             WHERE id = $6 AND {}",
            member("issuers.id", "$7")
        ))
        .bind(&i.profile.name)
        .bind(profile_text(&i.profile)?)
        .bind(&i.logo_key)
        .bind(&i.logo_type)
        .bind(i.updated_at)
        .bind(i.id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn find_issuer(&self, user_id: UserId, id: IssuerId) -> StoreResult<Option<Issuer>> {
        sqlx::query(&format!(
            "SELECT {ISSUER_COLS} FROM issuers i WHERE i.id = $1 AND {}",
            member("i.id", "$2")
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(issuer_row)
        .transpose()
    }

    async fn list_issuers(&self, user_id: UserId) -> StoreResult<Vec<Issuer>> {
        let rows = sqlx::query(&format!(
            "SELECT {ISSUER_COLS} FROM issuers i WHERE {} ORDER BY i.name, i.id",
            member("i.id", "$1")
        ))
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(issuer_row).collect()
    }

    async fn issuer_by_slug(&self, slug: &str) -> StoreResult<Option<Issuer>> {
        sqlx::query(&format!(
            "SELECT {ISSUER_COLS} FROM issuers i WHERE i.slug = $1"
        ))
        .bind(slug)
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(issuer_row)
        .transpose()
    }

    async fn issuer_by_did(&self, did: &str) -> StoreResult<Option<Issuer>> {
        sqlx::query(&format!(
            "SELECT {ISSUER_COLS} FROM issuers i WHERE i.did = $1"
        ))
        .bind(did)
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(issuer_row)
        .transpose()
    }

    async fn find_issuer_public(&self, id: IssuerId) -> StoreResult<Option<Issuer>> {
        sqlx::query(&format!(
            "SELECT {ISSUER_COLS} FROM issuers i WHERE i.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(issuer_row)
        .transpose()
    }

    async fn add_member(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        new_member: UserId,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "INSERT INTO issuer_members (issuer_id, user_id, added_at) SELECT $1, $2, $3 \
             WHERE {} AND NOT EXISTS (SELECT 1 FROM issuer_members x WHERE x.issuer_id = $1 AND x.user_id = $2)",
            member("$1", "$4")
        ))
        .bind(issuer_id.to_string())
        .bind(new_member.to_string())
        .bind(at)
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() == 1 {
            insert_audit(&mut *tx, audit).await?;
        }
        let is_member = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM issuers i WHERE i.id = $1 AND {}",
            member("i.id", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        let ok = int(&is_member, "n")? == 1;
        tx.commit().await.map_err(map_err)?;
        Ok(ok)
    }

    async fn list_members(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<UserSummary>> {
        let rows = sqlx::query(&format!(
            "SELECT u.id, u.display_name, u.role, u.disabled, u.created_at, e.address \
             FROM issuer_members im JOIN users u ON u.id = im.user_id \
             JOIN emails e ON e.user_id = u.id AND e.is_primary = 1 \
             WHERE im.issuer_id = $1 AND {} ORDER BY u.display_name, u.id",
            member("$1", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(user_summary).collect()
    }

    async fn issuer_keys(&self, issuer_id: IssuerId) -> StoreResult<Vec<IssuerKeyRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLS} FROM issuer_keys WHERE issuer_id = $1 ORDER BY created_at, fragment"
        ))
        .bind(issuer_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        let mut keys = rows.iter().map(key_row).collect::<Result<Vec<_>, _>>()?;
        // key-10 after key-9: order by the number in the fragment.
        keys.sort_by_key(|k| {
            (
                k.created_at,
                k.fragment
                    .trim_start_matches("key-")
                    .parse::<u64>()
                    .unwrap_or(0),
            )
        });
        Ok(keys)
    }

    async fn newest_issuer_key(&self) -> StoreResult<Option<IssuerKeyRecord>> {
        sqlx::query(&format!(
            "SELECT {KEY_COLS} FROM issuer_keys ORDER BY created_at DESC, id LIMIT 1"
        ))
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(key_row)
        .transpose()
    }

    async fn rotate_key(
        &self,
        user_id: UserId,
        key: &IssuerKeyRecord,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "UPDATE issuer_keys SET retired_at = $1 WHERE issuer_id = $2 AND retired_at IS NULL AND {}",
            member("$2", "$3")
        ))
        .bind(key.created_at)
        .bind(key.issuer_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        insert_key(&mut *tx, key).await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn revoke_key(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        key_id: Uuid,
        at: i64,
        lists: &[StatusList],
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "UPDATE issuer_keys SET revoked_at = $1 WHERE id = $2 AND issuer_id = $3 \
             AND retired_at IS NOT NULL AND revoked_at IS NULL AND {}",
            member("$3", "$4")
        ))
        .bind(at)
        .bind(key_id.to_string())
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        for l in lists {
            let r = sqlx::query(
                "UPDATE status_lists SET version = $1, revocation_vc = $2, suspension_vc = $3, updated_at = $4 \
                 WHERE id = $5 AND issuer_id = $6 AND version = $7",
            )
            .bind(l.version)
            .bind(&l.revocation_vc)
            .bind(&l.suspension_vc)
            .bind(l.updated_at)
            .bind(l.id.to_string())
            .bind(issuer_id.to_string())
            .bind(l.version - 1)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            if r.rows_affected() != 1 {
                return Err(StoreError::Conflict(Conflict::Moved));
            }
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn status_lists_of(&self, issuer_id: IssuerId) -> StoreResult<Vec<StatusList>> {
        let rows = sqlx::query(&format!(
            "SELECT {LIST_COLS} FROM status_lists WHERE issuer_id = $1 ORDER BY created_at, id"
        ))
        .bind(issuer_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(list_row).collect()
    }

    async fn insert_achievement(
        &self,
        user_id: UserId,
        a: &Achievement,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "INSERT INTO achievements (id, issuer_id, name, spec, image_key, image_type, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE {}",
            member("$2", "$9")
        ))
        .bind(a.id.to_string())
        .bind(a.issuer_id.to_string())
        .bind(&a.spec.name)
        .bind(spec_text(&a.spec)?)
        .bind(&a.image_key)
        .bind(&a.image_type)
        .bind(a.created_at)
        .bind(a.updated_at)
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn update_achievement(
        &self,
        user_id: UserId,
        a: &Achievement,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "UPDATE achievements SET name = $1, spec = $2, image_key = $3, image_type = $4, updated_at = $5 \
             WHERE id = $6 AND issuer_id = $7 AND {}",
            member("$7", "$8")
        ))
        .bind(&a.spec.name)
        .bind(spec_text(&a.spec)?)
        .bind(&a.image_key)
        .bind(&a.image_type)
        .bind(a.updated_at)
        .bind(a.id.to_string())
        .bind(a.issuer_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn find_achievement(
        &self,
        user_id: UserId,
        id: Uuid,
    ) -> StoreResult<Option<Achievement>> {
        sqlx::query(&format!(
            "SELECT {ACH_COLS} FROM achievements a WHERE a.id = $1 AND {}",
            member("a.issuer_id", "$2")
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(achievement_row)
        .transpose()
    }

    async fn list_achievements(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<Achievement>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACH_COLS} FROM achievements a WHERE a.issuer_id = $1 AND {} ORDER BY a.name, a.id",
            member("a.issuer_id", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(achievement_row).collect()
    }

    async fn public_achievement(&self, id: Uuid) -> StoreResult<Option<Achievement>> {
        sqlx::query(&format!(
            "SELECT {ACH_COLS} FROM achievements a WHERE a.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(achievement_row)
        .transpose()
    }

    async fn current_status_list(&self, issuer_id: IssuerId) -> StoreResult<Option<StatusList>> {
        sqlx::query(&format!(
            "SELECT {LIST_COLS} FROM status_lists WHERE issuer_id = $1 ORDER BY created_at DESC, used LIMIT 1"
        ))
        .bind(issuer_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(list_row)
        .transpose()
    }

    async fn insert_status_list(&self, l: &StatusList) -> StoreResult<()> {
        sqlx::query(&format!("INSERT INTO status_lists ({LIST_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
            .bind(l.id.to_string())
            .bind(l.issuer_id.to_string())
            .bind(l.size)
            .bind(l.used)
            .bind(l.version)
            .bind(&l.revocation)
            .bind(&l.suspension)
            .bind(&l.revocation_vc)
            .bind(&l.suspension_vc)
            .bind(l.created_at)
            .bind(l.updated_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn find_status_list(&self, id: Uuid) -> StoreResult<Option<StatusList>> {
        sqlx::query(&format!(
            "SELECT {LIST_COLS} FROM status_lists WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(list_row)
        .transpose()
    }

    async fn reserve_status_slots(&self, list_id: Uuid, n: i64) -> StoreResult<Option<i64>> {
        let used: Option<i64> = sqlx::query_scalar(
            "UPDATE status_lists SET used = used + $1 WHERE id = $2 AND used + $1 <= size RETURNING used",
        )
        .bind(n)
        .bind(list_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(used.map(|u| u - n))
    }

    async fn insert_issued(
        &self,
        credentials: &[IssuedCredential],
        claims: &[Claim],
        audit: &[AuditEntry],
        jobs: &[NewJob],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        insert_issued_many(&mut tx, credentials).await?;
        insert_claims_many(&mut tx, claims).await?;
        for a in audit {
            insert_audit(&mut *tx, a).await?;
        }
        insert_jobs(&mut tx, jobs).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn find_issued_by_id(&self, id: Uuid) -> StoreResult<Option<IssuedCredential>> {
        sqlx::query(&format!(
            "SELECT {ISSUED_COLS} FROM issued c WHERE c.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(issued_row)
        .transpose()
    }

    async fn find_issued(
        &self,
        user_id: UserId,
        id: Uuid,
    ) -> StoreResult<Option<IssuedCredential>> {
        sqlx::query(&format!(
            "SELECT {ISSUED_COLS} FROM issued c WHERE c.id = $1 AND {}",
            member("c.issuer_id", "$2")
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(issued_row)
        .transpose()
    }

    async fn list_issued(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        q: &IssuedQuery,
    ) -> StoreResult<Vec<IssuedCredential>> {
        let pattern = q
            .text
            .as_deref()
            .map(|t| contains_pattern(&t.to_lowercase()));
        let rows = sqlx::query(&format!(
            "SELECT {ISSUED_COLS} FROM issued c WHERE c.issuer_id = $1 AND {} \
             AND (CAST($3 AS TEXT) IS NULL OR c.recipient LIKE $3 ESCAPE '\\' OR LOWER(c.achievement_name) LIKE $3 ESCAPE '\\' \
                  OR LOWER(COALESCE(c.recipient_name, '')) LIKE $3 ESCAPE '\\') \
             AND (CAST($4 AS TEXT) IS NULL OR c.achievement_id = $4) \
             AND (CAST($5 AS TEXT) IS NULL OR c.state = $5) \
             ORDER BY c.issued_at DESC, c.id DESC LIMIT $6 OFFSET $7",
            member("$1", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .bind(pattern)
        .bind(q.achievement_id.map(|u| u.to_string()))
        .bind(q.state.map(|s| s.code()))
        .bind(q.limit.clamp(1, 1000))
        .bind(q.offset.max(0))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(issued_row).collect()
    }

    async fn count_issued(&self, user_id: UserId, issuer_id: IssuerId) -> StoreResult<i64> {
        let r = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM issued c WHERE c.issuer_id = $1 AND {}",
            member("$1", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .fetch_one(&self.read)
        .await
        .map_err(map_err)?;
        int(&r, "n")
    }

    async fn set_issued_state(
        &self,
        user_id: UserId,
        c: &IssuedCredential,
        l: &StatusList,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "UPDATE issued SET state = $1, reason = $2, state_at = $3 WHERE id = $4 AND issuer_id = $5 AND {}",
            member("$5", "$6")
        ))
        .bind(c.state.code())
        .bind(&c.reason)
        .bind(c.state_at)
        .bind(c.id.to_string())
        .bind(c.issuer_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        let r = sqlx::query(
            "UPDATE status_lists SET version = $1, revocation = $2, suspension = $3, revocation_vc = $4, \
             suspension_vc = $5, updated_at = $6 WHERE id = $7 AND version = $8",
        )
        .bind(l.version)
        .bind(&l.revocation)
        .bind(&l.suspension)
        .bind(&l.revocation_vc)
        .bind(&l.suspension_vc)
        .bind(l.updated_at)
        .bind(l.id.to_string())
        .bind(l.version - 1)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(Conflict::Moved));
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn set_issued_user(&self, id: Uuid, user_id: UserId) -> StoreResult<()> {
        sqlx::query("UPDATE issued SET user_id = $1 WHERE id = $2")
            .bind(user_id.to_string())
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn issued_to(&self, user_id: UserId) -> StoreResult<Vec<IssuedCredential>> {
        let rows = sqlx::query(&format!(
            "SELECT {ISSUED_COLS} FROM issued c WHERE c.user_id = $1 ORDER BY c.issued_at, c.id"
        ))
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(issued_row).collect()
    }

    async fn find_claim(&self, token_hash: &str) -> StoreResult<Option<(Claim, IssuedCredential)>> {
        let row = sqlx::query(&format!(
            "SELECT k.token_hash, k.issued_id, k.expires_at, k.claimed_by, k.claimed_at, {ISSUED_COLS} \
             FROM claims k JOIN issued c ON c.id = k.issued_id WHERE k.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((
            Claim {
                token_hash: text(&r, "token_hash")?,
                issued_id: uuid(&r, "issued_id")?,
                expires_at: int(&r, "expires_at")?,
                claimed_by: opt_text(&r, "claimed_by")?
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?,
                claimed_at: opt_int(&r, "claimed_at")?,
            },
            issued_row(&r)?,
        )))
    }

    async fn replace_claim(
        &self,
        user_id: UserId,
        claim: &Claim,
        audit: &AuditEntry,
        mail: &NewJob,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "DELETE FROM claims WHERE issued_id = $1 AND claimed_at IS NULL \
             AND EXISTS (SELECT 1 FROM issued c WHERE c.id = claims.issued_id AND {})",
            member("c.issuer_id", "$2")
        ))
        .bind(claim.issued_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        insert_claims_many(&mut tx, std::slice::from_ref(claim)).await?;
        insert_audit(&mut *tx, audit).await?;
        insert_jobs(&mut tx, std::slice::from_ref(mail)).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn mark_claimed(
        &self,
        token_hash: &str,
        user_id: UserId,
        at: i64,
        job: &NewJob,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query("UPDATE claims SET claimed_by = $1, claimed_at = $2 WHERE token_hash = $3 AND claimed_at IS NULL")
            .bind(user_id.to_string())
            .bind(at)
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_jobs(&mut tx, std::slice::from_ref(job)).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn audit_log(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLS} FROM issuer_audit WHERE issuer_id = $1 AND {} ORDER BY at DESC, id DESC LIMIT $3",
            member("$1", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(audit_row).collect()
    }

    async fn insert_batch(
        &self,
        b: &Batch,
        rows: &[BatchRow],
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(&format!(
            "INSERT INTO batches ({BATCH_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ))
        .bind(b.id.to_string())
        .bind(b.issuer_id.to_string())
        .bind(b.achievement_id.to_string())
        .bind(&b.filename)
        .bind(&b.sha256)
        .bind(&b.blob_key)
        .bind(&b.format)
        .bind(b.total)
        .bind(b.valid)
        .bind(b.state.code())
        .bind(b.next_row)
        .bind(b.issued)
        .bind(b.failed)
        .bind(b.lease_until)
        .bind(b.actor_id.map(|u| u.to_string()))
        .bind(&b.actor_name)
        .bind(b.created_at)
        .bind(b.finished_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for r in rows {
            insert_batch_row(&mut *tx, r).await?;
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn find_batch_by_file(
        &self,
        issuer_id: IssuerId,
        achievement_id: Uuid,
        sha256: &str,
    ) -> StoreResult<Option<Batch>> {
        sqlx::query(&format!("SELECT {BATCH_COLS} FROM batches WHERE issuer_id = $1 AND achievement_id = $2 AND sha256 = $3"))
            .bind(issuer_id.to_string())
            .bind(achievement_id.to_string())
            .bind(sha256)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?
            .as_ref()
            .map(batch_row)
            .transpose()
    }

    async fn find_batch(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<Batch>> {
        sqlx::query(&format!(
            "SELECT {BATCH_COLS} FROM batches WHERE id = $1 AND {}",
            member("batches.issuer_id", "$2")
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(batch_row)
        .transpose()
    }

    async fn list_batches(&self, user_id: UserId, issuer_id: IssuerId) -> StoreResult<Vec<Batch>> {
        let rows = sqlx::query(&format!(
            "SELECT {BATCH_COLS} FROM batches WHERE issuer_id = $1 AND {} ORDER BY created_at DESC, id LIMIT 200",
            member("$1", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(batch_row).collect()
    }

    async fn start_batch(
        &self,
        user_id: UserId,
        id: Uuid,
        audit: &AuditEntry,
        job: &NewJob,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "UPDATE batches SET state = 'running' WHERE id = $1 AND state = 'preview' AND {}",
            member("batches.issuer_id", "$2")
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        insert_jobs(&mut tx, std::slice::from_ref(job)).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn release_batch(&self, id: Uuid, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE batches SET lease_until = $1 WHERE id = $2 AND state = 'running'")
            .bind(now - 1)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn lease_batch(
        &self,
        id: Uuid,
        now: i64,
        lease_until: i64,
    ) -> StoreResult<Option<Batch>> {
        let r = sqlx::query("UPDATE batches SET lease_until = $1 WHERE id = $2 AND state = 'running' AND lease_until < $3")
            .bind(lease_until)
            .bind(id.to_string())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(None);
        }
        sqlx::query(&format!("SELECT {BATCH_COLS} FROM batches WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?
            .as_ref()
            .map(batch_row)
            .transpose()
    }

    async fn running_batches(&self) -> StoreResult<Vec<Uuid>> {
        let rows =
            sqlx::query("SELECT id FROM batches WHERE state = 'running' ORDER BY created_at")
                .fetch_all(&self.read)
                .await
                .map_err(map_err)?;
        rows.iter().map(|r| uuid(r, "id")).collect()
    }

    async fn insert_batch_chunk(
        &self,
        b: &Batch,
        credentials: &[IssuedCredential],
        claims: &[Claim],
        rows: &[BatchRow],
        audit: &[AuditEntry],
        progress: &ChunkProgress,
        jobs: &[NewJob],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let issued = credentials.len() as i64;
        let failed = rows.iter().filter(|r| r.status == "failed").count() as i64;
        let r = sqlx::query(
            "UPDATE batches SET next_row = $1, issued = issued + $2, failed = failed + $3, state = $4, finished_at = $5, \
             lease_until = $8 WHERE id = $6 AND next_row = $7 AND state = 'running'",
        )
        .bind(progress.next_row)
        .bind(issued)
        .bind(failed)
        .bind(if progress.done_at.is_some() { "done" } else { "running" })
        .bind(progress.done_at)
        .bind(b.id.to_string())
        .bind(b.next_row)
        .bind(progress.lease_until)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict(Conflict::Moved));
        }
        insert_issued_many(&mut tx, credentials).await?;
        insert_claims_many(&mut tx, claims).await?;
        for r in rows {
            insert_batch_row(&mut *tx, r).await?;
        }
        for a in audit {
            insert_audit(&mut *tx, a).await?;
        }
        insert_jobs(&mut tx, jobs).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn batch_rows(
        &self,
        batch_id: Uuid,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<BatchRow>> {
        let rows = sqlx::query(
            "SELECT batch_id, row_number, recipient, status, code, issued_id FROM ( \
               SELECT batch_id, row_number, recipient, status, code, issued_id FROM batch_rows \
               WHERE batch_id = $1 AND row_number > $2 \
               UNION ALL \
               SELECT batch_id, batch_row AS row_number, recipient, 'issued' AS status, id AS code, id AS issued_id \
               FROM issued WHERE batch_id = $1 AND batch_row > $2 \
             ) report ORDER BY row_number LIMIT $3",
        )
        .bind(batch_id.to_string())
        .bind(after)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(BatchRow {
                    batch_id: uuid(r, "batch_id")?,
                    row_number: int(r, "row_number")?,
                    recipient: text(r, "recipient")?,
                    status: text(r, "status")?,
                    code: text(r, "code")?,
                    issued_id: opt_text(r, "issued_id")?
                        .as_deref()
                        .map(parse_uuid)
                        .transpose()?,
                })
            })
            .collect()
    }

    async fn accounts_with_emails(&self, addresses: &[String]) -> StoreResult<Vec<(String, User)>> {
        let mut out = Vec::new();
        for part in addresses.chunks(500) {
            let mut q = sqlx::QueryBuilder::<<R as sqlx::Row>::Database>::new(format!(
                "SELECT e.address AS matched, {USER_COLS} FROM users u JOIN emails e ON e.user_id = u.id \
                 WHERE e.confirmed_at IS NOT NULL AND u.disabled = 0 AND e.address IN ("
            ));
            let mut list = q.separated(", ");
            for a in part {
                list.push_bind(a.clone());
            }
            q.push(")");
            let rows = q.build().fetch_all(&self.read).await.map_err(map_err)?;
            for r in &rows {
                out.push((text(r, "matched")?, user(r)?));
            }
        }
        Ok(out)
    }

    async fn account_with_email(&self, address: &str) -> StoreResult<Option<User>> {
        sqlx::query(&format!(
            "SELECT {USER_COLS} FROM users u JOIN emails e ON e.user_id = u.id \
             WHERE e.address = $1 AND e.confirmed_at IS NOT NULL AND u.disabled = 0"
        ))
        .bind(address)
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(user)
        .transpose()
    }

    async fn account_with_did(&self, did: &str) -> StoreResult<Option<User>> {
        sqlx::query(&format!(
            "SELECT {USER_COLS} FROM users u JOIN dids d ON d.user_id = u.id \
             WHERE d.did = $1 AND d.confirmed_at IS NOT NULL AND u.disabled = 0 LIMIT 1"
        ))
        .bind(did)
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(user)
        .transpose()
    }
}
