//! Shared set-up for the fuzz targets: a fixed clock, offline resolvers and
//! fixed keys, so that every run is reproducible and nothing touches the
//! network. See docs/fuzzing.md.

use backpack_credentials::did::OfflineResolver;
use backpack_credentials::status::NoStatusLists;
use backpack_credentials::{Processor, Verifier};
use backpack_crypto::ed25519::SigningKey;
use backpack_crypto::multikey::PublicKey;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::OnceLock;
use time::OffsetDateTime;

/// The time every verification is judged at (2026-01-01T00:00:00Z).
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Run `f` with a verifier over the bundled contexts, did:key only, no
/// status lists: what `backpack verify FILE` does without options.
pub fn with_offline_verifier<T>(f: impl FnOnce(&Verifier<'_>) -> T) -> T {
    static RESOLVER: OnceLock<OfflineResolver> = OnceLock::new();
    let resolver = RESOLVER.get_or_init(OfflineResolver::new);
    let verifier = Verifier {
        processor: Processor::shared(),
        resolver,
        status_lists: &NoStatusLists,
        now: now(),
        deadline: &backpack_credentials::NoDeadline,
    };
    f(&verifier)
}

/// Public keys of each type a JWS may be checked against (generated once
/// with openssl; their secret halves are not kept).
pub fn public_keys() -> &'static [PublicKey] {
    const PEMS: [&str; 3] = [
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAynivn5mldVKWkB18yHvNfLKLi8sxp8/QaYAgsRFPF7M=\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0sr1wj4VUJBTe8+LysoU00fVKw+Z\nBPWgue7eJ8bhCkbTHnqifGhVEtgw0HwJg4lkYkhoB1Vd0XLLinrRiCaxPQ==\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAiZuNEZ1WPZDy7mOad+WH\nDC61GgPuYgSatF0DYAr3JKp5tjNFPhu32IfowgXV6QA/m2cULy2TiOy7BqEaTRc8\nuMnwVao/3TkQSNdQ3bK3cKQxRH8nNxHFYni245aomFF8lORsnfSbTFE59EwGZiu0\n3Zv+I93905pePtPknM57rn4QwjB8WZfBD0r5xemiHJyg50JhryyRU/sJy7qq6Edb\nEpcgYwhasIEfFWCT/3FgbPaMl1x4S5f84XDl3FBO2ZkdVWEnEwkSLraTSjrLfDLD\nxWnzBasbOPnpONxlPxniWDBEoizcjeVOKAXVsyOAykeAnZMPN7ks8S8sPyECdb4H\nBQIDAQAB\n-----END PUBLIC KEY-----\n",
    ];
    static KEYS: OnceLock<Vec<PublicKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        PEMS.iter()
            .filter_map(|p| PublicKey::from_pem(p).ok())
            .collect()
    })
}

/// The OB 2.0 fixture: an issuer whose key signs every fuzzed assertion,
/// with its key document, profile, BadgeClass and revocation list served by
/// an offline resolver at fixed URLs (seeds use the same URLs).
pub struct Ob2Fixture {
    pub key: SigningKey,
    pub resolver: OfflineResolver,
}

pub const OB2_KEY: &str = "https://issuer.example/key";
pub const OB2_PROFILE: &str = "https://issuer.example/profile";
pub const OB2_BADGE: &str = "https://issuer.example/badge";
pub const OB2_REVOCATIONS: &str = "https://issuer.example/revocations";

pub fn ob2_fixture() -> &'static Ob2Fixture {
    static FIXTURE: OnceLock<Ob2Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = SigningKey::from_seed(&[7; 32]);
        let mut der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        der.extend_from_slice(&key.verifying_key().to_bytes());
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(der)
        );
        let ctx = "https://w3id.org/openbadges/v2";
        let resolver = OfflineResolver::new()
            .with_document(
                OB2_KEY,
                json!({"@context": ctx, "type": "CryptographicKey", "id": OB2_KEY,
                       "owner": OB2_PROFILE, "publicKeyPem": pem}),
            )
            .with_document(
                OB2_PROFILE,
                json!({"@context": ctx, "type": "Profile", "id": OB2_PROFILE,
                       "name": "Fuzz Issuer", "url": "https://issuer.example/",
                       "publicKey": OB2_KEY, "revocationList": OB2_REVOCATIONS}),
            )
            .with_document(
                OB2_BADGE,
                json!({"@context": ctx, "type": "BadgeClass", "id": OB2_BADGE,
                       "name": "Fuzz Badge", "issuer": OB2_PROFILE,
                       "criteria": {"narrative": "x"}, "image": "https://issuer.example/i.png"}),
            )
            .with_document(
                OB2_REVOCATIONS,
                json!({"@context": ctx, "type": "RevocationList", "id": OB2_REVOCATIONS,
                       "revokedAssertions": [{"id": "urn:uuid:revoked", "revocationReason": "x"}]}),
            );
        Ob2Fixture { key, resolver }
    })
}

/// Sign `payload` (any bytes) as a compact EdDSA JWS with the OB 2.0 key.
pub fn ob2_sign(payload: &[u8]) -> String {
    backpack_crypto::jose::sign_compact_eddsa(&serde_json::Map::new(), payload, &ob2_fixture().key)
}

/// The first byte of `data` as a selector, and the rest.
pub fn split_selector(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((b, rest)) => (*b, rest),
        None => (0, data),
    }
}

/// Helper for targets that want a `Value` without the depth/size limits.
pub fn json(data: &[u8]) -> Option<Value> {
    serde_json::from_slice(data).ok()
}

/// `backpack-documents` runs the PDF and image libraries under
/// `catch_unwind` and turns a panic into an error, by design; libFuzzer's
/// panic hook would abort on those caught panics. Targets over that crate
/// call this first: each new panic location is printed once (a finding to
/// report upstream) and the run goes on. A panic that escapes still aborts
/// (libfuzzer-sys catches it around the target and aborts).
pub fn count_caught_panics() {
    use std::collections::HashSet;
    use std::sync::{Mutex, Once};
    static ONCE: Once = Once::new();
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if let Ok(mut seen) = SEEN.lock() {
                if seen.get_or_insert_with(HashSet::new).insert(place.clone()) {
                    eprintln!(
                        "CAUGHT PANIC (turned into an error by catch_unwind) at {place}: {info}"
                    );
                }
            }
        }));
    });
}
