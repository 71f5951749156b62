//! Several servers on one PostgreSQL database and one S3 bucket (moto), as
//! an operator runs them: real `backpack serve` processes with the same
//! key-encryption key and one mail relay (a shared mail folder).
//!
//! - A batch runs on server A while server B takes xAPI awards at a steady
//!   rate: neither waits on the other (no pause over 2 s in the batch, no
//!   xAPI answer over 2 s); SIGTERM on A hands its batch to B within
//!   seconds; every credential is made once and every recipient gets one
//!   mail.
//! - A server given another key-encryption key refuses to start, and says
//!   why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backpack_testkit::{Moto, PgDatabase};

use crate::issuing::{basic, eu_achievement, progress, Server};

const KEK: &str = "4b1d0c5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c";
const DEMO_ACTIVITY: &str = "https://lms.demo.backpack.test/courses/data-literacy";

/// What every server of the cluster shares.
struct Cluster {
    root: PathBuf,
    mail: PathBuf,
    pg: PgDatabase,
    moto: Moto,
}

impl Cluster {
    fn new(name: &str) -> Option<Cluster> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let pg = rt.block_on(PgDatabase::create())?;
        let moto = Moto::start()?;
        moto.create_bucket("cluster");
        let root = std::env::temp_dir().join(format!("bp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let mail = root.join("mail");
        std::fs::create_dir_all(&mail).unwrap();
        Some(Cluster {
            root,
            mail,
            pg,
            moto,
        })
    }

    fn env(&self, kek: &str) -> Vec<(&'static str, String)> {
        vec![
            ("BACKPACK_DATABASE_URL", self.pg.url.clone()),
            ("BACKPACK_STORAGE__KIND", "s3".into()),
            ("BACKPACK_STORAGE__BUCKET", "cluster".into()),
            ("BACKPACK_STORAGE__ENDPOINT", self.moto.endpoint.clone()),
            ("BACKPACK_STORAGE__ACCESS_KEY_ID", "test".into()),
            ("BACKPACK_STORAGE__SECRET_ACCESS_KEY", "test".into()),
            ("BACKPACK_STORAGE__ALLOW_HTTP", "true".into()),
            ("BACKPACK_ISSUING__KEY_ENCRYPTION_KEY", kek.into()),
            ("BACKPACK_MAIL__FOLDER", self.mail.display().to_string()),
            ("BACKPACK_ISSUING__BATCH_LEASE_SECS", "10".into()),
        ]
    }

    /// Start server `name` (its own data folder; port 0).
    fn start(&self, name: &str) -> Server {
        let env = self.env(KEK);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Server::start_in(self.root.join(name), 0, &env)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Mails in the shared folder, counted by recipient.
fn mails_by_recipient(dir: &Path) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        // A mail being written has no `To:` yet: counted next time.
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let Some(to) = text.lines().find_map(|l| l.strip_prefix("To: ")) else {
            continue;
        };
        let to = to.trim().trim_matches(|c| c == '<' || c == '>').to_owned();
        *out.entry(to).or_insert(0) += 1;
    }
    out
}

fn sigterm(s: &mut Server) -> Duration {
    let started = Instant::now();
    Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    s.child.wait().unwrap();
    started.elapsed()
}

#[test]
#[allow(clippy::disallowed_methods)] // polling real processes
fn two_servers_share_a_batch_and_xapi_awards_without_stalls_and_hand_over_on_sigterm() {
    const ROWS: usize = 6_000;
    let Some(cluster) = Cluster::new("cluster") else {
        return;
    };
    let mut a = cluster.start("a");
    let token = a.xapi_token.clone().expect("the demo's xAPI token");
    let password = a.passwords["issuer@demo.backpack.test"].clone();

    // The issuer's staff uploads and starts a batch on A.
    let mut staff = a.login("issuer@demo.backpack.test");
    let home = staff.get("/issuing").text();
    let issuer = home
        .split("href=\"/issuing/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let r = staff.post(
        &format!("/issuing/{issuer}/achievements"),
        &eu_achievement("Cluster course"),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let achievement = r.created_id();
    let mut csv = String::from("email,name\n");
    for i in 0..ROWS {
        csv.push_str(&format!("row{i}@cluster.example,Person {i}\n"));
    }
    let r = staff.upload(
        &format!("/issuing/{issuer}/batches"),
        &[("achievement_id", &achievement), ("format", "json")],
        "cluster.csv",
        csv.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let batch = r.created_id();
    let r = staff.post(&format!("/issuing/batches/{batch}/start"), &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    // A's runner took the batch at once (its own signal); B starts now, so
    // the batch is A's to hand over.
    let mut b = cluster.start("b");
    assert!(b.passwords.is_empty(), "the demo is made once");
    b.passwords
        .insert("issuer@demo.backpack.test".into(), password);

    // Meanwhile B takes an xAPI award every 100 ms.
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::<(usize, Duration)>::new()));
    let lrs = {
        let (stop, latencies) = (stop.clone(), latencies.clone());
        let mut client = b.client();
        let auth = basic(&token);
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let statement = serde_json::json!({
                    "id": uuid_like(n),
                    "actor": {"objectType": "Agent", "mbox": format!("mailto:xapi{n}@cluster.example")},
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
                    "object": {"objectType": "Activity", "id": DEMO_ACTIVITY},
                    "result": {"score": {"scaled": 0.9}, "success": true}
                })
                .to_string();
                let started = Instant::now();
                let r = client.post_json(
                    "/xapi/statements",
                    &[
                        ("X-Experience-API-Version", "1.0.3"),
                        ("Authorization", &auth),
                    ],
                    &statement,
                );
                let took = started.elapsed();
                assert_eq!(r.status, 200, "{}", r.text());
                assert_eq!(r.header("x-backpack-outcomes"), Some("awarded"));
                latencies.lock().unwrap().push((n, took));
                n += 1;
                std::thread::sleep(Duration::from_millis(100).saturating_sub(took));
            }
            n
        })
    };

    // Watch the batch from B: the longest time without progress, and hand
    // it over with SIGTERM on A once a third is issued.
    let mut watcher = b.login("issuer@demo.backpack.test");
    let started = Instant::now();
    let mut last = (0i64, Instant::now());
    let mut longest_pause = Duration::ZERO;
    // (when A was gone, how long its stop took, what it had issued)
    let mut stopped_a: Option<(Instant, Duration, i64)> = None;
    let mut handover: Option<Duration> = None;
    loop {
        let p = progress(&mut watcher, &batch);
        let issued = p["issued"].as_i64().unwrap();
        let now = Instant::now();
        if issued != last.0 {
            match stopped_a {
                // The first progress after A is gone is B's: the hand-over.
                Some((at, _, by_a)) if handover.is_none() && issued > by_a => {
                    handover = Some(now - at);
                }
                // Pauses while A stops are the hand-over's, measured above.
                Some((at, _, _)) if last.1 < at => {}
                _ => longest_pause = longest_pause.max(now - last.1),
            }
            last = (issued, now);
        }
        if p["state"] == "done" {
            break;
        }
        if stopped_a.is_none() && issued >= (ROWS / 3) as i64 {
            let took = sigterm(&mut a);
            let gone = Instant::now();
            let by_a = progress(&mut watcher, &batch)["issued"].as_i64().unwrap();
            assert!(by_a < ROWS as i64, "A finished the batch before its stop");
            stopped_a = Some((gone, took, by_a));
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the batch did not finish: {p}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    let batch_secs = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let statements = lrs.join().unwrap();
    let (_, stop_took, by_a) = stopped_a.expect("A was stopped mid-way");
    let handover = handover.expect("B went on with the batch");
    let slowest_xapi = latencies
        .lock()
        .unwrap()
        .iter()
        .map(|(_, d)| *d)
        .max()
        .unwrap_or_default();
    eprintln!(
        "cluster: {ROWS} rows in {batch_secs:.1} s; longest pause {:.2} s; \
         {statements} xAPI awards, slowest answer {:.2} s; SIGTERM stop {:.2} s, \
         hand-over {:.2} s (A issued {by_a}, B the rest)",
        longest_pause.as_secs_f64(),
        slowest_xapi.as_secs_f64(),
        stop_took.as_secs_f64(),
        handover.as_secs_f64(),
    );
    assert!(statements >= 10, "only {statements} xAPI awards were made");
    assert!(
        longest_pause < Duration::from_secs(2),
        "the batch paused {longest_pause:?}"
    );
    assert!(
        slowest_xapi < Duration::from_secs(2),
        "an xAPI award took {slowest_xapi:?}"
    );
    assert!(
        stop_took < Duration::from_secs(8),
        "SIGTERM took {stop_took:?}"
    );
    assert!(
        handover < Duration::from_secs(5),
        "B took the batch after {handover:?}"
    );

    // Every row once.
    let report = watcher
        .get(&format!("/issuing/batches/{batch}/report.csv"))
        .text();
    let lines: Vec<&str> = report.lines().skip(1).collect();
    assert_eq!(lines.len(), ROWS, "duplicates or gaps in the report");
    assert!(lines.iter().all(|l| l.split(',').nth(2) == Some("issued")));
    // Every recipient one mail (batch rows and xAPI learners alike): a
    // second credential would have been a second mail.
    let expected: usize = ROWS + statements;
    let waited = Instant::now();
    let mails = loop {
        let mails = mails_by_recipient(&cluster.mail);
        if mails.values().sum::<usize>() >= expected {
            // A moment more: nothing else may arrive.
            std::thread::sleep(Duration::from_secs(2));
            break mails_by_recipient(&cluster.mail);
        }
        assert!(
            waited.elapsed() < Duration::from_secs(300),
            "{} of {expected} mails",
            mails.values().sum::<usize>()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    for i in 0..ROWS {
        assert_eq!(
            mails.get(&format!("row{i}@cluster.example")),
            Some(&1),
            "row {i}"
        );
    }
    for n in 0..statements {
        assert_eq!(
            mails.get(&format!("xapi{n}@cluster.example")),
            Some(&1),
            "xAPI {n}"
        );
    }
    let twice: Vec<_> = mails
        .iter()
        .filter(|(to, n)| to.ends_with("@cluster.example") && **n > 1)
        .collect();
    assert!(twice.is_empty(), "mailed more than once: {twice:?}");
    drop(b);
}

/// A statement id for the n-th award (a UUID, as xAPI wants).
fn uuid_like(n: usize) -> String {
    format!("0c1e5a00-0000-4000-8000-{n:012}")
}

#[test]
fn a_server_with_another_key_encryption_key_refuses_to_start() {
    let Some(cluster) = Cluster::new("cluster-kek") else {
        return;
    };
    // The first server makes the demo issuer, whose key it seals.
    let first = cluster.start("first");
    drop(first);
    let other = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let out = Command::new(env!("CARGO_BIN_EXE_backpack"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(cluster.root.join("second"))
        .envs(cluster.env(other))
        .env("BACKPACK_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it started:\n{stderr}");
    assert!(
        stderr.contains("does not open the issuer keys"),
        "the message says why:\n{stderr}"
    );
    // Without any key (no setting, no key file) it refuses too, rather
    // than make a key of its own.
    let env: Vec<(&str, String)> = cluster
        .env(KEK)
        .into_iter()
        .filter(|(k, _)| *k != "BACKPACK_ISSUING__KEY_ENCRYPTION_KEY")
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_backpack"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(cluster.root.join("third"))
        .envs(env)
        .env("BACKPACK_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it started:\n{stderr}");
    assert!(stderr.contains("issuer-keys.secret is missing"), "{stderr}");
    assert!(
        !cluster.root.join("third/issuer-keys.secret").exists(),
        "no key of its own was made"
    );
}
