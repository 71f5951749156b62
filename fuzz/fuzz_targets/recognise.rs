//! Certificate recognition from extracted text (platform, title, learner,
//! date, URL, id).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = backpack_documents::recognise(&text);
});
