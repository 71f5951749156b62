//! Bitstring Status List `encodedList` decoding (base64url, gzip, caps) and
//! entry reads. The first eight bytes pick an index and a status size.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (head, rest) = data.split_at(data.len().min(8));
    let mut word = [0u8; 8];
    word[..head.len()].copy_from_slice(head);
    let index = u64::from_le_bytes([word[0], word[1], word[2], word[3], 0, 0, 0, 0]);
    let size = u32::from_le_bytes([word[4], word[5], word[6], word[7]]);
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if let Ok(list) = backpack_credentials::status::Bitstring::decode(text) {
        let _ = list.entry(index, size);
        let _ = list.entry(index, 1);
        let _ = list.entry(u64::MAX, size);
        let _ = list.len_bits();
    }
});
