//! Every size and work limit of the credential engine, in one place.
//!
//! Each limit is enforced before the expensive step it protects and has a test
//! at the limit and one past it (see `tests/it/limits.rs`). The lower layers
//! keep their own limits next to their code and are re-exported here so that
//! this module is the one list an operator or reviewer reads:
//! [`backpack_jsonld::limits`] (JSON-LD depth, quads, canonicalisation work) and
//! [`backpack_bake::limits`] (image and text-chunk sizes).

pub use backpack_bake::limits as bake;
pub use backpack_jsonld::limits as jsonld;

/// Largest credential document accepted, in bytes (JSON text or compact JWT).
/// Real credentials with embedded images reach a few hundred KB (EDC samples:
/// ~200 KB); 2 MiB leaves room without letting one input exhaust memory.
pub const MAX_CREDENTIAL_BYTES: usize = 2 * 1024 * 1024;

/// Deepest JSON nesting accepted (objects and arrays). Checked on the raw
/// text before parsing, so a deeply nested input costs one linear scan.
pub const MAX_JSON_DEPTH: usize = 64;

/// Most proofs one credential may carry (a proof set); more is refused.
pub const MAX_PROOFS: usize = 8;

/// Largest `encodedList` of a status list credential, in characters, before
/// decoding (base64url of a GZIP stream).
pub const MAX_STATUS_LIST_ENCODED: usize = 2 * 1024 * 1024;

/// Largest decoded (inflated) status list bitstring, in bytes. 16 MiB is
/// 134,217,728 entries, far beyond any published list; a decompression bomb
/// stops here.
pub const MAX_STATUS_LIST_BYTES: usize = 16 * 1024 * 1024;

/// Nesting of credentials inside credentials that the verifier follows
/// (a status list credential is verified with depth + 1).
pub const MAX_VERIFY_DEPTH: usize = 2;

/// Most RDF quads a credential (or a status list credential) may expand to
/// before it is canonicalised or checked. A real badge has well under 1,000
/// (the 25 KB 1EdTech "complete" example: a few hundred); the generic JSON-LD
/// cap ([`jsonld::MAX_QUADS`]) stays for other documents. Past it:
/// `credential_too_complex`.
pub const MAX_CREDENTIAL_QUADS: usize = 5_000;

/// Most `credentialStatus` entries one credential may carry; more is invalid
/// (`too_many_status_entries`). Real credentials carry one or two (a
/// revocation and a suspension list).
pub const MAX_STATUS_ENTRIES: usize = 4;

/// Operation budget of one verification (a credential and everything it leads
/// to: status lists, nested credentials): each status list fetch, each list
/// decode and each RDF canonicalisation costs one. Past it, the remaining
/// checks are "not checked" (`verification_budget_exceeded`), so the verdict
/// is never green. Entries naming the same list share one fetch and one decode.
pub const MAX_VERIFY_OPERATIONS: usize = 64;
