//! My e-Backpack: the overview of the five areas with the timeline and the
//! cross-area search, and collections.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use backpack_domain::backpack::{CollectionInput, SearchInput};
use backpack_domain::entities::{Area, Item, ItemRef, User};
use backpack_domain::DomainError;
use serde::Deserialize;

use super::{form_pairs, object_id, render, see_other};
use crate::ctx::Ctx;
use crate::errors::{status_of, PageError};
use crate::page::{FieldErrors, Page};
use crate::state::AppState;

/// One item in a list (timeline, search, collection, links).
#[derive(Clone)]
pub struct ItemRow {
    pub href: String,
    pub key: String,
    pub area: String,
    pub title: String,
    pub issuer: String,
    pub date: String,
    pub tags: Vec<String>,
}

/// `area:id`, the form value that names an item.
pub fn item_key(r: ItemRef) -> String {
    format!("{}:{}", r.area.code(), r.id)
}

pub fn parse_item_key(s: &str) -> Option<ItemRef> {
    let (a, id) = s.split_once(':')?;
    Some(ItemRef {
        area: Area::parse(a)?,
        id: uuid::Uuid::parse_str(id).ok()?,
    })
}

pub fn area_label(p: &Page, a: Area) -> String {
    p.t(&format!("area-{}", a.code()))
}

fn day_of_unix(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

pub fn item_row(p: &Page, i: &Item) -> ItemRow {
    ItemRow {
        href: i.area.path(i.id),
        key: item_key(i.item_ref()),
        area: area_label(p, i.area),
        title: i.title.clone(),
        issuer: i.issuer.clone().unwrap_or_default(),
        date: i.date.clone().unwrap_or_else(|| day_of_unix(i.at)),
        tags: i.tags.clone(),
    }
}

/// The "collections" box of an item page: which collections hold it, and a
/// form to add it to another.
pub struct CollectionBox {
    pub key: String,
    pub member: Vec<(String, String)>,
    pub others: Vec<(String, String)>,
}

pub async fn collection_box(
    st: &AppState,
    user: &User,
    item: ItemRef,
) -> Result<CollectionBox, PageError> {
    let member = st.backpack.collections_of(user, item.id).await?;
    let others = st
        .backpack
        .collections(user)
        .await?
        .into_iter()
        .filter(|(c, _)| !member.iter().any(|m| m.id == c.id))
        .map(|(c, _)| (c.id.to_string(), c.name))
        .collect();
    Ok(CollectionBox {
        key: item_key(item),
        member: member
            .into_iter()
            .map(|c| (c.id.to_string(), c.name))
            .collect(),
        others,
    })
}

/// Notes about an item, as (id, title).
pub async fn notes_about(
    st: &AppState,
    user: &User,
    item: ItemRef,
) -> Result<Vec<(String, String)>, PageError> {
    Ok(st
        .notes
        .about(user, item.id)
        .await?
        .into_iter()
        .map(|n| (n.id.to_string(), n.title))
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchForm {
    q: String,
    area: String,
    tag: String,
    issuer: String,
    from: String,
    to: String,
    page: String,
    done: Option<String>,
}

pub struct AreaCard {
    pub href: &'static str,
    pub title: String,
    pub intro: String,
    pub count: String,
}

#[derive(Template)]
#[template(path = "backpack.html")]
struct BackpackTemplate {
    p: Page,
    errors: FieldErrors,
    cards: Vec<AreaCard>,
    collections: i64,
    q: String,
    area: String,
    tag: String,
    issuer: String,
    from: String,
    to: String,
    areas: Vec<(String, String)>,
    tags: Vec<String>,
    issuers: Vec<String>,
    searching: bool,
    items: Vec<ItemRow>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

fn bounded(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

pub async fn overview(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(f): Query<SearchForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let p = Page::new(&st, &ctx, f.done.as_deref());
    let input = SearchInput {
        q: f.q.clone(),
        area: f.area.clone(),
        tag: f.tag.clone(),
        issuer: f.issuer.clone(),
        from: f.from.clone(),
        to: f.to.clone(),
        page: f.page.trim().parse().unwrap_or(1),
    };
    let (status, errors, found) = match st.backpack.search(user, &input).await {
        Ok(found) => (StatusCode::OK, FieldErrors::default(), Some(found)),
        Err(e @ DomainError::Invalid(_)) => {
            let DomainError::Invalid(errs) = &e else {
                return Err(e.into());
            };
            (status_of(&e), FieldErrors::new(&st, ctx.locale, errs), None)
        }
        Err(e) => return Err(e.into()),
    };
    let o = st.backpack.overview(user).await?;
    let count = |a: Area| {
        o.counts
            .iter()
            .find(|(x, _)| *x == a)
            .map_or(0, |(_, n)| *n)
    };
    let card = |href: &'static str, key: &str, n: Option<i64>| AreaCard {
        href,
        title: p.t(&format!("area-{key}-title")),
        intro: p.t(&format!("area-{key}-intro")),
        count: n
            .map(|n| p.t1("items-count", "count", n))
            .unwrap_or_default(),
    };
    let cards = vec![
        card(
            "/backpack/certificates",
            "certificate",
            Some(count(Area::Certificate)),
        ),
        card("/backpack/badges", "badge", Some(count(Area::Badge))),
        card("/backpack/portal", "portal", Some(count(Area::Portal))),
        card("/backpack/portfolio", "portfolio", None),
        card("/backpack/notes", "note", Some(count(Area::Note))),
    ];
    let searching = [&f.q, &f.area, &f.tag, &f.issuer, &f.from, &f.to]
        .iter()
        .any(|s| !s.trim().is_empty());
    let (items, page, has_next) = match found {
        Some(r) => (
            r.items.iter().map(|i| item_row(&p, i)).collect(),
            r.page,
            r.has_next,
        ),
        None => (Vec::new(), 1, false),
    };
    let link = |page: i64| {
        format!(
            "/backpack?q={}&area={}&tag={}&issuer={}&from={}&to={}&page={page}",
            p.url(&f.q),
            p.url(&f.area),
            p.url(&f.tag),
            p.url(&f.issuer),
            p.url(&f.from),
            p.url(&f.to)
        )
    };
    let t = BackpackTemplate {
        errors,
        cards,
        collections: o.collections,
        q: bounded(&f.q, 200),
        area: bounded(&f.area, 20),
        tag: bounded(&f.tag, 40),
        issuer: bounded(&f.issuer, 200),
        from: bounded(&f.from, 10),
        to: bounded(&f.to, 10),
        areas: Area::ALL
            .iter()
            .map(|a| (a.code().to_owned(), area_label(&p, *a)))
            .collect(),
        tags: o.tags,
        issuers: o.issuers,
        searching,
        items,
        page,
        prev: (page > 1).then(|| link(page - 1)),
        next: has_next.then(|| link(page + 1)),
        p,
    };
    render(status, &t)
}

#[derive(Template)]
#[template(path = "collections.html")]
struct CollectionsTemplate {
    p: Page,
    errors: FieldErrors,
    form_name: String,
    description: String,
    collections: Vec<(String, String, i64)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CollectionForm {
    name: String,
    description: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Notice {
    pub done: Option<String>,
}

async fn collections_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    status: StatusCode,
    errors: FieldErrors,
    f: CollectionForm,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let collections = st
        .backpack
        .collections(user)
        .await?
        .into_iter()
        .map(|(c, n)| (c.id.to_string(), c.name, n))
        .collect();
    render(
        status,
        &CollectionsTemplate {
            p: Page::new(st, ctx, done),
            errors,
            form_name: f.name,
            description: f.description,
            collections,
        },
    )
}

pub async fn collections(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    collections_page(
        &st,
        &ctx,
        user,
        StatusCode::OK,
        FieldErrors::default(),
        CollectionForm::default(),
        n.done.as_deref(),
    )
    .await
}

pub async fn create_collection(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<CollectionForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let input = CollectionInput {
        name: &f.name,
        description: &f.description,
    };
    match st.backpack.create_collection(user, input).await {
        Ok(c) => Ok(see_other(&format!(
            "/backpack/collections/{}?done=collection_saved",
            c.id
        ))),
        Err(e @ DomainError::Invalid(_)) => {
            let DomainError::Invalid(errs) = &e else {
                return Err(e.into());
            };
            let errors = FieldErrors::new(&st, ctx.locale, errs);
            collections_page(&st, &ctx, user, status_of(&e), errors, f, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "collection.html")]
struct CollectionTemplate {
    p: Page,
    errors: FieldErrors,
    id: String,
    name: String,
    form_name: String,
    form_description: String,
    description: String,
    items: Vec<ItemRow>,
}

async fn collection_page(
    st: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
    status: StatusCode,
    errors: FieldErrors,
    form: Option<CollectionForm>,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let (c, items) = st.backpack.collection(user, id).await?;
    let p = Page::new(st, ctx, done);
    let items = items.iter().map(|i| item_row(&p, i)).collect();
    let form = form.unwrap_or(CollectionForm {
        name: c.name.clone(),
        description: c.description.clone(),
    });
    render(
        status,
        &CollectionTemplate {
            p,
            errors,
            id: c.id.to_string(),
            name: c.name,
            form_name: form.name,
            form_description: form.description,
            description: c.description,
            items,
        },
    )
}

pub async fn collection(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    ctx.require_user()?;
    collection_page(
        &st,
        &ctx,
        object_id(&id)?,
        StatusCode::OK,
        FieldErrors::default(),
        None,
        n.done.as_deref(),
    )
    .await
}

pub async fn update_collection(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<CollectionForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let id = object_id(&id)?;
    let input = CollectionInput {
        name: &f.name,
        description: &f.description,
    };
    match st.backpack.update_collection(user, id, input).await {
        Ok(c) => Ok(see_other(&format!(
            "/backpack/collections/{}?done=collection_saved",
            c.id
        ))),
        Err(e @ DomainError::Invalid(_)) => {
            let DomainError::Invalid(errs) = &e else {
                return Err(e.into());
            };
            let errors = FieldErrors::new(&st, ctx.locale, errs);
            collection_page(&st, &ctx, id, status_of(&e), errors, Some(f), None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_collection(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    st.backpack.delete_collection(user, object_id(&id)?).await?;
    Ok(see_other("/backpack/collections?done=collection_deleted"))
}

/// The item named by an `item` field, or 404.
fn item_field(pairs: &[(String, String)]) -> Result<ItemRef, PageError> {
    pairs
        .iter()
        .find(|(k, _)| k == "item")
        .and_then(|(_, v)| parse_item_key(v))
        .ok_or_else(PageError::not_found)
}

/// Add an item to a collection (from the item's page).
pub async fn add_item(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let pairs = form_pairs(&body);
    let item = item_field(&pairs)?;
    let collection = pairs
        .iter()
        .find(|(k, _)| k == "collection")
        .map(|(_, v)| object_id(v))
        .transpose()?
        .ok_or_else(PageError::not_found)?;
    st.backpack
        .add_to_collection(user, collection, item)
        .await?;
    Ok(see_other(&format!(
        "{}?done=collection_item_added",
        item.area.path(item.id)
    )))
}

/// Remove an item from a collection.
pub async fn remove_item(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let id = object_id(&id)?;
    let item = item_field(&form_pairs(&body))?;
    st.backpack.remove_from_collection(user, id, item).await?;
    Ok(see_other(&format!(
        "/backpack/collections/{id}?done=collection_item_removed"
    )))
}
