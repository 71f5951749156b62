//! The web layer against hostile clients: `/metrics` cannot be grown by odd
//! requests and can live on a listener of its own; a form must come from this
//! site (scheme, host and port of `public_url`); a multipart form's CSRF token
//! travels first in its body, never in the URL.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::{on_every_db, sample_png, TestServer};

const PW: &str = "correct horse battery";

/// One raw HTTP/1.1 request (any method, any path); the status.
fn raw(url: &str, method: &str, path: &str) -> u16 {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer)
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn series(metrics: &str) -> usize {
    metrics
        .lines()
        .filter(|l| l.starts_with("backpack_http_requests_total{"))
        .count()
}

on_every_db!(
    odd_methods_and_paths_do_not_grow_the_metrics,
    |s: TestServer| {
        let mut c = s.client();
        c.get("/login");
        let before = c.get("/metrics");
        assert_eq!(before.status, 200);
        // 1,000 requests, each with a method and a path never seen before,
        // some of the methods 16 KiB long.
        for i in 0..1000 {
            let method = if i % 100 == 0 {
                format!("M{i}{}", "X".repeat(16 * 1024))
            } else {
                format!("BREW{i}")
            };
            let status = raw(&s.url, &method, &format!("/no/such/page/{i}?q={i}"));
            assert!(status >= 400, "{method:.10}: {status}");
        }
        let after = c.get("/metrics");
        assert_eq!(after.status, 200);
        assert!(
            series(&after.body) <= 40,
            "{} series:\n{:.3000}",
            series(&after.body),
            after.body
        );
        assert!(
            after.body.len() < 64 * 1024,
            "/metrics grew to {} bytes",
            after.body.len()
        );
        assert!(!after.body.contains("BREW") && !after.body.contains("/no/such"));
        assert!(
            after.body.contains("method=\"other\"") && after.body.contains("route=\"unmatched\""),
            "{:.3000}",
            after.body
        );
    }
);

#[test]
fn metrics_can_have_a_listener_of_their_own() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let monitoring = format!("127.0.0.1:{port}");
    let s = TestServer::start_with(
        crate::Db::Sqlite,
        &[("BACKPACK_METRICS__LISTEN", monitoring.as_str())],
    )
    .unwrap();
    let mut c = s.client();
    assert_eq!(c.get("/login").status, 200);
    assert_eq!(c.get("/metrics").status, 404, "not on the main listener");
    let mut m = crate::Client::new(&format!("http://{monitoring}"));
    let r = m.get("/metrics");
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("route=\"/login\""),
        "the main listener's requests are counted: {:.2000}",
        r.body
    );
    assert_eq!(m.get("/login").status, 404, "only /metrics there");
}

on_every_db!(
    a_form_from_another_scheme_port_or_no_origin_is_refused,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let token = ada.csrf();
        let site = s.url.clone();
        let addr = site.trim_start_matches("http://").to_owned();
        let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
        let form = format!("_csrf={token}&lang=fr&next=%2Faccount").into_bytes();
        let https = format!("https://{addr}");
        let other_port = format!("http://127.0.0.1:{}", port.wrapping_add(1).max(1));
        let alias = format!("http://localhost:{port}");
        let referer_foreign = "https://evil.example/page".to_owned();
        let refused: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("wrong scheme", vec![("Origin", https.as_str())]),
            ("wrong port", vec![("Origin", other_port.as_str())]),
            ("another name", vec![("Origin", alias.as_str())]),
            (
                "an origin matching a foreign Host",
                vec![("Origin", "http://evil.example"), ("Host", "evil.example")],
            ),
            (
                "no Origin, foreign Host",
                vec![("Origin", "-"), ("Host", "evil.example")],
            ),
            ("no Origin, no Referer", vec![("Origin", "-")]),
            (
                "no Origin, foreign Referer",
                vec![("Origin", "-"), ("Referer", referer_foreign.as_str())],
            ),
        ];
        for (what, headers) in &refused {
            let r = ada.post_raw(
                "/language",
                "application/x-www-form-urlencoded",
                form.clone(),
                headers,
            );
            assert_eq!(r.status, 403, "{what}: {}", r.body);
        }
        assert!(
            ada.get("/account").body.contains("<html lang=\"en\""),
            "nothing changed"
        );
        // This site's Origin, or without one this site's Referer: accepted.
        let referer = format!("{site}/account");
        let r = ada.post_raw(
            "/language",
            "application/x-www-form-urlencoded",
            form.clone(),
            &[("Origin", "-"), ("Referer", referer.as_str())],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let r = ada.post_raw(
            "/language",
            "application/x-www-form-urlencoded",
            format!("_csrf={token}&lang=en&next=%2Faccount").into_bytes(),
            &[("Origin", site.as_str())],
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
);

/// A multipart body: `parts` of (name, filename, bytes) in this order.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----securitywebboundary";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        let file = filename.map_or(String::new(), |f| {
            format!("; filename=\"{f}\"\r\nContent-Type: image/png")
        });
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

on_every_db!(
    a_multipart_form_carries_its_token_first_in_its_body,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let token = ada.csrf();
        let png = sample_png();
        // The page's form: no token in its action, the field before the file.
        let page = ada.get("/account").body;
        assert!(!page.contains("_csrf="), "a token in a URL of the page");
        let form = &page[page.find("action=\"/account/photo\"").unwrap()..];
        assert!(
            form.find("name=\"_csrf\"").unwrap() < form.find("type=\"file\"").unwrap(),
            "the token field comes before the file"
        );
        // The token only in the URL: refused.
        let (ct, body) = multipart(&[("file", Some("me.png"), &png)]);
        let r = ada.post_raw(&format!("/account/photo?_csrf={token}"), &ct, body, &[]);
        assert_eq!(r.status, 403, "token in the URL: {}", r.body);
        // The token after the file: refused (the file is not read first).
        let (ct, body) = multipart(&[
            ("file", Some("me.png"), &png),
            ("_csrf", None, token.as_bytes()),
        ]);
        let r = ada.post_raw("/account/photo", &ct, body, &[]);
        assert_eq!(r.status, 403, "token after the file: {}", r.body);
        // A wrong token first: refused.
        let (ct, body) = multipart(&[
            (
                "_csrf",
                None,
                b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ),
            ("file", Some("me.png"), &png),
        ]);
        let r = ada.post_raw("/account/photo", &ct, body, &[]);
        assert_eq!(r.status, 403, "wrong token: {}", r.body);
        assert!(
            !ada.get("/account").body.contains("class=\"photo\""),
            "no photo yet"
        );
        // The token first: the photo is saved.
        let (ct, body) = multipart(&[
            ("_csrf", None, token.as_bytes()),
            ("file", Some("me.png"), &png),
        ]);
        let r = ada.post_raw("/account/photo", &ct, body, &[]);
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), "/account?done=photo_saved");
        assert!(ada.get("/account").body.contains("class=\"photo\""));
    }
);
