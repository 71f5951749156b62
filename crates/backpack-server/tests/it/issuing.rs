//! Issuing over HTTP: issuers with did:web documents, achievements with the
//! EU standard elements, awards by address, account and DID, claim links,
//! revocation and suspension through the served status lists, the audit log,
//! and who may reach what.

use crate::{on_every_db, Client, TestServer};
use backpack_domain::values::Role;
use serde_json::Value;

const PW: &str = "correct horse battery";

/// Set an account's role directly (the admin page does the same).
pub fn set_role(s: &TestServer, address: &str, role: Role) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = backpack_server::app::open_store(&s.config).await.unwrap();
        let user = store.find_user_by_login(address).await.unwrap().unwrap();
        store.update_role(user.id, role, false).await.unwrap();
    });
}

/// Register and confirm the address (registering confirms it through the
/// mailed link).
pub fn confirmed(s: &TestServer, name: &str, address: &str) -> Client {
    s.register(name, address, PW)
}

pub const PROFILE: &[(&str, &str)] = &[
    ("name", "Académie Numérique"),
    ("country_code", "fr"),
    ("region", "Île-de-France"),
    ("url", "https://academie.example"),
    ("email", "contact@academie.example"),
    ("kind", "non_formal"),
    ("accreditation", "Qualiopi certified training provider"),
];

pub fn eu_achievement(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_owned()),
        ("description", "Secure a small organisation's information system.".into()),
        ("criteria", "Pass the final practical assessment (70 %).".into()),
        ("achievement_type", "MicroCredential".into()),
        ("eu", "on".into()),
        (
            "learning_outcomes",
            "Assess the risks of an information system\nApply basic hardening measures".into(),
        ),
        ("ects", "3".into()),
        ("hours", "75".into()),
        ("eqf_level", "5".into()),
        ("assessment", "Practical assessment, supervised online".into()),
        ("participation", "online".into()),
        ("quality_assurance", "Internal quality assurance, reviewed yearly".into()),
        (
            "skills",
            "http://data.europa.eu/esco/skill/0a8a0f8e-5bba-4b4b-8a7f-9e0d0c8a2a0d | manage ICT security".into(),
        ),
        ("language", "en".into()),
        ("translations", "fr | Cybersécurité | Sécuriser un petit système".into()),
        ("valid_months", "36".into()),
    ]
}

pub fn post(c: &mut Client, path: &str, fields: &[(&str, String)]) -> crate::client::Resp {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(path, &pairs)
}

/// The id at the end of a redirect's location (before any query).
pub fn id_in(location: &str) -> String {
    location
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// A staff member with an issuer; returns (client, issuer id, slug).
pub fn staff_with_issuer(s: &TestServer, name: &str, address: &str) -> (Client, String) {
    s.register(name, address, PW);
    set_role(s, address, Role::IssuerStaff);
    let mut c = s.login(address, PW);
    c.get("/issuing");
    let r = c.post_form("/issuing", PROFILE);
    assert_eq!(r.status, 303, "{}", r.body);
    let id = id_in(r.location());
    (c, id)
}

pub fn json(c: &mut Client, path: &str) -> Value {
    let r = c.get(path);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

on_every_db!(issuers_award_and_revoke_end_to_end, |s: TestServer| {
    s.register("Admin", "admin@example.org", PW);
    let mut learner = confirmed(&s, "Lea", "lea@example.org");
    let (mut staff, issuer) = staff_with_issuer(&s, "Ian", "ian@example.org");

    // The issuer page shows its did:web, and the DID document is served.
    let page = staff.get(&format!("/issuing/{issuer}")).body;
    let host = s.url.trim_start_matches("http://").replace(':', "%3A");
    let did = format!("did:web:{host}:issuers:academie-numerique");
    assert!(page.contains(&did), "{page}");
    let mut anon = s.client();
    let doc = json(&mut anon, "/issuers/academie-numerique/did.json");
    assert_eq!(doc["id"], did.as_str());
    assert_eq!(doc["assertionMethod"][0], format!("{did}#key-1").as_str());
    assert_eq!(anon.get("/issuers/nobody/did.json").status, 404);

    // A draft: the EU elements it lacks are listed, and it cannot be awarded.
    let r = post(
        &mut staff,
        &format!("/issuing/{issuer}/achievements"),
        &[
            ("name", "Draft".into()),
            ("description", "d".into()),
            ("criteria", "c".into()),
            ("eu", "on".into()),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = id_in(r.location());
    let page = staff.get(&format!("/issuing/achievements/{draft}")).body;
    // The list inside the alert, not the form's labels.
    let start = page
        .find("cannot be awarded as an EU micro-credential yet")
        .expect("no list of missing elements");
    let list = &page[start..start + page[start..].find("</ul>").unwrap()];
    for missing in [
        "Learning outcomes",
        "Notional workload",
        "Level (EQF)",
        "Type of assessment",
        "Form of participation",
    ] {
        assert!(
            list.contains(missing),
            "{missing} not listed as missing: {list}"
        );
    }
    // The issuer's accreditation counts as the type of quality assurance.
    assert!(!list.contains("quality assurance"), "{list}");
    assert_eq!(list.matches("<li>").count(), 5, "{list}");
    let r = staff.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &draft),
            ("recipient_kind", "email"),
            ("recipient", "lea@example.org"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("misses mandatory elements"), "{}", r.body);

    // A complete EU micro-credential.
    let r = post(
        &mut staff,
        &format!("/issuing/{issuer}/achievements"),
        &eu_achievement("Cybersecurity basics"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let achievement = id_in(r.location());
    let page = staff
        .get(&format!("/issuing/achievements/{achievement}"))
        .body;
    assert!(page.contains("Every mandatory element"), "{page}");
    let public = json(&mut anon, &format!("/achievements/{achievement}"));
    assert_eq!(public["name"], "Cybersecurity basics");

    // Award to a learner's confirmed address: delivered to area 3, mailed.
    let r = staff.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &achievement),
            ("recipient_kind", "email"),
            ("recipient", "Lea@Example.org"),
            ("recipient_name", "Lea L."),
            ("grade", "B"),
            ("format", "json"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let credential = id_in(r.location());
    let portal = learner.get("/backpack/portal").body;
    assert!(portal.contains("Cybersecurity basics"), "{portal}");
    let badge = crate::client::id_before(&portal, "Cybersecurity basics", "/backpack/badges/");
    let view = learner.get(&format!("/backpack/badges/{badge}")).body;
    assert!(
        view.contains("verdict-verified") || view.contains("Verified"),
        "{view}"
    );
    assert!(view.contains("EU micro-credential: complete"), "{view}");
    let mails = s.mails("lea@example.org");
    assert!(mails.iter().any(
        |(_, text)| text.contains("Cybersecurity basics") && text.contains("/backpack/portal")
    ));

    // The signed credential: OB 3.0, eddsa-rdfc-2022, identity hash, status.
    let r = staff.get(&format!("/issuing/credentials/{credential}/download"));
    assert_eq!(r.status, 200);
    let vc: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(vc["issuer"]["id"], did.as_str());
    assert_eq!(vc["proof"][0]["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(vc["credentialSubject"]["identifier"][0]["hashed"], true);
    assert!(!r.body.contains("lea@example.org"));
    let list_url = vc["credentialStatus"]["statusListCredential"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(list_url.starts_with(&s.url));
    let list = json(&mut anon, list_url.trim_start_matches(&s.url));
    assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");

    // A recipient without an account gets a claim link.
    let r = staff.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &achievement),
            ("recipient_kind", "email"),
            ("recipient", "new@example.org"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let waiting = id_in(r.location());
    let first = s.mailed_token("new@example.org", "/claim");
    // Staff send the link again (it went astray): a new link, and the
    // first one stops working.
    let page = staff.get(&format!("/issuing/credentials/{waiting}")).body;
    assert!(page.contains("Send a new claim link"), "{page}");
    let r = staff.post_form(&format!("/issuing/credentials/{waiting}/resend-claim"), &[]);
    assert_eq!(
        (r.status, r.location()),
        (
            303,
            format!("/issuing/credentials/{waiting}?done=claim_resent").as_str()
        )
    );
    assert!(staff
        .get(r.location())
        .body
        .contains("A new claim link is on its way"));
    let token = s.mailed_token("new@example.org", "/claim");
    assert_ne!(token, first);
    assert_eq!(
        learner.post_form("/claim", &[("token", &first)]).status,
        400,
        "the first link no longer works"
    );
    // Someone who is not a member of the issuer cannot.
    assert_eq!(
        learner
            .post_form(&format!("/issuing/credentials/{waiting}/resend-claim"), &[])
            .status,
        404
    );
    // The link is no bearer token: someone else who holds it (here Lea,
    // signed in with her own confirmed address) is refused, told only the
    // address it was sent to, and nothing is delivered.
    let page = learner.get(&format!("/claim?token={token}")).body;
    assert!(page.contains("Cybersecurity basics"), "{page}");
    assert!(
        page.contains("This credential was issued to new@example.org")
            && !page.contains("Put it in my e-Backpack"),
        "{page}"
    );
    let r = learner.post_form("/claim", &[("token", &token)]);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("must be confirmed on your account"),
        "{}",
        r.body
    );
    assert_eq!(
        learner
            .get("/backpack/portal")
            .body
            .matches("Cybersecurity basics")
            .count(),
        1
    );
    // The right person, with the address added but not confirmed yet:
    // refused too (an unconfirmed address never signs in, so it is a
    // second address of an account signed in with another one).
    let mut newcomer = s.register("Noa", "noa@example.org", PW);
    let r = newcomer.post_form("/account/emails", &[("email", "new@example.org")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = newcomer.get(&format!("/claim?token={token}")).body;
    assert!(page.contains("not confirmed yet"), "{page}");
    assert_eq!(
        newcomer.post_form("/claim", &[("token", &token)]).status,
        403
    );
    // Once confirmed, the claim works.
    let confirm = s.mailed_token("new@example.org", "/confirm-email");
    let r = newcomer.post_form("/confirm-email", &[("token", &confirm)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(newcomer
        .get(&format!("/claim?token={token}"))
        .body
        .contains("Put it in my e-Backpack"));
    let r = newcomer.post_form("/claim", &[("token", &token)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(newcomer
        .get("/backpack/portal")
        .body
        .contains("Cybersecurity basics"));
    // A claim link works once.
    assert_eq!(
        newcomer.post_form("/claim", &[("token", &token)]).status,
        400
    );
    // Claimed: nothing to send again.
    let r = staff.post_form(&format!("/issuing/credentials/{waiting}/resend-claim"), &[]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("has no claim link waiting"), "{}", r.body);

    // A claim link of a credential the issuer then revoked says so and
    // claims nothing, even for the right person.
    let r = staff.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &achievement),
            ("recipient_kind", "email"),
            ("recipient", "gone@example.org"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let withdrawn = id_in(r.location());
    let gone_token = s.mailed_token("gone@example.org", "/claim");
    let r = staff.post_form(
        &format!("/issuing/credentials/{withdrawn}/state"),
        &[("state", "revoked"), ("reason", "Awarded by mistake")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let mut gil = s.register("Gil", "gone@example.org", PW);
    let page = gil.get(&format!("/claim?token={gone_token}")).body;
    assert!(
        page.contains("The issuer revoked") && page.contains("nothing to claim"),
        "{page}"
    );
    assert!(
        !page.contains("You have been awarded") && !page.contains("Put it in my e-Backpack"),
        "{page}"
    );
    let r = gil.post_form("/claim", &[("token", &gone_token)]);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("The issuer revoked"), "{}", r.body);
    assert!(!gil
        .get("/backpack/portal")
        .body
        .contains("Cybersecurity basics"));

    // By account: refused for an address no account confirmed.
    let r = staff.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &achievement),
            ("recipient_kind", "account"),
            ("recipient", "ghost@example.org"),
        ],
    );
    assert_eq!(r.status, 422);
    // By DID, as a VC-JWT.
    let r = staff.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &achievement),
            ("recipient_kind", "did"),
            (
                "recipient",
                "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            ),
            ("format", "jwt"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let jwt_id = id_in(r.location());
    let jwt = staff
        .get(&format!("/issuing/credentials/{jwt_id}/download"))
        .body;
    assert_eq!(jwt.split('.').count(), 3, "{jwt}");

    // Revoke Lea's: the list is re-signed, her view says revoked.
    let r = staff.post_form(
        &format!("/issuing/credentials/{credential}/state"),
        &[("state", "revoked")],
    );
    assert_eq!(r.status, 422, "a reason is required");
    let r = staff.post_form(
        &format!("/issuing/credentials/{credential}/state"),
        &[("state", "revoked"), ("reason", "Assessment fraud")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let after = json(&mut anon, list_url.trim_start_matches(&s.url));
    assert_ne!(
        after["credentialSubject"]["encodedList"],
        list["credentialSubject"]["encodedList"]
    );
    let view = learner.get(&format!("/backpack/badges/{badge}")).body;
    assert!(
        view.contains("Revoked") || view.contains("revoked"),
        "{view}"
    );
    // Revoked is final; suspension needs a suspension entry.
    let r = staff.post_form(
        &format!("/issuing/credentials/{credential}/state"),
        &[("state", "active"), ("reason", "oops")],
    );
    assert_eq!(r.status, 422);
    let r = staff.post_form(
        &format!("/issuing/credentials/{jwt_id}/state"),
        &[("state", "suspended"), ("reason", "check")],
    );
    assert_eq!(r.status, 422);

    // The list and its filters; the audit log.
    let list_page = staff
        .get(&format!("/issuing/{issuer}/credentials?state=revoked"))
        .body;
    assert!(list_page.contains("lea@example.org") && !list_page.contains("new@example.org"));
    let list_page = staff
        .get(&format!("/issuing/{issuer}/credentials?q=new%40"))
        .body;
    assert!(list_page.contains("new@example.org") && !list_page.contains("lea@example.org"));
    let audit = staff.get(&format!("/issuing/{issuer}/audit")).body;
    for action in [
        "Issuer created",
        "Achievement created",
        "Credential issued",
        "Credential revoked",
        "Assessment fraud",
    ] {
        assert!(
            audit.contains(action),
            "{action} missing from the audit log"
        );
    }

    // Key rotation: a new key signs, the old one stays in the DID document,
    // and the earlier credential still verifies for the learner.
    let r = staff.post_form(&format!("/issuing/{issuer}/keys"), &[]);
    assert_eq!(r.status, 303);
    let doc = json(&mut anon, "/issuers/academie-numerique/did.json");
    assert_eq!(doc["assertionMethod"].as_array().unwrap().len(), 2);
    let r = staff.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &achievement),
            ("recipient_kind", "email"),
            ("recipient", "lea@example.org"),
        ],
    );
    assert_eq!(r.status, 303);
    let newer = staff
        .get(&format!(
            "/issuing/credentials/{}/download",
            id_in(r.location())
        ))
        .body;
    assert!(newer.contains("#key-2"), "{newer}");
    let portal = learner.get("/backpack/portal").body;
    assert_eq!(
        portal.matches("Cybersecurity basics").count(),
        2,
        "{portal}"
    );
});

on_every_db!(suspension_round_trip, |s: TestServer| {
    s.register("Admin", "admin@example.org", PW);
    let mut learner = confirmed(&s, "Lea", "lea@example.org");
    let (mut staff, issuer) = staff_with_issuer(&s, "Ian", "ian@example.org");
    let mut fields = eu_achievement("Suspendable");
    fields.push(("suspendable", "on".into()));
    let r = post(
        &mut staff,
        &format!("/issuing/{issuer}/achievements"),
        &fields,
    );
    let achievement = id_in(r.location());
    let r = staff.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &achievement),
            ("recipient_kind", "email"),
            ("recipient", "lea@example.org"),
        ],
    );
    let credential = id_in(r.location());
    let portal = learner.get("/backpack/portal").body;
    let badge = crate::client::id_before(&portal, "Suspendable", "/backpack/badges/");
    let r = staff.post_form(
        &format!("/issuing/credentials/{credential}/state"),
        &[("state", "suspended"), ("reason", "Under review")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let view = learner.get(&format!("/backpack/badges/{badge}")).body;
    assert!(view.contains("uspended"), "{view}");
    let r = staff.post_form(
        &format!("/issuing/credentials/{credential}/state"),
        &[("state", "active")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let view = learner.get(&format!("/backpack/badges/{badge}")).body;
    assert!(!view.contains("Suspended"), "{view}");
    assert!(staff
        .get(&format!("/issuing/{issuer}/audit"))
        .body
        .contains("Credential reinstated"));
});

on_every_db!(staff_of_one_issuer_cannot_reach_another, |s: TestServer| {
    s.register("Admin", "admin@example.org", PW);
    let mut learner = confirmed(&s, "Lea", "lea@example.org");
    let (mut a, issuer_a) = staff_with_issuer(&s, "Ann", "ann@example.org");
    let (mut b, issuer_b) = staff_with_issuer(&s, "Bob", "bob@example.org");
    let r = post(
        &mut b,
        &format!("/issuing/{issuer_b}/achievements"),
        &eu_achievement("B's"),
    );
    let achievement_b = id_in(r.location());
    let r = b.post_form(
        &format!("/issuing/{issuer_b}/award"),
        &[
            ("achievement_id", &achievement_b),
            ("recipient_kind", "email"),
            ("recipient", "lea@example.org"),
        ],
    );
    let credential_b = id_in(r.location());
    for path in [
        format!("/issuing/{issuer_b}"),
        format!("/issuing/{issuer_b}/achievements"),
        format!("/issuing/{issuer_b}/credentials"),
        format!("/issuing/{issuer_b}/audit"),
        format!("/issuing/{issuer_b}/award"),
        format!("/issuing/achievements/{achievement_b}"),
        format!("/issuing/credentials/{credential_b}"),
        format!("/issuing/credentials/{credential_b}/download"),
    ] {
        assert_eq!(a.get(&path).status, 404, "staff A reached {path}");
        assert_eq!(learner.get(&path).status, 404, "a learner reached {path}");
    }
    for (path, fields) in [
        (
            format!("/issuing/{issuer_b}/profile"),
            vec![("name", "Mine now")],
        ),
        (format!("/issuing/{issuer_b}/keys"), vec![]),
        (
            format!("/issuing/{issuer_b}/members"),
            vec![("email", "ann@example.org")],
        ),
        (
            format!("/issuing/credentials/{credential_b}/state"),
            vec![("state", "revoked"), ("reason", "x")],
        ),
        (
            format!("/issuing/achievements/{achievement_b}"),
            vec![("name", "x"), ("description", "x"), ("criteria", "x")],
        ),
    ] {
        assert_eq!(
            a.post_form(&path, &fields).status,
            404,
            "staff A changed {path}"
        );
    }
    // A's award form cannot name B's achievement.
    let r = a.post_form(
        &format!("/issuing/{issuer_a}/award"),
        &[
            ("achievement_id", &achievement_b),
            ("recipient_kind", "email"),
            ("recipient", "lea@example.org"),
        ],
    );
    assert_eq!(r.status, 422);
    // Learners cannot open the workspace nor create an issuer.
    assert_eq!(learner.get("/issuing").status, 404);
    assert_eq!(learner.post_form("/issuing", PROFILE).status, 404);
    // B's issuer is untouched.
    assert!(b
        .get(&format!("/issuing/{issuer_b}"))
        .body
        .contains("Académie Numérique"));
    assert!(!b
        .get(&format!("/issuing/{issuer_b}/audit"))
        .body
        .contains("Ann"));
});

on_every_db!(
    bad_issuer_and_achievement_input_is_refused,
    |s: TestServer| {
        s.register("Admin", "admin@example.org", PW);
        let (mut staff, issuer) = staff_with_issuer(&s, "Ian", "ian@example.org");
        let r = staff.post_form(
            "/issuing",
            &[
                ("name", ""),
                ("country_code", "France"),
                ("url", "javascript:alert(1)"),
                ("email", "nope"),
                ("kind", "other"),
            ],
        );
        assert_eq!(r.status, 422);
        for message in ["two-letter country code", "Choose one of the options"] {
            assert!(r.body.contains(message), "{message}: {}", r.body);
        }
        let mut fields = eu_achievement("Bad");
        fields.retain(|(k, _)| !["ects", "eqf_level", "skills", "translations"].contains(k));
        fields.push(("ects", "lots".into()));
        fields.push(("eqf_level", "12".into()));
        fields.push(("skills", "not a url | x".into()));
        fields.push(("translations", "fr".into()));
        let r = post(
            &mut staff,
            &format!("/issuing/{issuer}/achievements"),
            &fields,
        );
        assert_eq!(r.status, 422);
        assert!(r.body.contains("Enter a number"), "{}", r.body);
        let r = staff.upload(
            &format!("/issuing/{issuer}/logo"),
            "logo.txt",
            "text/plain",
            b"not an image",
        );
        assert_eq!(r.status, 415, "{}", r.body);
        let r = staff.upload(
            &format!("/issuing/{issuer}/logo"),
            "logo.png",
            "image/png",
            &crate::sample_png(),
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let mut anon = s.client();
        assert_eq!(anon.get("/issuers/academie-numerique/logo").status, 200);
        // Nothing was created by the refused forms.
        assert_eq!(
            staff
                .get("/issuing")
                .body
                .matches("<li><a href=\"/issuing/")
                .count(),
            1,
            "the refused issuer was created"
        );
        assert!(staff
            .get(&format!("/issuing/{issuer}/achievements"))
            .body
            .contains("No achievement yet"));
    }
);

/// Wait until a batch is done (the job runs in the background).
fn wait_done(c: &mut Client, batch: &str) -> Value {
    for _ in 0..600 {
        let p = json(c, &format!("/issuing/batches/{batch}/progress"));
        if p["state"] == "done" {
            return p;
        }
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("batch {batch} did not finish");
}

on_every_db!(batch_awards_from_csv, |s: TestServer| {
    s.register("Admin", "admin@example.org", PW);
    let mut learner = confirmed(&s, "Lea", "lea@example.org");
    let (mut staff, issuer) = staff_with_issuer(&s, "Ian", "ian@example.org");
    let r = post(
        &mut staff,
        &format!("/issuing/{issuer}/achievements"),
        &eu_achievement("Batch skill"),
    );
    let achievement = id_in(r.location());
    let upload = |c: &mut Client, name: &str, bytes: &[u8]| {
        c.upload_with(
            &format!("/issuing/{issuer}/batches"),
            &[("achievement_id", &achievement), ("format", "json")],
            name,
            "text/csv",
            bytes,
        )
    };

    // File-level problems: the file is refused, no batch is made.
    for (bytes, message) in [
        (b"name,grade\nAda,A\n".to_vec(), "needs an email column"),
        (
            b"email,salary\na@example.org,1\n".to_vec(),
            "unknown column",
        ),
        (b"email\n\xff\xfe@example.org\n".to_vec(), "not UTF-8"),
        (b"email\n".to_vec(), "no data rows"),
    ] {
        let r = upload(&mut staff, "bad.csv", &bytes);
        assert_eq!(r.status, 422, "{message}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    let mut million = String::from("email\n");
    for i in 0..1_000_000 {
        million.push_str(&format!("p{i}@x.eu\n"));
    }
    let r = upload(&mut staff, "million.csv", million.as_bytes());
    assert!(r.status == 422 || r.status == 413, "{}", r.status);
    assert!(staff
        .get(&format!("/issuing/{issuer}/batches"))
        .body
        .contains("Check the file"));
    assert!(!staff
        .get(&format!("/issuing/{issuer}/batches"))
        .body
        .contains("million"));

    // Rows with problems are shown; nothing is issued before "start".
    let mut csv = String::from("email,name,grade\n");
    csv.push_str("lea@example.org,Lea,A\n");
    csv.push_str("not-an-address,Bob,B\n");
    csv.push_str("=cmd|' /C calc'!A0,Evil,C\n");
    csv.push_str("lea@example.org,Lea again,A\n");
    for i in 0..40 {
        csv.push_str(&format!("person{i}@example.org,Person {i},B\n"));
    }
    let r = upload(&mut staff, "cohort.csv", csv.as_bytes());
    assert_eq!(r.status, 303, "{}", r.body);
    let batch = id_in(r.location());
    let page = staff.get(&format!("/issuing/batches/{batch}")).body;
    assert!(page.contains("Issue 41 credentials"), "{page}");
    assert!(page.contains("appears on an earlier row"), "{page}");
    assert_eq!(
        json(&mut staff, &format!("/issuing/batches/{batch}/progress"))["issued"],
        0
    );
    assert!(!learner.get("/backpack/portal").body.contains("Batch skill"));
    // The same file again is the same batch.
    let r = upload(&mut staff, "cohort-copy.csv", csv.as_bytes());
    assert_eq!(id_in(r.location()), batch);
    assert!(r.location().contains("batch_known"));

    let r = staff.post_form(&format!("/issuing/batches/{batch}/start"), &[]);
    assert_eq!(r.status, 303);
    let done = wait_done(&mut staff, &batch);
    assert_eq!(done["issued"], 41);
    // Starting again issues nothing more.
    staff.post_form(&format!("/issuing/batches/{batch}/start"), &[]);
    assert_eq!(
        json(&mut staff, &format!("/issuing/batches/{batch}/progress"))["issued"],
        41
    );
    let list = staff
        .get(&format!("/issuing/{issuer}/credentials?q=person"))
        .body;
    assert_eq!(
        list.matches("/issuing/credentials/").count(),
        40, // person0 … person39 (Lea matches neither)
        "{list}"
    );
    // Delivery to accounts follows the commit of each chunk: the learner's
    // portal shows it moments after "done".
    #[allow(clippy::disallowed_methods)]
    let delivered = (0..100).any(|_| {
        learner.get("/backpack/portal").body.contains("Batch skill") || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            false
        }
    });
    assert!(delivered, "not delivered to the learner");
    // Mail follows the commit of each chunk (asynchronously).
    let mailed = (0..100).any(|_| {
        let found = s
            .mails("person7@example.org")
            .iter()
            .any(|(_, t)| t.contains("/claim?token="));
        if !found {
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        found
    });
    assert!(mailed, "no claim mail");

    // The report: one line per row, formulas neutralised.
    let r = staff.get(&format!("/issuing/batches/{batch}/report.csv"));
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-disposition")
        .unwrap_or("")
        .contains("attachment"));
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(lines.len(), 1 + 44, "{}", r.body);
    assert!(r.body.contains("'=cmd"), "{}", r.body);
    assert!(!r.body.contains(",=cmd"));
    assert!(
        lines[1].starts_with("1,lea@example.org,issued,urn:uuid:"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("invalid,email_invalid"), "{}", lines[2]);
    let audit = staff.get(&format!("/issuing/{issuer}/audit")).body;
    assert!(
        audit.contains("Batch finished") && audit.contains("41 issued"),
        "{audit}"
    );
});

on_every_db!(a_revoked_key_no_longer_verifies, |s: TestServer| {
    use backpack_credentials::did::{bind_key, Binding, OfflineResolver};
    s.register("Admin", "admin@example.org", PW);
    let _learner = confirmed(&s, "Lea", "lea@example.org");
    let (mut staff, issuer) = staff_with_issuer(&s, "Ian", "ian@example.org");
    let r = post(
        &mut staff,
        &format!("/issuing/{issuer}/achievements"),
        &eu_achievement("Cybersecurity basics"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let achievement = id_in(r.location());
    let award = |staff: &mut Client| -> Value {
        let r = staff.post_form(
            &format!("/issuing/{issuer}/award"),
            &[
                ("achievement_id", &achievement),
                ("recipient_kind", "email"),
                ("recipient", "lea@example.org"),
                ("format", "json"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let body = staff
            .get(&format!(
                "/issuing/credentials/{}/download",
                id_in(r.location())
            ))
            .body;
        serde_json::from_str(&body).unwrap()
    };
    let vm = |vc: &Value| {
        let proof = if vc["proof"].is_array() {
            &vc["proof"][0]
        } else {
            &vc["proof"]
        };
        proof["verificationMethod"]
            .as_str()
            .unwrap_or_else(|| panic!("no proof: {vc}"))
            .to_owned()
    };
    let older = award(&mut staff);
    let did = older["issuer"]["id"].as_str().unwrap().to_owned();
    assert_eq!(vm(&older), format!("{did}#key-1"));
    let page = staff.get(&format!("/issuing/{issuer}")).body;
    // The key in use offers no revocation, and is refused if asked.
    assert!(
        page.contains("Make a new key before revoking this one."),
        "{page}"
    );
    assert!(
        !page.contains(&format!("/issuing/{issuer}/keys/")),
        "{page}"
    );
    let key_id = {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = backpack_server::app::open_store(&s.config).await.unwrap();
            store.issuer_keys(issuer.parse().unwrap()).await.unwrap()[0].id
        })
    };
    let revoke = format!("/issuing/{issuer}/keys/{key_id}/revoke");
    assert_eq!(
        staff.post_form(&revoke, &[("reason", "too early")]).status,
        422
    );

    // Rotated: the new key signs; then the old one is revoked.
    let r = staff.post_form(&format!("/issuing/{issuer}/keys"), &[]);
    assert_eq!(r.status, 303);
    let newer = award(&mut staff);
    assert_eq!(vm(&newer), format!("{did}#key-2"));
    let page = staff.get(&format!("/issuing/{issuer}")).body;
    assert!(page.contains(&revoke), "{page}");
    assert!(
        page.contains("credentials signed with this key will no longer verify; re-issue them"),
        "{page}"
    );
    let r = staff.post_form(&revoke, &[("reason", "laptop stolen")]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("/issuing/{issuer}?done=key_revoked"));
    let page = staff.get(r.location()).body;
    assert!(page.contains("The key is revoked."), "{page}");
    assert!(!page.contains(&revoke), "{page}");
    assert_eq!(staff.post_form(&revoke, &[]).status, 422);
    let audit = staff.get(&format!("/issuing/{issuer}/audit")).body;
    assert!(
        audit.contains("Signing key revoked") && audit.contains("laptop stolen"),
        "{audit}"
    );

    // The served DID document: key-1 is no assertion method any more, kept
    // as history with its revocation date; key-2 is.
    let mut anon = s.client();
    let doc = json(&mut anon, "/issuers/academie-numerique/did.json");
    assert_eq!(
        doc["assertionMethod"],
        serde_json::json!([format!("{did}#key-2")])
    );
    let methods = doc["verificationMethod"].as_array().unwrap();
    assert_eq!(methods.len(), 2);
    assert!(
        methods[0]["revoked"].as_str().unwrap().ends_with('Z'),
        "{doc}"
    );
    assert!(methods[1].get("revoked").is_none(), "{doc}");
    // Key binding against the served document: the credential the revoked
    // key signed no longer verifies; the newer one does.
    let resolver = OfflineResolver::new().with_document(did.clone(), doc.clone());
    match bind_key(&vm(&older), &did, &resolver) {
        Binding::NotBound { code, .. } => assert_eq!(code, "not_an_assertion_method"),
        other => panic!("the revoked key still binds: {other:?}"),
    }
    assert!(matches!(
        bind_key(&vm(&newer), &did, &resolver),
        Binding::Bound(_)
    ));
    // The status list the newer credential names was signed with key-1: it
    // was re-signed with the current key, so its status stays checkable.
    let list_url = newer["credentialStatus"]["statusListCredential"]
        .as_str()
        .or_else(|| newer["credentialStatus"][0]["statusListCredential"].as_str())
        .unwrap()
        .to_owned();
    let list = json(&mut anon, list_url.trim_start_matches(&s.url));
    assert_eq!(vm(&list), format!("{did}#key-2"), "{list}");
    // New signatures use the current key.
    assert_eq!(vm(&award(&mut staff)), format!("{did}#key-2"));
});
