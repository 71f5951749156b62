//! My e-Backpack, notes: Markdown notes with tags, searchable.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use backpack_domain::entities::Note;
use backpack_domain::notes::NoteInput;
use backpack_domain::DomainError;
use serde::Deserialize;

use super::{object_id, render, see_other};
use crate::ctx::Ctx;
use crate::errors::{status_of, PageError};
use crate::page::{FieldErrors, Page};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Search {
    q: String,
    tag: String,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "notes.html")]
struct NotesTemplate {
    p: Page,
    q: String,
    tag: String,
    notes: Vec<Note>,
}

pub async fn list(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(s): Query<Search>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let notes = st.notes.list(user, &s.q, &s.tag).await?;
    let q: String = s.q.chars().take(200).collect();
    let tag: String = s.tag.chars().take(40).collect();
    render(
        StatusCode::OK,
        &NotesTemplate {
            p: Page::new(&st, &ctx, s.done.as_deref()),
            q,
            tag,
            notes,
        },
    )
}

#[derive(Template)]
#[template(path = "note.html")]
struct NoteTemplate {
    p: Page,
    id: String,
    title: String,
    tags: Vec<String>,
    body: String,
}

pub async fn show(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(s): Query<Search>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let note = st.notes.get(user, object_id(&id)?).await?;
    let t = NoteTemplate {
        p: Page::new(&st, &ctx, s.done.as_deref()),
        id: note.id.to_string(),
        title: note.title,
        tags: note.tags,
        // Rendered inert: raw HTML shown as text, only http(s)/mailto links.
        body: crate::markdown::render(&note.body),
    };
    render(StatusCode::OK, &t)
}

#[derive(Template)]
#[template(path = "note_form.html")]
struct FormTemplate {
    p: Page,
    errors: FieldErrors,
    heading: String,
    action: String,
    title: String,
    body: String,
    tags: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    title: String,
    body: String,
    tags: String,
}

fn form_page(
    st: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    errors: FieldErrors,
    action: &str,
    heading_key: &str,
    f: NoteForm,
) -> Result<Response, PageError> {
    let p = Page::new(st, ctx, None);
    let t = FormTemplate {
        heading: p.t(heading_key),
        p,
        errors,
        action: action.to_owned(),
        title: f.title,
        body: f.body,
        tags: f.tags,
    };
    render(status, &t)
}

pub async fn new_form(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, PageError> {
    ctx.require_user()?;
    form_page(
        &st,
        &ctx,
        StatusCode::OK,
        FieldErrors::default(),
        "/backpack/notes",
        "note-new-title",
        NoteForm::default(),
    )
}

pub async fn create(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<NoteForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st
        .notes
        .create(
            user,
            NoteInput {
                title: &f.title,
                body: &f.body,
                tags: &f.tags,
            },
        )
        .await
    {
        Ok(n) => Ok(see_other(&format!(
            "/backpack/notes/{}?done=note_saved",
            n.id
        ))),
        Err(e @ DomainError::Invalid(_)) => {
            refused(&st, &ctx, e, "/backpack/notes", "note-new-title", f)
        }
        Err(e) => Err(e.into()),
    }
}

fn refused(
    st: &AppState,
    ctx: &Ctx,
    e: DomainError,
    action: &str,
    heading_key: &str,
    f: NoteForm,
) -> Result<Response, PageError> {
    let DomainError::Invalid(errs) = &e else {
        return Err(e.into());
    };
    let errors = FieldErrors::new(st, ctx.locale, errs);
    form_page(st, ctx, status_of(&e), errors, action, heading_key, f)
}

pub async fn edit_form(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let note = st.notes.get(user, object_id(&id)?).await?;
    let f = NoteForm {
        title: note.title,
        body: note.body,
        tags: note.tags.join(", "),
    };
    form_page(
        &st,
        &ctx,
        StatusCode::OK,
        FieldErrors::default(),
        &format!("/backpack/notes/{}", note.id),
        "note-edit-title",
        f,
    )
}

pub async fn update(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let id = object_id(&id)?;
    match st
        .notes
        .update(
            user,
            id,
            NoteInput {
                title: &f.title,
                body: &f.body,
                tags: &f.tags,
            },
        )
        .await
    {
        Ok(n) => Ok(see_other(&format!(
            "/backpack/notes/{}?done=note_saved",
            n.id
        ))),
        Err(e @ DomainError::Invalid(_)) => refused(
            &st,
            &ctx,
            e,
            &format!("/backpack/notes/{id}"),
            "note-edit-title",
            f,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    st.notes.delete(user, object_id(&id)?).await?;
    Ok(see_other("/backpack/notes?done=note_deleted"))
}
