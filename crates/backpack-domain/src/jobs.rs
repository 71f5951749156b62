//! Durable background jobs: the one way Backpack does work after a commit.
//!
//! A use case that causes background work (an issued credential to deliver
//! and announce, a batch to run, a stacking rule to apply, an account mail to
//! send) writes a [`Job`] **in the same transaction** as the rows that cause
//! it, through the store method that writes them. Nothing is lost on a crash
//! or a stop: the job is in the database with its cause, or neither is.
//!
//! [`JobRunner`] leases due jobs (any server sharing the database may take
//! any job; a lease that ends hands the job to another), runs them, deletes
//! them when done, retries a failed attempt later with a growing delay, and
//! after [`MAX_ATTEMPTS`] keeps the job as failed, with its error, for an
//! administrator to retry. A long job (a batch) has its lease extended while
//! it runs. Stopping a runner stops taking jobs, asks running ones to stop at
//! a safe point, and gives back the leases it holds, so another server
//! carries on at once.
//!
//! Every job is idempotent: delivering a credential twice keeps one copy,
//! stacking awards are keyed, a batch resumes from its next row. A mail in
//! flight when a server is killed may go out twice; no mail is lost.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::{watch, Notify};
use uuid::Uuid;

use crate::accounts::{decode_notification, encode_notification};
use crate::entities::{JobCounts, JobRecord, NewJob};
use crate::issuing::Issuing;
use crate::ports::{Clock, Notification, Notifier, Store};
use crate::{DomainError, UserId};

/// Attempts before a job gives up and waits for an administrator.
pub const MAX_ATTEMPTS: i64 = 12;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 3600;

/// What a job does, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Send a notification (account mail; an award's mail with its claim
    /// link).
    SendMail(Notification),
    /// Put an issued credential in its recipient's backpack, then award the
    /// stacked achievements it completes.
    DeliverCredential {
        credential_id: Uuid,
        user_id: UserId,
    },
    /// Award the stacked achievements a learner now holds every part of.
    CheckStacks {
        user_id: UserId,
        achievement_id: Uuid,
    },
    /// Award a new stacking rule to the learners who already qualify.
    ApplyStackRule { rule_id: Uuid },
    /// Issue a running CSV batch to its end.
    RunBatch { batch_id: Uuid },
}

impl Job {
    /// The `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::SendMail(_) => "send_mail",
            Job::DeliverCredential { .. } => "deliver_credential",
            Job::CheckStacks { .. } => "check_stacks",
            Job::ApplyStackRule { .. } => "apply_stack_rule",
            Job::RunBatch { .. } => "run_batch",
        }
    }

    /// The `payload` column (JSON).
    pub fn payload(&self) -> String {
        match self {
            Job::SendMail(n) => encode_notification(n),
            Job::DeliverCredential {
                credential_id,
                user_id,
            } => json!({"credential_id": credential_id, "user_id": user_id}).to_string(),
            Job::CheckStacks {
                user_id,
                achievement_id,
            } => json!({"user_id": user_id, "achievement_id": achievement_id}).to_string(),
            Job::ApplyStackRule { rule_id } => json!({ "rule_id": rule_id }).to_string(),
            Job::RunBatch { batch_id } => json!({ "batch_id": batch_id }).to_string(),
        }
    }

    /// The job a row holds; `None` when the kind is unknown or the payload
    /// unreadable (such a job fails at once, kept for the administrator).
    pub fn decode(kind: &str, payload: &str) -> Option<Job> {
        if kind == "send_mail" {
            return decode_notification(payload).map(Job::SendMail);
        }
        let v: serde_json::Value = serde_json::from_str(payload).ok()?;
        let id = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .and_then(|s| Uuid::parse_str(s).ok())
        };
        Some(match kind {
            "deliver_credential" => Job::DeliverCredential {
                credential_id: id("credential_id")?,
                user_id: UserId::from_uuid(id("user_id")?),
            },
            "check_stacks" => Job::CheckStacks {
                user_id: UserId::from_uuid(id("user_id")?),
                achievement_id: id("achievement_id")?,
            },
            "apply_stack_rule" => Job::ApplyStackRule {
                rule_id: id("rule_id")?,
            },
            "run_batch" => Job::RunBatch {
                batch_id: id("batch_id")?,
            },
            _ => return None,
        })
    }

    /// At most one such job queued at a time (mail has none: two mails
    /// are two mails).
    pub fn dedupe_key(&self) -> Option<String> {
        match self {
            Job::SendMail(_) => None,
            Job::DeliverCredential { credential_id, .. } => {
                Some(format!("deliver:{credential_id}"))
            }
            Job::CheckStacks {
                user_id,
                achievement_id,
            } => Some(format!("stacks:{user_id}:{achievement_id}")),
            Job::ApplyStackRule { rule_id } => Some(format!("stack-rule:{rule_id}")),
            Job::RunBatch { batch_id } => Some(format!("batch:{batch_id}")),
        }
    }

    /// The row to insert, due at `now`.
    pub fn queue(&self, now: i64) -> NewJob {
        NewJob {
            id: Uuid::new_v4(),
            kind: self.kind().to_owned(),
            payload: self.payload(),
            dedupe_key: self.dedupe_key(),
            run_at: now,
            created_at: now,
        }
    }
}

/// How a job's run ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Finished: the job is deleted.
    Done,
    /// Stopped at a safe point because the runner is stopping: the job is
    /// given back for any server to carry on.
    Interrupted,
}

/// Wakes the local runner when a job was queued (a hint only: runners also
/// poll, so a job queued on another server is found within a second).
#[derive(Debug, Default)]
pub struct JobSignal(Notify);

impl JobSignal {
    pub fn new() -> Arc<Self> {
        Arc::new(JobSignal(Notify::new()))
    }
    pub fn queued(&self) {
        self.0.notify_one();
    }
}

/// Runner settings.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// How long a lease lasts without a heartbeat (a killed server's jobs
    /// wait this long before another takes them).
    pub lease_secs: i64,
    /// Jobs one server runs at once (most wait on SMTP or the database,
    /// so more than the cores).
    pub concurrency: usize,
    /// How often the queue is polled when nothing woke the runner.
    pub poll: Duration,
    /// How long running jobs get to stop when the runner stops.
    pub stop_grace: Duration,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        RunnerSettings {
            lease_secs: 60,
            concurrency: 16,
            poll: Duration::from_secs(1),
            stop_grace: Duration::from_secs(3),
        }
    }
}

/// Runs the jobs of the shared queue on this server.
pub struct JobRunner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    notifier: Arc<dyn Notifier>,
    issuing: Arc<Issuing>,
    signal: Arc<JobSignal>,
    settings: RunnerSettings,
    /// This runner's name in `lease_owner`: unique per process.
    owner: String,
    stopping: watch::Sender<bool>,
}

impl JobRunner {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        notifier: Arc<dyn Notifier>,
        issuing: Arc<Issuing>,
        signal: Arc<JobSignal>,
        settings: RunnerSettings,
        node: &str,
    ) -> Self {
        JobRunner {
            store,
            clock,
            notifier,
            issuing,
            signal,
            settings,
            owner: format!("{node}/{}", Uuid::new_v4()),
            stopping: watch::Sender::new(false),
        }
    }

    /// The name this runner leases jobs under.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Queued, running and failed jobs.
    pub async fn counts(&self) -> Result<JobCounts, DomainError> {
        Ok(self.store.job_counts(self.clock.unix()).await?)
    }

    /// Run due jobs one after another until none is due (tests, the CLI).
    /// Jobs a job queues run too. Returns how many ran.
    pub async fn run_until_idle(&self) -> Result<usize, DomainError> {
        let mut ran = 0;
        loop {
            let now = self.clock.unix();
            let jobs = self
                .store
                .claim_jobs(&self.owner, now, now + self.settings.lease_secs, 50)
                .await?;
            if jobs.is_empty() {
                return Ok(ran);
            }
            let mut done = Vec::with_capacity(jobs.len());
            for j in jobs {
                if let Some(id) = self.run_one(j).await? {
                    done.push(id);
                }
                ran += 1;
            }
            self.store.jobs_done(&done, &self.owner).await?;
        }
    }

    /// Take and run jobs until [`JobRunner::stop`] is called; then give
    /// running jobs `stop_grace` to reach a safe point and release every
    /// lease this runner still holds.
    ///
    /// Jobs are taken in bites (as many as there are free places) and those
    /// that finished are deleted together, one statement for all that
    /// finished since the last look: a queue of a hundred thousand mails
    /// costs a few writes per bite, not two per mail. A job finished but
    /// not yet deleted when the server is killed runs again (the mail in
    /// flight of the module documentation).
    pub async fn run(self: Arc<Self>) {
        let mut stopping = self.stopping.subscribe();
        let mut running: tokio::task::JoinSet<Option<Uuid>> = tokio::task::JoinSet::new();
        let mut done: Vec<Uuid> = Vec::new();
        let heartbeat_every = Duration::from_secs((self.settings.lease_secs / 3).max(1) as u64);
        let mut heartbeat = tokio::time::interval(heartbeat_every);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Whether the last wake-up was only a job finishing: then places are
        // filled once a bite of them is free (a quarter of the runner).
        let mut woke_by_finish = false;
        let bite = (self.settings.concurrency / 4).max(1);
        loop {
            while let Some(finished) = running.try_join_next() {
                collect(finished, &mut done);
            }
            self.flush_done(&mut done).await;
            if *stopping.borrow() {
                break;
            }
            let free = self.settings.concurrency.saturating_sub(running.len());
            if free > 0 && (free >= bite || !woke_by_finish) {
                let now = self.clock.unix();
                match self
                    .store
                    .claim_jobs(
                        &self.owner,
                        now,
                        now + self.settings.lease_secs,
                        free as i64,
                    )
                    .await
                {
                    Ok(jobs) => {
                        for j in jobs {
                            let me = self.clone();
                            running.spawn(async move {
                                me.run_one(j).await.unwrap_or_else(|e| {
                                    tracing::warn!(error = %e, "recording a job's result failed; its lease will end");
                                    None
                                })
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "taking jobs failed"),
                }
            }
            woke_by_finish = false;
            tokio::select! {
                () = self.signal.0.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
                Some(finished) = running.join_next(), if !running.is_empty() => {
                    collect(finished, &mut done);
                    woke_by_finish = true;
                }
                _ = heartbeat.tick() => {
                    if !running.is_empty() {
                        let until = self.clock.unix() + self.settings.lease_secs;
                        if let Err(e) = self.store.extend_job_leases(&self.owner, until).await {
                            tracing::warn!(error = %e, "extending job leases failed");
                        }
                    }
                }
                _ = stopping.changed() => {}
            }
        }
        // Stopping: running jobs were told (the watch); give them a moment.
        let finish = async {
            while let Some(finished) = running.join_next().await {
                collect(finished, &mut done);
            }
        };
        if tokio::time::timeout(self.settings.stop_grace, finish)
            .await
            .is_err()
        {
            tracing::warn!("jobs still running after the grace period: their leases are released");
            running.abort_all();
        }
        // What finished is recorded before the rest is given back.
        self.flush_done(&mut done).await;
        match self.store.release_jobs(&self.owner).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "released jobs for another server to carry on"),
            Err(e) => tracing::warn!(error = %e, "releasing jobs failed; their leases will end"),
        }
    }

    /// Delete the jobs that finished (kept for the next look if the
    /// database does not answer: their leases stay until then).
    async fn flush_done(&self, done: &mut Vec<Uuid>) {
        if done.is_empty() {
            return;
        }
        match self.store.jobs_done(done, &self.owner).await {
            Ok(_) => done.clear(),
            Err(e) => {
                tracing::warn!(error = %e, jobs = done.len(), "recording finished jobs failed; trying again")
            }
        }
    }

    /// Ask [`JobRunner::run`] to stop (it returns once jobs are released).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// A receiver that turns true when the runner stops: long jobs check it
    /// at their safe points.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// Run one job and record a failure; returns the job's id when it is
    /// done (for the caller to delete with others).
    async fn run_one(&self, record: JobRecord) -> Result<Option<Uuid>, DomainError> {
        let Some(job) = Job::decode(&record.kind, &record.payload) else {
            tracing::error!(job = %record.id, kind = %record.kind, "a job cannot be read: kept as failed");
            self.store
                .job_failed(
                    record.id,
                    &self.owner,
                    self.clock.unix(),
                    "unreadable job (unknown kind or bad payload)",
                )
                .await?;
            return Ok(None);
        };
        let result = self.handle(&job).await;
        let now = self.clock.unix();
        match result {
            Ok(Outcome::Done) => return Ok(Some(record.id)),
            Ok(Outcome::Interrupted) => {
                // Given back by `release_jobs` when the runner stops.
            }
            Err(e) if record.attempts >= MAX_ATTEMPTS => {
                tracing::error!(job = %record.id, kind = job.kind(), attempts = record.attempts, error = %e, "a job gave up: an administrator can retry it");
                self.store
                    .job_failed(record.id, &self.owner, now, &e.to_string())
                    .await?;
            }
            Err(e) => {
                let wait = backoff_secs(record.attempts);
                tracing::warn!(job = %record.id, kind = job.kind(), attempts = record.attempts, retry_in_secs = wait, error = %e, "a job failed; it will be tried again");
                self.store
                    .job_retry_at(record.id, &self.owner, now + wait, &e.to_string())
                    .await?;
            }
        }
        Ok(None)
    }

    async fn handle(&self, job: &Job) -> Result<Outcome, DomainError> {
        match job {
            Job::SendMail(n) => {
                self.notifier
                    .notify(n.clone())
                    .await
                    .map_err(DomainError::Internal)?;
                Ok(Outcome::Done)
            }
            Job::DeliverCredential {
                credential_id,
                user_id,
            } => {
                self.issuing
                    .core
                    .deliver_job(*credential_id, *user_id)
                    .await?;
                Ok(Outcome::Done)
            }
            Job::CheckStacks {
                user_id,
                achievement_id,
            } => {
                self.issuing
                    .core
                    .award_stacks(&[(*user_id, *achievement_id)])
                    .await?;
                Ok(Outcome::Done)
            }
            Job::ApplyStackRule { rule_id } => {
                self.issuing.core.apply_stack_rule(*rule_id).await?;
                Ok(Outcome::Done)
            }
            Job::RunBatch { batch_id } => {
                let stopping = self.stopping.subscribe();
                self.issuing.batches.run_batch(*batch_id, &stopping).await
            }
        }
    }
}

/// Note a finished job task's done job (a panicked task's job keeps its
/// lease until it runs out, then runs again).
fn collect(finished: Result<Option<Uuid>, tokio::task::JoinError>, done: &mut Vec<Uuid>) {
    match finished {
        Ok(Some(id)) => done.push(id),
        Ok(None) => {}
        Err(e) if e.is_panic() => {
            tracing::error!("a job panicked; it will run again when its lease ends")
        }
        Err(_) => {}
    }
}

/// Seconds before the next attempt at a job that failed `attempts` times:
/// 30 s, 1 min, 2 min, … at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    (30i64 << exp).min(MAX_BACKOFF_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Locale;

    #[test]
    fn every_job_round_trips_through_its_row() {
        let id = Uuid::new_v4();
        let other = Uuid::new_v4();
        for job in [
            Job::SendMail(Notification::CredentialIssued {
                to: "ada@example.org".into(),
                locale: Locale::Fr,
                issuer: "Académie".into(),
                achievement: "Rust".into(),
                claim_token: Some("secret".into()),
            }),
            Job::DeliverCredential {
                credential_id: id,
                user_id: UserId::from_uuid(other),
            },
            Job::CheckStacks {
                user_id: UserId::from_uuid(id),
                achievement_id: other,
            },
            Job::ApplyStackRule { rule_id: id },
            Job::RunBatch { batch_id: id },
        ] {
            let row = job.queue(7);
            assert_eq!(row.kind, job.kind());
            assert_eq!(row.run_at, 7);
            assert_eq!(Job::decode(&row.kind, &row.payload), Some(job));
        }
    }

    #[test]
    fn unreadable_rows_are_refused() {
        assert_eq!(Job::decode("run_batch", "{}"), None);
        assert_eq!(Job::decode("run_batch", "not json"), None);
        assert_eq!(Job::decode("format_disk", "{}"), None);
        assert_eq!(
            Job::decode(
                "deliver_credential",
                r#"{"credential_id":"x","user_id":"y"}"#
            ),
            None
        );
        assert_eq!(Job::decode("send_mail", "{}"), None);
    }

    #[test]
    fn mail_is_never_deduplicated_but_work_on_one_thing_is() {
        let n = Notification::RegisterAttempt {
            to: "a@example.org".into(),
            locale: Locale::En,
        };
        assert_eq!(Job::SendMail(n).dedupe_key(), None);
        let id = Uuid::new_v4();
        assert_eq!(
            Job::RunBatch { batch_id: id }.dedupe_key(),
            Some(format!("batch:{id}"))
        );
    }

    #[test]
    fn backoff_grows_to_an_hour() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(3), 120);
        assert_eq!(backoff_secs(8), 3600);
        assert_eq!(backoff_secs(MAX_ATTEMPTS), 3600);
        assert_eq!(backoff_secs(0), 30);
        assert_eq!(backoff_secs(i64::MAX), 3600);
    }
}
