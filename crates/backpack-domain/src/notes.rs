//! Notes: personal Markdown notes with tags, searchable.

use std::sync::Arc;

use uuid::Uuid;

use crate::entities::{Note, User};
use crate::ports::{Clock, Store};
use crate::{DomainError, FieldError};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 50_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 40;
pub const MAX_NOTES: usize = 10_000;

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
    clock: Arc<dyn Clock>,
}

impl Notes {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Notes { store, clock }
    }

    pub async fn create(&self, user: &User, input: NoteInput<'_>) -> Result<Note, DomainError> {
        let (title, body, tags) = check(&input)?;
        if self.store.list_notes(user.id, None, None).await?.len() >= MAX_NOTES {
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
        if self.store.delete_note(user.id, id).await? {
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
