//! Open Badges 3.0 / W3C Verifiable Credentials 2.0: model, signing, verification.
//!
//! This crate is pure: no HTTP, no database, no file system, no clock.
//! Network look-ups (did:web, controller documents, status lists, OB 2.0
//! documents) go through traits the caller supplies ([`did::DidResolver`],
//! [`status::StatusListSource`]); the current time is a parameter.
//!
//! Start with [`verify::Verifier`] (bytes in, [`report::Report`] out) and
//! [`sign::sign`].

pub mod did;
pub mod eu;
pub mod json;
pub mod jwt;
pub mod limits;
pub mod model;
pub mod ob2;
pub mod proof;
pub mod report;
pub mod samples;
pub mod sign;
pub mod status;
pub mod verify;
pub mod work;

pub use backpack_jsonld::Processor;
pub use report::{Check, CheckKind, Format, Outcome, Report, Verdict};
pub use verify::{InputError, Verifier};
pub use work::{Deadline, NoDeadline, Work};
