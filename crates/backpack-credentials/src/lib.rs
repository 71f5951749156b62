//! Open Badges 3.0 / W3C Verifiable Credentials 2.0: model, signing, verification.
//!
//! See ARCHITECTURE.md for the map. This crate is pure: no HTTP, no database,
//! no file system, no clock. Network look-ups (did:web, status lists) go
//! through traits the caller supplies; the current time is a parameter.

pub mod model;
