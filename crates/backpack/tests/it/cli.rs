use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_backpack"))
}

struct Tmp(PathBuf);
impl Tmp {
    fn new(name: &str) -> Tmp {
        let dir = std::env::temp_dir().join(format!("backpack-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Tmp(dir)
    }
    fn p(&self, f: &str) -> PathBuf {
        self.0.join(f)
    }
}
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

use backpack_testkit::shared;

/// A key file and N signed credentials (JSON Lines).
fn setup(t: &Tmp, n: u64) -> (PathBuf, PathBuf) {
    let key = t.p("key.json");
    let o = run(&["key", "generate", "--out", s(&key)]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let unsigned = run(&["example", "-n", &n.to_string()]);
    std::fs::write(t.p("unsigned.jsonl"), &unsigned.stdout).unwrap();
    let o = run(&["sign", "--key", s(&key), s(&t.p("unsigned.jsonl"))]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    std::fs::write(t.p("signed.jsonl"), &o.stdout).unwrap();
    (key, t.p("signed.jsonl"))
}

#[test]
fn key_generate_writes_a_private_file_and_prints_the_did() {
    let t = Tmp::new("key");
    let key = t.p("k.json");
    let o = run(&["key", "generate", "--out", s(&key)]);
    assert_eq!(code(&o), 0);
    let did = text(&o.stdout).trim().to_string();
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    let file: Value = serde_json::from_slice(&std::fs::read(&key).unwrap()).unwrap();
    assert_eq!(file["did"], did.as_str());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = run(&["key", "generate", "--out", s(&key)]);
    assert_eq!(code(&again), 2);
    assert!(
        text(&again.stderr).contains("--force"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn signed_json_lines_verify_and_keep_their_order() {
    let t = Tmp::new("lines");
    let (_, signed) = setup(&t, 30);
    let lines: Vec<Value> = std::fs::read_to_string(&signed)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let unsigned: Vec<Value> = std::fs::read_to_string(t.p("unsigned.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 30);
    for (a, b) in lines.iter().zip(&unsigned) {
        assert_eq!(a["id"], b["id"]);
        assert!(a["proof"][0]["proofValue"]
            .as_str()
            .unwrap()
            .starts_with('z'));
    }
    let o = run(&["verify", s(&signed)]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let o = run(&["verify", "--json", s(&signed)]);
    let reports: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 30);
    assert!(reports
        .iter()
        .all(|r| r["verdict"] == "verified" && r["colour"] == "green"));
    assert_eq!(reports[4]["source"], format!("{}:5", s(&signed)));
}

#[test]
fn one_document_in_gives_one_document_out() {
    let t = Tmp::new("one");
    let (key, _) = setup(&t, 1);
    let unsigned: Value = serde_json::from_slice(&run(&["example"]).stdout).unwrap();
    let pretty = serde_json::to_string_pretty(&unsigned).unwrap();
    let o = run_stdin(&["sign", "--key", s(&key)], pretty.as_bytes());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let signed: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        text(&o.stdout).lines().count() > 5,
        "pretty output expected"
    );
    let o = run_stdin(
        &["verify", "-"],
        serde_json::to_string_pretty(&signed).unwrap().as_bytes(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
}

#[test]
fn a_bad_line_is_reported_and_the_rest_is_signed() {
    let t = Tmp::new("badline");
    let (key, _) = setup(&t, 1);
    let good = text(&run(&["example", "-n", "2"]).stdout);
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(1, "{not json");
    let o = run_stdin(&["sign", "--key", s(&key)], lines.join("\n").as_bytes());
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("-:2"), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).lines().count(), 2);
}

#[test]
fn signing_refuses_a_foreign_issuer_and_a_bad_key_file() {
    let t = Tmp::new("foreign");
    let (key, _) = setup(&t, 1);
    let other = run(&[
        "example",
        "--issuer",
        "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
    ]);
    let o = run_stdin(&["sign", "--key", s(&key)], &other.stdout);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o.stderr).contains("names issuer"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(t.p("bad-key.json"), b"{\"secretKeyMultibase\": \"nope\"}").unwrap();
    let o = run_stdin(&["sign", "--key", s(&t.p("bad-key.json"))], &other.stdout);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("secretKeyMultibase"),
        "{}",
        text(&o.stderr)
    );
    let o = run_stdin(&["sign", "--key", s(&t.p("missing.json"))], &other.stdout);
    assert_eq!(code(&o), 2);
}

#[test]
fn verify_exit_codes_are_0_1_2() {
    let t = Tmp::new("codes");
    let (_, signed) = setup(&t, 2);
    let mut doc: Value = serde_json::from_str(
        std::fs::read_to_string(&signed)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    doc["name"] = "Changed".into();
    std::fs::write(t.p("tampered.json"), serde_json::to_vec(&doc).unwrap()).unwrap();
    let o = run(&["verify", s(&t.p("tampered.json"))]);
    assert_eq!(code(&o), 1);
    assert!(text(&o.stdout).contains("INVALID"), "{}", text(&o.stdout));
    std::fs::write(t.p("garbage.txt"), b"hello").unwrap();
    let o = run(&["verify", s(&t.p("garbage.txt"))]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stdout).contains("UNUSABLE"), "{}", text(&o.stdout));
    let o = run(&["verify", s(&t.p("nope.json"))]);
    assert_eq!(code(&o), 2);
    // 2 wins over 1, and everything is still reported.
    let o = run(&[
        "verify",
        s(&signed),
        s(&t.p("tampered.json")),
        s(&t.p("garbage.txt")),
    ]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stdout).contains("VERIFIED") && text(&o.stdout).contains("INVALID"));
    let o = run(&["verify", "--at", "yesterday", s(&signed)]);
    assert_eq!(code(&o), 2);
}

#[test]
fn jwt_and_jcs_formats_round_trip() {
    let t = Tmp::new("fmt");
    let (key, _) = setup(&t, 1);
    let unsigned = t.p("unsigned.jsonl");
    for args in [vec!["--format", "jwt"], vec!["--suite", "eddsa-jcs-2022"]] {
        let mut a = vec!["sign", "--key", s(&key)];
        a.extend(args.iter());
        a.push(s(&unsigned));
        let o = run(&a);
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        let o2 = run_stdin(&["verify", "-"], &o.stdout);
        assert_eq!(code(&o2), 0, "{args:?}: {}", text(&o2.stdout));
    }
}

#[test]
fn bake_unbake_and_verify_png_and_svg() {
    let t = Tmp::new("bake");
    let (key, _) = setup(&t, 1);
    let assets = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets");
    let signed = run(&["sign", "--key", s(&key), s(&t.p("unsigned.jsonl"))]);
    std::fs::write(t.p("cred.json"), &signed.stdout).unwrap();
    let jwt = run(&[
        "sign",
        "--key",
        s(&key),
        "--format",
        "jwt",
        s(&t.p("unsigned.jsonl")),
    ]);
    std::fs::write(t.p("cred.jwt"), &jwt.stdout).unwrap();
    for img in ["badge.png", "badge.svg"] {
        for cred in ["cred.json", "cred.jwt"] {
            let out = t.p(&format!("baked-{cred}-{img}"));
            let o = run(&[
                "bake",
                "--image",
                s(&assets.join(img)),
                "--credential",
                s(&t.p(cred)),
                "-o",
                s(&out),
            ]);
            assert_eq!(code(&o), 0, "{}", text(&o.stderr));
            // Re-bake into the baked image: replaces, never duplicates.
            let again = t.p(&format!("again-{cred}-{img}"));
            let o = run(&[
                "bake",
                "--image",
                s(&out),
                "--credential",
                s(&t.p(cred)),
                "-o",
                s(&again),
            ]);
            assert_eq!(code(&o), 0, "{}", text(&o.stderr));
            let o = run(&["unbake", s(&again)]);
            assert_eq!(code(&o), 0);
            assert_eq!(
                text(&o.stdout).trim(),
                std::fs::read_to_string(t.p(cred)).unwrap().trim()
            );
            let o = run(&["verify", s(&again)]);
            assert_eq!(code(&o), 0, "{img} {cred}: {}", text(&o.stdout));
        }
    }
    let o = run(&[
        "bake",
        "--image",
        s(&t.p("cred.json")),
        "--credential",
        s(&t.p("cred.json")),
        "-o",
        s(&t.p("x.png")),
    ]);
    assert_eq!(code(&o), 2);
    let o = run(&[
        "bake",
        "--image",
        s(&assets.join("badge.png")),
        "--credential",
        s(&t.p("unsigned.jsonl")),
        "-o",
        s(&t.p("x.png")),
    ]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("no proof"), "{}", text(&o.stderr));
    let o = run(&["unbake", s(&assets.join("badge.png"))]);
    assert_eq!(code(&o), 2);
}

#[test]
fn status_lists_and_did_documents_from_files() {
    let Some(shared) = shared() else { return };
    let c = shared.join("corpus/dcc-vc-test-fixtures");
    let cred = c.join("v2-dataIntegrityProof-didKey-noRegistry-revokedStatus-noExpiry.json");
    let o = run(&["verify", s(&cred)]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o.stdout).contains("not checked"),
        "{}",
        text(&o.stdout)
    );
    // That list is signed by another key than the credential's issuer: not trusted.
    let o = run(&[
        "verify",
        "--status-list",
        s(&c.join("status/e5WK8CbZ1GjycuPombrj.json")),
        s(&cred),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o.stdout).contains("not by the credential's issuer"),
        "{}",
        text(&o.stdout)
    );
    // The 1EdTech revoked credential, with its issuer's key pinned and its list given.
    let t = Tmp::new("status");
    let b = shared.join("corpus/1edtech-validator/ob30/bit-string-list");
    let issuer = "https://1edtech.edu/issuers/565049";
    let vm = format!("{issuer}#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi");
    let doc = serde_json::json!({"id": issuer, "verificationMethod": [{"id": vm, "type": "Multikey", "controller": issuer,
        "publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"}], "assertionMethod": [vm]});
    std::fs::write(t.p("issuer.json"), doc.to_string()).unwrap();
    let revoked = b.join("credential-status-revoked.json");
    let o = run(&[
        "verify",
        "--did-document",
        s(&t.p("issuer.json")),
        "--status-list",
        s(&b.join("testlist.json")),
        s(&revoked),
    ]);
    assert_eq!(code(&o), 1);
    assert!(text(&o.stdout).contains("REVOKED"), "{}", text(&o.stdout));
    let web = c.join("v2-dataIntegrityProof-didweb-oidf-noStatus-notExpired.json");
    assert_eq!(code(&run(&["verify", s(&web)])), 1);
    let o = run(&[
        "verify",
        "--did-document",
        s(&c.join("dids/oidf-did.json")),
        s(&web),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let ob20 = shared.join("corpus/1edtech-validator/ob20");
    let o = run(&[
        "verify",
        "--ob2-docs",
        s(&ob20.join("docs")),
        s(&ob20.join("simple.jwt")),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
}

#[test]
fn long_json_lines_stream_through_several_batches() {
    let t = Tmp::new("batches");
    let (_, signed) = setup(&t, 5000);
    let o = run(&["verify", "--json", s(&signed)]);
    assert_eq!(code(&o), 0);
    let reports = text(&o.stdout);
    assert_eq!(reports.lines().count(), 5000);
    assert_eq!(reports.matches("\"verdict\":\"verified\"").count(), 5000);
    assert!(reports
        .lines()
        .last()
        .unwrap()
        .contains(&format!("{}:5000", s(&signed))));
}

#[test]
fn did_web_and_status_lists_resolve_online_only_when_asked() {
    use backpack_credentials::status::{Bitstring, MIN_LIST_BITS};
    let t = Tmp::new("online");
    let routes = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let port = backpack_testkit::serve_json(routes.clone());
    let did = format!("did:web:127.0.0.1%3A{port}");
    let vm = format!("{did}#key-1");
    // An issuer key that signs as the did:web identity.
    let key = t.p("key.json");
    run(&["key", "generate", "--out", s(&key)]);
    let mut k: Value = serde_json::from_slice(&std::fs::read(&key).unwrap()).unwrap();
    let public = k["publicKeyMultibase"].as_str().unwrap().to_string();
    k["did"] = did.clone().into();
    k["verificationMethod"] = vm.clone().into();
    std::fs::write(&key, k.to_string()).unwrap();
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did, "verificationMethod": [{"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": public}],
        "assertionMethod": [vm]
    });
    routes
        .lock()
        .unwrap()
        .insert("/.well-known/did.json".into(), doc.to_string());
    // A status list and a credential with an entry in it.
    let list_url = format!("http://127.0.0.1:{port}/status/1");
    let publish_list = |revoked: bool| {
        let mut bits = Bitstring::new(MIN_LIST_BITS);
        bits.set(5, revoked).unwrap();
        let list = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"], "id": list_url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "credentialSubject": {"id": format!("{list_url}#list"), "type": "BitstringStatusList",
                "statusPurpose": "revocation", "encodedList": bits.encode()}
        });
        let o = run_stdin(&["sign", "--key", s(&key)], list.to_string().as_bytes());
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        routes
            .lock()
            .unwrap()
            .insert("/status/1".into(), text(&o.stdout));
    };
    publish_list(false);
    let mut cred: Value =
        serde_json::from_slice(&run(&["example", "--issuer", &did]).stdout).unwrap();
    cred["credentialStatus"] = serde_json::json!({"id": format!("{list_url}#5"), "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "5", "statusListCredential": list_url});
    let o = run_stdin(&["sign", "--key", s(&key)], cred.to_string().as_bytes());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    std::fs::write(t.p("cred.json"), &o.stdout).unwrap();
    let c = t.p("cred.json");

    let offline = run(&["verify", s(&c)]);
    assert_eq!(code(&offline), 1);
    assert!(
        text(&offline.stdout).contains("KEY NOT BOUND"),
        "{}",
        text(&offline.stdout)
    );
    // Online, but loopback over http is refused without the test flag.
    let refused = run(&["verify", "--online", s(&c)]);
    assert_eq!(code(&refused), 1);
    assert!(
        text(&refused.stdout).contains("refused"),
        "{}",
        text(&refused.stdout)
    );
    let online = run(&["verify", "--online", "--allow-local-http", s(&c)]);
    assert_eq!(code(&online), 0, "{}", text(&online.stdout));
    assert!(
        text(&online.stdout).contains("not revoked"),
        "{}",
        text(&online.stdout)
    );
    publish_list(true);
    let revoked = run(&["verify", "--online", "--allow-local-http", s(&c)]);
    assert_eq!(code(&revoked), 1);
    assert!(
        text(&revoked.stdout).contains("REVOKED"),
        "{}",
        text(&revoked.stdout)
    );
    let bad = run(&["verify", "--allow-local-http", s(&c)]);
    assert_eq!(code(&bad), 2, "--allow-local-http requires --online");
}

/// Start `backpack serve`, wait for its banner, stop it with SIGTERM; returns stdout.
fn serve_once(args: &[&str]) -> (String, i32) {
    use std::io::{BufRead, BufReader};
    let mut child = bin()
        .arg("serve")
        .args(args)
        .env("BACKPACK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).unwrap() == 0 {
            break;
        }
        out.push_str(&line);
        if line.starts_with("Press Ctrl-C") {
            // Graceful shutdown on SIGTERM.
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap();
        }
    }
    let status = child.wait().unwrap();
    (out, status.code().unwrap_or(-1))
}

#[test]
fn serve_demo_creates_accounts_once_and_stops_gracefully() {
    let t = Tmp::new("serve-demo");
    let data = t.p("data");
    let (first, code1) = serve_once(&["--demo", "--listen", "127.0.0.1:0", "--data-dir", s(&data)]);
    assert_eq!(code1, 0, "{first}");
    assert!(first.contains("is running at http://127.0.0.1:"), "{first}");
    for who in [
        "learner@demo.backpack.test",
        "issuer@demo.backpack.test",
        "admin@demo.backpack.test",
    ] {
        assert!(first.contains(who), "{first}");
    }
    assert!(first.contains("Backpack stopped."), "{first}");
    assert!(data.join("backpack.db").exists());
    let (second, code2) =
        serve_once(&["--demo", "--listen", "127.0.0.1:0", "--data-dir", s(&data)]);
    assert_eq!(code2, 0);
    assert!(
        second.contains("Demo accounts exist from an earlier run"),
        "{second}"
    );
    assert!(!second.contains("passwords are shown only now"), "{second}");
}

#[test]
fn serve_refuses_bad_configuration_naming_the_key() {
    let t = Tmp::new("serve-config");
    std::fs::write(
        t.p("c.toml"),
        "listen = \"127.0.0.1:0\"\n[storage]\nkind = \"ftp\"\n",
    )
    .unwrap();
    let o = run(&[
        "serve",
        "--config",
        s(&t.p("c.toml")),
        "--data-dir",
        s(&t.p("d")),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("storage.kind"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(t.p("u.toml"), "listne = \"127.0.0.1:0\"\n").unwrap();
    let o = run(&["serve", "--config", s(&t.p("u.toml"))]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("listne"), "{}", text(&o.stderr));
    let o = bin()
        .args(["serve", "--data-dir", s(&t.p("d"))])
        .env("BACKPACK_AUTH__LOGIN_ATTEMPTS", "lots")
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("BACKPACK_AUTH__LOGIN_ATTEMPTS"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&[
        "serve",
        "--database-url",
        "mysql://x",
        "--data-dir",
        s(&t.p("d")),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("database_url"),
        "{}",
        text(&o.stderr)
    );
    assert!(!t.p("d").exists(), "nothing was created");
    let help = text(&run(&["serve", "--help"]).stdout);
    assert!(
        help.contains("BACKPACK_STORAGE__BUCKET") && help.contains("max_upload_bytes"),
        "{help}"
    );
}

#[test]
fn backup_and_restore_report_bad_files_clearly() {
    let t = Tmp::new("backup-cli");
    let o = run(&[
        "restore",
        s(&t.p("missing.tar")),
        "--data-dir",
        s(&t.p("d")),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("cannot open"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&["backup", s(&t.p("b.tar")), "--data-dir", s(&t.p("d"))]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("backup written"));
    let o = run(&["restore", s(&t.p("b.tar")), "--data-dir", s(&t.p("e"))]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
}

#[test]
fn a_signed_challenge_confirms_control_of_a_did() {
    let t = Tmp::new("challenge");
    let key = t.p("key.json");
    assert_eq!(code(&run(&["key", "generate", "--out", s(&key)])), 0);
    let o = run(&[
        "key",
        "sign-challenge",
        "--key",
        s(&key),
        "backpack-did-challenge:abc",
    ]);
    assert_eq!(code(&o), 0);
    let jws = text(&o.stdout).trim().to_owned();
    let parsed = backpack_crypto::jose::parse_compact(&jws).unwrap();
    assert_eq!(parsed.payload, b"backpack-did-challenge:abc");
    let kf: Value = serde_json::from_slice(&std::fs::read(&key).unwrap()).unwrap();
    let pk = backpack_crypto::did_key::public_key(kf["did"].as_str().unwrap()).unwrap();
    backpack_crypto::jose::verify_compact(&parsed, &pk).unwrap();
    let o = run(&["key", "sign-challenge", "--key", s(&t.p("nope.json")), "x"]);
    assert_eq!(code(&o), 2);
}

/// The audit's forged OB 2.0 issuer: an assertion signed with the attacker's
/// key whose embedded BadgeClass and Profile claim Harvard (the embedded
/// Profile listing the attacker's key), verified with the attacker's own
/// documents as `--ob2-docs`. Before the fix: "VERIFIED (green)".
#[test]
fn verify_ob2_docs_refuses_a_forged_embedded_issuer() {
    use base64::Engine;
    let t = Tmp::new("ob2-forged");
    let key = backpack_crypto::ed25519::SigningKey::from_seed(&[66; 32]);
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(&key.verifying_key().to_bytes());
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----",
        base64::engine::general_purpose::STANDARD.encode(der)
    );
    let ob2 = "https://w3id.org/openbadges/v2";
    let (evil_key, evil_issuer) = (
        "https://evil.example/keys/1.json",
        "https://evil.example/issuer.json",
    );
    let docs = t.p("docs");
    std::fs::create_dir_all(&docs).unwrap();
    let key_doc = serde_json::json!({"@context": ob2, "id": evil_key, "type": "CryptographicKey",
        "owner": evil_issuer, "publicKeyPem": pem});
    let profile = serde_json::json!({"@context": ob2, "id": evil_issuer, "type": "Issuer",
        "name": "Evil", "url": "https://evil.example", "publicKey": evil_key});
    std::fs::write(docs.join("key.json"), key_doc.to_string()).unwrap();
    std::fs::write(docs.join("issuer.json"), profile.to_string()).unwrap();
    let assertion = serde_json::json!({
        "@context": ob2, "type": "Assertion", "id": "https://evil.example/assertions/1",
        "recipient": {"type": "email", "hashed": false, "identity": "ada@example.org"},
        "issuedOn": "2026-01-01T00:00:00Z",
        "badge": {"id": "https://harvard.example.edu/badges/law.json", "type": "BadgeClass",
            "name": "Juris Doctor",
            "issuer": {"id": "https://harvard.example.edu/issuer.json", "type": "Issuer",
                "name": "Harvard University", "url": "https://harvard.example.edu",
                "publicKey": evil_key}},
        "verification": {"type": "signed", "creator": evil_key}
    });
    let token = backpack_crypto::jose::sign_compact_eddsa(
        &serde_json::Map::new(),
        assertion.to_string().as_bytes(),
        &key,
    );
    std::fs::write(t.p("forged.jwt"), &token).unwrap();
    let o = run(&["verify", "--ob2-docs", s(&docs), s(&t.p("forged.jwt"))]);
    let out = text(&o.stdout);
    assert_eq!(code(&o), 1, "{out}");
    assert!(!out.contains("VERIFIED"), "{out}");
    assert!(out.contains("KEY NOT BOUND (red)"), "{out}");
    let o = run(&[
        "verify",
        "--json",
        "--ob2-docs",
        s(&docs),
        s(&t.p("forged.jwt")),
    ]);
    let report: Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    assert_eq!(report["verdict"], "key_not_bound", "{report}");
    assert_ne!(report["issuer"], "Harvard University", "{report}");
}
