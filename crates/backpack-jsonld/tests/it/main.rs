//! Integration tests of backpack-jsonld: W3C vectors and suites.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod contexts;
mod rdfc;
mod vectors;
