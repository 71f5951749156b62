//! A small HTTP client that keeps cookies like a browser and echoes the
//! CSRF token in forms.

use std::collections::BTreeMap;

use base64::Engine;
use ureq::Agent;

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }
}

pub struct Client {
    pub base: String,
    pub cookies: BTreeMap<String, String>,
    agent: Agent,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Client {
            base: base.to_owned(),
            cookies: BTreeMap::new(),
            agent,
        }
    }

    pub fn csrf(&self) -> String {
        self.cookies.get("__Host-csrf").cloned().unwrap_or_default()
    }

    pub fn session(&self) -> Option<String> {
        self.cookies.get("__Host-session").cloned()
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&mut self, r: &Resp) {
        for c in r.set_cookies() {
            let first = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }

    fn finish(&mut self, r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
        let mut r = r.unwrap();
        let status = r.status().as_u16();
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let bytes = r
            .body_mut()
            .with_config()
            .limit(100 * 1024 * 1024)
            .read_to_vec()
            .unwrap();
        let resp = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        };
        self.absorb(&resp);
        resp
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.get_with(path, &[])
    }

    pub fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.call();
        self.finish(r)
    }

    /// POST a form with this client's CSRF token (fetches a page first if
    /// the client has none yet).
    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        if self.csrf().is_empty() {
            self.get("/login");
        }
        let token = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(
            path,
            "application/x-www-form-urlencoded",
            encode_form(&all).into_bytes(),
            &[],
        )
    }

    /// A POST as a browser on this site sends it: with `Origin` (unless
    /// `headers` give one, or `Origin: -` to send none).
    pub fn post_raw(
        &mut self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .header("Content-Type", content_type);
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("origin"))
        {
            req = req.header("Origin", self.base.as_str());
        }
        for (k, v) in headers
            .iter()
            .filter(|(k, v)| !(k.eq_ignore_ascii_case("origin") && *v == "-"))
        {
            req = req.header(*k, *v);
        }
        let r = req.send(&body[..]);
        self.finish(r)
    }

    /// Any method, with headers and an optional body (its content type and
    /// bytes); cookies are sent and kept as for the other calls. One
    /// connection per request (a server may close one whose body it did not
    /// read, e.g. after a 401 or 413), and an empty POST or PUT says
    /// `Content-Length: 0`.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Connection", "close");
        if !self.cookies.is_empty() {
            req = req.header("Cookie", self.cookie_header());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = match body {
            Some((content_type, bytes)) => self.agent.run(
                req.header("Content-Type", content_type)
                    .body(bytes)
                    .unwrap(),
            ),
            None if matches!(method, "POST" | "PUT" | "PATCH") => {
                self.agent.run(req.body(Vec::new()).unwrap())
            }
            None => self.agent.run(req.body(()).unwrap()),
        };
        self.finish(r)
    }

    /// A multipart upload of one file field named `file`, with the CSRF
    /// token in the `_csrf` field before it, as the page's form sends it.
    pub fn upload(&mut self, path: &str, filename: &str, content_type: &str, bytes: &[u8]) -> Resp {
        self.upload_with(path, &[], filename, content_type, bytes)
    }

    /// A multipart upload with text fields and one file field named `file`.
    pub fn upload_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        filename: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Resp {
        let boundary = "----backpacktestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        let token = self.csrf();
        for (k, v) in [("_csrf", token.as_str())].iter().chain(fields) {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.post_raw(
            path,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
            &[],
        )
    }
}

pub fn encode_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Subject and decoded text of an `.eml` written by the mail folder transport.
pub fn decode_mail(raw: &str) -> (String, String) {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| raw.split_once("\n\n").unwrap());
    let subject = head
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or("")
        .to_owned();
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let text = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    (subject, String::from_utf8(text).unwrap())
}

/// The object id in the first `prefix{id}/…` link after `text` in a page.
pub fn id_after(html: &str, text: &str, prefix: &str) -> String {
    let start = html
        .find(text)
        .unwrap_or_else(|| panic!("{text} not in the page"));
    let rest = &html[start..];
    let at = rest
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link after {text}"))
        + prefix.len();
    rest[at..].split(['/', '"']).next().unwrap().to_owned()
}

/// The object id in the last `prefix{id}` link before `text` in a page.
pub fn id_before(html: &str, text: &str, prefix: &str) -> String {
    let end = html
        .find(text)
        .unwrap_or_else(|| panic!("{text} not in the page"));
    let at = html[..end]
        .rfind(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link before {text}"))
        + prefix.len();
    html[at..].split(['/', '"']).next().unwrap().to_owned()
}
