//! The account flows a person goes through, over HTTP.

use crate::{on_every_db, TestServer};

const PW: &str = "correct horse battery";

on_every_db!(register_log_out_and_log_in_again, |s: TestServer| {
    // Registering answers "check your mail"; the helper confirms the address
    // through the mailed link, then logs in.
    let mut ada = s.register("Ada Lovelace", "Ada@Example.org", PW);
    assert!(ada.session().is_some(), "signed in after confirming");
    let home = ada.get("/");
    assert!(
        home.body.contains("Welcome, Ada Lovelace."),
        "{}",
        home.body
    );
    let notice = s.client().get("/login?done=check_mail");
    assert!(notice.body.contains("Check your mail"), "{}", notice.body);
    let account = ada.get("/account");
    assert_eq!(account.status, 200);
    assert!(
        account.body.contains("ada@example.org"),
        "addresses are lower-cased"
    );

    let out = ada.post_form("/logout", &[]);
    assert_eq!(
        (out.status, out.location()),
        (303, "/login?done=logged_out")
    );
    assert!(ada.session().is_none());
    let r = ada.get("/account");
    assert_eq!((r.status, r.location()), (303, "/login?next=/account"));

    let mut again = s.login("ada@example.org", PW);
    assert_eq!(again.get("/account").status, 200);
    // The first account of an instance administers it.
    assert_eq!(again.get("/admin/users").status, 200);
    let mut bob = s.register("Bob", "bob@example.org", PW);
    assert_eq!(
        bob.get("/admin/users").status,
        404,
        "learners do not see the admin pages"
    );
});

on_every_db!(
    bad_registration_changes_nothing_and_says_why,
    |s: TestServer| {
        let mut c = s.client();
        c.get("/register");
        let r = c.post_form(
            "/register",
            &[
                ("display_name", ""),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        );
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains(r#"id="f-email-error""#)
                && r.body.contains(r#"aria-describedby="f-email-error""#),
            "{}",
            r.body
        );
        assert!(r
            .body
            .contains("Enter an e-mail address like name@example.org."));
        assert!(r
            .body
            .contains("The password must have at least 10 characters."));
        assert!(r.body.contains("This field is required."));
        assert!(
            r.body.contains(r#"value="not-an-email""#),
            "values are kept"
        );
        assert!(c.session().is_none());
        // Nobody was created: the address is still free.
        s.register("Ada", "ada@example.org", PW);
        // Registering a taken address answers as for a new one (no account
        // enumeration); the owner is told by mail.
        let r = s.client().post_form(
            "/register",
            &[
                ("display_name", "X"),
                ("email", "ada@example.org"),
                ("password", PW),
            ],
        );
        assert_eq!((r.status, r.location()), (303, "/login?done=check_mail"));
        let mails = s.mails("ada@example.org");
        assert!(
            mails[mails.len() - 1]
                .1
                .contains("someone tried to create a Backpack account with this address"),
            "{mails:?}"
        );
    }
);

on_every_db!(
    wrong_passwords_get_the_same_answer_for_known_and_unknown_addresses,
    |s: TestServer| {
        s.register("Ada", "ada@example.org", PW);
        let mut a = s.client();
        let known = a.post_form(
            "/login",
            &[("email", "ada@example.org"), ("password", "wrong password")],
        );
        let mut b = s.client();
        let unknown = b.post_form(
            "/login",
            &[
                ("email", "nobody@example.org"),
                ("password", "wrong password"),
            ],
        );
        assert_eq!(known.status, 401);
        assert_eq!(known.status, unknown.status);
        let normalise = |r: &crate::client::Resp, c: &crate::Client, email: &str| {
            r.body.replace(&c.csrf(), "TOKEN").replace(email, "EMAIL")
        };
        assert_eq!(
            normalise(&known, &a, "ada@example.org"),
            normalise(&unknown, &b, "nobody@example.org")
        );
        assert!(known
            .body
            .contains("The e-mail address or the password is not correct."));
    }
);

on_every_db!(the_sixth_attempt_is_refused_with_429, |s: TestServer| {
    s.register("Ada", "ada@example.org", PW);
    let mut c = s.client();
    for i in 0..5 {
        let r = c.post_form(
            "/login",
            &[
                ("email", "ada@example.org"),
                ("password", &format!("wrong {i} password")),
            ],
        );
        assert_eq!(r.status, 401, "attempt {i}");
    }
    // Even the right password waits now.
    let r = c.post_form("/login", &[("email", "ada@example.org"), ("password", PW)]);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("900"));
    assert!(r.body.contains("Too many attempts"));
    // Another account from the same client is not refused (issue 13, item
    // 6: behind a proxy, every user is "the same client").
    s.register("Bob", "bob@example.org", PW);
    let mut c2 = s.client();
    c2.get("/login");
    let r = c2.post_form("/login", &[("email", "bob@example.org"), ("password", PW)]);
    assert_eq!(r.status, 303, "{}", r.body);
});

on_every_db!(
    changing_the_password_ends_every_other_session,
    |s: TestServer| {
        let mut first = s.register("Ada", "ada@example.org", PW);
        let mut second = s.login("ada@example.org", PW);
        assert_ne!(
            first.session(),
            second.session(),
            "each login has its own token"
        );
        let r = first.post_form(
            "/account/password",
            &[
                ("current_password", "not it at all"),
                ("new_password", "another long one"),
            ],
        );
        assert_eq!(r.status, 422);
        assert!(r.body.contains("The current password is not correct."));
        let before = first.session();
        let r = first.post_form(
            "/account/password",
            &[
                ("current_password", PW),
                ("new_password", "another long one"),
            ],
        );
        assert_eq!(
            (r.status, r.location()),
            (303, "/account?done=password_changed")
        );
        assert_ne!(first.session(), before, "the session token is rotated");
        assert_eq!(first.get("/account").status, 200);
        assert_eq!(
            second.get("/account").status,
            303,
            "the other browser is logged out"
        );
        let mut c = s.client();
        assert_eq!(
            c.post_form("/login", &[("email", "ada@example.org"), ("password", PW)])
                .status,
            401
        );
        s.login("ada@example.org", "another long one");
    }
);

on_every_db!(
    a_forgotten_password_is_reset_through_the_mailed_link,
    |s: TestServer| {
        let mut old = s.register("Ada", "ada@example.org", PW);
        let mut c = s.client();
        c.get("/forgot-password");
        let r = c.post_form("/forgot-password", &[("email", "ada@example.org")]);
        assert_eq!(r.status, 200);
        assert!(r.body.contains("a link is on its way"));
        // Unknown addresses get the same page and no mail.
        let r2 = c.post_form("/forgot-password", &[("email", "nobody@example.org")]);
        assert_eq!(r2.status, 200);
        assert!(r2.body.contains("a link is on its way"));

        let mails = s.mails("ada@example.org");
        assert_eq!(
            mails.len(),
            2,
            "the confirmation at registration, then the reset"
        );
        assert!(mails
            .iter()
            .any(|(subject, text)| subject == "Reset your Backpack password"
                && text.contains("/reset-password?token=")));
        assert!(s.mails("nobody@example.org").is_empty());
        let token = s.mailed_token("ada@example.org", "/reset-password");
        let page = c.get(&format!("/reset-password?token={token}"));
        assert!(page
            .body
            .contains(&format!(r#"name="token" value="{token}""#)));
        let r = c.post_form(
            "/reset-password",
            &[("token", &token), ("password", "short")],
        );
        assert_eq!(r.status, 422, "a bad new password keeps the token usable");
        let r = c.post_form(
            "/reset-password",
            &[("token", &token), ("password", "a brand new password")],
        );
        assert_eq!(
            (r.status, r.location()),
            (303, "/login?done=password_reset")
        );
        let r = c.post_form(
            "/reset-password",
            &[("token", &token), ("password", "yet another password")],
        );
        assert_eq!(r.status, 400, "a link works once");
        assert!(r
            .body
            .contains("This link has expired or has already been used."));
        assert_eq!(
            old.get("/account").status,
            303,
            "the reset ends old sessions"
        );
        s.login("ada@example.org", "a brand new password");
    }
);

on_every_db!(
    a_second_address_is_confirmed_then_logs_in_and_can_be_primary,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let r = ada.post_form("/account/emails", &[("email", "Ada@Work.example")]);
        assert_eq!((r.status, r.location()), (303, "/account?done=email_added"));
        let page = ada.get("/account?done=email_added");
        assert!(
            page.body.contains("ada@work.example")
                && page.body.contains("Waiting for confirmation")
        );
        assert!(page.body.contains("The address is added."));
        // Not confirmed: cannot log in with it, cannot be primary.
        assert_eq!(
            s.client()
                .post_form("/login", &[("email", "ada@work.example"), ("password", PW)])
                .status,
            401
        );
        let id = crate::client::id_after(&page.body, "ada@work.example", "/account/emails/");
        let r = ada.post_form(&format!("/account/emails/{id}/primary"), &[]);
        assert_eq!(r.status, 422);
        assert!(r
            .body
            .contains("Only a confirmed address can become the primary one."));

        // Confirm through the mailed link (a page with a button: GET changes nothing).
        let token = s.mailed_token("ada@work.example", "/confirm-email");
        let mut anon = s.client();
        let page = anon.get(&format!("/confirm-email?token={token}"));
        assert_eq!(page.status, 200);
        let r = anon.post_form("/confirm-email", &[("token", &token)]);
        assert_eq!(
            (r.status, r.location()),
            (303, "/login?done=email_confirmed")
        );
        s.login("ada@work.example", PW);
        let r = ada.post_form(&format!("/account/emails/{id}/primary"), &[]);
        assert_eq!(r.status, 303);
        // The old primary can now be removed; the new primary cannot.
        let page = ada.get("/account");
        assert!(
            page.body.find("ada@work.example").unwrap()
                < page.body.find("ada@example.org").unwrap(),
            "primary first"
        );
        let r = ada.post_form(&format!("/account/emails/{id}/delete"), &[]);
        assert_eq!(r.status, 422);
        assert!(r.body.contains("The primary address cannot be removed."));
        // Someone else cannot take a registered address.
        let mut bob = s.register("Bob", "bob@example.org", PW);
        let r = bob.post_form("/account/emails", &[("email", "ada@work.example")]);
        assert_eq!(r.status, 422);
        assert!(r.body.contains("This address is already registered."));
    }
);

on_every_db!(
    a_did_is_confirmed_by_signing_its_challenge,
    |s: TestServer| {
        use backpack_crypto::ed25519::SigningKey;
        let key = SigningKey::generate();
        let did = backpack_crypto::did_key::did_for(
            &backpack_crypto::multikey::PublicKey::Ed25519(key.verifying_key()),
        )
        .unwrap();
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let r = ada.post_form("/account/dids", &[("did", "did:nope")]);
        assert_eq!(r.status, 422);
        assert!(r.body.contains("Enter a DID like"));
        let r = ada.post_form("/account/dids", &[("did", &did)]);
        assert_eq!(r.status, 303);
        let page = ada.get("/account");
        assert!(page.body.contains(&did));
        let challenge = page
            .body
            .split("backpack-did-challenge:")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap();
        let challenge = format!("backpack-did-challenge:{challenge}");
        let id = page
            .body
            .split("/account/dids/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned();

        // Signed by another key, or signing something else: refused.
        let other = SigningKey::generate();
        let h = serde_json::Map::new();
        let wrong_key = backpack_crypto::jose::sign_compact_eddsa(&h, challenge.as_bytes(), &other);
        let r = ada.post_form(
            &format!("/account/dids/{id}/confirm"),
            &[("proof", &wrong_key)],
        );
        assert_eq!(r.status, 422);
        assert!(r.body.contains("The signature does not verify"));
        let wrong_text = backpack_crypto::jose::sign_compact_eddsa(&h, b"something else", &key);
        assert_eq!(
            ada.post_form(
                &format!("/account/dids/{id}/confirm"),
                &[("proof", &wrong_text)]
            )
            .status,
            422
        );
        assert_eq!(
            ada.post_form(
                &format!("/account/dids/{id}/confirm"),
                &[("proof", "not a jws")]
            )
            .status,
            422
        );

        let good = backpack_crypto::jose::sign_compact_eddsa(&h, challenge.as_bytes(), &key);
        let r = ada.post_form(&format!("/account/dids/{id}/confirm"), &[("proof", &good)]);
        assert_eq!(
            (r.status, r.location()),
            (303, "/account?done=did_confirmed")
        );
        let page = ada.get("/account");
        assert!(
            !page.body.contains("backpack-did-challenge:"),
            "no challenge left to sign"
        );
        assert_eq!(
            ada.post_form(&format!("/account/dids/{id}/delete"), &[])
                .status,
            303
        );
        assert!(!ada.get("/account").body.contains(&did));
    }
);

on_every_db!(
    the_language_follows_the_browser_then_the_choice,
    |s: TestServer| {
        let mut c = s.client();
        let r = c.get_with(
            "/login",
            &[("Accept-Language", "fr-CH, fr;q=0.9, en;q=0.5")],
        );
        assert!(r.body.contains(r#"<html lang="fr" dir="ltr">"#));
        assert!(r.body.contains("Se connecter"));
        let r = c.get_with("/login", &[("Accept-Language", "de")]);
        assert!(
            r.body.contains(r#"<html lang="en" dir="ltr">"#),
            "unsupported languages fall back to English"
        );

        // An anonymous choice is a cookie.
        let r = c.post_form("/language", &[("lang", "fr"), ("next", "/register")]);
        assert_eq!((r.status, r.location()), (303, "/register"));
        let r = c.get_with("/register", &[("Accept-Language", "en")]);
        assert!(r.body.contains("Créer un compte"));
        let r = c.post_form("/language", &[("lang", "xx"), ("next", "/")]);
        assert_eq!(r.status, 422);
        let r = c.post_form(
            "/language",
            &[("lang", "en"), ("next", "https://evil.example/")],
        );
        assert_eq!(r.location(), "/", "never redirects off site");

        // A signed-in choice follows the account to another browser.
        let mut ada = s.register("Ada", "ada@example.org", PW);
        ada.post_form("/language", &[("lang", "fr"), ("next", "/account")]);
        let mut elsewhere = s.login("ada@example.org", PW);
        let r = elsewhere.get_with("/account", &[("Accept-Language", "en")]);
        assert!(r.body.contains("Mon compte"), "{}", &r.body[..400]);
        // Errors are in the user's language too.
        let r = elsewhere.post_form("/account/emails", &[("email", "nope")]);
        assert!(r.body.contains("Saisissez une adresse électronique"));
    }
);

on_every_db!(
    the_admin_manages_users_and_keeps_one_admin,
    |s: TestServer| {
        let mut admin = s.register("Ada Admin", "admin@example.org", PW);
        let mut bob = s.register("Bob", "bob@example.org", PW);
        let list = admin.get("/admin/users");
        assert!(list.body.contains("bob@example.org") && list.body.contains("Learner"));
        let bob_id = crate::client::id_before(&list.body, ">Bob</a>", "/admin/users/");
        let admin_id = crate::client::id_before(&list.body, ">Ada Admin</a>", "/admin/users/");
        assert_eq!(admin.get(&format!("/admin/users/{bob_id}")).status, 200);
        let r = admin.post_form(
            &format!("/admin/users/{bob_id}"),
            &[("role", "issuer_staff")],
        );
        assert_eq!(r.status, 303);
        assert!(admin.get("/admin/users").body.contains("Issuer staff"));
        let r = admin.post_form(&format!("/admin/users/{bob_id}"), &[("role", "root")]);
        assert_eq!(r.status, 422);
        // Disabling ends Bob's sessions and refuses his logins.
        let r = admin.post_form(
            &format!("/admin/users/{bob_id}"),
            &[("role", "issuer_staff"), ("disabled", "on")],
        );
        assert_eq!(r.status, 303);
        assert_eq!(bob.get("/account").status, 303);
        assert_eq!(
            s.client()
                .post_form("/login", &[("email", "bob@example.org"), ("password", PW)])
                .status,
            401
        );
        // The last administrator cannot demote themselves.
        let r = admin.post_form(&format!("/admin/users/{admin_id}"), &[("role", "learner")]);
        assert_eq!(r.status, 422);
        assert!(r.body.contains("at least one active administrator"));
    }
);

on_every_db!(health_and_metrics_answer, |s: TestServer| {
    let mut c = s.client();
    let h = c.get("/healthz");
    assert_eq!(h.status, 200);
    assert_eq!(h.body, r#"{"status":"ok","database":"ok","storage":"ok"}"#);
    c.get("/login");
    let m = c.get("/metrics");
    assert_eq!(m.status, 200);
    assert!(
        m.body
            .contains(r#"backpack_http_requests_total{method="GET",route="/login",status="200"}"#),
        "{}",
        m.body
    );
    assert!(m
        .body
        .contains("backpack_http_request_duration_seconds_bucket"));
});

#[test]
fn health_reports_a_broken_store() {
    let s = TestServer::start(crate::Db::Sqlite).unwrap();
    // Replace the files folder by a file: the local blob store can no longer answer.
    let files = s.data_dir.join("files");
    std::fs::remove_dir_all(&files).unwrap();
    std::fs::write(&files, b"not a folder").unwrap();
    // The file store is probed in the background every 5 s: the next
    // probe must turn the answer to 503 (two rounds at most).
    let mut c = s.client();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(12);
    let h = loop {
        let h = c.get("/healthz");
        if h.status == 503 || std::time::Instant::now() > deadline {
            break h;
        }
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(h.status, 503, "{}", h.body);
    assert!(h.body.contains(r#""storage":"unavailable""#));
    assert!(h.body.contains(r#""database":"ok""#), "{}", h.body);
}

#[test]
fn behind_a_proxy_the_limit_is_per_forwarded_client() {
    let s = TestServer::start_with(
        crate::Db::Sqlite,
        &[("BACKPACK_CLIENT_IP_HEADER", "X-Forwarded-For")],
    )
    .unwrap();
    s.register("Ada", "ada@example.org", PW);
    let mut c = s.client();
    c.get("/login");
    let attempt = |c: &mut crate::Client, ip: &str, email: &str, pw: &str| {
        let body =
            crate::client::encode_form(&[("_csrf", &c.csrf()), ("email", email), ("password", pw)]);
        c.post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
            &[("X-Forwarded-For", ip)],
        )
        .status
    };
    for i in 0..5 {
        assert_eq!(
            attempt(
                &mut c,
                "203.0.113.7",
                "ada@example.org",
                &format!("wrong password {i}")
            ),
            401
        );
    }
    assert_eq!(
        attempt(&mut c, "203.0.113.7", "ada@example.org", PW),
        429,
        "the noisy client waits"
    );
    assert_eq!(
        attempt(&mut c, "198.51.100.1, 203.0.113.9", "ada@example.org", PW),
        303,
        "another client behind the same proxy does not"
    );
}
