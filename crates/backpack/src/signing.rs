//! `backpack sign`: one document, or JSON Lines streamed in batches signed
//! on all cores, output in input order. Memory stays flat: one batch at a time.

use crate::cli::{SignFormatArg, SuiteArg};
use crate::io::{now, read_limited};
use anyhow::Context;
use backpack_credentials::json::parse_limited;
use backpack_credentials::limits::MAX_CREDENTIAL_BYTES;
use backpack_credentials::proof::SignSuite;
use backpack_credentials::sign::{sign, IssuerKey, Secured, SignFormat};
use backpack_credentials::Processor;
use rayon::prelude::*;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Lines signed per batch (the unit of parallel work and of memory).
pub const BATCH: usize = 2048;

/// Read one line of at most `limit` bytes (without the newline). `Ok(None)` at end.
pub fn read_line_limited(
    reader: &mut dyn BufRead,
    limit: usize,
    buf: &mut Vec<u8>,
) -> anyhow::Result<Option<()>> {
    buf.clear();
    let n = reader
        .take(limit as u64 + 2)
        .read_until(b'\n', buf)
        .context("cannot read input")?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() > limit {
        anyhow::bail!("a line is longer than the limit of {limit} bytes");
    }
    if buf.len() > limit {
        anyhow::bail!("a line is longer than the limit of {limit} bytes");
    }
    Ok(Some(()))
}

fn open_input(input: &str) -> anyhow::Result<Box<dyn BufRead>> {
    Ok(if input == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        Box::new(BufReader::new(
            std::fs::File::open(input).with_context(|| format!("cannot read {input}"))?,
        ))
    })
}

pub fn run(
    key: &Path,
    format: SignFormatArg,
    suite: SuiteArg,
    input: &str,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let key_bytes = read_limited(&key.to_string_lossy(), 64 * 1024)?;
    let issuer = IssuerKey::from_key_file(&key_bytes)
        .with_context(|| format!("cannot use the key file {}", key.display()))?;
    let format = match (format, suite) {
        (SignFormatArg::Jwt, _) => SignFormat::Jwt,
        (SignFormatArg::Di, SuiteArg::EddsaRdfc2022) => {
            SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022)
        }
        (SignFormatArg::Di, SuiteArg::EddsaJcs2022) => {
            SignFormat::DataIntegrity(SignSuite::EddsaJcs2022)
        }
    };
    let processor = Processor::shared();
    let time = now();
    let mut reader = open_input(input)?;
    let mut out: Box<dyn Write> = match output {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };

    // Skip leading blank lines; decide the shape from the first line.
    let mut line = Vec::new();
    let mut line_no = 0usize;
    loop {
        match read_line_limited(&mut *reader, MAX_CREDENTIAL_BYTES, &mut line)? {
            None => anyhow::bail!("{input}: no credential in the input"),
            Some(()) => {
                line_no += 1;
                if !line.iter().all(u8::is_ascii_whitespace) {
                    break;
                }
            }
        }
    }
    let first = parse_limited(&line);
    let first = match first {
        Ok(v) if v.is_object() => v,
        _ => {
            // One (pretty-printed) document: read the rest and sign it.
            let mut rest = Vec::new();
            reader
                .take(MAX_CREDENTIAL_BYTES as u64 + 1)
                .read_to_end(&mut rest)
                .context("cannot read input")?;
            let mut whole = line.clone();
            whole.push(b'\n');
            whole.extend_from_slice(&rest);
            let doc =
                parse_limited(&whole).with_context(|| format!("{input}: not a JSON credential"))?;
            let secured = sign(processor, &doc, &issuer, format, time)
                .with_context(|| format!("{input}: cannot sign"))?;
            match secured {
                Secured::Json(v) => writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?,
                Secured::Jwt(t) => writeln!(out, "{t}")?,
            }
            out.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
    };

    // JSON Lines: stream in batches.
    let mut failures = 0usize;
    let mut batch: Vec<(usize, Result<serde_json::Value, String>)> = vec![(line_no, Ok(first))];
    let mut done = false;
    while !done {
        while batch.len() < BATCH {
            match read_line_limited(&mut *reader, MAX_CREDENTIAL_BYTES, &mut line) {
                Ok(None) => {
                    done = true;
                    break;
                }
                Ok(Some(())) => {
                    line_no += 1;
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    batch.push((line_no, parse_limited(&line).map_err(|e| e.to_string())));
                }
                Err(e) => {
                    line_no += 1;
                    batch.push((line_no, Err(e.to_string())));
                    done = true;
                    break;
                }
            }
        }
        let results: Vec<(usize, Result<String, String>)> = batch
            .par_drain(..)
            .map(|(n, doc)| {
                let r = doc.and_then(|doc| {
                    sign(processor, &doc, &issuer, format, time)
                        .map_err(|e| e.to_string())
                        .and_then(|s| match s {
                            Secured::Json(v) => {
                                serde_json::to_string(&v).map_err(|e| e.to_string())
                            }
                            Secured::Jwt(t) => Ok(t),
                        })
                });
                (n, r)
            })
            .collect();
        for (n, r) in results {
            match r {
                Ok(s) => {
                    out.write_all(s.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                Err(e) => {
                    failures += 1;
                    eprintln!("{input}:{n}: not signed: {e}");
                }
            }
        }
    }
    out.flush()?;
    if failures > 0 {
        eprintln!("{failures} line(s) not signed");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
