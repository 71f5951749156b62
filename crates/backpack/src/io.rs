//! File and clock access for the subcommands.

use anyhow::{bail, Context};
use std::io::{Read, Write};
use std::path::Path;

/// The current time. The one place the binary reads the clock.
#[allow(clippy::disallowed_methods)]
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Read a whole file (or standard input for "-"), refusing more than `limit` bytes.
pub fn read_limited(path: &str, limit: usize) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let reader: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("cannot read {path}"))?)
    };
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {path}"))?;
    if buf.len() > limit {
        bail!("{path} is larger than the limit of {limit} bytes");
    }
    Ok(buf)
}

/// Write `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed, then renamed, so a crash leaves the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .context("the output path has no file name")?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut f = opts
            .open(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
