//! Glyphs (position, size, Unicode) to lines of text.

use crate::clean_char;

/// At most this many glyphs are kept per page.
pub(crate) const MAX_GLYPHS_PER_PAGE: usize = 50_000;

/// A horizontal gap wider than this many ems breaks the line.
pub(crate) const COLUMN_GAP_EMS: f64 = 2.5;

/// A horizontal gap wider than this many ems is a space between words
/// (a space glyph is about a quarter of an em; kerning is well under a
/// tenth).
const WORD_GAP_EMS: f64 = 0.15;

/// Glyphs whose baselines differ by less than this many ems (of the smaller)
/// share a line.
const SAME_LINE_EMS: f64 = 0.5;

/// What a glyph stands for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GlyphText {
    Char(char),
    Str(Box<str>),
}

/// A glyph on the page, in points, y growing downwards.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    /// Origin, on the baseline.
    pub x: f64,
    pub y: f64,
    /// Where the advance ends.
    pub end: f64,
    /// Font size (the em, on the page).
    pub size: f64,
    pub text: GlyphText,
}

/// Lines of text, top to bottom, left to right; at most `max_chars`.
pub(crate) fn layout(mut glyphs: Vec<Placed>, max_chars: usize) -> String {
    glyphs.sort_by(|a, b| a.y.total_cmp(&b.y));
    let mut lines: Vec<Vec<Placed>> = Vec::new();
    let mut anchor = (0.0f64, 0.0f64);
    for g in glyphs {
        match lines.last_mut() {
            Some(line) if (g.y - anchor.0).abs() <= SAME_LINE_EMS * anchor.1.min(g.size) => {
                line.push(g)
            }
            _ => {
                anchor = (g.y, g.size);
                lines.push(vec![g]);
            }
        }
    }

    let mut out = Out::new(max_chars);
    for mut line in lines {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
        out.line_break();
        let mut prev: Option<&Placed> = None;
        for g in &line {
            if let Some(p) = prev {
                let em = (p.size + g.size) / 2.0;
                if p.text == g.text && (g.x - p.x).abs() < 0.3 * (p.end - p.x).abs().min(em) {
                    continue; // drawn twice (fill and stroke, or fake bold)
                }
                let gap = g.x - p.end;
                if gap > COLUMN_GAP_EMS * em {
                    out.line_break();
                } else if gap > WORD_GAP_EMS * em {
                    out.space();
                }
            }
            match &g.text {
                GlyphText::Char(c) => out.push(*c),
                GlyphText::Str(s) => s.chars().for_each(|c| out.push(c)),
            }
            if out.full() {
                return out.finish();
            }
            prev = Some(g);
        }
    }
    out.finish()
}

/// Text being written: no control characters, single spaces, no blank or
/// space-padded lines, at most `max` characters.
struct Out {
    text: String,
    chars: usize,
    max: usize,
    scratch: String,
}

impl Out {
    fn new(max: usize) -> Self {
        Out {
            text: String::new(),
            chars: 0,
            max,
            scratch: String::new(),
        }
    }

    fn full(&self) -> bool {
        self.chars >= self.max
    }

    fn at_line_start(&self) -> bool {
        self.text.is_empty() || self.text.ends_with('\n')
    }

    fn put(&mut self, c: char) {
        if !self.full() {
            self.text.push(c);
            self.chars += 1;
        }
    }

    fn space(&mut self) {
        if !self.at_line_start() && !self.text.ends_with(' ') {
            self.put(' ');
        }
    }

    fn line_break(&mut self) {
        if self.text.ends_with(' ') {
            self.text.pop();
            self.chars -= 1;
        }
        if !self.at_line_start() {
            self.put('\n');
        }
    }

    fn push(&mut self, c: char) {
        self.scratch.clear();
        clean_char(c, false, &mut self.scratch);
        let cleaned = std::mem::take(&mut self.scratch);
        for c in cleaned.chars() {
            if c == ' ' {
                self.space();
            } else {
                self.put(c);
            }
        }
        self.scratch = cleaned;
    }

    fn finish(self) -> String {
        self.text.trim_end().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of glyphs for `s`, each `0.5 × size` wide, from `x`.
    fn word(s: &str, x: f64, y: f64, size: f64) -> Vec<Placed> {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                let x = x + i as f64 * size * 0.5;
                Placed {
                    x,
                    y,
                    end: x + size * 0.5,
                    size,
                    text: GlyphText::Char(c),
                }
            })
            .collect()
    }

    #[test]
    fn orders_lines_and_words() {
        let mut g = Vec::new();
        // Drawn bottom line first, words out of order.
        g.extend(word("world", 100.0 + 5.0 * 6.0 + 3.0, 200.0, 12.0));
        g.extend(word("Hello", 100.0, 200.3, 12.0));
        g.extend(word("Title", 72.0, 100.0, 24.0));
        assert_eq!(layout(g, 1000), "Title\nHello world");
    }

    #[test]
    fn kerning_is_no_space_and_wide_gaps_break_lines() {
        let mut g = word("ab", 0.0, 50.0, 10.0);
        g.extend(word("cd", 10.5, 50.0, 10.0)); // 0.05 em: kerning
        g.extend(word("Signature", 300.0, 50.0, 10.0)); // far right: a column
        assert_eq!(layout(g, 1000), "abcd\nSignature");
    }

    #[test]
    fn drops_duplicates_and_controls_and_collapses_spaces() {
        let mut g = word("Hi", 0.0, 10.0, 10.0);
        g.extend(word("Hi", 0.2, 10.0, 10.0)); // fake bold
        g.extend(word("  \u{1}x", 20.0, 10.0, 10.0));
        g.push(Placed {
            x: 60.0,
            y: 10.0,
            end: 65.0,
            size: 10.0,
            text: GlyphText::Str("\u{fb01}n".into()),
        });
        assert_eq!(layout(g, 1000), "Hi x fin");
    }

    #[test]
    fn bounded_by_chars() {
        let g = word("abcdefghij", 0.0, 10.0, 10.0);
        assert_eq!(layout(g.clone(), 4), "abcd");
        assert_eq!(layout(g, 0), "");
        assert_eq!(layout(Vec::new(), 10), "");
    }

    #[test]
    fn separate_sizes_stay_on_separate_lines() {
        let mut g = word("BIG TITLE", 0.0, 100.0, 30.0);
        g.extend(word("small", 0.0, 112.0, 10.0));
        assert_eq!(layout(g, 1000), "BIG TITLE\nsmall");
    }
}
