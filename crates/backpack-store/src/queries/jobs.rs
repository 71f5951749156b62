//! The job queue (`JobStore`).

use super::super::SKIP_LOCKED;
use super::*;

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

    async fn jobs_done(&self, ids: &[Uuid], owner: &str) -> StoreResult<u64> {
        let mut deleted = 0;
        // Within the bound-parameter limits of both databases.
        for bite in ids.chunks(500) {
            let params: Vec<String> = (0..bite.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "DELETE FROM jobs WHERE lease_owner = $1 AND id IN ({})",
                params.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(owner);
            for id in bite {
                q = q.bind(id.to_string());
            }
            deleted += q
                .execute(&self.pool)
                .await
                .map_err(map_err)?
                .rows_affected();
        }
        Ok(deleted)
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
        .fetch_all(&self.read)
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
        .fetch_one(&self.read)
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
pub(super) async fn insert_jobs(
    tx: &mut sqlx::Transaction<'_, Db>,
    jobs: &[NewJob],
) -> StoreResult<()> {
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
