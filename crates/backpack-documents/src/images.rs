//! PNG and JPEG: header-only checks (the decompression-bomb guard) and
//! thumbnails.

use crate::{check_size, shielded, DocError, MAX_PREVIEW_WIDTH};
use image::error::ImageError;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

pub(crate) const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The image formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG (baseline, progressive, lossless).
    Jpeg,
}

impl ImageKind {
    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
        }
    }
}

/// What an image header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// PNG or JPEG.
    pub kind: ImageKind,
    /// Width in pixels, as stored (before any EXIF rotation).
    pub width: u32,
    /// Height in pixels, as stored.
    pub height: u32,
}

/// How large an image may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// The longest side, in pixels.
    pub max_side: u32,
    /// Width × height.
    pub max_pixels: u64,
    /// The most bytes the decoder may allocate.
    pub max_alloc: u64,
}

impl ImageLimits {
    /// 20,000 px a side, 40 megapixels, 256 MiB of decoder memory.
    pub const DEFAULT: ImageLimits = ImageLimits {
        max_side: 20_000,
        max_pixels: 40_000_000,
        max_alloc: 256 * 1024 * 1024,
    };
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits::DEFAULT
    }
}

/// Kind and size of a PNG or JPEG, from its header alone (nothing is
/// decompressed or allocated), under [`ImageLimits::DEFAULT`].
///
/// Errors: [`DocError::Unsupported`] for anything but PNG and JPEG,
/// [`DocError::ImageCorrupt`] for a damaged or truncated header,
/// [`DocError::ImageTooLarge`] past the limits, [`DocError::TooLarge`] for
/// more than [`crate::MAX_DOCUMENT_BYTES`].
pub fn image_info(bytes: &[u8]) -> Result<ImageInfo, DocError> {
    image_info_with(bytes, &ImageLimits::DEFAULT)
}

/// [`image_info`] under other limits.
pub fn image_info_with(bytes: &[u8], limits: &ImageLimits) -> Result<ImageInfo, DocError> {
    check_size(bytes)?;
    let info = if bytes.starts_with(PNG_SIGNATURE) {
        png_header(bytes)?
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg_header(bytes)?
    } else {
        return Err(DocError::Unsupported);
    };
    if info.width == 0 || info.height == 0 {
        return Err(DocError::ImageCorrupt);
    }
    if info.width > limits.max_side
        || info.height > limits.max_side
        || u64::from(info.width) * u64::from(info.height) > limits.max_pixels
    {
        return Err(DocError::ImageTooLarge);
    }
    Ok(info)
}

/// A PNG thumbnail of a PNG or JPEG: at most `max_width` pixels wide and
/// twice that high, aspect kept, never enlarged, EXIF orientation applied.
/// `max_width` is clamped to `1..=`[`MAX_PREVIEW_WIDTH`].
///
/// The header is checked by [`image_info`] first; decoding then runs under
/// the same limits (dimensions and allocation).
pub fn image_preview(bytes: &[u8], max_width: u32) -> Result<Vec<u8>, DocError> {
    image_preview_with(bytes, max_width, &ImageLimits::DEFAULT)
}

/// [`image_preview`] under other limits.
pub fn image_preview_with(
    bytes: &[u8],
    max_width: u32,
    limits: &ImageLimits,
) -> Result<Vec<u8>, DocError> {
    let info = image_info_with(bytes, limits)?;
    shielded(DocError::ImageCorrupt, || {
        thumbnail(bytes, info, max_width, limits)
    })
}

fn thumbnail(
    bytes: &[u8],
    info: ImageInfo,
    max_width: u32,
    limits: &ImageLimits,
) -> Result<Vec<u8>, DocError> {
    let format = match info.kind {
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Jpeg => ImageFormat::Jpeg,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    decoder_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    if width != info.width || height != info.height {
        // The decoder found another header than ours: trust neither.
        return Err(DocError::ImageCorrupt);
    }
    if decoder.total_bytes() > limits.max_alloc {
        return Err(DocError::ImageTooLarge);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(image_error)?;
    img.apply_orientation(orientation);

    let max_w = max_width.clamp(1, MAX_PREVIEW_WIDTH);
    let (tw, th) = fit(img.width(), img.height(), max_w, max_w.saturating_mul(2));
    let small = if (tw, th) == (img.width(), img.height()) {
        img
    } else if img.width() >= tw.saturating_mul(2) {
        // Large reductions: area averaging, one pass, fast.
        img.thumbnail_exact(tw, th)
    } else {
        img.resize_exact(tw, th, FilterType::Triangle)
    };
    let small = match small {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_) => small,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    let mut out = Cursor::new(Vec::new());
    small
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|_| DocError::ImageCorrupt)?;
    Ok(out.into_inner())
}

/// The size that fits `w × h` within `max_w × max_h`, aspect kept, never
/// enlarged, at least one pixel a side.
pub(crate) fn fit(w: u32, h: u32, max_w: u32, max_h: u32) -> (u32, u32) {
    let (w, h) = (u64::from(w.max(1)), u64::from(h.max(1)));
    let (max_w, max_h) = (u64::from(max_w.max(1)), u64::from(max_h.max(1)));
    let (mut tw, mut th) = (w, h);
    if tw > max_w {
        tw = max_w;
        th = (h * max_w + w / 2) / w;
    }
    if th > max_h {
        th = max_h;
        tw = (w * max_h + h / 2) / h;
    }
    let clamp = |v: u64, max: u64| u32::try_from(v.clamp(1, max)).unwrap_or(1);
    (clamp(tw, max_w), clamp(th, max_h))
}

fn image_error(e: ImageError) -> DocError {
    match e {
        ImageError::Limits(_) => DocError::ImageTooLarge,
        _ => DocError::ImageCorrupt,
    }
}

fn be_u32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

fn be_u16(b: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(..2)?.try_into().ok()?))
}

/// Signature, then the `IHDR` chunk, which must come first.
fn png_header(bytes: &[u8]) -> Result<ImageInfo, DocError> {
    let ihdr = bytes.get(8..8 + 8 + 13).ok_or(DocError::ImageCorrupt)?;
    if be_u32(ihdr) != Some(13) || &ihdr[4..8] != b"IHDR" {
        return Err(DocError::ImageCorrupt);
    }
    let width = be_u32(&ihdr[8..]).ok_or(DocError::ImageCorrupt)?;
    let height = be_u32(&ihdr[12..]).ok_or(DocError::ImageCorrupt)?;
    Ok(ImageInfo {
        kind: ImageKind::Png,
        width,
        height,
    })
}

/// Walks the marker segments up to the first start-of-frame.
fn jpeg_header(bytes: &[u8]) -> Result<ImageInfo, DocError> {
    let mut pos = 2;
    loop {
        // Markers are 0xFF, optionally padded with more 0xFF.
        if *bytes.get(pos).ok_or(DocError::ImageCorrupt)? != 0xFF {
            return Err(DocError::ImageCorrupt);
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos).ok_or(DocError::ImageCorrupt)?;
        pos += 1;
        match marker {
            // Stand-alone markers: no length.
            0x01 | 0xD0..=0xD7 => continue,
            // End of image or start of scan before any frame header.
            0xD8 | 0xD9 | 0xDA | 0x00 => return Err(DocError::ImageCorrupt),
            _ => {}
        }
        let len = usize::from(
            be_u16(bytes.get(pos..).unwrap_or_default()).ok_or(DocError::ImageCorrupt)?,
        );
        if len < 2 {
            return Err(DocError::ImageCorrupt);
        }
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let seg = bytes.get(pos..pos + 7).ok_or(DocError::ImageCorrupt)?;
            let height = be_u16(&seg[3..]).ok_or(DocError::ImageCorrupt)?;
            let width = be_u16(&seg[5..]).ok_or(DocError::ImageCorrupt)?;
            return Ok(ImageInfo {
                kind: ImageKind::Jpeg,
                width: u32::from(width),
                height: u32::from(height),
            });
        }
        pos += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut v = PNG_SIGNATURE.to_vec();
        v.extend_from_slice(&13u32.to_be_bytes());
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&width.to_be_bytes());
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&[8, 6, 0, 0, 0]);
        v.extend_from_slice(&[0, 0, 0, 0]); // CRC, not checked by the header reader
        v
    }

    fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        // An APP0 segment to walk over, with fill bytes before the next marker.
        v.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x06, b'J', b'F', b'I', b'F']);
        v.extend_from_slice(&[0xFF, 0xFF, 0xC2, 0x00, 0x11, 8]);
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&width.to_be_bytes());
        v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v
    }

    #[test]
    fn reads_png_header() {
        let info = image_info(&png_claiming(640, 480)).map_err(|e| e.code());
        assert_eq!(
            info,
            Ok(ImageInfo {
                kind: ImageKind::Png,
                width: 640,
                height: 480
            })
        );
    }

    #[test]
    fn reads_jpeg_header_past_segments_and_fill_bytes() {
        let info = image_info(&jpeg_claiming(1024, 768)).map_err(|e| e.code());
        assert_eq!(
            info,
            Ok(ImageInfo {
                kind: ImageKind::Jpeg,
                width: 1024,
                height: 768
            })
        );
    }

    #[test]
    fn refuses_bombs_from_the_header() {
        let e = |b: &[u8]| image_info(b).map(|_| ()).map_err(|e| e.code());
        assert_eq!(e(&png_claiming(50_000, 50_000)), Err("image_too_large"));
        assert_eq!(e(&png_claiming(20_001, 10)), Err("image_too_large"));
        assert_eq!(e(&png_claiming(10, 20_001)), Err("image_too_large"));
        // 8000 × 6000 = 48 MP: within the side limit, over the pixel limit.
        assert_eq!(e(&png_claiming(8_000, 6_000)), Err("image_too_large"));
        assert_eq!(e(&png_claiming(8_000, 5_000)), Ok(()));
        assert_eq!(e(&jpeg_claiming(65_000, 65_000)), Err("image_too_large"));
        assert_eq!(e(&png_claiming(u32::MAX, u32::MAX)), Err("image_too_large"));
        let tight = ImageLimits {
            max_side: 100,
            max_pixels: 5_000,
            max_alloc: 1 << 20,
        };
        assert_eq!(
            image_info_with(&png_claiming(100, 100), &tight).map_err(|e| e.code()),
            Err("image_too_large")
        );
        assert!(image_info_with(&png_claiming(50, 100), &tight).is_ok());
    }

    #[test]
    fn refuses_damaged_headers() {
        let e = |b: &[u8]| image_info(b).map(|_| ()).map_err(|e| e.code());
        assert_eq!(e(&png_claiming(0, 10)), Err("image_corrupt"));
        assert_eq!(e(&png_claiming(10, 10)[..20]), Err("image_corrupt"));
        assert_eq!(e(PNG_SIGNATURE), Err("image_corrupt"));
        let mut wrong_chunk = png_claiming(10, 10);
        wrong_chunk[12..16].copy_from_slice(b"IDAT");
        assert_eq!(e(&wrong_chunk), Err("image_corrupt"));
        assert_eq!(e(&[0xFF, 0xD8]), Err("image_corrupt"));
        assert_eq!(e(&[0xFF, 0xD8, 0xFF, 0xD9]), Err("image_corrupt"));
        assert_eq!(e(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), Err("image_corrupt"));
        assert_eq!(e(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 1]), Err("image_corrupt"));
        assert_eq!(e(&[0xFF, 0xD8, 0x12]), Err("image_corrupt"));
        assert_eq!(e(&jpeg_claiming(100, 100)[..19]), Err("image_corrupt"));
        assert_eq!(e(&jpeg_claiming(0, 100)), Err("image_corrupt"));
        assert_eq!(e(b"GIF89a...."), Err("unsupported"));
        assert_eq!(e(b""), Err("unsupported"));
        // Every truncation before the frame size is refused without panicking.
        let full = jpeg_claiming(100, 100);
        for n in 0..20 {
            assert!(image_info(&full[..n]).is_err(), "{n}");
        }
        let full = png_claiming(100, 100);
        for n in 0..24 {
            assert!(image_info(&full[..n]).is_err(), "{n}");
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_signature_never_panic() {
        let mut x: u64 = 88_172_645_463_325_252;
        for round in 0..2_000 {
            let mut bytes = if round % 2 == 0 {
                PNG_SIGNATURE.to_vec()
            } else {
                vec![0xFF, 0xD8]
            };
            for _ in 0..(round % 64) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                bytes.push(if x.is_multiple_of(3) {
                    0xFF
                } else {
                    (x >> 32) as u8
                });
            }
            let _ = image_info(&bytes);
            let r = image_preview(&bytes, 16);
            assert!(r.is_err() || r.unwrap_or_default().starts_with(PNG_SIGNATURE));
        }
    }

    #[test]
    fn fits_within_the_box() {
        assert_eq!(fit(4000, 3000, 400, 800), (400, 300));
        assert_eq!(fit(300, 200, 400, 800), (300, 200));
        assert_eq!(fit(1000, 10_000, 400, 800), (80, 800));
        assert_eq!(fit(20_000, 1, 400, 800), (400, 1));
        assert_eq!(fit(0, 0, 0, 0), (1, 1));
        assert_eq!(fit(1001, 1000, 100, 200), (100, 100));
    }
}
