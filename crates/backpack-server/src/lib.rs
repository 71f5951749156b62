//! The server assembly: from a [`config::Config`] to a running Backpack.
//!
//! - [`config`]: the one configuration struct (TOML file overlaid by
//!   `BACKPACK_*` variables and command-line flags), validated at start.
//! - [`app`]: opens the store and blob store, builds the web application,
//!   serves it with graceful shutdown, sweeps expired data, seeds demo data.
//! - [`mail`]: the notifier (SMTP or a folder of `.eml` files).
//! - [`backup`]: consistent backups while the server runs, and restores.
//!
//! The binary parses the command line and calls in here; tests do the same
//! on port 0 with a fresh database.

pub mod app;
pub mod backup;
pub mod checks;
pub mod config;
pub mod demo;
pub mod mail;
