//! Integration tests of backpack-crypto against published vectors and keys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod vectors;
