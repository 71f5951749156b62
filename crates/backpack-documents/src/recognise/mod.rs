//! A prefill guessed from a certificate's text.
//!
//! Heuristics follow how the platforms word their certificates:
//!
//! - Coursera: `<date>` / `<name>` / `has successfully completed` /
//!   `<course>` / `an online non-credit course authorized by …` / `Verify at
//!   coursera.org/verify/<id>` (Specializations and Professional
//!   Certificates: `has successfully completed the online, non-credit
//!   Specialization` / `<title>`, `…/verify/specialization/<id>`).
//! - edX: `This is to certify that` / `<name>` / `successfully completed
//!   and received a passing grade in` / `<course>` / `a course of study
//!   offered by …` / `Issued <date>` / `Valid Certificate ID <hex>` /
//!   `https://courses.edx.org/certificates/<hex>`.
//! - Canvas Network: `Certificate of Completion` / `<name>` / `has
//!   successfully completed` / `<course>` / … `canvas.net`.
//! - Cognitive Class: `Cognitive Class` / `<name>` / `has successfully
//!   completed` (or `for successfully completing a free online course`) /
//!   `<course>` / `courses.cognitiveclass.ai/certificates/<id>`.
//!
//! Text that shows no sign of being a certificate gives an empty
//! [`Prefill`]; the platform is never guessed as [`Platform::Other`], which
//! is for the learner to choose.

mod date;

use crate::{clean_char, MAX_TEXT_CHARS};

/// The longest title kept (longer ones are cut at a word).
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest learner name accepted.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest verification URL accepted.
pub const MAX_URL_CHARS: usize = 500;
/// The longest credential id accepted.
pub const MAX_ID_CHARS: usize = 100;

/// Where a certificate was earned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Coursera,
    Edx,
    CanvasNetwork,
    CognitiveClass,
    /// Anywhere else; chosen by the learner, never recognised.
    Other,
}

impl Platform {
    /// Every platform, in display order.
    pub const ALL: [Platform; 5] = [
        Platform::Coursera,
        Platform::Edx,
        Platform::CanvasNetwork,
        Platform::CognitiveClass,
        Platform::Other,
    ];

    /// The stable code stored and sent in forms.
    pub fn code(self) -> &'static str {
        match self {
            Platform::Coursera => "coursera",
            Platform::Edx => "edx",
            Platform::CanvasNetwork => "canvas_network",
            Platform::CognitiveClass => "cognitive_class",
            Platform::Other => "other",
        }
    }

    /// The platform's own name (a proper noun: not translated).
    pub fn label(self) -> &'static str {
        match self {
            Platform::Coursera => "Coursera",
            Platform::Edx => "edX",
            Platform::CanvasNetwork => "Canvas Network",
            Platform::CognitiveClass => "Cognitive Class",
            Platform::Other => "Other",
        }
    }

    /// The platform with this code (surrounding white space and case
    /// ignored).
    pub fn parse(code: &str) -> Option<Platform> {
        let code = code.trim();
        Platform::ALL
            .into_iter()
            .find(|p| p.code().eq_ignore_ascii_case(code))
    }
}

/// What a certificate's text says, as far as can be told. Every string is
/// trimmed, free of control characters and bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefill {
    /// Never [`Platform::Other`].
    pub platform: Option<Platform>,
    /// The course or programme, at most [`MAX_TITLE_CHARS`].
    pub title: Option<String>,
    /// At most [`MAX_NAME_CHARS`].
    pub learner_name: Option<String>,
    /// Issue or completion date, ISO `yyyy-mm-dd`.
    pub date: Option<String>,
    /// `https://…` (a bare `host/path` gets `https://`), at most
    /// [`MAX_URL_CHARS`].
    pub verification_url: Option<String>,
    /// From a `Certificate ID` / `Credential ID` label, else the last path
    /// segment of the verification URL; at most [`MAX_ID_CHARS`].
    pub credential_id: Option<String>,
}

impl Prefill {
    /// Whether nothing was recognised.
    pub fn is_empty(&self) -> bool {
        *self == Prefill::default()
    }
}

/// Phrases after which the learner's name follows (same line or next).
const NAME_BEFORE: &[&str] = &[
    "this is to certify that",
    "this certifies that",
    "this certificate is presented to",
    "this certificate is awarded to",
    "is hereby awarded to",
    "is proudly presented to",
    "presented to",
    "awarded to",
    "certify that",
    "certifies that",
    "nous certifions que",
    "certifie que",
    "atteste que",
    "décerné à",
    "décernée à",
    "remis à",
];

/// Phrases between the learner's name (before) and the title (after),
/// longest first.
const COMPLETED: &[&str] = &[
    "successfully completed and received a passing grade in",
    "has successfully completed and received a passing grade in",
    "for the successful completion of",
    "for successfully completing",
    "has successfully completed",
    "successfully completed",
    "has completed the course",
    "has completed",
    "for completing",
    "a complété avec succès",
    "a suivi avec succès",
    "a terminé avec succès",
    "a réussi",
];

/// Where a title written on the same line as the phrase ends.
const TITLE_ENDS: &[&str] = &[
    ", an online",
    " an online non-credit",
    ", a course",
    " a course of study",
    " a course offered",
    " offered by",
    " offered through",
    " authorized by",
    " provided by",
    " with a grade",
    " with distinction",
    " on coursera",
    " on edx",
    " through coursera",
];

/// Words that end a title line which goes on at the next line.
const CONNECTORS: &[&str] = &[
    "and", "of", "for", "in", "to", "the", "with", "&", "a", "an", "on", "at", "from", "-", "–",
    ":", "et", "de", "des", "du", "la", "le", "les", "pour", "en", "à",
];

/// Words that make a line certainly not a person's name.
const NOT_NAME_WORDS: &[&str] = &[
    "certificate",
    "certificat",
    "certify",
    "certifies",
    "completion",
    "achievement",
    "course",
    "courses",
    "successfully",
    "completed",
    "verify",
    "verified",
    "issued",
    "date",
    "presented",
    "awarded",
    "coursera",
    "edx",
    "canvas",
    "network",
    "cognitive",
    "class",
    "university",
    "this",
    "has",
    "the",
    "of",
    "online",
    "specialization",
    "professional",
    "signature",
    "instructor",
    "director",
];

/// Recognises what it can in a certificate's text (any text: bounded to
/// [`MAX_TEXT_CHARS`]).
pub fn recognise(text: &str) -> Prefill {
    let lines = clean_lines(text);
    let lower: Vec<String> = lines.iter().map(|l| l.to_lowercase()).collect();
    let all_lower = lower.join("\n");

    let verification_url = find_url(&lines);
    let (learner_name, title, anchored) = name_and_title(&lines, &lower);
    let labelled_id = labelled_id(&lines, &lower);
    let credential_id = labelled_id
        .clone()
        .or_else(|| verification_url.as_deref().and_then(id_from_url));
    let platform = verification_url
        .as_deref()
        .and_then(platform_from_url)
        .or_else(|| platform_from_text(&all_lower));

    let looks_like_certificate = anchored
        || platform.is_some()
        || verification_url.is_some()
        || labelled_id.is_some()
        || [
            "certificat",
            "certify",
            "certifies",
            "completion",
            "achievement",
            "attestation",
            "diplôme",
            "diploma",
        ]
        .iter()
        .any(|w| all_lower.contains(w));
    if !looks_like_certificate {
        return Prefill::default();
    }
    Prefill {
        platform,
        title,
        learner_name,
        date: find_date(&lines, &lower),
        verification_url,
        credential_id,
    }
}

/// Lines without control characters, white space collapsed, none empty.
fn clean_lines(text: &str) -> Vec<String> {
    let mut cleaned = String::new();
    for c in text.chars().take(MAX_TEXT_CHARS) {
        clean_char(c, true, &mut cleaned);
    }
    cleaned
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The learner's name, the title, and whether an anchor phrase was seen.
fn name_and_title(lines: &[String], lower: &[String]) -> (Option<String>, Option<String>, bool) {
    let mut name = None;
    let mut title = None;
    let mut anchored = false;

    // "This is to certify that <name>" (same line or next).
    'outer: for (i, l) in lower.iter().enumerate() {
        for phrase in NAME_BEFORE {
            if let Some(at) = l.find(phrase) {
                anchored = true;
                let rest = cut_at_completion(tail(&lines[i], at + phrase.len()));
                let candidate = if rest.is_empty() {
                    lines.get(i + 1).map(String::as_str)
                } else {
                    Some(rest)
                };
                if let Some(n) = candidate.and_then(plausible_name) {
                    name = Some(n);
                    break 'outer;
                }
            }
        }
    }

    // "<name> / has successfully completed / <title>".
    'outer: for (i, l) in lower.iter().enumerate() {
        for phrase in COMPLETED {
            let Some(at) = l.find(phrase) else {
                continue;
            };
            anchored = true;
            if name.is_none() {
                let before = lines[i][..byte_index(&lines[i], at)].trim();
                name = if before.is_empty() {
                    i.checked_sub(1).and_then(|j| plausible_name(&lines[j]))
                } else {
                    plausible_name(before)
                };
            }
            title = title_after(lines, lower, i, tail(&lines[i], at + phrase.len()));
            break 'outer;
        }
    }
    (name, title, anchored)
}

/// The title after the completion phrase: the rest of the line, unless it
/// is only "the online, non-credit Specialization" and the like, else the
/// next line, continued on the one after when it visibly goes on.
fn title_after(lines: &[String], lower: &[String], i: usize, rest: &str) -> Option<String> {
    let rest = cut_title_end(rest);
    if !rest.is_empty() && !is_generic(rest) {
        return bounded_title(rest);
    }
    let next = lines.get(i + 1)?;
    if is_stop_line(next, &lower[i + 1]) {
        return None;
    }
    let mut title = cut_title_end(next).to_owned();
    if let (Some(more), Some(more_lower)) = (lines.get(i + 2), lower.get(i + 2)) {
        let last_word = title.rsplit(' ').next().unwrap_or_default().to_lowercase();
        let goes_on = CONNECTORS.contains(&last_word.as_str())
            || title.ends_with(',')
            || title.ends_with(':');
        if goes_on && !is_stop_line(more, more_lower) {
            title.push(' ');
            title.push_str(cut_title_end(more));
        }
    }
    bounded_title(&title)
}

/// A line that cannot be (part of) a title.
fn is_stop_line(line: &str, lower: &str) -> bool {
    let starts = [
        "a course",
        "an online",
        "offered by",
        "authorized by",
        "provided by",
        "issued",
        "verify",
        "date",
        "http",
        "www.",
        "valid",
        "certificate id",
        "credential id",
    ];
    starts.iter().any(|s| lower.starts_with(s))
        || !date::dates_in(line).is_empty()
        || looks_like_url(line)
        || is_generic(line)
}

/// "the online, non-credit Specialization", "a free online course": words
/// that say what kind of thing was completed, not which.
fn is_generic(s: &str) -> bool {
    const KIND: &[&str] = &[
        "the",
        "a",
        "an",
        "free",
        "online",
        "non-credit",
        "noncredit",
        "self-paced",
        "course",
        "specialization",
        "professional",
        "certificate",
        "program",
        "programme",
        "mooc",
        "cours",
        "en",
        "ligne",
        "gratuit",
    ];
    let lower = s.to_lowercase();
    lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == ':')
        .filter(|w| !w.is_empty())
        .all(|w| KIND.contains(&w))
}

fn cut_title_end(s: &str) -> &str {
    let lower = s.to_lowercase();
    let end = TITLE_ENDS
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        .map_or(s.len(), |at| byte_index(s, at));
    trim_title(&s[..end])
}

fn trim_title(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | '"' | '\'' | '“' | '”' | '«' | '»' | '‘' | '’'
            )
    })
    .trim_start_matches(':')
    .trim()
}

fn bounded_title(s: &str) -> Option<String> {
    let s = trim_title(s);
    if s.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
        return None;
    }
    if s.chars().count() <= MAX_TITLE_CHARS {
        return Some(s.to_owned());
    }
    let cut: String = s.chars().take(MAX_TITLE_CHARS).collect();
    let at_word = cut
        .rfind(' ')
        .filter(|&p| p > MAX_TITLE_CHARS / 2)
        .unwrap_or(cut.len());
    Some(cut[..at_word].trim_end().to_owned())
}

/// Text before a completion phrase on the same line.
fn cut_at_completion(s: &str) -> &str {
    let lower = s.to_lowercase();
    let end = COMPLETED
        .iter()
        .filter_map(|p| lower.find(p))
        .min()
        .map_or(s.len(), |at| byte_index(s, at));
    s[..end].trim()
}

/// A person's name, or `None`.
fn plausible_name(s: &str) -> Option<String> {
    let s = s
        .trim_matches(|c: char| {
            c.is_whitespace() || matches!(c, ',' | '.' | ':' | ';' | '"' | '“' | '”')
        })
        .trim();
    let words: Vec<&str> = s.split_whitespace().collect();
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    let ok = (2..=MAX_NAME_CHARS).contains(&s.chars().count())
        && letters >= 2
        && (1..=8).contains(&words.len())
        && !s
            .chars()
            .any(|c| c.is_ascii_digit() || matches!(c, '@' | '/' | ':' | '|' | '(' | ')' | '©'))
        && !words.iter().any(|w| {
            NOT_NAME_WORDS.contains(&w.to_lowercase().trim_matches(|c: char| !c.is_alphabetic()))
        });
    ok.then(|| s.to_owned())
}

/// The platform named by a verification URL's host.
fn platform_from_url(url: &str) -> Option<Platform> {
    let host = url
        .split("://")
        .nth(1)?
        .split(['/', '?', '#'])
        .next()?
        .to_lowercase();
    let is = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if is("coursera.org") {
        Some(Platform::Coursera)
    } else if is("edx.org") {
        Some(Platform::Edx)
    } else if is("canvas.net") {
        Some(Platform::CanvasNetwork)
    } else if is("cognitiveclass.ai") {
        Some(Platform::CognitiveClass)
    } else {
        None
    }
}

/// The platform named first in the text.
fn platform_from_text(lower: &str) -> Option<Platform> {
    let marks: [(Platform, &[&str]); 4] = [
        (Platform::Coursera, &["coursera"]),
        (Platform::Edx, &["edx"]),
        (
            Platform::CanvasNetwork,
            &["canvas network", "canvas.net", "canvasnetwork"],
        ),
        (
            Platform::CognitiveClass,
            &["cognitive class", "cognitiveclass"],
        ),
    ];
    marks
        .iter()
        .filter_map(|(p, words)| {
            words
                .iter()
                .filter_map(|w| find_word(lower, w))
                .min()
                .map(|at| (at, *p))
        })
        .min()
        .map(|(_, p)| p)
}

/// `word` in `hay`, not inside a longer word.
fn find_word(hay: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = hay[from..].find(word) {
        let at = from + p;
        let before = hay[..at].chars().next_back();
        let after = hay[at + word.len()..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// The first URL that looks like a verification or certificate link.
fn find_url(lines: &[String]) -> Option<String> {
    const HINTS: &[&str] = &[
        "verify",
        "verif",
        "certificate",
        "certificat",
        "credential",
        "accomplishments",
        "badge",
        "cert",
        "coursera.org",
        "edx.org",
        "canvas.net",
        "cognitiveclass.ai",
    ];
    for (i, line) in lines.iter().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        for (k, word) in words.iter().enumerate() {
            let token = trim_url(word);
            if !looks_like_url(token) {
                continue;
            }
            let mut url = token.to_owned();
            // A URL broken after a slash at the end of a line.
            if url.ends_with('/') && k + 1 == words.len() {
                if let Some(next) = lines.get(i + 1) {
                    let next = trim_url(next);
                    if !next.contains(' ') && !next.is_empty() && next.chars().all(is_url_char) {
                        url.push_str(next);
                    }
                }
            }
            let Some(url) = normalise_url(&url) else {
                continue;
            };
            let lower = url.to_lowercase();
            // A home page (no path) verifies nothing.
            let has_path = id_from_url(&url).is_some()
                || lower
                    .split("://")
                    .nth(1)
                    .is_some_and(|r| r.trim_end_matches('/').contains('/'));
            if has_path && HINTS.iter().any(|h| lower.contains(h)) {
                return Some(url);
            }
        }
    }
    None
}

fn trim_url(s: &str) -> &str {
    s.trim_start_matches(['(', '<', '[', '"', '\'', '“'])
        .trim_end_matches(['.', ',', ';', ':', ')', '>', ']', '"', '\'', '”', '!', '?'])
}

fn is_url_char(c: char) -> bool {
    !c.is_whitespace()
        && !c.is_control()
        && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
}

/// `http(s)://…`, `www.…`, or `host.tld/path`.
fn looks_like_url(s: &str) -> bool {
    let lower = s.to_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
        return true;
    }
    let Some((host, _)) = lower.split_once('/') else {
        return false;
    };
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// `https://` + host (lower-cased) + path; `None` if it is not a usable URL.
fn normalise_url(s: &str) -> Option<String> {
    if !s.chars().all(is_url_char) {
        return None;
    }
    let starts = |prefix: &str| {
        s.as_bytes()
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    // The prefixes are ASCII, so the slices below start on a character.
    let (scheme, rest) = if starts("https://") {
        ("https://", &s[8..])
    } else if starts("http://") {
        ("http://", &s[7..])
    } else {
        ("https://", s)
    };
    let (host, path) = rest
        .find(['/', '?', '#'])
        .map_or((rest, ""), |p| rest.split_at(p));
    let host = host.to_lowercase();
    if host.is_empty() || !host.contains('.') || host.contains('@') {
        return None;
    }
    let url = format!("{scheme}{host}{path}");
    (url.chars().count() <= MAX_URL_CHARS).then_some(url)
}

/// The last path segment, when it looks like an identifier.
fn id_from_url(url: &str) -> Option<String> {
    let rest = url.split("://").nth(1)?;
    let path = rest.split(['?', '#']).next()?;
    let (_, path) = path.split_once('/')?;
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    plausible_id(last)
}

/// An identifier: 4 to 100 of `[A-Za-z0-9._-]`, with a digit, or all
/// capitals and at least 6 long (Coursera's codes).
fn plausible_id(s: &str) -> Option<String> {
    let s = s.trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ':' | '#' | ')' | '('));
    let len = s.chars().count();
    let charset = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let digit = s.chars().any(|c| c.is_ascii_digit());
    let capitals = len >= 6
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    ((4..=MAX_ID_CHARS).contains(&len) && charset && (digit || capitals)).then(|| s.to_owned())
}

/// An id after a "Certificate ID" / "Credential ID" label (same line or
/// next).
fn labelled_id(lines: &[String], lower: &[String]) -> Option<String> {
    const LABELS: &[&str] = &[
        "valid certificate id",
        "certificate id",
        "credential id",
        "certificate no",
        "certificate number",
        "certificate code",
        "credential number",
        "verification code",
        "verification id",
        "certificate #",
        "id du certificat",
        "numéro de certificat",
        "n° de certificat",
        "identifiant du certificat",
    ];
    for (i, l) in lower.iter().enumerate() {
        for label in LABELS {
            let Some(at) = l.find(label) else {
                continue;
            };
            let rest = tail(&lines[i], at + label.len());
            let rest = rest.trim_start_matches(|c: char| {
                c.is_whitespace() || matches!(c, ':' | '#' | '.' | '-' | '°')
            });
            let rest = rest.trim_start_matches("is ").trim_start();
            let candidate = match rest.split_whitespace().next() {
                Some(first) => Some(first),
                None => lines.get(i + 1).and_then(|n| n.split_whitespace().next()),
            };
            if let Some(id) = candidate.and_then(plausible_id) {
                return Some(id);
            }
        }
    }
    None
}

/// The date on a line that says "issued", "completed" and the like, else
/// the first date not on an expiry line.
fn find_date(lines: &[String], lower: &[String]) -> Option<String> {
    const LABELS: &[&str] = &[
        "issued",
        "issue date",
        "date of issue",
        "completed on",
        "completion date",
        "date of completion",
        "awarded on",
        "earned on",
        "date:",
        "délivré",
        "délivrée",
        "obtenu le",
        "date d",
    ];
    const EXPIRY: &[&str] = &["expir", "valid until", "valid through", "valable jusqu"];
    let on = |i: usize| date::dates_in(&lines[i]).into_iter().next();
    (0..lines.len())
        .filter(|&i| LABELS.iter().any(|l| lower[i].contains(l)))
        .find_map(|i| {
            on(i).or_else(|| {
                lines
                    .get(i + 1)
                    .and_then(|n| date::dates_in(n).into_iter().next())
            })
        })
        .or_else(|| {
            (0..lines.len())
                .filter(|&i| !EXPIRY.iter().any(|e| lower[i].contains(e)))
                .find_map(on)
        })
}

/// The original text from the point that `original.to_lowercase()[at..]`
/// starts at.
fn tail(original: &str, at: usize) -> &str {
    &original[byte_index(original, at)..]
}

/// Maps a byte offset in `original.to_lowercase()` to one in
/// `original`: lower-casing can change byte lengths (e.g. `İ`), so go by
/// characters.
fn byte_index(original: &str, at: usize) -> usize {
    let mut lower_pos = 0;
    for (orig_pos, c) in original.char_indices() {
        if lower_pos >= at {
            return orig_pos;
        }
        lower_pos += c.to_lowercase().map(char::len_utf8).sum::<usize>();
    }
    original.len()
}

#[cfg(test)]
mod tests;
