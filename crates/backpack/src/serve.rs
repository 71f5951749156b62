//! `backpack serve`, `backup` and `restore`: read the configuration (file,
//! environment, flags), install logging, and hand over to `backpack-server`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use backpack_server::app::{shutdown_signal, Server};
use backpack_server::config::{Config, Overrides};

use crate::cli::ConfigArgs;

fn load_config(args: &ConfigArgs) -> anyhow::Result<Config> {
    let path = args
        .config
        .clone()
        .or_else(|| std::env::var_os("BACKPACK_CONFIG").map(Into::into));
    let text = match &path {
        Some(p) => Some(
            String::from_utf8(crate::io::read_limited(&p.to_string_lossy(), 1024 * 1024)?)
                .with_context(|| format!("{} is not UTF-8 text", p.display()))?,
        ),
        None => None,
    };
    let name = path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let overrides = Overrides {
        data_dir: args.data_dir.clone(),
        listen: args.listen.clone(),
        database_url: args.database_url.clone(),
        public_url: args.public_url.clone(),
    };
    Config::load(
        text.as_deref().map(|t| (name.as_str(), t)),
        std::env::vars(),
        &overrides,
    )
    .map_err(|e| anyhow!("configuration: {e}"))
}

/// What the commands that work on a data folder write (the database and its
/// journals, stored files, mail with live reset and claim links, the key
/// file, backups) is their owner's alone: files 0600, folders 0700. SQLite,
/// the object store, the mail transport and tar create their files
/// themselves, so the umask is set once, before any is opened.
fn private_files() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// A data folder made by an older version (or by hand) keeps its modes: say
/// so when other users of the machine can read it.
fn warn_if_open(config: &Config) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(&config.data_dir) else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: the data folder {} (mode {mode:o}) is open to other users of this machine: chmod -R go-rwx {}",
                config.data_dir.display(),
                config.data_dir.display()
            );
        }
    }
}

fn install_logging(config: &Config) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("BACKPACK_LOG").unwrap_or_else(|_| config.log.level.clone());
    let filter =
        EnvFilter::try_new(&filter).map_err(|e| anyhow!("configuration: key `log.level`: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let result = if config.log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    result.map_err(|e| anyhow!("logging: {e}"))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        // Blocking work (signing, document reading, file writes) on a few
        // threads: each thread keeps an allocator heap of its own, so 512
        // (tokio's default) let memory grow with the load.
        .max_blocking_threads(8)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub fn serve(args: &ConfigArgs, demo: bool) -> anyhow::Result<ExitCode> {
    private_files();
    let config = load_config(args)?;
    install_logging(&config)?;
    warn_if_open(&config);
    let runtime = runtime()?;
    let result = runtime.block_on(async move {
        let shutdown = shutdown_signal();
        let server = Server::bind(config).await.map_err(|e| anyhow!(e))?;
        let app = &server.app;
        println!("Backpack {} is running at {}", env!("CARGO_PKG_VERSION"), server.public_url);
        println!("  database: {}", backpack_store::redact_url(&app.config.database_url()));
        println!("  files:    {}", app.blobs.describe());
        println!("  mail:     {}", app.mail);
        match server.metrics_listener.as_ref().and_then(|l| l.local_addr().ok()) {
            Some(m) => println!("  metrics:  http://{m}/metrics (only there)"),
            None => println!("  metrics:  {}/metrics", server.public_url),
        }
        if demo {
            let created = app.seed_demo().await.map_err(|e| anyhow!("demo data: {e}"))?;
            if created.accounts.is_empty() {
                println!("Demo accounts exist from an earlier run (learner@, issuer@ and admin@demo.backpack.test);");
                println!("  their passwords were shown then. \"Forgot your password?\" sends a new link to the mail folder.");
            } else {
                println!("Demo accounts (passwords are shown only now):");
                for (role, address, password) in &created.accounts {
                    println!("  {:<13} {:<28} {}", role.as_str(), address, password);
                }
            }
            if let Some(token) = &created.xapi_token {
                println!("xAPI token of the demo academy (shown only now; POST statements to {}/xapi/statements):", server.public_url);
                println!("  token: {token}");
            }
        }
        println!("Press Ctrl-C to stop.");
        server.run(shutdown).await.map_err(|e| anyhow!(e))?;
        Ok(ExitCode::SUCCESS)
    });
    // Blocking threads still busy (a document being read notices the stop
    // within milliseconds; a file or database call may not) are not waited
    // for more than a few seconds: dropping the runtime would wait forever.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    if result.is_ok() {
        println!("Backpack stopped.");
    }
    result
}

/// How long a stopping server waits for its blocking threads.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

pub fn backup(args: &ConfigArgs, file: &Path) -> anyhow::Result<ExitCode> {
    private_files();
    let config = load_config(args)?;
    runtime()?.block_on(async {
        let m = backpack_server::backup::backup(&config, file, crate::io::now())
            .await
            .map_err(|e| anyhow!("backup: {e}"))?;
        println!(
            "backup written to {}: {} rows, {} files ({} database)",
            file.display(),
            m.rows,
            m.files,
            m.backend
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn restore(args: &ConfigArgs, file: &Path) -> anyhow::Result<ExitCode> {
    private_files();
    let config = load_config(args)?;
    runtime()?.block_on(async {
        let m = backpack_server::backup::restore(&config, file)
            .await
            .map_err(|e| anyhow!("restore: {e}"))?;
        println!(
            "restored {} rows and {} files from a backup of {} (taken {})",
            m.rows, m.files, m.backend, m.created_at
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn fill(args: &ConfigArgs, items: u64) -> anyhow::Result<ExitCode> {
    private_files();
    let config = load_config(args)?;
    runtime()?.block_on(async move {
        let public_url = config.public_url.clone().unwrap_or_else(|| "http://localhost".into());
        let app = backpack_server::app::App::open(config, &public_url)
            .await
            .map_err(|e| anyhow!(e))?;
        for (role, address, password) in app.seed_demo().await.map_err(|e| anyhow!("demo data: {e}"))?.accounts {
            println!("  {:<13} {:<28} {}", role.as_str(), address, password);
        }
        let started = std::time::Instant::now();
        let made = backpack_server::demo::fill_many(&app, items, crate::io::now())
            .await
            .map_err(|e| anyhow!("fill: {e}"))?;
        println!(
            "added {} certificates, {} badges and {} notes to learner@demo.backpack.test in {:.1} s",
            made.0,
            made.1,
            made.2,
            started.elapsed().as_secs_f64()
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Peak resident memory of this process so far (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Current resident memory (`VmRSS`), in MiB.
fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub fn bench_issue(data_dir: &std::path::Path, rows: u64) -> anyhow::Result<ExitCode> {
    private_files();
    if data_dir.join("backpack.db").exists() {
        anyhow::bail!(
            "{} already holds a database: give a fresh folder",
            data_dir.display()
        );
    }
    let overrides = backpack_server::config::Overrides {
        data_dir: Some(data_dir.to_path_buf()),
        ..Default::default()
    };
    let config = backpack_server::config::Config::load(None, Vec::new(), &overrides)
        .map_err(|e| anyhow!(e))?;
    runtime()?.block_on(async move {
        let app = backpack_server::app::App::open(config, "https://bench.example")
            .await
            .map_err(|e| anyhow!(e))?;
        let before = rss_mib().unwrap_or(0.0);
        println!("batch of {rows} rows on SQLite ({}), RSS before: {before:.0} MiB", data_dir.display());
        let mut samples: Vec<(i64, f64)> = Vec::new();
        let result = backpack_server::demo::bench_batch(&app, rows, |issued| {
            if let Some(r) = rss_mib() {
                if samples.last().is_none_or(|(n, _)| issued - n >= (rows as i64 / 10).max(1)) {
                    samples.push((issued, r));
                }
            }
        })
        .await
        .map_err(|e| anyhow!("batch: {e}"))?;
        for (issued, rss) in &samples {
            println!("  {issued:>8} issued  RSS {rss:.0} MiB");
        }
        println!(
            "checked {} rows in {:.2} s; issued {} credentials in {:.2} s: {:.0} credentials/s end to end",
            result.rows,
            result.upload_secs,
            result.issued,
            result.issue_secs,
            result.issued as f64 / result.issue_secs
        );
        println!(
            "the batch was done after {:.2} s; the last mail went out after {:.2} s",
            result.batch_secs, result.issue_secs
        );
        println!("peak RSS: {:.0} MiB", peak_rss_mib().unwrap_or(0.0));
        Ok(ExitCode::SUCCESS)
    })
}
