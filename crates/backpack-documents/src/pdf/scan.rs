//! The PDF decompression-bomb guard.
//!
//! `hayro` decodes streams without a size limit, so a few kilobytes of
//! nested Flate can ask for gigabytes. Before a document is parsed, every
//! stream's filter chain is run through streaming, counting decoders (Flate
//! via `flate2`, LZW, RunLength, ASCIIHex, ASCII85) that keep nothing but a
//! 32 KiB scratch buffer; the document is refused once the total passes
//! [`MAX_PDF_DECODED_BYTES`]. Image codecs (DCT, JPX, JBIG2, CCITT) end a
//! chain: their output is bounded by the image's size, which the previewer
//! checks before drawing.
//!
//! The raw scan reads the file's bytes (`stream` … `endstream`, the filter
//! names from the dictionary just before). When no `/Filter` can be read
//! there, the data is probed as Flate anyway, so hiding the filter does not
//! hide a bomb. Encrypted streams cannot be inflated from the raw bytes:
//! for an encrypted document the same count is made after `hayro` has
//! opened it, over its decrypted streams.

use crate::{DocError, MAX_PDF_DECODED_BYTES};
use flate2::bufread::{DeflateDecoder, ZlibDecoder};
use hayro::hayro_syntax::object::{Dict, Object};
use hayro::hayro_syntax::{Filter, Pdf};
use std::io::{BufRead, BufReader, Read};

/// One decoding stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Zlib when the data starts with a zlib header, raw Deflate otherwise
    /// (as `hayro` does).
    Flate,
    /// LZW with the `EarlyChange` parameter.
    Lzw(bool),
    RunLength,
    AsciiHex,
    Ascii85,
    /// An image codec, `Crypt` or an unknown filter: the chain stops.
    Stop,
}

/// How many streams one document may have.
const MAX_STREAMS: usize = 100_000;

/// How far before `stream` the dictionary is looked for (a stream's
/// dictionary is short; a longer one is probed as Flate).
const DICT_WINDOW: usize = 4 * 1024;

/// Counts what the document's streams decode to, from the raw bytes.
pub(crate) fn check_raw(bytes: &[u8]) -> Result<(), DocError> {
    let mut used: u64 = 0;
    let mut streams = 0usize;
    let mut pos = 0usize;
    let mut scratch = vec![0u8; SCRATCH];
    while let Some(off) = find(&bytes[pos..], b"stream") {
        let kw = pos + off;
        pos = kw + b"stream".len();
        if !after_dict(&bytes[..kw]) {
            continue; // `endstream`, or the word inside some text
        }
        streams += 1;
        if streams > MAX_STREAMS {
            return Err(DocError::TooLarge);
        }
        let start = skip_eol(bytes, pos);
        let dict = dict_before(bytes, kw);
        // The scan goes on from here: linear in the file's length.
        let by_keyword = find(&bytes[start..], b"endstream").map_or(bytes.len(), |e| start + e);
        let by_length = direct_int(dict, b"/Length")
            .and_then(|n| usize::try_from(n).ok())
            .map_or(0, |n| start.saturating_add(n).min(bytes.len()));
        let end = by_keyword.max(by_length);
        let stages = match filter_value(dict) {
            Some(value) => stages_from_names(value, dict),
            // No readable `/Filter`: probe as Flate.
            None => vec![Stage::Flate],
        };
        let n = count_decoded(&bytes[start..end], &stages, budget_left(used), &mut scratch);
        used = used.saturating_add(n);
        if used > MAX_PDF_DECODED_BYTES {
            return Err(DocError::TooLarge);
        }
        pos = by_keyword.max(pos);
    }
    Ok(())
}

/// Counts what the decrypted streams of an opened document decode to.
pub(crate) fn check_decrypted(pdf: &Pdf) -> Result<(), DocError> {
    let mut used: u64 = 0;
    let mut scratch = vec![0u8; SCRATCH];
    for (n, object) in pdf.objects().into_iter().enumerate() {
        if n > MAX_STREAMS * 4 {
            return Err(DocError::TooLarge);
        }
        let Object::Stream(stream) = object else {
            continue;
        };
        let early_change = stream
            .dict()
            .get::<Dict<'_>>(b"DecodeParms")
            .and_then(|p| p.get::<u8>(b"EarlyChange"))
            .is_none_or(|v| v != 0);
        let stages: Vec<Stage> = stream
            .filters()
            .iter()
            .map(|f| match f {
                Filter::FlateDecode => Stage::Flate,
                Filter::LzwDecode => Stage::Lzw(early_change),
                Filter::RunLengthDecode => Stage::RunLength,
                Filter::AsciiHexDecode => Stage::AsciiHex,
                Filter::Ascii85Decode => Stage::Ascii85,
                _ => Stage::Stop,
            })
            .collect();
        let n = count_decoded(&stream.raw_data(), &stages, budget_left(used), &mut scratch);
        used = used.saturating_add(n);
        if used > MAX_PDF_DECODED_BYTES {
            return Err(DocError::TooLarge);
        }
    }
    Ok(())
}

fn budget_left(used: u64) -> u64 {
    MAX_PDF_DECODED_BYTES.saturating_sub(used)
}

/// Whether a `/Encrypt` entry appears anywhere (trailer or xref stream).
pub(crate) fn mentions_encryption(bytes: &[u8]) -> bool {
    find(bytes, b"/Encrypt").is_some()
}

const SCRATCH: usize = 32 * 1024;

/// The number of bytes `data` decodes to through `stages`, counting past
/// `cap` by at most one buffer. A decoding error ends the count.
#[cfg(test)]
pub(crate) fn decoded_len(data: &[u8], stages: &[Stage], cap: u64) -> u64 {
    count_decoded(data, stages, cap, &mut [0u8; SCRATCH])
}

/// [`decoded_len`] with a scratch buffer from the caller.
fn count_decoded(data: &[u8], stages: &[Stage], cap: u64, scratch: &mut [u8]) -> u64 {
    if stages.is_empty() || stages[0] == Stage::Stop {
        return 0;
    }
    let mut reader: Box<dyn Read + '_> = Box::new(data);
    let mut flates = 0;
    for stage in stages {
        reader = match *stage {
            Stage::Flate => {
                flates += 1;
                flate(reader)
            }
            Stage::Lzw(early_change) => Box::new(Decoder::new(reader, Lzw::new(early_change))),
            Stage::RunLength => Box::new(Decoder::new(reader, RunLength)),
            Stage::AsciiHex => Box::new(Decoder::new(reader, AsciiHex)),
            Stage::Ascii85 => Box::new(Decoder::new(reader, Ascii85)),
            Stage::Stop => break,
        };
    }
    // Deflate inside Deflate, undeclared (the probe): follow it, to a depth.
    if flates == 1 && stages.len() == 1 {
        let mut buffered = BufReader::new(reader);
        let nested = buffered.fill_buf().map(is_zlib).unwrap_or(false);
        reader = if nested {
            let inner: Box<dyn Read + '_> = Box::new(ZlibDecoder::new(buffered));
            let mut again = BufReader::new(inner);
            if again.fill_buf().map(is_zlib).unwrap_or(false) {
                Box::new(ZlibDecoder::new(again))
            } else {
                Box::new(again)
            }
        } else {
            Box::new(buffered)
        };
    }
    let mut total: u64 = 0;
    while total <= cap {
        match reader.read(scratch) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n as u64,
        }
    }
    total
}

fn flate(inner: Box<dyn Read + '_>) -> Box<dyn Read + '_> {
    let mut buffered = BufReader::new(inner);
    let zlib = buffered.fill_buf().map(is_zlib).unwrap_or(false);
    if zlib {
        Box::new(ZlibDecoder::new(buffered))
    } else {
        Box::new(DeflateDecoder::new(buffered))
    }
}

fn is_zlib(head: &[u8]) -> bool {
    match head {
        [cmf, flg, ..] => cmf & 0x0F == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|&b| b == first)
        {
            None => return None,
            Some(p) => {
                i += p;
                if hay[i..].starts_with(needle) {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

/// `>>`, then optional white space, right before the keyword.
fn after_dict(before: &[u8]) -> bool {
    let end = before
        .iter()
        .rposition(|&b| !is_white(b))
        .map_or(0, |p| p + 1);
    before[..end].ends_with(b">>")
}

fn skip_eol(bytes: &[u8], pos: usize) -> usize {
    match bytes.get(pos..) {
        Some([b'\r', b'\n', ..]) => pos + 2,
        Some([b'\n' | b'\r', ..]) => pos + 1,
        _ => pos.min(bytes.len()),
    }
}

/// The stream's dictionary: from the `<<` that opens it to the `>>` just
/// before `kw`, found by counting `<<` and `>>` backwards. When it does not
/// balance within [`DICT_WINDOW`] bytes, the whole window.
fn dict_before(bytes: &[u8], kw: usize) -> &[u8] {
    let from = kw.saturating_sub(DICT_WINDOW);
    let window = &bytes[from..kw];
    let mut depth = 0usize;
    let mut i = window.len();
    while i >= 2 {
        match &window[i - 2..i] {
            b">>" => {
                depth += 1;
                i -= 2;
            }
            b"<<" => {
                depth = depth.saturating_sub(1);
                i -= 2;
                if depth == 0 {
                    return &window[i..];
                }
            }
            _ => i -= 1,
        }
    }
    window
}

/// The value after `/Filter`, up to the next key at the same level (a
/// name or an array of names); `None` if there is no `/Filter` or its
/// value is an indirect reference.
fn filter_value(dict: &[u8]) -> Option<&[u8]> {
    let mut at = 0;
    let key = loop {
        let p = at + find(&dict[at..], b"/Filter")?;
        let next = dict.get(p + 7).copied();
        // `/Filter` and not `/FilterX`.
        if next.is_none_or(|b| is_white(b) || b == b'/' || b == b'[') {
            break p + 7;
        }
        at = p + 7;
    };
    let rest = &dict[key..];
    let skip = rest.iter().position(|&b| !is_white(b))?;
    let rest = &rest[skip..];
    match rest.first()? {
        b'[' => {
            let close = rest.iter().position(|&b| b == b']')?;
            Some(&rest[1..close])
        }
        b'/' => {
            let len = rest[1..]
                .iter()
                .position(|&b| is_white(b) || b"/[]<>()".contains(&b))
                .map_or(rest.len(), |p| p + 1);
            Some(&rest[..len])
        }
        _ => None,
    }
}

fn stages_from_names(value: &[u8], dict: &[u8]) -> Vec<Stage> {
    let early_change = direct_int(dict, b"/EarlyChange") != Some(0);
    value
        .split(|&b| b == b'/' || is_white(b))
        .filter(|n| !n.is_empty())
        .map(|name| match name {
            b"FlateDecode" | b"Fl" => Stage::Flate,
            b"LZWDecode" | b"LZW" => Stage::Lzw(early_change),
            b"RunLengthDecode" | b"RL" => Stage::RunLength,
            b"ASCIIHexDecode" | b"AHx" => Stage::AsciiHex,
            b"ASCII85Decode" | b"A85" => Stage::Ascii85,
            _ => Stage::Stop,
        })
        .collect()
}

/// A direct, non-negative integer after `key` (not an indirect reference).
fn direct_int(dict: &[u8], key: &[u8]) -> Option<u64> {
    let p = find(dict, key)? + key.len();
    let rest = &dict[p..];
    let skip = rest.iter().position(|&b| !is_white(b))?;
    let rest = &rest[skip..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 12 {
        return None;
    }
    // `12 0 R` is a reference.
    let after = &rest[digits..];
    let mut words = after.split(|&b| is_white(b)).filter(|w| !w.is_empty());
    if let (Some(gen), Some(r)) = (words.next(), words.next()) {
        if gen.iter().all(u8::is_ascii_digit) && r.first() == Some(&b'R') {
            return None;
        }
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// A streaming decoder over a byte source.
trait Step {
    /// Consumes input, appends output; `false` once the data has ended.
    fn step(&mut self, input: &mut dyn Iterator<Item = u8>, out: &mut Vec<u8>) -> bool;
}

struct Decoder<'a, S> {
    input: BufReader<Box<dyn Read + 'a>>,
    step: S,
    out: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<'a, S: Step> Decoder<'a, S> {
    fn new(inner: Box<dyn Read + 'a>, step: S) -> Self {
        Decoder {
            input: BufReader::new(inner),
            step,
            out: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl<S: Step> Read for Decoder<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.out.clear();
            self.pos = 0;
            let mut input = (&mut self.input).bytes().map_while(Result::ok);
            self.done = !self.step.step(&mut input, &mut self.out);
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

struct RunLength;

impl Step for RunLength {
    fn step(&mut self, input: &mut dyn Iterator<Item = u8>, out: &mut Vec<u8>) -> bool {
        match input.next() {
            None | Some(128) => false,
            Some(n @ 0..=127) => {
                out.extend(input.take(usize::from(n) + 1));
                true
            }
            Some(n) => match input.next() {
                Some(b) => {
                    out.resize(257 - usize::from(n), b);
                    true
                }
                None => false,
            },
        }
    }
}

struct AsciiHex;

impl Step for AsciiHex {
    fn step(&mut self, input: &mut dyn Iterator<Item = u8>, out: &mut Vec<u8>) -> bool {
        let mut high: Option<u8> = None;
        for b in &mut *input {
            let v = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                b'>' => break,
                b if is_white(b) => continue,
                _ => return false,
            };
            match high.take() {
                None => high = Some(v),
                Some(h) => {
                    out.push(h << 4 | v);
                    if out.len() >= 4096 {
                        return true;
                    }
                }
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        false
    }
}

struct Ascii85;

impl Step for Ascii85 {
    fn step(&mut self, input: &mut dyn Iterator<Item = u8>, out: &mut Vec<u8>) -> bool {
        let mut group = [0u8; 5];
        let mut n = 0;
        for b in &mut *input {
            match b {
                b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
                b'!'..=b'u' => {
                    group[n] = b - b'!';
                    n += 1;
                    if n == 5 {
                        let v = group.iter().fold(0u64, |acc, &d| acc * 85 + u64::from(d));
                        out.extend_from_slice(&(v as u32).to_be_bytes());
                        n = 0;
                    }
                }
                b'~' => break,
                b if is_white(b) => continue,
                _ => return false,
            }
            if out.len() >= 4096 {
                return true;
            }
        }
        if n > 1 {
            for d in group.iter_mut().skip(n) {
                *d = 84;
            }
            let v = group.iter().fold(0u64, |acc, &d| acc * 85 + u64::from(d));
            out.extend_from_slice(&(v as u32).to_be_bytes()[..n - 1]);
        }
        false
    }
}

/// LZW as `hayro` decodes it: 9- to 12-bit codes, 256 clears, 257 ends, the
/// table stops growing at 4,096 entries.
struct Lzw {
    early_change: bool,
    /// (prefix code, last byte, first byte, length) for codes ≥ 258.
    table: Vec<(u16, u8, u8, u16)>,
    prev: Option<usize>,
    bits: u32,
    nbits: u32,
}

impl Lzw {
    const CLEAR: usize = 256;
    const EOD: usize = 257;
    const FIRST: usize = 258;
    const MAX: usize = 4096;

    fn new(early_change: bool) -> Self {
        Lzw {
            early_change,
            table: Vec::with_capacity(Self::MAX - Self::FIRST),
            prev: None,
            bits: 0,
            nbits: 0,
        }
    }

    fn size(&self) -> usize {
        Self::FIRST + self.table.len()
    }

    fn code_length(&self) -> u32 {
        let adjusted = self.size() + usize::from(self.early_change);
        match adjusted {
            2048.. => 12,
            1024.. => 11,
            512.. => 10,
            _ => 9,
        }
    }

    /// (first byte, length) of an entry.
    fn entry(&self, code: usize) -> Option<(u8, u16)> {
        match code {
            0..=255 => Some((code as u8, 1)),
            Self::CLEAR | Self::EOD => None,
            _ => self.table.get(code - Self::FIRST).map(|e| (e.2, e.3)),
        }
    }

    fn register(&mut self, prev: usize, byte: u8) -> bool {
        let Some((first, len)) = self.entry(prev) else {
            return false;
        };
        if self.size() >= Self::MAX {
            return false;
        }
        self.table
            .push((prev as u16, byte, first, len.saturating_add(1)));
        true
    }

    fn emit(&self, code: usize, out: &mut Vec<u8>) {
        let Some((_, len)) = self.entry(code) else {
            return;
        };
        let start = out.len();
        out.resize(start + usize::from(len), 0);
        let mut c = code;
        let mut i = start + usize::from(len);
        while i > start {
            i -= 1;
            if c < 256 {
                out[i] = c as u8;
                break;
            }
            match self.table.get(c - Self::FIRST) {
                Some(&(prefix, byte, _, _)) => {
                    out[i] = byte;
                    c = usize::from(prefix);
                }
                None => break,
            }
        }
    }

    fn read_code(&mut self, input: &mut dyn Iterator<Item = u8>) -> Option<usize> {
        let want = self.code_length();
        while self.nbits < want {
            self.bits = (self.bits << 8) | u32::from(input.next()?);
            self.nbits += 8;
        }
        self.nbits -= want;
        let code = (self.bits >> self.nbits) & ((1 << want) - 1);
        self.bits &= (1 << self.nbits) - 1;
        Some(code as usize)
    }
}

impl Step for Lzw {
    fn step(&mut self, input: &mut dyn Iterator<Item = u8>, out: &mut Vec<u8>) -> bool {
        while out.len() < 4096 {
            let Some(code) = self.read_code(input) else {
                return false;
            };
            match code {
                Self::CLEAR => {
                    self.table.clear();
                    self.prev = None;
                }
                Self::EOD => return false,
                new if new < self.size() => {
                    let Some((first, _)) = self.entry(new) else {
                        return false;
                    };
                    self.emit(new, out);
                    if let Some(prev) = self.prev {
                        self.register(prev, first);
                    }
                    self.prev = Some(new);
                }
                new if new == self.size() => {
                    let Some(prev) = self.prev else {
                        return false;
                    };
                    let Some((first, _)) = self.entry(prev) else {
                        return false;
                    };
                    if !self.register(prev, first) {
                        return false;
                    }
                    self.emit(new, out);
                    self.prev = Some(new);
                }
                _ => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::ZlibEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        let _ = e.write_all(data);
        e.finish().unwrap_or_default()
    }

    fn zeros_zlib(n: usize) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        let chunk = vec![0u8; 1 << 20];
        let mut left = n;
        while left > 0 {
            let k = left.min(chunk.len());
            let _ = e.write_all(&chunk[..k]);
            left -= k;
        }
        e.finish().unwrap_or_default()
    }

    #[test]
    fn counts_flate_and_nested_flate() {
        let data = zlib(b"hello hello hello hello");
        assert_eq!(decoded_len(&data, &[Stage::Flate], u64::MAX), 23);
        let twice = zlib(&data);
        assert_eq!(
            decoded_len(&twice, &[Stage::Flate, Stage::Flate], u64::MAX),
            23
        );
        // The undeclared probe follows nesting too.
        assert_eq!(decoded_len(&twice, &[Stage::Flate], u64::MAX), 23);
        assert_eq!(
            decoded_len(b"not flate at all", &[Stage::Stop], u64::MAX),
            0
        );
        assert_eq!(decoded_len(b"plain", &[], u64::MAX), 0);
    }

    #[test]
    fn counting_stops_past_the_cap() {
        let bomb = zeros_zlib(64 << 20);
        assert!(bomb.len() < 100_000, "{}", bomb.len());
        let n = decoded_len(&bomb, &[Stage::Flate], 1 << 20);
        assert!(n > 1 << 20 && n < 2 << 20, "{n}");
    }

    #[test]
    fn decodes_the_ascii_and_run_length_filters() {
        let count = |data: &[u8], stage| decoded_len(data, &[stage], u64::MAX);
        assert_eq!(count(b"48 65 6c6C6f>", Stage::AsciiHex), 5);
        assert_eq!(count(b"486>", Stage::AsciiHex), 2);
        assert_eq!(count(b"87cURD]i,\"Ebo80~>", Stage::Ascii85), 12); // "Hello world!"
        assert_eq!(count(b"zz~>", Stage::Ascii85), 8);
        assert_eq!(
            count(&[2, b'a', b'b', b'c', 254, b'x', 128], Stage::RunLength),
            6
        );
        // Hex around Flate.
        let hex: String = zlib(b"abcdef").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            decoded_len(hex.as_bytes(), &[Stage::AsciiHex, Stage::Flate], u64::MAX),
            6
        );
    }

    /// LZW-encodes `data` with 9-bit codes only (no table growth needed past
    /// 511 entries for short inputs), the PDF spec's example style.
    fn lzw_encode(data: &[u8]) -> Vec<u8> {
        use std::collections::HashMap;
        let mut dict: HashMap<Vec<u8>, u32> = (0..=255u32).map(|i| (vec![i as u8], i)).collect();
        let mut next = 258u32;
        let mut codes = vec![256u32];
        let mut w: Vec<u8> = Vec::new();
        for &c in data {
            let mut wc = w.clone();
            wc.push(c);
            if dict.contains_key(&wc) {
                w = wc;
            } else {
                codes.push(dict[&w]);
                dict.insert(wc, next);
                next += 1;
                w = vec![c];
            }
        }
        if !w.is_empty() {
            codes.push(dict[&w]);
        }
        codes.push(257);
        let mut out = Vec::new();
        let (mut acc, mut n) = (0u64, 0u32);
        for code in codes {
            acc = (acc << 9) | u64::from(code);
            n += 9;
            while n >= 8 {
                n -= 8;
                out.push((acc >> n) as u8);
            }
        }
        if n > 0 {
            out.push((acc << (8 - n)) as u8);
        }
        out
    }

    #[test]
    fn decodes_lzw() {
        let text = b"-----A---B";
        let enc = lzw_encode(text);
        let mut r = Decoder::new(Box::new(&enc[..]), Lzw::new(true));
        let mut out = Vec::new();
        let _ = r.read_to_end(&mut out);
        assert_eq!(out, text);
        // The example from the PDF specification (7.4.4.2).
        let spec = [0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01];
        let mut r = Decoder::new(Box::new(&spec[..]), Lzw::new(true));
        let mut out = Vec::new();
        let _ = r.read_to_end(&mut out);
        assert_eq!(out, b"-----A---B");
    }

    #[test]
    fn reads_filters_from_dictionaries() {
        assert_eq!(
            filter_value(b"<< /Length 5 /Filter /FlateDecode >>"),
            Some(&b"/FlateDecode"[..])
        );
        assert_eq!(
            filter_value(b"<</Filter[/AHx /Fl]>>"),
            Some(&b"/AHx /Fl"[..])
        );
        assert_eq!(filter_value(b"<</Filter 7 0 R>>"), None);
        assert_eq!(filter_value(b"<</Length 3>>"), None);
        assert_eq!(
            stages_from_names(b"/AHx /Fl /DCTDecode", b""),
            vec![Stage::AsciiHex, Stage::Flate, Stage::Stop]
        );
        assert_eq!(
            stages_from_names(b"/LZW", b"/EarlyChange 0"),
            vec![Stage::Lzw(false)]
        );
        assert_eq!(direct_int(b"/Length 42 /Filter", b"/Length"), Some(42));
        assert_eq!(direct_int(b"/Length 42 0 R", b"/Length"), None);
        assert!(after_dict(b"<< /Length 3 >>\n"));
        let doc = b"1 0 obj <</A <</B 1>> /ID <0A>>> stream";
        assert_eq!(
            dict_before(doc, doc.len() - 6),
            &b"<</A <</B 1>> /ID <0A>>> "[..]
        );
        assert_eq!(dict_before(b"x >> stream", 5), &b"x >> "[..]);
        assert!(!after_dict(b"abc end"));
    }

    fn pdf_with_stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut v = b"%PDF-1.4\n1 0 obj\n".to_vec();
        v.extend_from_slice(dict.as_bytes());
        v.extend_from_slice(b"\nstream\n");
        v.extend_from_slice(data);
        v.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        v
    }

    #[test]
    fn raw_scan_refuses_bombs_and_passes_ordinary_streams() {
        let bomb = zeros_zlib(300 << 20);
        let doc = pdf_with_stream(
            &format!("<< /Length {} /Filter /FlateDecode >>", bomb.len()),
            &bomb,
        );
        assert_eq!(check_raw(&doc), Err(DocError::TooLarge));
        // The filter hidden behind a reference: probed anyway.
        let doc = pdf_with_stream("<< /Length 9 0 R /Filter 8 0 R >>", &bomb);
        assert_eq!(check_raw(&doc), Err(DocError::TooLarge));
        // Nested: a 1 MiB bomb of a 300 MiB bomb.
        let nested = zlib(&bomb);
        let doc = pdf_with_stream("<< /Filter [/FlateDecode /FlateDecode] >>", &nested);
        assert_eq!(check_raw(&doc), Err(DocError::TooLarge));
        let fine = zeros_zlib(10 << 20);
        let doc = pdf_with_stream("<< /Filter /FlateDecode >>", &fine);
        assert_eq!(check_raw(&doc), Ok(()));
        assert_eq!(check_raw(b"%PDF-1.4 nothing here"), Ok(()));
        // Too many streams: refused, and quickly.
        let many = b"<<>>stream\nendstream\n".repeat(150_000);
        let start = std::time::Instant::now();
        assert_eq!(check_raw(&many), Err(DocError::TooLarge));
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            start.elapsed()
        );
        let some = b"<<>>stream\nx\nendstream\n".repeat(20_000);
        assert_eq!(check_raw(&some), Ok(()));
        assert_eq!(check_raw(b"stream"), Ok(()));
        assert_eq!(check_raw(b">>stream"), Ok(()));
    }
}
