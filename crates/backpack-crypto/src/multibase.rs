//! Multibase: `z` (base58btc) and `u` (base64url, no padding).

use crate::CryptoError;
use base64::Engine;

/// Longest multibase string decoded (keys and signatures are far shorter).
pub const MAX_MULTIBASE_CHARS: usize = 16 * 1024;

/// `z` + base58btc.
pub fn encode_base58btc(bytes: &[u8]) -> String {
    format!("z{}", bs58::encode(bytes).into_string())
}

/// `u` + base64url without padding.
pub fn encode_base64url(bytes: &[u8]) -> String {
    format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Decode by prefix: `z` or `u`; anything else is refused.
pub fn decode(s: &str) -> Result<Vec<u8>, CryptoError> {
    if s.len() > MAX_MULTIBASE_CHARS {
        return Err(CryptoError::TooLarge {
            what: "multibase value",
            size: s.len(),
            limit: MAX_MULTIBASE_CHARS,
        });
    }
    match s.as_bytes().first() {
        Some(b'z') => bs58::decode(&s[1..])
            .into_vec()
            .map_err(|e| CryptoError::Multibase(e.to_string())),
        Some(b'u') => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&s[1..])
            .map_err(|e| CryptoError::Multibase(e.to_string())),
        Some(_) => Err(CryptoError::Multibase(format!(
            "unsupported multibase prefix {:?} (expected z or u)",
            s.chars().next().unwrap_or(' ')
        ))),
        None => Err(CryptoError::Multibase("empty value".into())),
    }
}

/// Read an unsigned varint (multicodec prefix); returns (value, bytes used).
pub fn read_varint(bytes: &[u8]) -> Result<(u64, usize), CryptoError> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(9) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    Err(CryptoError::Multibase("bad multicodec varint".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_prefixes() {
        let data = b"\x00\x01hello";
        assert_eq!(decode(&encode_base58btc(data)).unwrap(), data);
        assert_eq!(decode(&encode_base64url(data)).unwrap(), data);
        assert!(decode("mAAAA").is_err());
        assert!(decode("").is_err());
        assert!(decode("z0OIl").is_err());
        assert!(decode(&"z".repeat(MAX_MULTIBASE_CHARS + 1)).is_err());
    }

    #[test]
    fn varints() {
        assert_eq!(read_varint(&[0xed, 0x01]).unwrap(), (0xed, 2));
        assert_eq!(read_varint(&[0x80, 0x26]).unwrap(), (0x1300, 2));
        assert_eq!(read_varint(&[0x80, 0x24]).unwrap(), (0x1200, 2));
        assert!(read_varint(&[0x80; 12]).is_err());
    }
}
