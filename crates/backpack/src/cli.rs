//! Command-line definition and dispatch.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Backpack: issue, collect, share and verify learning credentials
/// (W3C Verifiable Credentials 2.0 / 1EdTech Open Badges 3.0).
#[derive(Debug, Parser)]
#[command(
    name = "backpack",
    version,
    about = "Backpack: issue, collect, share and verify learning credentials (W3C VC 2.0 / Open Badges 3.0)",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage issuer keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Sign unsigned credentials: one JSON document, or JSON Lines (one per line).
    ///
    /// Fills `issuer` with the key's DID when absent (refuses another issuer) and
    /// `validFrom` with the current time when absent. Output has the input's shape:
    /// one document in, one document out; JSON Lines in, JSON Lines out.
    Sign {
        /// Key file written by `backpack key generate`.
        #[arg(long)]
        key: PathBuf,
        /// Data Integrity proof (eddsa-rdfc-2022 by default) or VC-JWT.
        #[arg(long, value_enum, default_value_t = SignFormatArg::Di)]
        format: SignFormatArg,
        /// Cryptosuite for --format di.
        #[arg(long, value_enum, default_value_t = SuiteArg::EddsaRdfc2022)]
        suite: SuiteArg,
        /// Input file, or - for standard input.
        #[arg(default_value = "-")]
        input: String,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Verify credentials: JSON, JSON Lines, compact JWT, baked PNG or SVG.
    ///
    /// Exit status: 0 when every credential verified, 1 when any did not,
    /// 2 when an input was unusable (unreadable, or not a credential).
    Verify {
        /// One JSON report per line instead of readable text.
        #[arg(long)]
        json: bool,
        /// A status list credential (JSON file) to check status against; repeatable.
        /// Without one, status is reported as "not checked".
        #[arg(long = "status-list", value_name = "FILE")]
        status_lists: Vec<PathBuf>,
        /// A DID document or controller document (JSON file) to use for its `id`
        /// instead of fetching it (did:web offline); repeatable.
        #[arg(long = "did-document", value_name = "FILE")]
        did_documents: Vec<PathBuf>,
        /// A folder of Open Badges 2.0 documents (keys, issuers, badge classes,
        /// revocation lists) served by their `id` instead of fetching them.
        #[arg(long = "ob2-docs", value_name = "DIR")]
        ob2_docs: Option<PathBuf>,
        /// Resolve did:web issuers and controller documents, and fetch status
        /// lists, over HTTPS (public addresses only). Offline otherwise.
        #[arg(long)]
        online: bool,
        /// With --online, also allow plain http to loopback addresses
        /// (127.0.0.1, localhost): for local testing only.
        #[arg(long, requires = "online")]
        allow_local_http: bool,
        /// Judge validity at this time (RFC 3339) instead of now.
        #[arg(long)]
        at: Option<String>,
        /// Files to verify, or - for standard input.
        #[arg(default_value = "-")]
        inputs: Vec<String>,
    },
    /// Embed a credential (JSON or compact JWT) into a PNG or SVG badge image.
    Bake {
        /// The badge image (PNG or SVG, recognised by content).
        #[arg(long)]
        image: PathBuf,
        /// The signed credential: a JSON file or a compact JWT.
        #[arg(long)]
        credential: PathBuf,
        /// Where to write the baked image.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Print the credential embedded in a PNG or SVG image.
    Unbake {
        /// The baked image.
        image: PathBuf,
    },
    /// A guided tour on demo data: writes a key, signed, baked, revoked and
    /// tampered credentials into a folder and verifies each.
    Demo {
        /// Where to write the demo files.
        #[arg(long, default_value = "backpack-demo")]
        dir: PathBuf,
    },
    /// Print realistic unsigned Open Badges 3.0 credentials as JSON Lines
    /// (multilingual samples, for trying `sign` and for benchmarks).
    Example {
        /// How many.
        #[arg(short, long, default_value_t = 1)]
        n: u64,
        /// Issuer id to put in them; without it the issuer profile has no id
        /// and `backpack sign` fills in its key's DID.
        #[arg(long)]
        issuer: Option<String>,
    },
    /// Run the Backpack server (web pages, accounts, storage).
    ///
    /// Starts on an embedded SQLite database and local files in the data
    /// folder unless configured otherwise, runs migrations, and prints its URL.
    #[command(after_long_help = backpack_server::config::HELP)]
    Serve {
        #[command(flatten)]
        config: ConfigArgs,
        /// Create demo accounts (a learner, an issuer staff member, an
        /// administrator) if they do not exist; their passwords are printed once.
        #[arg(long)]
        demo: bool,
    },
    /// Write a consistent backup (database and files) to FILE, while the server runs.
    #[command(after_long_help = backpack_server::config::HELP)]
    Backup {
        /// The backup file to write (a tar archive).
        file: PathBuf,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Create the demo accounts if needed and fill the demo learner's
    /// e-Backpack with ITEMS generated items (certificates, badges, notes):
    /// data for benchmarks. Run it before `serve`, on the same data folder.
    #[command(after_long_help = backpack_server::config::HELP)]
    Fill {
        /// How many items to add.
        #[arg(long, default_value_t = 10_000)]
        items: u64,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Restore a backup into an empty data folder (or empty database).
    #[command(after_long_help = backpack_server::config::HELP)]
    Restore {
        /// The backup file to read.
        file: PathBuf,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Benchmark batch issuance: a CSV of N rows through the real batch path
    /// (check, then sign, store, status list entries, claim links, mail) on
    /// a fresh data folder; prints credentials per second and peak memory.
    BenchIssue {
        /// Rows in the CSV file.
        #[arg(long, default_value_t = 100_000)]
        rows: u64,
        /// A fresh folder for the database, files and mail (made; must not hold a database).
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Measure signing and verification speed and memory (prints figures).
    Bench {
        /// Number of credentials.
        #[arg(short, long, default_value_t = 10_000)]
        n: u64,
        /// Also stream-sign this many credentials to measure flat memory (0: skip).
        #[arg(long, default_value_t = 0)]
        stream: u64,
    },
}

/// Where the configuration comes from (see the CONFIGURATION section).
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// A TOML configuration file (also BACKPACK_CONFIG).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The data folder (database, files, mail) [default: backpack-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080; port 0 picks a free port].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: SQLite in the data folder].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// The URL people use to reach the server (links in mail).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a new Ed25519 issuer key; prints its did:key.
    Generate {
        /// Write the key file here (mode 0600). Without it, the key file JSON
        /// goes to standard output and the DID to standard error.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Sign a challenge (for example the one Backpack shows to confirm a
    /// DID) with a key file; prints a compact JWS.
    SignChallenge {
        /// Key file written by `backpack key generate`.
        #[arg(long)]
        key: PathBuf,
        /// The challenge text.
        challenge: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SignFormatArg {
    /// JSON-LD with a Data Integrity proof.
    Di,
    /// Compact VC-JWT (EdDSA).
    Jwt,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SuiteArg {
    #[value(name = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
    #[value(name = "eddsa-jcs-2022")]
    EddsaJcs2022,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Key {
            command: KeyCommand::Generate { out, force },
        } => crate::keys::generate(out.as_deref(), force),
        Command::Key {
            command: KeyCommand::SignChallenge { key, challenge },
        } => crate::keys::sign_challenge(&key, &challenge),
        Command::Serve { config, demo } => crate::serve::serve(&config, demo),
        Command::Backup { file, config } => crate::serve::backup(&config, &file),
        Command::Fill { items, config } => crate::serve::fill(&config, items),
        Command::Restore { file, config } => crate::serve::restore(&config, &file),
        Command::Sign {
            key,
            format,
            suite,
            input,
            output,
        } => crate::signing::run(&key, format, suite, &input, output.as_deref()),
        Command::Verify {
            json,
            status_lists,
            did_documents,
            ob2_docs,
            online,
            allow_local_http,
            at,
            inputs,
        } => crate::verifying::run(crate::verifying::Options {
            json,
            status_lists,
            did_documents,
            ob2_docs,
            online,
            allow_local_http,
            at,
            inputs,
        }),
        Command::Bake {
            image,
            credential,
            output,
        } => crate::baking::bake(&image, &credential, &output),
        Command::Unbake { image } => crate::baking::unbake(&image),
        Command::Demo { dir } => crate::demo::run(&dir),
        Command::Example { n, issuer } => crate::bench::example(n, issuer.as_deref()),
        Command::Bench { n, stream } => crate::bench::run(n, stream),
        Command::BenchIssue { rows, data_dir } => crate::serve::bench_issue(&data_dir, rows),
    }
}
