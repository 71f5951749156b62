//! Background jobs through the server: a mail that cannot be sent is
//! retried, shown to the administrator, and sent once retried.

use crate::client::id_after;
use crate::{on_every_db, TestServer};

const PW: &str = "correct horse battery";

on_every_db!(
    a_failing_mailer_is_retried_and_shown_to_the_administrator,
    |s: TestServer| {
        let mut admin = s.register("Ada Admin", "admin@example.org", PW);
        let page = admin.get("/admin/jobs");
        assert_eq!(page.status, 200);
        assert!(page.body.contains("No job is failing"), "{}", page.body);
        // The mail folder becomes a file: every mail now fails.
        let dir = s.data_dir.join("mail");
        let away = s.data_dir.join("mail.away");
        std::fs::rename(&dir, &away).unwrap();
        std::fs::write(&dir, b"not a folder").unwrap();
        let mut anon = s.client();
        anon.get("/forgot-password");
        let r = anon.post_form("/forgot-password", &[("email", "admin@example.org")]);
        assert!(r.status < 400, "{}", r.body);
        // The failure shows on the administrator's page, with the next try.
        let mut body = String::new();
        for _ in 0..300 {
            body = admin.get("/admin/jobs").body;
            if body.contains("Next attempt on") {
                break;
            }
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(body.contains("Next attempt on"), "{body}");
        assert!(body.contains("Sending an e-mail"), "{body}");
        assert!(body.contains("admin@example.org"), "{body}");
        assert!(body.contains("after 1 attempt"), "{body}");
        assert!(!body.contains("token"), "never the mail's link: {body}");
        // Mail works again; "Try again" sends it now.
        std::fs::remove_file(&dir).unwrap();
        std::fs::rename(&away, &dir).unwrap();
        let job = id_after(&body, "Sending an e-mail", "/admin/jobs/");
        let r = admin.post_form(&format!("/admin/jobs/{job}/retry"), &[]);
        assert_eq!(
            (r.status, r.location()),
            (303, "/admin/jobs?done=job_retried")
        );
        let token = s.mailed_token("admin@example.org", "/reset-password");
        assert!(!token.is_empty());
        let body = admin.get("/admin/jobs").body;
        assert!(body.contains("No job is failing"), "{body}");
        // Not for anyone else, and not for a job that does not wait.
        let mut lea = s.register("Lea", "lea@example.org", PW);
        assert_eq!(lea.get("/admin/jobs").status, 404);
        assert_eq!(
            lea.post_form(&format!("/admin/jobs/{job}/retry"), &[])
                .status,
            404
        );
        assert_eq!(
            admin
                .post_form(&format!("/admin/jobs/{job}/retry"), &[])
                .status,
            404
        );
    }
);
