//! Integration tests of the credential engine: W3C vectors, the real-world
//! corpus, tampering, VC-JWT, status lists, limits, the model, the 1EdTech
//! JSON Schema and EU micro-credentials.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod corpus;
mod ecdsa;
mod eu;
mod jwt;
mod limits;
mod model;
mod ob2;
mod rules;
mod status;
mod tamper;
mod vectors;
