//! did:web DID → URL (`backpack_fetch::did_web_url`): the URL must stay on
//! the DID's host, over https unless asked for loopback testing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(did) = std::str::from_utf8(data) else {
        return;
    };
    for local in [false, true] {
        if let Ok(url) = backpack_fetch::did_web_url(did, local) {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"))
                .unwrap_or_else(|| panic!("{did:?} gave a URL without http(s): {url:?}"));
            let host = rest.split('/').next().unwrap_or("");
            assert!(
                !host.is_empty() && !host.contains(['@', '\\', '?', '#']),
                "{did:?} gave a URL with a bad authority: {url:?}"
            );
            assert!(local || url.starts_with("https://"), "{did:?} → {url:?}");
        }
    }
});
