//! Integration tests of backpack-bake on real images made by other platforms.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod corpus;
