//! Hand-written PDFs for demo data and tests: objects, an xref table with
//! offsets computed here, the standard Helvetica font.

#![allow(clippy::new_without_default)]

/// A PDF under construction: objects are numbered from 1 in order.
pub struct Builder {
    objects: Vec<Vec<u8>>,
}

impl Builder {
    pub fn new() -> Self {
        Builder {
            objects: Vec::new(),
        }
    }

    /// Adds an object; returns its number.
    pub fn add(&mut self, body: impl Into<Vec<u8>>) -> usize {
        self.objects.push(body.into());
        self.objects.len()
    }

    /// Reserves a number, to be filled with [`Builder::set`].
    pub fn reserve(&mut self) -> usize {
        self.add(Vec::new())
    }

    pub fn set(&mut self, n: usize, body: impl Into<Vec<u8>>) {
        self.objects[n - 1] = body.into();
    }

    /// A stream object.
    pub fn stream(&mut self, dict_entries: &str, data: &[u8]) -> usize {
        let mut body =
            format!("<< /Length {} {} >>\nstream\n", data.len(), dict_entries).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.add(body)
    }

    /// The file, with `root` as the catalog and extra trailer entries.
    pub fn finish(&self, root: usize, trailer_extra: &str) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in self.objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", self.objects.len() + 1).as_bytes(),
        );
        for off in offsets {
            out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root {} 0 R {} >>\nstartxref\n{}\n%%EOF\n",
                self.objects.len() + 1,
                root,
                trailer_extra,
                xref
            )
            .as_bytes(),
        );
        out
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

/// A document whose pages have these content streams, on US Letter
/// (612 × 792 pt), with Helvetica as `/F1` and Helvetica-Bold as `/F2`.
pub fn pdf(pages: &[String]) -> Vec<u8> {
    pdf_sized(pages, 612.0, 792.0)
}

/// As [`pdf`], with another page size (points).
pub fn pdf_sized(pages: &[String], width: f64, height: f64) -> Vec<u8> {
    let mut b = Builder::new();
    let catalog = b.reserve();
    let pages_obj = b.reserve();
    let f1 =
        b.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    let f2 = b.add(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    );
    let mut kids = Vec::new();
    for content in pages {
        let stream = b.stream("", content.as_bytes());
        let page = b.add(format!(
            "<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {width} {height}] \
             /Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> >> /Contents {stream} 0 R >>"
        ));
        kids.push(format!("{page} 0 R"));
    }
    b.set(
        catalog,
        format!("<< /Type /Catalog /Pages {pages_obj} 0 R >>"),
    );
    b.set(
        pages_obj,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            kids.len()
        ),
    );
    b.finish(catalog, "")
}

/// Escapes a string for a PDF literal `( … )` in WinAnsi (Latin-1 here):
/// other characters become octal escapes, those beyond Latin-1 `?`.
pub fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if (c as u32) < 256 => out.push_str(&format!("\\{:03o}", c as u32)),
            _ => out.push('?'),
        }
    }
    out
}

/// A content stream drawing each `(font size, text)` line from the top,
/// left-aligned at 72 pt, one `Tj` per line.
pub fn text_page(lines: &[(f64, &str)]) -> String {
    let mut s = String::from("BT\n");
    let mut y = 720.0;
    for (size, text) in lines {
        s.push_str(&format!(
            "/F1 {size} Tf 1 0 0 1 72 {y} Tm ({}) Tj\n",
            escape(text)
        ));
        y -= size * 1.6;
    }
    s.push_str("ET\n");
    s
}

/// The Coursera-like certificate used across tests.
pub const COURSERA_LINES: [(f64, &str); 8] = [
    (12.0, "Jan 5, 2024"),
    (24.0, "Jane Q. Learner"),
    (12.0, "has successfully completed"),
    (20.0, "Machine Learning"),
    (10.0, "an online non-credit course authorized by Stanford University and offered through Coursera"),
    (12.0, "Andrew Ng"),
    (10.0, "Verify at coursera.org/verify/ABCD1234EFGH"),
    (8.0, "Coursera has confirmed the identity of this individual and their participation in the course."),
];

/// The edX-like certificate used across tests.
pub const EDX_LINES: [(f64, &str); 9] = [
    (18.0, "VERIFIED CERTIFICATE of Achievement"),
    (12.0, "This is to certify that"),
    (24.0, "John Smith"),
    (12.0, "successfully completed and received a passing grade in"),
    (20.0, "CS50x: Introduction to Computer Science"),
    (10.0, "a course of study offered by HarvardX, an online learning initiative of Harvard University."),
    (10.0, "Issued September 5, 2023"),
    (10.0, "Valid Certificate ID 0a1b2c3d4e5f67890a1b2c3d4e5f6789"),
    (8.0, "https://courses.edx.org/certificates/0a1b2c3d4e5f67890a1b2c3d4e5f6789"),
];

/// A page with a filled black rectangle and no text.
pub fn rectangle_page() -> String {
    "0 0 0 rg 100 100 300 200 re f\n".to_owned()
}

/// A PDF "billion laughs": form XObjects nested `depth` deep, each drawing
/// the next `fan_out` times, the innermost filling a small rectangle, so
/// that the page asks for `fan_out ^ depth` fills from a file of a few
/// kilobytes (10⁹ with `fan_out` 10 and `depth` 9). The page also shows a
/// line of text first. Only for tests of the work limit.
pub fn form_bomb(fan_out: usize, depth: usize) -> Vec<u8> {
    let mut b = Builder::new();
    let catalog = b.reserve();
    let pages = b.reserve();
    let font =
        b.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    let mut inner = b.stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10]",
        b"0 0 0 rg 1 1 2 2 re f",
    );
    for _ in 0..depth {
        let calls = "/X Do ".repeat(fan_out);
        inner = b.stream(
            &format!(
                "/Type /XObject /Subtype /Form /BBox [0 0 10 10] \
                 /Resources << /XObject << /X {inner} 0 R >> >>"
            ),
            format!("q {calls}Q").as_bytes(),
        );
    }
    let content = format!(
        "BT /F1 12 Tf 72 720 Td ({}) Tj ET\nq 10 0 0 10 72 400 cm /X Do Q\n",
        escape("Certificate of nothing")
    );
    let stream = b.stream("", content.as_bytes());
    let page = b.add(format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 612 792] \
         /Resources << /Font << /F1 {font} 0 R >> /XObject << /X {inner} 0 R >> >> \
         /Contents {stream} 0 R >>"
    ));
    b.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
    b.set(
        pages,
        format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"),
    );
    b.finish(catalog, "")
}
