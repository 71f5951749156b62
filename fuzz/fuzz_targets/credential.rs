//! Everything `Verifier::verify_bytes` accepts: credential JSON (VC 2.0 /
//! 1.1, OB 3.0, OB 2.0), compact JWT, baked PNG/SVG, with JSON-LD expansion
//! and RDFC for Data Integrity proofs; did:key resolved offline.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backpack_fuzz::with_offline_verifier(|v| {
        if let Ok(report) = v.verify_bytes(data) {
            let _ = report.verdict;
        }
    });
});
