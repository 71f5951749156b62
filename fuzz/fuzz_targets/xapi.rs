//! xAPI statements as an LMS posts them (`/xapi/statements`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(statements) = backpack_domain::xapi::parse(data) {
        for s in &statements {
            let _ = format!("{s:?}");
        }
    }
});
