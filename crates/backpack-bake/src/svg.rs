//! SVG baking with quick-xml: namespaces resolved by URI, byte positions kept
//! so everything outside the badge element is copied untouched. No DTD is
//! processed and nothing is fetched; documents that declare entities are
//! refused.

use crate::limits::{MAX_SVG_DEPTH, MAX_TEXT_BYTES};
use crate::{BakeError, Baked, BakedFormat, ImageKind, Payload};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

const OB3_NS: &str = "https://purl.imsglobal.org/ob/v3p0";
const NAMESPACES: &[&str] = &[
    OB3_NS,
    "https://purl.imsglobal.org/spec/ob/v3p0",
    "http://openbadges.org",
];

fn utf8(bytes: &[u8]) -> Result<&str, BakeError> {
    let s =
        std::str::from_utf8(bytes).map_err(|_| BakeError::Corrupt("SVG is not UTF-8".into()))?;
    Ok(s.strip_prefix('\u{feff}').unwrap_or(s))
}

/// The root element is `svg` (checked on the first 64 events).
pub(crate) fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(t) => t,
            Err(_) => return false,
        },
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.trim_start().starts_with('<') {
        return false;
    }
    let mut r = quick_xml::Reader::from_str(text);
    for _ in 0..64 {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => return e.local_name().as_ref() == b"svg",
            Ok(Event::Eof) | Err(_) => return false,
            _ => {}
        }
    }
    false
}

fn check_doctype(text: &[u8]) -> Result<(), BakeError> {
    let t = String::from_utf8_lossy(text);
    if t.contains("<!ENTITY") || t.contains("<!entity") {
        return Err(BakeError::Unsafe(
            "the SVG declares entities (refused: entity expansion)".into(),
        ));
    }
    Ok(())
}

fn badge_kind(ns: &ResolveResult<'_>, local: &[u8]) -> Option<BakedFormat> {
    let ResolveResult::Bound(n) = ns else {
        return None;
    };
    let n = std::str::from_utf8(n.as_ref()).ok()?;
    if !NAMESPACES.contains(&n) {
        return None;
    }
    match local {
        b"credential" => Some(BakedFormat::Ob3),
        b"assertion" => Some(BakedFormat::Ob2),
        _ => None,
    }
}

/// A badge element found in the document.
struct Found {
    format: BakedFormat,
    start: usize,
    end: usize,
    text: String,
}

/// Walk the document: the root start tag's range and every badge element.
/// The root start tag: byte range, and whether it is self-closing.
type RootTag = (usize, usize, bool);

fn scan(text: &str) -> Result<(RootTag, Vec<Found>), BakeError> {
    let mut r = NsReader::from_str(text);
    let mut root: Option<(usize, usize, bool)> = None;
    let mut found = Vec::new();
    let mut depth = 0usize;
    // format, start, depth, content text, verify attribute
    let mut open: Option<(BakedFormat, usize, usize, String, String)> = None;
    loop {
        let before = r.buffer_position() as usize;
        let (kind, ev) = {
            let (ns, ev) = r
                .read_resolved_event()
                .map_err(|e| BakeError::Corrupt(format!("SVG: {e}")))?;
            let kind = match &ev {
                Event::Start(e) | Event::Empty(e) => badge_kind(&ns, e.local_name().as_ref()),
                _ => None,
            };
            (kind, ev)
        };
        let after = r.buffer_position() as usize;
        match ev {
            Event::DocType(d) => check_doctype(d.as_ref())?,
            Event::Start(e) => {
                if root.is_none() {
                    if e.local_name().as_ref() != b"svg" {
                        return Err(BakeError::NotAnImage);
                    }
                    root = Some((before, after, false));
                }
                depth += 1;
                if depth > MAX_SVG_DEPTH {
                    return Err(BakeError::TooLarge {
                        what: "SVG nesting",
                        limit: MAX_SVG_DEPTH,
                    });
                }
                if open.is_none() {
                    if let Some(format) = kind {
                        let verify = attr_verify(&e)?;
                        open = Some((
                            format,
                            before,
                            depth,
                            String::new(),
                            verify.unwrap_or_default(),
                        ));
                    }
                }
            }
            Event::Empty(e) => {
                if root.is_none() {
                    if e.local_name().as_ref() != b"svg" {
                        return Err(BakeError::NotAnImage);
                    }
                    root = Some((before, after, true));
                }
                if open.is_none() {
                    if let Some(format) = kind {
                        let text = attr_verify(&e)?.unwrap_or_default();
                        found.push(Found {
                            format,
                            start: before,
                            end: after,
                            text,
                        });
                    }
                }
            }
            Event::End(_) => {
                if let Some((format, start, d, content, verify)) = &open {
                    if *d == depth {
                        // Content (JSON) wins; an empty element carries its JWS or URL in `verify`.
                        let text = if content.trim().is_empty() {
                            verify.clone()
                        } else {
                            content.clone()
                        };
                        found.push(Found {
                            format: *format,
                            start: *start,
                            end: after,
                            text,
                        });
                        open = None;
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::CData(c) => {
                if let Some((_, _, _, text, _)) = &mut open {
                    let s = std::str::from_utf8(c.as_ref())
                        .map_err(|_| BakeError::Corrupt("CDATA is not UTF-8".into()))?;
                    if text.len() + s.len() > MAX_TEXT_BYTES {
                        return Err(BakeError::TooLarge {
                            what: "badge text",
                            limit: MAX_TEXT_BYTES,
                        });
                    }
                    text.push_str(s);
                }
            }
            Event::Text(t) => {
                if let Some((_, _, _, text, _)) = &mut open {
                    let s = t
                        .unescape()
                        .map_err(|e| BakeError::Corrupt(format!("SVG text: {e}")))?;
                    if text.len() + s.len() > MAX_TEXT_BYTES {
                        return Err(BakeError::TooLarge {
                            what: "badge text",
                            limit: MAX_TEXT_BYTES,
                        });
                    }
                    text.push_str(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let root = root.ok_or(BakeError::NotAnImage)?;
    Ok((root, found))
}

fn attr_verify(e: &quick_xml::events::BytesStart<'_>) -> Result<Option<String>, BakeError> {
    for a in e.attributes() {
        let a = a.map_err(|e| BakeError::Corrupt(format!("SVG attribute: {e}")))?;
        if a.key.local_name().as_ref() == b"verify" {
            let v = a
                .unescape_value()
                .map_err(|e| BakeError::Corrupt(format!("SVG attribute: {e}")))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// Read the badge data of an SVG: OB 3.0 first, then OB 2.0.
pub fn unbake_svg(svg: &[u8]) -> Result<Baked, BakeError> {
    let text = utf8(svg)?;
    let (_, found) = scan(text)?;
    let pick = found
        .iter()
        .find(|f| f.format == BakedFormat::Ob3)
        .or_else(|| found.first())
        .ok_or(BakeError::NoCredential)?;
    let t = pick.text.trim();
    if t.is_empty() {
        return Err(BakeError::NoCredential);
    }
    Ok(Baked {
        kind: ImageKind::Svg,
        format: pick.format,
        text: t.to_string(),
    })
}

/// The root start tag with `xmlns:openbadges` set to the OB 3.0 namespace.
fn root_tag(tag: &str, empty: bool) -> String {
    let mut t = tag.to_string();
    for quote in ['"', '\''] {
        let key = format!("xmlns:openbadges={quote}");
        if let Some(i) = t.find(&key) {
            let vstart = i + key.len();
            if let Some(len) = t[vstart..].find(quote) {
                t.replace_range(vstart..vstart + len, OB3_NS);
                return if empty { close_empty(&t) } else { t };
            }
        }
    }
    let insert = format!(" xmlns:openbadges=\"{OB3_NS}\"");
    let cut = if empty { t.rfind("/>") } else { t.rfind('>') }.unwrap_or(t.len());
    t.insert_str(cut, &insert);
    if empty {
        close_empty(&t)
    } else {
        t
    }
}

fn close_empty(tag: &str) -> String {
    match tag.rfind("/>") {
        Some(i) => format!("{}>", &tag[..i]),
        None => tag.to_string(),
    }
}

fn element(payload: Payload<'_>) -> String {
    match payload {
        Payload::Json(json) => format!(
            "<openbadges:credential><![CDATA[{}]]></openbadges:credential>",
            json.replace("]]>", "]]]]><![CDATA[>")
        ),
        Payload::Jws(jws) => {
            format!("<openbadges:credential verify=\"{jws}\"></openbadges:credential>")
        }
    }
}

/// Bake into an SVG: one `<openbadges:credential>` right after `<svg …>`,
/// old badge elements removed, everything else kept byte for byte.
pub fn bake_svg(svg: &[u8], payload: Payload<'_>) -> Result<Vec<u8>, BakeError> {
    payload.check()?;
    let text = utf8(svg)?;
    let ((start, end, empty), found) = scan(text)?;
    let mut out = String::with_capacity(text.len() + payload.text().len() + 128);
    out.push_str(&text[..start]);
    out.push_str(&root_tag(&text[start..end], empty));
    out.push_str(&element(payload));
    let mut pos = end;
    for f in &found {
        if f.start >= pos {
            out.push_str(&text[pos..f.start]);
            pos = f.end;
        }
    }
    out.push_str(&text[pos..]);
    if empty {
        out.push_str("</svg>");
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\"><circle r=\"1\"/></svg>\n";

    #[test]
    fn bake_unbake_json_and_jws_and_rebake_replaces() {
        let once = bake_svg(SVG.as_bytes(), Payload::Json("{\"a\":\"x]]>y\"}")).unwrap();
        let b = unbake_svg(&once).unwrap();
        assert_eq!(b.text, "{\"a\":\"x]]>y\"}");
        let twice = bake_svg(&once, Payload::Jws("eyJh.eyJi.c2ln")).unwrap();
        let s = String::from_utf8(twice.clone()).unwrap();
        assert_eq!(s.matches("<openbadges:credential").count(), 1);
        assert_eq!(s.matches("xmlns:openbadges").count(), 1);
        assert!(s.contains("<circle r=\"1\"/></svg>\n"));
        assert_eq!(unbake_svg(&twice).unwrap().text, "eyJh.eyJi.c2ln");
    }

    #[test]
    fn entity_declarations_are_refused() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&b;</svg>";
        assert!(matches!(
            unbake_svg(bomb.as_bytes()),
            Err(BakeError::Unsafe(_))
        ));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!(
            "<svg>{}{}</svg>",
            "<g>".repeat(MAX_SVG_DEPTH + 1),
            "</g>".repeat(MAX_SVG_DEPTH + 1)
        );
        assert!(matches!(
            unbake_svg(deep.as_bytes()),
            Err(BakeError::TooLarge { .. })
        ));
    }

    #[test]
    fn not_svg() {
        assert!(!looks_like_svg(b"<html></html>"));
        assert!(!looks_like_svg(b"{\"a\":1}"));
        assert!(looks_like_svg(SVG.as_bytes()));
    }

    #[test]
    fn self_closing_root() {
        let out = bake_svg(
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            Payload::Json("{}"),
        )
        .unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.ends_with("</openbadges:credential></svg>"), "{s}");
        assert_eq!(unbake_svg(s.as_bytes()).unwrap().text, "{}");
    }
}
