//! Backpack's domain: entities, checked values, use cases and the ports the
//! outside world implements.
//!
//! Which error type to use where:
//! - [`StoreError`] is what a storage backend returns (not found, conflict,
//!   backend failure). Backends map their driver's errors into it.
//! - [`DomainError`] is what a use case returns: user-meaningful variants with
//!   a stable snake_case [`DomainError::code`], which the web layer uses as the
//!   i18n key of the message and in JSON problem bodies. `Internal` hides
//!   I/O failures from users (they are logged, not shown).
//!
//! Architecture invariant: this crate names no SQL string, HTTP type, config
//! file or wall clock; time comes from the [`ports::Clock`] port.

pub mod accounts;
pub mod archive;
pub mod backpack;
pub mod backup;
pub mod badges;
pub mod certificates;
pub mod entities;
pub mod error;
pub mod files;
pub mod health;
pub mod ids;
pub mod issuing;
pub mod jobs;
pub mod notes;
pub mod passwords;
pub mod portfolio;
pub mod ports;
pub mod recipient;
pub mod tokens;
pub mod values;
pub mod xapi;

pub use error::{Conflict, DomainError, FieldError, StoreError};
pub use ids::{IssuerId, UserId};
