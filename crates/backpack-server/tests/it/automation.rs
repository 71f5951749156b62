//! Automatic awards over HTTP: xAPI statements forwarded by an LRS (token
//! authentication, Basic and Bearer, malformed and unknown statements
//! refused whole, minimum scores, awarded once per learner), and stacking
//! rules across issuers with the learner's progress.

use crate::issuing::{confirmed, eu_achievement, id_in, post, set_role, staff_with_issuer};
use crate::{on_every_db, Client, TestServer};
use backpack_domain::values::Role;
use serde_json::{json, Value};

const VERSION: (&str, &str) = ("X-Experience-API-Version", "1.0.3");
const ACTIVITY: &str = "https://lms.example.org/courses/42";

/// A new token of the issuer, as the tokens page shows it once.
pub fn new_token(staff: &mut Client, issuer: &str, name: &str, scope: &str) -> String {
    staff.get(&format!("/issuing/{issuer}/tokens"));
    let r = staff.post_form(
        &format!("/issuing/{issuer}/tokens"),
        &[("name", name), ("scope", scope)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
        .split("id=\"new-token\"")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no token shown: {}", r.body))
        .to_owned()
}

fn achievement(staff: &mut Client, issuer: &str, name: &str) -> String {
    let r = post(
        staff,
        &format!("/issuing/{issuer}/achievements"),
        &eu_achievement(name),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    id_in(r.location())
}

fn statement(id: &str, mbox: &str, verb: &str, scaled: Option<f64>) -> Value {
    let mut s = json!({
        "id": id,
        "actor": {"objectType": "Agent", "name": "Someone", "mbox": format!("mailto:{mbox}")},
        "verb": {"id": format!("http://adlnet.gov/expapi/verbs/{verb}"), "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": ACTIVITY},
        "context": {"platform": "Moodle"},
        "timestamp": "2026-12-01T10:00:00Z"
    });
    if let Some(v) = scaled {
        s["result"] = json!({"score": {"scaled": v}, "success": true, "completion": true});
    }
    s
}

fn send(c: &mut Client, auth: &str, body: &Value) -> crate::client::Resp {
    c.post_raw(
        "/xapi/statements",
        "application/json",
        body.to_string().into_bytes(),
        &[VERSION, ("Authorization", auth)],
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn basic(token: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("moodle:{token}"))
    )
}

/// The issuer's DID, as its page shows it.
pub fn did_of(staff: &mut Client, issuer: &str) -> String {
    let page = staff.get(&format!("/issuing/{issuer}")).body;
    page.split("did:web:")
        .nth(1)
        .and_then(|rest| rest.split(['<', '"', '#']).next())
        .map(|rest| format!("did:web:{rest}"))
        .unwrap_or_else(|| panic!("no DID on the issuer page: {page}"))
}

/// How many credentials of the achievement the issued list shows.
fn issued_count(staff: &mut Client, issuer: &str, achievement: &str) -> usize {
    staff
        .get(&format!(
            "/issuing/{issuer}/credentials?achievement={achievement}"
        ))
        .body
        .matches("href=\"/issuing/credentials/")
        .count()
}

on_every_db!(
    xapi_statements_award_once_and_refuse_bad_input_whole,
    |s: TestServer| {
        let mut learner = confirmed(&s, "Lea", "lea@example.org");
        let (mut staff, issuer) = staff_with_issuer(&s, "Ian", "ian@example.org");
        let course = achievement(&mut staff, &issuer, "Rust 101");
        let r = staff.post_form(
            &format!("/issuing/{issuer}/xapi-rules"),
            &[
                ("activity", ACTIVITY),
                ("achievement_id", &course),
                ("min_score", "70"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let token = new_token(&mut staff, &issuer, "LRS", "xapi");
        let mut lrs = s.client();

        // Without a token, with a wrong one: 401 and a JSON reason.
        let good = statement(
            "6690e6c9-3ef0-4ed3-8b37-7f3964730b01",
            "lea@example.org",
            "passed",
            Some(0.9),
        );
        let r = lrs.post_raw(
            "/xapi/statements",
            "application/json",
            good.to_string().into_bytes(),
            &[VERSION],
        );
        assert_eq!(r.status, 401, "{}", r.body);
        assert!(r.header("www-authenticate").is_some());
        for auth in [
            bearer("bpk_wrong"),
            basic("bpk_wrong"),
            "Basic !!!".into(),
            bearer(&token[..token.len() - 1]),
        ] {
            let r = send(&mut lrs, &auth, &good);
            assert_eq!(r.status, 401, "{auth}: {}", r.body);
            let v: Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(v["error"], "unauthorized");
        }

        // Malformed: every problem named, nothing recorded or issued, even the
        // good statement sent with them.
        let mut no_actor = statement(
            "6690e6c9-3ef0-4ed3-8b37-7f3964730b02",
            "x@example.org",
            "completed",
            None,
        );
        no_actor.as_object_mut().unwrap().remove("actor");
        let mut other_verb = statement(
            "6690e6c9-3ef0-4ed3-8b37-7f3964730b03",
            "lea@example.org",
            "experienced",
            None,
        );
        other_verb["id"] = json!("6690e6c9-3ef0-4ed3-8b37-7f3964730b03");
        let r = send(
            &mut lrs,
            &basic(&token),
            &json!([good, no_actor, other_verb]),
        );
        assert_eq!(r.status, 400, "{}", r.body);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["error"], "statements_refused");
        let codes: Vec<(u64, &str)> = v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["index"].as_u64().unwrap(), p["code"].as_str().unwrap()))
            .collect();
        assert_eq!(codes, vec![(1, "actor_missing"), (2, "verb_unsupported")]);
        for body in ["{", "[]", "\"text\""] {
            let r = lrs.post_raw(
                "/xapi/statements",
                "application/json",
                body.as_bytes().to_vec(),
                &[VERSION, ("Authorization", &bearer(&token))],
            );
            assert_eq!(r.status, 400, "{body}: {}", r.body);
        }
        // An activity no rule names.
        let mut unknown = good.clone();
        unknown["id"] = json!("6690e6c9-3ef0-4ed3-8b37-7f3964730b0a");
        unknown["object"]["id"] = json!("https://lms.example.org/courses/999");
        let r = send(&mut lrs, &bearer(&token), &json!([good, unknown]));
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains("unknown_activity"), "{}", r.body);
        assert!(r.body.contains("courses/999"), "{}", r.body);
        // A learner the award cannot go to.
        let mut account = good.clone();
        account["actor"] =
            json!({"account": {"homePage": "https://lms.example.org", "name": "u-17"}});
        let r = send(&mut lrs, &bearer(&token), &account);
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains("unknown_learner"), "{}", r.body);
        // An unsupported version, a body over 1 MiB.
        let r = lrs.post_raw(
            "/xapi/statements",
            "application/json",
            good.to_string().into_bytes(),
            &[
                ("X-Experience-API-Version", "0.95"),
                ("Authorization", &bearer(&token)),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        // (A fresh connection: the server answers before reading such a body.)
        let r = s.client().post_raw(
            "/xapi/statements",
            "application/json",
            vec![b' '; 1024 * 1024 + 10],
            &[VERSION, ("Authorization", &bearer(&token))],
        );
        assert_eq!(r.status, 413, "{}", r.body);
        // JSON like every other answer of the API.
        assert!(r
            .header("content-type")
            .unwrap_or("")
            .starts_with("application/json"));
        let e: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(e["error"], "payload_too_large", "{}", r.body);
        assert_eq!(issued_count(&mut staff, &issuer, &course), 0);
        let page = staff.get(&format!("/issuing/{issuer}/automation")).body;
        assert!(
            !page.contains("6690e6c9-3ef0-4ed3-8b37-7f3964730b01"),
            "nothing recorded"
        );

        // Below the minimum, or failed: recorded, not awarded.
        let low = statement(
            "6690e6c9-3ef0-4ed3-8b37-7f3964730b04",
            "lea@example.org",
            "completed",
            Some(0.69),
        );
        let mut failed = statement(
            "6690e6c9-3ef0-4ed3-8b37-7f3964730b05",
            "lea@example.org",
            "passed",
            Some(0.95),
        );
        failed["result"]["success"] = json!(false);
        let r = send(&mut lrs, &bearer(&token), &json!([low, failed]));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.header("x-backpack-outcomes"),
            Some("score_too_low, not_successful")
        );
        assert_eq!(issued_count(&mut staff, &issuer, &course), 0);

        // Passed: awarded to Lea's backpack; the same statement again, and a
        // second pass in the same request: once.
        let again = statement(
            "6690e6c9-3ef0-4ed3-8b37-7f3964730b06",
            "LEA@example.org",
            "completed",
            Some(1.0),
        );
        let r = send(&mut lrs, &basic(&token), &json!([good, again]));
        assert_eq!(r.status, 200, "{}", r.body);
        let ids: Vec<String> = serde_json::from_str(&r.body).unwrap();
        assert_eq!(ids[0], "6690e6c9-3ef0-4ed3-8b37-7f3964730b01");
        assert_eq!(
            r.header("x-backpack-outcomes"),
            Some("awarded, already_awarded")
        );
        let r = send(&mut lrs, &basic(&token), &good);
        assert_eq!(r.header("x-backpack-outcomes"), Some("duplicate_statement"));
        assert_eq!(issued_count(&mut staff, &issuer, &course), 1);
        // xAPI awards reach the backpack by their delivery jobs.
        s.wait_for_jobs();
        let portal = learner.get("/backpack/portal").body;
        assert!(portal.contains("Rust 101"), "{portal}");
        let list = staff.get(&format!("/issuing/{issuer}/credentials")).body;
        assert!(
            list.contains("<td>xAPI statement</td>"),
            "the source is shown: {list}"
        );
        let audit = staff.get(&format!("/issuing/{issuer}/audit")).body;
        assert!(
            audit.contains("API token"),
            "the token is named in the audit log: {audit}"
        );

        // A statement without an id gets one; a learner without an account gets
        // a claim link by mail; an account of another system named by address.
        let mut no_id = statement("x", "newcomer@example.org", "completed", Some(0.8));
        no_id.as_object_mut().unwrap().remove("id");
        let mut by_account = statement(
            "6690e6c9-3ef0-4ed3-8b37-7f3964730b07",
            "x@example.org",
            "passed",
            Some(0.8),
        );
        by_account["actor"] = json!({"account": {"homePage": "https://lms.example.org", "name": "Other@Example.org"}});
        let r = send(&mut lrs, &bearer(&token), &json!([no_id, by_account]));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("x-backpack-outcomes"), Some("awarded, awarded"));
        let ids: Vec<String> = serde_json::from_str(&r.body).unwrap();
        assert!(uuid::Uuid::parse_str(&ids[0]).is_ok(), "{ids:?}");
        let mails = s.mails("newcomer@example.org");
        assert!(
            mails.iter().any(|(_, body)| body.contains("/claim?token=")),
            "{mails:?}"
        );
        assert_eq!(issued_count(&mut staff, &issuer, &course), 3);

        // A revoked token stops working; an `api` token may post statements too.
        let page = staff.get(&format!("/issuing/{issuer}/tokens")).body;
        let token_id = page
            .split("/tokens/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap()
            .to_owned();
        let r = staff.post_form(&format!("/issuing/{issuer}/tokens/{token_id}/revoke"), &[]);
        assert_eq!(r.status, 303, "{}", r.body);
        let next = statement(
            "6690e6c9-3ef0-4ed3-8b37-7f3964730b08",
            "lea@example.org",
            "passed",
            Some(0.9),
        );
        assert_eq!(send(&mut lrs, &bearer(&token), &next).status, 401);
        let api = new_token(&mut staff, &issuer, "Integration", "api");
        let r = send(&mut lrs, &bearer(&api), &next);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("x-backpack-outcomes"), Some("already_awarded"));

        // Another issuer's token cannot award this issuer's achievement.
        s.register("Olga", "olga@example.org", "correct horse battery");
        set_role(&s, "olga@example.org", Role::IssuerStaff);
        let mut olga = s.login("olga@example.org", "correct horse battery");
        olga.get("/issuing");
        let r = olga.post_form(
            "/issuing",
            &[
                ("name", "Other Academy"),
                ("country_code", "be"),
                ("kind", "formal"),
                ("accreditation", "Accredited"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let other = id_in(r.location());
        let theirs = new_token(&mut olga, &other, "Their LRS", "xapi");
        let r = send(
            &mut lrs,
            &bearer(&theirs),
            &statement(
                "6690e6c9-3ef0-4ed3-8b37-7f3964730b09",
                "lea@example.org",
                "passed",
                Some(0.9),
            ),
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains("unknown_activity"), "{}", r.body);
    }
);

on_every_db!(
    stacking_rules_award_across_issuers_and_show_progress,
    |s: TestServer| {
        let mut learner = confirmed(&s, "Lea", "lea@example.org");
        let (mut staff, issuer) = staff_with_issuer(&s, "Ian", "ian@example.org");
        let part_one = achievement(&mut staff, &issuer, "Part one");
        let capstone = achievement(&mut staff, &issuer, "Capstone");
        // A component from another issuer of this instance, named by its URL.
        s.register("Olga", "olga@example.org", "correct horse battery");
        set_role(&s, "olga@example.org", Role::IssuerStaff);
        let mut olga = s.login("olga@example.org", "correct horse battery");
        olga.get("/issuing");
        let r = olga.post_form(
            "/issuing",
            &[
                ("name", "Partner University"),
                ("country_code", "it"),
                ("kind", "formal"),
                ("accreditation", "Accredited by ANVUR"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let partner = id_in(r.location());
        let part_two = achievement(&mut olga, &partner, "Part two (partner)");
        // The partner allows this issuer to stack its achievement.
        let r = olga.post_form(
            &format!("/issuing/achievements/{part_two}/stacking"),
            &[("issuer", &did_of(&mut staff, &issuer))],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let r = staff.post_form(
            &format!("/issuing/{issuer}/stack-rules"),
            &[
                ("achievement_id", &capstone),
                ("components", &part_one),
                (
                    "other_components",
                    &format!("{}/achievements/{part_two}", s.url),
                ),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let page = staff.get(&format!("/issuing/{issuer}/automation")).body;
        assert!(
            page.contains("Part two (partner)") && page.contains("Partner University"),
            "{page}"
        );

        // Nothing held yet: no progress shown.
        assert!(!learner.get("/backpack/portal").body.contains("Capstone"));
        let award = |c: &mut Client, issuer: &str, achievement: &str| {
            let r = c.post_form(
                &format!("/issuing/{issuer}/award"),
                &[
                    ("achievement_id", achievement),
                    ("recipient_kind", "email"),
                    ("recipient", "lea@example.org"),
                ],
            );
            assert_eq!(r.status, 303, "{}", r.body);
        };
        award(&mut staff, &issuer, &part_one);
        let portal = learner.get("/backpack/portal").body;
        assert!(
            portal.contains("Capstone") && portal.contains("1 of 2"),
            "{portal}"
        );
        assert_eq!(issued_count(&mut staff, &issuer, &capstone), 0);
        // The partner's award completes the stack: the capstone is issued by
        // this issuer, once, and shown.
        award(&mut olga, &partner, &part_two);
        assert_eq!(issued_count(&mut staff, &issuer, &capstone), 1);
        // The capstone reaches the backpack by its delivery job.
        s.wait_for_jobs();
        let portal = learner.get("/backpack/portal").body;
        assert!(
            !portal.contains("1 of 2") && !portal.contains("2 of 2"),
            "{portal}"
        );
        assert!(portal.contains("Capstone"), "{portal}");
        // A second award of a component does not award it again.
        award(&mut staff, &issuer, &part_one);
        assert_eq!(issued_count(&mut staff, &issuer, &capstone), 1);
        let audit = staff.get(&format!("/issuing/{issuer}/audit")).body;
        assert!(audit.contains("Stacking rule"), "{audit}");

        // A rule made after the fact applies to those who already qualify.
        let honours = achievement(&mut staff, &issuer, "Honours");
        let r = staff.post_form(
            &format!("/issuing/{issuer}/stack-rules"),
            &[("achievement_id", &honours), ("components", &capstone)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let started = std::time::Instant::now();
        // In the background: issued, then delivered (until then the portal
        // shows the way to it, "1 of 1").
        loop {
            let portal = learner.get("/backpack/portal").body;
            if issued_count(&mut staff, &issuer, &honours) == 1
                && portal.contains("Honours")
                && !portal.contains("1 of 1")
            {
                break;
            }
            assert!(
                started.elapsed().as_secs() < 30,
                "not awarded to an existing holder: {portal}"
            );
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
);

on_every_db!(
    stacking_on_another_issuers_achievement_needs_its_consent,
    |s: TestServer| {
        // Another organisation on the instance awards its credential to Lea.
        let _lea = confirmed(&s, "Lea", "lea@example.org");
        let (mut ian, ours) = staff_with_issuer(&s, "Ian", "ian@example.org");
        s.register("Olga", "olga@example.org", "correct horse battery");
        set_role(&s, "olga@example.org", Role::IssuerStaff);
        let mut olga = s.login("olga@example.org", "correct horse battery");
        olga.get("/issuing");
        let r = olga.post_form(
            "/issuing",
            &[
                ("name", "Partner University"),
                ("country_code", "it"),
                ("kind", "formal"),
                ("accreditation", "Accredited by ANVUR"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let partner = id_in(r.location());
        let theirs = achievement(&mut olga, &partner, "Partner diploma");
        let award = |c: &mut Client, issuer: &str, achievement: &str, to: &str| {
            let r = c.post_form(
                &format!("/issuing/{issuer}/award"),
                &[
                    ("achievement_id", achievement),
                    ("recipient_kind", "email"),
                    ("recipient", to),
                ],
            );
            assert_eq!(r.status, 303, "{}", r.body);
        };
        award(&mut olga, &partner, &theirs, "lea@example.org");
        let target = achievement(&mut ian, &ours, "Holds the partner diploma");
        let cascade = achievement(&mut ian, &ours, "Cascade");
        let r = ian.post_form(
            &format!("/issuing/{ours}/stack-rules"),
            &[("achievement_id", &cascade), ("components", &target)],
        );
        assert_eq!(r.status, 303, "{}", r.body);

        // The disclosure: "our target ← their achievement" without their
        // consent is refused, by the page and by the API; nothing is issued.
        let url = format!("{}/achievements/{theirs}", s.url);
        let rules = format!("/issuing/{ours}/stack-rules");
        let r = ian.post_form(
            &rules,
            &[("achievement_id", &target), ("other_components", &url)],
        );
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains(
                "Another issuer&#39;s achievement can be a component only if that issuer allows it"
            ) || r.body.contains(
                "Another issuer's achievement can be a component only if that issuer allows it"
            ),
            "{}",
            r.body
        );
        let token = new_token(&mut ian, &ours, "API", "api");
        let mut api = s.client();
        let r = api.post_raw(
            "/api/v1/stack-rules",
            "application/json",
            json!({"achievement_id": target, "components": [url]})
                .to_string()
                .into_bytes(),
            &[("Authorization", &bearer(&token))],
        );
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains("stacking_component_not_allowed"),
            "{}",
            r.body
        );
        // Given time, a background back-fill would have shown Lea here.
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert_eq!(issued_count(&mut ian, &ours, &target), 0);
        assert_eq!(issued_count(&mut ian, &ours, &cascade), 0);
        assert!(!ian
            .get(&format!("/issuing/{ours}/credentials"))
            .body
            .contains("lea@example.org"));

        // Consent is the partner's to give, on its achievement's page: not
        // ours (our staff cannot reach it), and only for a known issuer.
        let consent = format!("/issuing/achievements/{theirs}/stacking");
        let did = did_of(&mut ian, &ours);
        assert_eq!(ian.post_form(&consent, &[("issuer", &did)]).status, 404);
        let r = olga.post_form(&consent, &[("issuer", "did:web:nowhere.example")]);
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains("No issuer of this site has this DID"),
            "{}",
            r.body
        );
        let r = olga.post_form(&consent, &[("issuer", &did)]);
        assert_eq!(r.status, 303, "{}", r.body);
        let page = olga.get(&format!("/issuing/achievements/{theirs}")).body;
        assert!(
            page.contains("Académie Numérique") && page.contains(&did),
            "{page}"
        );

        // With consent the rule is made, and it back-fills the partner's
        // earlier holder (the partner consented to that), then cascades.
        let r = ian.post_form(
            &rules,
            &[("achievement_id", &target), ("other_components", &url)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let started = std::time::Instant::now();
        while issued_count(&mut ian, &ours, &cascade) < 1 {
            assert!(started.elapsed().as_secs() < 30, "not back-filled");
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert_eq!(issued_count(&mut ian, &ours, &target), 1);

        // Withdrawn: the rule stays, marked, and awards nothing more.
        let r = olga.post_form(&format!("{consent}/{ours}/delete"), &[]);
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(!olga
            .get(&format!("/issuing/achievements/{theirs}"))
            .body
            .contains(&did));
        let page = ian.get(&format!("/issuing/{ours}/automation")).body;
        assert!(page.contains("not allowed by its issuer"), "{page}");
        let _max = confirmed(&s, "Max", "max@example.org");
        award(&mut olga, &partner, &theirs, "max@example.org");
        assert_eq!(issued_count(&mut ian, &ours, &target), 1);
        let audit = olga.get(&format!("/issuing/{partner}/audit")).body;
        assert!(
            audit.contains("Stacking permission granted")
                && audit.contains("Stacking permission withdrawn"),
            "{audit}"
        );
    }
);
