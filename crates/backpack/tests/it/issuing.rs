//! `backpack verify` against credentials a running `backpack serve --demo`
//! issued: the staff member makes an issuer and an EU micro-credential over
//! HTTP, awards it as Data Integrity JSON and as a VC-JWT, and the command
//! line verifies both online (did:web document and status list fetched from
//! the server), sees a revocation, and does not call a did:web credential
//! verified offline.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

/// `backpack serve --demo` on a fresh data folder; killed (and the folder
/// removed) when dropped, also when the test panics.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) dir: PathBuf,
    /// host:port
    pub(crate) addr: String,
    pub(crate) port: u16,
    /// address → password, as printed for the demo accounts.
    pub(crate) passwords: BTreeMap<String, String>,
    /// The demo issuer's xAPI token, when the demo was made now.
    pub(crate) xapi_token: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Server {
    fn start(name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("bp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let server = Server::start_in(dir, 0, &[]);
        for account in ["learner@demo.backpack.test", "issuer@demo.backpack.test"] {
            assert!(server.passwords.contains_key(account), "{account}");
        }
        server
    }

    /// On `dir` (kept: a restart finds its data), port 0 or a fixed one.
    pub(crate) fn start_in(dir: PathBuf, port: u16, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_backpack"));
        command
            .args([
                "serve",
                "--demo",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir.join("data"))
            .env("BACKPACK_LOG", "warn");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut server = Server {
            child,
            dir,
            addr: String::new(),
            port: 0,
            passwords: BTreeMap::new(),
            xapi_token: None,
        };
        let mut banner = String::new();
        loop {
            let mut line = String::new();
            assert!(
                lines.read_line(&mut line).unwrap() > 0,
                "the server stopped early:\n{banner}"
            );
            banner.push_str(&line);
            if let Some(rest) = line.split("running at http://").nth(1) {
                server.addr = rest.trim().to_owned();
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if let [_, address, password] = words[..] {
                if address.ends_with("@demo.backpack.test") {
                    server
                        .passwords
                        .insert(address.to_owned(), password.to_owned());
                }
            }
            if let Some(token) = line.strip_prefix("  token: ") {
                server.xapi_token = Some(token.trim().to_owned());
            }
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        // Port 0: the banner says which port the server got.
        server.port = server
            .addr
            .strip_prefix("127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no loopback address in:\n{banner}"));
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            let _ = lines.read_to_string(&mut sink);
        });
        server
    }

    pub(crate) fn client(&self) -> Client {
        Client {
            addr: self.addr.clone(),
            jar: BTreeMap::new(),
        }
    }

    /// A client logged in as a demo account.
    pub(crate) fn login(&self, address: &str) -> Client {
        let mut c = self.client();
        assert_eq!(c.get("/login").status, 200);
        let r = c.post(
            "/login",
            &[("email", address), ("password", &self.passwords[address])],
        );
        assert_eq!(r.status, 303, "login as {address}: {}", r.text());
        c
    }
}

pub(crate) struct Resp {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The last segment of the redirect's path: the id of what was made.
    pub(crate) fn created_id(&self) -> String {
        let location = self.header("location").unwrap_or("");
        let path = location.split('?').next().unwrap();
        path.rsplit('/').next().unwrap().to_owned()
    }
}

/// A hand-written HTTP/1.1 client that keeps cookies and sends the CSRF
/// token and `Origin` on every POST, as a browser on the page would.
pub(crate) struct Client {
    addr: String,
    jar: BTreeMap<String, String>,
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undo `Transfer-Encoding: chunked`.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        raw = &raw[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

impl Client {
    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn csrf(&self) -> String {
        self.jar
            .iter()
            .find(|(k, _)| k.contains("csrf"))
            .map(|(_, v)| v.clone())
            .expect("a CSRF cookie (GET a page first)")
    }

    fn exchange(&mut self, head: &str, body: &[u8]) -> Resp {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let mut r = Resp {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        };
        if r.header("transfer-encoding")
            .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
        {
            r.body = dechunk(&r.body);
        }
        for (k, v) in &r.headers {
            if !k.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let first = v.split(';').next().unwrap_or("");
            if let Some((name, value)) = first.split_once('=') {
                if value.is_empty() || v.contains("Max-Age=0") {
                    self.jar.remove(name);
                } else {
                    self.jar.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        r
    }

    pub(crate) fn get(&mut self, path: &str) -> Resp {
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            self.cookie_header()
        );
        self.exchange(&head, b"")
    }

    /// A multipart form with text fields and one file named `file`.
    pub(crate) fn upload(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        filename: &str,
        bytes: &[u8],
    ) -> Resp {
        let boundary = "----backpackcrashtest";
        let mut body = Vec::new();
        let token = self.csrf();
        for (k, v) in [("_csrf", token.as_str())].iter().chain(fields) {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.cookie_header(),
            body.len(),
            addr = self.addr,
        );
        self.exchange(&head, &body)
    }

    pub(crate) fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut form = format!("_csrf={}", url_encode(&self.csrf()));
        for (k, v) in fields {
            form.push_str(&format!("&{}={}", url_encode(k), url_encode(v)));
        }
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.cookie_header(),
            form.len(),
            addr = self.addr,
        );
        self.exchange(&head, form.as_bytes())
    }
}

impl Client {
    /// A JSON POST with extra headers (no cookies, no CSRF: the machine
    /// interfaces use tokens).
    pub(crate) fn post_json(&mut self, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        self.exchange(&head, body.as_bytes())
    }
}

/// Every element of an EU micro-credential (field names of the form).
pub(crate) fn eu_achievement(name: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("name", name),
        ("description", "Check a credential with the command line, online and offline."),
        ("criteria", "Verify ten credentials and explain each verdict."),
        ("achievement_type", "MicroCredential"),
        ("eu", "on"),
        (
            "learning_outcomes",
            "Explain what a key binding proves\nRead a Bitstring Status List entry",
        ),
        ("ects", "2"),
        ("hours", "50"),
        ("eqf_level", "6"),
        ("assessment", "Practical assessment, supervised online"),
        ("participation", "online"),
        ("quality_assurance", "Internal quality assurance, reviewed yearly"),
        ("prerequisites", "None"),
        (
            "skills",
            "http://data.europa.eu/esco/skill/0a8a0f8e-5bba-4b4b-8a7f-9e0d0c8a2a0d | manage ICT security",
        ),
        ("language", "en"),
        ("translations", "fr | Vérification en ligne | Vérifier un titre"),
        ("valid_months", "24"),
    ]
}

fn verify(args: &[&str], file: &Path) -> (i32, String) {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_backpack"))
        .arg("verify")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr);
    (
        o.status.code().unwrap_or(-1),
        format!("{stdout}{}", if stderr.is_empty() { "" } else { &stderr }),
    )
}

/// The line of the readable report for one check (`[ok  ] status      …`).
fn check_line<'a>(report: &'a str, kind: &str) -> &'a str {
    report
        .lines()
        .find(|l| {
            l.trim_start()
                .get(7..)
                .is_some_and(|r| r.trim_start().starts_with(kind))
        })
        .unwrap_or_else(|| panic!("no {kind} line in:\n{report}"))
}

/// The JSON report's check of one kind: (outcome, code, message).
fn json_check(report: &Value, kind: &str) -> (String, String, String) {
    let c = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == kind)
        .unwrap_or_else(|| panic!("no {kind} check in {report}"));
    (
        c["outcome"].as_str().unwrap().to_owned(),
        c["code"].as_str().unwrap().to_owned(),
        c["message"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn backpack_verify_checks_what_a_running_server_issued_online_revoked_and_offline() {
    let server = Server::start("issuing-cli");
    let files = server.dir.join("downloads");
    std::fs::create_dir_all(&files).unwrap();
    let host = format!("127.0.0.1%3A{}", server.port);

    // The demo issuer exists and serves its did:web document.
    let mut staff = server.login("issuer@demo.backpack.test");
    let home = staff.get("/issuing");
    assert_eq!(home.status, 200);
    assert!(
        home.text().contains("Backpack Demo Academy"),
        "{}",
        home.text()
    );
    let demo_did = format!("did:web:{host}:issuers:backpack-demo-academy");
    assert!(home.text().contains(&demo_did), "{}", home.text());
    let mut anon = server.client();
    let doc = anon.get("/issuers/backpack-demo-academy/did.json");
    assert_eq!(doc.status, 200);
    let doc: Value = serde_json::from_slice(&doc.body).unwrap();
    assert_eq!(doc["id"], demo_did.as_str());

    // A new issuer, made over HTTP.
    let r = staff.post(
        "/issuing",
        &[
            ("name", "Verification Institute"),
            ("country_code", "be"),
            ("region", "Flanders"),
            ("url", "https://verification.example"),
            ("email", "contact@verification.example"),
            ("kind", "formal"),
            ("accreditation", "Recognised by the Flemish government"),
            ("description", "Teaches how to check credentials."),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let issuer = r.created_id();
    let did = format!("did:web:{host}:issuers:verification-institute");
    let page = staff.get(&format!("/issuing/{issuer}")).text();
    assert!(page.contains(&did), "{page}");
    let doc = anon.get("/issuers/verification-institute/did.json");
    assert_eq!(doc.status, 200, "{}", doc.text());
    let doc: Value = serde_json::from_slice(&doc.body).unwrap();
    assert_eq!(doc["assertionMethod"][0], format!("{did}#key-1").as_str());

    // An achievement with every mandatory EU element.
    let r = staff.post(
        &format!("/issuing/{issuer}/achievements"),
        &eu_achievement("Credential Verification"),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let achievement = r.created_id();
    let page = staff
        .get(&format!("/issuing/achievements/{achievement}"))
        .text();
    assert!(page.contains("Every mandatory element"), "{page}");

    // Awarded to the demo learner as JSON (Data Integrity) and to an
    // address without an account as a VC-JWT; both downloaded.
    let mut award = |recipient: &str, format: &str, ext: &str| -> (String, PathBuf) {
        let r = staff.post(
            &format!("/issuing/{issuer}/award"),
            &[
                ("achievement_id", &achievement),
                ("recipient_kind", "email"),
                ("recipient", recipient),
                ("format", format),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        assert!(r
            .header("location")
            .unwrap()
            .ends_with("?done=credential_issued"));
        let id = r.created_id();
        let d = staff.get(&format!("/issuing/credentials/{id}/download"));
        assert_eq!(d.status, 200, "{}", d.text());
        let path = files.join(format!("credential.{ext}"));
        std::fs::write(&path, &d.body).unwrap();
        (id, path)
    };
    let (json_id, json_file) = award("learner@demo.backpack.test", "json", "json");
    let (_, jwt_file) = award("someone.else@example.org", "jwt", "jwt");
    let vc: Value = serde_json::from_slice(&std::fs::read(&json_file).unwrap()).unwrap();
    assert_eq!(vc["issuer"]["id"], did.as_str());
    assert_eq!(vc["proof"][0]["cryptosuite"], "eddsa-rdfc-2022");
    let jwt = std::fs::read_to_string(&jwt_file).unwrap();
    assert_eq!(jwt.trim().split('.').count(), 3, "{jwt}");

    // Online: both verify, the key resolved from the server's did:web
    // document and the status read from its status list.
    let online = ["--online", "--allow-local-http"];
    let (code, out) = verify(&online, &json_file);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines().next().unwrap().contains(": VERIFIED (green)"),
        "{out}"
    );
    assert!(out.contains("credential: Credential Verification"), "{out}");
    assert!(out.contains(&format!("issuer:     {did}")), "{out}");
    let key_line = check_line(&out, "key_binding");
    assert!(
        key_line.contains("[ok  ]")
            && key_line.contains(&format!("{did}#key-1 is an assertion key of the issuer")),
        "{key_line}"
    );
    let status_line = check_line(&out, "status");
    assert!(
        status_line.contains("[ok  ]") && status_line.ends_with("not revoked"),
        "{status_line}"
    );
    let eu_line = check_line(&out, "eu_elements");
    assert!(
        eu_line.contains("[ok  ]") && eu_line.ends_with("EU micro-credential: complete"),
        "{eu_line}"
    );
    let (code, out) = verify(&online, &jwt_file);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines().next().unwrap().contains(": VERIFIED (green)"),
        "{out}"
    );
    assert!(out.contains(&format!("issuer:     {did}")), "{out}");
    let key_line = check_line(&out, "key_binding");
    assert!(
        key_line.contains("[ok  ]") && key_line.contains("assertion key of the issuer"),
        "{key_line}"
    );
    assert!(
        check_line(&out, "proof").contains("JWT signature (EdDSA) is valid"),
        "{out}"
    );
    assert!(check_line(&out, "status").ends_with("not revoked"), "{out}");
    assert!(
        check_line(&out, "eu_elements").ends_with("EU micro-credential: complete"),
        "{out}"
    );

    // The same as JSON, one report a line.
    let (code, out) = verify(&["--json", "--online", "--allow-local-http"], &json_file);
    assert_eq!(code, 0, "{out}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["verdict"], "verified", "{report}");
    assert_eq!(report["colour"], "green");
    assert_eq!(report["issuer"], did.as_str());
    assert_eq!(report["source"], json_file.to_str().unwrap());
    for kind in [
        "structure",
        "proof",
        "key_binding",
        "validity",
        "status",
        "eu_elements",
    ] {
        assert_eq!(json_check(&report, kind).0, "passed", "{kind}: {report}");
    }
    assert_eq!(json_check(&report, "status").1, "status_ok");
    assert_eq!(json_check(&report, "key_binding").1, "key_bound");
    assert!(json_check(&report, "key_binding")
        .2
        .starts_with(&format!("{did}#key-1")));
    assert_eq!(
        json_check(&report, "eu_elements").1,
        "eu_microcredential_complete"
    );
    assert!(
        report.get("eu_missing").is_none(),
        "nothing missing: {report}"
    );
    assert_eq!(report["format"], "data_integrity");

    // The learner finds it, and the demo academy's, in Portal certificates.
    let mut learner = server.login("learner@demo.backpack.test");
    let portal = learner.get("/backpack/portal");
    assert_eq!(portal.status, 200);
    let portal = portal.text();
    assert!(portal.contains("Digital Security Essentials"), "{portal}");
    assert!(portal.contains("Credential Verification"), "{portal}");

    // Revoked: the status list the server re-signed says so.
    let r = staff.post(
        &format!("/issuing/credentials/{json_id}/state"),
        &[
            ("state", "revoked"),
            ("reason", "Issued to the wrong learner"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r
        .header("location")
        .unwrap()
        .ends_with("?done=credential_revoked"));
    let (code, out) = verify(&online, &json_file);
    assert_eq!(code, 1, "a revoked credential is not verified:\n{out}");
    assert!(
        out.lines().next().unwrap().contains(": REVOKED (red)"),
        "{out}"
    );
    let status_line = check_line(&out, "status");
    assert!(
        status_line.contains("[FAIL]") && status_line.ends_with("revoked by the issuer"),
        "{status_line}"
    );
    assert!(check_line(&out, "key_binding").contains("[ok  ]"), "{out}");
    let (code, out) = verify(&["--json", "--online", "--allow-local-http"], &json_file);
    assert_eq!(code, 1, "{out}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["verdict"], "revoked");
    assert_eq!(report["colour"], "red");
    assert_eq!(json_check(&report, "status").1, "revoked");
    // The other credential of the same achievement is untouched.
    let (code, out) = verify(&online, &jwt_file);
    assert_eq!(code, 0, "{out}");
    assert!(check_line(&out, "status").ends_with("not revoked"), "{out}");
    // Verifying both at once: one of two not verified, exit 1.
    let o = Command::new(env!("CARGO_BIN_EXE_backpack"))
        .args(["verify", "--online", "--allow-local-http"])
        .args([&json_file, &jwt_file])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("2 credential(s): 1 verified, 1 not verified, 0 unusable"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Offline, a did:web issuer's key cannot be shown to be the issuer's:
    // never "verified", whatever the status.
    for file in [&json_file, &jwt_file] {
        let (code, out) = verify(&[], file);
        assert_eq!(code, 1, "{out}");
        assert!(!out.contains("VERIFIED"), "{out}");
        assert!(
            out.lines()
                .next()
                .unwrap()
                .contains(": KEY NOT BOUND (red)"),
            "{out}"
        );
        let key_line = check_line(&out, "key_binding");
        assert!(
            key_line.contains("[FAIL]")
                && key_line.contains("must be fetched")
                && key_line.contains("ran offline"),
            "{key_line}"
        );
        assert!(
            check_line(&out, "proof").contains("could not be obtained"),
            "{out}"
        );
        let status_line = check_line(&out, "status");
        assert!(
            status_line.contains("[--  ]") && status_line.ends_with("status not checked"),
            "{status_line}"
        );
        let (code, out) = verify(&["--json"], file);
        assert_eq!(code, 1, "{out}");
        let report: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(report["verdict"], "key_not_bound", "{report}");
        assert_eq!(json_check(&report, "key_binding").1, "key_not_bound");
        assert_eq!(json_check(&report, "proof").0, "not_checked");
        assert_eq!(json_check(&report, "status").0, "not_checked");
    }

    // A compromised key is retired (rotation), then revoked: what it signed
    // no longer verifies against the served DID document; what the new key
    // signs does, with its status list (re-signed with the new key).
    let mut staff = server.login("issuer@demo.backpack.test");
    let r = staff.post(&format!("/issuing/{issuer}/keys"), &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    let r = staff.post(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &achievement),
            ("recipient_kind", "email"),
            ("recipient", "learner@demo.backpack.test"),
            ("format", "json"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let d = staff.get(&format!("/issuing/credentials/{}/download", r.created_id()));
    assert_eq!(d.status, 200, "{}", d.text());
    let newer_file = files.join("newer.json");
    std::fs::write(&newer_file, &d.body).unwrap();
    let newer: Value = serde_json::from_slice(&std::fs::read(&newer_file).unwrap()).unwrap();
    assert_eq!(
        newer["proof"][0]["verificationMethod"],
        format!("{did}#key-2").as_str()
    );
    let page = staff.get(&format!("/issuing/{issuer}")).text();
    let prefix = format!("/issuing/{issuer}/keys/");
    let revoke = page
        .split(&prefix)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("{prefix}{rest}"))
        .unwrap_or_else(|| panic!("no revoke form: {page}"));
    assert!(revoke.ends_with("/revoke"), "{revoke}");
    let r = staff.post(&revoke, &[("reason", "compromised")]);
    assert_eq!(r.status, 303, "{}", r.text());
    let (code, out) = verify(&online, &jwt_file);
    assert_eq!(code, 1, "signed with a revoked key:\n{out}");
    assert!(!out.contains("VERIFIED"), "{out}");
    let key_line = check_line(&out, "key_binding");
    assert!(
        key_line.contains("[FAIL]") && key_line.contains("not listed under assertionMethod"),
        "{key_line}"
    );
    let (code, out) = verify(&online, &newer_file);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines().next().unwrap().contains(": VERIFIED (green)"),
        "{out}"
    );
    assert!(check_line(&out, "status").ends_with("not revoked"), "{out}");
}

/// The batch's progress as the page's script reads it.
pub(crate) fn progress(c: &mut Client, batch: &str) -> Value {
    let r = c.get(&format!("/issuing/batches/{batch}/progress"));
    assert_eq!(r.status, 200, "{}", r.text());
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
#[allow(clippy::disallowed_methods)]
fn a_batch_killed_mid_way_resumes_after_restart_without_duplicates_or_gaps() {
    const ROWS: usize = 20_000;
    let dir = std::env::temp_dir().join(format!("bp-batch-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // A fixed port: the issuer's did:web and status list URLs name it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = [("BACKPACK_ISSUING__BATCH_LEASE_SECS", "1")];
    let mut first = Server::start_in(dir.clone(), port, &env);
    let password = first.passwords["issuer@demo.backpack.test"].clone();
    let mut staff = first.login("issuer@demo.backpack.test");
    let home = staff.get("/issuing").text();
    let issuer = home
        .split("href=\"/issuing/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let fields = eu_achievement("Crash course");
    let r = staff.post(&format!("/issuing/{issuer}/achievements"), &fields);
    assert_eq!(r.status, 303, "{}", r.text());
    let achievement = r.created_id();
    let mut csv = String::from("email,name\n");
    for i in 0..ROWS {
        csv.push_str(&format!("crash{i}@example.org,Person {i}\n"));
    }
    let r = staff.upload(
        &format!("/issuing/{issuer}/batches"),
        &[("achievement_id", &achievement), ("format", "json")],
        "crash.csv",
        csv.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let batch = r.created_id();
    assert_eq!(
        staff
            .post(&format!("/issuing/batches/{batch}/start"), &[])
            .status,
        303
    );
    // Kill it (SIGKILL: no shutdown) once some chunks are in and their
    // mails are going out, well before the end.
    let started = std::time::Instant::now();
    loop {
        let p = progress(&mut staff, &batch);
        let issued = p["issued"].as_i64().unwrap();
        assert_ne!(
            p["state"], "done",
            "the batch finished before the kill; make it larger"
        );
        if issued >= 2_000 {
            break;
        }
        assert!(started.elapsed().as_secs() < 120, "no progress");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    // Keep the folder: forget the first server without its Drop.
    first.dir = dir.join("never-made");
    drop(first);

    let mut second = Server::start_in(dir.clone(), port, &env);
    second
        .passwords
        .insert("issuer@demo.backpack.test".into(), password);
    let mut staff = second.login("issuer@demo.backpack.test");
    let resumed = std::time::Instant::now();
    let done = loop {
        let p = progress(&mut staff, &batch);
        if p["state"] == "done" {
            break p;
        }
        assert!(
            resumed.elapsed().as_secs() < 300,
            "the batch did not resume: {p}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(done["issued"], ROWS as i64, "{done}");
    // Every row exactly once: the per-row report has rows 1..=ROWS, each issued once.
    let report = staff
        .get(&format!("/issuing/batches/{batch}/report.csv"))
        .text();
    let lines: Vec<&str> = report.lines().skip(1).collect();
    assert_eq!(lines.len(), ROWS, "duplicates or gaps in the report");
    for (i, line) in lines.iter().enumerate() {
        let mut cells = line.split(',');
        assert_eq!(cells.next(), Some((i + 1).to_string().as_str()), "{line}");
        assert_eq!(
            cells.next(),
            Some(format!("crash{i}@example.org").as_str()),
            "{line}"
        );
        assert_eq!(cells.next(), Some("issued"), "{line}");
    }
    let ids: std::collections::BTreeSet<&str> =
        lines.iter().filter_map(|l| l.split(',').nth(3)).collect();
    assert_eq!(ids.len(), ROWS, "a credential id twice");
    let issued_list = staff
        .get(&format!(
            "/issuing/{issuer}/credentials?q=crash{}%40",
            ROWS - 1
        ))
        .text();
    assert_eq!(issued_list.matches("/issuing/credentials/").count(), 1);
    // Every recipient gets their mail: the mails of the chunks committed
    // before the kill were jobs in the database, sent after the restart. A
    // mail twice only for the jobs in flight at the kill: running, or
    // finished and not yet deleted (together at most the runner's 16
    // places), and the test counts them.
    let mail_dir = dir.join("data/mail");
    let waited = std::time::Instant::now();
    let mails = loop {
        let mut by_recipient = std::collections::BTreeMap::<String, usize>::new();
        for entry in std::fs::read_dir(&mail_dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            if let Some(to) = text.lines().find_map(|l| l.strip_prefix("To: ")) {
                if to.starts_with("crash") {
                    *by_recipient.entry(to.trim().to_owned()).or_insert(0) += 1;
                }
            }
        }
        if by_recipient.len() == ROWS {
            break by_recipient;
        }
        assert!(
            waited.elapsed().as_secs() < 300,
            "{} of {ROWS} recipients mailed",
            by_recipient.len()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let duplicates: usize = mails.values().map(|n| n - 1).sum();
    eprintln!("batch crash: {ROWS} rows, every recipient mailed, {duplicates} mail(s) twice (in flight at the kill)");
    assert!(duplicates <= 16, "{duplicates} mails sent twice");
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The id of the credential of `achievement` in the issuer's list.
fn credential_of(staff: &mut Client, issuer: &str, achievement: &str) -> String {
    let page = staff.get(&format!("/issuing/{issuer}/credentials")).text();
    let row = page
        .split("<tr>")
        .find(|row| row.contains(&format!("<td>{achievement}</td>")))
        .unwrap_or_else(|| panic!("no credential of {achievement} in:\n{page}"));
    row.split("/issuing/credentials/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned()
}

pub(crate) fn basic(token: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("lrs:{token}"))
    )
}

#[test]
#[allow(clippy::disallowed_methods)]
fn awards_by_csv_xapi_and_stacking_verify_from_the_command_line() {
    let server = Server::start("automation-cli");
    let files = server.dir.join("downloads");
    std::fs::create_dir_all(&files).unwrap();
    let learner_address = "learner@demo.backpack.test";
    let mut staff = server.login("issuer@demo.backpack.test");
    assert_eq!(staff.get("/issuing").status, 200);
    let r = staff.post(
        "/issuing",
        &[
            ("name", "Automation Institute"),
            ("country_code", "de"),
            ("url", "https://automation.example"),
            ("email", "contact@automation.example"),
            ("kind", "non_formal"),
            ("accreditation", "ISO 21001 certified"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let issuer = r.created_id();
    let mut achievement = |name: &str| -> String {
        let r = staff.post(
            &format!("/issuing/{issuer}/achievements"),
            &eu_achievement(name),
        );
        assert_eq!(r.status, 303, "{}", r.text());
        r.created_id()
    };
    let module_a = achievement("Module A");
    let module_b = achievement("Module B");
    let capstone = achievement("Capstone");
    let course = achievement("Online course");

    // Rules: a passed course with at least 70 % earns "Online course";
    // holding modules A and B earns "Capstone".
    assert_eq!(
        staff.get(&format!("/issuing/{issuer}/automation")).status,
        200
    );
    let activity = "https://lms.example.org/courses/rust-101";
    let r = staff.post(
        &format!("/issuing/{issuer}/xapi-rules"),
        &[
            ("activity", activity),
            ("achievement_id", &course),
            ("min_score", "70"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let r = staff.post(
        &format!("/issuing/{issuer}/stack-rules"),
        &[
            ("achievement_id", &capstone),
            ("components", &module_a),
            ("components", &module_b),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(staff.get(&format!("/issuing/{issuer}/tokens")).status, 200);
    let r = staff.post(
        &format!("/issuing/{issuer}/tokens"),
        &[("name", "Moodle LRS"), ("scope", "xapi")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    let token = page
        .split("id=\"new-token\"")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no new token in {page}"))
        .to_owned();
    assert!(token.starts_with("bpk_"), "{token}");

    // Module A by CSV, with a bad row reported and skipped.
    let csv = format!("email,name\n{learner_address},Demo Learner\nnot-an-address,Nobody\n");
    let r = staff.upload(
        &format!("/issuing/{issuer}/batches"),
        &[("achievement_id", &module_a), ("format", "json")],
        "modules.csv",
        csv.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let batch = r.created_id();
    let preview = staff.get(&format!("/issuing/batches/{batch}")).text();
    assert!(preview.contains("not-an-address"), "{preview}");
    let r = staff.post(&format!("/issuing/batches/{batch}/start"), &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    let started = std::time::Instant::now();
    while progress(&mut staff, &batch)["state"] != "done" {
        assert!(started.elapsed().as_secs() < 60, "the batch did not finish");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let report = staff
        .get(&format!("/issuing/batches/{batch}/report.csv"))
        .text();
    assert!(report.contains("not-an-address,invalid"), "{report}");

    // The learner sees module A, and the way to the capstone.
    // Delivery follows the commit of the chunk: moments after "done".
    let mut learner = server.login(learner_address);
    let mut portal = learner.get("/backpack/portal").text();
    for _ in 0..100 {
        if portal.contains("Module A") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        portal = learner.get("/backpack/portal").text();
    }
    assert!(portal.contains("Module A"), "{portal}");
    assert!(portal.contains("Capstone"), "progress towards it: {portal}");
    assert!(portal.contains("1 of 2"), "{portal}");

    // xAPI: no token, a wrong one, a malformed statement, an unknown
    // activity: refused, nothing issued.
    let statement = |id: &str, score: f64| -> String {
        serde_json::json!({
            "id": id,
            "actor": {"objectType": "Agent", "mbox": format!("mailto:{learner_address}")},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
            "object": {"objectType": "Activity", "id": activity},
            "result": {"score": {"scaled": score}, "success": true}
        })
        .to_string()
    };
    let version = ("X-Experience-API-Version", "1.0.3");
    let mut lrs = server.client();
    let first_id = "1b0c4a29-96a4-4c7e-9d07-2c1f4f1f1a01";
    let r = lrs.post_json("/xapi/statements", &[version], &statement(first_id, 0.9));
    assert_eq!(r.status, 401, "{}", r.text());
    let wrong = basic("bpk_not-a-real-token");
    let r = lrs.post_json(
        "/xapi/statements",
        &[version, ("Authorization", &wrong)],
        &statement(first_id, 0.9),
    );
    assert_eq!(r.status, 401, "{}", r.text());
    let auth = basic(&token);
    let r = lrs.post_json(
        "/xapi/statements",
        &[version, ("Authorization", &auth)],
        r#"{"actor": {"mbox": "mailto:learner@demo.backpack.test"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}}"#,
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("verb_unsupported"), "{}", r.text());
    let unknown =
        statement(first_id, 0.9).replace(activity, "https://lms.example.org/courses/other");
    let r = lrs.post_json(
        "/xapi/statements",
        &[version, ("Authorization", &auth)],
        &unknown,
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("unknown_activity"), "{}", r.text());
    // Below the minimum score: accepted, nothing awarded.
    let r = lrs.post_json(
        "/xapi/statements",
        &[version, ("Authorization", &auth)],
        &statement("1b0c4a29-96a4-4c7e-9d07-2c1f4f1f1a00", 0.5),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-backpack-outcomes"), Some("score_too_low"));
    assert!(!learner
        .get("/backpack/portal")
        .text()
        .contains("Online course"));
    // Passed: awarded; the same statement again and a second completion:
    // awarded once.
    let r = lrs.post_json(
        "/xapi/statements",
        &[version, ("Authorization", &auth)],
        &statement(first_id, 0.9),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-backpack-outcomes"), Some("awarded"));
    let ids: Vec<String> = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(ids, vec![first_id.to_owned()]);
    let r = lrs.post_json(
        "/xapi/statements",
        &[version, ("Authorization", &auth)],
        &statement(first_id, 0.9),
    );
    assert_eq!(r.header("x-backpack-outcomes"), Some("duplicate_statement"));
    let r = lrs.post_json(
        "/xapi/statements",
        &[version, ("Authorization", &auth)],
        &statement("1b0c4a29-96a4-4c7e-9d07-2c1f4f1f1a02", 1.0),
    );
    assert_eq!(r.header("x-backpack-outcomes"), Some("already_awarded"));
    let list = staff
        .get(&format!(
            "/issuing/{issuer}/credentials?achievement={course}"
        ))
        .text();
    assert_eq!(list.matches("/issuing/credentials/").count(), 1, "{list}");

    // Module B by hand: the learner now holds A and B, so the capstone is
    // awarded by the stacking rule.
    let r = staff.post(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &module_b),
            ("recipient_kind", "account"),
            ("recipient", learner_address),
            ("format", "jwt"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let portal = learner.get("/backpack/portal").text();
    for name in ["Module A", "Module B", "Online course", "Capstone"] {
        assert!(portal.contains(name), "{name} missing: {portal}");
    }
    assert!(
        !portal.contains("1 of 2"),
        "the capstone is earned: {portal}"
    );
    let list = staff
        .get(&format!(
            "/issuing/{issuer}/credentials?achievement={capstone}"
        ))
        .text();
    assert_eq!(list.matches("/issuing/credentials/").count(), 1, "{list}");
    assert!(list.contains("<td>Stacking rule</td>"), "{list}");

    // The command line verifies each, online against this server.
    let online = ["--online", "--allow-local-http"];
    let mut downloaded = Vec::new();
    for name in ["Module A", "Module B", "Online course", "Capstone"] {
        let id = credential_of(&mut staff, &issuer, name);
        let d = staff.get(&format!("/issuing/credentials/{id}/download"));
        assert_eq!(d.status, 200, "{}", d.text());
        let path = files.join(format!("{}.cred", name.replace(' ', "-")));
        std::fs::write(&path, &d.body).unwrap();
        let (code, out) = verify(&online, &path);
        assert_eq!(code, 0, "{name}: {out}");
        assert!(
            out.lines().next().unwrap().contains(": VERIFIED (green)"),
            "{name}: {out}"
        );
        assert!(out.contains(&format!("credential: {name}")), "{out}");
        assert!(check_line(&out, "status").ends_with("not revoked"), "{out}");
        assert!(
            check_line(&out, "eu_elements").ends_with("EU micro-credential: complete"),
            "{out}"
        );
        downloaded.push((id, path));
    }

    // Revoking the stacked credential shows in verification.
    let (capstone_id, capstone_file) = &downloaded[3];
    let r = staff.post(
        &format!("/issuing/credentials/{capstone_id}/state"),
        &[
            ("state", "revoked"),
            ("reason", "Module B was awarded by mistake"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let (code, out) = verify(&online, capstone_file);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines().next().unwrap().contains(": REVOKED (red)"),
        "{out}"
    );
    let _ = (module_a, module_b);
}
