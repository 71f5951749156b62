//! The one error type, with stable codes.

/// Why a document could not be read.
///
/// [`DocError::code`] is stable: the server maps it to a translated message
/// and may log it. The `Display` text is English, for logs only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    /// More bytes than [`crate::MAX_DOCUMENT_BYTES`], or a PDF whose streams
    /// would decompress to more than [`crate::MAX_PDF_DECODED_BYTES`] or hold
    /// an image larger than [`crate::MAX_PDF_IMAGE_PIXELS`].
    #[error("the document is too large")]
    TooLarge,
    /// Not a PDF we can read: damaged, truncated, or not a PDF at all.
    #[error("the PDF is damaged or is not a PDF")]
    PdfCorrupt,
    /// The PDF needs a password (an empty one is tried).
    #[error("the PDF is password-protected")]
    PdfEncrypted,
    /// Not a PNG or JPEG we can decode: damaged or truncated.
    #[error("the image is damaged")]
    ImageCorrupt,
    /// The image is wider, taller or has more pixels than allowed
    /// (see [`crate::ImageLimits`]): the decompression-bomb guard.
    #[error("the image is too large")]
    ImageTooLarge,
    /// A PDF whose pages ask for more drawing than allowed: more than
    /// [`crate::MAX_PDF_OPERATIONS`] operators counted through every nested
    /// form, or forms nested deeper than [`crate::MAX_PDF_NESTING`].
    #[error("the PDF asks for too much drawing")]
    PdfTooComplex,
    /// The caller's stop flag said to give up (its deadline passed, the
    /// request went away, the server is stopping).
    #[error("reading the document was cancelled")]
    Cancelled,
    /// Neither PDF, PNG nor JPEG.
    #[error("unsupported document type")]
    Unsupported,
}

impl DocError {
    /// Every error, for exhaustive tests and message catalogues.
    pub const ALL: [DocError; 8] = [
        DocError::TooLarge,
        DocError::PdfCorrupt,
        DocError::PdfEncrypted,
        DocError::ImageCorrupt,
        DocError::ImageTooLarge,
        DocError::PdfTooComplex,
        DocError::Cancelled,
        DocError::Unsupported,
    ];

    /// A stable, machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            DocError::TooLarge => "too_large",
            DocError::PdfCorrupt => "pdf_corrupt",
            DocError::PdfEncrypted => "pdf_encrypted",
            DocError::ImageCorrupt => "image_corrupt",
            DocError::ImageTooLarge => "image_too_large",
            DocError::PdfTooComplex => "pdf_too_complex",
            DocError::Cancelled => "cancelled",
            DocError::Unsupported => "unsupported",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_snake_case() {
        let codes: Vec<&str> = DocError::ALL.iter().map(|e| e.code()).collect();
        for (i, c) in codes.iter().enumerate() {
            assert!(
                c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{c}"
            );
            assert!(!codes[i + 1..].contains(c), "duplicate code {c}");
        }
        assert_eq!(DocError::PdfCorrupt.code(), "pdf_corrupt");
        assert_eq!(DocError::TooLarge.code(), "too_large");
    }
}
