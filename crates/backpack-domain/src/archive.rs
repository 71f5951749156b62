//! Tar archives (exports and backups): one way to add a file.

use std::io::Write;

/// Append `bytes` as a regular file at `path`.
pub fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    bytes: &[u8],
    mtime: u64,
) -> std::io::Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_size(bytes.len() as u64);
    h.set_mode(0o600);
    h.set_mtime(mtime);
    h.set_cksum();
    tar.append_data(&mut h, path, bytes)
}
