//! The PDF reader: page count and text layer (what an upload shows and
//! prefills from).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backpack_fuzz::count_caught_panics();
    if let Ok(info) = backpack_documents::pdf_info(data) {
        let _ = backpack_documents::recognise(&info.text);
    }
});
