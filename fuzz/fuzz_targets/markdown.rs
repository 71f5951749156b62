//! Markdown from outside (criteria, notes) rendered inert. Besides not
//! crashing, every tag in the output must be one CommonMark produces for
//! plain formatting, with only harmless attributes, and every link must be
//! http(s) or mailto.
#![no_main]
use libfuzzer_sys::fuzz_target;

const TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "code",
    "em",
    "strong",
    "del",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "br",
];

/// Checks every `<tag attr="value">` of `html`; returns what is wrong.
fn check(html: &str) -> Result<(), String> {
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').ok_or("unclosed tag")?;
        let tag = rest[..end].trim_start_matches('/').trim_end_matches('/');
        rest = &rest[end + 1..];
        let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        if !TAGS.contains(&name) {
            return Err(format!("tag <{name}>"));
        }
        while !attrs.trim().is_empty() {
            let (attr, after) = attrs
                .trim_start()
                .split_once("=\"")
                .ok_or("attribute without a quoted value")?;
            let (value, after) = after.split_once('"').ok_or("unterminated attribute")?;
            attrs = after;
            match (name, attr) {
                ("a", "href") => {
                    let v = value.to_ascii_lowercase();
                    if !(v.starts_with("http://")
                        || v.starts_with("https://")
                        || v.starts_with("mailto:"))
                    {
                        return Err(format!("link to {value:?}"));
                    }
                }
                ("a", "rel") if value == "nofollow noopener noreferrer" => {}
                ("ol", "start") if value.bytes().all(|b| b.is_ascii_digit()) => {}
                ("th" | "td", "style") if value.starts_with("text-align: ") => {}
                ("code", "class")
                    if value.starts_with("language-") && !value.contains(['<', '>']) => {}
                _ => return Err(format!("attribute {attr}={value:?} on <{name}>")),
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let html = backpack_web::markdown::render(text);
    if let Err(what) = check(&html) {
        panic!("{what} in the rendering of {text:?}: {html}");
    }
});
