//! My e-Backpack, notes: Markdown notes with tags, searchable.

use askama::Template;
use axum::extract::{Multipart, Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use backpack_domain::entities::{Area, ItemRef, Note, NoteFile, User};
use backpack_domain::notes::NoteInput;
use backpack_domain::DomainError;
use serde::Deserialize;
use uuid::Uuid;

use super::backpack::{collection_box, item_key, item_row, parse_item_key, CollectionBox, ItemRow};
use super::{attachment, form_pairs, object_id, read_upload, render, see_other};
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
    errors: FieldErrors,
    id: String,
    title: String,
    tags: Vec<String>,
    body: String,
    files: Vec<NoteFile>,
    links: Vec<ItemRow>,
    choices: Vec<ItemRow>,
    linked: Vec<String>,
    cbox: CollectionBox,
    about: Vec<(String, String)>,
}

impl NoteTemplate {
    fn is_linked(&self, key: &str) -> bool {
        self.linked.iter().any(|k| k == key)
    }
}

async fn note_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    id: Uuid,
    status: StatusCode,
    errors: FieldErrors,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let note = st.notes.get(user, id).await?;
    let p = Page::new(st, ctx, done);
    let refs = st.notes.links(user, id).await?;
    let links: Vec<ItemRow> = st
        .backpack
        .items(user, &refs)
        .await?
        .iter()
        .map(|i| item_row(&p, i))
        .collect();
    let mut choices: Vec<ItemRow> = st
        .backpack
        .recent_credentials(user, 100)
        .await?
        .iter()
        .map(|i| item_row(&p, i))
        .collect();
    // Linked items stay choosable even when older than the recent ones.
    for l in &links {
        if !choices.iter().any(|c| c.key == l.key) {
            choices.push(l.clone());
        }
    }
    let item = ItemRef {
        area: Area::Note,
        id,
    };
    let t = NoteTemplate {
        errors,
        id: note.id.to_string(),
        title: note.title,
        tags: note.tags,
        // Rendered inert: raw HTML shown as text, only http(s)/mailto links.
        body: crate::markdown::render(&note.body),
        files: st.notes.files(user, id).await?,
        linked: refs.into_iter().map(item_key).collect(),
        links,
        choices,
        cbox: collection_box(st, user, item).await?,
        about: Vec::new(),
        p,
    };
    render(status, &t)
}

/// Attach a file to a note.
pub async fn attach(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    form: Multipart,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let id = object_id(&id)?;
    let up = read_upload(form).await?;
    let (filename, bytes) = up.file.unwrap_or_default();
    match st.notes.attach(user, id, &filename, bytes).await {
        Ok(_) => Ok(see_other(&format!(
            "/backpack/notes/{id}?done=note_file_added"
        ))),
        Err(e @ (DomainError::Invalid(_) | DomainError::FileTooLarge { .. })) => {
            let errors = match &e {
                DomainError::Invalid(errs) => FieldErrors::new(&st, ctx.locale, errs),
                _ => FieldErrors::one(&st, ctx.locale, "file", e.code()),
            };
            note_page(&st, &ctx, user, id, status_of(&e), errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Download an attached file (an attachment, in a sandbox).
pub async fn file(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let (f, bytes) = st.notes.file(user, object_id(&id)?).await?;
    Ok(attachment(bytes, &f.content_type, &f.filename))
}

pub async fn delete_file(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let note = st.notes.delete_file(user, object_id(&id)?).await?;
    Ok(see_other(&format!(
        "/backpack/notes/{note}?done=note_file_deleted"
    )))
}

/// Set the credentials a note is about (check boxes named `item`).
pub async fn links(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let id = object_id(&id)?;
    let mut items = Vec::new();
    for (k, v) in form_pairs(&body) {
        if k == "item" {
            items.push(parse_item_key(&v).ok_or_else(PageError::not_found)?);
        }
    }
    match st.notes.set_links(user, id, &items).await {
        Ok(()) => Ok(see_other(&format!(
            "/backpack/notes/{id}?done=note_links_saved"
        ))),
        Err(e @ DomainError::Invalid(_)) => {
            let DomainError::Invalid(errs) = &e else {
                return Err(e.into());
            };
            let errors = FieldErrors::new(&st, ctx.locale, errs);
            note_page(&st, &ctx, user, id, status_of(&e), errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(s): Query<Search>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    note_page(
        &st,
        &ctx,
        user,
        object_id(&id)?,
        StatusCode::OK,
        FieldErrors::default(),
        s.done.as_deref(),
    )
    .await
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
