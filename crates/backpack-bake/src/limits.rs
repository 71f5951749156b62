//! Limits of the image readers and writers.

/// Largest image read or baked.
pub const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;

/// Largest text chunk / element content, before and after inflation.
pub const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;

/// Most PNG chunks read.
pub const MAX_PNG_CHUNKS: usize = 10_000;

/// Deepest SVG element nesting read.
pub const MAX_SVG_DEPTH: usize = 256;
