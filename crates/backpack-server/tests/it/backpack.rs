//! My e-Backpack over HTTP: external certificates (upload, pre-fill from the
//! PDF, preview, edit, download, delete; bad files refused with nothing
//! stored), the overview with its timeline and search, collections, note
//! attachments and links, the portfolio, and portal certificates.

use backpack_documents::samples;

use crate::client::{id_after, id_before};
use crate::{on_every_db, sample_png, Client, TestServer};

const PW: &str = "correct horse battery";

fn coursera_pdf() -> Vec<u8> {
    samples::pdf(&[samples::text_page(&samples::COURSERA_LINES)])
}

/// A PNG whose header claims 50,000 × 50,000 pixels (a decompression bomb).
fn bomb_png() -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        out.extend_from_slice(&h.finalize().to_be_bytes());
        out
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

fn rows(s: &TestServer, table: &str) -> usize {
    s.database_dump()
        .into_iter()
        .find(|t| t.table == table)
        .map_or(0, |t| t.rows.len())
}

fn files_on_disk(s: &TestServer) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        count(&p)
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    count(&s.data_dir.join("files"))
}

fn upload_certificate(c: &mut Client, name: &str, ctype: &str, bytes: &[u8]) -> String {
    let r = c.upload("/backpack/certificates", name, ctype, bytes);
    assert_eq!(r.status, 303, "{}", r.body);
    r.location()
        .trim_start_matches("/backpack/certificates/")
        .split('/')
        .next()
        .unwrap()
        .to_owned()
}

on_every_db!(
    a_certificate_pdf_is_prefilled_previewed_corrected_and_deleted,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let pdf = coursera_pdf();
        let r = ada.upload("/backpack/certificates", "ml.pdf", "application/pdf", &pdf);
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(
            r.location().ends_with("/edit?done=certificate_uploaded"),
            "{}",
            r.location()
        );
        let form = ada.get(r.location());
        assert!(form.body.contains("Check the details we filled in."));
        assert!(
            form.body.contains(r#"value="Machine Learning""#),
            "title recognised"
        );
        assert!(
            form.body.contains(r#"<option value="coursera" selected>"#),
            "platform recognised"
        );
        assert!(
            form.body.contains(r#"value="2024-01-05""#),
            "date recognised"
        );
        assert!(form
            .body
            .contains(r#"value="https://coursera.org/verify/ABCD1234EFGH""#));
        assert!(
            form.body.contains(r#"value="ABCD1234EFGH""#),
            "credential id"
        );
        let id = r.location().split('/').nth(3).unwrap().to_owned();
        let base = format!("/backpack/certificates/{id}");

        // The preview is a PNG of the first page, served as an image only.
        let preview = ada.get(&format!("{base}/preview"));
        assert_eq!(preview.status, 200);
        assert_eq!(preview.header("content-type"), Some("image/png"));
        assert!(preview.bytes.starts_with(b"\x89PNG"));
        assert!(preview
            .header("content-security-policy")
            .unwrap()
            .contains("sandbox"));

        // The learner corrects; bad values are refused field by field.
        let bad = ada.post_form(
            &base,
            &[
                ("title", ""),
                ("platform", "myspace"),
                ("issued_on", "2024-02-30"),
                ("verification_url", "javascript:alert(1)"),
            ],
        );
        assert_eq!(bad.status, 422);
        for msg in [
            "Enter a real date",
            "Enter a web address starting with https://",
            "Choose one of the options offered.",
        ] {
            assert!(bad.body.contains(msg), "{msg}");
        }
        let ok = ada.post_form(
            &base,
            &[
                ("title", "Machine Learning (Stanford)"),
                ("platform", "coursera"),
                ("issuer_name", "Stanford University"),
                ("issued_on", "2024-01-05"),
                ("credential_id", "ABCD1234EFGH"),
                (
                    "verification_url",
                    "https://coursera.org/verify/ABCD1234EFGH",
                ),
                ("tags", "ML, Python"),
                ("description", "Supervised learning <b>and</b> more"),
            ],
        );
        assert_eq!(ok.status, 303, "{}", ok.body);
        let page = ada.get(&base);
        assert!(page.body.contains("Machine Learning (Stanford)"));
        assert!(page.body.contains("Stanford University"));
        assert!(
            page.body.contains("&lt;b&gt;and&lt;/b&gt;"),
            "description rendered inert"
        );
        assert!(page.body.contains(">ml</a>") && page.body.contains(">python</a>"));

        // The original comes back byte for byte, as an attachment in a sandbox.
        let file = ada.get(&format!("{base}/file"));
        assert_eq!(file.bytes, pdf);
        assert!(file
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment"));
        assert!(file
            .header("content-security-policy")
            .unwrap()
            .contains("sandbox"));

        // Images are certificates too, with a preview.
        let png_id = upload_certificate(&mut ada, "cert.png", "image/png", &sample_png());
        assert_eq!(
            ada.get(&format!("/backpack/certificates/{png_id}/preview"))
                .status,
            200
        );
        let list = ada.get("/backpack/certificates");
        assert!(
            list.body.contains("Machine Learning (Stanford)") && list.body.contains(">cert</a>")
        );

        // Delete: the row goes now, the files after the grace period.
        let del = ada.post_form(&format!("{base}/delete"), &[]);
        assert_eq!(del.status, 303);
        assert_eq!(ada.get(&base).status, 404);
        assert_eq!(rows(&s, "certificates"), 1);
    }
);

on_every_db!(
    bad_certificate_uploads_are_refused_clearly_and_change_nothing,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let before = (rows(&s, "certificates"), files_on_disk(&s));
        let cases: &[(&str, &str, Vec<u8>, u16, &str)] = &[
            (
                "x.pdf",
                "application/pdf",
                b"<html><script>alert(1)</script></html>".to_vec(),
                415,
                "Choose a PDF, PNG or JPEG file",
            ),
            (
                "x.pdf",
                "application/pdf",
                b"%PDF-1.7\n1 0 obj garbage\n%%EOF".to_vec(),
                422,
                "could not be read",
            ),
            (
                "half.pdf",
                "application/pdf",
                coursera_pdf()[..300].to_vec(),
                422,
                "could not be read",
            ),
            ("bomb.png", "image/png", bomb_png(), 422, "too many pixels"),
            ("empty.pdf", "application/pdf", Vec::new(), 422, ""),
        ];
        for (name, ctype, bytes, status, msg) in cases {
            let r = ada.upload("/backpack/certificates", name, ctype, bytes);
            assert_eq!(r.status, *status, "{name}: {}", r.body);
            assert!(r.body.contains(msg), "{name}: {msg}");
            assert!(
                r.body.contains(r#"aria-invalid="true""#),
                "{name}: tied to the field"
            );
        }
        // In French too.
        let fr = ada.get_with("/backpack/certificates", &[("Accept-Language", "fr")]);
        assert_eq!(fr.status, 200);
        ada.post_form("/language", &[("lang", "fr"), ("next", "/backpack")]);
        let r = ada.upload(
            "/backpack/certificates",
            "bomb.png",
            "image/png",
            &bomb_png(),
        );
        assert!(r.body.contains("trop de pixels"), "{}", r.body);
        assert_eq!(
            (rows(&s, "certificates"), files_on_disk(&s)),
            before,
            "nothing stored"
        );
    }
);

on_every_db!(
    pdf_form_bombs_are_refused_quickly_while_the_server_stays_responsive,
    |s: TestServer| {
        // Nested form XObjects, fan-out 10: 10^7 and 10^9 fills in a few
        // kilobytes (the audit: 42 s, and a core busy until SIGKILL).
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let before = (rows(&s, "certificates"), files_on_disk(&s));
        for depth in [7, 9] {
            let bomb = samples::form_bomb(10, depth);
            let mut uploader = ada;
            let upload = std::thread::spawn(move || {
                let start = std::time::Instant::now();
                let r = uploader.upload(
                    "/backpack/certificates",
                    "bomb.pdf",
                    "application/pdf",
                    &bomb,
                );
                (r, start.elapsed(), uploader)
            });
            // Meanwhile the server answers at once.
            let mut probe = s.client();
            while !upload.is_finished() {
                let start = std::time::Instant::now();
                assert_eq!(probe.get("/healthz").status, 200);
                assert!(
                    start.elapsed() < std::time::Duration::from_secs(1),
                    "/healthz took {:?}",
                    start.elapsed()
                );
                #[allow(clippy::disallowed_methods)] // polls while the upload runs
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let (r, took, back) = upload.join().unwrap();
            ada = back;
            assert_eq!(r.status, 422, "10^{depth}: {}", r.body);
            assert!(
                r.body.contains("too much drawing"),
                "10^{depth}: {}",
                r.body
            );
            assert!(
                r.body.contains(r#"aria-invalid="true""#),
                "tied to the field"
            );
            assert!(
                took < std::time::Duration::from_secs(2),
                "10^{depth} took {took:?}"
            );
        }
        ada.post_form("/language", &[("lang", "fr"), ("next", "/backpack")]);
        let r = ada.upload(
            "/backpack/certificates",
            "bomb.pdf",
            "application/pdf",
            &samples::form_bomb(10, 9),
        );
        assert!(r.body.contains("trop de dessin"), "{}", r.body);
        assert_eq!(
            (rows(&s, "certificates"), files_on_disk(&s)),
            before,
            "nothing stored"
        );
        // An ordinary certificate still goes through.
        upload_certificate(&mut ada, "ml.pdf", "application/pdf", &coursera_pdf());
    }
);

#[test]
fn certificates_over_the_upload_limit_are_refused() {
    let s = TestServer::start_with(crate::Db::Sqlite, &[("BACKPACK_MAX_UPLOAD_BYTES", "1000")])
        .unwrap();
    let mut ada = s.register("Ada", "ada@example.org", PW);
    let big = coursera_pdf();
    assert!(big.len() > 1000);
    let r = ada.upload("/backpack/certificates", "big.pdf", "application/pdf", &big);
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body.contains("too large"), "{}", r.body);
    assert_eq!(rows(&s, "certificates"), 0);
}

fn search_fixture(s: &TestServer) -> Client {
    let mut ada = s.register("Ada", "ada@example.org", PW);
    upload_certificate(&mut ada, "ml.pdf", "application/pdf", &coursera_pdf());
    let edx = samples::pdf(&[samples::text_page(&samples::EDX_LINES)]);
    let edx_id = upload_certificate(&mut ada, "cs50.pdf", "application/pdf", &edx);
    ada.post_form(
        &format!("/backpack/certificates/{edx_id}"),
        &[
            ("title", "CS50x: Introduction to Computer Science"),
            ("platform", "edx"),
            ("issued_on", "2023-09-05"),
            ("tags", "programming"),
        ],
    );
    let (json, _) = crate::badges::signed_badge_for_tests();
    ada.upload(
        "/backpack/badges",
        "rust.json",
        "application/json",
        json.as_bytes(),
    );
    ada.post_form(
        "/backpack/notes",
        &[
            ("title", "Interview prep"),
            ("body", "Talk about machine learning"),
            ("tags", "career"),
        ],
    );
    ada
}

on_every_db!(
    the_overview_shows_every_area_a_timeline_and_searches_across_them,
    |s: TestServer| {
        let mut ada = search_fixture(&s);
        let home = ada.get("/backpack");
        assert_eq!(home.status, 200);
        for text in [
            "External certificates",
            "Digital badges",
            "Portal certificates",
            "Portfolio",
            "Notes",
            "Timeline",
            "Machine Learning",
            "CS50x",
            "Erste Hilfe",
            "Interview prep",
        ] {
            assert!(home.body.contains(text), "{text}");
        }
        let titles = |c: &mut Client, q: &str| {
            let body = c.get(&format!("/backpack?{q}")).body;
            let results = body
                .split("id=\"results-h\"")
                .nth(1)
                .unwrap_or("")
                .to_owned();
            ["Machine Learning", "CS50x", "Erste Hilfe", "Interview prep"]
                .into_iter()
                .filter(|t| results.contains(t))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            titles(&mut ada, "q=machine+learning"),
            ["Machine Learning", "Interview prep"]
        );
        assert_eq!(
            titles(&mut ada, "q=rettungsdienstes"),
            ["Erste Hilfe"],
            "badge descriptions"
        );
        assert_eq!(
            titles(&mut ada, "area=certificate"),
            ["Machine Learning", "CS50x"]
        );
        assert_eq!(titles(&mut ada, "tag=programming"), ["CS50x"]);
        assert_eq!(
            titles(&mut ada, "tag=erste+hilfe+leisten"),
            ["Erste Hilfe"],
            "skills from alignments"
        );
        assert_eq!(titles(&mut ada, "issuer=edX"), ["CS50x"]);
        assert_eq!(
            titles(&mut ada, "from=2024-01-01&area=certificate"),
            ["Machine Learning"]
        );
        assert_eq!(titles(&mut ada, "to=2023-12-31"), ["CS50x"]);
        assert!(ada
            .get("/backpack?q=nothing-like-this")
            .body
            .contains("Nothing matches this search."));
        let bad = ada.get("/backpack?from=yesterday&area=secrets");
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("Enter a real date"));
        // Another learner sees none of it.
        let mut bob = s.register("Bob", "bob@example.org", PW);
        assert!(bob
            .get("/backpack?q=machine")
            .body
            .contains("Nothing matches this search."));
    }
);

on_every_db!(collections_group_items_of_any_area, |s: TestServer| {
    let mut ada = search_fixture(&s);
    let bad = ada.post_form(
        "/backpack/collections",
        &[("name", " "), ("description", "")],
    );
    assert_eq!(bad.status, 422);
    let r = ada.post_form(
        "/backpack/collections",
        &[
            ("name", "Job application"),
            ("description", "For data roles"),
        ],
    );
    assert_eq!(r.status, 303);
    let coll = r.location().split('?').next().unwrap().to_owned();
    let coll_id = coll.rsplit('/').next().unwrap().to_owned();
    let home = ada.get("/backpack").body;
    let cert = id_before(&home, ">Machine Learning<", "/backpack/certificates/");
    let note = id_before(
        &ada.get("/backpack?area=note").body,
        ">Interview prep<",
        "/backpack/notes/",
    );
    for item in [format!("certificate:{cert}"), format!("note:{note}")] {
        let r = ada.post_form(
            "/backpack/collections/items",
            &[("collection", &coll_id), ("item", &item)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let page = ada.get(&coll);
    assert!(page.body.contains("Machine Learning") && page.body.contains("Interview prep"));
    assert!(ada
        .get(&format!("/backpack/certificates/{cert}"))
        .body
        .contains("Job application"));
    // Someone else's item cannot be added; nor to someone else's collection.
    let mut bob = s.register("Bob", "bob@example.org", PW);
    let r = bob.post_form(
        "/backpack/collections/items",
        &[("collection", &coll_id), ("item", &format!("note:{note}"))],
    );
    assert_eq!(r.status, 404);
    let r = ada.post_form(
        "/backpack/collections/items",
        &[
            ("collection", &coll_id),
            ("item", "badge:00000000-0000-0000-0000-000000000000"),
        ],
    );
    assert_eq!(r.status, 404);
    let r = ada.post_form(
        &format!("{coll}/remove"),
        &[("item", &format!("note:{note}"))],
    );
    assert_eq!(r.status, 303);
    assert!(!ada.get(&coll).body.contains("Interview prep"));
    let r = ada.post_form(&coll, &[("name", "Data jobs"), ("description", "")]);
    assert_eq!(r.status, 303);
    assert!(ada.get("/backpack/collections").body.contains("Data jobs"));
    assert_eq!(ada.post_form(&format!("{coll}/delete"), &[]).status, 303);
    assert_eq!(ada.get(&coll).status, 404);
    assert_eq!(
        ada.get(&format!("/backpack/certificates/{cert}")).status,
        200,
        "items stay"
    );
});

on_every_db!(
    notes_take_attachments_and_link_to_credentials,
    |s: TestServer| {
        let mut ada = search_fixture(&s);
        let home = ada.get("/backpack").body;
        let cert = id_before(&home, ">Machine Learning<", "/backpack/certificates/");
        let note = id_before(
            &ada.get("/backpack?area=note").body,
            ">Interview prep<",
            "/backpack/notes/",
        );
        let note_url = format!("/backpack/notes/{note}");
        let r = ada.upload(
            &format!("{note_url}/files"),
            "slides <1>.html",
            "text/html",
            b"<script>alert(1)</script>",
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let page = ada.get(&note_url).body;
        let file = id_after(&page, "Attached files", "/backpack/notes/files/");
        let dl = ada.get(&format!("/backpack/notes/files/{file}"));
        assert_eq!(dl.bytes, b"<script>alert(1)</script>");
        assert!(dl
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment"));
        assert!(dl
            .header("content-security-policy")
            .unwrap()
            .contains("sandbox"));
        assert_eq!(
            dl.header("content-type"),
            Some("text/plain"),
            "typed by content, not by name"
        );
        let r = ada.upload(&format!("{note_url}/files"), "empty.txt", "text/plain", b"");
        assert_eq!(r.status, 422);

        let r = ada.post_form(
            &format!("{note_url}/links"),
            &[("item", &format!("certificate:{cert}"))],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(ada.get(&note_url).body.contains("Machine Learning"));
        let cert_page = ada.get(&format!("/backpack/certificates/{cert}")).body;
        assert!(
            cert_page.contains("Notes about this item") && cert_page.contains("Interview prep")
        );
        let r = ada.post_form(
            &format!("{note_url}/links"),
            &[("item", "badge:00000000-0000-0000-0000-000000000000")],
        );
        assert_eq!(r.status, 422, "only the learner's own items");

        assert_eq!(
            ada.post_form(&format!("/backpack/notes/files/{file}/delete"), &[])
                .status,
            303
        );
        assert_eq!(
            ada.get(&format!("/backpack/notes/files/{file}")).status,
            404
        );
    }
);

on_every_db!(the_portfolio_builds_a_cv_with_evidence, |s: TestServer| {
    let mut ada = search_fixture(&s);
    let home = ada.get("/backpack").body;
    let cert = id_before(&home, ">Machine Learning<", "/backpack/certificates/");
    let r = ada.post_form(
        "/backpack/portfolio/profile",
        &[
            ("headline", "Data analyst"),
            ("email", "ada@example.org"),
            ("website", "https://ada.example.org"),
            ("summary", "Curious."),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let bad = ada.post_form(
        "/backpack/portfolio/profile",
        &[("website", "javascript:alert(1)")],
    );
    assert_eq!(bad.status, 422);
    let evidence = format!("certificate:{cert}");
    let r = ada.post_form(
        "/backpack/portfolio/entries",
        &[
            ("section", "experience"),
            ("title", "Data intern"),
            ("organisation", "Stats Office"),
            ("from", "2024-02"),
            ("to", "2024-08"),
            ("evidence", &evidence),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let bad = ada.post_form(
        "/backpack/portfolio/entries",
        &[
            ("section", "education"),
            ("title", "BSc"),
            ("from", "2024-13"),
            ("to", "2020-01"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Enter a month as year-month"));
    let r = ada.post_form(
        "/backpack/portfolio/entries",
        &[
            ("section", "languages"),
            ("title", "English"),
            ("level_0", "C1"),
            ("level_4", "B2"),
        ],
    );
    assert_eq!(r.status, 303);
    let bad = ada.post_form(
        "/backpack/portfolio/entries",
        &[
            ("section", "languages"),
            ("title", "German"),
            ("level_0", "Z9"),
        ],
    );
    assert_eq!(bad.status, 422);
    let r = ada.post_form(
        "/backpack/portfolio/entries",
        &[
            ("section", "skills"),
            ("title", "SQL"),
            ("category", "digital"),
            ("evidence", "badge:00000000-0000-0000-0000-000000000000"),
        ],
    );
    assert_eq!(r.status, 422, "evidence must be the learner's own");
    let cv = ada.get("/backpack/portfolio").body;
    for text in [
        "Data analyst",
        "Data intern",
        "Stats Office",
        "English",
        "Listening: C1",
        "Writing: B2",
    ] {
        assert!(cv.contains(text), "{text}");
    }
    assert!(
        cv.contains(&format!(
            r#"<a href="/backpack/certificates/{cert}">Machine Learning</a>"#
        )),
        "evidence linked"
    );
    let entry = id_after(
        &cv,
        "Data intern — Stats Office</summary>",
        "/backpack/portfolio/entries/",
    );
    let r = ada.post_form(
        &format!("/backpack/portfolio/entries/{entry}/delete"),
        &[("section", "experience")],
    );
    assert_eq!(r.status, 303);
    assert!(!ada.get("/backpack/portfolio").body.contains("Data intern"));
    // In the archive.
    let export = ada.get("/account/export");
    assert!(String::from_utf8_lossy(&export.bytes).contains("\"headline\": \"Data analyst\""));
});

on_every_db!(
    portal_certificates_have_their_area_and_downloads,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        assert!(ada
            .get("/backpack/portal")
            .body
            .contains("has not issued you a credential yet"));
        let (json, _) = crate::badges::signed_badge_for_tests();
        let id = s.give_portal_credential("ada@example.org", json.clone().into_bytes());
        let list = ada.get("/backpack/portal").body;
        assert!(list.contains(&format!("/backpack/badges/{id}")));
        assert!(
            !ada.get("/backpack/badges")
                .body
                .contains(&format!("/backpack/badges/{id}")),
            "not among imported badges"
        );
        let page = ada.get(&format!("/backpack/badges/{id}")).body;
        assert!(page.contains("Back to my portal certificates") && page.contains("Verified"));
        let as_json = ada.get(&format!("/backpack/badges/{id}/credential.json"));
        assert_eq!(as_json.header("content-type"), Some("application/json"));
        let doc: serde_json::Value = serde_json::from_slice(&as_json.bytes).unwrap();
        let original: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(doc, original);
        let png = ada.get(&format!("/backpack/badges/{id}/baked.png"));
        assert!(png.bytes.starts_with(b"\x89PNG"));
        let baked = backpack_bake::unbake(&png.bytes).unwrap();
        let inside: serde_json::Value = serde_json::from_str(&baked.text).unwrap();
        assert_eq!(inside, original, "the PNG carries the credential");
        // The baked PNG imports back as the same credential.
        let r = ada.upload("/backpack/badges", "again.png", "image/png", &png.bytes);
        assert!(
            r.location()
                .ends_with(&format!("{id}?done=badge_already_here")),
            "{}",
            r.location()
        );
        let counts = ada.get("/backpack").body;
        assert!(counts.contains("Portal certificates"));
    }
);
