//! The work one verification may do, and what it did.
//!
//! A verification is a credential and everything it leads to (status list
//! credentials, their own status lists). One [`Session`] lives for the whole
//! of it: it caches the canonical hash of each document (every proof of a
//! proof set covers the same document) and each status list by URL (fetched,
//! verified and decoded once however many entries name it), counts the work
//! against [`MAX_VERIFY_OPERATIONS`], and asks the caller's [`Deadline`]
//! before each expensive step. This crate cannot read the clock: the caller
//! supplies the deadline (the server and the CLI give one; see
//! `backpack_fetch::DeadlineAt`).

use crate::limits::MAX_VERIFY_OPERATIONS;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// Asked between the expensive steps of a verification; once it says the
/// time is up, the remaining checks are "not checked".
pub trait Deadline: Send + Sync {
    fn passed(&self) -> bool;
}

/// No deadline: only the operation budget bounds the work (tests, offline
/// checks whose inputs are all local).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDeadline;

impl Deadline for NoDeadline {
    fn passed(&self) -> bool {
        false
    }
}

/// Why a verification stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The caller's deadline passed.
    Deadline,
    /// [`MAX_VERIFY_OPERATIONS`] was spent.
    Budget,
}

impl Stop {
    pub fn code(self) -> &'static str {
        match self {
            Stop::Deadline => "verification_deadline",
            Stop::Budget => "verification_budget_exceeded",
        }
    }

    pub fn message(self) -> String {
        match self {
            Stop::Deadline => "the verification ran out of time; this was not checked".into(),
            Stop::Budget => format!(
                "the verification used its whole budget of {MAX_VERIFY_OPERATIONS} operations (list fetches, list decodes, canonicalisations); this was not checked"
            ),
        }
    }
}

/// What one verification did (for tests, benchmarks and logs).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// Every costed operation, against [`MAX_VERIFY_OPERATIONS`].
    pub operations: usize,
    /// RDF canonicalisations of a document without its proofs.
    pub document_canonicalisations: usize,
    /// Status list credentials asked of the [`crate::status::StatusListSource`].
    pub status_list_fetches: usize,
    /// `encodedList` bitstrings decoded (inflated).
    pub status_list_decodes: usize,
}

/// (SHA-256 of a document's JSON, the proof's hash function) → the hash of
/// its canonical form (or why there is none).
type CanonicalHashes =
    HashMap<([u8; 32], crate::proof::Hashing), Result<Vec<u8>, crate::proof::ProofError>>;

/// The state of one verification.
pub(crate) struct Session<'a> {
    deadline: &'a dyn Deadline,
    work: Cell<Work>,
    pub(crate) canonical: RefCell<CanonicalHashes>,
    /// Status list URL → what it gave.
    pub(crate) lists: RefCell<HashMap<String, std::rc::Rc<crate::verify::ListOutcome>>>,
}

impl<'a> Session<'a> {
    pub(crate) fn new(deadline: &'a dyn Deadline) -> Self {
        Session {
            deadline,
            work: Cell::new(Work::default()),
            canonical: RefCell::new(HashMap::new()),
            lists: RefCell::new(HashMap::new()),
        }
    }

    /// Whether the work may go on (the deadline and the budget), without
    /// spending anything.
    pub(crate) fn check(&self) -> Result<(), Stop> {
        if self.deadline.passed() {
            return Err(Stop::Deadline);
        }
        if self.work.get().operations >= MAX_VERIFY_OPERATIONS {
            return Err(Stop::Budget);
        }
        Ok(())
    }

    /// Spend one operation, counted in `what` too.
    pub(crate) fn spend(&self, what: impl FnOnce(&mut Work)) -> Result<(), Stop> {
        self.check()?;
        let mut w = self.work.get();
        w.operations += 1;
        what(&mut w);
        self.work.set(w);
        Ok(())
    }

    pub(crate) fn work(&self) -> Work {
        self.work.get()
    }
}
