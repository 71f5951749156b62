//! Open Badges SVG unbaking (XML scan, namespaces, no entities, no fetch).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = backpack_bake::unbake_svg(data);
});
