//! Batch awards from a CSV file: checked at upload (file-level problems
//! refuse the file; row-level problems are shown and reported), started by a
//! person, then issued by a background job in chunks. Each chunk —
//! credentials, claim links, report rows, the status list's counter and the
//! batch's progress — is one transaction, so a crash resumes from the next
//! row with neither duplicates nor gaps. The same file for the same
//! achievement is the same batch (uploading it again issues nothing new).
//!
//! The CSV: a header row naming `email` and/or `did` (one per row is the
//! recipient), optional `name` and `grade`; UTF-8 (a BOM is allowed), comma
//! or semicolon separated.

use std::collections::HashMap;

use backpack_credentials::sign::SignFormat;
use bytes::Bytes;
use sha2::Digest;
use uuid::Uuid;

use crate::entities::*;
use std::sync::Arc;

use super::{Actor, Award, Core, Issuing, Prepared, RecipientTarget, Slots};
use crate::jobs::{Job, Outcome};
use crate::values::{Did, Email};
use crate::IssuerId;
use crate::{Conflict, DomainError, StoreError};

/// Most data rows in one file.
pub const MAX_BATCH_ROWS: usize = 100_000;
/// Largest file.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
/// Rows per transaction: a fraction of a second of signing, so progress
/// moves often, a stop or hand-over waits little, and the credentials in
/// flight stay a small, fixed amount of memory.
pub const CHUNK_ROWS: usize = 250;

/// One checked data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// 1-based data row (the header is row 0).
    pub row: i64,
    /// What the row names as recipient (as typed, trimmed), for the report.
    pub recipient_text: String,
    /// The recipient, or the code of what is wrong with the row.
    pub check: Result<(RecipientKind, String), &'static str>,
    pub name: Option<String>,
    pub grade: Option<String>,
}

/// Check a CSV file. File-level problems (not UTF-8, no recipient column,
/// an unknown column, no rows, too many rows, too large) are an error on
/// the field `file`; row-level problems are in each row's `check`.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<CsvRow>, DomainError> {
    let mut reader = CsvRows::open(Bytes::copy_from_slice(bytes))?;
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row()? {
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(DomainError::field("file", "csv_empty"));
    }
    Ok(rows)
}

/// A batch file read one row at a time, with the checks of [`parse_csv`]
/// (a repeated recipient is refused on its second row): a batch run holds
/// one chunk of rows, not the file's hundred thousand.
pub struct CsvRows {
    reader: csv::Reader<std::io::Cursor<Bytes>>,
    /// Column of `email`, `did`, `name`, `grade`.
    columns: [Option<usize>; 4],
    width: usize,
    /// Recipients met so far.
    seen: std::collections::HashSet<String>,
    /// Data records read (the next one's 1-based number is `read + 1`).
    read: usize,
    record: csv::StringRecord,
}

impl CsvRows {
    /// Check the file's size, encoding and header row.
    pub fn open(bytes: Bytes) -> Result<Self, DomainError> {
        let bad = |code: &'static str| DomainError::field("file", code);
        if bytes.len() > MAX_BATCH_BYTES {
            return Err(DomainError::FileTooLarge {
                max: MAX_BATCH_BYTES as u64,
            });
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| bad("csv_not_utf8"))?;
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let first_line = text[bom..].lines().next().unwrap_or("");
        let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
            b';'
        } else {
            b','
        };
        let mut cursor = std::io::Cursor::new(bytes);
        cursor.set_position(bom as u64);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(cursor);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|_| bad("csv_unreadable"))?
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let mut columns = [None; 4];
        for (i, h) in headers.iter().enumerate() {
            let slot = match h.as_str() {
                "email" | "e-mail" | "mail" => 0,
                "did" => 1,
                "name" => 2,
                "grade" => 3,
                "" => continue,
                _ => return Err(bad("csv_unknown_column")),
            };
            if columns[slot].replace(i).is_some() {
                return Err(bad("csv_duplicate_column"));
            }
        }
        if columns[0].is_none() && columns[1].is_none() {
            return Err(bad("csv_no_recipient_column"));
        }
        Ok(CsvRows {
            reader,
            columns,
            width: headers.len(),
            seen: std::collections::HashSet::new(),
            read: 0,
            record: csv::StringRecord::new(),
        })
    }

    /// The next non-blank data row, checked; `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<CsvRow>, DomainError> {
        let bad = |code: &'static str| DomainError::field("file", code);
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(_) => return Err(bad("csv_unreadable")),
            }
            // The budget counts records read, blank ones included: each
            // costs the same work.
            if self.read >= MAX_BATCH_ROWS {
                return Err(bad("csv_too_many_rows"));
            }
            self.read += 1;
            if self.record.iter().all(str::is_empty) {
                continue;
            }
            return Ok(Some(self.check_row(self.read as i64)));
        }
    }

    /// Up to `n` rows (fewer at the end).
    pub fn take_rows(&mut self, n: usize) -> Result<Vec<CsvRow>, DomainError> {
        let mut rows = Vec::with_capacity(n.min(CHUNK_ROWS));
        while rows.len() < n {
            match self.next_row()? {
                Some(r) => rows.push(r),
                None => break,
            }
        }
        Ok(rows)
    }

    /// Read (and check, so repeats are still found) the rows before `row`;
    /// returns the first row from `row` on.
    pub fn skip_to(&mut self, row: i64) -> Result<Option<CsvRow>, DomainError> {
        while let Some(r) = self.next_row()? {
            if r.row >= row {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    fn check_row(&mut self, row: i64) -> CsvRow {
        let record = &self.record;
        let cell = |slot: usize| {
            self.columns[slot]
                .and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (email, did) = (cell(0), cell(1));
        let recipient_text: String = email
            .as_deref()
            .or(did.as_deref())
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect();
        let name = cell(2);
        let grade = cell(3);
        let check = if record.len() != self.width {
            Err("csv_row_width")
        } else {
            match (&email, &did) {
                (Some(_), Some(_)) => Err("csv_two_recipients"),
                (None, None) => Err("csv_no_recipient"),
                (Some(e), None) => Email::parse("email", e)
                    .map(|e| (RecipientKind::Email, e.as_str().to_owned()))
                    .map_err(|e| e.code),
                (None, Some(d)) => Did::parse("did", d)
                    .map(|d| (RecipientKind::Did, d.as_str().to_owned()))
                    .map_err(|e| e.code),
            }
        };
        let check = match check {
            Ok(_) if name.as_deref().is_some_and(|n| n.chars().count() > 200) => Err("too_long"),
            Ok(_) if grade.as_deref().is_some_and(|g| g.chars().count() > 100) => Err("too_long"),
            Ok((kind, id)) => {
                if self.seen.insert(id.clone()) {
                    Ok((kind, id))
                } else {
                    Err("csv_duplicate_recipient")
                }
            }
            Err(e) => Err(e),
        };
        CsvRow {
            row,
            recipient_text,
            check,
            name,
            grade,
        }
    }
}

/// What an upload found.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub batch: Batch,
    /// False when this file was uploaded for the achievement before: the
    /// existing batch is returned and nothing new is made.
    pub new: bool,
}

fn format_code(f: SignFormat) -> &'static str {
    match f {
        SignFormat::Jwt => "jwt",
        SignFormat::DataIntegrity(_) => "json",
    }
}

fn format_of(code: &str) -> SignFormat {
    match code {
        "jwt" => SignFormat::Jwt,
        _ => SignFormat::DataIntegrity(backpack_credentials::proof::SignSuite::EddsaRdfc2022),
    }
}

/// Spreadsheet-safe cell: a value starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return is prefixed with `'` so no spreadsheet runs it.
pub fn safe_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// Batch awards from CSV files.
pub struct Batches {
    pub(super) core: Arc<Core>,
}

impl Batches {
    fn lease_secs(&self) -> i64 {
        i64::try_from(self.core.settings.batch_lease_secs).unwrap_or(30)
    }

    /// Check an uploaded CSV and keep it as a batch in preview.
    pub async fn upload_batch(
        &self,
        user: &User,
        issuer_id: IssuerId,
        achievement_id: Uuid,
        format: SignFormat,
        filename: &str,
        bytes: Bytes,
    ) -> Result<Uploaded, DomainError> {
        let issuer = self.core.issuer(user, issuer_id).await?;
        let achievement = self
            .core
            .achievement(user, achievement_id)
            .await
            .ok()
            .filter(|a| a.issuer_id == issuer.id)
            .ok_or_else(|| DomainError::field("achievement_id", "required"))?;
        if !Issuing::missing(&issuer, &achievement).is_empty() {
            return Err(DomainError::field("achievement_id", "eu_incomplete"));
        }
        let sha = crate::tokens::hex(&sha2::Sha256::digest(&bytes));
        if let Some(existing) = self
            .core
            .store
            .find_batch_by_file(issuer.id, achievement.id, &sha)
            .await?
        {
            return Ok(Uploaded {
                batch: existing,
                new: false,
            });
        }
        // Read row by row: the file's rows are counted and its invalid ones
        // kept for the report, not all held at once.
        let parse_input = bytes.clone();
        let (total, valid, invalid_rows) = tokio::task::spawn_blocking(move || {
            let mut reader = CsvRows::open(parse_input)?;
            let (mut total, mut valid, mut invalid) = (0i64, 0i64, Vec::new());
            while let Some(r) = reader.next_row()? {
                total += 1;
                match r.check {
                    Ok(_) => valid += 1,
                    Err(code) => invalid.push((r.row, r.recipient_text, code)),
                }
            }
            if total == 0 {
                return Err(DomainError::field("file", "csv_empty"));
            }
            Ok((total, valid, invalid))
        })
        .await
        .map_err(DomainError::internal)??;
        let id = Uuid::new_v4();
        let now = self.core.clock.unix();
        let batch = Batch {
            id,
            issuer_id: issuer.id,
            achievement_id: achievement.id,
            filename: crate::files::clean_stem(filename, "batch", "csv"),
            sha256: sha,
            blob_key: format!("batches/{}/{id}.csv", issuer.id),
            format: format_code(format).to_owned(),
            total,
            valid,
            state: BatchState::Preview,
            next_row: 1,
            issued: 0,
            failed: 0,
            lease_until: 0,
            actor_id: Some(user.id),
            actor_name: user.display_name.clone(),
            created_at: now,
            finished_at: None,
        };
        let invalid: Vec<BatchRow> = invalid_rows
            .into_iter()
            .map(|(row, recipient, code)| BatchRow {
                batch_id: id,
                row_number: row,
                recipient,
                status: "invalid".into(),
                code: code.to_owned(),
                issued_id: None,
            })
            .collect();
        self.core
            .blobs
            .put(&batch.blob_key, bytes)
            .await
            .map_err(DomainError::Internal)?;
        let audit = AuditEntry {
            id: Uuid::new_v4(),
            issuer_id: issuer.id,
            at: now,
            actor_id: Some(user.id),
            actor_name: user.display_name.clone(),
            action: "batch.upload".into(),
            subject: format!("urn:uuid:{id}"),
            detail: format!(
                "{} · {} rows, {} valid",
                batch.filename, batch.total, batch.valid
            ),
        };
        match self.core.store.insert_batch(&batch, &invalid, &audit).await {
            Ok(()) => Ok(Uploaded { batch, new: true }),
            Err(StoreError::Conflict(_)) => {
                let _ = self.core.blobs.delete(&batch.blob_key).await;
                let existing = self
                    .core
                    .store
                    .find_batch_by_file(issuer.id, achievement.id, &batch.sha256)
                    .await?
                    .ok_or(DomainError::NotFound)?;
                Ok(Uploaded {
                    batch: existing,
                    new: false,
                })
            }
            Err(e) => {
                let _ = self.core.blobs.delete(&batch.blob_key).await;
                Err(e.into())
            }
        }
    }

    pub async fn batch(&self, user: &User, id: Uuid) -> Result<Batch, DomainError> {
        self.core
            .store
            .find_batch(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn batches(
        &self,
        user: &User,
        issuer_id: IssuerId,
    ) -> Result<Vec<Batch>, DomainError> {
        self.core.issuer(user, issuer_id).await?;
        Ok(self.core.store.list_batches(user.id, issuer_id).await?)
    }

    /// The per-row report of a batch (`after` and `limit` page it).
    pub async fn batch_report(
        &self,
        user: &User,
        id: Uuid,
        after: i64,
        limit: i64,
    ) -> Result<Vec<BatchRow>, DomainError> {
        let batch = self.batch(user, id).await?;
        Ok(self.core.store.batch_rows(batch.id, after, limit).await?)
    }

    /// The per-row report as CSV (`row,recipient,status,credential_or_error`),
    /// spreadsheet formulas neutralised: what the batch page and the API
    /// serve.
    pub async fn batch_report_csv(&self, user: &User, id: Uuid) -> Result<Vec<u8>, DomainError> {
        let batch = self.batch(user, id).await?;
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(["row", "recipient", "status", "credential_or_error"])
            .map_err(DomainError::internal)?;
        let mut after = 0;
        loop {
            let rows = self.core.store.batch_rows(batch.id, after, 5_000).await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                after = r.row_number;
                let detail = match r.issued_id {
                    Some(id) => format!("urn:uuid:{id}"),
                    None => r.code.clone(),
                };
                out.write_record([
                    r.row_number.to_string(),
                    safe_cell(&r.recipient),
                    r.status.clone(),
                    safe_cell(&detail),
                ])
                .map_err(DomainError::internal)?;
            }
        }
        out.into_inner().map_err(DomainError::internal)
    }

    /// Start issuing a batch in the background (once: starting it again
    /// changes nothing). The batch's job is queued with its start.
    pub async fn start_batch(&self, user: &User, id: Uuid) -> Result<Batch, DomainError> {
        let batch = self.batch(user, id).await?;
        let now = self.core.clock.unix();
        let audit = AuditEntry {
            id: Uuid::new_v4(),
            issuer_id: batch.issuer_id,
            at: now,
            actor_id: Some(user.id),
            actor_name: user.display_name.clone(),
            action: "batch.start".into(),
            subject: format!("urn:uuid:{id}"),
            detail: format!("{} · {} valid rows", batch.filename, batch.valid),
        };
        let job = Job::RunBatch { batch_id: id }.queue(now);
        if self
            .core
            .store
            .start_batch(user.id, id, &audit, &job)
            .await?
        {
            self.core.signal.queued();
        }
        self.batch(user, id).await
    }

    /// Queue a job for every running batch that has none (batches started
    /// before jobs existed; a job already queued is kept). Run at start.
    pub async fn resume_batches(&self) -> Result<usize, DomainError> {
        let ids = self.core.store.running_batches().await?;
        let now = self.core.clock.unix();
        let jobs: Vec<NewJob> = ids
            .iter()
            .map(|id| Job::RunBatch { batch_id: *id }.queue(now))
            .collect();
        self.core.store.enqueue_jobs(&jobs).await?;
        Ok(ids.len())
    }

    /// The batch job: issue a running batch chunk by chunk, each chunk one
    /// transaction with its deliveries and mails queued in it. Returns
    /// `Done` at the end (or when another job holds the batch), and
    /// `Interrupted` after the current chunk when `stopping` turns true,
    /// with the batch's lease ended so that the next server takes it over
    /// at once.
    pub(crate) async fn run_batch(
        &self,
        id: Uuid,
        stopping: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Outcome, DomainError> {
        let now = self.core.clock.unix();
        let Some(mut batch) = self
            .core
            .store
            .lease_batch(id, now, now + self.lease_secs())
            .await?
        else {
            tracing::debug!(batch = %id, "the batch is held by another job");
            return Ok(Outcome::Done);
        };
        if batch.next_row > 1 {
            tracing::info!(batch = %id, next_row = batch.next_row, issued = batch.issued, "taking over a batch where it stopped");
        }
        let issuer = self
            .core
            .store
            .find_issuer_public(batch.issuer_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let achievement = self
            .core
            .store
            .public_achievement(batch.achievement_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let bytes = self
            .core
            .blobs
            .get(&batch.blob_key)
            .await
            .map_err(DomainError::Internal)?
            .ok_or_else(|| DomainError::Internal("the batch's file is missing".into()))?;
        let next_row = batch.next_row;
        let (mut reader, mut chunk) = tokio::task::spawn_blocking(move || {
            let mut reader = CsvRows::open(bytes)?;
            let mut chunk: Vec<CsvRow> = reader.skip_to(next_row)?.into_iter().collect();
            chunk.extend(reader.take_rows(CHUNK_ROWS - chunk.len())?);
            Ok::<_, DomainError>((reader, chunk))
        })
        .await
        .map_err(DomainError::internal)??;
        let key = self.core.signing_key(&issuer).await?;
        let actor = Actor {
            user_id: batch.actor_id,
            name: batch.actor_name.clone(),
        };
        let format = format_of(&batch.format);
        // A pipeline of two chunks: while one chunk is written, the next is
        // read and signed (on the signing threads), so the cores sign all
        // the time. A chunk signed but never written (a stop, another
        // server took the batch) leaves only unused status slots behind.
        let batch_id = batch.id;
        // The awards of a chunk, with their status slots reserved (a short
        // write, done before the previous chunk's write starts so the
        // signing never waits for it).
        let reserve = |chunk: &[CsvRow]| {
            let (issuer, key) = (&issuer, &key);
            let awards = chunk_awards(chunk, batch_id, format);
            async move {
                let awards = self.with_accounts(awards).await?;
                let slots = self
                    .core
                    .reserve_slots(issuer, key, awards.len() as i64)
                    .await?;
                Ok::<_, DomainError>((awards, slots))
            }
        };
        let sign = |awards: Vec<Award>, slots: Option<Slots>| {
            let (issuer, achievement, key, actor) = (&issuer, &achievement, &key, &actor);
            async move {
                self.core
                    .prepare(issuer, achievement, key, actor, slots, &awards)
                    .await
            }
        };
        let (awards, slots) = reserve(&chunk).await?;
        let mut prepared = sign(awards, slots).await?;
        loop {
            if *stopping.borrow() {
                self.core
                    .store
                    .release_batch(id, self.core.clock.unix())
                    .await?;
                tracing::info!(batch = %id, next_row = batch.next_row, "stopping: the batch is released for another server");
                return Ok(Outcome::Interrupted);
            }
            let (r, next_chunk) = tokio::task::spawn_blocking(move || {
                let next = reader.take_rows(CHUNK_ROWS);
                (reader, next)
            })
            .await
            .map_err(DomainError::internal)?;
            reader = r;
            let next_chunk = next_chunk?;
            let next_row = next_chunk.first().map_or_else(
                || chunk.last().map_or(batch.next_row, |r| r.row + 1),
                |r| r.row,
            );
            let done = next_chunk.is_empty();
            let write = self.write_chunk(&batch, &issuer, &prepared, next_row, done);
            let (written, next) = if done {
                (write.await, None)
            } else {
                let (awards, slots) = reserve(&next_chunk).await?;
                let (w, n) = tokio::join!(write, sign(awards, slots));
                (w, Some(n))
            };
            match written {
                Ok(()) => {}
                // Another job moved the batch (its lease ran out here and
                // another server took it over): it carries on.
                Err(StoreError::Conflict(Conflict::Moved)) => {
                    tracing::warn!(batch = %id, "another job moved the batch: leaving it to that job");
                    return Ok(Outcome::Done);
                }
                Err(e) => return Err(e.into()),
            }
            self.core.signal.queued();
            batch.issued += prepared.len() as i64;
            batch.next_row = next_row;
            let Some(next) = next else {
                tracing::info!(batch = %id, issued = batch.issued, "batch done");
                return Ok(Outcome::Done);
            };
            prepared = next?;
            chunk = next_chunk;
        }
    }

    /// Fill in the accounts the awards' recipients already have.
    async fn with_accounts(&self, mut awards: Vec<Award>) -> Result<Vec<Award>, DomainError> {
        let addresses: Vec<String> = awards
            .iter()
            .filter_map(|a| match &a.recipient {
                RecipientTarget::Email(e) => Some(e.clone()),
                RecipientTarget::Did(_) => None,
            })
            .collect();
        let mut accounts: HashMap<String, User> = self
            .core
            .store
            .accounts_with_emails(&addresses)
            .await?
            .into_iter()
            .collect();
        for a in &mut awards {
            a.account = match &a.recipient {
                RecipientTarget::Email(e) => accounts.remove(e),
                RecipientTarget::Did(d) => self.core.store.account_with_did(d).await?,
            };
        }
        Ok(awards)
    }

    /// Write a signed chunk with its claims, jobs and the batch's progress
    /// in one transaction (and the closing audit entry with the last one).
    async fn write_chunk(
        &self,
        batch: &Batch,
        issuer: &Issuer,
        prepared: &[Prepared],
        next_row: i64,
        done: bool,
    ) -> Result<(), StoreError> {
        let at = self.core.clock.unix();
        let progress = ChunkProgress {
            next_row,
            done_at: done.then_some(at),
            lease_until: at + self.lease_secs(),
        };
        let audit: Vec<AuditEntry> = if done {
            let issued = batch.issued + prepared.len() as i64;
            vec![AuditEntry {
                id: Uuid::new_v4(),
                issuer_id: issuer.id,
                at,
                actor_id: batch.actor_id,
                actor_name: batch.actor_name.clone(),
                action: "batch.done".into(),
                subject: format!("urn:uuid:{}", batch.id),
                detail: format!(
                    "{} · {} issued, {} not issued",
                    batch.filename,
                    issued,
                    batch.total - issued
                ),
            }]
        } else {
            vec![]
        };
        let credentials: Vec<IssuedCredential> =
            prepared.iter().map(|p| p.issued.clone()).collect();
        let claims: Vec<Claim> = prepared
            .iter()
            .filter_map(|p| p.claim.as_ref().map(|c| c.0.clone()))
            .collect();
        let jobs = self.core.award_jobs(issuer, prepared);
        self.core
            .store
            .insert_batch_chunk(batch, &credentials, &claims, &[], &audit, &progress, &jobs)
            .await
    }
}

/// The awards of a chunk's valid rows (accounts not looked up yet).
fn chunk_awards(chunk: &[CsvRow], batch_id: Uuid, format: SignFormat) -> Vec<Award> {
    chunk
        .iter()
        .filter_map(|r| {
            let (kind, id) = r.check.as_ref().ok()?;
            Some(Award {
                recipient: match kind {
                    RecipientKind::Email => RecipientTarget::Email(id.clone()),
                    RecipientKind::Did => RecipientTarget::Did(id.clone()),
                },
                account: None,
                name: r.name.clone(),
                grade: r.grade.clone(),
                format,
                source: "csv",
                batch: Some((batch_id, r.row)),
                key: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(csv: &str) -> Vec<Result<String, &'static str>> {
        parse_csv(csv.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| r.check.map(|(_, id)| id))
            .collect()
    }

    fn file_error(bytes: &[u8]) -> &'static str {
        match parse_csv(bytes) {
            Err(DomainError::Invalid(e)) => e[0].code,
            Err(DomainError::FileTooLarge { .. }) => "too_large",
            other => panic!("accepted: {other:?}"),
        }
    }

    #[test]
    fn rows_are_checked_one_by_one() {
        let got = codes(
            "email,name,grade\nAda@Example.org,Ada,A\nnot-an-address,Bob,\n,Nobody,\nada@example.org,Again,\n\"x@example.org\",\"Smith, J.\",B\n",
        );
        assert_eq!(
            got,
            vec![
                Ok("ada@example.org".into()),
                Err("email_invalid"),
                Err("csv_no_recipient"),
                Err("csv_duplicate_recipient"),
                Ok("x@example.org".into()),
            ]
        );
    }

    #[test]
    fn dids_semicolons_and_a_bom_are_fine() {
        let got = codes("\u{feff}did;name\ndid:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK;Ada\nnot a did;Bob\n");
        assert_eq!(
            got[0].as_deref(),
            Ok("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
        );
        assert!(got[1].is_err());
    }

    #[test]
    fn a_row_with_both_or_a_wrong_width_is_refused() {
        let got = codes("email,did\na@example.org,did:web:x.example\nb@example.org\n");
        assert_eq!(got, vec![Err("csv_two_recipients"), Err("csv_row_width")]);
    }

    #[test]
    fn file_level_problems_refuse_the_file() {
        assert_eq!(
            file_error(b"name,grade\nAda,A\n"),
            "csv_no_recipient_column"
        );
        assert_eq!(
            file_error(b"email,salary\na@example.org,1\n"),
            "csv_unknown_column"
        );
        assert_eq!(
            file_error(b"email,email\na@example.org,b@example.org\n"),
            "csv_duplicate_column"
        );
        assert_eq!(file_error(b"email\n"), "csv_empty");
        assert_eq!(file_error(b"email\n\xff\xfe@example.org\n"), "csv_not_utf8");
        let mut big = String::from("email\n");
        for i in 0..=MAX_BATCH_ROWS {
            big.push_str(&format!("p{i}@example.org\n"));
        }
        assert_eq!(file_error(big.as_bytes()), "csv_too_many_rows");
        assert_eq!(file_error(&vec![b'a'; MAX_BATCH_BYTES + 1]), "too_large");
    }

    #[test]
    fn exactly_the_limit_is_accepted() {
        let mut s = String::from("email\n");
        for i in 0..MAX_BATCH_ROWS {
            s.push_str(&format!("p{i}@example.org\n"));
        }
        assert_eq!(parse_csv(s.as_bytes()).unwrap().len(), MAX_BATCH_ROWS);
    }

    #[test]
    fn formulas_are_neutralised() {
        for (raw, safe) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("ada@example.org", "ada@example.org"),
        ] {
            assert_eq!(safe_cell(raw), safe);
        }
    }

    #[test]
    fn a_run_reads_the_file_a_chunk_at_a_time_and_resumes_at_its_row() {
        let mut csv = String::from("\u{feff}email;name\n");
        for i in 1..=7 {
            csv.push_str(&format!("p{i}@example.org;P {i}\n"));
            if i == 3 {
                csv.push_str(";\n"); // a blank record: row 4, skipped
            }
        }
        csv.push_str("p2@example.org;Again\n"); // row 9: a repeat of row 2
        let whole = parse_csv(csv.as_bytes()).unwrap();
        let mut reader = CsvRows::open(Bytes::from(csv.clone())).unwrap();
        let mut streamed = Vec::new();
        loop {
            let chunk = reader.take_rows(3).unwrap();
            if chunk.is_empty() {
                break;
            }
            assert!(chunk.len() <= 3);
            streamed.extend(chunk);
        }
        assert_eq!(streamed, whole);
        let rows: Vec<i64> = whole.iter().map(|r| r.row).collect();
        assert_eq!(rows, [1, 2, 3, 5, 6, 7, 8, 9]);
        assert_eq!(whole[7].check, Err("csv_duplicate_recipient"));
        // Resuming at row 4 (the blank one) starts at row 5; the rows before
        // are still read, so the repeat at the end is still found.
        let mut reader = CsvRows::open(Bytes::from(csv)).unwrap();
        let first = reader.skip_to(4).unwrap().unwrap();
        assert_eq!((first.row, first.name.as_deref()), (5, Some("P 4")));
        let rest = reader.take_rows(100).unwrap();
        assert_eq!(rest.len(), 4);
        assert_eq!(rest[3].check, Err("csv_duplicate_recipient"));
        assert!(reader.next_row().unwrap().is_none());
    }
}
