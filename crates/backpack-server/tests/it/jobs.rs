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
        assert!(admin
            .get("/admin/jobs?done=job_retried")
            .body
            .contains("The job will run again"));
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

on_every_db!(
    a_batch_stopped_mid_way_goes_on_after_a_restart_and_mails_everyone_once,
    |s: TestServer| {
        use crate::issuing::{eu_achievement, id_in, json, post, staff_with_issuer};
        s.register("Admin", "admin@example.org", PW);
        let (mut staff, issuer) = staff_with_issuer(&s, "Ian", "ian@example.org");
        let r = post(
            &mut staff,
            &format!("/issuing/{issuer}/achievements"),
            &eu_achievement("Stop and go"),
        );
        let achievement = id_in(r.location());
        const ROWS: usize = 20_000;
        let mut csv = String::from("email,name\n");
        for i in 0..ROWS {
            csv.push_str(&format!("p{i}@cohort.example,P {i}\n"));
        }
        let r = staff.upload_with(
            &format!("/issuing/{issuer}/batches"),
            &[("achievement_id", &achievement), ("format", "json")],
            "cohort.csv",
            "text/csv",
            csv.as_bytes(),
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let batch = id_in(r.location());
        let r = staff.post_form(&format!("/issuing/batches/{batch}/start"), &[]);
        assert_eq!(r.status, 303);
        // Stop the server (as SIGTERM does) once chunks are in and their
        // mails are going out.
        let mut issued = 0;
        for _ in 0..4_800 {
            issued = json(&mut staff, &format!("/issuing/batches/{batch}/progress"))["issued"]
                .as_u64()
                .unwrap();
            if issued >= 2_000 {
                break;
            }
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        assert!(issued > 0 && (issued as usize) < ROWS, "mid-way: {issued}");
        let (dir, pg) = s.stop_keeping();
        // Another server on the same database and files carries on.
        let s = TestServer::start_in(dir, pg, &[]);
        s.wait_for_jobs_within(400);
        let mut staff = s.login("ian@example.org", PW);
        let done = json(&mut staff, &format!("/issuing/batches/{batch}/progress"));
        assert_eq!(
            (done["state"].as_str(), done["issued"].as_u64()),
            (Some("done"), Some(ROWS as u64))
        );
        // Every recipient got exactly one mail.
        let mut per: std::collections::HashMap<String, usize> = Default::default();
        for e in std::fs::read_dir(s.data_dir.join("mail")).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            if let Some(to) = text
                .lines()
                .find_map(|l| l.strip_prefix("To: "))
                .filter(|t| t.ends_with("@cohort.example"))
            {
                *per.entry(to.to_owned()).or_default() += 1;
            }
        }
        assert_eq!(per.len(), ROWS, "every recipient mailed");
        let twice: Vec<_> = per.iter().filter(|(_, n)| **n != 1).collect();
        assert!(twice.is_empty(), "mailed more than once: {twice:?}");
    }
);

/// The same failure on a clock the test moves: the retries come on their
/// schedule (30 s, then doubling), and after the last attempt the job stops
/// and waits for the administrator. No sleep: the test runs the jobs.
#[test]
fn a_failing_mail_is_retried_on_schedule_then_stops_for_the_administrator() {
    let (s, clock) = TestServer::start_manual();
    // The first account is the administrator (its confirmation mail is a
    // job that `register` runs).
    let mut admin = s.register("Ada Admin", "admin@example.org", PW);
    assert_eq!(s.run_jobs_until_idle(), 0, "nothing else is due");
    let mut anon = s.client();

    // Mail breaks; a reset mail is asked for.
    let dir = s.data_dir.join("mail");
    std::fs::rename(&dir, s.data_dir.join("mail.away")).unwrap();
    std::fs::write(&dir, b"not a folder").unwrap();
    anon.get("/forgot-password");
    anon.post_form("/forgot-password", &[("email", "admin@example.org")]);
    let mut waits = Vec::new();
    for attempt in 1..=backpack_domain::jobs::MAX_ATTEMPTS {
        assert_eq!(s.run_jobs_until_idle(), 1, "attempt {attempt}");
        // Not again before its time.
        assert_eq!(s.run_jobs_until_idle(), 0, "attempt {attempt} again");
        let wait = backpack_domain::jobs::backoff_secs(attempt);
        waits.push(wait);
        clock.advance(std::time::Duration::from_secs(wait as u64 + 1));
    }
    assert_eq!(&waits[..3], &[30, 60, 120]);
    // Stopped for good: no more attempts, however long we wait.
    clock.advance(std::time::Duration::from_secs(86_400));
    assert_eq!(s.run_jobs_until_idle(), 0);
    let body = admin.get("/admin/jobs").body;
    assert!(body.contains("Stopped on"), "{body}");
    assert!(body.contains("after 12 attempts"), "{body}");
    // Fixed and retried by hand: sent.
    std::fs::remove_file(&dir).unwrap();
    std::fs::rename(s.data_dir.join("mail.away"), &dir).unwrap();
    let job = id_after(&body, "Sending an e-mail", "/admin/jobs/");
    let r = admin.post_form(&format!("/admin/jobs/{job}/retry"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(s.run_jobs_until_idle(), 1);
    assert!(!s
        .mailed_token("admin@example.org", "/reset-password")
        .is_empty());
}
