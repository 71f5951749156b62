//! Issue 13, items 5, 6, 7 and 11: the login throttle holds under parallel
//! attempts, other accounts' failures refuse nobody, unconfirmed addresses
//! claim nothing, and account mail neither floods nor tells who is registered.

use crate::{on_every_db, TestServer};

const PW: &str = "correct horse battery";

/// Log in with a fresh client; the status.
fn try_login(s: &TestServer, email: &str, password: &str) -> u16 {
    let mut c = s.client();
    c.get("/login");
    c.post_form("/login", &[("email", email), ("password", password)])
        .status
}

on_every_db!(
    forty_parallel_wrong_passwords_are_checked_at_most_five_times,
    |s: TestServer| {
        s.register("Ada", "ada@example.org", PW);
        let clients: Vec<_> = (0..40)
            .map(|_| {
                let mut c = s.client();
                c.get("/login");
                c
            })
            .collect();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(40));
        let threads: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    c.post_form(
                        "/login",
                        &[
                            ("email", "ada@example.org"),
                            ("password", &format!("wrong password {i}")),
                        ],
                    )
                    .status
                })
            })
            .collect();
        let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        // 401: the password was checked; 429: refused before any check.
        let checked = statuses.iter().filter(|&&st| st == 401).count();
        let refused = statuses.iter().filter(|&&st| st == 429).count();
        assert_eq!(checked + refused, 40, "{statuses:?}");
        assert!(checked <= 5, "{checked} passwords checked: {statuses:?}");
        assert_eq!(
            try_login(&s, "ada@example.org", PW),
            429,
            "the right password waits too"
        );
    }
);

on_every_db!(
    bad_guesses_on_other_accounts_do_not_refuse_a_correct_login,
    |s: TestServer| {
        s.register("Lea", "lea@example.org", PW);
        // One client (a proxy without `client_ip_header`: everyone is
        // 127.0.0.1) guesses at five other accounts.
        let mut c = s.client();
        c.get("/login");
        for i in 0..5 {
            let r = c.post_form(
                "/login",
                &[
                    ("email", &format!("someone{i}@example.org")),
                    ("password", "wrong password"),
                ],
            );
            assert_eq!(r.status, 401, "guess {i}");
        }
        // Lea, "from the same address", logs in.
        assert_eq!(try_login(&s, "lea@example.org", PW), 303);
        // A sixth failure slows the client down (a second), never refuses.
        let started = std::time::Instant::now();
        assert_eq!(try_login(&s, "someone9@example.org", "wrong password"), 401);
        assert_eq!(try_login(&s, "lea@example.org", PW), 303);
        assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    }
);

on_every_db!(
    the_pre_hijacking_chain_fails_at_every_step,
    |s: TestServer| {
        const MALLORY_PW: &str = "mallory's own password";
        // 1. Mallory registers Vic's address with her own password: it stays
        //    unconfirmed, and an unconfirmed address never logs in.
        let mut m = s.client();
        m.get("/register");
        let r = m.post_form(
            "/register",
            &[
                ("display_name", "Vic"),
                ("email", "vic@example.org"),
                ("password", MALLORY_PW),
            ],
        );
        assert_eq!((r.status, r.location()), (303, "/login?done=check_mail"));
        assert!(m.session().is_none());
        let mut m2 = s.client();
        m2.get("/login");
        let r = m2.post_form(
            "/login",
            &[("email", "vic@example.org"), ("password", MALLORY_PW)],
        );
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.body.contains("not confirmed yet"), "{}", r.body);
        assert!(r.body.contains("/resend-confirmation"));
        assert!(m2.session().is_none());
        let mallorys_link = s.mailed_token("vic@example.org", "/confirm-email");

        // 2. With her own confirmed account, Mallory adds Vic's address too: it
        //    blocks nothing.
        let mut mallory = s.register("Mallory", "mallory@evil.example", MALLORY_PW);
        let r = mallory.post_form("/account/emails", &[("email", "vic@example.org")]);
        assert_eq!((r.status, r.location()), (303, "/account?done=email_added"));
        s.wait_for_jobs();

        // 3. Vic registers her own address: allowed (not "already registered"),
        //    and it takes the address from Mallory's pending registration.
        let mut vic = s.register("Vic", "vic@example.org", PW);
        assert_eq!(vic.get("/account").status, 200);
        // Mallory's confirmation link, in Vic's mailbox, confirms nothing now.
        let mut anon = s.client();
        anon.get("/login");
        let r = anon.post_form("/confirm-email", &[("token", &mallorys_link)]);
        assert_eq!(r.status, 400, "{}", r.body);
        // Mallory's second claim on the address went when Vic confirmed it.
        assert!(!mallory.get("/account").body.contains("vic@example.org"));
        // Mallory's password does not open Vic's account.
        assert_eq!(try_login(&s, "vic@example.org", MALLORY_PW), 401);

        // 4. Vic stores a note; Mallory resets through her own address and logs
        //    in: she is in her own account, which does not show Vic's note.
        let r = vic.post_form(
            "/backpack/notes",
            &[
                ("title", "Vic secret note"),
                ("body", "only for Vic"),
                ("tags", ""),
            ],
        );
        assert!(r.status == 303, "{} {}", r.status, r.body);
        let mut c = s.client();
        c.get("/forgot-password");
        c.post_form("/forgot-password", &[("email", "mallory@evil.example")]);
        let token = s.mailed_token("mallory@evil.example", "/reset-password");
        let r = c.post_form(
            "/reset-password",
            &[("token", &token), ("password", "mallory's newer password")],
        );
        assert_eq!(r.status, 303);
        let mut again = s.login("mallory@evil.example", "mallory's newer password");
        assert!(!again
            .get("/backpack/notes")
            .body
            .contains("Vic secret note"));
        assert!(vic.get("/backpack/notes").body.contains("Vic secret note"));

        // 5. Adding an address confirmed by someone else is still refused.
        let r = again.post_form("/account/emails", &[("email", "vic@example.org")]);
        assert_eq!(r.status, 422);
    }
);

on_every_db!(
    a_reset_through_an_unconfirmed_registration_confirms_it,
    |s: TestServer| {
        let mut c = s.client();
        c.get("/register");
        c.post_form(
            "/register",
            &[
                ("display_name", "Ada"),
                ("email", "ada@example.org"),
                ("password", PW),
            ],
        );
        assert_eq!(try_login(&s, "ada@example.org", PW), 403);
        // The confirmation mail is lost: the login page offers a new one.
        let before = s.mails("ada@example.org").len();
        let r = c.post_form("/resend-confirmation", &[("email", "ada@example.org")]);
        assert_eq!(
            (r.status, r.location()),
            (303, "/login?done=confirmation_sent")
        );
        assert_eq!(s.mails("ada@example.org").len(), before + 1);
        // Or a password reset: the link proves the mailbox, so it confirms.
        c.post_form("/forgot-password", &[("email", "ada@example.org")]);
        let token = s.mailed_token("ada@example.org", "/reset-password");
        let r = c.post_form(
            "/reset-password",
            &[("token", &token), ("password", "a brand new password")],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        s.login("ada@example.org", "a brand new password");
    }
);

on_every_db!(
    registration_and_reset_answer_the_same_for_known_and_unknown_addresses,
    |s: TestServer| {
        s.register("Ada", "ada@example.org", PW);
        let normalise = |r: &crate::client::Resp, c: &crate::Client, email: &str| {
            (
                r.status,
                r.location().to_owned(),
                r.body.replace(&c.csrf(), "TOKEN").replace(email, "EMAIL"),
            )
        };
        let answer = |path: &str, email: &str| {
            let mut c = s.client();
            c.get(path);
            let r = c.post_form(
                path,
                &[
                    ("display_name", "Someone"),
                    ("email", email),
                    ("password", "a long enough password"),
                ],
            );
            normalise(&r, &c, email)
        };
        for path in ["/register", "/forgot-password"] {
            let known = answer(path, "ada@example.org");
            let unknown = answer(path, "nobody@example.org");
            assert_eq!(known, unknown, "{path}");
        }
        let (status, location, _) = answer("/register", "ada@example.org");
        assert_eq!((status, location.as_str()), (303, "/login?done=check_mail"));
        // The owner learns that someone tried; the registration changed nothing.
        let mails = s.mails("ada@example.org");
        assert!(mails
            .iter()
            .any(|(subject, _)| subject.contains("tried to register")));
        s.login("ada@example.org", PW);
    }
);

on_every_db!(
    a_flood_of_reset_requests_sends_a_few_mails,
    |s: TestServer| {
        s.register("Ada", "ada@example.org", PW);
        let mut c = s.client();
        c.get("/forgot-password");
        for _ in 0..25 {
            let r = c.post_form("/forgot-password", &[("email", "ada@example.org")]);
            assert_eq!(r.status, 200, "the same answer every time");
        }
        let resets = s
            .mails("ada@example.org")
            .iter()
            .filter(|(_, text)| text.contains("/reset-password?token="))
            .count();
        // The registration's confirmation counted as one of the five an hour.
        assert!(resets <= 5, "{resets} reset mails");
        assert!(resets >= 1);
    }
);
