//! The issuer JSON API over HTTP, against its own OpenAPI document: every
//! route of the router is documented and every documented route exists;
//! every answer the tests get is validated against the schema the document
//! declares for its path, method and status. Then the whole flow through
//! the API (profile, keys, achievements with the EU elements, awards, the
//! issued list, revocation, a CSV batch, xAPI and stacking rules, the audit
//! log), authentication (no, bad, revoked, wrong-scope tokens), per-issuer
//! scoping (a token's creator who is a member of two issuers still reaches
//! only the token's issuer) and refused input (400, 409, 413, 415, 422).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use crate::automation::new_token;
use crate::client::{id_after, Resp};
use crate::issuing::{confirmed, staff_with_issuer};
use crate::{on_every_db, Client, TestServer};
use serde_json::{json, Value};

const DID: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
const ACTIVITY: &str = "https://lms.example.org/courses/7";

/// The OpenAPI document, and a validator per response schema.
struct Doc {
    doc: Value,
    validators: HashMap<String, jsonschema::Validator>,
}

fn method_key(method: &str) -> String {
    method.to_ascii_lowercase()
}

impl Doc {
    fn fetch(c: &mut Client) -> Doc {
        let r = c.get("/api/openapi.json");
        assert_eq!(r.status, 200);
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{:?}",
            r.header("content-type")
        );
        let doc: Value = serde_json::from_str(&r.body).unwrap();
        Doc {
            doc,
            validators: HashMap::new(),
        }
    }

    /// Every (METHOD, path) the document describes.
    fn operations(&self) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if ["get", "put", "post", "delete", "patch", "head", "options"]
                    .contains(&method.as_str())
                {
                    out.insert((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
        out
    }

    /// The documented path a concrete one matches (`{…}` is one segment).
    fn template(&self, path: &str) -> String {
        let path = path.split('?').next().unwrap();
        let segments: Vec<&str> = path.split('/').collect();
        let found: Vec<&String> = self.doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|t| {
                let ts: Vec<&str> = t.split('/').collect();
                ts.len() == segments.len()
                    && ts
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
            })
            .collect();
        assert_eq!(found.len(), 1, "{path} matches {found:?} in the document");
        found[0].clone()
    }

    /// A `#/…` reference in the document.
    fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => self
                .doc
                .pointer(r.strip_prefix('#').unwrap())
                .unwrap_or_else(|| panic!("dangling {r}")),
            None => v,
        }
    }

    /// Check an answer against the document: its status is documented for
    /// the operation, its media type is the documented one, and a JSON body
    /// is valid against the documented schema. Returns the JSON body (or
    /// `null`).
    fn check(&mut self, method: &str, path: &str, r: &Resp) -> Value {
        let template = self.template(path);
        let op = &self.doc["paths"][&template][method_key(method)];
        assert!(op.is_object(), "{method} {template} is not documented");
        let status = r.status.to_string();
        let documented = op["responses"].get(&status).unwrap_or_else(|| {
            panic!(
                "{method} {path}: status {status} is not documented ({})",
                r.body
            )
        });
        let response = self.resolve(documented).clone();
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            assert!(
                r.bytes.is_empty(),
                "{method} {path} {status}: a body where none is documented"
            );
            return Value::Null;
        };
        let media = r
            .header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap()
            .trim()
            .to_owned();
        let Some(declared) = content.get(&media) else {
            panic!("{method} {path} {status}: {media:?} is not among {content:?}")
        };
        if media != "application/json" {
            return Value::Null;
        }
        let body: Value = serde_json::from_slice(&r.bytes)
            .unwrap_or_else(|e| panic!("{method} {path} {status}: not JSON ({e}): {}", r.body));
        let schema = declared["schema"].clone();
        let key = schema.to_string();
        let doc = &self.doc;
        let validator = self.validators.entry(key).or_insert_with(|| {
            // The schema, with the document's components beside it so its
            // `#/components/schemas/…` references resolve.
            let mut root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": doc["components"],
            });
            for (k, v) in schema.as_object().unwrap() {
                root[k] = v.clone();
            }
            jsonschema::validator_for(&root).unwrap()
        });
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: the answer does not match the document: {errors:#?}\n{body:#}"
        );
        body
    }
}

/// API calls without cookies, each answer checked against the document.
struct Api {
    c: Client,
    doc: Doc,
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

impl Api {
    fn raw(
        &mut self,
        auth: Option<&str>,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        let mut headers = vec![];
        if let Some(a) = auth {
            headers.push(("Authorization", a));
        }
        self.c.request(method, path, &headers, body)
    }

    /// A call with a token (`""`: none) and a JSON body; the answer is
    /// checked against the document. Returns (status, body).
    fn call(&mut self, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let auth = (!token.is_empty()).then(|| bearer(token));
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        let r = self.raw(auth.as_deref(), method, path, body);
        let v = self.doc.check(method, path, &r);
        (r.status, v)
    }

    /// A call that must answer `status`; returns the body.
    fn ok(
        &mut self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let (got, v) = self.call(token, method, path, body);
        assert_eq!(got, status, "{method} {path}: {v:#}");
        v
    }

    /// A call that must fail with `status` and this error code.
    fn err(
        &mut self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        status: u16,
        code: &str,
    ) -> Value {
        let v = self.ok(token, method, path, body, status);
        assert_eq!(v["error"], code, "{method} {path}: {v:#}");
        v
    }

    /// Same, with a raw body of this media type.
    fn send(
        &mut self,
        token: &str,
        method: &str,
        path: &str,
        media: &str,
        body: &[u8],
    ) -> (u16, Value, Resp) {
        let auth = bearer(token);
        let r = self.raw(Some(&auth), method, path, Some((media, body.to_vec())));
        let v = self.doc.check(method, path, &r);
        (r.status, v, r)
    }
}

/// The fields (`field:code`) of a 422 or 409.
fn fields(v: &Value) -> Vec<String> {
    v["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields: {v:#}"))
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["field"].as_str().unwrap(),
                f["code"].as_str().unwrap()
            )
        })
        .collect()
}

fn complete_achievement(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Secure a small organisation's information system.",
        "criteria": "Pass the final practical assessment (70 %).",
        "achievement_type": "MicroCredential",
        "learning_outcomes": [
            "Assess the risks of an information system",
            "Apply basic hardening measures"
        ],
        "ects": 3,
        "hours": 75,
        "eqf_level": 5,
        "assessment": "Practical assessment, supervised online",
        "participation": "online",
        "quality_assurance": "Internal quality assurance, reviewed yearly",
        "skills": [{
            "uri": "http://data.europa.eu/esco/skill/0a8a0f8e-5bba-4b4b-8a7f-9e0d0c8a2a0d",
            "name": "manage ICT security"
        }],
        "language": "en",
        "translations": [{"language": "fr", "name": "Cybersécurité", "description": "Sécuriser un petit système"}],
        "valid_months": 36,
        "suspendable": true
    })
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v:#}"))
        .to_owned()
}

/// Every `$ref` of the document points somewhere.
fn refs_resolve(doc: &Value, v: &Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                let p = r
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("external $ref {r}"));
                assert!(doc.pointer(p).is_some(), "dangling $ref {r}");
            }
            m.values().for_each(|x| refs_resolve(doc, x));
        }
        Value::Array(a) => a.iter().for_each(|x| refs_resolve(doc, x)),
        _ => {}
    }
}

on_every_db!(the_document_matches_the_router, |s: TestServer| {
    let mut anon = s.client();
    let d = Doc::fetch(&mut anon);
    assert_eq!(d.doc["openapi"], "3.1.0");
    assert_eq!(
        d.doc["jsonSchemaDialect"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    refs_resolve(&d.doc, &d.doc);
    let routed: BTreeSet<(String, String)> = backpack_web::api::routes()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    assert!(routed.iter().any(|(_, p)| p.starts_with("/api/v1/")));
    assert!(routed.iter().any(|(_, p)| p.starts_with("/xapi/")));
    let documented = d.operations();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
    let schemes = &d.doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
    assert_eq!(schemes["basicAuth"]["scheme"], "basic");
    assert!(d.doc["components"]["schemas"]["Error"].is_object());
    for (method, path) in &documented {
        let op = &d.doc["paths"][path][method.to_ascii_lowercase()];
        assert!(op["operationId"].is_string(), "{method} {path}");
        let public = op["security"].as_array().is_some_and(Vec::is_empty);
        // Every operation behind a token says so: 401 is documented.
        assert_eq!(
            !public,
            op["responses"].get("401").is_some(),
            "{method} {path}: security and 401 disagree"
        );
        // Every operation taking JSON documents its refusals.
        if op["requestBody"]["content"]
            .get("application/json")
            .is_some()
            && path.starts_with("/api/v1/")
        {
            for status in ["400", "413", "415", "422"] {
                assert!(
                    op["responses"].get(status).is_some(),
                    "{method} {path} {status}"
                );
            }
        }
    }
    // The checker refuses answers that do not match the document.
    let mut d = d;
    let fake = |status: u16, body: &str| Resp {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_owned(),
        bytes: body.as_bytes().to_vec(),
    };
    let path = "/api/v1/achievements/6690e6c9-3ef0-4ed3-8b37-7f3964730b01";
    let good = fake(404, r#"{"error": "not_found", "message": "not found"}"#);
    assert_eq!(d.check("GET", path, &good)["error"], "not_found");
    for (status, body) in [
        (404, r#"{"error": "not_found"}"#),
        (
            404,
            r#"{"error": "not_found", "message": "m", "owner": "x"}"#,
        ),
        (404, r#"{"error": 404, "message": "m"}"#),
        (418, r#"{"error": "teapot", "message": "m"}"#),
        (
            200,
            r#"{"id": "6690e6c9-3ef0-4ed3-8b37-7f3964730b01", "name": "x"}"#,
        ),
    ] {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            d.check("GET", path, &fake(status, body))
        }));
        assert!(caught.is_err(), "{status} {body} passed the check");
    }

    // Every route is also reachable: without a token the ones behind one
    // answer 401 as documented (an unknown route would be 404).
    let mut api = Api {
        c: s.client(),
        doc: d,
    };
    for (method, path) in &documented {
        let concrete = path.replace("{id}", "6690e6c9-3ef0-4ed3-8b37-7f3964730b01");
        let public = api.doc.doc["paths"][path][method.to_ascii_lowercase()]["security"]
            .as_array()
            .is_some_and(Vec::is_empty);
        if public {
            api.ok("", method, &concrete, None, 200);
        } else {
            let auth: Option<&str> = None;
            let r = api.raw(auth, method, &concrete, None);
            assert_eq!(r.status, 401, "{method} {concrete}: {}", r.body);
            assert_eq!(
                r.header("www-authenticate"),
                Some("Bearer realm=\"backpack\", Basic realm=\"backpack\""),
                "{method} {concrete}"
            );
            api.doc.check(method, &concrete, &r);
        }
    }
});

on_every_db!(the_issuer_api_end_to_end, |s: TestServer| {
    let mut learner = confirmed(&s, "Lea", "lea@example.org");
    let (mut ian, issuer_a) = staff_with_issuer(&s, "Ian", "ian@example.org");
    let (mut bea, issuer_b) = staff_with_issuer(&s, "Bea", "bea@example.org");
    // Ian is a member of both issuers, and has a token for each.
    bea.get(&format!("/issuing/{issuer_b}"));
    let r = bea.post_form(
        &format!("/issuing/{issuer_b}/members"),
        &[("email", "ian@example.org")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let ta = new_token(&mut ian, &issuer_a, "CI", "api");
    let tb = new_token(&mut ian, &issuer_b, "CI B", "api");
    let tx = new_token(&mut ian, &issuer_a, "LRS", "xapi");
    assert!(ta.starts_with("bpk_"), "{ta}");
    let mut anon = s.client();
    let mut api = Api {
        c: s.client(),
        doc: Doc::fetch(&mut anon),
    };

    // ── authentication ────────────────────────────────────────────────
    api.err("", "GET", "/api/v1/issuer", None, 401, "unauthorized");
    api.err(
        "bpk_nope",
        "GET",
        "/api/v1/issuer",
        None,
        401,
        "unauthorized",
    );
    api.err(
        &ta[..ta.len() - 1],
        "GET",
        "/api/v1/issuer",
        None,
        401,
        "unauthorized",
    );
    // An `xapi` token reaches only the xAPI endpoint.
    api.err(&tx, "GET", "/api/v1/issuer", None, 401, "unauthorized");
    api.err(
        &tx,
        "GET",
        "/api/v1/achievements",
        None,
        401,
        "unauthorized",
    );
    // A session cookie is not a token.
    let r = ian.get("/api/v1/issuer");
    assert_eq!(r.status, 401, "{}", r.body);
    // HTTP Basic with the token as password.
    use base64::Engine;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("ci:{ta}"))
    );
    let r = api.raw(Some(&basic), "GET", "/api/v1/issuer", None);
    assert_eq!(r.status, 200, "{}", r.body);
    api.doc.check("GET", "/api/v1/issuer", &r);

    // ── profile and keys ──────────────────────────────────────────────
    let issuer = api.ok(&ta, "GET", "/api/v1/issuer", None, 200);
    assert_eq!(issuer["id"], issuer_a.as_str());
    assert_eq!(issuer["name"], "Académie Numérique");
    assert_eq!(issuer["country_code"], "FR");
    assert_eq!(issuer["kind"], "non_formal");
    let did = issuer["did"].as_str().unwrap().to_owned();
    assert!(
        did.starts_with("did:web:") && did.ends_with(":issuers:academie-numerique"),
        "{did}"
    );
    let did_url = issuer["did_document_url"].as_str().unwrap();
    assert_eq!(
        did_url,
        format!("{}/issuers/academie-numerique/did.json", s.url)
    );
    let other = api.ok(&tb, "GET", "/api/v1/issuer", None, 200);
    assert_eq!(other["id"], issuer_b.as_str());

    let profile = json!({
        "name": "Académie Numérique",
        "url": "https://academie.example",
        "email": "contact@academie.example",
        "country_code": "fr",
        "region": "Île-de-France",
        "description": "Short courses in digital skills.",
        "kind": "non_formal",
        "accreditation": "Qualiopi certified training provider"
    });
    let saved = api.ok(&ta, "PUT", "/api/v1/issuer", Some(profile.clone()), 200);
    assert_eq!(saved["description"], "Short courses in digital skills.");
    assert_eq!(saved["country_code"], "FR");
    assert_eq!(saved["phone"], Value::Null);
    // Refused input: malformed, unknown field, wrong media type, too
    // large, invalid values.
    let r = api.raw(
        Some(&bearer(&ta)),
        "PUT",
        "/api/v1/issuer",
        Some(("application/json", b"{\"name\": ".to_vec())),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let v = api.doc.check("PUT", "/api/v1/issuer", &r);
    assert_eq!(v["error"], "bad_request");
    let mut extra = profile.clone();
    extra["owner"] = json!("me");
    let v = api.err(
        &ta,
        "PUT",
        "/api/v1/issuer",
        Some(extra),
        400,
        "bad_request",
    );
    assert!(
        v["message"].as_str().unwrap().contains("unknown field"),
        "{v}"
    );
    let (status, v, _) = api.send(
        &ta,
        "PUT",
        "/api/v1/issuer",
        "text/plain",
        profile.to_string().as_bytes(),
    );
    assert_eq!(
        (status, v["error"].as_str()),
        (415, Some("unsupported_media_type")),
        "{v}"
    );
    let mut huge = profile.clone();
    huge["description"] = json!("x".repeat(300 * 1024));
    api.err(
        &ta,
        "PUT",
        "/api/v1/issuer",
        Some(huge),
        413,
        "payload_too_large",
    );
    let v = api.err(
        &ta,
        "PUT",
        "/api/v1/issuer",
        Some(json!({"name": " ", "email": "nope", "country_code": "FRA", "kind": "other"})),
        422,
        "invalid_input",
    );
    assert_eq!(
        fields(&v),
        [
            "name:required",
            "email:email_invalid",
            "country_code:bad_country",
            "kind:bad_choice"
        ]
    );
    // Nothing changed.
    let issuer = api.ok(&ta, "GET", "/api/v1/issuer", None, 200);
    assert_eq!(issuer["email"], "contact@academie.example");

    let keys = api.ok(&ta, "GET", "/api/v1/keys", None, 200);
    assert_eq!(keys["items"].as_array().unwrap().len(), 1);
    assert_eq!(keys["items"][0]["id"], format!("{did}#key-1").as_str());
    let key = api.ok(&ta, "POST", "/api/v1/keys/rotate", None, 201);
    assert_eq!(key["fragment"], "key-2");
    let keys = api.ok(&ta, "GET", "/api/v1/keys", None, 200);
    assert_eq!(keys["items"].as_array().unwrap().len(), 2);
    let doc: Value =
        serde_json::from_str(&anon.get("/issuers/academie-numerique/did.json").body).unwrap();
    assert_eq!(doc["assertionMethod"].as_array().unwrap().len(), 2);
    // Revocation: the current key is refused (rotate first); a retired one
    // leaves assertionMethod, once; an unknown one is absent.
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/keys/key-2/revoke",
        None,
        409,
        "conflict",
    );
    assert_eq!(fields(&v), ["key:key_current"]);
    let revoked = api.ok(&ta, "POST", "/api/v1/keys/key-1/revoke", None, 200);
    assert_eq!(revoked["fragment"], "key-1");
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/keys/key-1/revoke",
        None,
        409,
        "conflict",
    );
    assert_eq!(fields(&v), ["key:key_already_revoked"]);
    api.err(
        &ta,
        "POST",
        "/api/v1/keys/key-9/revoke",
        None,
        404,
        "not_found",
    );
    let keys = api.ok(&ta, "GET", "/api/v1/keys", None, 200);
    assert!(keys["items"][0]["revoked_at"].is_string());
    assert!(keys["items"][1]["revoked_at"].is_null());
    let doc: Value =
        serde_json::from_str(&anon.get("/issuers/academie-numerique/did.json").body).unwrap();
    assert_eq!(doc["assertionMethod"], json!([format!("{did}#key-2")]));
    assert_eq!(doc["verificationMethod"].as_array().unwrap().len(), 2);

    // ── achievements ──────────────────────────────────────────────────
    let draft = api.ok(
        &ta,
        "POST",
        "/api/v1/achievements",
        Some(json!({"name": "Draft", "description": "d", "criteria": "c"})),
        201,
    );
    let draft_id = id(&draft);
    assert_eq!(draft["eu"], true);
    assert_eq!(draft["ready"], false);
    let missing: Vec<&str> = draft["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    // The issuer's accreditation counts as the type of quality assurance.
    assert_eq!(
        missing,
        [
            "learning_outcomes",
            "workload",
            "level",
            "assessment",
            "participation"
        ]
    );
    let again = api.ok(
        &ta,
        "GET",
        &format!("/api/v1/achievements/{draft_id}"),
        None,
        200,
    );
    assert_eq!(again["missing"], draft["missing"]);
    assert_eq!(
        again["url"],
        format!("{}/achievements/{draft_id}", s.url).as_str()
    );
    // A draft cannot be awarded.
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/credentials",
        Some(json!({"achievement_id": draft_id, "recipient": {"email": "lea@example.org"}})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["achievement_id:eu_incomplete"]);
    // Completed: ready.
    let course = api.ok(
        &ta,
        "PUT",
        &format!("/api/v1/achievements/{draft_id}"),
        Some(complete_achievement("Cybersecurity basics")),
        200,
    );
    assert_eq!(course["ready"], true, "{course:#}");
    assert_eq!(course["missing"], json!([]));
    assert_eq!(course["id"], draft_id.as_str());
    assert_eq!(course["hours"], 75);
    assert_eq!(course["skills"][0]["name"], "manage ICT security");
    let course_id = draft_id;
    let public: Value =
        serde_json::from_str(&anon.get(&format!("/achievements/{course_id}")).body).unwrap();
    assert_eq!(public["name"], "Cybersecurity basics");
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/achievements",
        Some(
            json!({"name": "", "description": "d", "criteria": "c", "participation": "telepathy"}),
        ),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["participation:bad_choice"]);
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/achievements",
        Some(json!({"name": "", "description": "d", "criteria": "c", "eqf_level": 9})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["name:required", "eqf_level:out_of_range"]);
    api.err(
        &ta,
        "POST",
        "/api/v1/achievements",
        Some(json!({"name": "x", "colour": "red"})),
        400,
        "bad_request",
    );
    api.err(
        &ta,
        "POST",
        "/api/v1/achievements",
        Some(json!({"name": "x", "hours": "many"})),
        400,
        "bad_request",
    );
    let advanced = api.ok(
        &ta,
        "POST",
        "/api/v1/achievements",
        Some(complete_achievement("Advanced security")),
        201,
    );
    let advanced_id = id(&advanced);
    let list = api.ok(&ta, "GET", "/api/v1/achievements", None, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // ── awards ────────────────────────────────────────────────────────
    let by_email = api.ok(
        &ta,
        "POST",
        "/api/v1/credentials",
        Some(json!({
            "achievement_id": course_id,
            "recipient": {"email": "Lea@Example.org"},
            "name": "Lea L.",
            "grade": "B",
            "format": "json"
        })),
        201,
    );
    let email_cred = id(&by_email);
    assert_eq!(by_email["state"], "active");
    assert_eq!(by_email["recipient"], "lea@example.org");
    assert_eq!(by_email["delivered"], true);
    assert_eq!(by_email["source"], "api");
    assert_eq!(by_email["suspendable"], true);
    assert!(
        by_email["issued_by"]
            .as_str()
            .unwrap()
            .contains("API token “CI”"),
        "{by_email:#}"
    );
    let vc = &by_email["credential"];
    assert_eq!(vc["id"], format!("urn:uuid:{email_cred}").as_str());
    assert_eq!(vc["issuer"]["id"], did.as_str());
    assert_eq!(
        vc["proof"][0]["verificationMethod"],
        format!("{did}#key-2").as_str()
    );
    assert!(learner
        .get("/backpack/portal")
        .body
        .contains("Cybersecurity basics"));
    let by_did = api.ok(
        &ta,
        "POST",
        "/api/v1/credentials",
        Some(json!({"achievement_id": course_id, "recipient": {"did": DID}, "format": "jwt"})),
        201,
    );
    let did_cred = id(&by_did);
    assert_eq!(by_did["recipient_kind"], "did");
    assert_eq!(by_did["format"], "jwt");
    assert_eq!(by_did["credential"].as_str().unwrap().split('.').count(), 3);
    // Refused: two recipients (malformed), a bad address, a bad format.
    api.err(
        &ta,
        "POST",
        "/api/v1/credentials",
        Some(json!({"achievement_id": course_id, "recipient": {"email": "a@example.org", "did": DID}})),
        400,
        "bad_request",
    );
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/credentials",
        Some(json!({"achievement_id": course_id, "recipient": {"email": "not an address"}})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["recipient:email_invalid"]);
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/credentials",
        Some(json!({"achievement_id": course_id, "recipient": {"account": "nobody@example.org"}})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["recipient:no_such_account"]);
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/credentials",
        Some(json!({"achievement_id": course_id, "recipient": {"did": DID}, "format": "pdf"})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["format:bad_choice"]);

    // ── the issued list ───────────────────────────────────────────────
    let page = api.ok(&ta, "GET", "/api/v1/credentials", None, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(
        page["items"][0].get("credential").is_none(),
        "lists leave the credential out"
    );
    assert_eq!(page["has_next"], false);
    let page = api.ok(&ta, "GET", "/api/v1/credentials?q=lea", None, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], email_cred.as_str());
    let page = api.ok(
        &ta,
        "GET",
        &format!("/api/v1/credentials?achievement={advanced_id}"),
        None,
        200,
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let page = api.ok(
        &ta,
        "GET",
        "/api/v1/credentials?per_page=1&page=0",
        None,
        200,
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["has_next"], true);
    let page2 = api.ok(
        &ta,
        "GET",
        "/api/v1/credentials?per_page=1&page=1",
        None,
        200,
    );
    assert_ne!(page2["items"][0]["id"], page["items"][0]["id"]);
    let v = api.err(
        &ta,
        "GET",
        "/api/v1/credentials?state=lost&achievement=x",
        None,
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["achievement:bad_choice", "state:bad_choice"]);
    api.err(
        &ta,
        "GET",
        "/api/v1/credentials?colour=red",
        None,
        400,
        "bad_request",
    );
    api.err(
        &ta,
        "GET",
        "/api/v1/credentials?page=first",
        None,
        400,
        "bad_request",
    );
    let one = api.ok(
        &ta,
        "GET",
        &format!("/api/v1/credentials/{did_cred}"),
        None,
        200,
    );
    assert_eq!(one["credential"], by_did["credential"]);
    api.err(
        &ta,
        "GET",
        "/api/v1/credentials/6690e6c9-3ef0-4ed3-8b37-7f3964730b01",
        None,
        404,
        "not_found",
    );
    api.err(
        &ta,
        "GET",
        "/api/v1/credentials/not-an-id",
        None,
        404,
        "not_found",
    );

    // ── revocation and suspension ─────────────────────────────────────
    let state_path = format!("/api/v1/credentials/{email_cred}/state");
    let v = api.err(
        &ta,
        "POST",
        &state_path,
        Some(json!({"state": "revoked"})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["reason:required"]);
    let v = api.err(
        &ta,
        "POST",
        &state_path,
        Some(json!({"state": "lost", "reason": "x"})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["state:bad_choice"]);
    let revoked = api.ok(
        &ta,
        "POST",
        &state_path,
        Some(json!({"state": "revoked", "reason": "Issued by mistake"})),
        200,
    );
    assert_eq!(revoked["state"], "revoked");
    assert_eq!(revoked["reason"], "Issued by mistake");
    assert!(revoked["state_changed_at"].is_string());
    // Revocation is final: a conflict with what exists.
    let v = api.err(
        &ta,
        "POST",
        &state_path,
        Some(json!({"state": "active"})),
        409,
        "conflict",
    );
    assert_eq!(fields(&v), ["state:state_change_refused"]);
    let did_state = format!("/api/v1/credentials/{did_cred}/state");
    let v = api.ok(
        &ta,
        "POST",
        &did_state,
        Some(json!({"state": "suspended", "reason": "Under review"})),
        200,
    );
    assert_eq!(v["state"], "suspended");
    let v = api.ok(
        &ta,
        "POST",
        &did_state,
        Some(json!({"state": "active"})),
        200,
    );
    assert_eq!(v["state"], "active");
    let page = api.ok(&ta, "GET", "/api/v1/credentials?state=revoked", None, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], email_cred.as_str());

    // ── a CSV batch ───────────────────────────────────────────────────
    let csv = "email,name,grade\nperson1@example.org,Person 1,A\nnot-an-address,Bad,B\nperson2@example.org,Person 2,C\n";
    let upload =
        format!("/api/v1/batches?achievement_id={course_id}&format=json&filename=cohort.csv");
    let (status, preview, r) = api.send(&ta, "POST", &upload, "text/csv", csv.as_bytes());
    assert_eq!(status, 201, "{preview:#}");
    let batch_id = id(&preview);
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/batches/{batch_id}").as_str())
    );
    assert_eq!(preview["state"], "preview");
    assert_eq!(preview["new"], true);
    assert_eq!(
        (
            preview["total"].as_i64(),
            preview["valid"].as_i64(),
            preview["invalid"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(
        preview["problems"],
        json!([{"row": 2, "recipient": "not-an-address", "code": "email_invalid"}])
    );
    assert_eq!(preview["filename"], "cohort.csv");
    // The same file again is the same batch.
    let (status, known, _) = api.send(&ta, "POST", &upload, "text/csv", csv.as_bytes());
    assert_eq!(status, 200, "{known:#}");
    assert_eq!(
        (known["id"].as_str(), known["new"].as_bool()),
        (Some(batch_id.as_str()), Some(false))
    );
    // Refused: not CSV, no recipient column, a draft or unknown achievement.
    let (status, v, _) = api.send(&ta, "POST", &upload, "application/json", csv.as_bytes());
    assert_eq!(
        (status, v["error"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let (status, v, _) = api.send(&ta, "POST", &upload, "text/csv", b"name,grade\nAda,A\n");
    assert_eq!(status, 422, "{v:#}");
    assert_eq!(fields(&v), ["file:csv_no_recipient_column"]);
    let (status, v, _) = api.send(
        &ta,
        "POST",
        "/api/v1/batches?achievement_id=nope",
        "text/csv",
        csv.as_bytes(),
    );
    assert_eq!(status, 422, "{v:#}");
    assert_eq!(fields(&v), ["achievement_id:required"]);
    let (status, v, _) = api.send(&ta, "POST", "/api/v1/batches", "text/csv", csv.as_bytes());
    assert_eq!(status, 422, "{v:#}");
    let (status, v, _) = api.send(
        &ta,
        "POST",
        &format!("{upload}&colour=red"),
        "text/csv",
        csv.as_bytes(),
    );
    assert_eq!((status, v["error"].as_str()), (400, Some("bad_request")));
    let big = vec![b'a'; backpack_domain::issuing::batches::MAX_BATCH_BYTES + 1];
    let (status, v, _) = api.send(&ta, "POST", &upload, "text/csv", &big);
    assert_eq!(
        (status, v["error"].as_str()),
        (413, Some("payload_too_large"))
    );
    let batch_path = format!("/api/v1/batches/{batch_id}");
    let b = api.ok(&ta, "GET", &batch_path, None, 200);
    assert_eq!(
        (b["state"].as_str(), b["issued"].as_i64()),
        (Some("preview"), Some(0))
    );
    let started = api.ok(&ta, "POST", &format!("{batch_path}/start"), None, 202);
    assert_ne!(started["state"], "preview");
    let mut polls = 0;
    let done = loop {
        let b = api.ok(&ta, "GET", &batch_path, None, 200);
        if b["state"] == "done" {
            break b;
        }
        polls += 1;
        assert!(polls < 1200, "the batch did not finish: {b:#}");
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        (done["issued"].as_i64(), done["failed"].as_i64()),
        (Some(2), Some(0))
    );
    assert!(done["finished_at"].is_string(), "{done:#}");
    // Starting it again changes nothing.
    api.ok(&ta, "POST", &format!("{batch_path}/start"), None, 202);
    let auth = bearer(&ta);
    let report_path = format!("{batch_path}/report.csv");
    let r = api.raw(Some(&auth), "GET", &report_path, None);
    assert_eq!(r.status, 200, "{}", r.body);
    api.doc.check("GET", &report_path, &r);
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(lines[0], "row,recipient,status,credential_or_error");
    assert_eq!(lines.len(), 4, "{}", r.body);
    assert!(
        lines[1].starts_with("1,person1@example.org,issued,urn:uuid:"),
        "{}",
        r.body
    );
    assert_eq!(lines[2], "2,not-an-address,invalid,email_invalid");
    let page = api.ok(
        &ta,
        "GET",
        &format!("/api/v1/credentials?achievement={course_id}&q=person"),
        None,
        200,
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["source"], "csv");

    // ── xAPI rules and statements ─────────────────────────────────────
    let rule = api.ok(
        &ta,
        "POST",
        "/api/v1/xapi-rules",
        Some(json!({"activity": ACTIVITY, "achievement_id": advanced_id, "min_score": 70})),
        201,
    );
    let rule_id = id(&rule);
    assert_eq!(rule["min_score"], 70);
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/xapi-rules",
        Some(json!({"activity": ACTIVITY, "achievement_id": course_id})),
        409,
        "conflict",
    );
    assert_eq!(fields(&v), ["activity:taken"]);
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/xapi-rules",
        Some(json!({"activity": "not an iri", "achievement_id": course_id, "min_score": 101})),
        422,
        "invalid_input",
    );
    assert_eq!(
        fields(&v),
        ["activity:invalid_iri", "min_score:out_of_range"]
    );
    let rules = api.ok(&ta, "GET", "/api/v1/xapi-rules", None, 200);
    assert_eq!(rules["items"], json!([rule]));
    let statement = json!({
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730b42",
        "actor": {"objectType": "Agent", "mbox": "mailto:lea@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
        "object": {"objectType": "Activity", "id": ACTIVITY},
        "result": {"score": {"scaled": 0.9}, "success": true}
    });
    let r = api.raw(
        Some(&bearer(&tx)),
        "POST",
        "/xapi/statements",
        Some(("application/json", statement.to_string().into_bytes())),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    api.doc.check("POST", "/xapi/statements", &r);
    assert_eq!(r.header("x-backpack-outcomes"), Some("awarded"));
    let bad = json!({"actor": {"mbox": "mailto:lea@example.org"}, "verb": {"id": "x"}, "object": {"id": "https://elsewhere.example/none"}});
    let r = api.raw(
        Some(&bearer(&tx)),
        "POST",
        "/xapi/statements",
        Some(("application/json", bad.to_string().into_bytes())),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let v = api.doc.check("POST", "/xapi/statements", &r);
    assert!(!v["problems"].as_array().unwrap().is_empty(), "{v:#}");
    let about = api.ok("", "GET", "/xapi/about", None, 200);
    assert!(about["version"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "2.0.0"));
    let log = api.ok(&ta, "GET", "/api/v1/xapi-statements", None, 200);
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert_eq!(log["items"][0]["outcome"], "awarded");
    assert_eq!(log["items"][0]["actor"], "mailto:lea@example.org");
    api.err(
        &ta,
        "GET",
        "/api/v1/xapi-statements?limit=0",
        None,
        422,
        "invalid_input",
    );
    api.ok(
        &ta,
        "DELETE",
        &format!("/api/v1/xapi-rules/{rule_id}"),
        None,
        204,
    );
    api.err(
        &ta,
        "DELETE",
        &format!("/api/v1/xapi-rules/{rule_id}"),
        None,
        404,
        "not_found",
    );
    let rules = api.ok(&ta, "GET", "/api/v1/xapi-rules", None, 200);
    assert_eq!(rules["items"], json!([]));

    // ── stacking rules ────────────────────────────────────────────────
    let stack = api.ok(
        &ta,
        "POST",
        "/api/v1/stack-rules",
        Some(json!({"achievement_id": advanced_id, "components": [course_id, format!("{}/achievements/{course_id}", s.url)]})),
        201,
    );
    let stack_id = id(&stack);
    assert_eq!(stack["achievement_name"], "Advanced security");
    assert_eq!(
        stack["components"],
        json!([{"achievement_id": course_id, "name": "Cybersecurity basics", "issuer_name": "Académie Numérique", "allowed": true}])
    );
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/stack-rules",
        Some(json!({"achievement_id": advanced_id, "components": [course_id]})),
        409,
        "conflict",
    );
    assert_eq!(fields(&v), ["achievement_id:taken"]);
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/stack-rules",
        Some(json!({"achievement_id": course_id, "components": []})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["components:required"]);
    let rules = api.ok(&ta, "GET", "/api/v1/stack-rules", None, 200);
    assert_eq!(rules["items"], json!([stack]));
    api.ok(
        &ta,
        "DELETE",
        &format!("/api/v1/stack-rules/{stack_id}"),
        None,
        204,
    );
    api.err(
        &ta,
        "DELETE",
        &format!("/api/v1/stack-rules/{stack_id}"),
        None,
        404,
        "not_found",
    );
    api.err(
        &ta,
        "DELETE",
        "/api/v1/stack-rules/nope",
        None,
        404,
        "not_found",
    );

    // ── the audit log ─────────────────────────────────────────────────
    let log = api.ok(&ta, "GET", "/api/v1/audit", None, 200);
    let entries = log["items"].as_array().unwrap();
    let actions: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "issuer.update",
        "key.rotate",
        "key.revoke",
        "achievement.create",
        "achievement.update",
        "credential.issue",
        "credential.revoke",
        "credential.suspend",
        "credential.reinstate",
        "batch.upload",
        "batch.start",
        "batch.done",
        "xapi_rule.create",
        "xapi_rule.delete",
        "stack_rule.create",
        "stack_rule.delete",
        "token.create",
    ] {
        assert!(actions.contains(a), "{a} not in the audit log: {actions:?}");
    }
    let revoke = entries
        .iter()
        .find(|e| e["action"] == "credential.revoke")
        .unwrap();
    assert_eq!(revoke["subject"], format!("urn:uuid:{email_cred}").as_str());
    assert!(
        revoke["actor_name"]
            .as_str()
            .unwrap()
            .contains("API token “CI”"),
        "{revoke}"
    );
    let log = api.ok(&ta, "GET", "/api/v1/audit?limit=2", None, 200);
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
    api.err(
        &ta,
        "GET",
        "/api/v1/audit?limit=100000",
        None,
        422,
        "invalid_input",
    );

    // ── one issuer per token ──────────────────────────────────────────
    // Issuer B's objects, made with Ian's token for B.
    let b_course = id(&api.ok(
        &tb,
        "POST",
        "/api/v1/achievements",
        Some(complete_achievement("B course")),
        201,
    ));
    let b_cred = id(&api.ok(
        &tb,
        "POST",
        "/api/v1/credentials",
        Some(json!({"achievement_id": b_course, "recipient": {"did": DID}})),
        201,
    ));
    let (status, b_batch, _) = api.send(
        &tb,
        "POST",
        &format!("/api/v1/batches?achievement_id={b_course}"),
        "text/csv",
        b"email\nb1@example.org\n",
    );
    assert_eq!(status, 201, "{b_batch:#}");
    let b_batch = id(&b_batch);
    let b_rule = id(&api.ok(
        &tb,
        "POST",
        "/api/v1/xapi-rules",
        Some(json!({"activity": ACTIVITY, "achievement_id": b_course})),
        201,
    ));
    // Ian's session reaches both issuers' objects…
    assert_eq!(
        ian.get(&format!("/issuing/achievements/{b_course}")).status,
        200
    );
    assert_eq!(
        ian.get(&format!("/issuing/credentials/{b_cred}")).status,
        200
    );
    assert_eq!(ian.get(&format!("/issuing/batches/{b_batch}")).status, 200);
    // …his token for A none of B's.
    for (method, path, body) in [
        ("GET", format!("/api/v1/achievements/{b_course}"), None),
        (
            "PUT",
            format!("/api/v1/achievements/{b_course}"),
            Some(complete_achievement("Mine now")),
        ),
        ("GET", format!("/api/v1/credentials/{b_cred}"), None),
        (
            "POST",
            format!("/api/v1/credentials/{b_cred}/state"),
            Some(json!({"state": "revoked", "reason": "x"})),
        ),
        ("GET", format!("/api/v1/batches/{b_batch}"), None),
        ("POST", format!("/api/v1/batches/{b_batch}/start"), None),
        ("GET", format!("/api/v1/batches/{b_batch}/report.csv"), None),
        ("DELETE", format!("/api/v1/xapi-rules/{b_rule}"), None),
    ] {
        api.err(&ta, method, &path, body, 404, "not_found");
    }
    // Nor through ids in bodies and filters.
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/credentials",
        Some(json!({"achievement_id": b_course, "recipient": {"did": DID}})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["achievement_id:required"]);
    let page = api.ok(
        &ta,
        "GET",
        &format!("/api/v1/credentials?achievement={b_course}"),
        None,
        200,
    );
    assert_eq!(page["items"], json!([]));
    let (status, v, _) = api.send(
        &ta,
        "POST",
        &format!("/api/v1/batches?achievement_id={b_course}"),
        "text/csv",
        b"email\nb2@example.org\n",
    );
    assert_eq!(
        (status, fields(&v)),
        (422, vec!["achievement_id:required".to_owned()])
    );
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/stack-rules",
        Some(json!({"achievement_id": b_course, "components": [course_id]})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["achievement_id:required"]);
    // Stacking on B's achievement needs B's consent, which only B gives.
    let b_url = format!("{}/achievements/{b_course}", s.url);
    let v = api.err(
        &ta,
        "POST",
        "/api/v1/stack-rules",
        Some(json!({"achievement_id": advanced_id, "components": [b_url]})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["components:stacking_component_not_allowed"]);
    let consents = format!("/api/v1/achievements/{b_course}/stacking-consents");
    api.err(&ta, "GET", &consents, None, 404, "not_found");
    api.err(
        &ta,
        "POST",
        &consents,
        Some(json!({"issuer": did})),
        404,
        "not_found",
    );
    let list = api.ok(&tb, "GET", &consents, None, 200);
    assert_eq!(list["items"], json!([]));
    let v = api.err(
        &tb,
        "POST",
        &consents,
        Some(json!({"issuer": "did:web:nowhere.example"})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["issuer:unknown_issuer"]);
    let v = api.err(
        &tb,
        "POST",
        &consents,
        Some(json!({"issuer": other["did"]})),
        422,
        "invalid_input",
    );
    assert_eq!(fields(&v), ["issuer:own_issuer"]);
    let consent = api.ok(&tb, "POST", &consents, Some(json!({"issuer": did})), 201);
    assert_eq!(consent["issuer_id"], issuer_a.as_str());
    assert_eq!(consent["issuer_did"], did.as_str());
    let list = api.ok(&tb, "GET", &consents, None, 200);
    assert_eq!(list["items"], json!([consent]));
    let rule = api.ok(
        &ta,
        "POST",
        "/api/v1/stack-rules",
        Some(json!({"achievement_id": advanced_id, "components": [b_url]})),
        201,
    );
    assert_eq!(rule["components"][0]["allowed"], true);
    api.ok(&tb, "DELETE", &format!("{consents}/{issuer_a}"), None, 204);
    api.err(
        &tb,
        "DELETE",
        &format!("{consents}/{issuer_a}"),
        None,
        404,
        "not_found",
    );
    let rules = api.ok(&ta, "GET", "/api/v1/stack-rules", None, 200);
    assert_eq!(rules["items"][0]["components"][0]["allowed"], false);
    // B's objects are untouched, and the lists are each issuer's own.
    let b = api.ok(
        &tb,
        "GET",
        &format!("/api/v1/credentials/{b_cred}"),
        None,
        200,
    );
    assert_eq!(b["state"], "active");
    let b = api.ok(&tb, "GET", &format!("/api/v1/batches/{b_batch}"), None, 200);
    assert_eq!(b["state"], "preview");
    let mine = api.ok(&ta, "GET", "/api/v1/achievements", None, 200);
    assert!(mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["id"] != b_course.as_str()));
    let theirs = api.ok(&tb, "GET", "/api/v1/credentials", None, 200);
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);

    // ── outside the table: JSON all the same ──────────────────────────
    let r = api.raw(Some(&bearer(&ta)), "GET", "/api/v1/nothing-here", None);
    assert_eq!(r.status, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap()["error"],
        "not_found"
    );
    let r = api.raw(Some(&bearer(&ta)), "DELETE", "/api/v1/issuer", None);
    assert_eq!(r.status, 405);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap()["error"],
        "method_not_allowed"
    );

    // ── a revoked token stops working at once ─────────────────────────
    let page = ian.get(&format!("/issuing/{issuer_a}/tokens")).body;
    let token_id = id_after(&page, "<th scope=\"row\">CI</th>", "/tokens/");
    let r = ian.post_form(
        &format!("/issuing/{issuer_a}/tokens/{token_id}/revoke"),
        &[],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    api.err(&ta, "GET", "/api/v1/issuer", None, 401, "unauthorized");
    api.err(
        &ta,
        "GET",
        &format!("/api/v1/credentials/{did_cred}"),
        None,
        401,
        "unauthorized",
    );
    // The other token of the same creator still works.
    api.ok(&tb, "GET", "/api/v1/issuer", None, 200);
});
