//! The server over HTTP: a real server on port 0 with a fresh database
//! (SQLite always, PostgreSQL too: required under CI), driven by a small
//! cookie-keeping client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod account_security;
mod api;
mod authz;
mod automation;
mod automation_pages;
mod backpack;
mod backup;
mod badges;
mod client;
mod data;
mod flows;
mod health;
mod issuing;
mod jobs;
mod notes;
mod s3;
mod security;
mod security_web;

use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use backpack_server::app::Server;
use backpack_server::config::{Config, Overrides};
use backpack_testkit::{FixedClock, PgDatabase};

pub use client::Client;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A running server and what it owns.
pub struct TestServer {
    pub url: String,
    pub data_dir: PathBuf,
    pub config: Config,
    /// Asks the server's thread to run every due job now.
    jobs: tokio::sync::mpsc::UnboundedSender<mpsc::Sender<usize>>,
    /// Jobs run only when the test runs them.
    manual: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _pg: Option<PgDatabase>,
}

/// A small real PNG (the badge artwork in `assets/`).
pub fn sample_png() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/badge.png"
    ))
    .unwrap()
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bp-{tag}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

impl TestServer {
    /// A fresh server; `None` when PostgreSQL is asked for but absent (outside CI).
    pub fn start(db: Db) -> Option<TestServer> {
        Self::start_with(db, &[])
    }

    /// With extra `BACKPACK_*` settings.
    pub fn start_with(db: Db, env: &[(&str, &str)]) -> Option<TestServer> {
        let data_dir = temp_dir("srv");
        let pg = match db {
            Db::Sqlite => None,
            Db::Postgres => Some(runtime().block_on(PgDatabase::create())?),
        };
        Some(Self::start_in(data_dir, pg, env))
    }

    /// A fresh SQLite server on a clock that stands still until the test
    /// moves it, whose jobs run only when the test says
    /// ([`TestServer::run_jobs_until_idle`]): nothing happens in the
    /// background, so nothing needs waiting for.
    pub fn start_manual() -> (TestServer, Arc<FixedClock>) {
        #[allow(clippy::disallowed_methods)] // the test clock starts at the real time
        let clock = FixedClock::at(time::OffsetDateTime::now_utc());
        let s = Self::launch(temp_dir("srv"), None, &[], Some(clock.clone()));
        (s, clock)
    }

    pub fn start_in(data_dir: PathBuf, pg: Option<PgDatabase>, env: &[(&str, &str)]) -> TestServer {
        Self::launch(data_dir, pg, env, None)
    }

    fn launch(
        data_dir: PathBuf,
        pg: Option<PgDatabase>,
        env: &[(&str, &str)],
        manual: Option<Arc<FixedClock>>,
    ) -> TestServer {
        let manual_jobs = manual.is_some();
        let overrides = Overrides {
            data_dir: Some(data_dir.clone()),
            listen: Some("127.0.0.1:0".into()),
            database_url: pg.as_ref().map(|p| p.url.clone()),
            public_url: None,
        };
        let mut env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        // Tests run offline unless they ask (`badges::online_*` does).
        if !env
            .iter()
            .any(|(k, _)| k == "BACKPACK_VERIFICATION__ONLINE")
        {
            env.push(("BACKPACK_VERIFICATION__ONLINE".into(), "false".into()));
        }
        let config = Config::load(None, env, &overrides).unwrap();
        let (tx, rx) = mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (jobs_tx, mut jobs_rx) = tokio::sync::mpsc::unbounded_channel::<mpsc::Sender<usize>>();
        let cfg = config.clone();
        let thread = std::thread::spawn(move || {
            let rt = runtime();
            rt.block_on(async move {
                let mut server = match manual {
                    Some(clock) => Server::bind_with_clock(cfg, clock).await.unwrap(),
                    None => Server::bind(cfg).await.unwrap(),
                };
                if manual_jobs {
                    server.background_jobs = false;
                }
                // The test's "run the jobs now", run here on the server's runtime.
                let runner = server.app.jobs.clone();
                tokio::spawn(async move {
                    while let Some(reply) = jobs_rx.recv().await {
                        let ran = runner.run_until_idle().await.unwrap();
                        let _ = reply.send(ran);
                    }
                });
                tx.send(server.public_url.clone()).unwrap();
                server
                    .run(async move {
                        let _ = stop_rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let url = rx.recv().unwrap();
        TestServer {
            url,
            data_dir,
            config,
            jobs: jobs_tx,
            manual: manual_jobs,
            stop: Some(stop_tx),
            thread: Some(thread),
            _pg: pg,
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// Register an account through the pages, confirm its address through
    /// the mailed link, log in and return the signed-in client.
    pub fn register(&self, name: &str, email: &str, password: &str) -> Client {
        let mut c = self.client();
        c.get("/register");
        let r = c.post_form(
            "/register",
            &[
                ("display_name", name),
                ("email", email),
                ("password", password),
            ],
        );
        assert_eq!(
            (r.status, r.location()),
            (303, "/login?done=check_mail"),
            "{}",
            r.body
        );
        assert!(c.session().is_none(), "registering does not sign in");
        let token = self.mailed_token(&email.to_lowercase(), "/confirm-email");
        c.get(&format!("/confirm-email?token={token}"));
        let r = c.post_form("/confirm-email", &[("token", &token)]);
        assert_eq!(
            (r.status, r.location()),
            (303, "/login?done=email_confirmed"),
            "{}",
            r.body
        );
        c.get("/login");
        let r = c.post_form("/login", &[("email", email), ("password", password)]);
        assert_eq!(r.status, 303, "login after confirming: {}", r.body);
        c
    }

    /// Run every due job now, and the jobs they queue, on the server's own
    /// runner; returns how many ran. With [`TestServer::start_manual`]
    /// this is the only way jobs run.
    pub fn run_jobs_until_idle(&self) -> usize {
        let (tx, rx) = mpsc::channel();
        self.jobs.send(tx).unwrap();
        rx.recv().unwrap()
    }

    /// Wait (at most 15 s) until the server's job runner has run every
    /// queued job (mail, deliveries, batches, stacking), none left failed.
    pub fn wait_for_jobs(&self) {
        self.wait_for_jobs_within(15);
    }

    /// The same, waiting at most `secs` seconds.
    pub fn wait_for_jobs_within(&self, secs: u64) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let store = rt
            .block_on(backpack_server::app::open_store(&self.config))
            .unwrap();
        for _ in 0..secs * 50 {
            use backpack_domain::ports::Clock;
            let now = backpack_server::app::SystemClock.unix();
            let counts = rt.block_on(store.job_counts(now)).unwrap();
            assert_eq!(counts.failed, 0, "a job failed");
            if counts.queued + counts.running == 0 {
                return;
            }
            rt.block_on(async { tokio::time::sleep(std::time::Duration::from_millis(20)).await });
        }
        panic!("the job runner did not finish its jobs within {secs} s");
    }

    pub fn login(&self, email: &str, password: &str) -> Client {
        let mut c = self.client();
        c.get("/login");
        let r = c.post_form("/login", &[("email", email), ("password", password)]);
        assert_eq!(r.status, 303, "login failed: {}", r.body);
        c
    }

    /// Every mail sent to `to`, decoded, oldest first: (subject, text).
    /// Waits for the outbox to deliver first.
    pub fn mails(&self, to: &str) -> Vec<(String, String)> {
        if self.manual {
            self.run_jobs_until_idle();
        } else {
            self.wait_for_jobs();
        }
        let dir = self.data_dir.join("mail");
        let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let p = e.ok()?.path();
                let text = std::fs::read_to_string(&p).ok()?;
                let modified = std::fs::metadata(&p).ok()?.modified().ok()?;
                text.contains(&format!("To: {to}"))
                    .then_some((modified, text))
            })
            .collect();
        found.sort_by_key(|(m, _)| *m);
        found
            .iter()
            .map(|(_, raw)| client::decode_mail(raw))
            .collect()
    }

    /// The token in the newest mail to `to` with a link to `path`
    /// (`/reset-password`, `/confirm-email`).
    pub fn mailed_token(&self, to: &str, path: &str) -> String {
        let marker = format!("{path}?token=");
        let mails = self.mails(to);
        let (_, text) = mails
            .iter()
            .rev()
            .find(|(_, t)| t.contains(&marker))
            .unwrap_or_else(|| panic!("no mail to {to} with a {path} link"));
        let start = text.find(&marker).unwrap_or(0) + marker.len();
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    /// Give the account with this address a credential "issued by this
    /// portal" (area 3), as the issuing service will, through the domain.
    pub fn give_portal_credential(&self, address: &str, bytes: Vec<u8>) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let app = backpack_server::app::App::open(self.config.clone(), &self.url)
                .await
                .unwrap();
            let user = app
                .store
                .find_user_by_login(address)
                .await
                .unwrap()
                .unwrap();
            match app
                .badges
                .receive_portal(&user, "portal.json", bytes.into())
                .await
                .unwrap()
            {
                backpack_domain::badges::Imported::New(b) => b.id.to_string(),
                backpack_domain::badges::Imported::Existing(b) => b.id.to_string(),
            }
        })
    }

    /// Every table of the server's database, read directly.
    pub fn database_dump(&self) -> Vec<backpack_domain::backup::TableDump> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let store = rt
            .block_on(backpack_server::app::open_store(&self.config))
            .unwrap();
        rt.block_on(store.export_all()).unwrap()
    }

    /// Stop the server (as SIGTERM does) and keep its data folder and
    /// database, to start another server on them.
    pub fn stop_keeping(mut self) -> (PathBuf, Option<PgDatabase>) {
        self.shutdown();
        (self.data_dir.clone(), self._pg.take())
    }

    pub fn stop(mut self) -> PathBuf {
        self.shutdown();
        self.data_dir.clone()
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Run a test body against every database.
#[macro_export]
macro_rules! on_every_db {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                if let Some(s) = $crate::TestServer::start($crate::Db::Sqlite) {
                    ($body)(s);
                }
            }
            #[test]
            fn postgres() {
                if let Some(s) = $crate::TestServer::start($crate::Db::Postgres) {
                    ($body)(s);
                }
            }
        }
    };
}
