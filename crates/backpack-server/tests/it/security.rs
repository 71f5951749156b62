//! Security properties, checked over every route of the route table.

use backpack_web::routes;

use crate::{on_every_db, TestServer};

const PW: &str = "correct horse battery";

/// A path with `{id}` filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "00000000-0000-4000-8000-000000000000")
}

on_every_db!(
    every_state_changing_route_refuses_a_missing_or_wrong_token_or_foreign_origin,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let token = ada.csrf();
        let posts: Vec<_> = routes(1024)
            .into_iter()
            .filter(|r| r.method != axum::http::Method::GET)
            .collect();
        assert!(posts.len() >= 15);
        for r in &posts {
            let path = concrete(r.path);
            let form = "a=b".to_owned().into_bytes();
            let missing = ada.post_raw(
                &path,
                "application/x-www-form-urlencoded",
                form.clone(),
                &[],
            );
            assert_eq!(missing.status, 403, "{} without a token", r.path);
            assert!(
                missing
                    .body
                    .contains("This form has expired or comes from another site."),
                "{}",
                r.path
            );
            let wrong = ada.post_raw(
                &path,
                "application/x-www-form-urlencoded",
                b"_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_vec(),
                &[],
            );
            assert_eq!(wrong.status, 403, "{} with a wrong token", r.path);
            let body = format!("_csrf={token}").into_bytes();
            let foreign = ada.post_raw(
                &path,
                "application/x-www-form-urlencoded",
                body.clone(),
                &[("Origin", "https://evil.example")],
            );
            assert_eq!(foreign.status, 403, "{} from another origin", r.path);
            let multipart = ada.post_raw(
                &path,
                "multipart/form-data; boundary=x",
                b"--x--\r\n".to_vec(),
                &[],
            );
            assert_eq!(
                multipart.status, 403,
                "{} multipart without a token",
                r.path
            );
        }
        // Still signed in, nothing changed: the account page is as before.
        assert_eq!(ada.get("/account").status, 200);
        s.login("ada@example.org", PW);
    }
);

on_every_db!(no_get_changes_state, |s: TestServer| {
    let mut ada = s.register("Ada", "ada@example.org", PW);
    ada.post_form("/account/emails", &[("email", "two@example.org")]);
    let token = s.mailed_token("two@example.org", "/confirm-email");
    let snapshot = || {
        let mut dump = s.database_dump();
        dump.retain(|t| t.table != "login_failures");
        dump
    };
    let before = snapshot();
    let gets: Vec<_> = routes(1024)
        .into_iter()
        .filter(|r| r.method == axum::http::Method::GET)
        .collect();
    for r in &gets {
        for query in ["", "?token=", "?done=profile_saved&page=2&next=/x"] {
            ada.get(&format!("{}{query}", concrete(r.path)));
            s.client().get(&format!("{}{query}", concrete(r.path)));
        }
    }
    ada.get(&format!("/confirm-email?token={token}"));
    ada.get(&format!("/reset-password?token={token}"));
    assert_eq!(snapshot(), before, "a GET changed the database");
});

on_every_db!(
    html_pages_carry_the_security_headers_and_cookies_are_strict,
    |s: TestServer| {
        let mut c = s.client();
        let mut pages = vec![
            "/",
            "/login",
            "/register",
            "/forgot-password",
            "/reset-password",
            "/confirm-email",
            "/nope",
        ];
        let first = c.get("/login");
        let csrf_cookie = first
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("__Host-csrf="))
            .unwrap()
            .to_owned();
        for attr in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
            assert!(csrf_cookie.contains(attr), "{csrf_cookie}");
        }
        assert!(
            !csrf_cookie.contains("Domain="),
            "__Host- cookies have no Domain"
        );
        let mut ada = s.register("Ada", "ada@example.org", PW);
        pages.extend(["/account", "/admin/users"]);
        for p in pages {
            for client in [&mut c, &mut ada] {
                let r = client.get(p);
                if r.status == 303 {
                    continue;
                }
                let csp = r
                    .header("content-security-policy")
                    .unwrap_or_else(|| panic!("{p}: no CSP"));
                assert!(
                    csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
                    "{p}: {csp}"
                );
                assert!(
                    !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
                    "{p}: {csp}"
                );
                assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{p}");
                assert!(
                    !r.body.contains("<script>") && !r.body.contains(" onclick="),
                    "{p}: inline script"
                );
                assert!(r.body.contains("<html lang=\"en\" dir=\"ltr\">"), "{p}");
                let title = r
                    .body
                    .split("<title>")
                    .nth(1)
                    .and_then(|t| t.split("</title>").next())
                    .unwrap_or("");
                assert!(
                    title.ends_with(" · Backpack") && !title.contains('<'),
                    "{p}: title {title:?}"
                );
            }
        }
        // The session cookie: __Host-, Secure, HttpOnly, SameSite, 256 random bits; rotated at login.
        let mut c = s.client();
        c.get("/login");
        let csrf_before = c.csrf();
        let r = c.post_form("/login", &[("email", "ada@example.org"), ("password", PW)]);
        let session = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("__Host-session="))
            .unwrap()
            .to_owned();
        for attr in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age="] {
            assert!(session.contains(attr), "{session}");
        }
        let token = c.session().unwrap();
        assert!(token.len() >= 22, "at least 128 bits");
        assert_ne!(Some(token), ada.session());
        assert_ne!(c.csrf(), csrf_before, "the CSRF token changes at login");
        // Logging out clears the cookie and ends the session server-side.
        let stolen = c.session().unwrap();
        c.post_form("/logout", &[]);
        let mut thief = s.client();
        thief.cookies.insert("__Host-session".into(), stolen);
        assert_eq!(thief.get("/account").status, 303);
    }
);

on_every_db!(
    bad_input_gets_a_clear_message_in_the_users_language,
    |s: TestServer| {
        let mut c = s.client();
        c.get("/login");
        let token = c.csrf();
        // Too large a form.
        let big = format!("_csrf={token}&email={}", "a".repeat(100 * 1024));
        let r = c.post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            big.into_bytes(),
            &[("Accept-Language", "fr")],
        );
        assert_eq!(r.status, 413);
        assert!(r.body.contains("trop volumineux"), "{}", r.body);
        assert!(r.body.contains("<html lang=\"fr\""));
        // The wrong content type.
        let r = c.post_raw(
            "/login",
            "application/json",
            br#"{"email":"x"}"#.to_vec(),
            &[],
        );
        assert_eq!(r.status, 415);
        assert!(r
            .body
            .contains("This kind of request is not accepted here."));
        // An unknown page, an unknown method.
        let r = c.get("/no/such/page");
        assert_eq!(r.status, 404);
        assert!(r.body.contains("This page does not exist"));
        let r = c.post_form("/account/emails/not-a-uuid/delete", &[]);
        assert!(r.status == 303 || r.status == 404, "{}", r.status);
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let r = ada.post_form("/account/emails/not-a-uuid/delete", &[]);
        assert_eq!(r.status, 404);
        // Over-long values are refused, not truncated silently.
        let r = ada.post_form(
            "/account/profile",
            &[("display_name", &"x".repeat(101)), ("locale", "")],
        );
        assert_eq!(r.status, 422);
        assert!(r.body.contains("This is too long."));
        let r = ada.post_form(
            "/account/profile",
            &[("display_name", "Ada"), ("locale", "klingon")],
        );
        assert_eq!(r.status, 422);
        assert!(!ada.get("/account").body.contains("klingon"));
    }
);

on_every_db!(
    uploads_are_checked_by_content_and_served_as_sandboxed_attachments,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let png = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/badge.png"
        ))
        .unwrap();
        // A script named .png is refused, whatever the browser claims.
        let r = ada.upload(
            "/account/photo",
            "evil.png",
            "image/png",
            b"<script>alert(1)</script>",
        );
        assert_eq!(r.status, 415);
        assert!(
            r.body.contains("This type of file is not accepted."),
            "{}",
            r.body
        );
        let r = ada.upload("/account/photo", "empty.png", "image/png", b"");
        assert_eq!(r.status, 422);
        assert!(r.body.contains("Choose a file."));

        let r = ada.upload(
            "/account/photo",
            "../../My Photo.exe",
            "application/octet-stream",
            &png,
        );
        assert_eq!(
            (r.status, r.location()),
            (303, "/account?done=photo_saved"),
            "{}",
            r.body
        );
        let page = ada.get("/account");
        let id = page
            .body
            .split("/files/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let f = ada.get(&format!("/files/{id}"));
        assert_eq!(f.status, 200);
        assert_eq!(f.bytes, png);
        assert_eq!(f.header("content-type"), Some("image/png"));
        assert_eq!(
            f.header("content-disposition"),
            Some(r#"attachment; filename="My_Photo.png""#)
        );
        assert!(f
            .header("content-security-policy")
            .unwrap()
            .starts_with("sandbox"));
        assert_eq!(f.header("x-content-type-options"), Some("nosniff"));

        // Replacing the photo deletes the old file (for its owner too).
        let r = ada.upload("/account/photo", "second.png", "image/png", &png);
        assert_eq!(r.status, 303);
        assert_eq!(ada.get(&format!("/files/{id}")).status, 404);
        assert_eq!(ada.post_form("/account/photo/delete", &[]).status, 303);
        assert!(!ada.get("/account").body.contains("/files/"));
    }
);

#[test]
fn uploads_over_the_configured_limit_are_refused() {
    let s = TestServer::start_with(crate::Db::Sqlite, &[("BACKPACK_MAX_UPLOAD_BYTES", "2000")])
        .unwrap();
    let mut ada = s.register("Ada", "ada@example.org", PW);
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/badge.png"
    ))
    .unwrap();
    let mut huge = png.clone();
    huge.extend(std::iter::repeat_n(0u8, 80 * 1024));
    let r = ada.upload("/account/photo", "big.png", "image/png", &huge);
    assert_eq!(r.status, 413);
    assert!(r.body.contains("too large"), "{}", r.body);
    let mut small = png[..8].to_vec();
    small.extend(std::iter::repeat_n(0u8, 3000));
    let r = ada.upload("/account/photo", "big.png", "image/png", &small);
    assert_eq!(
        r.status, 413,
        "over the domain's limit though under the body limit"
    );
    assert!(!ada.get("/account").body.contains("/files/"));
}
