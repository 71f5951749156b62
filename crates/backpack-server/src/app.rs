//! Open everything the configuration names and serve.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use backpack_blobs::{Blobs, S3Settings};
use backpack_domain::accounts::{Accounts, Policy};
use backpack_domain::backpack::Backpack;
use backpack_domain::badges::{Badges, OfflineCheck};
use backpack_domain::certificates::{Certificates, DocumentLimits};
use backpack_domain::health::{Health, HealthSettings};
use backpack_domain::issuing::{Issuing, IssuingSettings, LocalIssuers};
use backpack_domain::jobs::{JobRunner, RunnerSettings};
use backpack_domain::notes::Notes;
use backpack_domain::portfolio::Portfolios;
use backpack_domain::ports::{BlobStore, Clock, Notifier, Store};
use backpack_domain::values::{DisplayName, Email, Role};
use backpack_domain::DomainError;
use backpack_web::i18n::I18n;
use backpack_web::{AppState, Services, WebSettings};
use time::OffsetDateTime;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::mail::Mailer;

/// The wall clock: the one place the server reads the time.
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Everything a running server holds.
pub struct App {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub accounts: Arc<Accounts>,
    pub badges: Arc<Badges>,
    pub certificates: Arc<Certificates>,
    pub notes: Arc<Notes>,
    pub backpack: Arc<Backpack>,
    pub portfolios: Arc<Portfolios>,
    pub issuing: Arc<Issuing>,
    /// Runs the durable background jobs (mail, deliveries, batches,
    /// stacking) on this server.
    pub jobs: Arc<JobRunner>,
    /// This server's background probes of the database and file store.
    pub health: Arc<Health>,
    /// Where every service reads the time.
    pub clock: Arc<dyn Clock>,
    pub i18n: Arc<I18n>,
    pub mail: String,
}

pub fn open_blobs(config: &Config) -> Result<Arc<dyn BlobStore>, String> {
    Ok(match config.storage.kind.as_str() {
        "s3" => Arc::new(Blobs::s3(&S3Settings {
            bucket: config.storage.bucket.clone(),
            region: config.storage.region.clone(),
            endpoint: config.storage.endpoint.clone(),
            access_key_id: config.storage.access_key_id.clone(),
            secret_access_key: config.storage.secret_access_key.0.clone(),
            allow_http: config.storage.allow_http,
        })?),
        _ => Arc::new(Blobs::local(&config.files_dir())?),
    })
}

/// The key that seals issuers' private keys: from the configuration, or a
/// key file in the data folder, made once with mode 0600.
///
/// `stored_keys`: the database already holds sealed issuer keys. Then a
/// missing key file is an error (a new key could not open them), not a
/// reason to make one.
pub fn open_vault(
    config: &Config,
    stored_keys: bool,
) -> Result<backpack_crypto::secretbox::SecretBox, String> {
    use backpack_crypto::secretbox::SecretBox;
    if let Some(k) = &config.issuing.key_encryption_key {
        return SecretBox::from_hex(&k.0)
            .map_err(|e| format!("key `issuing.key_encryption_key`: {e}"));
    }
    let path = config.data_dir.join("issuer-keys.secret");
    match std::fs::read_to_string(&path) {
        Ok(text) => SecretBox::from_hex(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && stored_keys => Err(format!(
            "{} is missing, but the database holds issuer keys sealed with a key-encryption key: \
             give this server the same key as the others (set `issuing.key_encryption_key`, \
             or copy the first server's issuer-keys.secret here)",
            path.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                format!(
                    "cannot create the data folder {}: {e}",
                    config.data_dir.display()
                )
            })?;
            let hex = backpack_domain::tokens::hex(&{
                let mut k = [0u8; 32];
                rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut k);
                k
            });
            write_secret_file(&path, &hex)?;
            tracing::warn!(
                path = %path.display(),
                "made a key that seals issuers' signing keys; back it up, or set issuing.key_encryption_key"
            );
            SecretBox::from_hex(&hex).map_err(|e| e.to_string())
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn write_secret_file(path: &std::path::Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, String> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            format!(
                "cannot create the data folder {}: {e}",
                config.data_dir.display()
            )
        })?;
    }
    let url = config.database_url();
    backpack_store::connect(&url)
        .await
        .map_err(|e| format!("database {}: {e}", backpack_store::redact_url(&url)))
}

impl App {
    /// Open the store (running migrations), the blob store and the mailer.
    /// `public_url` is what links in mail point to.
    pub async fn open(config: Config, public_url: &str) -> Result<App, String> {
        Self::open_with_clock(config, public_url, Arc::new(SystemClock)).await
    }

    /// The same, with every service reading the time from `clock` (tests
    /// use a clock they move by hand).
    pub async fn open_with_clock(
        config: Config,
        public_url: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<App, String> {
        let store = open_store(&config).await?;
        let blobs = open_blobs(&config)?;
        let i18n = Arc::new(I18n::load()?);
        let mailer = match config.mail.transport.as_str() {
            "smtp" => Mailer::smtp(
                &config.mail.smtp_url.0,
                &config.mail.from,
                public_url,
                i18n.clone(),
            )?,
            _ => Mailer::folder(
                config.mail_dir(),
                &config.mail.from,
                public_url,
                i18n.clone(),
            )?,
        };
        let mail = mailer.describe();
        let notifier: Arc<dyn Notifier> = Arc::new(mailer);
        let stored_keys = store
            .newest_issuer_key()
            .await
            .map_err(|e| format!("database: {e}"))?
            .is_some();
        let vault = open_vault(&config, stored_keys)?;
        if store.backend() == "postgres" && config.storage.kind != "s3" {
            tracing::warn!(
                files = %config.files_dir().display(),
                "PostgreSQL with local file storage: uploads, images and batch files are kept \
                 on this server's disk only. With several servers on this database, set \
                 storage.kind = \"s3\" (docs/operations.md, \"Several servers\")"
            );
        }
        let policy = Policy {
            login_attempts: config.auth.login_attempts,
            account_attempts: config.auth.login_attempts * 4,
            login_window_secs: config.auth.login_window_secs,
            mails_per_address: config.auth.mails_per_address_per_hour,
            mails_per_client: config.auth.mails_per_client_per_hour,
            session_ttl_secs: config.auth.session_ttl_hours * 3600,
            max_upload_bytes: config.max_upload_bytes,
            ..Policy::default()
        };
        let grace = policy.blob_grace_secs;
        let signal = backpack_domain::jobs::JobSignal::new();
        let accounts = Arc::new(Accounts::new(
            store.clone(),
            blobs.clone(),
            signal.clone(),
            clock.clone(),
            policy,
        ));
        let check: Arc<dyn backpack_domain::badges::CredentialCheck> = if config.verification.online
        {
            Arc::new(crate::checks::OnlineCheck::new(
                config.verification.timeout_secs,
                config.verification.allow_local_http,
            ))
        } else {
            Arc::new(OfflineCheck)
        };
        let badges = Arc::new(
            Badges::new(store.clone(), blobs.clone(), check, clock.clone(), grace)
                .with_local_issuers(Arc::new(LocalIssuers::new(store.clone(), public_url))),
        );
        let issuing = Arc::new(Issuing::new(
            store.clone(),
            blobs.clone(),
            clock.clone(),
            badges.clone(),
            IssuingSettings {
                public_url: public_url.to_owned(),
                vault,
                batch_lease_secs: config.issuing.batch_lease_secs,
            },
            signal.clone(),
        ));
        match issuing.issuers.vault_opens_stored_keys().await {
            Ok(true) => tracing::info!("the key-encryption key opens the stored issuer keys"),
            Ok(false) => {}
            Err(DomainError::Internal(m)) => return Err(m),
            Err(e) => return Err(format!("checking the key-encryption key: {e}")),
        }
        let health = Arc::new(Health::new(
            store.clone(),
            blobs.clone(),
            clock.clone(),
            HealthSettings::default(),
        ));
        // Known before the first request: `/healthz` answers from it.
        health.probe_all().await;
        let jobs = Arc::new(JobRunner::new(
            store.clone(),
            clock.clone(),
            notifier,
            issuing.clone(),
            signal,
            RunnerSettings {
                lease_secs: i64::try_from(config.issuing.batch_lease_secs)
                    .unwrap_or(60)
                    .max(10),
                ..RunnerSettings::default()
            },
            &node_name(),
        ));
        // Reading an upload is CPU work on a blocking thread: one per core
        // at most, two seconds each at most.
        let documents = DocumentLimits {
            concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            deadline: Duration::from_secs(2),
        };
        let certificates = Arc::new(
            Certificates::new(
                store.clone(),
                blobs.clone(),
                clock.clone(),
                config.max_upload_bytes,
                grace,
            )
            .with_document_limits(documents),
        );
        let notes = Arc::new(Notes::new(
            store.clone(),
            blobs.clone(),
            clock.clone(),
            config.max_upload_bytes,
            grace,
        ));
        let backpack = Arc::new(Backpack::new(store.clone(), clock.clone()));
        let portfolios = Arc::new(Portfolios::new(store.clone(), clock.clone()));
        Ok(App {
            config,
            store,
            blobs,
            accounts,
            badges,
            certificates,
            notes,
            backpack,
            portfolios,
            issuing,
            jobs,
            health,
            clock,
            i18n,
            mail,
        })
    }

    pub fn router(&self, public_url: &str) -> axum::Router {
        self.routers(public_url).0
    }

    /// The application's router and, when `metrics.listen` is set, the
    /// router of the metrics listener (then `/metrics` is only there).
    pub fn routers(&self, public_url: &str) -> (axum::Router, Option<axum::Router>) {
        let settings = WebSettings {
            public_url: public_url.to_owned(),
            cookie_secure: self.config.cookie_secure,
            max_form_bytes: 64 * 1024,
            client_ip_header: self.config.client_ip_header.clone(),
            metrics_on_main: self.config.metrics.listen.is_none(),
        };
        let services = Services {
            accounts: self.accounts.clone(),
            badges: self.badges.clone(),
            certificates: self.certificates.clone(),
            notes: self.notes.clone(),
            backpack: self.backpack.clone(),
            portfolios: self.portfolios.clone(),
            issuing: self.issuing.clone(),
            health: self.health.clone(),
        };
        let st = AppState::new(services, self.i18n.clone(), settings);
        let metrics = self
            .config
            .metrics
            .listen
            .is_some()
            .then(|| backpack_web::metrics_router(st.clone()));
        (
            backpack_web::router(st, self.config.max_upload_bytes),
            metrics,
        )
    }

    /// Create the demo accounts that do not exist yet; returns
    /// (role, address, password) for each one created now, and the demo
    /// issuer's xAPI token when it was made now.
    pub async fn seed_demo(&self) -> Result<DemoSeed, String> {
        let mut created = Vec::new();
        let mut xapi_token = None;
        for (role, address, name) in [
            (Role::Learner, "learner@demo.backpack.test", "Lea Learner"),
            (Role::IssuerStaff, "issuer@demo.backpack.test", "Ian Issuer"),
            (Role::Admin, "admin@demo.backpack.test", "Ada Admin"),
        ] {
            if self
                .store
                .find_user_by_login(address)
                .await
                .map_err(|e| e.to_string())?
                .is_some()
            {
                continue;
            }
            let password = demo_password();
            let email = Email::parse("email", address).map_err(|e| e.code.to_owned())?;
            let name = DisplayName::parse("name", name).map_err(|e| e.code.to_owned())?;
            let user = self
                .accounts
                .create_account(&email, &password, &name, role, None, true)
                .await
                .map_err(|e| e.to_string())?;
            if role == Role::Learner {
                crate::demo::fill_learner(self, &user, address, self.clock.now()).await?;
            }
            if role == Role::IssuerStaff {
                xapi_token = Some(
                    crate::demo::fill_issuer(self, &user, "learner@demo.backpack.test").await?,
                );
            }
            created.push((role, address.to_owned(), password));
        }
        Ok(DemoSeed {
            accounts: created,
            xapi_token,
        })
    }
}

/// What `seed_demo` made.
#[derive(Debug, Clone, Default)]
pub struct DemoSeed {
    /// (role, address, password) of each account made now.
    pub accounts: Vec<(Role, String, String)>,
    /// The demo issuer's xAPI token, when made now (shown once).
    pub xapi_token: Option<String>,
}

/// A readable random password: four groups of five letters and digits.
fn demo_password() -> String {
    let t = backpack_domain::tokens::random_token();
    let clean: String = t
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(20)
        .collect();
    clean
        .as_bytes()
        .chunks(5)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A bound server, ready to run.
pub struct Server {
    pub app: App,
    pub listener: TcpListener,
    pub addr: SocketAddr,
    pub public_url: String,
    /// The listener of `/metrics` alone, when `metrics.listen` is set.
    pub metrics_listener: Option<TcpListener>,
    /// Run the job runner in the background (true unless a test runs the
    /// jobs itself, with `app.jobs.run_until_idle()`).
    pub background_jobs: bool,
}

impl Server {
    /// Open everything and bind the listening socket (port 0 picks a free one).
    pub async fn bind(config: Config) -> Result<Server, String> {
        Self::bind_with_clock(config, Arc::new(SystemClock)).await
    }

    /// The same, reading the time from `clock`.
    pub async fn bind_with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<Server, String> {
        let listener = TcpListener::bind(&config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let metrics_listener = match &config.metrics.listen {
            Some(m) => Some(
                TcpListener::bind(m)
                    .await
                    .map_err(|e| format!("cannot listen on {m} (metrics.listen): {e}"))?,
            ),
            None => None,
        };
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let app = App::open_with_clock(config, &public_url, clock).await?;
        Ok(Server {
            app,
            listener,
            addr,
            public_url,
            metrics_listener,
            background_jobs: true,
        })
    }

    /// Serve until `shutdown` resolves, then finish the requests in flight
    /// (documents being read are told to stop at once, so those requests
    /// end quickly). Expired sessions and deleted files' bytes are swept
    /// every ten minutes.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let (router, metrics_router) = self.app.routers(&self.public_url);
        // `/metrics` on its own listener, when configured: stops with the server.
        let metrics = match (self.metrics_listener, metrics_router) {
            (Some(l), Some(r)) => Some(tokio::spawn(async move {
                if let Err(e) = axum::serve(l, r).await {
                    tracing::error!(error = %e, "the metrics listener failed");
                }
            })),
            _ => None,
        };
        let certificates = self.app.certificates.clone();
        let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
        let runner = self.app.jobs.clone();
        let shutdown = async move {
            shutdown.await;
            certificates.stop_document_work();
            // Jobs stop taking work now, in parallel with the requests.
            runner.stop();
            let _ = stopping.send(());
        };
        let probes = tokio::spawn(self.app.health.clone().run());
        let accounts = self.app.accounts.clone();
        let sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(600));
            loop {
                tick.tick().await;
                match accounts.sweep().await {
                    Ok(n) if n > 0 => tracing::info!(deleted_blobs = n, "sweep"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "sweep failed"),
                }
            }
        });
        // Batches started before jobs existed get theirs (once).
        match self.app.issuing.batches.resume_batches().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(batches = n, "running batches are queued"),
            Err(e) => tracing::warn!(error = %e, "queueing running batches failed"),
        }
        // One runner takes the durable jobs (mail, deliveries, batches,
        // stacking) shared by every server on the database.
        let runner = self.app.jobs.clone();
        let jobs = if self.background_jobs {
            tokio::spawn(runner.run())
        } else {
            tokio::spawn(async {})
        };
        let serve = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown);
        // Requests still in flight (a slow client, a stuck call) get a few
        // seconds after the signal, not forever.
        let grace = async move {
            if stopped.await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        let result = tokio::select! {
            r = serve => r.map_err(|e| e.to_string()),
            () = grace => {
                tracing::warn!(
                    grace_secs = SHUTDOWN_GRACE.as_secs(),
                    "requests still in flight after the grace period: stopping anyway"
                );
                Ok(())
            }
        };
        sweeper.abort();
        probes.abort();
        // Jobs: stop taking new ones (already asked at the signal), let
        // running ones reach a safe point, give back the rest.
        self.app.jobs.stop();
        if tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_secs(2), jobs)
            .await
            .is_err()
        {
            tracing::warn!("the job runner did not stop in time; its leases will end");
        }
        if let Some(m) = metrics {
            m.abort();
        }
        result
    }
}

/// This server's name in job leases and logs: the host name and process id.
fn node_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "backpack".into());
    format!("{host}:{}", std::process::id())
}

/// How long a stopping server waits for the requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is
/// called (not when first polled), so a signal that arrives while the server
/// is still starting is not lost.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = int.recv() => {},
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
            tracing::info!("shutting down: finishing requests in flight");
        }
    }
    #[cfg(not(unix))]
    async move {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    }
}
