//! The PDF reader: first page rendered to a PNG preview.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backpack_fuzz::count_caught_panics();
    let _ = backpack_documents::pdf_preview(data, 120);
});
