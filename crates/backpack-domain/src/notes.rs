//! Notes: personal Markdown notes with tags, searchable.

use std::sync::Arc;

use bytes::Bytes;
use uuid::Uuid;

use crate::entities::{ItemRef, Note, NoteFile, User};
use crate::ports::{BlobStore, Clock, Store};
use crate::tokens::hex;
use crate::{DomainError, FieldError};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 50_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 40;
pub const MAX_NOTES: usize = 10_000;
pub const MAX_FILES_PER_NOTE: usize = 20;
pub const MAX_LINKS_PER_NOTE: usize = 50;

/// What a note form sends.
pub struct NoteInput<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// Comma-separated.
    pub tags: &'a str,
}

/// Tags from a comma-separated list: trimmed, lower-cased, unique, in order.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    for t in raw.split(',') {
        let t = t.trim().to_lowercase();
        if t.is_empty() || tags.contains(&t) {
            continue;
        }
        if t.chars().count() > MAX_TAG_CHARS || t.chars().any(char::is_control) {
            return Err(FieldError::new("tags", "tag_invalid"));
        }
        tags.push(t);
    }
    if tags.len() > MAX_TAGS {
        return Err(FieldError::new("tags", "too_many"));
    }
    Ok(tags)
}

fn check(input: &NoteInput<'_>) -> Result<(String, String, Vec<String>), DomainError> {
    let mut errors = Vec::new();
    let title = input.title.trim();
    if title.is_empty() {
        errors.push(FieldError::new("title", "required"));
    } else if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        errors.push(FieldError::new("title", "too_long"));
    }
    if input.body.chars().count() > MAX_BODY_CHARS {
        errors.push(FieldError::new("body", "too_long"));
    }
    let tags = parse_tags(input.tags)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    if errors.is_empty() {
        Ok((title.to_owned(), input.body.replace("\r\n", "\n"), tags))
    } else {
        Err(DomainError::Invalid(errors))
    }
}

pub struct Notes {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    max_file_bytes: u64,
    blob_grace_secs: i64,
}

/// The content type of an attached file, from its bytes (never the name).
/// Types a browser could run (HTML, SVG, XML, scripts) are never given:
/// such files are served as plain text or bytes.
fn sniffed_type(bytes: &[u8]) -> &'static str {
    const ACTIVE: &[&str] = &[
        "text/html",
        "image/svg+xml",
        "application/xml",
        "text/xml",
        "application/xhtml+xml",
        "application/javascript",
        "text/javascript",
    ];
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some(m) if !ACTIVE.contains(&m) => m,
        _ if std::str::from_utf8(bytes).is_ok() => "text/plain",
        _ => "application/octet-stream",
    }
}

impl Notes {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        max_file_bytes: u64,
        blob_grace_secs: i64,
    ) -> Self {
        Notes {
            store,
            blobs,
            clock,
            max_file_bytes,
            blob_grace_secs,
        }
    }

    /// Attach a file to a note. Any kind of file: it is only ever served as
    /// a download, in a sandbox.
    pub async fn attach(
        &self,
        user: &User,
        note_id: Uuid,
        filename: &str,
        bytes: Bytes,
    ) -> Result<NoteFile, DomainError> {
        self.get(user, note_id).await?;
        if bytes.len() as u64 > self.max_file_bytes {
            return Err(DomainError::FileTooLarge {
                max: self.max_file_bytes,
            });
        }
        if bytes.is_empty() {
            return Err(DomainError::field("file", "file_empty"));
        }
        if self.store.list_note_files(user.id, note_id).await?.len() >= MAX_FILES_PER_NOTE {
            return Err(DomainError::field("file", "too_many"));
        }
        let id = Uuid::new_v4();
        let content_type = sniffed_type(&bytes);
        let ext = infer::get(&bytes).map_or("bin", |t| t.extension());
        let ext = if content_type == "text/plain" {
            "txt"
        } else {
            ext
        };
        let f = NoteFile {
            id,
            note_id,
            user_id: user.id,
            blob_key: format!("notes/{}/{}", user.id, id),
            filename: crate::files::clean_stem(filename, "file", ext),
            content_type: content_type.to_owned(),
            size: bytes.len() as i64,
            sha256: hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
            created_at: self.clock.unix(),
        };
        self.blobs
            .put(&f.blob_key, bytes)
            .await
            .map_err(DomainError::Internal)?;
        if let Err(e) = self.store.insert_note_file(&f).await {
            let _ = self.blobs.delete(&f.blob_key).await;
            return Err(e.into());
        }
        Ok(f)
    }

    pub async fn files(&self, user: &User, note_id: Uuid) -> Result<Vec<NoteFile>, DomainError> {
        Ok(self.store.list_note_files(user.id, note_id).await?)
    }

    /// An attached file and its bytes.
    pub async fn file(&self, user: &User, id: Uuid) -> Result<(NoteFile, Bytes), DomainError> {
        let f = self
            .store
            .find_note_file(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let bytes = self
            .blobs
            .get(&f.blob_key)
            .await
            .map_err(DomainError::Internal)?
            .ok_or(DomainError::NotFound)?;
        Ok((f, bytes))
    }

    /// Remove an attached file; returns the note it was attached to.
    pub async fn delete_file(&self, user: &User, id: Uuid) -> Result<Uuid, DomainError> {
        let f = self
            .store
            .find_note_file(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let after = self.clock.unix() + self.blob_grace_secs;
        if self.store.delete_note_file(user.id, id, after).await? {
            Ok(f.note_id)
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// Set the backpack items a note is about (each must be the user's).
    pub async fn set_links(
        &self,
        user: &User,
        note_id: Uuid,
        items: &[ItemRef],
    ) -> Result<(), DomainError> {
        self.get(user, note_id).await?;
        if items.len() > MAX_LINKS_PER_NOTE {
            return Err(DomainError::field("links", "too_many"));
        }
        let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
        let found = self.store.find_items(user.id, &ids).await?;
        if items.iter().any(|r| {
            !found.iter().any(|i| i.item_ref() == *r) || r.area == crate::entities::Area::Note
        }) {
            return Err(DomainError::field("links", "choose_one"));
        }
        Ok(self.store.set_note_links(user.id, note_id, items).await?)
    }

    pub async fn links(&self, user: &User, note_id: Uuid) -> Result<Vec<ItemRef>, DomainError> {
        Ok(self.store.list_note_links(user.id, note_id).await?)
    }

    /// Notes that are about an item.
    pub async fn about(&self, user: &User, item_id: Uuid) -> Result<Vec<Note>, DomainError> {
        let mut out = Vec::new();
        for id in self.store.notes_linking(user.id, item_id).await? {
            if let Some(n) = self.store.find_note(user.id, id).await? {
                out.push(n);
            }
        }
        Ok(out)
    }

    pub async fn create(&self, user: &User, input: NoteInput<'_>) -> Result<Note, DomainError> {
        let (title, body, tags) = check(&input)?;
        let held = self.store.count_items(user.id).await?;
        if held
            .iter()
            .any(|(a, n)| *a == crate::entities::Area::Note && *n >= MAX_NOTES as i64)
        {
            return Err(DomainError::field("title", "too_many"));
        }
        let now = self.clock.unix();
        let note = Note {
            id: Uuid::new_v4(),
            user_id: user.id,
            title,
            body,
            tags,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_note(&note).await?;
        Ok(note)
    }

    pub async fn get(&self, user: &User, id: Uuid) -> Result<Note, DomainError> {
        self.store
            .find_note(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn update(
        &self,
        user: &User,
        id: Uuid,
        input: NoteInput<'_>,
    ) -> Result<Note, DomainError> {
        let existing = self.get(user, id).await?;
        let (title, body, tags) = check(&input)?;
        let note = Note {
            title,
            body,
            tags,
            updated_at: self.clock.unix(),
            ..existing
        };
        if self.store.update_note(&note).await? {
            Ok(note)
        } else {
            Err(DomainError::NotFound)
        }
    }

    pub async fn delete(&self, user: &User, id: Uuid) -> Result<(), DomainError> {
        let after = self.clock.unix() + self.blob_grace_secs;
        if self.store.delete_note(user.id, id, after).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// Search: text in title, body or tags; or one tag.
    pub async fn list(&self, user: &User, text: &str, tag: &str) -> Result<Vec<Note>, DomainError> {
        let text: String = text.trim().chars().take(200).collect();
        let tag = tag.trim().to_lowercase();
        Ok(self
            .store
            .list_notes(
                user.id,
                (!text.is_empty()).then_some(text.as_str()),
                (!tag.is_empty()).then_some(tag.as_str()),
            )
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_never_typed_as_something_a_browser_runs() {
        assert_eq!(
            sniffed_type(b"<html><script>alert(1)</script></html>"),
            "text/plain"
        );
        assert_eq!(
            sniffed_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "text/plain"
        );
        assert_eq!(sniffed_type(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            sniffed_type(&[0xff, 0xfe, 0x00, 0x9f]),
            "application/octet-stream"
        );
    }

    #[test]
    fn tags_are_normalised_and_bounded() {
        assert_eq!(
            parse_tags(" Rust, rust ,  web ,,").unwrap(),
            ["rust", "web"]
        );
        assert_eq!(parse_tags("").unwrap(), Vec::<String>::new());
        assert_eq!(parse_tags(&"x".repeat(41)).unwrap_err().code, "tag_invalid");
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(parse_tags(&many.join(",")).unwrap_err().code, "too_many");
    }

    #[test]
    fn a_note_needs_a_title_and_bounded_text() {
        let e = check(&NoteInput {
            title: " ",
            body: "",
            tags: "",
        })
        .unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        let long = "b".repeat(MAX_BODY_CHARS + 1);
        assert!(check(&NoteInput {
            title: "t",
            body: &long,
            tags: ""
        })
        .is_err());
        let (t, b, _) = check(&NoteInput {
            title: " T ",
            body: "a\r\nb",
            tags: "x",
        })
        .unwrap();
        assert_eq!((t.as_str(), b.as_str()), ("T", "a\nb"));
    }
}
