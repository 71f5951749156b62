//! A lost database, as a load balancer and a signed-in user see it: the
//! server reaches PostgreSQL through a TCP proxy the test cuts. `/healthz`
//! turns 503 within two seconds (it answers from background probes, never
//! waiting), pages answer a 503 page instead of sending the user to the
//! login page, and both recover when the database is back.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backpack_testkit::PgDatabase;

use crate::{runtime, temp_dir, TestServer};

/// Forwards connections to PostgreSQL until cut; while cut, new
/// connections are closed at once and open ones are reset.
struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (d, o) = (down.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if d.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                {
                    let mut o = o.lock().unwrap();
                    o.push(client.try_clone().unwrap());
                    o.push(server.try_clone().unwrap());
                }
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Proxy { port, down, open }
    }

    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

#[test]
#[allow(clippy::disallowed_methods)] // polling a real server
fn a_lost_database_shows_as_503_within_two_seconds_and_pages_do_not_send_users_to_login() {
    let Some(pg) = runtime().block_on(PgDatabase::create()) else {
        return;
    };
    // postgres://user@HOST:PORT/db → the same through the proxy.
    let upstream = pg
        .url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let proxy = Proxy::start(upstream.clone());
    let url = pg
        .url
        .replacen(&upstream, &format!("127.0.0.1:{}", proxy.port), 1);
    let s = TestServer::start_in(
        temp_dir("health"),
        None,
        &[("BACKPACK_DATABASE_URL", url.as_str())],
    );
    let mut user = s.register("Hal Health", "hal@example.org", "correct horse battery");
    let health = |c: &mut crate::Client| {
        let r = c.get("/healthz");
        (r.status, r.body)
    };
    let mut probe = s.client();
    let (status, body) = health(&mut probe);
    assert_eq!(status, 200, "{body}");
    assert_eq!(user.get("/backpack").status, 200);

    // The database goes away.
    proxy.cut();
    let lost = Instant::now();
    loop {
        let asked = Instant::now();
        let (status, body) = health(&mut probe);
        assert!(
            asked.elapsed() < Duration::from_millis(500),
            "/healthz waited {:?}",
            asked.elapsed()
        );
        if status == 503 {
            assert!(body.contains(r#""database":"unavailable""#), "{body}");
            break;
        }
        assert!(
            lost.elapsed() < Duration::from_secs(2),
            "still {status} {:?} after the database was lost",
            lost.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!(
        "health: the lost database showed after {:?}",
        lost.elapsed()
    );
    // A signed-in page: a 503 page that says so, not the login page.
    let r = user.get("/backpack");
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.header("location").is_none());
    assert!(r.body.contains("briefly unavailable"), "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("30"));
    // Its one action loads the same page again; the header offers neither
    // "Log in" to a signed-in person nor pages that would answer 503 too.
    assert!(
        r.body
            .contains(r#"<a class="button" href="/backpack">Try again</a>"#),
        "{}",
        r.body
    );
    assert!(!r.body.contains(r#"href="/login""#), "{}", r.body);
    assert!(!r.body.contains(r#"href="/backpack/badges""#), "{}", r.body);

    // Back: healthy again within seconds, the session still good.
    proxy.restore();
    let back = Instant::now();
    while health(&mut probe).0 != 200 {
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "not healthy again"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let back = Instant::now();
    loop {
        let r = user.get("/backpack");
        if r.status == 200 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(10), "{}", r.status);
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(s);
    drop(pg);
}
