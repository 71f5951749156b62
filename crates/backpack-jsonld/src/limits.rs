//! Limits of JSON-LD processing and canonicalisation. Each is checked before
//! the work it bounds grows past it.

/// Deepest nesting of JSON objects/arrays expanded.
pub const MAX_DEPTH: usize = 64;

/// Most JSON values visited while expanding one document.
pub const MAX_ITEMS: usize = 200_000;

/// Most RDF quads one document may produce.
pub const MAX_QUADS: usize = 100_000;

/// Deepest nesting of contexts (remote inside remote, scoped inside scoped).
pub const MAX_CONTEXT_DEPTH: usize = 16;

/// RDFC-1.0 work budget: calls to the Hash N-Degree Quads algorithm. Real
/// credentials need a handful; the W3C "poison graph" needs millions.
pub const MAX_HNDQ_CALLS: usize = 4_000;
