//! PNG chunks: read, strip old badge data, insert one `iTXt`.

use crate::limits::{MAX_PNG_CHUNKS, MAX_TEXT_BYTES};
use crate::{BakeError, Baked, BakedFormat, ImageKind, Payload};
use std::io::Read;

pub(crate) const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const OB3_KEYWORD: &[u8] = b"openbadgecredential";
const OB2_KEYWORD: &[u8] = b"openbadges";

struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    /// The whole chunk as in the file (length, type, data, CRC).
    raw: &'a [u8],
}

fn chunks(png: &[u8]) -> Result<Vec<Chunk<'_>>, BakeError> {
    if !png.starts_with(SIGNATURE) {
        return Err(BakeError::NotAnImage);
    }
    let mut out = Vec::new();
    let mut pos = SIGNATURE.len();
    loop {
        if out.len() >= MAX_PNG_CHUNKS {
            return Err(BakeError::TooManyChunks {
                limit: MAX_PNG_CHUNKS,
            });
        }
        let header = png
            .get(pos..pos + 8)
            .ok_or_else(|| BakeError::Corrupt("truncated chunk header".into()))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = [header[4], header[5], header[6], header[7]];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(BakeError::Corrupt("invalid chunk type".into()));
        }
        let end = pos
            .checked_add(12)
            .and_then(|x| x.checked_add(len))
            .filter(|&e| e <= png.len())
            .ok_or_else(|| {
                BakeError::Corrupt(format!(
                    "chunk {} runs past the end of the file",
                    String::from_utf8_lossy(&kind)
                ))
            })?;
        let data = &png[pos + 8..pos + 8 + len];
        let crc = u32::from_be_bytes([png[end - 4], png[end - 3], png[end - 2], png[end - 1]]);
        let mut h = crc32fast::Hasher::new();
        h.update(&kind);
        h.update(data);
        if h.finalize() != crc {
            return Err(BakeError::Corrupt(format!(
                "bad CRC in chunk {}",
                String::from_utf8_lossy(&kind)
            )));
        }
        if out.is_empty() && &kind != b"IHDR" {
            return Err(BakeError::Corrupt("the first chunk must be IHDR".into()));
        }
        out.push(Chunk {
            kind,
            data,
            raw: &png[pos..end],
        });
        pos = end;
        if &kind == b"IEND" {
            return Ok(out);
        }
    }
}

fn inflate(data: &[u8]) -> Result<Vec<u8>, BakeError> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(MAX_TEXT_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| BakeError::Corrupt(format!("compressed text: {e}")))?;
    if out.len() > MAX_TEXT_BYTES {
        return Err(BakeError::TooLarge {
            what: "inflated text chunk",
            limit: MAX_TEXT_BYTES,
        });
    }
    Ok(out)
}

/// (keyword, text) of a tEXt / zTXt / iTXt chunk.
/// (keyword, text)
type TextChunk = (Vec<u8>, Vec<u8>);

fn text_of(c: &Chunk<'_>) -> Result<Option<TextChunk>, BakeError> {
    if c.data.len() > MAX_TEXT_BYTES {
        return Err(BakeError::TooLarge {
            what: "text chunk",
            limit: MAX_TEXT_BYTES,
        });
    }
    let split =
        |d: &[u8]| -> Option<(usize, usize)> { d.iter().position(|&b| b == 0).map(|i| (i, i + 1)) };
    match &c.kind {
        b"tEXt" => {
            Ok(split(c.data).map(|(k, rest)| (c.data[..k].to_vec(), c.data[rest..].to_vec())))
        }
        b"zTXt" => {
            let Some((k, rest)) = split(c.data) else {
                return Ok(None);
            };
            let body = c.data.get(rest + 1..).unwrap_or_default();
            Ok(Some((c.data[..k].to_vec(), inflate(body)?)))
        }
        b"iTXt" => {
            let Some((k, rest)) = split(c.data) else {
                return Ok(None);
            };
            let flag = *c.data.get(rest).unwrap_or(&0);
            let mut p = rest + 2;
            // language tag, then translated keyword, each NUL-terminated
            for _ in 0..2 {
                let n = c
                    .data
                    .get(p..)
                    .and_then(|d| d.iter().position(|&b| b == 0))
                    .ok_or_else(|| BakeError::Corrupt("malformed iTXt".into()))?;
                p += n + 1;
            }
            let body = c.data.get(p..).unwrap_or_default();
            let text = if flag == 1 {
                inflate(body)?
            } else {
                body.to_vec()
            };
            Ok(Some((c.data[..k].to_vec(), text)))
        }
        _ => Ok(None),
    }
}

fn is_badge_chunk(c: &Chunk<'_>) -> bool {
    matches!(&c.kind, b"tEXt" | b"zTXt" | b"iTXt") && {
        let k = c
            .data
            .iter()
            .position(|&b| b == 0)
            .map(|i| &c.data[..i])
            .unwrap_or_default();
        k == OB3_KEYWORD || k == OB2_KEYWORD
    }
}

/// Read the badge data of a PNG: OB 3.0 first, then OB 2.0.
pub fn unbake_png(png: &[u8]) -> Result<Baked, BakeError> {
    let mut ob2 = None;
    for c in chunks(png)? {
        if let Some((keyword, text)) = text_of(&c)? {
            let format = if keyword == OB3_KEYWORD {
                BakedFormat::Ob3
            } else if keyword == OB2_KEYWORD {
                BakedFormat::Ob2
            } else {
                continue;
            };
            let text = String::from_utf8(text)
                .map_err(|_| BakeError::Corrupt("badge text is not UTF-8".into()))?;
            let baked = Baked {
                kind: ImageKind::Png,
                format,
                text,
            };
            if format == BakedFormat::Ob3 {
                return Ok(baked);
            }
            ob2.get_or_insert(baked);
        }
    }
    ob2.ok_or(BakeError::NoCredential)
}

fn chunk_bytes(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut h = crc32fast::Hasher::new();
    h.update(kind);
    h.update(data);
    out.extend_from_slice(&h.finalize().to_be_bytes());
    out
}

/// Bake into a PNG: drop old badge chunks, add one iTXt before IEND.
pub fn bake_png(png: &[u8], payload: Payload<'_>) -> Result<Vec<u8>, BakeError> {
    payload.check()?;
    let all = chunks(png)?;
    let mut out = Vec::with_capacity(png.len() + payload.text().len() + 64);
    out.extend_from_slice(SIGNATURE);
    for c in &all {
        if is_badge_chunk(c) {
            continue;
        }
        if &c.kind == b"IEND" {
            let mut data = Vec::with_capacity(payload.text().len() + 24);
            data.extend_from_slice(OB3_KEYWORD);
            data.extend_from_slice(&[0, 0, 0, 0, 0]); // NUL, uncompressed, method 0, empty language, empty translation
            data.extend_from_slice(payload.text().as_bytes());
            out.extend_from_slice(&chunk_bytes(b"iTXt", &data));
        }
        out.extend_from_slice(c.raw);
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid 1×1 PNG.
    pub fn tiny_png() -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend(chunk_bytes(
            b"IHDR",
            &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0],
        ));
        out.extend(chunk_bytes(
            b"IDAT",
            &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
        ));
        out.extend(chunk_bytes(b"IEND", &[]));
        out
    }

    #[test]
    fn bake_then_unbake_and_rebake_replaces() {
        let png = tiny_png();
        let once = bake_png(&png, Payload::Json("{\"a\":1}")).unwrap();
        let twice = bake_png(&once, Payload::Jws("eyJh.eyJi.c2ln")).unwrap();
        let b = unbake_png(&twice).unwrap();
        assert_eq!(b.text, "eyJh.eyJi.c2ln");
        assert_eq!(b.format, BakedFormat::Ob3);
        let n = chunks(&twice)
            .unwrap()
            .iter()
            .filter(|c| is_badge_chunk(c))
            .count();
        assert_eq!(n, 1);
        assert!(twice.ends_with(&chunk_bytes(b"IEND", &[])));
    }

    #[test]
    fn corrupt_pngs_are_refused() {
        let png = tiny_png();
        assert!(matches!(unbake_png(&png[..20]), Err(BakeError::Corrupt(_))));
        let mut bad = png.clone();
        let n = bad.len();
        bad[n - 20] ^= 1;
        assert!(matches!(unbake_png(&bad), Err(BakeError::Corrupt(_))));
        assert_eq!(unbake_png(&png), Err(BakeError::NoCredential));
        let mut huge = png[..8].to_vec();
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        huge.extend_from_slice(b"IHDR");
        assert!(matches!(unbake_png(&huge), Err(BakeError::Corrupt(_))));
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_cap() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let block = vec![b'a'; 1 << 20];
        for _ in 0..64 {
            z.write_all(&block).unwrap();
        }
        let compressed = z.finish().unwrap();
        let mut data = b"openbadgecredential\0\x01\0\0\0".to_vec();
        data.extend_from_slice(&compressed);
        let mut png = SIGNATURE.to_vec();
        let tiny = tiny_png();
        let rest = &tiny[8..];
        png.extend_from_slice(&rest[..25]); // IHDR
        png.extend(chunk_bytes(b"iTXt", &data));
        png.extend_from_slice(&rest[25..]);
        let t = std::time::Instant::now();
        assert!(matches!(unbake_png(&png), Err(BakeError::TooLarge { .. })));
        assert!(t.elapsed().as_secs() < 5);
    }

    #[test]
    fn too_many_chunks_are_counted_as_chunks_not_bytes() {
        let tiny = tiny_png();
        let rest = &tiny[8..];
        let mut png = SIGNATURE.to_vec();
        png.extend_from_slice(&rest[..25]); // IHDR
        for _ in 0..MAX_PNG_CHUNKS {
            png.extend(chunk_bytes(b"tEXt", b"a\0b"));
        }
        png.extend_from_slice(&rest[25..]);
        let err = unbake_png(&png).unwrap_err();
        assert_eq!(
            err,
            BakeError::TooManyChunks {
                limit: MAX_PNG_CHUNKS
            }
        );
        assert_eq!(err.code(), "image_too_large");
        let message = err.to_string();
        assert_eq!(
            message,
            format!("the PNG has more than {MAX_PNG_CHUNKS} chunks")
        );
        assert!(!message.contains("bytes"), "{message}");
    }

    #[test]
    fn random_mutations_never_panic() {
        let baked = bake_png(&tiny_png(), Payload::Json("{\"a\":1}")).unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let mut m = baked.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = (seed as usize) % m.len();
                m[i] = (seed >> 32) as u8;
            }
            let _ = unbake_png(&m);
            let _ = bake_png(&m, Payload::Json("{}"));
        }
    }
}
