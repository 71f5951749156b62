//! A hostile "public" server on loopback, reached with the local-test flag
//! on: redirects to refused places, slow, oversized and bad answers, and the
//! cache.

use crate::{expect_all, kind, Kind, Trap};
use backpack_fetch::{Fetcher, Policy};
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
enum Reply {
    /// A complete response, written at once.
    Raw(String),
    /// Headers, then one byte a second.
    SlowBody,
    /// One header byte a second.
    SlowHeaders,
    /// A JSON body of about `n` bytes with a true Content-Length.
    Big(usize),
    /// A body of `n` bytes, no Content-Length, ended by closing.
    BigUntilClose(usize),
    /// Content-Length says `declared`, `sent` bytes follow.
    Lying { declared: u64, sent: usize },
    /// A chunked body that never ends.
    EndlessChunks,
}

struct Server {
    port: u16,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

fn redirect(to: &str) -> Reply {
    Reply::Raw(format!(
        "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    ))
}

fn ok_json(body: &str) -> Reply {
    Reply::Raw(format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (r, h) = (routes.clone(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (r, h) = (r.clone(), h.clone());
                std::thread::spawn(move || serve(stream, &r, &h));
            }
        });
        Server { port, routes, hits }
    }

    fn route(&self, path: &str, reply: Reply) -> String {
        self.routes.lock().unwrap().insert(path.into(), reply);
        self.url(path)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

#[allow(clippy::disallowed_methods)] // the slow replies sleep
fn serve(
    mut stream: TcpStream,
    routes: &Mutex<HashMap<String, Reply>>,
    hits: &Mutex<HashMap<String, usize>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).unwrap_or(0) == 0 {
        return;
    }
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) <= 2 {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let reply = routes.lock().unwrap().get(&path).cloned();
    let head = |len: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{len}Connection: close\r\n\r\n"
        )
    };
    // Write errors mean the client hung up, as it should.
    let _ = match reply {
        None => stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        Some(Reply::Raw(r)) => stream.write_all(r.as_bytes()),
        Some(Reply::SlowBody) => (|| {
            stream.write_all(head("Content-Length: 30\r\n").as_bytes())?;
            for b in br#"{"slow":"aaaaaaaaaaaaaaaaaaa"}"# {
                stream.write_all(&[*b])?;
                std::thread::sleep(Duration::from_secs(1));
            }
            Ok(())
        })(),
        Some(Reply::SlowHeaders) => (|| {
            for b in head("Content-Length: 2\r\n").bytes() {
                stream.write_all(&[b])?;
                std::thread::sleep(Duration::from_secs(1));
            }
            stream.write_all(b"{}")
        })(),
        Some(Reply::Big(n)) => {
            let body = format!("{{\"a\":\"{}\"}}", "a".repeat(n));
            stream.write_all(
                format!(
                    "{}{body}",
                    head(&format!("Content-Length: {}\r\n", body.len()))
                )
                .as_bytes(),
            )
        }
        Some(Reply::BigUntilClose(n)) => (|| {
            stream.write_all(head("").as_bytes())?;
            stream.write_all(b"{\"a\":\"")?;
            stream.write_all(&vec![b'a'; n])?;
            stream.write_all(b"\"}")
        })(),
        Some(Reply::Lying { declared, sent }) => (|| {
            stream.write_all(head(&format!("Content-Length: {declared}\r\n")).as_bytes())?;
            stream.write_all(b"{\"a\":\"")?;
            stream.write_all(&vec![b'a'; sent])
        })(),
        Some(Reply::EndlessChunks) => (|| {
            stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            )?;
            let chunk = format!("2000\r\n{}\r\n", "a".repeat(0x2000));
            loop {
                stream.write_all(chunk.as_bytes())?;
            }
        })(),
    };
}

fn local_policy() -> Policy {
    Policy {
        allow_local_http: true,
        ..Policy::default()
    }
}

/// The server itself works: a positive control for the cases below.
#[test]
fn local_flag_allows_loopback_http_and_redirects_within_the_limit() {
    let server = Server::start();
    let fetcher = Fetcher::new(local_policy());
    let ok = server.route("/ok", ok_json(r#"{"ok":true}"#));
    assert_eq!(fetcher.get_json(&ok).unwrap(), json!({"ok": true}));
    server.route("/r1", redirect("/r2"));
    server.route("/r2", redirect("r3")); // relative to the directory
    server.route("/r3", redirect(&server.url("/ok?x=1")));
    server.route("/ok?x=1", ok_json(r#"{"three":"hops"}"#));
    assert_eq!(
        fetcher.get_json(&server.url("/r1")).unwrap(),
        json!({"three": "hops"})
    );
    let by_name = format!("http://localhost:{}/ok2", server.port);
    server.route("/ok2", ok_json("[1]"));
    assert_eq!(fetcher.get_json(&by_name).unwrap(), json!([1]));
    // Without the flag, the same server is out of reach.
    let strict = Fetcher::new(Policy::default());
    server.route("/strict", ok_json("{}"));
    let err = strict.get_json(&server.url("/strict")).unwrap_err();
    assert_eq!(kind(&err), Kind::Refused, "{err:?}");
    assert_eq!(server.hits("/strict"), 0);
}

#[test]
fn redirects_to_refused_places_are_refused() {
    let server = Server::start();
    let trap = Trap::start();
    let p = server.port;
    let t = trap.port;
    // Names looked up through the injected resolver: private answers.
    let fetcher = Fetcher::with_resolver(local_policy(), |host| match host {
        "internal.example.org" => vec!["10.0.0.1".parse().unwrap()],
        "loopback.example.org" => vec!["::ffff:127.0.0.1".parse().unwrap()],
        _ => vec![],
    });
    let targets: Vec<(&str, String)> = vec![
        ("private", "http://10.0.0.1/".into()),
        ("metadata", "http://169.254.169.254/latest/meta-data".into()),
        (
            "metadata https",
            "https://169.254.169.254/latest/meta-data".into(),
        ),
        ("file", "file:///etc/passwd".into()),
        ("data", "data:application/json,{}".into()),
        ("user-info", format!("http://user:pw@127.0.0.1:{p}/ok")),
        (
            "user-info hiding private",
            "https://example.org@10.0.0.1/".into(),
        ),
        ("mapped private", "https://[::ffff:10.0.0.1]/".into()),
        (
            "mapped loopback over http",
            format!("http://[::ffff:127.0.0.1]:{t}/"),
        ),
        ("hex loopback", format!("http://0x7f000001:{t}/")),
        ("scheme-relative private", "//10.0.0.1/x".into()),
        (
            "plain http to a public address",
            "http://93.184.216.34/".into(),
        ),
        (
            "name resolving to private",
            format!("https://internal.example.org:{t}/"),
        ),
        (
            "name resolving to mapped loopback",
            format!("https://loopback.example.org:{t}/"),
        ),
        ("gopher", format!("gopher://127.0.0.1:{t}/")),
    ];
    let mut cases = Vec::new();
    for (i, (name, to)) in targets.iter().enumerate() {
        let path = format!("/hostile/{i}");
        let url = server.route(&path, redirect(to));
        cases.push((*name, url, Kind::Refused));
    }
    expect_all(&fetcher, &cases);
    for (i, (name, _)) in targets.iter().enumerate() {
        // The first hop was served, nothing after it (a Location wrongly
        // read as a relative path would come back here).
        assert_eq!(server.hits(&format!("/hostile/{i}")), 1, "{name}");
    }
    assert_eq!(
        server.hits.lock().unwrap().len(),
        targets.len(),
        "no other path was requested"
    );
    assert_eq!(trap.hits(), 0);
}

#[test]
fn redirect_loops_and_long_chains_are_refused() {
    let server = Server::start();
    let fetcher = Fetcher::new(local_policy());
    let looping = server.route("/loop", redirect("/loop"));
    let err = fetcher.get_json(&looping).unwrap_err();
    assert_eq!(kind(&err), Kind::Refused, "{err:?}");
    // max_redirects (3) + the first request.
    assert_eq!(server.hits("/loop"), 4);
    let start = server.route("/h0", redirect("/h1"));
    for i in 1..=3 {
        server.route(&format!("/h{i}"), redirect(&format!("/h{}", i + 1)));
    }
    server.route("/h4", ok_json("{}"));
    let err = fetcher.get_json(&start).unwrap_err();
    assert_eq!(kind(&err), Kind::Refused, "{err:?}");
    assert_eq!(server.hits("/h4"), 0, "a fourth redirect was followed");
}

#[test]
fn slow_answers_fail_within_the_timeout() {
    let server = Server::start();
    let fetcher = Fetcher::new(Policy {
        timeout: Duration::from_secs(1),
        ..local_policy()
    });
    for path in ["/slow-body", "/slow-headers"] {
        let reply = if path == "/slow-body" {
            Reply::SlowBody
        } else {
            Reply::SlowHeaders
        };
        let url = server.route(path, reply);
        let started = Instant::now();
        let err = fetcher.get_json(&url).unwrap_err();
        assert_eq!(kind(&err), Kind::Failed, "{path}: {err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{path} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn oversized_bodies_are_refused() {
    let server = Server::start();
    let cap: u64 = 64 * 1024;
    let fetcher = Fetcher::new(Policy {
        max_bytes: cap,
        timeout: Duration::from_secs(5),
        ..local_policy()
    });
    let cases = vec![
        (
            "true Content-Length over the cap",
            server.route("/big", Reply::Big(4 * 1024 * 1024)),
            Kind::Failed,
        ),
        (
            "no Content-Length, body over the cap",
            server.route("/until-close", Reply::BigUntilClose(4 * 1024 * 1024)),
            Kind::Failed,
        ),
        (
            "Content-Length claims 1 TB",
            server.route(
                "/lying-huge",
                Reply::Lying {
                    declared: 1 << 40,
                    sent: 100,
                },
            ),
            Kind::Failed,
        ),
        (
            // Only the declared bytes are read: a truncated document.
            "Content-Length under the cap, body over it",
            server.route(
                "/lying-small",
                Reply::Lying {
                    declared: 1000,
                    sent: 4 * 1024 * 1024,
                },
            ),
            Kind::NotJson,
        ),
        (
            "endless chunked body",
            server.route("/chunks", Reply::EndlessChunks),
            Kind::Failed,
        ),
    ];
    let started = Instant::now();
    expect_all(&fetcher, &cases);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    // Just under the cap is fine.
    let fits = server.route("/fits", Reply::Big(cap as usize - 100));
    assert!(fetcher.get_json(&fits).is_ok());
}

#[test]
fn bad_answers_are_errors() {
    let server = Server::start();
    let fetcher = Fetcher::new(local_policy());
    let html = "<html>not json</html>";
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases = vec![
        (
            "not JSON",
            server.route(
                "/html",
                Reply::Raw(format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                    html.len()
                )),
            ),
            Kind::NotJson,
        ),
        ("too deep", server.route("/deep", ok_json(&deep)), Kind::NotJson),
        (
            "500",
            server.route(
                "/500",
                Reply::Raw(
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                        .into(),
                ),
            ),
            Kind::Status,
        ),
        ("404", server.url("/missing"), Kind::Status),
        (
            "redirect without Location",
            server.route(
                "/no-location",
                Reply::Raw("HTTP/1.1 302 Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()),
            ),
            Kind::Failed,
        ),
        (
            "not HTTP",
            server.route("/garbage", Reply::Raw("SSH-2.0-OpenSSH\r\n".into())),
            Kind::Failed,
        ),
    ];
    expect_all(&fetcher, &cases);
}

// The cache.

#[test]
#[allow(clippy::disallowed_methods)] // waits for the cache to expire
fn answers_are_cached_until_they_expire_and_errors_are_not() {
    let server = Server::start();
    let fetcher = Fetcher::new(Policy {
        cache_for: Duration::from_millis(200),
        ..local_policy()
    });
    let url = server.route("/cached", ok_json(r#"{"n":1}"#));
    assert_eq!(fetcher.get_json(&url).unwrap(), json!({"n": 1}));
    assert_eq!(fetcher.get_json(&url).unwrap(), json!({"n": 1}));
    assert_eq!(server.hits("/cached"), 1, "the second fetch was not cached");
    std::thread::sleep(Duration::from_millis(300));
    server.route("/cached", ok_json(r#"{"n":2}"#));
    assert_eq!(fetcher.get_json(&url).unwrap(), json!({"n": 2}));
    assert_eq!(server.hits("/cached"), 2, "the cache did not expire");

    let failing = server.route(
        "/failing",
        Reply::Raw("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()),
    );
    assert!(fetcher.get_json(&failing).is_err());
    assert!(fetcher.get_json(&failing).is_err());
    assert_eq!(server.hits("/failing"), 2, "an error was cached");
    server.route("/failing", ok_json("{}"));
    assert_eq!(fetcher.get_json(&failing).unwrap(), json!({}));
}
