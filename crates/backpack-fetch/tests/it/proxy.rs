//! A proxy named in the environment is not used: through a proxy, the proxy
//! resolves the target, past the fetcher's address check. The check runs in
//! a child process of this test binary, so that the proxy variables are set
//! for it alone (not for the tests running beside it).

use backpack_fetch::{FetchError, Fetcher, Policy};
use std::io::Write;
use std::net::TcpListener;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const CHILD: &str = "BACKPACK_FETCH_PROXY_CHILD";

#[test]
fn proxy_environment_variables_are_ignored() {
    // The "proxy": a loopback listener that counts connections and answers
    // any CONNECT with success, so a proxied request would go through it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut s) = stream {
                let _ = s.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
            }
        }
    });
    let proxy = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", "proxy::in_child", "--ignored", "--nocapture"])
        .env(CHILD, "1")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    for var in [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ] {
        child.env(var, &proxy);
    }
    let out = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the request went to the proxy"
    );
}

/// Run by [`proxy_environment_variables_are_ignored`] with the proxy
/// variables set; does nothing when run any other way.
#[test]
#[ignore = "run in a child process by proxy_environment_variables_are_ignored"]
fn in_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // With the local-test flag the proxy's own (loopback) address would pass
    // the check; the target's (private) address must still be refused.
    let fetcher = Fetcher::with_resolver(
        Policy {
            allow_local_http: true,
            ..Policy::default()
        },
        |_| vec!["10.0.0.1".parse().unwrap()],
    );
    let err = fetcher
        .get_json("https://internal.example.org/did.json")
        .unwrap_err();
    assert!(matches!(err, FetchError::Refused { .. }), "{err:?}");
}
