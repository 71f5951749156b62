//! The automation pages of the issuer workspace over HTTP: API tokens
//! (shown once, then only their last characters; revoked), xAPI rules and
//! the statements log, stacking rules (with achievements of another issuer
//! by URL), the learner's progress towards a stacked achievement, and who
//! may reach what.

use crate::client::id_after;
use crate::issuing::{confirmed, eu_achievement, set_role, staff_with_issuer, PROFILE};
use crate::{on_every_db, Client, TestServer};
use backpack_domain::values::Role;

const PW: &str = "correct horse battery";

fn post(c: &mut Client, path: &str, fields: &[(&str, String)]) -> crate::client::Resp {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(path, &pairs)
}

/// The id at the end of a redirect's location (before any query).
fn last_segment(location: &str) -> String {
    location
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

fn achievement(c: &mut Client, issuer: &str, name: &str) -> String {
    let r = post(
        c,
        &format!("/issuing/{issuer}/achievements"),
        &eu_achievement(name),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    last_segment(r.location())
}

/// The token shown once on the answer to the creation.
fn new_token(body: &str) -> String {
    let marker = "<code id=\"new-token\" class=\"wrap\">";
    let start = body.find(marker).expect("the new token is shown") + marker.len();
    body[start..].split('<').next().unwrap().to_owned()
}

on_every_db!(api_tokens_are_shown_once_and_revoked, |s: TestServer| {
    s.register("Admin", "admin@example.org", PW);
    let (mut c, issuer) = staff_with_issuer(&s, "Sam", "sam@example.org");
    let tokens = format!("/issuing/{issuer}/tokens");

    let r = c.get(&tokens);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("This issuer has no API token yet."));
    assert!(r
        .body
        .contains(&format!("href=\"/issuing/{issuer}/tokens\"")));
    assert!(r
        .body
        .contains(&format!("href=\"/issuing/{issuer}/automation\"")));

    // Bad input: the form again, with its errors.
    let r = c.post_form(&tokens, &[("name", "  "), ("scope", "xapi")]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"f-name-error\""), "{}", r.body);
    assert!(r.body.contains("This field is required."));
    assert!(!r.body.contains("id=\"new-token\""));
    let long = "x".repeat(101);
    let r = c.post_form(&tokens, &[("name", &long), ("scope", "xapi")]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("This is too long."));
    let r = c.post_form(&tokens, &[("name", "Forged"), ("scope", "root")]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"f-scope-error\""));

    // Created: the token is on this answer, once, with how to use it.
    let r = c.post_form(&tokens, &[("name", "Moodle LRS"), ("scope", "xapi")]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let secret = new_token(&r.body);
    assert!(secret.starts_with("bpk_") && secret.len() > 20, "{secret}");
    assert_eq!(
        r.body.matches(&secret).count(),
        1,
        "the token is shown once"
    );
    assert!(r.body.contains("it will not be shown again"));
    assert!(r.body.contains("Authorization: Bearer"));
    assert!(r.body.contains(&format!("{}/xapi/statements", s.url)));
    assert!(r.body.contains("xAPI statements only"));

    // The list shows its name and last characters, never the token.
    let hint = &secret[secret.len() - 4..];
    let r = c.get(&tokens);
    assert_eq!(r.status, 200);
    assert!(!r.body.contains(&secret), "the token is shown again");
    assert!(!r.body.contains("id=\"new-token\""));
    assert!(r.body.contains("Moodle LRS"));
    assert!(r.body.contains(&format!("…{hint}")));
    assert!(r.body.contains("Sam"));
    assert!(r.body.contains("Never"));
    assert!(r.body.contains("Revoke “Moodle LRS”"));

    // It works on the xAPI endpoint (an unknown activity: refused, 400,
    // but authenticated).
    let statement = serde_json::json!({
        "actor": {"mbox": "mailto:lea@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "https://lms.example.org/courses/none"},
    })
    .to_string();
    let mut machine = s.client();
    let auth = format!("Bearer {secret}");
    let r = machine.post_raw(
        "/xapi/statements",
        "application/json",
        statement.clone().into_bytes(),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status, 400, "{}", r.body);

    // A full API token too.
    let r = c.post_form(&tokens, &[("name", "Script"), ("scope", "api")]);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Full JSON API"));
    let script = new_token(&r.body);
    assert_ne!(script, secret);

    // Revoke the first: back to the list, which says so; the token is refused.
    let body = c.get(&tokens).body;
    let id = id_after(&body, "Moodle LRS", &format!("/issuing/{issuer}/tokens/"));
    let r = c.post_form(&format!("{tokens}/{id}/revoke"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("{tokens}?done=token_revoked"));
    let r = c.get(r.location());
    assert!(r.body.contains("The token is revoked"));
    assert!(r.body.contains("Revoked "));
    assert!(!r.body.contains("Revoke “Moodle LRS”"));
    assert!(r.body.contains("Revoke “Script”"));
    let r = machine.post_raw(
        "/xapi/statements",
        "application/json",
        statement.into_bytes(),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status, 401, "{}", r.body);
    // An id that is no token of this issuer: not found.
    let r = c.post_form(
        &format!("{tokens}/00000000-0000-0000-0000-000000000000/revoke"),
        &[],
    );
    assert_eq!(r.status, 404);
    let r = c.post_form(&format!("{tokens}/not-an-id/revoke"), &[]);
    assert_eq!(r.status, 404);

    // The audit log tells.
    let audit = c.get(&format!("/issuing/{issuer}/audit")).body;
    assert!(audit.contains("API token created"));
    assert!(audit.contains("API token revoked"));
});

on_every_db!(xapi_rules_and_the_statements_log, |s: TestServer| {
    s.register("Admin", "admin@example.org", PW);
    let _lea = confirmed(&s, "Lea", "lea@example.org");
    let (mut c, issuer) = staff_with_issuer(&s, "Sam", "sam@example.org");
    let data = achievement(&mut c, &issuer, "Data Literacy");
    let page = format!("/issuing/{issuer}/automation");
    let rules = format!("/issuing/{issuer}/xapi-rules");

    let r = c.get(&page);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("No xAPI rule yet."));
    assert!(r.body.contains("No stacking rule yet."));
    assert!(r.body.contains("No statement received yet."));
    assert!(r.body.contains(&format!("POST {}/xapi/statements", s.url)));

    // Not an IRI: the page again, with the message tied to the field.
    let r = c.post_form(
        &rules,
        &[
            ("activity", "the data course"),
            ("achievement_id", &data),
            ("min_score", "70"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("Enter an absolute IRI"));
    assert!(r
        .body
        .contains("aria-describedby=\"f-activity-error f-activity-hint\""));
    assert!(r.body.contains("value=\"the data course\""));
    assert!(r.body.contains("href=\"#f-activity\""));
    // A score out of range; no achievement.
    let r = c.post_form(
        &rules,
        &[
            ("activity", "https://lms.example.org/courses/data"),
            ("achievement_id", &data),
            ("min_score", "150"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"f-min_score-error\""));
    assert!(r.body.contains("This value is out of range."));
    let r = c.post_form(
        &rules,
        &[
            ("activity", "https://lms.example.org/courses/data"),
            ("achievement_id", "nope"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"f-achievement_id-error\""));

    // Added.
    let r = c.post_form(
        &rules,
        &[
            ("activity", "https://lms.example.org/courses/data"),
            ("achievement_id", &data),
            ("min_score", "70"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("{page}?done=xapi_rule_saved"));
    let r = c.get(r.location());
    assert!(r.body.contains("The xAPI rule is added."));
    assert!(r.body.contains("https://lms.example.org/courses/data"));
    assert!(r.body.contains(&format!(
        "<a href=\"/issuing/achievements/{data}\">Data Literacy</a>"
    )));
    assert!(r.body.contains("70%"));

    // The same activity again: refused, said plainly.
    let r = c.post_form(
        &rules,
        &[
            ("activity", "https://lms.example.org/courses/data"),
            ("achievement_id", &data),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("This activity already has a rule."),
        "{}",
        r.body
    );

    // A statement through the endpoint lands in the log, with its credential.
    let tokens = format!("/issuing/{issuer}/tokens");
    let secret = new_token(
        &c.post_form(&tokens, &[("name", "LMS"), ("scope", "xapi")])
            .body,
    );
    let statement = serde_json::json!({
        "actor": {"mbox": "mailto:lea@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
        "object": {"id": "https://lms.example.org/courses/data"},
        "result": {"score": {"scaled": 0.9}, "success": true},
    })
    .to_string();
    let r = s.client().post_raw(
        "/xapi/statements",
        "application/json",
        statement.into_bytes(),
        &[("Authorization", &format!("Bearer {secret}"))],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c.get(&page);
    assert!(r.body.contains("mailto:lea@example.org"));
    assert!(r.body.contains(">passed<"));
    assert!(r.body.contains("Awarded"));
    let credential = id_after(&r.body, "Statements received", "/issuing/credentials/");
    assert_eq!(
        c.get(&format!("/issuing/credentials/{credential}")).status,
        200
    );

    // Deleted.
    let rule = id_after(&r.body, "xAPI rules", &format!("{rules}/"));
    let r = c.post_form(&format!("{rules}/{rule}/delete"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("{page}?done=xapi_rule_deleted"));
    let r = c.get(r.location());
    assert!(r.body.contains("The xAPI rule is deleted."));
    assert!(r.body.contains("No xAPI rule yet."));
    // Gone: deleting again is "not found".
    let r = c.post_form(&format!("{rules}/{rule}/delete"), &[]);
    assert_eq!(r.status, 404);

    let audit = c.get(&format!("/issuing/{issuer}/audit")).body;
    assert!(audit.contains("xAPI rule added"));
    assert!(audit.contains("xAPI rule deleted"));
});

on_every_db!(stacking_rules_and_the_learners_progress, |s: TestServer| {
    s.register("Admin", "admin@example.org", PW);
    let mut lea = confirmed(&s, "Lea", "lea@example.org");
    let (mut c, issuer) = staff_with_issuer(&s, "Sam", "sam@example.org");
    let security = achievement(&mut c, &issuer, "Digital Security");
    let teamwork = achievement(&mut c, &issuer, "Online Teamwork");
    let pathway = achievement(&mut c, &issuer, "Digital Pathway");
    // Another issuer's achievement, named by its URL.
    s.register("Olga", "olga@example.org", PW);
    set_role(&s, "olga@example.org", Role::IssuerStaff);
    let mut other = s.login("olga@example.org", PW);
    other.get("/issuing");
    let mut profile: Vec<(&str, &str)> = PROFILE.to_vec();
    profile.retain(|(k, _)| *k != "name");
    profile.push(("name", "Second School"));
    let r = other.post_form("/issuing", &profile);
    assert_eq!(r.status, 303, "{}", r.body);
    let other_issuer = last_segment(r.location());
    let english = achievement(&mut other, &other_issuer, "Technical English");
    // Its issuer allows ours to stack it (without, the rule is refused).
    let did = crate::automation::did_of(&mut c, &issuer);
    let r = other.post_form(
        &format!("/issuing/achievements/{english}/stacking"),
        &[("issuer", &did)],
    );
    assert_eq!(r.status, 303, "{}", r.body);

    let page = format!("/issuing/{issuer}/automation");
    let rules = format!("/issuing/{issuer}/stack-rules");
    let body = c.get(&page).body;
    assert!(body.contains(&format!(
        "<input type=\"checkbox\" id=\"c-{security}\" name=\"components\" value=\"{security}\">"
    )));
    assert!(body.contains("<legend>"));

    // A component address that is no achievement of this site.
    let r = c.post_form(
        &rules,
        &[
            ("achievement_id", &pathway),
            ("components", &security),
            (
                "other_components",
                &format!(
                    "{}/achievements/00000000-0000-0000-0000-000000000000",
                    s.url
                ),
            ),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r
        .body
        .contains("A component is not an achievement of this site"));
    assert!(r.body.contains("id=\"f-components-error\""));
    assert!(r.body.contains("href=\"#f-components\""));
    // What was typed and checked is kept.
    assert!(r.body.contains(&format!("value=\"{security}\" checked")));
    assert!(r
        .body
        .contains("/achievements/00000000-0000-0000-0000-000000000000</textarea>"));
    let r = c.post_form(
        &rules,
        &[
            ("achievement_id", &pathway),
            ("other_components", "https://elsewhere.example/badges/1"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r
        .body
        .contains("A component is not an achievement of this site"));
    // No component; the target among its components; no target.
    let r = c.post_form(&rules, &[("achievement_id", &pathway)]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Choose at least one achievement to hold."));
    let r = c.post_form(
        &rules,
        &[
            ("achievement_id", &pathway),
            ("components", &security),
            ("components", &pathway),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r
        .body
        .contains("The target cannot be one of its own components."));
    let r = c.post_form(
        &rules,
        &[("achievement_id", "x"), ("components", &security)],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"f-target-error\""));
    assert!(r.body.contains("href=\"#f-target\""));

    // Added: two of this issuer's (repeated key), one of another's.
    let r = c.post_form(
        &rules,
        &[
            ("achievement_id", &pathway),
            ("components", &security),
            ("components", &teamwork),
            (
                "other_components",
                &format!("\n{}/achievements/{english}\n", s.url),
            ),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("{page}?done=stack_rule_saved"));
    let r = c.get(r.location());
    assert!(r.body.contains("The stacking rule is added."));
    assert!(r.body.contains(&format!(
        "<a href=\"/issuing/achievements/{pathway}\">Digital Pathway</a>"
    )));
    assert!(r.body.contains("Digital Security"));
    assert!(r.body.contains("Online Teamwork"));
    assert!(r
        .body
        .contains("Technical English <span class=\"muted\">(Second School)</span>"));
    // One rule per target.
    let r = c.post_form(
        &rules,
        &[("achievement_id", &pathway), ("components", &teamwork)],
    );
    assert_eq!(r.status, 422);
    assert!(r
        .body
        .contains("This achievement already has a stacking rule."));

    // The learner's progress, on the portal page.
    assert!(!lea
        .get("/backpack/portal")
        .body
        .contains("Towards stacked achievements"));
    for (who, what, id) in [
        (&mut c, &issuer, &security),
        (&mut other, &other_issuer, &english),
    ] {
        let r = who.post_form(
            &format!("/issuing/{what}/award"),
            &[
                ("achievement_id", id.as_str()),
                ("recipient_kind", "email"),
                ("recipient", "lea@example.org"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let body = lea.get("/backpack/portal").body;
    assert!(body.contains("Towards stacked achievements"), "{body}");
    assert!(body.contains("<h3>Digital Pathway</h3>"));
    assert!(body.contains("Académie Numérique · 2 of 3"));
    assert!(body.contains("Digital Security — <strong>held</strong>"));
    assert!(body.contains("Technical English — <strong>held</strong>"));
    assert!(body.contains("Online Teamwork — not held yet"));
    // The last one: the target is awarded, the section is gone.
    let r = c.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &teamwork),
            ("recipient_kind", "email"),
            ("recipient", "lea@example.org"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // The target reaches the backpack by its delivery job.
    s.wait_for_jobs();
    let body = lea.get("/backpack/portal").body;
    assert!(!body.contains("Towards stacked achievements"), "{body}");
    assert!(body.contains("Digital Pathway"), "{body}");

    // Deleted.
    let body = c.get(&page).body;
    let rule = id_after(&body, "Stacking rules", &format!("{rules}/"));
    let r = c.post_form(&format!("{rules}/{rule}/delete"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("{page}?done=stack_rule_deleted"));
    let r = c.get(r.location());
    assert!(r.body.contains("The stacking rule is deleted."));
    assert!(r.body.contains("No stacking rule yet."));
    let audit = c.get(&format!("/issuing/{issuer}/audit")).body;
    assert!(audit.contains("Stacking rule added"));
    assert!(audit.contains("Stacking rule deleted"));
});

on_every_db!(others_get_not_found, |s: TestServer| {
    s.register("Admin", "admin@example.org", PW);
    let mut learner = confirmed(&s, "Lea", "lea@example.org");
    let (mut a, issuer_a) = staff_with_issuer(&s, "Ann", "ann@example.org");
    let (mut b, issuer_b) = staff_with_issuer(&s, "Bob", "bob@example.org");
    let achievement_b = achievement(&mut b, &issuer_b, "B's");
    let second_b = achievement(&mut b, &issuer_b, "B's second");
    let r = b.post_form(
        &format!("/issuing/{issuer_b}/tokens"),
        &[("name", "B's token"), ("scope", "api")],
    );
    assert_eq!(r.status, 200);
    let body = b.get(&format!("/issuing/{issuer_b}/tokens")).body;
    let token_b = id_after(
        &body,
        "B&#39;s token",
        &format!("/issuing/{issuer_b}/tokens/"),
    );
    let r = b.post_form(
        &format!("/issuing/{issuer_b}/xapi-rules"),
        &[
            ("activity", "https://lms.example.org/b"),
            ("achievement_id", &achievement_b),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b.post_form(
        &format!("/issuing/{issuer_b}/stack-rules"),
        &[
            ("achievement_id", &second_b),
            ("components", &achievement_b),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let body = b.get(&format!("/issuing/{issuer_b}/automation")).body;
    let xapi_b = id_after(
        &body,
        "xAPI rules",
        &format!("/issuing/{issuer_b}/xapi-rules/"),
    );
    let stack_b = id_after(
        &body,
        "Stacking rules",
        &format!("/issuing/{issuer_b}/stack-rules/"),
    );

    for path in [
        format!("/issuing/{issuer_b}/tokens"),
        format!("/issuing/{issuer_b}/automation"),
    ] {
        assert_eq!(a.get(&path).status, 404, "staff A reached {path}");
        assert_eq!(learner.get(&path).status, 404, "a learner reached {path}");
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/issuing/{issuer_b}/tokens"),
            vec![("name", "Mine"), ("scope", "api")],
        ),
        (
            format!("/issuing/{issuer_b}/tokens/{token_b}/revoke"),
            vec![],
        ),
        // A's own issuer with B's objects.
        (
            format!("/issuing/{issuer_a}/tokens/{token_b}/revoke"),
            vec![],
        ),
        (
            format!("/issuing/{issuer_b}/xapi-rules"),
            vec![
                ("activity", "https://lms.example.org/a"),
                ("achievement_id", &achievement_b),
            ],
        ),
        (
            format!("/issuing/{issuer_b}/xapi-rules/{xapi_b}/delete"),
            vec![],
        ),
        (
            format!("/issuing/{issuer_a}/xapi-rules/{xapi_b}/delete"),
            vec![],
        ),
        (
            format!("/issuing/{issuer_b}/stack-rules"),
            vec![
                ("achievement_id", &achievement_b),
                ("components", &second_b),
            ],
        ),
        (
            format!("/issuing/{issuer_b}/stack-rules/{stack_b}/delete"),
            vec![],
        ),
        (
            format!("/issuing/{issuer_a}/stack-rules/{stack_b}/delete"),
            vec![],
        ),
    ];
    for (path, fields) in &posts {
        assert_eq!(
            a.post_form(path, fields).status,
            404,
            "staff A changed {path}"
        );
        assert_eq!(
            learner.post_form(path, fields).status,
            404,
            "a learner changed {path}"
        );
    }
    // A's forms cannot name B's achievements: refused as input.
    let r = a.post_form(
        &format!("/issuing/{issuer_a}/xapi-rules"),
        &[
            ("activity", "https://lms.example.org/a"),
            ("achievement_id", &achievement_b),
        ],
    );
    assert_eq!(r.status, 422);
    let r = a.post_form(
        &format!("/issuing/{issuer_a}/stack-rules"),
        &[
            ("achievement_id", &achievement_b),
            ("components", &second_b),
        ],
    );
    assert_eq!(r.status, 422);
    // B's objects are untouched.
    let body = b.get(&format!("/issuing/{issuer_b}/tokens")).body;
    assert!(body.contains("Revoke “B&#39;s token”"));
    let body = b.get(&format!("/issuing/{issuer_b}/automation")).body;
    assert!(body.contains("https://lms.example.org/b"));
    assert!(!body.contains("https://lms.example.org/a"));
    assert!(!body.contains("No stacking rule yet."));
});
