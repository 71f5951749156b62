//! PDF: the text layer, the page count and a first-page preview, through
//! `hayro`.
//!
//! The text comes from a `hayro_interpret::Device` that receives every
//! glyph the page draws (visible or not, so an OCR layer under a scan
//! counts) with its position and Unicode value; [`text`] then orders the
//! glyphs into lines (by baseline) and words (by the gap between one
//! glyph's advance and the next glyph). Only upright, left-to-right text is
//! kept; rotated and vertical glyphs are dropped. A gap wider than
//! [`text::COLUMN_GAP_EMS`] ems starts a new line, so that side-by-side
//! blocks (a date on the left, a signature on the right) do not run
//! together.

mod budget;
mod scan;
pub(crate) mod text;

use crate::{
    check_size, shielded, Abort, DocError, MAX_PDF_IMAGE_PIXELS, MAX_PDF_OPERATIONS,
    MAX_PDF_PAGES_SCANNED, MAX_PREVIEW_WIDTH, MAX_TEXT_CHARS,
};
use budget::{Budget, Stop};
use hayro::hayro_interpret::font::Glyph;
use hayro::hayro_interpret::hayro_syntax::object::{Dict, Stream};
use hayro::hayro_interpret::hayro_syntax::page::Page;
use hayro::hayro_interpret::hayro_syntax::{LoadPdfError, Pdf};
use hayro::hayro_interpret::pattern::Pattern;
use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_interpret::{
    interpret_page, BlendMode, CacheKey, ClipPath, Context, Device, DrawMode, DrawProps, Image,
    ImageDrawProps, InterpreterCache, InterpreterSettings, Paint, SoftMask,
};
use hayro::kurbo::{Affine, BezPath, Point, Rect};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{render_into, RenderCache, RenderSettings};
use std::collections::HashSet;
use std::sync::Arc;
use text::Placed;

/// The page count and the text layer of a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfInfo {
    /// Number of pages (at least one).
    pub pages: usize,
    /// The text of the first [`MAX_PDF_PAGES_SCANNED`] pages, lines split by
    /// `\n`, pages by a blank line; at most [`MAX_TEXT_CHARS`] characters,
    /// no control characters but `\n`. Empty when there is no text layer.
    ///
    /// Every glyph drawn counts, visible or not (the OCR layer under a
    /// scan); glyphs are grouped into lines by baseline, ordered left to
    /// right, and a space is put where the gap after a glyph's advance is
    /// wider than 0.15 em; a gap over 2.5 em starts a new line, so that
    /// side-by-side blocks do not run together. Only upright text is kept:
    /// rotated and vertical glyphs are dropped, as are glyphs without a
    /// Unicode value.
    pub text: String,
}

/// The page count and text layer, from one parse.
///
/// Errors: [`DocError::TooLarge`] (bytes, decompressed size),
/// [`DocError::PdfEncrypted`] (a password other than the empty one is
/// needed, or the encryption is not supported), [`DocError::PdfTooComplex`]
/// (the pages read would run more than [`MAX_PDF_OPERATIONS`] operators, or
/// nest forms too deep), [`DocError::PdfCorrupt`] (anything else, a PDF
/// without pages included).
pub fn pdf_info(bytes: &[u8]) -> Result<PdfInfo, DocError> {
    pdf_info_until(bytes, &|| false)
}

/// [`pdf_info`], giving up with [`DocError::Cancelled`] once `should_stop`
/// answers `true` (a deadline passed, the request went away, the server is
/// stopping). It is asked every thousand operators or so, never in a tight
/// loop; this crate reads no clock, so the deadline is the caller's.
pub fn pdf_info_until(bytes: &[u8], should_stop: &dyn Fn() -> bool) -> Result<PdfInfo, DocError> {
    check_size(bytes)?;
    shielded(DocError::PdfCorrupt, || {
        let pdf = open(bytes)?;
        let pages = pdf.pages().len();
        let mut budget = Budget::new(should_stop);
        for page in pdf.pages().iter().take(MAX_PDF_PAGES_SCANNED) {
            budget.charge_page(page).map_err(stopped)?;
        }
        let text = extract_text(&pdf, MAX_PDF_PAGES_SCANNED, MAX_TEXT_CHARS, should_stop)?;
        Ok(PdfInfo { pages, text })
    })
}

/// The text layer of the first [`MAX_PDF_PAGES_SCANNED`] pages (see
/// [`PdfInfo::text`]); errors as [`pdf_info`].
pub fn pdf_text(bytes: &[u8]) -> Result<String, DocError> {
    pdf_info(bytes).map(|info| info.text)
}

/// The number of pages; errors as [`pdf_info`] (no page is interpreted,
/// so never [`DocError::PdfTooComplex`]).
pub fn pdf_page_count(bytes: &[u8]) -> Result<usize, DocError> {
    check_size(bytes)?;
    shielded(DocError::PdfCorrupt, || {
        open(bytes).map(|pdf| pdf.pages().len())
    })
}

/// The first page as a PNG, on white, `max_width` pixels wide (clamped to
/// `1..=`[`MAX_PREVIEW_WIDTH`]) unless that would make it more than twice
/// as high as wide, in which case it is `2 × max_width` high and narrower.
///
/// Errors as [`pdf_info`], and [`DocError::TooLarge`] when the page draws an
/// image of more than [`MAX_PDF_IMAGE_PIXELS`].
pub fn pdf_preview(bytes: &[u8], max_width: u32) -> Result<Vec<u8>, DocError> {
    pdf_preview_until(bytes, max_width, &|| false)
}

/// [`pdf_preview`], giving up with [`DocError::Cancelled`] once
/// `should_stop` answers `true` (see [`pdf_info_until`]). The flag is read
/// while the page is counted and probed; the final rendering, which `hayro`
/// does through a device of its own, cannot be interrupted, but it only
/// starts on a page whose count is within [`MAX_PDF_OPERATIONS`].
pub fn pdf_preview_until(
    bytes: &[u8],
    max_width: u32,
    should_stop: &dyn Fn() -> bool,
) -> Result<Vec<u8>, DocError> {
    check_size(bytes)?;
    shielded(DocError::PdfCorrupt, || {
        let pdf = open(bytes)?;
        let page = pdf.pages().first().ok_or(DocError::PdfCorrupt)?;
        Budget::new(should_stop)
            .charge_page(page)
            .map_err(stopped)?;
        let settings = InterpreterSettings::default();
        // A first pass that decodes nothing: how large are the images?
        let cache = InterpreterCache::new();
        let mut probe = Collector::new(0, should_stop);
        run(page, &cache, &settings, &mut probe);
        if probe.largest_image > MAX_PDF_IMAGE_PIXELS {
            return Err(DocError::TooLarge);
        }
        if should_stop() {
            return Err(DocError::Cancelled);
        }
        render_png(page, &settings, max_width)
    })
}

fn stopped(stop: Stop) -> DocError {
    match stop {
        Stop::TooComplex => DocError::PdfTooComplex,
        Stop::Cancelled => DocError::Cancelled,
    }
}

/// Whether `%PDF-` appears in the first 1,024 bytes.
pub(crate) fn has_pdf_header(bytes: &[u8]) -> bool {
    scan::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some()
}

/// Checks, then parses.
fn open(bytes: &[u8]) -> Result<Pdf, DocError> {
    if !has_pdf_header(bytes) {
        return Err(DocError::PdfCorrupt);
    }
    scan::check_raw(bytes)?;
    let pdf = Pdf::new(Arc::new(bytes.to_vec())).map_err(|e| match e {
        LoadPdfError::Decryption(_) => DocError::PdfEncrypted,
        LoadPdfError::Invalid => DocError::PdfCorrupt,
    })?;
    if scan::mentions_encryption(bytes) {
        scan::check_decrypted(&pdf)?;
    }
    if pdf.pages().is_empty() {
        return Err(DocError::PdfCorrupt);
    }
    Ok(pdf)
}

fn extract_text(
    pdf: &Pdf,
    max_pages: usize,
    max_chars: usize,
    should_stop: &dyn Fn() -> bool,
) -> Result<String, DocError> {
    let settings = InterpreterSettings::default();
    let cache = InterpreterCache::new();
    let mut out = String::new();
    let mut chars = 0;
    for page in pdf.pages().iter().take(max_pages) {
        if chars >= max_chars {
            break;
        }
        let mut collector = Collector::new(text::MAX_GLYPHS_PER_PAGE, should_stop);
        run(page, &cache, &settings, &mut collector);
        let page_text = text::layout(collector.glyphs, max_chars - chars);
        if page_text.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
            chars += 2;
        }
        chars += page_text.chars().count();
        out.push_str(&page_text);
    }
    // The separators may have taken us a little over.
    if chars > max_chars {
        out = out.chars().take(max_chars).collect();
    }
    Ok(out.trim_end().to_owned())
}

/// Interprets one page into `device`, in page space turned y-down (points).
fn run<'a>(
    page: &Page<'a>,
    cache: &InterpreterCache<'a>,
    settings: &InterpreterSettings,
    device: &mut Collector<'_>,
) {
    let (w, h) = page.render_dimensions();
    let bbox = Rect::new(0.0, 0.0, f64::from(w), f64::from(h));
    let mut ctx = Context::new(
        page.initial_transform(true).to_kurbo(),
        bbox,
        cache,
        page.xref(),
        settings.clone(),
    );
    interpret_page(page, &mut ctx, device);
}

fn render_png(
    page: &Page<'_>,
    settings: &InterpreterSettings,
    max_width: u32,
) -> Result<Vec<u8>, DocError> {
    let (pw, ph) = page.render_dimensions();
    let (pw, ph) = (f64::from(pw), f64::from(ph));
    if !(pw.is_finite() && ph.is_finite() && pw > 0.0 && ph > 0.0) {
        return Err(DocError::PdfCorrupt);
    }
    let max_w = f64::from(max_width.clamp(1, MAX_PREVIEW_WIDTH));
    let max_h = 2.0 * max_w;
    let scale = (max_w / pw).min(max_h / ph);
    let out_w = (pw * scale).round().clamp(1.0, max_w) as u16;
    let out_h = (ph * scale).round().clamp(1.0, max_h) as u16;
    let transform = Affine::scale_non_uniform(f64::from(out_w) / pw, f64::from(out_h) / ph)
        * page.initial_transform(true).to_kurbo();

    let cache = RenderCache::new();
    let mut ctx = RenderContext::new(out_w, out_h);
    render_into(
        page,
        &cache,
        settings,
        &RenderSettings::default(),
        &mut ctx,
        transform,
    );
    ctx.flush();
    let mut pixmap = Pixmap::new(out_w, out_h);
    ctx.render_with(
        &mut pixmap,
        &mut Resources::default(),
        RasterizerSettings {
            target_init: TargetInit::Clear(WHITE),
            ..Default::default()
        },
    );
    pixmap.into_png().map_err(|_| DocError::PdfCorrupt)
}

/// Collects glyphs (up to a number) and the size of the largest image.
///
/// As a probe (no glyphs wanted) it also walks into soft masks and tiling
/// patterns, which the renderer draws with images of their own; each once,
/// and not deeper than [`PROBE_DEPTH`].
///
/// Every call it receives is counted: past [`MAX_DEVICE_CALLS`] in one
/// pass, or when the caller's stop flag (read every
/// [`budget::POLL_EVERY`] calls) says so, it stops the interpreter by
/// unwinding with an [`Abort`] payload, which [`shielded`] turns into the
/// error. (`hayro`'s interpreter has no other way to stop from a device.)
/// The count made before interpreting ([`Budget`]) refuses what it can see;
/// this is the backstop for what it cannot, and the cancel point.
struct Collector<'s> {
    glyphs: Vec<Placed>,
    max_glyphs: usize,
    largest_image: u64,
    probing: bool,
    depth: u32,
    visited: HashSet<u128>,
    calls: u64,
    should_stop: &'s dyn Fn() -> bool,
}

/// How deep the probe follows masks and patterns inside masks and patterns.
const PROBE_DEPTH: u32 = 4;

/// The most device calls one interpretation pass may make: every
/// operator makes at most about two (a form's clip is pushed and popped).
const MAX_DEVICE_CALLS: u64 = 4 * MAX_PDF_OPERATIONS;

impl<'s> Collector<'s> {
    fn new(max_glyphs: usize, should_stop: &'s dyn Fn() -> bool) -> Self {
        Collector {
            glyphs: Vec::new(),
            max_glyphs,
            largest_image: 0,
            probing: max_glyphs == 0,
            depth: 0,
            visited: HashSet::new(),
            calls: 0,
            should_stop,
        }
    }

    /// Counts one call; stops the interpretation when over budget or told to.
    fn tick(&mut self) {
        self.calls += 1;
        if self.calls > MAX_DEVICE_CALLS {
            std::panic::resume_unwind(Box::new(Abort(DocError::PdfTooComplex)));
        }
        if self.calls.is_multiple_of(budget::POLL_EVERY) && (self.should_stop)() {
            std::panic::resume_unwind(Box::new(Abort(DocError::Cancelled)));
        }
    }

    /// Whether to walk into the mask or pattern with this key.
    fn enter(&mut self, key: u128) -> bool {
        self.probing
            && self.depth < PROBE_DEPTH
            && self.visited.len() < 1_000
            && self.visited.insert(key)
    }

    fn probe_mask<'a>(&mut self, mask: Option<&SoftMask<'a>>) {
        if let Some(mask) = mask {
            if self.enter(mask.cache_key()) {
                self.depth += 1;
                mask.interpret(self);
                self.depth -= 1;
            }
        }
    }

    fn probe_paint<'a>(&mut self, props: &DrawProps<'a>) {
        self.probe_mask(props.soft_mask.as_ref());
        if let Paint::Pattern(pattern) = &props.paint {
            if let Pattern::Tiling(tiling) = &**pattern {
                if self.enter(tiling.cache_key()) {
                    self.depth += 1;
                    let _ = tiling.interpret(self, props.transform, false);
                    self.depth -= 1;
                }
            }
        }
    }

    fn note_image(&mut self, dict: &Dict<'_>) {
        let side = |short: &[u8], long: &[u8]| {
            dict.get::<u32>(short)
                .or_else(|| dict.get::<u32>(long))
                .map_or(0, u64::from)
        };
        let pixels = side(b"W", b"Width").saturating_mul(side(b"H", b"Height"));
        self.largest_image = self.largest_image.max(pixels);
        // The soft mask is decoded too.
        if let Some(mask) = dict.get::<Stream<'_>>(b"SMask") {
            let mask = mask.dict();
            let w = mask.get::<u32>(b"Width").map_or(0, u64::from);
            let h = mask.get::<u32>(b"Height").map_or(0, u64::from);
            self.largest_image = self.largest_image.max(w.saturating_mul(h));
        }
    }
}

impl<'a> Device<'a> for Collector<'_> {
    fn draw_path(&mut self, _: &BezPath, props: DrawProps<'a>, _: &DrawMode) {
        self.tick();
        self.probe_paint(&props);
    }
    fn push_clip_path(&mut self, _: &ClipPath) {
        self.tick();
    }
    fn push_transparency_group(&mut self, _: f32, mask: Option<SoftMask<'a>>, _: BlendMode) {
        self.tick();
        self.probe_mask(mask.as_ref());
    }
    fn pop_clip(&mut self) {
        self.tick();
    }
    fn pop_transparency_group(&mut self) {
        self.tick();
    }

    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        self.tick();
        match &image {
            Image::Raster(r) => self.note_image(r.stream().dict()),
            Image::Stencil(s) => self.note_image(s.stream().dict()),
        }
        self.probe_mask(props.soft_mask.as_ref());
    }

    fn draw_glyph_run(
        &mut self,
        run: &hayro::hayro_interpret::font::GlyphRun<'_, 'a>,
        props: DrawProps<'a>,
        _: &DrawMode,
    ) {
        self.tick();
        if self.probing {
            self.probe_paint(&props);
            return;
        }
        for glyph in run.glyphs() {
            if self.glyphs.len() >= self.max_glyphs {
                return;
            }
            let Some(unicode) = glyph.as_unicode() else {
                continue;
            };
            let advance = match &**glyph {
                Glyph::Outline(outline) => outline.advance_width(),
                Glyph::Type3(_) => None,
            };
            let t = props.transform * glyph.transform();
            let origin = t * Point::ZERO;
            let up = t * Point::new(0.0, 1000.0) - origin;
            let size = up.hypot();
            let ahead = t * Point::new(f64::from(advance.unwrap_or(500.0)).max(1.0), 0.0) - origin;
            // Upright, left to right: the advance points right, the em up
            // (y grows downwards here).
            let horizontal = ahead.x > 0.0
                && ahead.y.abs() <= ahead.x * 0.1
                && up.y < 0.0
                && up.x.abs() <= -up.y * 0.1;
            let finite =
                size.is_finite() && size > 0.01 && origin.x.is_finite() && origin.y.is_finite();
            if !(horizontal && finite) {
                continue;
            }
            let end = if advance.is_some() {
                origin.x + ahead.x
            } else {
                origin.x + size * 0.5
            };
            let text = match unicode {
                hayro::hayro_interpret::hayro_cmap::BfString::Char(c) => text::GlyphText::Char(c),
                hayro::hayro_interpret::hayro_cmap::BfString::String(s) => {
                    text::GlyphText::Str(s.into())
                }
            };
            self.glyphs.push(Placed {
                x: origin.x,
                y: origin.y,
                end,
                size,
                text,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::{self as test_pdf, pdf, text_page};

    #[test]
    fn text_lines_in_reading_order() {
        let doc = pdf(&[text_page(&[
            (24.0, "Hello World"),
            (12.0, "second (line)"),
            (12.0, "ça va?"),
        ])]);
        assert_eq!(
            pdf_text(&doc),
            Ok("Hello World\nsecond (line)\nça va?".to_owned())
        );
        assert_eq!(pdf_page_count(&doc), Ok(1));
    }

    #[test]
    fn words_drawn_one_by_one_get_spaces_from_their_positions() {
        // Each word placed with its own Td, no space glyphs: the gaps make
        // the spaces. A TJ kerning adjustment makes none.
        let content = "BT /F1 12 Tf 72 700 Td (Data) Tj 30 0 Td (Science) Tj ET\n\
                       BT /F1 12 Tf 72 650 Td [(Ke) 20 (rning)] TJ ET\n";
        let doc = pdf(&[content.to_owned()]);
        assert_eq!(pdf_text(&doc), Ok("Data Science\nKerning".to_owned()));
    }

    #[test]
    fn pages_are_bounded_and_separated() {
        let pages: Vec<String> = (1..=5)
            .map(|i| text_page(&[(12.0, &format!("page {i}"))]))
            .collect();
        let doc = pdf(&pages);
        let info = pdf_info(&doc);
        assert_eq!(
            info,
            Ok(PdfInfo {
                pages: 5,
                text: "page 1\n\npage 2\n\npage 3".to_owned()
            })
        );
    }

    #[test]
    fn text_is_bounded() {
        let line = "x".repeat(100);
        let lines: Vec<(f64, &str)> = (0..80).map(|_| (4.0, line.as_str())).collect();
        let pages: Vec<String> = (0..3).map(|_| text_page(&lines)).collect();
        let text = pdf_text(&pdf(&pages)).unwrap_or_default();
        let n = text.chars().count();
        assert!((MAX_TEXT_CHARS - 2..=MAX_TEXT_CHARS).contains(&n), "{n}");
        assert!(text.starts_with(&line));
    }

    #[test]
    fn no_text_layer_is_empty_text() {
        let doc = pdf(&[test_pdf::rectangle_page()]);
        assert_eq!(pdf_text(&doc), Ok(String::new()));
    }

    #[test]
    fn rejects_non_pdfs() {
        for bytes in [&b""[..], b"hello", b"%PDF-1.4\n garbage garbage", b"%PDF-"] {
            assert_eq!(
                pdf_text(bytes).map_err(|e| e.code()),
                Err("pdf_corrupt"),
                "{bytes:?}"
            );
            assert_eq!(
                pdf_preview(bytes, 100).map_err(|e| e.code()),
                Err("pdf_corrupt")
            );
            assert_eq!(
                pdf_page_count(bytes).map_err(|e| e.code()),
                Err("pdf_corrupt")
            );
        }
    }
}
