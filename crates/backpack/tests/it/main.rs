//! End-to-end tests of the `backpack` command line: the real binary, real
//! files, exit codes and messages as a user sees them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod cluster;
mod crash;
mod issuing;
mod modes;
