//! Open Badges baking: embed a credential in a PNG or SVG badge image, and
//! read it back. Pure: bytes in, bytes out.
//!
//! Writing follows Open Badges 3.0 exactly:
//! - **PNG**: one uncompressed `iTXt` chunk, keyword `openbadgecredential`,
//!   holding the credential JSON (embedded proof) or the compact JWS
//!   (VC-JWT), inserted just before `IEND`.
//! - **SVG**: `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"` on the
//!   root and one `<openbadges:credential>` right after the `<svg>` start tag,
//!   JSON in CDATA, or a JWS in its `verify` attribute.
//!
//! A re-bake replaces, never duplicates (older OB 2.0 `openbadges` data is
//! removed too); every other byte of the image is kept.
//!
//! Reading is liberal: OB 3.0 and OB 2.0/1.x (`iTXt`/`tEXt`/`zTXt`
//! `openbadges`, `<openbadges:assertion>`), compressed chunks, chunks before
//! or after `IDAT`, the `…/spec/ob/v3p0` and `http://openbadges.org`
//! namespaces. Everything is bounded by [`limits`]; the SVG reader never
//! fetches anything and refuses entity declarations.

pub mod limits;
mod png;
mod svg;

pub use png::{bake_png, unbake_png};
pub use svg::{bake_svg, unbake_svg};

/// The image formats that carry badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Svg,
}

/// What to bake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload<'a> {
    /// A credential with an embedded proof, as JSON text.
    Json(&'a str),
    /// A compact JWS (VC-JWT).
    Jws(&'a str),
}

impl Payload<'_> {
    fn text(&self) -> &str {
        match self {
            Payload::Json(t) | Payload::Jws(t) => t,
        }
    }

    fn check(&self) -> Result<(), BakeError> {
        if self.text().len() > limits::MAX_TEXT_BYTES {
            return Err(BakeError::TooLarge {
                what: "credential",
                limit: limits::MAX_TEXT_BYTES,
            });
        }
        if let Payload::Jws(t) = self {
            let parts: Vec<&str> = t.split('.').collect();
            let ok = parts.len() == 3
                && parts.iter().all(|p| {
                    p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                });
            if !ok {
                return Err(BakeError::BadPayload(
                    "a JWS has three base64url parts".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Which generation of baking the data was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BakedFormat {
    /// OB 3.0: `openbadgecredential` / `<openbadges:credential>`.
    Ob3,
    /// OB 2.0 and 1.x: `openbadges` / `<openbadges:assertion>`.
    Ob2,
}

/// The text found in an image: JSON, a compact JWS, or (OB 1.x/2.0) a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baked {
    pub kind: ImageKind,
    pub format: BakedFormat,
    pub text: String,
}

/// Why an image could not be baked or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BakeError {
    #[error("not a PNG or SVG image")]
    NotAnImage,
    #[error("the image is corrupt: {0}")]
    Corrupt(String),
    #[error("{what} is over the limit of {limit} bytes")]
    TooLarge { what: &'static str, limit: usize },
    #[error("the PNG has more than {limit} chunks")]
    TooManyChunks { limit: usize },
    #[error("the image carries no badge data")]
    NoCredential,
    #[error("unsafe SVG: {0}")]
    Unsafe(String),
    #[error("cannot bake this payload: {0}")]
    BadPayload(String),
}

impl BakeError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            BakeError::NotAnImage => "not_an_image",
            BakeError::Corrupt(_) => "image_corrupt",
            BakeError::TooLarge { .. } | BakeError::TooManyChunks { .. } => "image_too_large",
            BakeError::NoCredential => "no_badge_data",
            BakeError::Unsafe(_) => "unsafe_svg",
            BakeError::BadPayload(_) => "bad_payload",
        }
    }
}

/// The image kind by content (magic bytes, or an XML document whose root is `svg`).
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(png::SIGNATURE) {
        return Some(ImageKind::Png);
    }
    if svg::looks_like_svg(bytes) {
        return Some(ImageKind::Svg);
    }
    None
}

fn check_size(image: &[u8]) -> Result<(), BakeError> {
    if image.len() > limits::MAX_IMAGE_BYTES {
        return Err(BakeError::TooLarge {
            what: "image",
            limit: limits::MAX_IMAGE_BYTES,
        });
    }
    Ok(())
}

/// Bake `payload` into a PNG or SVG (chosen by content).
pub fn bake(image: &[u8], payload: Payload<'_>) -> Result<Vec<u8>, BakeError> {
    check_size(image)?;
    match sniff(image) {
        Some(ImageKind::Png) => bake_png(image, payload),
        Some(ImageKind::Svg) => bake_svg(image, payload),
        None => Err(BakeError::NotAnImage),
    }
}

/// Read the badge data of a PNG or SVG (chosen by content).
pub fn unbake(image: &[u8]) -> Result<Baked, BakeError> {
    check_size(image)?;
    match sniff(image) {
        Some(ImageKind::Png) => unbake_png(image),
        Some(ImageKind::Svg) => unbake_svg(image),
        None => Err(BakeError::NotAnImage),
    }
}
