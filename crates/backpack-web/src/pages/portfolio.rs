//! My e-Backpack, portfolio: the CV builder. Personal details, work
//! experience, education and training, languages (CEFR), skills, with
//! backpack items cited as evidence.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use backpack_domain::entities::{Item, ItemRef, User};
use backpack_domain::portfolio::{
    evidence_of, EntryInput, EvidenceRef, Portfolio, ProfileInput, Section, CEFR, LANGUAGE_SKILLS,
};
use backpack_domain::DomainError;

use super::backpack::{item_key, item_row, ItemRow, Notice};
use super::{form_pairs, object_id, render, see_other};
use crate::ctx::Ctx;
use crate::errors::{status_of, PageError};
use crate::page::{FieldErrors, Page};
use crate::state::AppState;

/// How many recent credentials the evidence pickers offer.
const EVIDENCE_CHOICES: i64 = 100;

/// An entry as the page shows it, with its evidence resolved.
#[derive(Clone)]
pub struct EntryView {
    pub id: String,
    pub title: String,
    pub organisation: String,
    pub location: String,
    pub from: String,
    pub to: String,
    pub description: String,
    pub mother_tongue: bool,
    pub levels: Vec<(String, String)>,
    pub raw_levels: Vec<String>,
    pub category: String,
    pub level: String,
    pub evidence: Vec<ItemRow>,
    pub evidence_keys: Vec<String>,
}

impl EntryView {
    fn blank() -> Self {
        EntryView {
            id: String::new(),
            title: String::new(),
            organisation: String::new(),
            location: String::new(),
            from: String::new(),
            to: String::new(),
            description: String::new(),
            mother_tongue: false,
            levels: Vec::new(),
            raw_levels: Vec::new(),
            category: String::new(),
            level: String::new(),
            evidence: Vec::new(),
            evidence_keys: Vec::new(),
        }
    }
    /// Whether the entry cites the item with this key.
    pub fn cites(&self, key: &str) -> bool {
        self.evidence_keys.iter().any(|k| k == key)
    }
    /// The CEFR level for skill `i` (empty if none).
    pub fn level_at(&self, i: &usize) -> &str {
        self.raw_levels.get(*i).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "portfolio.html")]
struct PortfolioTemplate {
    p: Page,
    errors: FieldErrors,
    /// Which form the errors belong to (`profile`, `experience`, …).
    failed: String,
    pf: Portfolio,
    photo: Option<String>,
    name: String,
    experience: Vec<EntryView>,
    education: Vec<EntryView>,
    languages: Vec<EntryView>,
    skills: Vec<EntryView>,
    choices: Vec<ItemRow>,
    cefr: Vec<&'static str>,
    language_skills: Vec<(usize, String)>,
    blank: EntryView,
    entry_sections: Vec<(&'static str, &'static str, Vec<EntryView>)>,
}

impl PortfolioTemplate {
    fn is_failed(&self, key: &str) -> bool {
        self.failed == key
    }
    fn prefix(&self, section: &str, id: &str) -> String {
        format!("{section}-{id}")
    }
}

fn rows_for(p: &Page, evidence: &[EvidenceRef], items: &[Item]) -> (Vec<ItemRow>, Vec<String>) {
    let refs: Vec<ItemRef> = evidence.iter().filter_map(EvidenceRef::item_ref).collect();
    let rows = items
        .iter()
        .filter(|i| refs.contains(&i.item_ref()))
        .map(|i| item_row(p, i))
        .collect();
    (rows, refs.into_iter().map(item_key).collect())
}

async fn page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    status: StatusCode,
    errors: FieldErrors,
    failed: &str,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let pf = st.portfolios.get(user).await?;
    let p = Page::new(st, ctx, done);
    let cited = st.backpack.items(user, &evidence_of(&pf)).await?;
    let choices = st
        .backpack
        .recent_credentials(user, EVIDENCE_CHOICES)
        .await?
        .iter()
        .map(|i| item_row(&p, i))
        .collect();
    let view = |id: uuid::Uuid, evidence: &[EvidenceRef]| {
        let (rows, keys) = rows_for(&p, evidence, &cited);
        (id.to_string(), rows, keys)
    };
    let entries = |list: &[backpack_domain::portfolio::Entry]| -> Vec<EntryView> {
        list.iter()
            .map(|e| {
                let (id, evidence, evidence_keys) = view(e.id, &e.evidence);
                EntryView {
                    id,
                    title: e.title.clone(),
                    organisation: e.organisation.clone(),
                    location: e.location.clone(),
                    from: e.from.clone(),
                    to: e.to.clone(),
                    description: e.description.clone(),
                    mother_tongue: false,
                    levels: Vec::new(),
                    raw_levels: Vec::new(),
                    category: String::new(),
                    level: String::new(),
                    evidence,
                    evidence_keys,
                }
            })
            .collect()
    };
    let experience = entries(&pf.experience);
    let education = entries(&pf.education);
    let languages = pf
        .languages
        .iter()
        .map(|l| EntryView {
            id: l.id.to_string(),
            title: l.name.clone(),
            organisation: String::new(),
            location: String::new(),
            from: String::new(),
            to: String::new(),
            description: String::new(),
            mother_tongue: l.mother_tongue,
            levels: LANGUAGE_SKILLS
                .iter()
                .zip(&l.levels)
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (p.t(&format!("cefr-{}", k.replace('_', "-"))), v.clone()))
                .collect(),
            raw_levels: l.levels.clone(),
            category: String::new(),
            level: String::new(),
            evidence: Vec::new(),
            evidence_keys: Vec::new(),
        })
        .collect();
    let skills = pf
        .skills
        .iter()
        .map(|s| {
            let (id, evidence, evidence_keys) = view(s.id, &s.evidence);
            EntryView {
                id,
                title: s.name.clone(),
                organisation: String::new(),
                location: String::new(),
                from: String::new(),
                to: String::new(),
                description: String::new(),
                mother_tongue: false,
                levels: Vec::new(),
                raw_levels: Vec::new(),
                category: s.category.clone(),
                level: s.level.clone(),
                evidence,
                evidence_keys,
            }
        })
        .collect();
    let account = st.accounts.view(user).await?;
    let entry_sections = vec![
        ("experience", "portfolio-experience", experience.clone()),
        ("education", "portfolio-education", education.clone()),
    ];
    let t = PortfolioTemplate {
        errors,
        failed: failed.to_owned(),
        photo: account.user.photo_file_id.map(|id| format!("/files/{id}")),
        name: account.user.display_name.clone(),
        pf,
        experience,
        education,
        languages,
        skills,
        choices,
        cefr: CEFR.to_vec(),
        language_skills: LANGUAGE_SKILLS
            .iter()
            .enumerate()
            .map(|(i, k)| (i, p.t(&format!("cefr-{}", k.replace('_', "-")))))
            .collect(),
        blank: EntryView::blank(),
        entry_sections,
        p,
    };
    render(status, &t)
}

pub async fn show(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    page(
        &st,
        &ctx,
        user,
        StatusCode::OK,
        FieldErrors::default(),
        "",
        n.done.as_deref(),
    )
    .await
}

fn get(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

async fn refused(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    e: DomainError,
    failed: &str,
) -> Result<Response, PageError> {
    let DomainError::Invalid(errs) = &e else {
        return Err(e.into());
    };
    let errors = FieldErrors::new(st, ctx.locale, errs);
    page(st, ctx, user, status_of(&e), errors, failed, None).await
}

pub async fn profile(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let f = form_pairs(&body);
    let input = ProfileInput {
        headline: get(&f, "headline"),
        summary: get(&f, "summary"),
        email: get(&f, "email"),
        phone: get(&f, "phone"),
        location: get(&f, "location"),
        website: get(&f, "website"),
    };
    match st.portfolios.save_profile(user, &input).await {
        Ok(()) => Ok(see_other("/backpack/portfolio?done=portfolio_saved")),
        Err(e) => refused(&st, &ctx, user, e, "profile").await,
    }
}

fn entry_input(f: &[(String, String)]) -> EntryInput {
    EntryInput {
        title: get(f, "title"),
        organisation: get(f, "organisation"),
        location: get(f, "location"),
        from: get(f, "from"),
        to: get(f, "to"),
        description: get(f, "description"),
        mother_tongue: get(f, "mother_tongue") == "on",
        levels: (0..LANGUAGE_SKILLS.len())
            .map(|i| get(f, &format!("level_{i}")))
            .collect(),
        category: get(f, "category"),
        level: get(f, "level"),
        evidence: f
            .iter()
            .filter(|(k, _)| k == "evidence")
            .map(|(_, v)| v.clone())
            .collect(),
    }
}

fn section_of(f: &[(String, String)]) -> Result<(Section, String), PageError> {
    let s = get(f, "section");
    Section::parse(&s)
        .map(|sec| (sec, s))
        .ok_or_else(PageError::not_found)
}

/// Add an entry to a section.
pub async fn add_entry(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let f = form_pairs(&body);
    let (section, name) = section_of(&f)?;
    match st
        .portfolios
        .save_entry(user, section, None, &entry_input(&f))
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/backpack/portfolio?done=portfolio_saved#{name}"
        ))),
        Err(e) => refused(&st, &ctx, user, e, &name).await,
    }
}

/// Change an entry.
pub async fn update_entry(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let id = object_id(&id)?;
    let f = form_pairs(&body);
    let (section, name) = section_of(&f)?;
    match st
        .portfolios
        .save_entry(user, section, Some(id), &entry_input(&f))
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/backpack/portfolio?done=portfolio_saved#{name}"
        ))),
        Err(e) => refused(&st, &ctx, user, e, &format!("{name}-{id}")).await,
    }
}

pub async fn delete_entry(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let id = object_id(&id)?;
    let f = form_pairs(&body);
    let (section, name) = section_of(&f)?;
    st.portfolios.delete_entry(user, section, id).await?;
    Ok(see_other(&format!(
        "/backpack/portfolio?done=portfolio_entry_deleted#{name}"
    )))
}
