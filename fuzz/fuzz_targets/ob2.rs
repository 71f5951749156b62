//! Open Badges 2.0: the input is an assertion. It is verified as it is
//! (hosted, unsigned, 1.x recognition) and as the payload of a JWS signed
//! with the fixture issuer's key, whose key document, profile, BadgeClass
//! and revocation list an offline resolver serves (see `ob2_fixture`), so
//! the key binding, badge and issuer look-ups and revocation are reached.
#![no_main]
use backpack_credentials::status::NoStatusLists;
use backpack_credentials::{Processor, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fixture = backpack_fuzz::ob2_fixture();
    let verifier = Verifier {
        processor: Processor::shared(),
        resolver: &fixture.resolver,
        status_lists: &NoStatusLists,
        now: backpack_fuzz::now(),
        deadline: &backpack_credentials::NoDeadline,
    };
    let _ = verifier.verify_bytes(data);
    let jws = backpack_fuzz::ob2_sign(data);
    let _ = verifier.verify_bytes(jws.as_bytes());
});
