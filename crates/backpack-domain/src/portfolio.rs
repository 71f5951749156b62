//! The portfolio: a CV builder (Europass-like sections) whose entries can
//! cite backpack items as evidence. Stored as one JSON document per learner,
//! checked here; the PDF export comes with the issuing work.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::{Area, ItemRef, User};
use crate::ports::{Clock, Store};
use crate::{DomainError, FieldError};

pub const MAX_ENTRIES: usize = 50;
pub const MAX_EVIDENCE: usize = 20;
pub const MAX_LINE_CHARS: usize = 200;
pub const MAX_LONG_CHARS: usize = 5000;

/// CEFR levels (Common European Framework of Reference for Languages).
pub const CEFR: [&str; 6] = ["A1", "A2", "B1", "B2", "C1", "C2"];

/// The CEFR self-assessment grid's five skills.
pub const LANGUAGE_SKILLS: [&str; 5] = [
    "listening",
    "reading",
    "spoken_interaction",
    "spoken_production",
    "writing",
];

/// A cited backpack item, as stored in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    pub area: String,
    pub id: Uuid,
}

impl EvidenceRef {
    pub fn item_ref(&self) -> Option<ItemRef> {
        Some(ItemRef {
            area: Area::parse(&self.area)?,
            id: self.id,
        })
    }
}

/// Work experience, or education and training.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: Uuid,
    pub title: String,
    pub organisation: String,
    pub location: String,
    /// `YYYY-MM`.
    pub from: String,
    /// `YYYY-MM`, empty while ongoing.
    pub to: String,
    pub description: String,
    #[serde(default)]
    pub evidence: Vec<EvidenceRef>,
}

/// A language: mother tongue, or CEFR levels for the five skills.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Language {
    pub id: Uuid,
    pub name: String,
    pub mother_tongue: bool,
    /// One level (or empty) per [`LANGUAGE_SKILLS`] entry.
    pub levels: Vec<String>,
}

/// A digital or other skill.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    pub id: Uuid,
    pub name: String,
    /// `digital` or `other`.
    pub category: String,
    pub level: String,
    #[serde(default)]
    pub evidence: Vec<EvidenceRef>,
}

/// The whole CV.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Portfolio {
    pub headline: String,
    pub summary: String,
    pub email: String,
    pub phone: String,
    pub location: String,
    pub website: String,
    pub experience: Vec<Entry>,
    pub education: Vec<Entry>,
    pub languages: Vec<Language>,
    pub skills: Vec<Skill>,
}

/// The sections that hold entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Experience,
    Education,
    Languages,
    Skills,
}

impl Section {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "experience" => Some(Section::Experience),
            "education" => Some(Section::Education),
            "languages" => Some(Section::Languages),
            "skills" => Some(Section::Skills),
            _ => None,
        }
    }
}

/// What the personal-details form sends.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub headline: String,
    pub summary: String,
    pub email: String,
    pub phone: String,
    pub location: String,
    pub website: String,
}

/// What an entry form sends (fields a section does not use are ignored).
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub title: String,
    pub organisation: String,
    pub location: String,
    pub from: String,
    pub to: String,
    pub description: String,
    /// Languages: mother tongue.
    pub mother_tongue: bool,
    /// Languages: a level per skill.
    pub levels: Vec<String>,
    /// Skills: `digital` or `other`.
    pub category: String,
    pub level: String,
    /// `area:id` values.
    pub evidence: Vec<String>,
}

struct Check(Vec<FieldError>);

impl Check {
    fn line(&mut self, field: &'static str, raw: &str, required: bool) -> String {
        let v = raw.trim();
        if v.is_empty() && required {
            self.0.push(FieldError::new(field, "required"));
        } else if v.chars().count() > MAX_LINE_CHARS || v.chars().any(char::is_control) {
            self.0.push(FieldError::new(field, "too_long"));
        }
        v.to_owned()
    }
    fn long(&mut self, field: &'static str, raw: &str) -> String {
        let v = raw.trim();
        if v.chars().count() > MAX_LONG_CHARS {
            self.0.push(FieldError::new(field, "too_long"));
        }
        v.replace("\r\n", "\n")
    }
    fn month(&mut self, field: &'static str, raw: &str) -> String {
        let v = raw.trim();
        let ok = v.is_empty()
            || (v.len() == 7
                && v.as_bytes()[4] == b'-'
                && v[..4]
                    .parse::<u16>()
                    .is_ok_and(|y| (1900..=2200).contains(&y))
                && v[5..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m)));
        if !ok {
            self.0.push(FieldError::new(field, "month_invalid"));
        }
        v.to_owned()
    }
    fn evidence(&mut self, raw: &[String]) -> Vec<EvidenceRef> {
        let mut out: Vec<EvidenceRef> = Vec::new();
        for r in raw {
            let parsed = r.split_once(':').and_then(|(a, id)| {
                let area = Area::parse(a)?;
                Some(EvidenceRef {
                    area: area.code().to_owned(),
                    id: Uuid::parse_str(id).ok()?,
                })
            });
            match parsed {
                Some(e) if !out.contains(&e) => out.push(e),
                Some(_) => {}
                None => self.0.push(FieldError::new("evidence", "choose_one")),
            }
        }
        if out.len() > MAX_EVIDENCE {
            self.0.push(FieldError::new("evidence", "too_many"));
        }
        out
    }
    fn done<T>(self, v: T) -> Result<T, DomainError> {
        if self.0.is_empty() {
            Ok(v)
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
}

fn check_profile(input: &ProfileInput) -> Result<ProfileInput, DomainError> {
    let mut c = Check(Vec::new());
    let out = ProfileInput {
        headline: c.line("headline", &input.headline, false),
        summary: c.long("summary", &input.summary),
        email: c.line("email", &input.email, false),
        phone: c.line("phone", &input.phone, false),
        location: c.line("location", &input.location, false),
        website: c.line("website", &input.website, false),
    };
    if !out.email.is_empty() && crate::values::Email::parse("email", &out.email).is_err() {
        c.0.push(FieldError::new("email", "email_invalid"));
    }
    if !out.website.is_empty() && !crate::certificates::is_web_url(&out.website) {
        c.0.push(FieldError::new("website", "url_invalid"));
    }
    c.done(out)
}

/// The evidence a portfolio cites (for the data export and the page).
pub fn evidence_of(p: &Portfolio) -> Vec<ItemRef> {
    p.experience
        .iter()
        .chain(&p.education)
        .flat_map(|e| &e.evidence)
        .chain(p.skills.iter().flat_map(|s| &s.evidence))
        .filter_map(EvidenceRef::item_ref)
        .collect()
}

pub struct Portfolios {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Portfolios {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Portfolios { store, clock }
    }

    pub async fn get(&self, user: &User) -> Result<Portfolio, DomainError> {
        match self.store.find_portfolio(user.id).await? {
            Some((doc, _)) => serde_json::from_str(&doc).map_err(DomainError::internal),
            None => Ok(Portfolio::default()),
        }
    }

    async fn save(&self, user: &User, p: &Portfolio) -> Result<(), DomainError> {
        let doc = serde_json::to_string(p).map_err(DomainError::internal)?;
        self.store
            .put_portfolio(user.id, &doc, self.clock.unix())
            .await?;
        Ok(())
    }

    pub async fn save_profile(&self, user: &User, input: &ProfileInput) -> Result<(), DomainError> {
        let checked = check_profile(input)?;
        let mut p = self.get(user).await?;
        p.headline = checked.headline;
        p.summary = checked.summary;
        p.email = checked.email;
        p.phone = checked.phone;
        p.location = checked.location;
        p.website = checked.website;
        self.save(user, &p).await
    }

    /// Add (`id` None) or change an entry of a section.
    pub async fn save_entry(
        &self,
        user: &User,
        section: Section,
        id: Option<Uuid>,
        input: &EntryInput,
    ) -> Result<Uuid, DomainError> {
        let mut p = self.get(user).await?;
        let mut c = Check(Vec::new());
        let new_id = id.unwrap_or_else(Uuid::new_v4);
        let evidence = c.evidence(&input.evidence);
        // Evidence must be the learner's own items.
        let refs: Vec<ItemRef> = evidence.iter().filter_map(EvidenceRef::item_ref).collect();
        if !refs.is_empty() {
            let ids: Vec<Uuid> = refs.iter().map(|r| r.id).collect();
            let found = self.store.find_items(user.id, &ids).await?;
            if refs
                .iter()
                .any(|r| !found.iter().any(|i| i.item_ref() == *r))
            {
                c.0.push(FieldError::new("evidence", "choose_one"));
            }
        }
        match section {
            Section::Experience | Section::Education => {
                let entry = Entry {
                    id: new_id,
                    title: c.line("title", &input.title, true),
                    organisation: c.line("organisation", &input.organisation, false),
                    location: c.line("location", &input.location, false),
                    from: c.month("from", &input.from),
                    to: c.month("to", &input.to),
                    description: c.long("description", &input.description),
                    evidence,
                };
                if !entry.from.is_empty() && !entry.to.is_empty() && entry.to < entry.from {
                    c.0.push(FieldError::new("to", "before_start"));
                }
                let entry = c.done(entry)?;
                let list = if section == Section::Experience {
                    &mut p.experience
                } else {
                    &mut p.education
                };
                upsert(list, id, entry, |e| e.id)?;
            }
            Section::Languages => {
                let name = c.line("title", &input.title, true);
                let mut levels = Vec::new();
                for i in 0..LANGUAGE_SKILLS.len() {
                    let l = input.levels.get(i).map_or("", |s| s.trim());
                    if !l.is_empty() && !CEFR.contains(&l) {
                        c.0.push(FieldError::new("levels", "choose_one"));
                    }
                    levels.push(l.to_owned());
                }
                let lang = c.done(Language {
                    id: new_id,
                    name,
                    mother_tongue: input.mother_tongue,
                    levels,
                })?;
                upsert(&mut p.languages, id, lang, |l| l.id)?;
            }
            Section::Skills => {
                let category = match input.category.trim() {
                    "digital" | "" => "digital",
                    "other" => "other",
                    _ => {
                        c.0.push(FieldError::new("category", "choose_one"));
                        "other"
                    }
                };
                let skill = Skill {
                    id: new_id,
                    name: c.line("title", &input.title, true),
                    category: category.to_owned(),
                    level: c.line("level", &input.level, false),
                    evidence,
                };
                let skill = c.done(skill)?;
                upsert(&mut p.skills, id, skill, |s| s.id)?;
            }
        }
        self.save(user, &p).await?;
        Ok(new_id)
    }

    pub async fn delete_entry(
        &self,
        user: &User,
        section: Section,
        id: Uuid,
    ) -> Result<(), DomainError> {
        let mut p = self.get(user).await?;
        let before = (
            p.experience.len(),
            p.education.len(),
            p.languages.len(),
            p.skills.len(),
        );
        match section {
            Section::Experience => p.experience.retain(|e| e.id != id),
            Section::Education => p.education.retain(|e| e.id != id),
            Section::Languages => p.languages.retain(|e| e.id != id),
            Section::Skills => p.skills.retain(|e| e.id != id),
        }
        if before
            == (
                p.experience.len(),
                p.education.len(),
                p.languages.len(),
                p.skills.len(),
            )
        {
            return Err(DomainError::NotFound);
        }
        self.save(user, &p).await
    }
}

/// Replace the entry with `id`, or append a new one (bounded).
fn upsert<T>(
    list: &mut Vec<T>,
    id: Option<Uuid>,
    value: T,
    key: impl Fn(&T) -> Uuid,
) -> Result<(), DomainError> {
    match id {
        Some(id) => {
            let slot = list
                .iter_mut()
                .find(|e| key(e) == id)
                .ok_or(DomainError::NotFound)?;
            *slot = value;
        }
        None => {
            if list.len() >= MAX_ENTRIES {
                return Err(DomainError::field("title", "too_many"));
            }
            list.push(value);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_evidence_and_profile_are_checked() {
        let mut c = Check(Vec::new());
        assert_eq!(c.month("from", "2024-03"), "2024-03");
        c.month("from", "2024-13");
        c.month("to", "March");
        let ev = c.evidence(&[
            format!("badge:{}", Uuid::nil()),
            format!("badge:{}", Uuid::nil()),
            "secret:x".into(),
        ]);
        assert_eq!(ev.len(), 1);
        let codes: Vec<_> = c.0.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            codes,
            [
                ("from", "month_invalid"),
                ("to", "month_invalid"),
                ("evidence", "choose_one")
            ]
        );
        assert!(check_profile(&ProfileInput {
            website: "javascript:alert(1)".into(),
            ..Default::default()
        })
        .is_err());
        assert!(check_profile(&ProfileInput {
            email: "lea@example.org".into(),
            website: "https://lea.example.org".into(),
            ..Default::default()
        })
        .is_ok());
    }

    #[test]
    fn upsert_replaces_or_appends_within_bounds() {
        let mut list = vec![1u128];
        let key = |v: &u128| Uuid::from_u128(*v);
        upsert(&mut list, Some(Uuid::from_u128(1)), 1, key).unwrap();
        assert!(upsert(&mut list, Some(Uuid::from_u128(9)), 9, key).is_err());
        for i in 2..=MAX_ENTRIES as u128 {
            upsert(&mut list, None, i, key).unwrap();
        }
        assert!(upsert(&mut list, None, 99, key).is_err());
    }

    #[test]
    fn an_old_document_still_reads() {
        let p: Portfolio = serde_json::from_str(r#"{"headline":"Analyst"}"#).unwrap();
        assert_eq!(p.headline, "Analyst");
        assert!(p.experience.is_empty());
    }
}
