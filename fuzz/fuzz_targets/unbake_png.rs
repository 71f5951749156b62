//! Open Badges PNG unbaking (chunks, iTXt/tEXt/zTXt, inflation limits).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = backpack_bake::unbake_png(data);
    let _ = backpack_bake::unbake(data);
});
