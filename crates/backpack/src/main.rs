//! The `backpack` binary: the only place that reads the command line, files,
//! environment and clock. Subcommands live in their own modules.

mod baking;
mod bench;
mod cli;
mod demo;
mod io;
mod keys;
mod serve;
mod signing;
mod verifying;

use clap::Parser;

/// Credential work is allocation-heavy (JSON, JSON-LD, N-Quads): mimalloc
/// makes signing and verification about a third faster than the system
/// allocator (see `backpack bench`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("backpack: {e:#}");
            ExitCode::from(2)
        }
    }
}
