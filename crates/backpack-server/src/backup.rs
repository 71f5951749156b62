//! Backups and restores.
//!
//! A backup is one tar file: `manifest.json`, `database.json` (every table
//! as rows, from one consistent snapshot: a read transaction on SQLite,
//! repeatable read on PostgreSQL) and `files/<key>` for every file the
//! snapshot references. It is taken while the server runs: the bytes of a
//! deleted file stay for a grace period (24 h) before the sweeper removes
//! them, so every file the snapshot names is still there to copy.
//!
//! The format is the same for both databases: a SQLite backup restores into
//! PostgreSQL and back. A restore goes into an empty database (and an empty
//! local files folder); file bytes are written and checked against their
//! SHA-256 first, then all rows in one transaction, so an interrupted restore
//! leaves an empty database that can be restored again.

use std::io::{Read, Write};
use std::path::Path;

use backpack_domain::backup::TableDump;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::app::{open_blobs, open_store};
use crate::config::Config;

const FORMAT: &str = "backpack-backup";
const VERSION: u32 = 1;
/// Caps on what a restore reads from a backup file.
const MAX_MANIFEST: u64 = 1024 * 1024;
const MAX_DATABASE: u64 = 4 * 1024 * 1024 * 1024;
const MAX_FILE: u64 = 1024 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub created_at: String,
    pub backend: String,
    pub rows: usize,
    pub files: usize,
}

fn files_of(dump: &[TableDump]) -> Vec<(String, String)> {
    // Every table whose rows name a blob (with its SHA-256).
    dump.iter()
        .filter(|t| t.table == "files" || t.table == "badges")
        .flat_map(|t| t.rows.iter())
        .filter_map(|r| {
            let key = r.get("blob_key")?.as_str()?.to_owned();
            let sha = r.get("sha256")?.as_str()?.to_owned();
            Some((key, sha))
        })
        .collect()
}

fn hex_sha256(bytes: &[u8]) -> String {
    backpack_domain::tokens::hex(&Sha256::digest(bytes))
}

fn append(
    tar: &mut tar::Builder<std::fs::File>,
    path: &str,
    bytes: &[u8],
    mtime: u64,
) -> Result<(), String> {
    backpack_domain::archive::append(tar, path, bytes, mtime)
        .map_err(|e| format!("writing {path}: {e}"))
}

/// Write a backup of the configured instance to `out` (atomically: a
/// temporary file renamed into place).
pub async fn backup(
    config: &Config,
    out: &Path,
    now: time::OffsetDateTime,
) -> Result<Manifest, String> {
    let store = open_store(config).await?;
    let blobs = open_blobs(config)?;
    let dump = store.export_all().await.map_err(|e| e.to_string())?;
    let files = files_of(&dump);
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        created_at: now
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| e.to_string())?,
        backend: store.backend().into(),
        rows: dump.iter().map(|t| t.rows.len()).sum(),
        files: files.len(),
    };
    let tmp = out.with_extension("partial");
    // Password hashes, sealed keys, every user's files: the owner's alone
    // (the binary's umask says so too; this holds for any caller).
    // (A leftover `.partial` would keep its mode: made anew.)
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&tmp)
        .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    let mut tar = tar::Builder::new(file);
    let mtime = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let result: Result<(), String> = async {
        append(
            &mut tar,
            "manifest.json",
            &serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?,
            mtime,
        )?;
        append(
            &mut tar,
            "database.json",
            &serde_json::to_vec(&dump).map_err(|e| e.to_string())?,
            mtime,
        )?;
        for (key, sha) in &files {
            let bytes = blobs.get(key).await?.ok_or_else(|| {
                format!(
                    "file {key} is referenced by the database but missing from {}",
                    blobs.describe()
                )
            })?;
            if hex_sha256(&bytes) != *sha {
                return Err(format!("file {key} does not match its recorded SHA-256"));
            }
            append(&mut tar, &format!("files/{key}"), &bytes, mtime)?;
        }
        let mut file = tar.into_inner().map_err(|e| e.to_string())?;
        file.flush().map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, out).map_err(|e| {
        format!(
            "cannot move the backup into place at {}: {e}",
            out.display()
        )
    })?;
    Ok(manifest)
}

fn read_capped(entry: &mut impl Read, cap: u64, what: &str) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    entry
        .take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("reading {what}: {e}"))?;
    if buf.len() as u64 > cap {
        return Err(format!("{what} is larger than the {cap}-byte limit"));
    }
    Ok(buf)
}

/// Restore a backup into the configured (empty) instance.
pub async fn restore(config: &Config, input: &Path) -> Result<Manifest, String> {
    let file =
        std::fs::File::open(input).map_err(|e| format!("cannot open {}: {e}", input.display()))?;
    let mut archive = tar::Archive::new(file);
    let mut manifest: Option<Manifest> = None;
    let mut dump: Option<Vec<TableDump>> = None;
    let mut blobs_in: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in archive
        .entries()
        .map_err(|e| format!("{} is not a backup (tar): {e}", input.display()))?
    {
        let mut entry = entry.map_err(|e| {
            format!(
                "{} is not a readable backup (damaged archive): {e}",
                input.display()
            )
        })?;
        let path = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .into_owned();
        match path.as_str() {
            "manifest.json" => {
                let bytes = read_capped(&mut entry, MAX_MANIFEST, "manifest.json")?;
                manifest = Some(
                    serde_json::from_slice(&bytes).map_err(|e| format!("manifest.json: {e}"))?,
                );
            }
            "database.json" => {
                let bytes = read_capped(&mut entry, MAX_DATABASE, "database.json")?;
                dump = Some(
                    serde_json::from_slice(&bytes).map_err(|e| format!("database.json: {e}"))?,
                );
            }
            p => {
                let Some(key) = p.strip_prefix("files/") else {
                    return Err(format!("unexpected entry {p:?} in the backup"));
                };
                if key
                    .split('/')
                    .any(|s| s.is_empty() || s == "." || s == "..")
                {
                    return Err(format!("unsafe file name {p:?} in the backup"));
                }
                blobs_in.push((key.to_owned(), read_capped(&mut entry, MAX_FILE, p)?));
            }
        }
    }
    let manifest = manifest.ok_or("the backup has no manifest.json")?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(format!(
            "unsupported backup format {} version {}",
            manifest.format, manifest.version
        ));
    }
    let dump = dump.ok_or("the backup has no database.json")?;

    let store = open_store(config).await?;
    if !store.is_empty().await.map_err(|e| e.to_string())? {
        return Err(
            "the target database is not empty: restore into an empty data folder or database"
                .into(),
        );
    }
    if config.storage.kind == "local" {
        let dir = config.files_dir();
        if std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
        {
            return Err(format!("the files folder {} is not empty", dir.display()));
        }
    }
    let blobs = open_blobs(config)?;
    for (key, sha) in files_of(&dump) {
        let bytes = blobs_in
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, b)| b)
            .ok_or_else(|| format!("the backup lacks file {key}"))?;
        if hex_sha256(bytes) != sha {
            return Err(format!(
                "file {key} in the backup does not match its SHA-256"
            ));
        }
        blobs.put(&key, Bytes::from(bytes.clone())).await?;
    }
    store.import_all(&dump).await.map_err(|e| e.to_string())?;
    Ok(manifest)
}
