//! My e-Backpack, notes, over HTTP: write, read (Markdown rendered inert),
//! edit, search by text and tag, delete; bad input refused.

use crate::client::id_before;
use crate::{on_every_db, TestServer};

const PW: &str = "correct horse battery";

on_every_db!(
    notes_are_written_rendered_inert_searched_edited_and_deleted,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        assert!(ada.get("/backpack/notes").body.contains("No note found."));
        assert_eq!(ada.get("/backpack/notes/new").status, 200);
        let r = ada.post_form(
        "/backpack/notes",
        &[
            ("title", "Rust course <script>alert(1)</script>"),
            ("body", "Finished **module 3**.\n\n<img src=x onerror=alert(1)> [link](javascript:alert(1)) [ok](https://example.org/)"),
            ("tags", "Rust, career, rust"),
        ],
    );
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(r.location().ends_with("?done=note_saved"));
        let page = ada.get(r.location());
        assert!(page.body.contains("The note is saved."));
        assert!(page.body.contains("<strong>module 3</strong>"));
        assert!(
            page.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "raw HTML shown as text"
        );
        assert!(
            !page.body.contains("javascript:alert"),
            "unsafe link dropped"
        );
        assert!(page.body.contains(r#"href="https://example.org/">ok</a>"#));
        assert!(!page.body.contains("<script>alert(1)</script>"));
        assert!(
            page.body.contains(">rust</a>") && page.body.contains(">career</a>"),
            "tags normalised"
        );
        let note_url = r.location().split('?').next().unwrap().to_owned();

        ada.post_form(
            "/backpack/notes",
            &[
                ("title", "CV ideas"),
                ("body", "Mention the badge"),
                ("tags", "career"),
            ],
        );
        let list = ada.get("/backpack/notes");
        assert!(list.body.contains("2 notes"));
        let found = ada.get("/backpack/notes?q=MODULE");
        assert!(
            found.body.contains("One note") && found.body.contains("Rust course"),
            "{}",
            found.body
        );
        let tagged = ada.get("/backpack/notes?tag=career");
        assert!(tagged.body.contains("2 notes"));
        let none = ada.get("/backpack/notes?q=%25");
        assert!(none.body.contains("No note found."), "% is literal");

        // Edit: the form shows the note; bad values are refused and kept.
        let edit = ada.get(&format!("{note_url}/edit"));
        assert!(edit.body.contains("Finished **module 3**."));
        let r = ada.post_form(
            &note_url,
            &[("title", ""), ("body", "x"), ("tags", &"t".repeat(41))],
        );
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains("This field is required.")
                && r.body.contains("A tag has at most 40 characters.")
        );
        assert!(r.body.contains(r##"<a href="#f-title">"##));
        let r = ada.post_form(
            &note_url,
            &[("title", "Rust course"), ("body", "Done."), ("tags", "")],
        );
        assert_eq!(r.status, 303);
        let page = ada.get(&note_url);
        assert!(page.body.contains("<p>Done.</p>") && !page.body.contains("career</a>"));

        let id = id_before(
            &ada.get("/backpack/notes").body,
            ">Rust course</a>",
            "/backpack/notes/",
        );
        assert_eq!(
            ada.post_form(&format!("/backpack/notes/{id}/delete"), &[])
                .status,
            303
        );
        assert_eq!(ada.get(&note_url).status, 404);
        assert!(ada.get("/backpack/notes").body.contains("One note"));
        // A body over the limit is refused, nothing saved.
        let r = ada.post_form(
            "/backpack/notes",
            &[
                ("title", "Big"),
                ("body", &"b".repeat(50_001)),
                ("tags", ""),
            ],
        );
        assert!(r.status == 422 || r.status == 413, "{}", r.status);
        assert!(ada.get("/backpack/notes").body.contains("One note"));
    }
);
