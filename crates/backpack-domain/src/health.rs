//! This server's view of what it depends on (the database and the file
//! store), probed in the background so that a health check answers at once
//! and never loads them: the database every half second, the file store
//! every few seconds (listing an S3 bucket on every probe made `/healthz`
//! slow and cost requests).
//!
//! A probe that does not answer within its timeout counts as a failure, and
//! a result older than [`HealthSettings::database_stale_after`] counts as
//! unknown (unhealthy): a lost database shows within about two seconds even
//! when its connections hang.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;

use crate::ports::{BlobStore, Clock, Store};

/// How often and how patiently to probe.
#[derive(Debug, Clone)]
pub struct HealthSettings {
    pub database_every: Duration,
    pub storage_every: Duration,
    /// One probe's longest wait.
    pub timeout: Duration,
    /// A database result older than this no longer counts as healthy.
    pub database_stale_after: Duration,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            database_every: Duration::from_millis(500),
            storage_every: Duration::from_secs(5),
            timeout: Duration::from_secs(1),
            database_stale_after: Duration::from_secs(2),
        }
    }
}

/// The last probes' results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthStatus {
    pub database: bool,
    pub storage: bool,
}

impl HealthStatus {
    pub fn ok(&self) -> bool {
        self.database && self.storage
    }
}

#[derive(Default)]
struct Probes {
    /// When the database last answered, if its last probe succeeded.
    database_ok_at: Option<OffsetDateTime>,
    /// When the file store last answered, if its last probe succeeded.
    storage_ok_at: Option<OffsetDateTime>,
}

/// Probes and remembers; cheap to read from any request.
pub struct Health {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    settings: HealthSettings,
    probes: Mutex<Probes>,
}

impl Health {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        settings: HealthSettings,
    ) -> Self {
        Self {
            store,
            blobs,
            clock,
            settings,
            probes: Mutex::new(Probes::default()),
        }
    }

    /// Probe the database once; logs a change of state.
    pub async fn probe_database(&self) {
        let mut pending = None;
        self.probe_database_keeping(&mut pending).await;
    }

    /// The ping runs as a task of its own, never cancelled: dropping a
    /// query half-way closes its connection (on SQLite, closing the last one
    /// checkpoints and removes the journal), so a slow answer is waited for
    /// in the next round (`pending`) instead of being cut off and asked again.
    async fn probe_database_keeping(
        &self,
        pending: &mut Option<tokio::task::JoinHandle<Result<(), crate::StoreError>>>,
    ) {
        let mut ping = match pending.take() {
            Some(ping) => ping,
            None => {
                let store = self.store.clone();
                tokio::spawn(async move { store.ping().await })
            }
        };
        let result = match tokio::time::timeout(self.settings.timeout, &mut ping).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(e.to_string()),
            Ok(Err(e)) => Err(format!("the probe failed: {e}")),
            Err(_) => {
                *pending = Some(ping);
                Err(format!("no answer within {:?}", self.settings.timeout))
            }
        };
        let now = self.clock.now();
        let mut p = self.probes.lock().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(()) => {
                if p.database_ok_at.is_none() {
                    tracing::info!("health: the database answers");
                }
                p.database_ok_at = Some(now);
            }
            Err(e) => {
                if p.database_ok_at.is_some() {
                    tracing::error!(error = %e, "health: the database does not answer");
                }
                p.database_ok_at = None;
            }
        }
    }

    /// Probe the file store once; logs a change of state.
    pub async fn probe_storage(&self) {
        let result = match tokio::time::timeout(self.settings.timeout * 3, self.blobs.ping()).await
        {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {:?}", self.settings.timeout * 3)),
        };
        let now = self.clock.now();
        let mut p = self.probes.lock().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(()) => {
                if p.storage_ok_at.is_none() {
                    tracing::info!("health: the file store answers");
                }
                p.storage_ok_at = Some(now);
            }
            Err(e) => {
                if p.storage_ok_at.is_some() {
                    tracing::error!(error = %e, "health: the file store does not answer");
                }
                p.storage_ok_at = None;
            }
        }
    }

    /// What the last probes found, judged now.
    pub fn status(&self) -> HealthStatus {
        let now = self.clock.now();
        let p = self.probes.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh =
            |at: Option<OffsetDateTime>, within: Duration| at.is_some_and(|at| now - at <= within);
        // Storage is probed less often: its result stays good for two
        // rounds and a timeout.
        let storage_within = self.settings.storage_every * 2 + self.settings.timeout * 3;
        HealthStatus {
            database: fresh(p.database_ok_at, self.settings.database_stale_after),
            storage: fresh(p.storage_ok_at, storage_within),
        }
    }

    /// Probe both now (at start, before the first request).
    pub async fn probe_all(&self) {
        tokio::join!(self.probe_database(), self.probe_storage());
    }

    /// Probe for ever, each on its own rhythm (the caller aborts the task
    /// at shutdown).
    pub async fn run(self: Arc<Self>) {
        let storage = {
            let this = self.clone();
            async move {
                let mut tick = tokio::time::interval(this.settings.storage_every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    this.probe_storage().await;
                }
            }
        };
        let database = async move {
            let mut tick = tokio::time::interval(self.settings.database_every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut pending = None;
            loop {
                tick.tick().await;
                self.probe_database_keeping(&mut pending).await;
            }
        };
        tokio::join!(storage, database);
    }
}
