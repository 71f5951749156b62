//! `backpack verify`: any number of inputs; JSON Lines are streamed in
//! batches verified on all cores; one readable report (or JSON line) per
//! credential. Exit 0: all verified; 1: any not verified; 2: unusable input.

use crate::io::{now, read_limited};
use crate::signing::{read_line_limited, BATCH};
use anyhow::Context;
use backpack_credentials::did::{DidResolver, OfflineResolver};
use backpack_credentials::json::parse_limited;
use backpack_credentials::limits::MAX_CREDENTIAL_BYTES;
use backpack_credentials::report::{Outcome, Report};
use backpack_credentials::status::{LocalStatusLists, StatusListSource};
use backpack_credentials::{InputError, Processor, Verifier};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

pub struct Options {
    pub json: bool,
    pub status_lists: Vec<PathBuf>,
    pub did_documents: Vec<PathBuf>,
    pub ob2_docs: Option<PathBuf>,
    pub online: bool,
    pub allow_local_http: bool,
    pub at: Option<String>,
    pub inputs: Vec<String>,
}

const DOC_LIMIT: usize = 4 * 1024 * 1024;

fn read_json_file(path: &std::path::Path) -> anyhow::Result<Value> {
    let bytes = read_limited(&path.to_string_lossy(), DOC_LIMIT)?;
    parse_limited(&bytes).with_context(|| format!("{} is not usable JSON", path.display()))
}

#[derive(Default)]
struct Tally {
    failed: usize,
    unusable: usize,
    verified: usize,
}

fn image_limit() -> usize {
    backpack_bake::limits::MAX_IMAGE_BYTES.max(MAX_CREDENTIAL_BYTES)
}

pub fn run(opts: Options) -> anyhow::Result<ExitCode> {
    let mut resolver = OfflineResolver::new();
    for path in &opts.did_documents {
        let doc = read_json_file(path)?;
        if !resolver.add_document(doc) {
            anyhow::bail!("{} has no \"id\" member", path.display());
        }
    }
    if let Some(dir) = &opts.ob2_docs {
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) == Some("json") {
                resolver.add_document(read_json_file(&path)?);
            }
        }
    }
    let mut lists = LocalStatusLists::new();
    for path in &opts.status_lists {
        lists.add(read_json_file(path)?);
    }
    let time = match &opts.at {
        Some(s) => backpack_credentials::model::parse_datetime(s)
            .map_err(|_| anyhow::anyhow!("--at {s:?} is not an RFC 3339 date-time"))?,
        None => now(),
    };
    let fetcher = backpack_fetch::Fetcher::new(backpack_fetch::Policy {
        allow_local_http: opts.allow_local_http,
        ..Default::default()
    });
    let online_resolver = backpack_fetch::OnlineResolver {
        offline: resolver,
        fetcher: &fetcher,
    };
    let online_lists = backpack_fetch::OnlineStatusLists {
        local: lists,
        fetcher: &fetcher,
    };
    let (resolver, lists): (&dyn DidResolver, &dyn StatusListSource) = if opts.online {
        (&online_resolver, &online_lists)
    } else {
        (&online_resolver.offline, &online_lists.local)
    };
    let verifier = Verifier {
        processor: Processor::shared(),
        resolver,
        status_lists: lists,
        now: time,
        // Each input gets its own deadline (see `verify_one`).
        deadline: &backpack_credentials::NoDeadline,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut tally = Tally::default();
    for input in &opts.inputs {
        if let Err(e) = verify_input(&verifier, input, opts.json, &mut out, &mut tally) {
            tally.unusable += 1;
            print_unusable(
                &mut out,
                opts.json,
                input,
                "input_unreadable",
                &format!("{e:#}"),
            )?;
        }
    }
    out.flush()?;
    let total = tally.verified + tally.failed + tally.unusable;
    if !opts.json && total > 1 {
        eprintln!(
            "verify: {total} credential(s): {} verified, {} not verified, {} unusable",
            tally.verified, tally.failed, tally.unusable
        );
    }
    Ok(if tally.unusable > 0 {
        ExitCode::from(2)
    } else if tally.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn open(input: &str) -> anyhow::Result<Box<dyn BufRead>> {
    Ok(if input == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        Box::new(BufReader::new(
            std::fs::File::open(input).with_context(|| format!("cannot read {input}"))?,
        ))
    })
}

fn looks_like_line_item(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    (t.first() == Some(&b'{') && parse_limited(t).is_ok_and(|v| v.is_object()))
        || (t.starts_with(b"ey") && t.iter().filter(|&&b| b == b'.').count() == 2)
}

/// One credential, within its own deadline.
fn verify_one(verifier: &Verifier<'_>, bytes: &[u8]) -> Result<Report, InputError> {
    let deadline = backpack_fetch::DeadlineAt::after(backpack_fetch::VERIFY_DEADLINE);
    Verifier {
        deadline: &deadline,
        ..*verifier
    }
    .verify_bytes(bytes)
}

fn verify_input(
    verifier: &Verifier<'_>,
    input: &str,
    json: bool,
    out: &mut dyn Write,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let mut reader = open(input)?;
    let head = reader.fill_buf().context("cannot read input")?;
    let is_image = head.starts_with(b"\x89PNG") || head.trim_ascii_start().first() == Some(&b'<');
    if is_image {
        let mut bytes = Vec::new();
        reader
            .take(image_limit() as u64 + 1)
            .read_to_end(&mut bytes)
            .context("cannot read input")?;
        let result = verify_one(verifier, &bytes);
        return emit(out, json, input, result, tally);
    }
    let mut first = Vec::new();
    if read_line_limited(&mut *reader, MAX_CREDENTIAL_BYTES, &mut first).is_err() {
        // A single huge line: let the verifier say why.
        let result: Result<Report, InputError> = Err(InputError::Json(
            backpack_credentials::json::JsonError::TooLarge {
                size: MAX_CREDENTIAL_BYTES + 1,
                limit: MAX_CREDENTIAL_BYTES,
            },
        ));
        return emit(out, json, input, result, tally);
    }
    let mut rest_probe = Vec::new();
    let more = read_line_limited(&mut *reader, MAX_CREDENTIAL_BYTES, &mut rest_probe)
        .ok()
        .flatten()
        .is_some();
    if !more || !looks_like_line_item(&first) {
        // One document (possibly pretty-printed over many lines).
        let mut bytes = first;
        if more {
            bytes.push(b'\n');
            bytes.extend_from_slice(&rest_probe);
            bytes.push(b'\n');
            reader
                .take(MAX_CREDENTIAL_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .context("cannot read input")?;
        }
        let result = verify_one(verifier, &bytes);
        return emit(out, json, input, result, tally);
    }
    // JSON Lines (or one JWT per line): stream in batches.
    let mut batch: Vec<(usize, Vec<u8>)> = vec![(1, first), (2, rest_probe)];
    let mut line_no = 2usize;
    let mut done = false;
    let mut line = Vec::new();
    loop {
        while !done && batch.len() < BATCH {
            match read_line_limited(&mut *reader, MAX_CREDENTIAL_BYTES, &mut line) {
                Ok(Some(())) => {
                    line_no += 1;
                    batch.push((line_no, std::mem::take(&mut line)));
                }
                Ok(None) => done = true,
                Err(_) => {
                    line_no += 1;
                    batch.push((line_no, vec![b'x'; 0]));
                    done = true;
                }
            }
        }
        if batch.is_empty() {
            break;
        }
        let results: Vec<(usize, Option<Result<Report, InputError>>)> = batch
            .par_drain(..)
            .map(|(n, bytes)| {
                if bytes.trim_ascii().is_empty() {
                    (n, None)
                } else {
                    (n, Some(verify_one(verifier, &bytes)))
                }
            })
            .collect();
        for (n, r) in results {
            if let Some(r) = r {
                emit(out, json, &format!("{input}:{n}"), r, tally)?;
            }
        }
        if done {
            break;
        }
    }
    Ok(())
}

fn print_unusable(
    out: &mut dyn Write,
    json: bool,
    source: &str,
    code: &str,
    message: &str,
) -> anyhow::Result<()> {
    if json {
        writeln!(
            out,
            "{}",
            json!({"source": source, "verdict": "unusable", "error": {"code": code, "message": message}})
        )?;
    } else {
        writeln!(out, "{source}: UNUSABLE INPUT: {message}")?;
    }
    Ok(())
}

fn symbol(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "ok  ",
        Outcome::Warning => "warn",
        Outcome::Failed => "FAIL",
        Outcome::NotChecked => "--  ",
    }
}

fn emit(
    out: &mut dyn Write,
    json: bool,
    source: &str,
    result: Result<Report, InputError>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            tally.unusable += 1;
            return print_unusable(out, json, source, e.code(), &e.to_string());
        }
    };
    if report.is_verified() {
        tally.verified += 1;
    } else {
        tally.failed += 1;
    }
    if json {
        let mut v = serde_json::to_value(&report)?;
        if let Value::Object(m) = &mut v {
            m.insert("source".into(), source.into());
            m.insert("colour".into(), report.verdict.colour().into());
        }
        writeln!(out, "{v}")?;
        return Ok(());
    }
    let verdict = report.verdict.code().replace('_', " ").to_uppercase();
    writeln!(out, "{source}: {verdict} ({})", report.verdict.colour())?;
    if let Some(name) = &report.name {
        writeln!(out, "  credential: {name}")?;
    }
    if let Some(issuer) = &report.issuer {
        writeln!(out, "  issuer:     {issuer}")?;
    }
    if let Some(c) = &report.container {
        writeln!(out, "  found in:   {c}")?;
    }
    for c in &report.checks {
        let kind = serde_json::to_value(c.check)?;
        writeln!(
            out,
            "  [{}] {:<11} {}",
            symbol(c.outcome),
            kind.as_str().unwrap_or(""),
            c.message
        )?;
    }
    Ok(())
}
