//! Upload checks: a file is what its bytes say it is (magic bytes, never the
//! name or the browser's claim), within a size cap.

use crate::DomainError;

/// The kinds of file Backpack accepts, by purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Png,
    Jpeg,
    Webp,
    Gif,
    Pdf,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Webp => "image/webp",
            FileKind::Gif => "image/gif",
            FileKind::Pdf => "application/pdf",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
            FileKind::Webp => "webp",
            FileKind::Gif => "gif",
            FileKind::Pdf => "pdf",
        }
    }
    fn from_mime(mime: &str) -> Option<Self> {
        [
            FileKind::Png,
            FileKind::Jpeg,
            FileKind::Webp,
            FileKind::Gif,
            FileKind::Pdf,
        ]
        .into_iter()
        .find(|k| k.content_type() == mime)
    }
}

/// Raster images a profile photo may be.
pub const IMAGES: &[FileKind] = &[FileKind::Png, FileKind::Jpeg, FileKind::Webp, FileKind::Gif];

/// Check an upload: not empty, at most `max_bytes`, and one of `allowed` by content.
pub fn check_upload(
    bytes: &[u8],
    allowed: &[FileKind],
    max_bytes: u64,
) -> Result<FileKind, DomainError> {
    if bytes.len() as u64 > max_bytes {
        return Err(DomainError::FileTooLarge { max: max_bytes });
    }
    if bytes.is_empty() {
        return Err(DomainError::field("file", "file_empty"));
    }
    let kind = infer::get(bytes)
        .and_then(|t| FileKind::from_mime(t.mime_type()))
        .ok_or(DomainError::FileType)?;
    if allowed.contains(&kind) {
        Ok(kind)
    } else {
        Err(DomainError::FileType)
    }
}

/// A file name safe to put in a `Content-Disposition` header: the base name,
/// printable ASCII letters, digits and `.-_` only, at most 100 characters,
/// with the extension the content has.
pub fn safe_filename(raw: &str, kind: FileKind) -> String {
    clean_stem(raw, "file", kind.extension())
}

/// A safe file name with a given extension (see [`safe_filename`]).
pub fn clean_stem(raw: &str, fallback: &str, extension: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let mut clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if clean.trim_matches('_').is_empty() {
        clean = fallback.into();
    }
    format!("{clean}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(check_upload(PNG, IMAGES, 1000).unwrap(), FileKind::Png);
        assert_eq!(
            check_upload(b"%PDF-1.7\n", IMAGES, 1000)
                .unwrap_err()
                .code(),
            "file_type_not_allowed"
        );
        assert_eq!(
            check_upload(b"<svg xmlns='http://www.w3.org/2000/svg'/>", IMAGES, 1000)
                .unwrap_err()
                .code(),
            "file_type_not_allowed"
        );
        assert_eq!(
            check_upload(b"", IMAGES, 1000).unwrap_err().code(),
            "invalid_input"
        );
        assert_eq!(
            check_upload(PNG, IMAGES, 10).unwrap_err().code(),
            "file_too_large"
        );
    }

    #[test]
    fn filenames_are_made_safe() {
        assert_eq!(
            safe_filename("../../etc/passwd", FileKind::Png),
            "passwd.png"
        );
        assert_eq!(
            safe_filename("my photo\";.jpg", FileKind::Jpeg),
            "my_photo__.jpg"
        );
        assert_eq!(safe_filename("photo.exe", FileKind::Png), "photo.png");
        assert_eq!(safe_filename("", FileKind::Png), "file.png");
    }
}
