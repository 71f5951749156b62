//! Killing the server (SIGKILL, no shutdown) during an upload or an import
//! loses nothing and leaves nothing half-written: after a restart, a write is
//! there whole (row, file and preview) or not at all.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
    pub(crate) password: Option<String>,
}

pub(crate) fn start(data: &Path, port: u16) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_backpack"))
        .args([
            "serve",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data)
        .env("BACKPACK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let (mut addr, mut password) = (String::new(), None);
    loop {
        let mut line = String::new();
        assert!(
            lines.read_line(&mut line).unwrap() > 0,
            "the server stopped early"
        );
        if let Some(rest) = line.split("running at http://").nth(1) {
            addr = rest.trim().to_owned();
        }
        if line.contains("learner@demo.backpack.test") {
            password = line.split_whitespace().nth(2).map(str::to_owned);
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = lines.read_to_string(&mut sink);
    });
    Server {
        child,
        addr,
        password,
    }
}

pub(crate) fn kill(mut s: Server) {
    Command::new("kill")
        .args(["-KILL", &s.child.id().to_string()])
        .status()
        .unwrap();
    s.child.wait().unwrap();
}

/// A free port (bound then released), so the restart listens on the same one.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 exchange: (status, headers, body).
pub(crate) fn http(addr: &str, head: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = headers[9..12].parse().unwrap();
    (status, headers, raw[split + 4..].to_vec())
}

pub(crate) fn cookies(headers: &str) -> Vec<String> {
    headers
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .map(|c| c.split(';').next().unwrap().to_owned())
        .collect()
}

/// Log the demo learner in; returns (cookie header, CSRF token).
pub(crate) fn login(addr: &str, password: &str) -> (String, String) {
    let (_, h, _) = http(
        addr,
        &format!("GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
        b"",
    );
    let csrf_cookie = cookies(&h)
        .into_iter()
        .find(|c| c.contains("csrf"))
        .unwrap();
    let token = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let form = format!("_csrf={token}&email=learner%40demo.backpack.test&password={password}");
    let (status, h, _) = http(
        addr,
        &format!(
            "POST /login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {csrf_cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            form.len()
        ),
        form.as_bytes(),
    );
    assert_eq!(status, 303, "login");
    let mut jar = vec![csrf_cookie];
    jar.extend(cookies(&h));
    (jar.join("; "), token)
}

fn get(addr: &str, cookie: &str, path: &str) -> (u16, Vec<u8>) {
    let (status, _, body) = http(
        addr,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        ),
        b"",
    );
    (status, body)
}

const BOUNDARY: &str = "----crashtestboundary";

/// A multipart body: the CSRF token first (as the page's form sends it),
/// then the file.
pub(crate) fn multipart(token: &str, filename: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) fn upload_head(addr: &str, cookie: &str, path: &str, len: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    )
}

pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

fn count(page: &[u8], needle: &str) -> usize {
    String::from_utf8_lossy(page).matches(needle).count()
}

#[test]
#[allow(clippy::disallowed_methods)] // a pause to let the server read the half bodies
fn a_kill_during_an_upload_or_import_leaves_nothing_half_written() {
    let dir = std::env::temp_dir().join(format!("bp-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = free_port();
    let server = start(&dir, port);
    let addr = server.addr.clone();
    let password = server.password.clone().unwrap();
    let (cookie, token) = login(&addr, &password);
    let (_, list) = get(&addr, &cookie, "/backpack/certificates");
    let before_rows = count(&list, "<tr><td><a href=\"/backpack/certificates/");
    let (_, badges) = get(&addr, &cookie, "/backpack/badges");
    let before_badges = count(&badges, "<td><a href=\"/backpack/badges/");
    let files_before = files_under(&dir.join("files"));

    // Half a certificate upload, then half a badge import, then SIGKILL.
    let pdf = {
        let mut p = backpack_documents::samples::pdf(&[backpack_documents::samples::text_page(
            &backpack_documents::samples::COURSERA_LINES,
        )]);
        p.resize(3 * 1024 * 1024, b' ');
        p
    };
    let body = multipart(&token, "big.pdf", "application/pdf", &pdf);
    let mut s1 = TcpStream::connect(&addr).unwrap();
    s1.write_all(upload_head(&addr, &cookie, "/backpack/certificates", body.len()).as_bytes())
        .unwrap();
    s1.write_all(&body[..body.len() / 2]).unwrap();
    let badge = multipart(
        &token,
        "b.json",
        "application/json",
        &vec![b' '; 2 * 1024 * 1024],
    );
    let mut s2 = TcpStream::connect(&addr).unwrap();
    s2.write_all(upload_head(&addr, &cookie, "/backpack/badges", badge.len()).as_bytes())
        .unwrap();
    s2.write_all(&badge[..badge.len() / 2]).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    kill(server);

    // After a restart: no row and no file from the cut writes.
    let server = start(&dir, port);
    let (cookie, token) = login(&addr, &password);
    let (_, list) = get(&addr, &cookie, "/backpack/certificates");
    assert_eq!(
        count(&list, "<tr><td><a href=\"/backpack/certificates/"),
        before_rows
    );
    let (_, badges) = get(&addr, &cookie, "/backpack/badges");
    assert_eq!(
        count(&badges, "<td><a href=\"/backpack/badges/"),
        before_badges
    );
    assert_eq!(
        files_under(&dir.join("files")),
        files_before,
        "no stray file"
    );

    // A completed upload survives a kill right after the answer: row, file
    // and preview are all there after the restart.
    let small = backpack_documents::samples::pdf(&[backpack_documents::samples::text_page(
        &backpack_documents::samples::EDX_LINES,
    )]);
    let body = multipart(&token, "cs50.pdf", "application/pdf", &small);
    let (status, headers, _) = http(
        &addr,
        &upload_head(&addr, &cookie, "/backpack/certificates", body.len()),
        &body,
    );
    assert_eq!(status, 303);
    let location = headers
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .unwrap()
        .trim()
        .to_owned();
    let id = location.split('/').nth(3).unwrap().to_owned();
    kill(server);
    let server = start(&dir, port);
    let (cookie, _) = login(&addr, &password);
    let (status, bytes) = get(&addr, &cookie, &format!("/backpack/certificates/{id}/file"));
    assert_eq!(
        (status, bytes == small),
        (200, true),
        "the file survived whole"
    );
    let (status, preview) = get(
        &addr,
        &cookie,
        &format!("/backpack/certificates/{id}/preview"),
    );
    assert_eq!(status, 200);
    assert!(preview.starts_with(b"\x89PNG"));
    assert_eq!(
        files_under(&dir.join("files")).len(),
        files_before.len() + 2
    );
    kill(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM while a PDF bomb is being uploaded (the audit: "Backpack
/// stopped." printed, then a core at 100 % until SIGKILL) and while another
/// upload is only half sent: the process is gone within five seconds.
#[test]
#[allow(clippy::disallowed_methods)] // pauses while the server works and stops
fn sigterm_during_document_work_stops_the_server_within_seconds() {
    use std::time::{Duration, Instant};
    let dir = std::env::temp_dir().join(format!("bp-term-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut server = start(&dir, free_port());
    let addr = server.addr.clone();
    let (cookie, token) = login(&addr, server.password.as_deref().unwrap());

    // 10^9 fills in a few kilobytes, answered (or cut) in the background.
    let bomb = multipart(
        &token,
        "bomb.pdf",
        "application/pdf",
        &backpack_documents::samples::form_bomb(10, 9),
    );
    let head = upload_head(&addr, &cookie, "/backpack/certificates", bomb.len());
    let to = addr.clone();
    let uploader = std::thread::spawn(move || {
        let mut s = TcpStream::connect(&to).unwrap();
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&bomb).unwrap();
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        String::from_utf8_lossy(&raw).into_owned()
    });
    // And an upload that never finishes: a request in flight.
    let slow = multipart(
        &token,
        "slow.pdf",
        "application/pdf",
        &vec![b' '; 1024 * 1024],
    );
    let mut half = TcpStream::connect(&addr).unwrap();
    half.write_all(upload_head(&addr, &cookie, "/backpack/certificates", slow.len()).as_bytes())
        .unwrap();
    half.write_all(&slow[..slow.len() / 2]).unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let start = Instant::now();
    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(5) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = start.elapsed();
    if status.is_none() {
        kill(server);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let status = status.unwrap_or_else(|| panic!("still running {took:?} after SIGTERM"));
    assert!(status.success(), "{status:?}");
    // The bomb was refused, not read: the answer came before the signal.
    let answer = uploader.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    drop(half);
}
