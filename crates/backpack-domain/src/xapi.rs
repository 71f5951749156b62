//! The xAPI statements an LRS forwards when a learner finishes a course:
//! the subset Backpack reads (`completed` / `passed`, an Agent by `mbox` or
//! `account`, an Activity object, an optional result), checked with a clear
//! problem per statement. Pure: no store, no HTTP.
//!
//! Everything else a statement may carry (context, attachments, authority,
//! timestamps) is ignored. Identified actors other than `mbox` and
//! `account` (`mbox_sha1sum`, `openid`) and Groups cannot be awarded and are
//! refused by name.

use serde_json::Value;
use uuid::Uuid;

use crate::values::Email;

/// Most statements in one POST.
pub const MAX_STATEMENTS: usize = 100;
/// Largest request body the endpoint reads.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest activity IRI.
pub const MAX_IRI_CHARS: usize = 2048;

pub const VERB_COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
pub const VERB_PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";

/// A statement as Backpack reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The statement's `id`, if it has one (the endpoint assigns one if not).
    pub id: Option<Uuid>,
    pub actor: XapiActor,
    pub verb: Verb,
    /// The object Activity's `id`.
    pub activity: String,
    /// The score as a percentage (from `scaled`, or `raw` within `min`..`max`).
    pub score: Option<f64>,
    pub success: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XapiActor {
    /// The address of a `mailto:` IRI, lower-case.
    Mbox(String),
    Account {
        home_page: String,
        name: String,
    },
}

impl XapiActor {
    /// How the statement log shows it.
    pub fn label(&self) -> String {
        match self {
            XapiActor::Mbox(a) => format!("mailto:{a}"),
            XapiActor::Account { home_page, name } => format!("account:{home_page}#{name}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Completed,
    Passed,
}

impl Verb {
    pub fn iri(self) -> &'static str {
        match self {
            Verb::Completed => VERB_COMPLETED,
            Verb::Passed => VERB_PASSED,
        }
    }
}

/// Why a statement was refused: its position in the request, a stable code,
/// and words for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub index: usize,
    pub code: &'static str,
    pub detail: String,
}

fn problem(index: usize, code: &'static str, detail: impl Into<String>) -> Problem {
    Problem {
        index,
        code,
        detail: detail.into(),
    }
}

/// Parse a request body: one statement object or an array of them. Every
/// problem of every statement is reported; any problem refuses the whole
/// request.
pub fn parse(body: &[u8]) -> Result<Vec<Statement>, Vec<Problem>> {
    if body.len() > MAX_BODY_BYTES {
        return Err(vec![problem(
            0,
            "too_large",
            format!("the request body is over {MAX_BODY_BYTES} bytes"),
        )]);
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| vec![problem(0, "not_json", format!("the body is not JSON: {e}"))])?;
    let items: Vec<&Value> = match &value {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![&value],
        _ => {
            return Err(vec![problem(
                0,
                "not_statement",
                "the body must be a statement object or an array of statements",
            )])
        }
    };
    if items.is_empty() {
        return Err(vec![problem(0, "empty", "the array holds no statement")]);
    }
    if items.len() > MAX_STATEMENTS {
        return Err(vec![problem(
            0,
            "too_many",
            format!(
                "{} statements; send at most {MAX_STATEMENTS} per request",
                items.len()
            ),
        )]);
    }
    let mut out = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match statement(i, item) {
            Ok(s) => {
                if let Some(id) = s.id {
                    if out.iter().any(|o: &Statement| o.id == Some(id)) {
                        problems.push(problem(
                            i,
                            "duplicate_id",
                            format!("statement id {id} appears twice in the request"),
                        ));
                    }
                }
                out.push(s);
            }
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn statement(i: usize, v: &Value) -> Result<Statement, Problem> {
    let Value::Object(o) = v else {
        return Err(problem(
            i,
            "not_statement",
            "a statement must be a JSON object",
        ));
    };
    let id = match o.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            Uuid::parse_str(s)
                .map_err(|_| problem(i, "bad_id", format!("id {s:?} is not a UUID")))?,
        ),
        Some(_) => return Err(problem(i, "bad_id", "id must be a UUID string")),
    };
    let actor = actor(i, o.get("actor"))?;
    let verb_id = o
        .get("verb")
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| problem(i, "verb_missing", "verb.id is missing"))?;
    let verb = match verb_id {
        VERB_COMPLETED => Verb::Completed,
        VERB_PASSED => Verb::Passed,
        other => {
            return Err(problem(
                i,
                "verb_unsupported",
                format!("verb {other:?} is not accepted: send {VERB_COMPLETED} or {VERB_PASSED}"),
            ))
        }
    };
    let object = o
        .get("object")
        .and_then(Value::as_object)
        .ok_or_else(|| problem(i, "object_missing", "object is missing"))?;
    match object.get("objectType").and_then(Value::as_str) {
        None | Some("Activity") => {}
        Some(other) => {
            return Err(problem(
                i,
                "object_not_activity",
                format!("object is a {other}; only Activities earn achievements"),
            ))
        }
    }
    let activity = object
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| problem(i, "activity_missing", "object.id is missing"))?;
    if !is_iri(activity) {
        return Err(problem(
            i,
            "bad_activity_id",
            format!("object.id {:?} is not an absolute IRI", short(activity)),
        ));
    }
    let (score, success) = result(i, o.get("result"))?;
    Ok(Statement {
        id,
        actor,
        verb,
        activity: activity.to_owned(),
        score,
        success,
    })
}

fn actor(i: usize, v: Option<&Value>) -> Result<XapiActor, Problem> {
    let o = v
        .and_then(Value::as_object)
        .ok_or_else(|| problem(i, "actor_missing", "actor is missing"))?;
    match o.get("objectType").and_then(Value::as_str) {
        None | Some("Agent") => {}
        Some(other) => {
            return Err(problem(
                i,
                "actor_unsupported",
                format!("actor is a {other}; achievements go to one Agent"),
            ))
        }
    }
    if let Some(mbox) = o.get("mbox") {
        let address = mbox
            .as_str()
            .and_then(|m| m.strip_prefix("mailto:"))
            .ok_or_else(|| problem(i, "bad_mbox", "actor.mbox must be a mailto: IRI"))?;
        let email = Email::parse("actor", address).map_err(|_| {
            problem(
                i,
                "bad_mbox",
                format!("actor.mbox {:?} is not an e-mail address", short(address)),
            )
        })?;
        return Ok(XapiActor::Mbox(email.as_str().to_owned()));
    }
    if let Some(account) = o.get("account") {
        let home_page = account.get("homePage").and_then(Value::as_str);
        let name = account.get("name").and_then(Value::as_str);
        return match (home_page, name) {
            (Some(h), Some(n)) if is_iri(h) && !n.trim().is_empty() && n.chars().count() <= 254 => {
                Ok(XapiActor::Account {
                    home_page: h.trim_end_matches('/').to_owned(),
                    name: n.trim().to_owned(),
                })
            }
            _ => Err(problem(
                i,
                "bad_account",
                "actor.account needs a homePage IRI and a name",
            )),
        };
    }
    if o.contains_key("mbox_sha1sum") || o.contains_key("openid") {
        return Err(problem(
            i,
            "actor_unsupported",
            "an actor known only by mbox_sha1sum or openid cannot be awarded: send mbox or account",
        ));
    }
    Err(problem(i, "actor_missing", "actor has no mbox or account"))
}

fn result(i: usize, v: Option<&Value>) -> Result<(Option<f64>, Option<bool>), Problem> {
    let Some(r) = v else { return Ok((None, None)) };
    let Some(r) = r.as_object() else {
        return Err(problem(i, "bad_result", "result must be an object"));
    };
    let success = match r.get("success") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            return Err(problem(
                i,
                "bad_result",
                "result.success must be true or false",
            ))
        }
    };
    let Some(score) = r.get("score") else {
        return Ok((None, success));
    };
    let num = |k: &str| -> Result<Option<f64>, Problem> {
        match score.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    problem(i, "bad_score", format!("result.score.{k} must be a number"))
                }),
        }
    };
    let scaled = num("scaled")?;
    let raw = num("raw")?;
    let min = num("min")?;
    let max = num("max")?;
    let percent = if let Some(s) = scaled {
        if !(-1.0..=1.0).contains(&s) {
            return Err(problem(
                i,
                "bad_score",
                "result.score.scaled must be between -1 and 1",
            ));
        }
        Some(s * 100.0)
    } else if let (Some(raw), Some(max)) = (raw, max) {
        let min = min.unwrap_or(0.0);
        if max <= min || raw < min || raw > max {
            return Err(problem(
                i,
                "bad_score",
                "result.score.raw must lie between min and max, and max above min",
            ));
        }
        Some((raw - min) / (max - min) * 100.0)
    } else {
        None
    };
    Ok((percent, success))
}

/// An absolute IRI: a scheme, then no spaces or controls, not too long.
pub fn is_iri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && s.chars().count() <= MAX_IRI_CHARS
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>'))
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(v: Value) -> Result<Statement, Vec<Problem>> {
        parse(v.to_string().as_bytes()).map(|mut s| s.remove(0))
    }

    fn code(v: Value) -> &'static str {
        one(v).unwrap_err()[0].code
    }

    fn ok() -> Value {
        json!({
            "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
            "actor": {"objectType": "Agent", "mbox": "mailto:Ada@Example.org"},
            "verb": {"id": VERB_COMPLETED, "display": {"en-US": "completed"}},
            "object": {"objectType": "Activity", "id": "https://lms.example.org/course/42"},
            "result": {"score": {"scaled": 0.85}, "success": true, "completion": true}
        })
    }

    #[test]
    fn reads_the_forwarded_subset() {
        let s = one(ok()).unwrap();
        assert_eq!(s.actor, XapiActor::Mbox("ada@example.org".into()));
        assert_eq!(s.verb, Verb::Completed);
        assert_eq!(s.activity, "https://lms.example.org/course/42");
        assert_eq!(s.score, Some(85.0));
        assert_eq!(s.success, Some(true));
        let mut v = ok();
        v["actor"] = json!({"account": {"homePage": "https://lms.example.org/", "name": "u-17"}});
        v["verb"]["id"] = json!(VERB_PASSED);
        v["result"] = json!({"score": {"raw": 30, "min": 10, "max": 50}});
        let s = one(v).unwrap();
        assert_eq!(
            s.actor,
            XapiActor::Account {
                home_page: "https://lms.example.org".into(),
                name: "u-17".into()
            }
        );
        assert_eq!(s.score, Some(50.0));
        assert_eq!(s.verb, Verb::Passed);
    }

    #[test]
    fn refuses_what_it_cannot_award_by_name() {
        let with = |path: &str, val: Value| {
            let mut v = ok();
            v[path] = val;
            code(v)
        };
        assert_eq!(with("id", json!("nope")), "bad_id");
        assert_eq!(with("actor", json!(null)), "actor_missing");
        assert_eq!(
            with("actor", json!({"mbox": "ada@example.org"})),
            "bad_mbox"
        );
        assert_eq!(
            with("actor", json!({"mbox": "mailto:not-an-address"})),
            "bad_mbox"
        );
        assert_eq!(
            with("actor", json!({"mbox_sha1sum": "ab"})),
            "actor_unsupported"
        );
        assert_eq!(
            with("actor", json!({"objectType": "Group", "member": []})),
            "actor_unsupported"
        );
        assert_eq!(
            with("actor", json!({"account": {"name": "x"}})),
            "bad_account"
        );
        assert_eq!(
            with(
                "verb",
                json!({"id": "http://adlnet.gov/expapi/verbs/experienced"})
            ),
            "verb_unsupported"
        );
        assert_eq!(with("verb", json!({})), "verb_missing");
        assert_eq!(with("object", json!(null)), "object_missing");
        assert_eq!(
            with(
                "object",
                json!({"objectType": "Agent", "mbox": "mailto:a@b.org"})
            ),
            "object_not_activity"
        );
        assert_eq!(
            with("object", json!({"id": "not an iri"})),
            "bad_activity_id"
        );
        assert_eq!(with("result", json!({"score": {"scaled": 2}})), "bad_score");
        assert_eq!(
            with("result", json!({"score": {"raw": 60, "max": 50}})),
            "bad_score"
        );
        assert_eq!(with("result", json!({"success": "yes"})), "bad_result");
    }

    #[test]
    fn a_request_with_any_bad_statement_is_refused_whole() {
        let mut bad = ok();
        bad["verb"]["id"] = json!("http://adlnet.gov/expapi/verbs/attempted");
        let mut second = ok();
        second["id"] = json!("0c3ee4b6-6f0e-4d4b-a0d1-5f8a0b2b2b2b");
        let problems = parse(json!([second, bad]).to_string().as_bytes()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].index, 1);
        assert_eq!(problems[0].code, "verb_unsupported");
        let problems = parse(json!([ok(), ok()]).to_string().as_bytes()).unwrap_err();
        assert_eq!(problems[0].code, "duplicate_id");
        assert_eq!(parse(b"[]").unwrap_err()[0].code, "empty");
        assert_eq!(parse(b"{not json").unwrap_err()[0].code, "not_json");
        assert_eq!(parse(b"42").unwrap_err()[0].code, "not_statement");
        let many: Vec<Value> = (0..=MAX_STATEMENTS).map(|_| json!({})).collect();
        assert_eq!(
            parse(json!(many).to_string().as_bytes()).unwrap_err()[0].code,
            "too_many"
        );
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(parse(&huge).unwrap_err()[0].code, "too_large");
    }

    #[test]
    fn iris_need_a_scheme_and_no_spaces() {
        assert!(is_iri("https://example.org/a"));
        assert!(is_iri("urn:uuid:6690e6c9-3ef0-4ed3-8b37-7f3964730bee"));
        assert!(!is_iri("example.org/a"));
        assert!(!is_iri("https://example.org/a b"));
        assert!(!is_iri("1http://x"));
        assert!(!is_iri(&format!(
            "https://e.org/{}",
            "a".repeat(MAX_IRI_CHARS)
        )));
    }
}
