//! JSON-LD to RDF for Backpack's pinned contexts, and RDFC-1.0
//! canonicalisation with a work budget.
//!
//! Design:
//! - **Nothing is fetched.** Contexts come from [`contexts`] (files bundled in
//!   the binary, SHA-256 pinned); an unknown URL is
//!   [`JsonLdError::ContextNotBundled`].
//! - **Fail closed (safe mode).** Expansion follows JSON-LD 1.1, but anything
//!   that would be silently dropped — an undefined term, a relative IRI — is
//!   [`JsonLdError::DataLoss`]; unsupported features are errors, never skipped.
//! - **Fast.** Processed contexts are cached in the [`Processor`]: the
//!   document's `@context` list, and every scoped context applied on top of a
//!   given active context, are processed once.
//! - **Bounded.** [`limits`] caps nesting, work, quads and canonicalisation.
//!
//! RDFC-1.0: a fast path for graphs whose blank nodes have distinct
//! first-degree hashes (all real credentials), and the `rdf-canon` crate for
//! the full algorithm otherwise (see `canon`).

mod canon;
pub mod context;
pub mod contexts;
mod error;
mod expand;
pub mod limits;
mod rdf;

pub use canon::{canonicalize_with, RdfcHash};
pub use error::JsonLdError;
pub use oxrdf::Quad;
pub use rdf::canonical_double;

use context::{ActiveContext, ContextSource};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Entries kept in each context cache before it is cleared.
const CACHE_CAP: usize = 4096;

type ScopedKey = (usize, usize, bool);
type EmbeddedKey = (usize, String);
type EmbeddedEntry = (Arc<ActiveContext>, Arc<ActiveContext>);
type ScopedEntry = (Arc<ActiveContext>, Arc<Value>, Arc<ActiveContext>);

/// Turns documents into RDF and canonical N-Quads. `Send + Sync`; share one.
pub struct Processor {
    documents: HashMap<String, Arc<Value>>,
    root: Arc<ActiveContext>,
    embedded_cache: RwLock<HashMap<EmbeddedKey, EmbeddedEntry>>,
    scoped_cache: RwLock<HashMap<ScopedKey, ScopedEntry>>,
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ContextSource for Processor {
    fn get(&self, url: &str) -> Option<Arc<Value>> {
        self.documents.get(url).cloned()
    }
}

impl Default for Processor {
    fn default() -> Self {
        Self::new()
    }
}

impl Processor {
    /// A processor over the bundled contexts.
    pub fn new() -> Self {
        let documents = contexts::all()
            .iter()
            .filter_map(|c| {
                serde_json::from_slice::<Value>(c.bytes)
                    .ok()
                    .map(|v| (c.url.to_string(), Arc::new(v)))
            })
            .collect();
        Processor {
            documents,
            root: Arc::new(ActiveContext::default()),
            embedded_cache: RwLock::new(HashMap::new()),
            scoped_cache: RwLock::new(HashMap::new()),
        }
    }

    /// The same, plus one more context document (for tests and examples:
    /// production code uses only the bundled set).
    pub fn with_context(mut self, url: &str, document: Value) -> Self {
        self.documents.insert(url.to_string(), Arc::new(document));
        self
    }

    /// The process-wide processor over the bundled contexts.
    pub fn shared() -> &'static Processor {
        static SHARED: OnceLock<Processor> = OnceLock::new();
        SHARED.get_or_init(Processor::new)
    }

    /// An embedded `@context` applied to `active` (cached).
    pub(crate) fn embedded(
        &self,
        active: &Arc<ActiveContext>,
        ctx: &Value,
    ) -> Result<Arc<ActiveContext>, JsonLdError> {
        let key = (
            Arc::as_ptr(active) as usize,
            serde_json::to_string(ctx).unwrap_or_default(),
        );
        if let Some((_, hit)) = read(&self.embedded_cache).get(&key) {
            return Ok(hit.clone());
        }
        let processed = context::process(self, active, ctx, 0, false, true)?;
        let mut cache = write(&self.embedded_cache);
        if cache.len() >= CACHE_CAP {
            cache.clear();
        }
        cache.insert(key, (active.clone(), processed.clone()));
        Ok(processed)
    }

    /// A scoped context (property- or type-scoped) applied to `active` (cached).
    pub(crate) fn scoped(
        &self,
        active: &Arc<ActiveContext>,
        ctx: &Arc<Value>,
        override_protected: bool,
        propagate: bool,
    ) -> Result<Arc<ActiveContext>, JsonLdError> {
        let key = (
            Arc::as_ptr(active) as usize,
            Arc::as_ptr(ctx) as usize,
            propagate,
        );
        if let Some((_, _, hit)) = read(&self.scoped_cache).get(&key) {
            return Ok(hit.clone());
        }
        let processed = context::process(self, active, ctx, 0, override_protected, propagate)?;
        let mut cache = write(&self.scoped_cache);
        if cache.len() >= CACHE_CAP {
            cache.clear();
        }
        cache.insert(key, (active.clone(), ctx.clone(), processed.clone()));
        Ok(processed)
    }

    /// JSON-LD 1.1 toRdf of `doc`, in safe mode.
    pub fn to_rdf(&self, doc: &Value) -> Result<Vec<Quad>, JsonLdError> {
        self.to_rdf_within(doc, limits::MAX_QUADS)
    }

    /// [`Processor::to_rdf`] that stops at `max_quads` quads (a caller's
    /// lower cap, for example for credentials; never above
    /// [`limits::MAX_QUADS`]): [`JsonLdError::TooManyQuads`].
    pub fn to_rdf_within(&self, doc: &Value, max_quads: usize) -> Result<Vec<Quad>, JsonLdError> {
        let mut expander = expand::Expander {
            processor: self,
            items: 0,
        };
        let items = expander.expand(&self.root, None, doc, "", 0, false)?;
        let mut emitter = rdf::Emitter::with_max_quads(max_quads);
        emitter.emit_top(&items)?;
        Ok(emitter.quads)
    }

    /// [`Processor::to_rdf`] then RDFC-1.0: canonical N-Quads, one per line.
    pub fn canonicalize_document(&self, doc: &Value) -> Result<String, JsonLdError> {
        canonicalize(&self.to_rdf(doc)?)
    }
}

/// RDFC-1.0 (SHA-256) within [`limits::MAX_HNDQ_CALLS`].
pub fn canonicalize(quads: &[Quad]) -> Result<String, JsonLdError> {
    canonicalize_with(quads, RdfcHash::Sha256)
}
