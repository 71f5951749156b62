//! Parsing outside JSON with the size and depth limits of [`crate::limits`].

use crate::limits::{MAX_CREDENTIAL_BYTES, MAX_JSON_DEPTH};
use serde_json::Value;

/// Why bytes could not be read as a JSON credential.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum JsonError {
    #[error("input is {size} bytes; the limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("JSON nesting deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("not valid JSON: {0}")]
    Syntax(String),
    #[error("not UTF-8 text")]
    NotUtf8,
}

impl JsonError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            JsonError::TooLarge { .. } => "input_too_large",
            JsonError::TooDeep { .. } => "json_too_deep",
            JsonError::Syntax(_) => "malformed_json",
            JsonError::NotUtf8 => "not_utf8",
        }
    }
}

/// Deepest nesting of `[`/`{` in JSON text, ignoring brackets inside strings.
/// Stops scanning as soon as `limit` is exceeded.
pub fn depth_exceeds(text: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Parse one JSON document from outside, within the limits.
pub fn parse_limited(bytes: &[u8]) -> Result<Value, JsonError> {
    if bytes.len() > MAX_CREDENTIAL_BYTES {
        return Err(JsonError::TooLarge {
            size: bytes.len(),
            limit: MAX_CREDENTIAL_BYTES,
        });
    }
    if std::str::from_utf8(bytes).is_err() {
        return Err(JsonError::NotUtf8);
    }
    if depth_exceeds(bytes, MAX_JSON_DEPTH) {
        return Err(JsonError::TooDeep {
            limit: MAX_JSON_DEPTH,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| JsonError::Syntax(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("{}{}", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn depth_at_limit_parses_and_past_limit_is_refused() {
        assert!(parse_limited(nested(MAX_JSON_DEPTH).as_bytes()).is_ok());
        assert_eq!(
            parse_limited(nested(MAX_JSON_DEPTH + 1).as_bytes()),
            Err(JsonError::TooDeep {
                limit: MAX_JSON_DEPTH
            })
        );
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let text = format!("{{\"a\":\"{}\"}}", "[".repeat(500));
        assert!(parse_limited(text.as_bytes()).is_ok());
    }

    #[test]
    fn size_limit_is_checked_before_parsing() {
        let mut big = vec![b' '; MAX_CREDENTIAL_BYTES];
        big[0] = b'1';
        assert!(parse_limited(&big).is_ok());
        big.push(b' ');
        assert_eq!(
            parse_limited(&big).err().map(|e| e.code()),
            Some("input_too_large")
        );
    }

    #[test]
    fn truncated_and_binary_input_get_clear_errors() {
        assert_eq!(
            parse_limited(b"{\"a\":").err().map(|e| e.code()),
            Some("malformed_json")
        );
        assert_eq!(
            parse_limited(&[0xff, 0xfe]).err().map(|e| e.code()),
            Some("not_utf8")
        );
    }
}
