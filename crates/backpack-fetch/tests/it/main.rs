//! Hostile URLs against the one outbound fetcher.
//!
//! Every case is aimed at a loopback listener that counts connections, so a
//! fetcher bug would actually connect (and be seen); the hostile "public"
//! server of the redirect, size, time and cache cases is a hand-written
//! HTTP/1.1 server on loopback, reached with the local-test flag on. Nothing
//! here touches the network: public names are never resolved (the cases are
//! refused before any look-up, or look names up with an injected resolver).
//!
//! - `matrix`: the hostile URL matrix (default policy) and names whose
//!   addresses are not public (injected resolver), DNS rebinding;
//! - `server`: redirects, slow, oversized and bad answers, and the cache,
//!   against a hostile server on loopback;
//! - `proxy`: proxy environment variables are ignored.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod matrix;
mod proxy;
mod server;

use backpack_fetch::{FetchError, Fetcher};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

// ---------------------------------------------------------------------------
// The trap: a loopback listener that records every connection.

pub struct Trap {
    pub port: u16,
    hits: Arc<AtomicUsize>,
    /// Whether `[::1]` is listened on too (with the same port).
    pub v6: bool,
}

impl Trap {
    pub fn start() -> Trap {
        let hits = Arc::new(AtomicUsize::new(0));
        let v4 = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = v4.local_addr().unwrap().port();
        let v6 = TcpListener::bind(("::1", port)).ok();
        let has_v6 = v6.is_some();
        for listener in std::iter::once(v4).chain(v6) {
            let hits = hits.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    hits.fetch_add(1, Ordering::SeqCst);
                    drop(stream);
                }
            });
        }
        Trap {
            port,
            hits,
            v6: has_v6,
        }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Refused,
    Failed,
    Status,
    NotJson,
}

pub fn kind(e: &FetchError) -> Kind {
    match e {
        FetchError::Refused { .. } => Kind::Refused,
        FetchError::Failed { .. } => Kind::Failed,
        FetchError::Status { .. } => Kind::Status,
        FetchError::NotJson { .. } => Kind::NotJson,
    }
}

/// Runs `cases` (name, URL, expected error) and fails with every mismatch.
pub fn expect_all(fetcher: &Fetcher, cases: &[(&str, String, Kind)]) {
    let mut wrong = Vec::new();
    for (name, url, want) in cases {
        match fetcher.get_json(url) {
            Ok(v) => wrong.push(format!("{name}: {url} was fetched: {v}")),
            Err(e) if kind(&e) != *want => {
                wrong.push(format!("{name}: {url}: expected {want:?}, got {e:?}"))
            }
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
