//! Uploaded files (`FileStore`).

use super::backpack::delete_with_blobs;
use super::*;

fn file(r: &R) -> Result<StoredFile, StoreError> {
    Ok(StoredFile {
        id: uuid(r, "id")?,
        user_id: user_id(r, "user_id")?,
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

    async fn find_file(&self, user_id: UserId, id: Uuid) -> StoreResult<Option<StoredFile>> {
        sqlx::query(&format!(
            "SELECT {FILE_COLS} FROM files WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(file)
        .transpose()
    }

    async fn list_files(&self, user_id: UserId) -> StoreResult<Vec<StoredFile>> {
        sqlx::query(&format!(
            "SELECT {FILE_COLS} FROM files WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?
        .iter()
        .map(file)
        .collect()
    }

    async fn set_photo(
        &self,
        user_id: UserId,
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

    async fn delete_file(&self, user_id: UserId, id: Uuid, delete_after: i64) -> StoreResult<bool> {
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
            .fetch_all(&self.read)
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
