//! Markdown from outside (a badge's criteria, later notes) rendered inert:
//! CommonMark through pulldown-cmark, with every piece of raw HTML shown as
//! text, links kept only for `http`, `https` and `mailto` (opened with
//! `rel="nofollow noopener noreferrer"`), images shown as their text, and
//! a size cap. What comes out is safe to put in a page as HTML.

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Longest Markdown rendered; the rest is cut.
pub const MAX_MARKDOWN_CHARS: usize = 20_000;

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

/// Render `source` to inert HTML.
pub fn render(source: &str) -> String {
    let source: String = source.chars().take(MAX_MARKDOWN_CHARS).collect();
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    let mut dropped_links = Vec::new();
    let events = Parser::new_ext(&source, options).filter_map(|event| match event {
        // Raw HTML, block or inline, becomes visible text.
        Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            id,
            ..
        }) => {
            // E-mail autolinks get `mailto:` from the renderer; titles are dropped.
            if link_type == LinkType::Email || safe_url(&dest_url) {
                dropped_links.push(false);
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title: CowStr::from(""),
                    id,
                }))
            } else {
                dropped_links.push(true);
                None
            }
        }
        Event::End(TagEnd::Link) => match dropped_links.pop() {
            Some(true) => None,
            _ => Some(Event::End(TagEnd::Link)),
        },
        // Images: their alternative text only (no outside requests).
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    // Every link leaves the site without the page's context.
    html.replace("<a href=", "<a rel=\"nofollow noopener noreferrer\" href=")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Script-carrying inputs, from the usual XSS cheat sheets, in Markdown
    /// and HTML forms. None may produce an active element or attribute.
    /// Shared with the browser tests (`e2e/run.mjs`): one vector a line, a
    /// newline inside a vector written as the two characters `\n`.
    const VECTORS_FILE: &str = include_str!("../tests/xss-vectors.txt");

    fn vectors() -> Vec<String> {
        VECTORS_FILE
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.replace("\\n", "\n"))
            .collect()
    }

    fn inert(html: &str) -> Result<(), String> {
        let lower = html.to_ascii_lowercase();
        for tag in [
            "<script",
            "<img",
            "<svg",
            "<iframe",
            "<object",
            "<embed",
            "<style",
            "<link",
            "<meta",
            "<form",
            "<input",
            "<body",
            "<base",
            "<video",
            "<audio",
            "<math",
            "<details",
            "<marquee",
            "<div",
            "<table background",
        ] {
            if lower.contains(tag) {
                return Err(format!("active tag {tag} in {html}"));
            }
        }
        // Any attribute on an element: only href (checked below) and rel.
        let mut rest = lower.as_str();
        while let Some(i) = rest.find('<') {
            let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
            let tag = &rest[i..tag_end];
            if tag.starts_with("<a ") {
                if !(tag.contains("href=\"http://")
                    || tag.contains("href=\"https://")
                    || tag.contains("href=\"mailto:"))
                {
                    return Err(format!("unsafe link {tag} in {html}"));
                }
                if tag.contains(" on") && tag.split_whitespace().any(|a| a.starts_with("on")) {
                    return Err(format!("event handler in {tag}"));
                }
            } else if tag.contains('=') {
                return Err(format!("attribute on {tag} in {html}"));
            }
            rest = &rest[tag_end.min(rest.len())..];
            if rest.is_empty() {
                break;
            }
            rest = &rest[1.min(rest.len())..];
        }
        Ok(())
    }

    #[test]
    fn every_xss_vector_renders_inert() {
        let vectors = vectors();
        assert!(vectors.len() >= 50, "{} vectors", vectors.len());
        assert!(vectors.iter().any(|v| v.contains('\n')), "newlines decoded");
        for v in &vectors {
            let html = render(v);
            if let Err(e) = inert(&html) {
                panic!("{v:?}: {e}");
            }
        }
    }

    #[test]
    fn the_check_itself_catches_active_html() {
        assert!(inert("<img src=x onerror=alert(1)>").is_err());
        assert!(inert("<a href=\"javascript:alert(1)\">x</a>").is_err());
        assert!(inert("<p class=\"x\">").is_err());
    }

    #[test]
    fn ordinary_markdown_keeps_its_meaning() {
        let html = render("Earn **all** of:\n\n1. a *quiz*\n2. [the project](https://example.org/p)\n\n<b>not bold</b>");
        assert!(html.contains("<strong>all</strong>"));
        assert!(html.contains("<ol>"));
        assert!(html.contains("<a rel=\"nofollow noopener noreferrer\" href=\"https://example.org/p\">the project</a>"));
        assert!(html.contains("&lt;b&gt;not bold&lt;/b&gt;"));
        assert_eq!(
            render(&"x".repeat(MAX_MARKDOWN_CHARS + 100))
                .matches('x')
                .count(),
            MAX_MARKDOWN_CHARS
        );
    }
}
