//! End to end: generated PDFs and images through the public API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backpack_documents::samples as test_pdf;

use backpack_documents::{
    image_info, image_preview, pdf_info, pdf_info_until, pdf_page_count, pdf_preview,
    pdf_preview_until, pdf_text, recognise, sniff, DocError, DocumentKind, ImageInfo, ImageKind,
    Platform, Prefill, MAX_DOCUMENT_BYTES,
};
use flate2::write::ZlibEncoder;
use flate2::Compression;
use image::{DynamicImage, GenericImageView, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use std::cell::Cell;
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};
use test_pdf::{pdf, pdf_sized, text_page, Builder, COURSERA_LINES, EDX_LINES};

fn code<T>(r: Result<T, DocError>) -> Result<T, &'static str> {
    r.map_err(|e| e.code())
}

fn decode_png(bytes: &[u8]) -> DynamicImage {
    assert_eq!(sniff(bytes), Some(DocumentKind::Png));
    match image::load_from_memory_with_format(bytes, ImageFormat::Png) {
        Ok(img) => img,
        Err(e) => panic!("not a PNG: {e}"),
    }
}

fn is_white(p: Rgba<u8>) -> bool {
    p.0[..3].iter().all(|&c| c > 240)
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    e.write_all(data)
        .map_err(|e| e.to_string())
        .unwrap_or_default();
    e.finish().unwrap_or_default()
}

/// A deterministic byte generator (xorshift), for "random" input.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

thread_local! {
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Counts panics on this thread, including those the library catches, so
/// that a test can tell "refused" from "refused after a panic".
fn count_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.with(|p| p.set(p.get() + 1));
        previous(info);
    }));
}

fn panics_so_far() -> usize {
    PANICS.with(Cell::get)
}

// ---------------------------------------------------------------- PDF text

#[test]
fn coursera_like_pdf_text_and_prefill() {
    let doc = pdf(&[text_page(&COURSERA_LINES)]);
    let text = pdf_text(&doc);
    let expected: Vec<&str> = COURSERA_LINES.iter().map(|(_, l)| *l).collect();
    assert_eq!(text, Ok(expected.join("\n")));
    assert_eq!(
        recognise(&text.unwrap_or_default()),
        Prefill {
            platform: Some(Platform::Coursera),
            title: Some("Machine Learning".into()),
            learner_name: Some("Jane Q. Learner".into()),
            date: Some("2024-01-05".into()),
            verification_url: Some("https://coursera.org/verify/ABCD1234EFGH".into()),
            credential_id: Some("ABCD1234EFGH".into()),
        }
    );
}

#[test]
fn edx_like_pdf_text_and_prefill() {
    let doc = pdf(&[text_page(&EDX_LINES)]);
    let info = pdf_info(&doc);
    let Ok(info) = info else {
        panic!("{info:?}");
    };
    assert_eq!(info.pages, 1);
    assert!(info
        .text
        .contains("John Smith\nsuccessfully completed and received a passing grade in\n"));
    assert_eq!(
        recognise(&info.text),
        Prefill {
            platform: Some(Platform::Edx),
            title: Some("CS50x: Introduction to Computer Science".into()),
            learner_name: Some("John Smith".into()),
            date: Some("2023-09-05".into()),
            verification_url: Some(
                "https://courses.edx.org/certificates/0a1b2c3d4e5f67890a1b2c3d4e5f6789".into()
            ),
            credential_id: Some("0a1b2c3d4e5f67890a1b2c3d4e5f6789".into()),
        }
    );
}

#[test]
fn compressed_content_and_two_column_layout() {
    // A landscape certificate, content Flate-compressed, a date at the
    // bottom left and a signature block at the bottom right on the same
    // baseline, drawn right block first.
    let content = "BT /F2 28 Tf 1 0 0 1 150 420 Tm (Certificate of Completion) Tj ET\n\
                   BT /F1 12 Tf 1 0 0 1 560 100 Tm (Course Director) Tj ET\n\
                   BT /F1 12 Tf 1 0 0 1 80 100 Tm (Issued 2024-02-29) Tj ET\n";
    let mut b = Builder::new();
    let catalog = b.reserve();
    let pages = b.reserve();
    let f1 = b.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    let f2 = b.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>");
    let stream = b.stream("/Filter /FlateDecode", &zlib(content.as_bytes()));
    let page = b.add(format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 792 612] \
         /Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> >> /Contents {stream} 0 R >>"
    ));
    b.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
    b.set(
        pages,
        format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"),
    );
    let doc = b.finish(catalog, "");
    assert_eq!(
        pdf_text(&doc),
        Ok("Certificate of Completion\nIssued 2024-02-29\nCourse Director".to_owned())
    );
    assert_eq!(
        recognise(&pdf_text(&doc).unwrap_or_default())
            .date
            .as_deref(),
        Some("2024-02-29")
    );
}

#[test]
fn pdf_without_text_layer() {
    let doc = pdf(&[test_pdf::rectangle_page()]);
    assert_eq!(pdf_text(&doc), Ok(String::new()));
    assert_eq!(pdf_page_count(&doc), Ok(1));
    assert!(recognise("").is_empty());
    assert_eq!(
        recognise(&pdf_text(&doc).unwrap_or_default()),
        Prefill::default()
    );
}

#[test]
fn page_count_counts_every_page() {
    let pages: Vec<String> = (0..7)
        .map(|i| text_page(&[(12.0, &format!("p{i}"))]))
        .collect();
    assert_eq!(pdf_page_count(&pdf(&pages)), Ok(7));
}

// ------------------------------------------------------------- PDF preview

#[test]
fn preview_is_a_png_of_the_requested_width_with_the_text_drawn() {
    let doc = pdf(&[text_page(&COURSERA_LINES)]);
    let png = pdf_preview(&doc, 306);
    let Ok(png) = png else {
        panic!("{png:?}");
    };
    let img = decode_png(&png);
    // US Letter 612 × 792 pt at half scale.
    assert_eq!(img.dimensions(), (306, 396));
    // The top-right corner is blank; the first line's area (72 pt from the
    // left, 720 pt from the bottom: around x 36–90, y 30–40) is not.
    assert!(is_white(img.get_pixel(300, 5)));
    let inked = (36..90)
        .flat_map(|x| (28..42).map(move |y| (x, y)))
        .filter(|&(x, y)| !is_white(img.get_pixel(x, y)))
        .count();
    assert!(
        inked > 20,
        "only {inked} dark pixels where the date is drawn"
    );
    // And the page is mostly white.
    let white = img.pixels().filter(|(_, _, p)| is_white(*p)).count();
    assert!(white > (306 * 396) * 8 / 10);
}

#[test]
fn preview_draws_shapes_and_keeps_the_aspect_ratio() {
    // A 300 × 200 black rectangle at (100, 100) on a 612 × 792 page.
    let doc = pdf(&[test_pdf::rectangle_page()]);
    let Ok(png) = pdf_preview(&doc, 612) else {
        panic!("no preview");
    };
    let img = decode_png(&png);
    assert_eq!(img.dimensions(), (612, 792));
    // Inside the rectangle (y counted from the top): black.
    assert_eq!(img.get_pixel(250, 792 - 200).0[..3], [0, 0, 0]);
    assert!(is_white(img.get_pixel(50, 50)));

    // A tall page is capped at twice the width in height.
    let doc = pdf_sized(&[test_pdf::rectangle_page()], 100.0, 1000.0);
    let Ok(png) = pdf_preview(&doc, 200) else {
        panic!("no preview");
    };
    assert_eq!(decode_png(&png).dimensions(), (40, 400));

    // Requests are clamped.
    let Ok(png) = pdf_preview(&doc, 0) else {
        panic!("no preview");
    };
    assert_eq!(decode_png(&png).width(), 1);
}

// ------------------------------------------------------------ corrupt PDFs

#[test]
fn corrupt_pdfs_are_pdf_corrupt() {
    let good = pdf(&[text_page(&COURSERA_LINES)]);
    let truncated = &good[..good.len() / 3];
    let mut header_then_garbage = b"%PDF-1.7\n".to_vec();
    header_then_garbage.extend(noise(7, 5_000));
    let random = noise(42, 10_000);
    for (what, bytes) in [
        ("truncated", truncated.to_vec()),
        ("header then garbage", header_then_garbage),
        ("random", random),
        ("empty", Vec::new()),
        ("just a header", b"%PDF-1.4\n%%EOF\n".to_vec()),
    ] {
        assert_eq!(code(pdf_text(&bytes)), Err("pdf_corrupt"), "{what}");
        assert_eq!(code(pdf_page_count(&bytes)), Err("pdf_corrupt"), "{what}");
        assert_eq!(code(pdf_preview(&bytes, 200)), Err("pdf_corrupt"), "{what}");
    }
}

#[test]
fn truncations_and_bit_flips_never_panic() {
    count_panics();
    let good = pdf(&[text_page(&EDX_LINES), text_page(&COURSERA_LINES)]);
    let mut outcomes = [0usize; 2];
    for n in (0..good.len()).step_by(37) {
        let cut = &good[..n];
        for r in [pdf_text(cut).map(|_| ()), pdf_page_count(cut).map(|_| ())] {
            match r {
                Ok(()) => outcomes[0] += 1,
                Err(DocError::PdfCorrupt) => outcomes[1] += 1,
                Err(e) => panic!("truncated at {n}: unexpected {e:?}"),
            }
        }
    }
    for n in (0..good.len()).step_by(37) {
        let mut flipped = good.clone();
        flipped[n] ^= 0x5A;
        let r = pdf_info(&flipped);
        assert!(
            matches!(r, Ok(_) | Err(DocError::PdfCorrupt)),
            "flip at {n}: {r:?}"
        );
    }
    // Previews of a few truncations, each rendered.
    for n in (good.len() / 2..good.len()).step_by(good.len() / 8) {
        let r = pdf_preview(&good[..n], 64);
        assert!(
            matches!(r, Ok(_) | Err(DocError::PdfCorrupt)),
            "preview of {n}: {r:?}"
        );
    }
    assert!(outcomes[1] > 0, "some truncations must be refused");
    assert_eq!(panics_so_far(), 0, "the library panicked (and caught it)");
}

#[test]
fn password_protected_pdf_is_pdf_encrypted() {
    // Standard security handler, revision 3, with an owner and user
    // password that the empty password does not open.
    let mut b = Builder::new();
    let catalog = b.reserve();
    let pages = b.reserve();
    let stream = b.stream("", b"BT /F1 12 Tf 72 700 Td (secret) Tj ET");
    let page = b.add(format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 612 792] /Contents {stream} 0 R >>"
    ));
    b.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
    b.set(
        pages,
        format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"),
    );
    let hex32 = "<".to_owned() + &"7A".repeat(32) + ">";
    let encrypt = b.add(format!(
        "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O {hex32} /U {hex32} >>"
    ));
    let id = "<00112233445566778899AABBCCDDEEFF>";
    let doc = b.finish(catalog, &format!("/Encrypt {encrypt} 0 R /ID [{id} {id}]"));
    assert_eq!(code(pdf_text(&doc)), Err("pdf_encrypted"));
    assert_eq!(code(pdf_preview(&doc, 100)), Err("pdf_encrypted"));
}

// ------------------------------------------------------------ limits, bombs

#[test]
fn oversized_inputs_are_refused_at_once() {
    let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
    assert_eq!(code(pdf_text(&big)), Err("too_large"));
    assert_eq!(code(pdf_page_count(&big)), Err("too_large"));
    assert_eq!(code(pdf_preview(&big, 100)), Err("too_large"));
    assert_eq!(code(image_info(&big)), Err("too_large"));
    assert_eq!(code(image_preview(&big, 100)), Err("too_large"));
}

#[test]
fn pdf_flate_bomb_is_refused_before_parsing() {
    // 300 MiB of zeros in about 300 KB, as a page's content stream.
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..300 {
        let _ = e.write_all(&chunk);
    }
    let bomb = e.finish().unwrap_or_default();
    assert!(bomb.len() < 1 << 20);
    let mut b = Builder::new();
    let catalog = b.reserve();
    let pages = b.reserve();
    let stream = b.stream("/Filter /FlateDecode", &bomb);
    let page = b.add(format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 612 792] /Contents {stream} 0 R >>"
    ));
    b.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
    b.set(
        pages,
        format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"),
    );
    let doc = b.finish(catalog, "");
    assert_eq!(code(pdf_text(&doc)), Err("too_large"));
    assert_eq!(code(pdf_preview(&doc, 100)), Err("too_large"));
}

/// Calls [`pdf_info_until`] and [`pdf_preview_until`] with a stop flag
/// that counts how often it is read (the library reads it about every
/// thousand operators, so the count measures the work done) and answers
/// `stop_after` (never, if `None`) past that many reads.
fn counted(
    doc: &[u8],
    stop_after: Option<usize>,
) -> (Result<String, DocError>, Result<usize, DocError>, usize) {
    let reads = Cell::new(0usize);
    let should_stop = || {
        reads.set(reads.get() + 1);
        stop_after.is_some_and(|n| reads.get() > n)
    };
    let text = pdf_info_until(doc, &should_stop).map(|i| i.text);
    let preview = pdf_preview_until(doc, 200, &should_stop).map(|p| p.len());
    (text, preview, reads.get())
}

#[test]
fn nested_form_bombs_are_refused_with_bounded_work() {
    // Fan-out 10: 10^7 and 10^9 fills from a few kilobytes (the audit's
    // files: 42 s, and a core at 100 % until SIGKILL).
    for depth in [7, 9] {
        let doc = test_pdf::form_bomb(10, depth);
        assert!(doc.len() < 5_000, "{}", doc.len());
        assert_eq!(code(pdf_text(&doc)), Err("pdf_too_complex"), "10^{depth}");
        assert_eq!(
            code(pdf_preview(&doc, 200)),
            Err("pdf_too_complex"),
            "10^{depth}"
        );
        assert_eq!(code(pdf_page_count(&doc)), Ok(1));
        let (text, preview, reads) = counted(&doc, None);
        assert_eq!(text, Err(DocError::PdfTooComplex));
        assert_eq!(preview, Err(DocError::PdfTooComplex));
        // Refused from the count, before interpreting: the interpreter
        // would have read the flag a million times.
        assert!(
            reads <= 2,
            "10^{depth}: the stop flag was read {reads} times"
        );
    }
}

#[test]
fn forms_nested_too_deep_are_refused() {
    // One call per level, 21 levels: little drawing, but deeper than any
    // certificate nests (hayro alone goes 50 deep).
    let doc = test_pdf::form_bomb(1, 20);
    assert_eq!(code(pdf_text(&doc)), Err("pdf_too_complex"));
    assert_eq!(code(pdf_preview(&doc, 100)), Err("pdf_too_complex"));
    assert_eq!(
        pdf_text(&test_pdf::form_bomb(1, 8)),
        Ok("Certificate of nothing".to_owned())
    );
}

#[test]
fn modest_form_nesting_is_read_and_drawn() {
    // 10^3 fills through four levels of forms: well within the budget.
    let doc = test_pdf::form_bomb(10, 3);
    assert_eq!(pdf_text(&doc), Ok("Certificate of nothing".to_owned()));
    let png = pdf_preview(&doc, 200).unwrap();
    let img = decode_png(&png);
    assert!(img.pixels().any(|(_, _, p)| !is_white(p)));
    let (text, preview, _) = counted(&doc, None);
    assert_eq!(text, Ok("Certificate of nothing".to_owned()));
    assert!(preview.is_ok());
}

#[test]
fn the_stop_flag_cancels_the_work() {
    // 10^4 fills: under the budget, but enough for the flag to be read.
    let doc = test_pdf::form_bomb(10, 4);
    let (text, preview, reads) = counted(&doc, Some(3));
    assert_eq!(text, Err(DocError::Cancelled));
    assert_eq!(preview, Err(DocError::Cancelled));
    // Stopped at the first read past three, in each call.
    assert!(reads <= 10, "{reads}");
    // Not stopped: read in full, the flag read as the work went.
    let (text, preview, reads) = counted(&doc, None);
    assert_eq!(text, Ok("Certificate of nothing".to_owned()));
    assert!(preview.is_ok());
    assert!(reads > 20, "{reads}");
    assert_eq!(DocError::Cancelled.code(), "cancelled");
}

#[test]
fn huge_image_on_a_pdf_page_is_not_decoded() {
    // An image XObject claiming 100,000 × 100,000 pixels, with 3 bytes of
    // data, drawn full-page, under some text.
    let mut b = Builder::new();
    let catalog = b.reserve();
    let pages = b.reserve();
    let f1 = b.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    let img = b.stream(
        "/Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace /DeviceRGB /BitsPerComponent 8",
        &[255, 0, 0],
    );
    let content = b.stream(
        "",
        b"q 612 0 0 792 0 0 cm /Im1 Do Q BT /F1 12 Tf 72 700 Td (Over the image) Tj ET",
    );
    let page = b.add(format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 612 792] \
         /Resources << /Font << /F1 {f1} 0 R >> /XObject << /Im1 {img} 0 R >> >> /Contents {content} 0 R >>"
    ));
    b.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
    b.set(
        pages,
        format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"),
    );
    let doc = b.finish(catalog, "");
    let start = Instant::now();
    assert_eq!(code(pdf_preview(&doc, 200)), Err("too_large"));
    // The text device never decodes images.
    assert_eq!(pdf_text(&doc), Ok("Over the image".to_owned()));
    assert!(start.elapsed() < Duration::from_secs(10));
}

/// A page whose only image, 100,000 × 100,000 pixels, hides inside a tiling
/// pattern's cell or a soft mask's group.
fn image_hidden_in(place: &str) -> Vec<u8> {
    let mut b = Builder::new();
    let catalog = b.reserve();
    let pages = b.reserve();
    let img = b.stream(
        "/Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace /DeviceGray /BitsPerComponent 8",
        &[128],
    );
    let (resources, content) = if place == "pattern" {
        let pattern = b.stream(
            &format!(
                "/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 100 100] \
                 /XStep 100 /YStep 100 /Resources << /XObject << /Im1 {img} 0 R >> >>"
            ),
            b"q 100 0 0 100 0 0 cm /Im1 Do Q",
        );
        (
            format!("/Pattern << /P1 {pattern} 0 R >>"),
            "/Pattern cs /P1 scn 0 0 612 792 re f".to_owned(),
        )
    } else {
        let group = b.stream(
            &format!(
                "/Type /XObject /Subtype /Form /BBox [0 0 612 792] \
                 /Group << /S /Transparency /CS /DeviceGray >> /Resources << /XObject << /Im1 {img} 0 R >> >>"
            ),
            b"q 612 0 0 792 0 0 cm /Im1 Do Q",
        );
        (
            format!("/ExtGState << /GS1 << /SMask << /Type /Mask /S /Luminosity /G {group} 0 R >> >> >>"),
            "/GS1 gs 0 0 1 rg 0 0 612 792 re f".to_owned(),
        )
    };
    let content = b.stream("", content.as_bytes());
    let page = b.add(format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 612 792] /Resources << {resources} >> /Contents {content} 0 R >>"
    ));
    b.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
    b.set(
        pages,
        format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"),
    );
    b.finish(catalog, "")
}

#[test]
fn huge_images_inside_patterns_and_masks_are_found() {
    assert_eq!(
        code(pdf_preview(&image_hidden_in("pattern"), 100)),
        Err("too_large")
    );
    assert_eq!(
        code(pdf_preview(&image_hidden_in("mask"), 100)),
        Err("too_large")
    );
    assert_eq!(pdf_text(&image_hidden_in("mask")), Ok(String::new()));
    // An inline image.
    let inline = "q 612 0 0 792 0 0 cm BI /W 100000 /H 100000 /CS /G /BPC 8 ID x EI Q".to_owned();
    assert_eq!(code(pdf_preview(&pdf(&[inline]), 100)), Err("too_large"));
}

// ----------------------------------------------------------------- images

fn png_header_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend_from_slice(&13u32.to_be_bytes());
    v.extend_from_slice(&ihdr);
    v.extend_from_slice(&crc32fast_like(&ihdr).to_be_bytes());
    // An IDAT of ~1 KB of zlib'ed zeros: a real bomb's opening.
    let idat = zlib(&[0u8; 100_000]);
    v.extend_from_slice(&(idat.len() as u32).to_be_bytes());
    v.extend_from_slice(b"IDAT");
    v.extend_from_slice(&idat);
    v.extend_from_slice(&0u32.to_be_bytes());
    v
}

/// CRC-32 (IEEE), bitwise: enough for one header.
fn crc32fast_like(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn png_bomb_is_refused_from_its_header() {
    let bomb = png_header_claiming(50_000, 50_000);
    assert!(bomb.len() < 2_000);
    let start = Instant::now();
    assert_eq!(code(image_info(&bomb)), Err("image_too_large"));
    assert_eq!(code(image_preview(&bomb, 200)), Err("image_too_large"));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    if let Err(e) = img.write_to(&mut out, format) {
        panic!("encoding: {e}");
    }
    out.into_inner()
}

fn gradient(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    }))
}

#[test]
fn png_and_jpeg_thumbnails() {
    let png = encode(&gradient(1200, 800), ImageFormat::Png);
    assert_eq!(
        image_info(&png),
        Ok(ImageInfo {
            kind: ImageKind::Png,
            width: 1200,
            height: 800
        })
    );
    let Ok(thumb) = image_preview(&png, 300) else {
        panic!("no PNG thumbnail");
    };
    let t = decode_png(&thumb);
    assert_eq!(t.dimensions(), (300, 200));
    // Colours survive: red grows left to right.
    assert!(t.get_pixel(290, 100).0[0] > t.get_pixel(10, 100).0[0] + 150);

    let jpeg = encode(&gradient(640, 960), ImageFormat::Jpeg);
    assert_eq!(
        image_info(&jpeg),
        Ok(ImageInfo {
            kind: ImageKind::Jpeg,
            width: 640,
            height: 960
        })
    );
    let Ok(thumb) = image_preview(&jpeg, 200) else {
        panic!("no JPEG thumbnail");
    };
    assert_eq!(decode_png(&thumb).dimensions(), (200, 300));

    // A small reduction goes through the Triangle filter.
    let Ok(thumb) = image_preview(&png, 1000) else {
        panic!("no thumbnail");
    };
    assert_eq!(decode_png(&thumb).dimensions(), (1000, 667));

    // Never enlarged; alpha kept.
    let small = DynamicImage::ImageRgba8(RgbaImage::from_pixel(40, 30, Rgba([10, 20, 30, 128])));
    let Ok(thumb) = image_preview(&encode(&small, ImageFormat::Png), 300) else {
        panic!("no thumbnail");
    };
    let t = decode_png(&thumb);
    assert_eq!(t.dimensions(), (40, 30));
    assert_eq!(t.get_pixel(5, 5), Rgba([10, 20, 30, 128]));
}

#[test]
fn damaged_images() {
    let png = encode(&gradient(100, 100), ImageFormat::Png);
    // The header is intact, the pixels are not.
    let mut broken = png[..40].to_vec();
    broken.extend(noise(3, 500));
    assert_eq!(code(image_info(&broken)).map(|i| i.width), Ok(100));
    assert_eq!(code(image_preview(&broken, 50)), Err("image_corrupt"));
    assert_eq!(
        code(image_preview(&png[..png.len() / 2], 50)),
        Err("image_corrupt")
    );

    let jpeg = encode(&gradient(100, 100), ImageFormat::Jpeg);
    for n in (2..jpeg.len()).step_by(53) {
        let r = image_preview(&jpeg[..n], 50);
        assert!(
            matches!(r, Ok(_) | Err(DocError::ImageCorrupt)),
            "cut at {n}: {r:?}"
        );
    }
    assert_eq!(code(image_info(b"GIF89a")), Err("unsupported"));
    assert_eq!(code(image_preview(&noise(9, 1000), 50)), Err("unsupported"));
    let pdf_bytes = pdf(&[text_page(&[(12.0, "x")])]);
    assert_eq!(code(image_info(&pdf_bytes)), Err("unsupported"));
    assert_eq!(sniff(&pdf_bytes), Some(DocumentKind::Pdf));
    assert_eq!(code(pdf_text(&png)), Err("pdf_corrupt"));
}

// ------------------------------------------------- encryption (RC4, 40-bit)

/// MD5 (RFC 1321), for building an encrypted PDF in the test.
fn md5(input: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((f64::from(i) + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut state = [0x6745_2301u32, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    let mut msg = input.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((input.len() as u64) * 8).to_le_bytes());
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut out = [0u8; 16];
    for (i, s) in state.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&s.to_le_bytes());
    }
    out
}

fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s: Vec<u8> = (0..=255).collect();
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, usize::from(j));
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|&byte| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[usize::from(i)]);
            s.swap(usize::from(i), usize::from(j));
            byte ^ s[usize::from(s[usize::from(i)].wrapping_add(s[usize::from(j)]))]
        })
        .collect()
}

const PASSWORD_PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A one-page PDF under the standard security handler, revision 2 (RC4,
/// 40-bit), opened by the empty user password; `content` is the page's
/// content stream, `filter` its dictionary entries.
fn encrypted_pdf(content: &[u8], filter: &str) -> Vec<u8> {
    let id = [0x11u8; 16];
    let p: i32 = -44;
    // The owner entry only matters to the owner password: any 32 bytes.
    let owner_key = &md5(b"owner-secret")[..5];
    let o = rc4(owner_key, &PASSWORD_PAD);
    let mut seed = PASSWORD_PAD.to_vec();
    seed.extend_from_slice(&o);
    seed.extend_from_slice(&p.to_le_bytes());
    seed.extend_from_slice(&id);
    let key = md5(&seed)[..5].to_vec();
    let u = rc4(&key, &PASSWORD_PAD);
    let object_key = |n: u32| {
        let mut k = key.clone();
        k.extend_from_slice(&n.to_le_bytes()[..3]);
        k.extend_from_slice(&[0, 0]);
        md5(&k)[..10].to_vec()
    };

    let mut b = Builder::new();
    let catalog = b.reserve();
    let pages = b.reserve();
    let f1 = b.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    let stream_number = 4;
    let stream = b.stream(filter, &rc4(&object_key(stream_number), content));
    assert_eq!(stream as u32, stream_number);
    let page = b.add(format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 612 792] \
         /Resources << /Font << /F1 {f1} 0 R >> >> /Contents {stream} 0 R >>"
    ));
    b.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
    b.set(
        pages,
        format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"),
    );
    let encrypt = b.add(format!(
        "<< /Filter /Standard /V 1 /R 2 /P {p} /O <{}> /U <{}> >>",
        hex(&o),
        hex(&u)
    ));
    b.finish(
        catalog,
        &format!("/Encrypt {encrypt} 0 R /ID [<{0}> <{0}>]", hex(&id)),
    )
}

#[test]
fn md5_and_rc4_are_right() {
    assert_eq!(hex(&md5(b"")), "D41D8CD98F00B204E9800998ECF8427E");
    assert_eq!(hex(&md5(b"abc")), "900150983CD24FB0D6963F7D28E17F72");
    assert_eq!(hex(&rc4(b"Key", b"Plaintext")), "BBF316E8D940AF0AD3");
}

#[test]
fn encrypted_with_the_empty_password_is_read() {
    let doc = encrypted_pdf(b"BT /F1 12 Tf 72 700 Td (Issued 2024-03-04) Tj ET", "");
    // The raw bytes hold no readable text.
    assert!(!doc.windows(6).any(|w| w == b"Issued"));
    assert_eq!(pdf_text(&doc), Ok("Issued 2024-03-04".to_owned()));
    assert!(pdf_preview(&doc, 100).is_ok());
}

#[test]
fn encrypted_flate_bomb_is_refused_after_decryption() {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..300 {
        let _ = e.write_all(&chunk);
    }
    let bomb = e.finish().unwrap();
    let doc = encrypted_pdf(&bomb, "/Filter /FlateDecode");
    assert_eq!(code(pdf_text(&doc)), Err("too_large"));
    // The same stream, small: read fine.
    let doc = encrypted_pdf(
        &zlib(b"BT /F1 12 Tf 72 700 Td (Small) Tj ET"),
        "/Filter /FlateDecode",
    );
    assert_eq!(pdf_text(&doc), Ok("Small".to_owned()));
}
