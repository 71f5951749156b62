//! W3C Bitstring Status List v1.0: the bitstring codec, and where status list
//! credentials come from.
//!
//! `encodedList` is the multibase base64url (`u` prefix) of the GZIP of the
//! bitstring; bit 0 is the most significant bit of the first byte. Older
//! StatusList2021 lists omit the `u`; both are read. Decoding is capped before
//! and after inflation ([`crate::limits`]).

use crate::limits::{MAX_STATUS_LIST_BYTES, MAX_STATUS_LIST_ENCODED};
use base64::Engine;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};

/// The smallest list the specification allows (16 KiB, 131,072 entries):
/// smaller lists leak which credential is checked.
pub const MIN_LIST_BITS: usize = 131_072;

/// Why an encoded list could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StatusError {
    #[error("encodedList is {size} characters; the limit is {limit}")]
    EncodedTooLarge { size: usize, limit: usize },
    #[error("encodedList inflates past the limit of {limit} bytes")]
    InflatedTooLarge { limit: usize },
    #[error("encodedList is not base64url: {0}")]
    Base64(String),
    #[error("encodedList is not a GZIP stream: {0}")]
    Gzip(String),
    #[error("status index {index} (size {size}) is outside a list of {bits} bits")]
    IndexOutOfRange { index: u64, size: u32, bits: usize },
    #[error("statusSize must be 1 to 8, not {0}")]
    BadSize(u32),
}

impl StatusError {
    pub fn code(&self) -> &'static str {
        match self {
            StatusError::EncodedTooLarge { .. } | StatusError::InflatedTooLarge { .. } => {
                "status_list_too_large"
            }
            StatusError::Base64(_) | StatusError::Gzip(_) => "status_list_malformed",
            StatusError::IndexOutOfRange { .. } => "status_index_out_of_range",
            StatusError::BadSize(_) => "status_size_invalid",
        }
    }
}

/// A decoded status bitstring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl Bitstring {
    /// A list of `bits` entries, all zero (rounded up to whole bytes).
    pub fn new(bits: usize) -> Self {
        Bitstring {
            bytes: vec![0; bits.div_ceil(8)],
        }
    }

    /// Number of bits.
    pub fn len_bits(&self) -> usize {
        self.bytes.len() * 8
    }

    /// Set or clear one bit. Out-of-range indexes are an error.
    pub fn set(&mut self, index: usize, value: bool) -> Result<(), StatusError> {
        let bits = self.len_bits();
        let byte = self
            .bytes
            .get_mut(index / 8)
            .ok_or(StatusError::IndexOutOfRange {
                index: index as u64,
                size: 1,
                bits,
            })?;
        let mask = 0x80u8 >> (index % 8);
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        Ok(())
    }

    /// The value of entry `index` of `size` bits (1 for revocation and
    /// suspension lists).
    pub fn entry(&self, index: u64, size: u32) -> Result<u8, StatusError> {
        if size == 0 || size > 8 {
            return Err(StatusError::BadSize(size));
        }
        let bits = self.len_bits();
        let out_of_range = StatusError::IndexOutOfRange { index, size, bits };
        let start = index
            .checked_mul(u64::from(size))
            .ok_or(out_of_range.clone())?;
        let end = start
            .checked_add(u64::from(size))
            .ok_or(out_of_range.clone())?;
        if end > bits as u64 {
            return Err(out_of_range);
        }
        let mut value = 0u8;
        for bit in start..end {
            let byte = self.bytes[(bit / 8) as usize];
            let set = byte & (0x80u8 >> (bit % 8)) != 0;
            value = (value << 1) | u8::from(set);
        }
        Ok(value)
    }

    /// `u` + base64url(GZIP(bytes)).
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing into a Vec cannot fail.
        let _ = gz.write_all(&self.bytes);
        let compressed = gz.finish().unwrap_or_default();
        format!(
            "u{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed)
        )
    }

    /// Decode an `encodedList`, within the limits.
    pub fn decode(encoded: &str) -> Result<Self, StatusError> {
        if encoded.len() > MAX_STATUS_LIST_ENCODED {
            return Err(StatusError::EncodedTooLarge {
                size: encoded.len(),
                limit: MAX_STATUS_LIST_ENCODED,
            });
        }
        let body = encoded.strip_prefix('u').unwrap_or(encoded);
        let body = body.trim_end_matches('=');
        let compressed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(body))
            .map_err(|e| StatusError::Base64(e.to_string()))?;
        let mut out = Vec::new();
        let limit = MAX_STATUS_LIST_BYTES as u64;
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| StatusError::Gzip(e.to_string()))?;
        if out.len() as u64 > limit {
            return Err(StatusError::InflatedTooLarge {
                limit: MAX_STATUS_LIST_BYTES,
            });
        }
        Ok(Bitstring { bytes: out })
    }
}

/// Why a status list credential could not be had.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StatusFetchError {
    #[error("the status list {url} must be fetched; no list was supplied")]
    NotSupplied { url: String },
    #[error("the status list {url} could not be fetched: {reason}")]
    Failed { url: String, reason: String },
}

/// Where status list credentials come from (the server fetches them through
/// its safe fetcher; the CLI reads local files).
pub trait StatusListSource: Send + Sync {
    /// The status list credential published at `url`. The second value is a
    /// warning to report (for example: a local list whose id differs).
    fn status_list(&self, url: &str) -> Result<(Value, Option<String>), StatusFetchError>;
}

/// No lists at all: every status is "not checked".
#[derive(Debug, Default, Clone, Copy)]
pub struct NoStatusLists;

impl StatusListSource for NoStatusLists {
    fn status_list(&self, url: &str) -> Result<(Value, Option<String>), StatusFetchError> {
        Err(StatusFetchError::NotSupplied {
            url: url.to_string(),
        })
    }
}

/// Lists given as local documents (the CLI's `--status-list FILE`). A list is
/// found by its `id`; when exactly one list was given and no id matches, that
/// list is used with a warning (real lists are often served at a URL other
/// than their `id`).
#[derive(Debug, Default, Clone)]
pub struct LocalStatusLists {
    by_id: HashMap<String, Value>,
    only: Option<Value>,
    count: usize,
}

impl LocalStatusLists {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, list: Value) {
        if let Some(id) = list.get("id").and_then(Value::as_str) {
            self.by_id.insert(id.to_string(), list.clone());
        }
        self.count += 1;
        self.only = if self.count == 1 { Some(list) } else { None };
    }
}

impl StatusListSource for LocalStatusLists {
    fn status_list(&self, url: &str) -> Result<(Value, Option<String>), StatusFetchError> {
        if let Some(list) = self.by_id.get(url) {
            return Ok((list.clone(), None));
        }
        match &self.only {
            Some(list) => {
                let id = list.get("id").and_then(Value::as_str).unwrap_or("(none)");
                Ok((
                    list.clone(),
                    Some(format!(
                        "the supplied status list has id {id}, not the referenced URL {url}; it was used because it is the only list given"
                    )),
                ))
            }
            None => Err(StatusFetchError::NotSupplied {
                url: url.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_sets_exactly_the_bits_set() {
        let mut list = Bitstring::new(MIN_LIST_BITS);
        list.set(0, true).unwrap();
        list.set(23, true).unwrap();
        list.set(MIN_LIST_BITS - 1, true).unwrap();
        let decoded = Bitstring::decode(&list.encode()).unwrap();
        assert_eq!(decoded, list);
        assert_eq!(decoded.entry(23, 1).unwrap(), 1);
        assert_eq!(decoded.entry(22, 1).unwrap(), 0);
        assert_eq!(decoded.entry(24, 1).unwrap(), 0);
        assert_eq!(decoded.entry((MIN_LIST_BITS - 1) as u64, 1).unwrap(), 1);
    }

    #[test]
    fn bit_zero_is_the_most_significant_bit() {
        let mut list = Bitstring::new(8);
        list.set(0, true).unwrap();
        assert_eq!(list.bytes, vec![0x80]);
    }

    #[test]
    fn index_past_the_end_is_refused() {
        let list = Bitstring::new(MIN_LIST_BITS);
        assert!(list.entry((MIN_LIST_BITS - 1) as u64, 1).is_ok());
        assert!(matches!(
            list.entry(MIN_LIST_BITS as u64, 1),
            Err(StatusError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            list.entry(u64::MAX, 2),
            Err(StatusError::IndexOutOfRange { .. })
        ));
    }

    #[test]
    fn multi_bit_entries_read_msb_first() {
        let mut list = Bitstring::new(16);
        list.set(2, true).unwrap(); // entry 1 of size 2 = bits 2,3 = "10"
        assert_eq!(list.entry(1, 2).unwrap(), 2);
        assert!(matches!(list.entry(0, 9), Err(StatusError::BadSize(9))));
    }

    #[test]
    fn decompression_bomb_stops_at_the_cap() {
        // A list that inflates to one byte more than the cap.
        let big = Bitstring::new((MAX_STATUS_LIST_BYTES + 1) * 8);
        let encoded = big.encode();
        assert!(encoded.len() < MAX_STATUS_LIST_ENCODED);
        assert_eq!(
            Bitstring::decode(&encoded),
            Err(StatusError::InflatedTooLarge {
                limit: MAX_STATUS_LIST_BYTES
            })
        );
        // Exactly at the cap is fine.
        let at = Bitstring::new(MAX_STATUS_LIST_BYTES * 8);
        assert_eq!(
            Bitstring::decode(&at.encode()).unwrap().len_bits(),
            MAX_STATUS_LIST_BYTES * 8
        );
    }

    #[test]
    fn oversized_and_malformed_encodings_are_refused() {
        let long = "u".repeat(MAX_STATUS_LIST_ENCODED + 1);
        assert!(matches!(
            Bitstring::decode(&long),
            Err(StatusError::EncodedTooLarge { .. })
        ));
        assert!(matches!(
            Bitstring::decode("u!!!"),
            Err(StatusError::Base64(_))
        ));
        assert!(matches!(
            Bitstring::decode("uAAAA"),
            Err(StatusError::Gzip(_))
        ));
    }

    #[test]
    fn single_local_list_is_used_with_a_warning_when_ids_differ() {
        let mut lists = LocalStatusLists::new();
        lists.add(serde_json::json!({"id": "https://a.example/list"}));
        let (_, warning) = lists.status_list("https://b.example/list").unwrap();
        assert!(warning.is_some());
        let (_, warning) = lists.status_list("https://a.example/list").unwrap();
        assert!(warning.is_none());
        lists.add(serde_json::json!({"id": "https://c.example/list"}));
        assert!(lists.status_list("https://b.example/list").is_err());
    }
}
