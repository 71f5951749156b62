//! What the server and `backup` write is readable by its owner alone: every
//! file 0600 and every folder 0700 (the database and its journals, stored
//! files, mail with live reset links, the backup archive), whatever the
//! umask of the shell that started them.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::crash::{files_under, free_port, http, kill, login, multipart, start, upload_head};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every folder under `dir` (itself included).
fn folders_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        for e in std::fs::read_dir(&out[i]).unwrap().flatten() {
            if e.path().is_dir() {
                out.push(e.path());
            }
        }
        i += 1;
    }
    out
}

#[test]
#[allow(clippy::disallowed_methods)] // waits for the mail file
fn the_data_folder_mail_and_backups_are_private_to_their_owner() {
    let root = std::env::temp_dir().join(format!("bp-modes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let data = root.join("data");
    let server = start(&data, free_port());
    let addr = server.addr.clone();
    let (cookie, token) = login(&addr, server.password.as_deref().unwrap());

    // A stored file: a certificate (the PDF and its preview).
    let pdf = backpack_documents::samples::pdf(&[backpack_documents::samples::text_page(
        &backpack_documents::samples::EDX_LINES,
    )]);
    let body = multipart(&token, "cs50.pdf", "application/pdf", &pdf);
    let (status, _, _) = http(
        &addr,
        &upload_head(&addr, &cookie, "/backpack/certificates", body.len()),
        &body,
    );
    assert_eq!(status, 303, "upload");
    // A mail with a live reset link.
    let form = format!("_csrf={token}&email=learner%40demo.backpack.test");
    let (status, _, _) = http(
        &addr,
        &format!(
            "POST /forgot-password HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            form.len()
        ),
        form.as_bytes(),
    );
    assert!(status == 200 || status == 303, "forgot-password: {status}");
    let mails = || -> Vec<_> {
        files_under(&data.join("mail"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect()
    };
    for _ in 0..100 {
        if !mails().is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!mails().is_empty(), "a mail was written");
    // Killed: the SQLite journals (-wal, -shm) are left as they were (a
    // later clean close, such as the backup's, may fold them back into the
    // database, so they are checked now).
    kill(server);
    let journals: Vec<_> = ["backpack.db-wal", "backpack.db-shm"]
        .iter()
        .map(|j| data.join(j))
        .collect();
    for j in &journals {
        assert!(j.exists(), "{} after the kill", j.display());
        assert_eq!(mode(j), 0o600, "{}", j.display());
    }

    // A backup, written by the command line.
    let tar = root.join("backup.tar");
    let out = Command::new(env!("CARGO_BIN_EXE_backpack"))
        .args(["backup"])
        .arg(&tar)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let files = files_under(&data);
    assert!(
        files.iter().any(|p| p.ends_with("backpack.db")),
        "backpack.db in {files:?}"
    );
    assert!(
        files.iter().any(|p| p.starts_with(data.join("files"))),
        "stored files in {files:?}"
    );
    let mut loose: Vec<String> = files
        .iter()
        .chain([&tar])
        .filter(|p| mode(p) != 0o600)
        .map(|p| format!("{} {:o}", p.display(), mode(p)))
        .collect();
    loose.extend(
        folders_under(&data)
            .iter()
            .filter(|p| mode(p) != 0o700)
            .map(|p| format!("{}/ {:o}", p.display(), mode(p))),
    );
    assert!(loose.is_empty(), "readable by others: {loose:#?}");
    let _ = std::fs::remove_dir_all(&root);
}
