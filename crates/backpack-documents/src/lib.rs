//! Certificates that learners upload from elsewhere (Coursera, edX, Canvas
//! Network, Cognitive Class, …) as PDF, PNG or JPEG: what the server needs to
//! show and prefill them. Pure: bytes in, values out (no I/O, no clock, no
//! async, no global state).
//!
//! - [`pdf_info`] / [`pdf_text`] / [`pdf_page_count`]: the text layer of the
//!   first [`MAX_PDF_PAGES_SCANNED`] pages (at most [`MAX_TEXT_CHARS`]
//!   characters; empty when the PDF is a scan without a text layer) and the
//!   page count.
//! - [`pdf_preview`]: the first page as a PNG at most `max_width` pixels wide.
//! - [`image_info`]: kind and size of a PNG or JPEG read from its header
//!   alone, refusing decompression bombs before any pixel is decoded;
//!   [`image_preview`]: a PNG thumbnail.
//! - [`recognise`]: a [`Prefill`] (platform, title, learner, date,
//!   verification URL, credential id) guessed from a certificate's text.
//! - [`sniff`]: PDF, PNG or JPEG by magic bytes.
//!
//! # Choice of libraries
//!
//! One PDF library does both jobs: [`hayro`] (pure Rust, `unsafe` forbidden)
//! renders the preview, and its interpreter (`hayro-interpret`) hands every
//! drawn glyph to a `Device` with its position and its Unicode value
//! (`ToUnicode` map, then the glyph name through the Adobe Glyph List), so
//! the text layer comes from the same parse, through a small text device
//! that orders glyphs into lines and words (see [`PdfInfo::text`]).
//! `pdf-extract` would add a second PDF parser (`lopdf`) with its own font,
//! CMap and encoding crates for no gain, and unwraps freely (about a hundred
//! `unwrap`/`expect`/`panic!` in its one source file), which matters for
//! uploads; `lopdf` alone has no font decoding, so no text.
//! `hayro`'s `embed-fonts` feature is kept: it supplies the standard 14 fonts
//! (Helvetica, Times, …) that PDFs may use without embedding, needed both to
//! draw them and to map their glyphs to text. `embed-cmaps` (legacy CJK
//! CMaps, ~400 KB) is left out. Images use the `image` crate with the `png`
//! and `jpeg` codecs only; `hayro` itself already depends on `image` with
//! `png`, and `flate2` is already in the tree through `hayro-syntax`.
//!
//! # Robustness
//!
//! Every entry point accepts any bytes: inputs over [`MAX_DOCUMENT_BYTES`]
//! are refused at once, library calls run under `catch_unwind` (a panic in a
//! decoder becomes [`DocError::PdfCorrupt`] or [`DocError::ImageCorrupt`]),
//! and work is bounded: pages scanned, glyphs kept, characters returned,
//! preview pixels, image pixels and decoder allocations. Before a PDF page
//! is interpreted, the operators it would run are counted through every
//! nested form XObject (a form drawing a form ten times, nine levels deep,
//! is 10⁹ draws from a few kilobytes), and a page over
//! [`MAX_PDF_OPERATIONS`] or nested deeper than [`MAX_PDF_NESTING`] is
//! refused ([`DocError::PdfTooComplex`]); the interpretation passes count
//! again as they go, and [`pdf_info_until`] / [`pdf_preview_until`] take a
//! stop flag from the caller (its deadline, its cancellation: this crate
//! reads no clock). Before a PDF is
//! parsed, every stream's filter chain is run through counting decoders so
//! that a document whose streams would inflate past
//! [`MAX_PDF_DECODED_BYTES`] (a zip bomb inside a PDF) is refused, and an
//! image drawn on the previewed page that is larger than
//! [`MAX_PDF_IMAGE_PIXELS`] is refused before it is decoded. `catch_unwind`
//! needs `panic = "unwind"`, the default, which the workspace keeps.
//!
//! Everything here is CPU-bound and synchronous (a certificate page renders
//! in tens of milliseconds, a large scan in a second or two): from async
//! code, call it on a blocking thread (`tokio::task::spawn_blocking`).

mod error;
mod images;
mod pdf;
mod recognise;

/// Small PDFs written by hand (Helvetica text, computed xref): the demo
/// data and the tests use them; nothing here reads outside input.
pub mod samples;

pub use error::DocError;
pub use images::{
    image_info, image_info_with, image_preview, image_preview_with, ImageInfo, ImageKind,
    ImageLimits,
};
pub use pdf::{
    pdf_info, pdf_info_until, pdf_page_count, pdf_preview, pdf_preview_until, pdf_text, PdfInfo,
};
pub use recognise::{
    recognise, Platform, Prefill, MAX_ID_CHARS, MAX_NAME_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS,
};

use std::panic::{catch_unwind, AssertUnwindSafe};

/// The largest document, in bytes, that any entry point accepts (20 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// How many pages, from the first, [`pdf_text`] reads.
pub const MAX_PDF_PAGES_SCANNED: usize = 3;

/// The most characters [`pdf_text`] returns, and that [`recognise`] reads.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// The most bytes all the streams of one PDF may decode to (256 MiB).
pub const MAX_PDF_DECODED_BYTES: u64 = 256 * 1024 * 1024;

/// The most content-stream operators the pages that one call reads may run
/// (the first [`MAX_PDF_PAGES_SCANNED`] for the text, the first for a
/// preview), counted through every form XObject, soft mask, tiling pattern,
/// Type 3 glyph and annotation appearance each time it is drawn: a form
/// drawn ten times counts ten times. A certificate runs a few thousand;
/// a busy vector page, tens of thousands. About a second of rendering.
pub const MAX_PDF_OPERATIONS: u64 = 300_000;

/// How deep form XObjects (and patterns, masks, Type 3 glyphs) may nest
/// inside one another. `hayro` itself stops at 50, silently.
pub const MAX_PDF_NESTING: usize = 12;

/// The largest image, in pixels, that may be drawn on a previewed PDF page.
pub const MAX_PDF_IMAGE_PIXELS: u64 = 40_000_000;

/// The widest preview [`pdf_preview`] and [`image_preview`] produce; larger
/// requests are clamped to it.
pub const MAX_PREVIEW_WIDTH: u32 = 2_000;

/// What a file is, by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// `%PDF-` within the first 1,024 bytes (as readers tolerate).
    Pdf,
    /// The eight-byte PNG signature.
    Png,
    /// `FF D8 FF`.
    Jpeg,
}

impl DocumentKind {
    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::Png => "image/png",
            DocumentKind::Jpeg => "image/jpeg",
        }
    }
}

/// What a file is, by its magic bytes; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<DocumentKind> {
    if bytes.starts_with(images::PNG_SIGNATURE) {
        Some(DocumentKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(DocumentKind::Jpeg)
    } else if pdf::has_pdf_header(bytes) {
        Some(DocumentKind::Pdf)
    } else {
        None
    }
}

/// Refuses inputs over [`MAX_DOCUMENT_BYTES`].
fn check_size(bytes: &[u8]) -> Result<(), DocError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        Err(DocError::TooLarge)
    } else {
        Ok(())
    }
}

/// The payload with which a device stops `hayro`'s interpreter, which has
/// no other way out: see the PDF `Collector`. [`shielded`] turns it into
/// its error.
pub(crate) struct Abort(pub(crate) DocError);

/// Runs `f`, turning a panic into `on_panic` (and an [`Abort`] into its
/// error).
fn shielded<T>(on_panic: DocError, f: impl FnOnce() -> Result<T, DocError>) -> Result<T, DocError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => match payload.downcast_ref::<Abort>() {
            Some(Abort(e)) => Err(*e),
            None => Err(on_panic),
        },
    }
}

/// Drops control characters (keeping `\n` when `keep_newlines`), expands
/// the common Latin ligatures that PDF text layers carry, and maps the
/// Unicode line and paragraph separators to `\n`.
pub(crate) fn clean_char(c: char, keep_newlines: bool, out: &mut String) {
    match c {
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push(if keep_newlines { '\n' } else { ' ' }),
        '\t' | '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{3000}' => out.push(' '),
        '\u{fb00}' => out.push_str("ff"),
        '\u{fb01}' => out.push_str("fi"),
        '\u{fb02}' => out.push_str("fl"),
        '\u{fb03}' => out.push_str("ffi"),
        '\u{fb04}' => out.push_str("ffl"),
        '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
        // Zero-width and bidi controls, the BOM, soft hyphen.
        '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{feff}'
        | '\u{ad}' => {}
        c if c.is_control() => {}
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(DocumentKind::Pdf));
        assert_eq!(sniff(b"junk\n%PDF-1.4\n"), Some(DocumentKind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(DocumentKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(DocumentKind::Jpeg));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(DocumentKind::Pdf.mime(), "application/pdf");
    }

    #[test]
    fn shielded_turns_panics_into_errors() {
        let r: Result<(), DocError> = shielded(DocError::ImageCorrupt, || {
            let v: Vec<u8> = Vec::new();
            let _ = v[3];
            Ok(())
        });
        assert_eq!(r, Err(DocError::ImageCorrupt));
        assert_eq!(shielded(DocError::ImageCorrupt, || Ok(5)), Ok(5));
        let r: Result<(), DocError> = shielded(DocError::PdfCorrupt, || {
            std::panic::resume_unwind(Box::new(Abort(DocError::Cancelled)))
        });
        assert_eq!(r, Err(DocError::Cancelled));
    }

    #[test]
    fn size_limit() {
        assert_eq!(check_size(&[]), Ok(()));
        let big = vec![0u8; MAX_DOCUMENT_BYTES + 1];
        assert_eq!(check_size(&big), Err(DocError::TooLarge));
    }

    #[test]
    fn cleans_characters() {
        let mut s = String::new();
        for c in "a\u{0}b\u{fb01}c\td\u{200b}e\nf\u{ad}".chars() {
            clean_char(c, true, &mut s);
        }
        assert_eq!(s, "abfic de\nf");
        let mut s = String::new();
        for c in "x\ny".chars() {
            clean_char(c, false, &mut s);
        }
        assert_eq!(s, "x y");
    }
}
