//! The e-Backpack: badges, notes, certificates, collections, links and the
//! `items` search index.

use super::super::CONTAINS;
use super::*;

const BADGE_COLS: &str = "id, user_id, blob_key, sha256, content_sha256, media_type, filename, credential_id, name, issuer_name, \
    issuer_id, description, valid_from, valid_until, verdict, report, checked_at, imported_at, source, keywords";

fn badge(r: &R) -> Result<Badge, StoreError> {
    Ok(Badge {
        id: uuid(r, "id")?,
        user_id: user_id(r, "user_id")?,
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
pub(super) async fn delete_with_blobs(
    tx: &mut sqlx::Transaction<'_, Db>,
    table: &str,
    blob_columns: &[&str],
    user_id: UserId,
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

    async fn find_badge(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<Badge>> {
        sqlx::query(&format!(
            "SELECT {BADGE_COLS} FROM badges WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(badge)
        .transpose()
    }

    async fn find_same_badge(
        &self,
        user_id: UserId,
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
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(badge)
        .transpose()
    }

    async fn list_badges(&self, user_id: UserId) -> StoreResult<Vec<Badge>> {
        sqlx::query(&format!(
            "SELECT {BADGE_COLS} FROM badges WHERE user_id = $1 ORDER BY imported_at DESC, id"
        ))
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?
        .iter()
        .map(badge)
        .collect()
    }

    async fn delete_badge(
        &self,
        user_id: UserId,
        id: Uuid,
        delete_after: i64,
    ) -> StoreResult<bool> {
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

const NOTE_COLS: &str = "id, user_id, title, body, tags, created_at, updated_at";

fn note(r: &R) -> Result<Note, StoreError> {
    Ok(Note {
        id: uuid(r, "id")?,
        user_id: user_id(r, "user_id")?,
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
pub(super) fn contains_pattern(s: &str) -> String {
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

    async fn find_note(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<Note>> {
        sqlx::query(&format!(
            "SELECT {NOTE_COLS} FROM notes WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(note)
        .transpose()
    }

    async fn list_notes(
        &self,
        user_id: UserId,
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
        .fetch_all(&self.read)
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

    async fn delete_note(&self, user_id: UserId, id: Uuid, delete_after: i64) -> StoreResult<bool> {
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
        user_id: user_id(r, "user_id")?,
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
        user_id: user_id(r, "user_id")?,
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
        user_id: user_id(r, "user_id")?,
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
    user_id: UserId,
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

    async fn find_certificate(
        &self,
        user_id: UserId,
        id: Uuid,
    ) -> StoreResult<Option<Certificate>> {
        sqlx::query(&format!(
            "SELECT {CERT_COLS} FROM certificates WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(certificate)
        .transpose()
    }

    async fn list_certificates(&self, user_id: UserId) -> StoreResult<Vec<Certificate>> {
        sqlx::query(&format!(
            "SELECT {CERT_COLS} FROM certificates WHERE user_id = $1 ORDER BY created_at DESC, id"
        ))
        .bind(user_id.to_string())
        .fetch_all(&self.read)
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
        user_id: UserId,
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

    async fn find_note_file(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<NoteFile>> {
        sqlx::query(&format!(
            "SELECT {NOTE_FILE_COLS} FROM note_files WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(note_file)
        .transpose()
    }

    async fn list_note_files(&self, user_id: UserId, note_id: Uuid) -> StoreResult<Vec<NoteFile>> {
        sqlx::query(&format!(
            "SELECT {NOTE_FILE_COLS} FROM note_files WHERE note_id = $1 AND user_id = $2 ORDER BY created_at, id"
        ))
        .bind(note_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?
        .iter()
        .map(note_file)
        .collect()
    }

    async fn delete_note_file(
        &self,
        user_id: UserId,
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
        user_id: UserId,
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

    async fn list_note_links(&self, user_id: UserId, note_id: Uuid) -> StoreResult<Vec<ItemRef>> {
        sqlx::query("SELECT area, item_id FROM note_links WHERE note_id = $1 AND user_id = $2 ORDER BY area, item_id")
            .bind(note_id.to_string())
            .bind(user_id.to_string())
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?
            .iter()
            .map(item_ref)
            .collect()
    }

    async fn notes_linking(&self, user_id: UserId, item_id: Uuid) -> StoreResult<Vec<Uuid>> {
        sqlx::query(
            "SELECT note_id FROM note_links WHERE user_id = $1 AND item_id = $2 ORDER BY note_id",
        )
        .bind(user_id.to_string())
        .bind(item_id.to_string())
        .fetch_all(&self.read)
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

    async fn find_collection(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<Collection>> {
        sqlx::query(&format!(
            "SELECT {COLLECTION_COLS} FROM collections WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(collection)
        .transpose()
    }

    async fn list_collections(&self, user_id: UserId) -> StoreResult<Vec<(Collection, i64)>> {
        sqlx::query(
            "SELECT c.id, c.user_id, c.name, c.description, c.created_at, c.updated_at, \
             (SELECT COUNT(*) FROM collection_items i WHERE i.collection_id = c.id) AS n \
             FROM collections c WHERE c.user_id = $1 ORDER BY LOWER(c.name), c.id",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.read)
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

    async fn delete_collection(&self, user_id: UserId, id: Uuid) -> StoreResult<bool> {
        self.delete_owned("collections", "", user_id, id).await
    }

    async fn add_to_collection(
        &self,
        user_id: UserId,
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
        user_id: UserId,
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

    async fn collection_items(
        &self,
        user_id: UserId,
        collection_id: Uuid,
    ) -> StoreResult<Vec<Item>> {
        sqlx::query(
            "SELECT items.area, items.id, items.title, items.issuer, items.tags, items.day, items.at \
             FROM collection_items ci JOIN items ON items.id = ci.item_id AND items.user_id = ci.user_id \
             WHERE ci.collection_id = $1 AND ci.user_id = $2 ORDER BY ci.added_at, ci.item_id",
        )
        .bind(collection_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?
        .iter()
        .map(item)
        .collect()
    }

    async fn collections_of(&self, user_id: UserId, item_id: Uuid) -> StoreResult<Vec<Collection>> {
        sqlx::query(
            "SELECT c.id, c.user_id, c.name, c.description, c.created_at, c.updated_at FROM collections c \
             JOIN collection_items i ON i.collection_id = c.id WHERE c.user_id = $1 AND i.item_id = $2 ORDER BY LOWER(c.name), c.id",
        )
        .bind(user_id.to_string())
        .bind(item_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?
        .iter()
        .map(collection)
        .collect()
    }

    async fn find_portfolio(&self, user_id: UserId) -> StoreResult<Option<(String, i64)>> {
        sqlx::query("SELECT document, updated_at FROM portfolios WHERE user_id = $1")
            .bind(user_id.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?
            .as_ref()
            .map(|r| Ok((text(r, "document")?, int(r, "updated_at")?)))
            .transpose()
    }

    async fn put_portfolio(&self, user_id: UserId, document: &str, at: i64) -> StoreResult<()> {
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

    async fn search_items(&self, user_id: UserId, q: &ItemQuery) -> StoreResult<Vec<Item>> {
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
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?
        .iter()
        .map(item)
        .collect()
    }

    async fn find_items(&self, user_id: UserId, ids: &[Uuid]) -> StoreResult<Vec<Item>> {
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
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?
            .iter()
            .map(item)
            .collect()
    }

    async fn count_items(&self, user_id: UserId) -> StoreResult<Vec<(Area, i64)>> {
        sqlx::query("SELECT area, COUNT(*) AS n FROM items WHERE user_id = $1 GROUP BY area")
            .bind(user_id.to_string())
            .fetch_all(&self.read)
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

    async fn item_facets(&self, user_id: UserId) -> StoreResult<(Vec<String>, Vec<String>)> {
        let tag_rows = sqlx::query("SELECT DISTINCT tags FROM items WHERE user_id = $1")
            .bind(user_id.to_string())
            .fetch_all(&self.read)
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
        .fetch_all(&self.read)
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
}
