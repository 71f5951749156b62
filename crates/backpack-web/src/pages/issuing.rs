//! The issuer workspace (issuer staff and administrators; anyone else gets
//! "not found"), and the public documents issuing serves: DID documents,
//! status lists, achievement descriptions and images, issuer logos, and the
//! claim page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use backpack_credentials::eu::{self, AchievementSpec, Element, Participation, Skill, Translation};
use backpack_credentials::sign::SignFormat;
use backpack_domain::entities::{
    Achievement, CredentialState, IssuedCredential, IssuedQuery, Issuer, User,
};
use backpack_domain::issuing::{AwardRequest, IssuerInput, Issuing, RecipientInput};
use backpack_domain::values::Role;
use backpack_domain::DomainError;
use serde::Deserialize;
use uuid::Uuid;

use super::{attachment, object_id, read_upload, render, see_other};
use crate::ctx::Ctx;
use crate::errors::{status_of, PageError};
use crate::page::{FieldErrors, Page};
use crate::state::AppState;

/// Issuer staff or an administrator; anyone else: "not found".
pub(crate) fn require_staff(ctx: &Ctx) -> Result<&User, PageError> {
    let user = ctx.require_user()?;
    if matches!(user.role, Role::IssuerStaff | Role::Admin) {
        Ok(user)
    } else {
        Err(PageError::not_found())
    }
}

pub(crate) fn date(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Notice {
    done: Option<String>,
}

/// Invalid input re-renders the form with the errors; anything else is an
/// error page.
pub(crate) fn invalid(
    e: DomainError,
) -> Result<(StatusCode, Vec<backpack_domain::FieldError>), PageError> {
    match e {
        DomainError::Invalid(errs) => Ok((StatusCode::UNPROCESSABLE_ENTITY, errs)),
        DomainError::FileTooLarge { .. } | DomainError::FileType => {
            let status = status_of(&e);
            let code = if matches!(e, DomainError::FileType) {
                "image_type"
            } else {
                "image_too_large"
            };
            Ok((status, vec![backpack_domain::FieldError::new("file", code)]))
        }
        e => Err(e.into()),
    }
}

// ── the workspace home: my issuers, and a new one ─────────────────────

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ProfileForm {
    name: String,
    url: String,
    email: String,
    phone: String,
    country_code: String,
    region: String,
    description: String,
    kind: String,
    accreditation: String,
}

impl ProfileForm {
    fn input(&self) -> IssuerInput {
        IssuerInput {
            name: self.name.clone(),
            url: self.url.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            country_code: self.country_code.clone(),
            region: self.region.clone(),
            description: self.description.clone(),
            kind: self.kind.clone(),
            accreditation: self.accreditation.clone(),
        }
    }
    fn of(i: &Issuer) -> Self {
        let p = &i.profile;
        ProfileForm {
            name: p.name.clone(),
            url: p.url.clone().unwrap_or_default(),
            email: p.email.clone().unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
            country_code: p.country_code.clone().unwrap_or_default(),
            region: p.region.clone().unwrap_or_default(),
            description: p.description.clone().unwrap_or_default(),
            kind: p.kind.map(|k| k.code().to_owned()).unwrap_or_default(),
            accreditation: p.accreditation.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "issuing_home.html")]
struct HomeTemplate {
    p: Page,
    errors: FieldErrors,
    issuers: Vec<(String, String, String)>,
    f: ProfileForm,
}

async fn home_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    status: StatusCode,
    errors: FieldErrors,
    f: ProfileForm,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let issuers = st
        .issuing
        .issuers
        .issuers(user)
        .await?
        .into_iter()
        .map(|i| (i.id.to_string(), i.profile.name, i.did))
        .collect();
    render(
        status,
        &HomeTemplate {
            p: Page::new(st, ctx, done),
            errors,
            issuers,
            f,
        },
    )
}

pub async fn home(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    home_page(
        &st,
        &ctx,
        user,
        StatusCode::OK,
        FieldErrors::default(),
        ProfileForm::default(),
        n.done.as_deref(),
    )
    .await
}

pub async fn create_issuer(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<ProfileForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    match st.issuing.issuers.create_issuer(user, &f.input()).await {
        Ok(i) => Ok(see_other(&format!("/issuing/{}?done=issuer_created", i.id))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            home_page(&st, &ctx, user, status, errors, f, None).await
        }
    }
}

// ── one issuer: profile, logo, keys, members ──────────────────────────

pub struct KeyRow {
    /// The key's database id (the revoke form's path).
    pub key_id: String,
    pub id: String,
    pub public_key: String,
    pub created: String,
    pub retired: String,
    pub revoked: String,
}

#[derive(Template)]
#[template(path = "issuer.html")]
struct IssuerTemplate {
    p: Page,
    errors: FieldErrors,
    id: String,
    name: String,
    did: String,
    did_url: String,
    logo_url: String,
    has_logo: bool,
    f: ProfileForm,
    keys: Vec<KeyRow>,
    members: Vec<(String, String)>,
    member_email: String,
    achievements: usize,
    issued: i64,
}

fn did_url(st: &AppState, issuer: &Issuer) -> String {
    format!(
        "{}/issuers/{}/did.json",
        st.issuing.public_url(),
        issuer.slug
    )
}

#[allow(clippy::too_many_arguments)]
async fn issuer_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    issuer: Issuer,
    status: StatusCode,
    errors: FieldErrors,
    f: Option<ProfileForm>,
    member_email: String,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let keys = st
        .issuing
        .issuers
        .keys(user, issuer.id)
        .await?
        .into_iter()
        .map(|k| KeyRow {
            key_id: k.id.to_string(),
            id: format!("{}#{}", issuer.did, k.fragment),
            public_key: k.public_key,
            created: date(k.created_at),
            retired: k.retired_at.map(date).unwrap_or_default(),
            revoked: k.revoked_at.map(date).unwrap_or_default(),
        })
        .collect();
    let members = st
        .issuing
        .issuers
        .members(user, issuer.id)
        .await?
        .into_iter()
        .map(|m| (m.display_name, m.primary_email))
        .collect();
    let achievements = st
        .issuing
        .achievements
        .achievements(user, issuer.id)
        .await?
        .len();
    let issued = st.issuing.awards.count_issued(user, issuer.id).await?;
    render(
        status,
        &IssuerTemplate {
            p: Page::new(st, ctx, done),
            errors,
            id: issuer.id.to_string(),
            name: issuer.profile.name.clone(),
            did: issuer.did.clone(),
            did_url: did_url(st, &issuer),
            logo_url: format!("/issuers/{}/logo", issuer.slug),
            has_logo: issuer.logo_key.is_some(),
            f: f.unwrap_or_else(|| ProfileForm::of(&issuer)),
            keys,
            members,
            member_email,
            achievements,
            issued,
        },
    )
}

pub async fn show_issuer(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    issuer_page(
        &st,
        &ctx,
        user,
        issuer,
        StatusCode::OK,
        FieldErrors::default(),
        None,
        String::new(),
        n.done.as_deref(),
    )
    .await
}

pub async fn update_issuer(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<ProfileForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    match st.issuing.issuers.update_issuer(user, id, &f.input()).await {
        Ok(i) => Ok(see_other(&format!("/issuing/{}?done=issuer_saved", i.id))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let issuer = st.issuing.issuers.issuer(user, id).await?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            issuer_page(
                &st,
                &ctx,
                user,
                issuer,
                status,
                errors,
                Some(f),
                String::new(),
                None,
            )
            .await
        }
    }
}

pub async fn upload_logo(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    let issuer = st.issuing.issuers.issuer(user, id).await?;
    let upload = read_upload(form).await?;
    let Some((_, bytes)) = upload.file else {
        let errors = FieldErrors::one(&st, ctx.locale, "file", "file_empty");
        return issuer_page(
            &st,
            &ctx,
            user,
            issuer,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            None,
            String::new(),
            None,
        )
        .await;
    };
    match st.issuing.issuers.set_logo(user, id, bytes).await {
        Ok(_) => Ok(see_other(&format!("/issuing/{id}?done=issuer_saved"))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            issuer_page(
                &st,
                &ctx,
                user,
                issuer,
                status,
                errors,
                None,
                String::new(),
                None,
            )
            .await
        }
    }
}

pub async fn rotate_key(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    st.issuing.issuers.rotate_key(user, id).await?;
    Ok(see_other(&format!("/issuing/{id}?done=key_rotated")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeKeyForm {
    reason: String,
}

/// `POST /issuing/{id}/keys/{key}/revoke`: a retired key leaves the DID
/// document's assertion methods (the current one cannot: rotate first).
pub async fn revoke_key(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, key)): Path<(String, String)>,
    Form(f): Form<RevokeKeyForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    let key: uuid::Uuid = object_id(&key)?;
    st.issuing
        .issuers
        .revoke_key(user, id, &key.to_string(), &f.reason)
        .await?;
    Ok(see_other(&format!("/issuing/{id}?done=key_revoked")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    email: String,
}

pub async fn add_member(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<MemberForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    match st.issuing.issuers.add_member(user, id, &f.email).await {
        Ok(()) => Ok(see_other(&format!("/issuing/{id}?done=member_added"))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let issuer = st.issuing.issuers.issuer(user, id).await?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            issuer_page(&st, &ctx, user, issuer, status, errors, None, f.email, None).await
        }
    }
}

// ── achievements ──────────────────────────────────────────────────────

pub struct AchievementRow {
    pub id: String,
    pub name: String,
    pub eu: bool,
    pub missing: Vec<String>,
}

#[derive(Template)]
#[template(path = "achievements.html")]
struct AchievementsTemplate {
    p: Page,
    issuer_id: String,
    issuer_name: String,
    rows: Vec<AchievementRow>,
}

fn missing_labels(p: &Page, missing: &[Element]) -> Vec<String> {
    missing
        .iter()
        .map(|e| p.t(&format!("eu-element-{}", e.code().replace('_', "-"))))
        .collect()
}

pub async fn achievements(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let p = Page::new(&st, &ctx, n.done.as_deref());
    let rows = st
        .issuing
        .achievements
        .achievements(user, issuer.id)
        .await?
        .iter()
        .map(|a| AchievementRow {
            id: a.id.to_string(),
            name: a.spec.name.clone(),
            eu: a.spec.eu,
            missing: missing_labels(&p, &Issuing::missing(&issuer, a)),
        })
        .collect();
    render(
        StatusCode::OK,
        &AchievementsTemplate {
            p,
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name,
            rows,
        },
    )
}

/// The achievement form: one field per element; lists one per line.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AchievementForm {
    name: String,
    description: String,
    criteria: String,
    achievement_type: String,
    eu: Option<String>,
    learning_outcomes: String,
    ects: String,
    hours: String,
    eqf_level: String,
    assessment: String,
    participation: String,
    quality_assurance: String,
    prerequisites: String,
    supervision: String,
    grade_scheme: String,
    stackability: String,
    further_information: String,
    skills: String,
    language: String,
    translations: String,
    valid_months: String,
    suspendable: Option<String>,
}

fn lines(s: &str) -> impl Iterator<Item = &str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl AchievementForm {
    /// The spec, or the fields that do not parse.
    fn spec(&self) -> Result<AchievementSpec, Vec<backpack_domain::FieldError>> {
        use backpack_domain::FieldError;
        let mut errors = Vec::new();
        let number = |field: &'static str, s: &str, errors: &mut Vec<FieldError>| -> Option<f64> {
            let t = s.trim().replace(',', ".");
            if t.is_empty() {
                return None;
            }
            match t.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
                _ => {
                    errors.push(FieldError::new(field, "not_a_number"));
                    None
                }
            }
        };
        let ects = number("ects", &self.ects, &mut errors);
        let hours = number("hours", &self.hours, &mut errors).map(|h| h.round() as u32);
        let valid_months =
            number("valid_months", &self.valid_months, &mut errors).map(|m| m.round() as u32);
        let (eqf_level, eqf_not_applicable) = match self.eqf_level.trim() {
            "" => (None, false),
            "na" => (None, true),
            l => match l.parse::<u8>() {
                Ok(n) => (Some(n), false),
                Err(_) => {
                    errors.push(FieldError::new("eqf_level", "out_of_range"));
                    (None, false)
                }
            },
        };
        let participation = match self.participation.trim() {
            "" => None,
            code => match Participation::ALL.iter().find(|p| p.code() == code) {
                Some(p) => Some(*p),
                None => {
                    errors.push(FieldError::new("participation", "bad_choice"));
                    None
                }
            },
        };
        let achievement_type = opt(&self.achievement_type);
        errors.extend(backpack_domain::issuing::check_achievement_type(
            achievement_type.as_deref(),
        ));
        let skills = lines(&self.skills)
            .map(|l| match l.split_once('|') {
                Some((uri, name)) => Skill {
                    uri: uri.trim().to_owned(),
                    name: name.trim().to_owned(),
                },
                None => Skill {
                    uri: l.to_owned(),
                    name: l.rsplit('/').next().unwrap_or(l).to_owned(),
                },
            })
            .collect();
        let mut translations = Vec::new();
        for l in lines(&self.translations) {
            let mut parts = l.splitn(3, '|').map(str::trim);
            match (parts.next(), parts.next(), parts.next()) {
                (Some(language), Some(name), description) if !name.is_empty() => {
                    translations.push(Translation {
                        language: language.to_owned(),
                        name: name.to_owned(),
                        description: description.unwrap_or("").to_owned(),
                    })
                }
                _ => errors.push(FieldError::new("translations", "bad_translation")),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AchievementSpec {
            id: String::new(),
            name: self.name.trim().to_owned(),
            description: self.description.trim().to_owned(),
            criteria: self.criteria.trim().to_owned(),
            achievement_type,
            eu: self.eu.is_some(),
            learning_outcomes: lines(&self.learning_outcomes).map(str::to_owned).collect(),
            ects,
            hours,
            eqf_level,
            eqf_not_applicable,
            assessment: opt(&self.assessment),
            participation,
            quality_assurance: opt(&self.quality_assurance),
            prerequisites: opt(&self.prerequisites),
            supervision: opt(&self.supervision),
            grade_scheme: opt(&self.grade_scheme),
            stackability: opt(&self.stackability),
            further_information: opt(&self.further_information),
            skills,
            image: None,
            language: opt(&self.language).unwrap_or_else(|| "en".into()),
            translations,
            valid_months,
            suspendable: self.suspendable.is_some(),
        })
    }

    fn of(a: &AchievementSpec) -> Self {
        let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        AchievementForm {
            name: a.name.clone(),
            description: a.description.clone(),
            criteria: a.criteria.clone(),
            achievement_type: a.achievement_type.clone().unwrap_or_default(),
            eu: a.eu.then(|| "on".into()),
            learning_outcomes: a.learning_outcomes.join("\n"),
            ects: num(a.ects),
            hours: a.hours.map(|h| h.to_string()).unwrap_or_default(),
            eqf_level: match (a.eqf_level, a.eqf_not_applicable) {
                (Some(l), _) => l.to_string(),
                (None, true) => "na".into(),
                _ => String::new(),
            },
            assessment: a.assessment.clone().unwrap_or_default(),
            participation: a
                .participation
                .map(|p| p.code().to_owned())
                .unwrap_or_default(),
            quality_assurance: a.quality_assurance.clone().unwrap_or_default(),
            prerequisites: a.prerequisites.clone().unwrap_or_default(),
            supervision: a.supervision.clone().unwrap_or_default(),
            grade_scheme: a.grade_scheme.clone().unwrap_or_default(),
            stackability: a.stackability.clone().unwrap_or_default(),
            further_information: a.further_information.clone().unwrap_or_default(),
            skills: a
                .skills
                .iter()
                .map(|s| format!("{} | {}", s.uri, s.name))
                .collect::<Vec<_>>()
                .join("\n"),
            language: a.language.clone(),
            translations: a
                .translations
                .iter()
                .map(|t| format!("{} | {} | {}", t.language, t.name, t.description))
                .collect::<Vec<_>>()
                .join("\n"),
            valid_months: a.valid_months.map(|m| m.to_string()).unwrap_or_default(),
            suspendable: a.suspendable.then(|| "on".into()),
        }
    }
}

#[derive(Template)]
#[template(path = "achievement_form.html")]
struct AchievementFormTemplate {
    p: Page,
    errors: FieldErrors,
    issuer_id: String,
    issuer_name: String,
    /// Empty for a new achievement.
    id: String,
    url: String,
    f: AchievementForm,
    missing: Vec<String>,
    participations: Vec<(&'static str, &'static str)>,
    types: &'static [&'static str],
    /// Issuers allowed to use it as a stacking component.
    consents: Vec<ConsentRow>,
    /// The consent form's issuer, as typed.
    consent_issuer: String,
}

pub struct ConsentRow {
    pub issuer_id: String,
    pub name: String,
    pub did: String,
    pub granted: String,
}

async fn consent_rows(
    st: &AppState,
    user: &User,
    a: Option<&Achievement>,
) -> Result<Vec<ConsentRow>, PageError> {
    let Some(a) = a else {
        return Ok(Vec::new());
    };
    Ok(st
        .issuing
        .stacking
        .stack_consents(user, a.id)
        .await?
        .into_iter()
        .map(|c| ConsentRow {
            issuer_id: c.issuer_id.to_string(),
            name: c.issuer_name,
            did: c.issuer_did,
            granted: date(c.granted_at),
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
fn achievement_page(
    st: &AppState,
    ctx: &Ctx,
    issuer: &Issuer,
    a: Option<&Achievement>,
    status: StatusCode,
    errors: FieldErrors,
    f: AchievementForm,
    done: Option<&str>,
    consents: Vec<ConsentRow>,
    consent_issuer: String,
) -> Result<Response, PageError> {
    let p = Page::new(st, ctx, done);
    let missing = a
        .map(|a| missing_labels(&p, &Issuing::missing(issuer, a)))
        .unwrap_or_default();
    render(
        status,
        &AchievementFormTemplate {
            p,
            errors,
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name.clone(),
            id: a.map(|a| a.id.to_string()).unwrap_or_default(),
            url: a.map(|a| a.spec.id.clone()).unwrap_or_default(),
            f,
            missing,
            participations: Participation::ALL
                .iter()
                .map(|p| (p.code(), p.label()))
                .collect(),
            types: backpack_domain::issuing::ACHIEVEMENT_TYPES,
            consents,
            consent_issuer,
        },
    )
}

pub async fn new_achievement(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let f = AchievementForm {
        eu: Some("on".into()),
        achievement_type: "MicroCredential".into(),
        language: ctx.locale.code().into(),
        ..Default::default()
    };
    achievement_page(
        &st,
        &ctx,
        &issuer,
        None,
        StatusCode::OK,
        FieldErrors::default(),
        f,
        None,
        Vec::new(),
        String::new(),
    )
}

pub async fn create_achievement(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<AchievementForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let result = match f.spec() {
        Ok(spec) => {
            st.issuing
                .achievements
                .save_achievement(user, issuer.id, None, spec)
                .await
        }
        Err(errs) => Err(DomainError::Invalid(errs)),
    };
    match result {
        Ok(a) => Ok(see_other(&format!(
            "/issuing/achievements/{}?done=achievement_saved",
            a.id
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            achievement_page(
                &st,
                &ctx,
                &issuer,
                None,
                status,
                errors,
                f,
                None,
                Vec::new(),
                String::new(),
            )
        }
    }
}

pub async fn show_achievement(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let a = st
        .issuing
        .achievements
        .achievement(user, object_id(&id)?)
        .await?;
    let issuer = st.issuing.issuers.issuer(user, a.issuer_id).await?;
    let f = AchievementForm::of(&a.spec);
    let consents = consent_rows(&st, user, Some(&a)).await?;
    achievement_page(
        &st,
        &ctx,
        &issuer,
        Some(&a),
        StatusCode::OK,
        FieldErrors::default(),
        f,
        n.done.as_deref(),
        consents,
        String::new(),
    )
}

pub async fn update_achievement(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<AchievementForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let a = st
        .issuing
        .achievements
        .achievement(user, object_id(&id)?)
        .await?;
    let issuer = st.issuing.issuers.issuer(user, a.issuer_id).await?;
    let result = match f.spec() {
        Ok(spec) => {
            st.issuing
                .achievements
                .save_achievement(user, issuer.id, Some(a.id), spec)
                .await
        }
        Err(errs) => Err(DomainError::Invalid(errs)),
    };
    match result {
        Ok(a) => Ok(see_other(&format!(
            "/issuing/achievements/{}?done=achievement_saved",
            a.id
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            let consents = consent_rows(&st, user, Some(&a)).await?;
            achievement_page(
                &st,
                &ctx,
                &issuer,
                Some(&a),
                status,
                errors,
                f,
                None,
                consents,
                String::new(),
            )
        }
    }
}

pub async fn upload_achievement_image(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let a = st
        .issuing
        .achievements
        .achievement(user, object_id(&id)?)
        .await?;
    let issuer = st.issuing.issuers.issuer(user, a.issuer_id).await?;
    let upload = read_upload(form).await?;
    let result = match upload.file {
        Some((_, bytes)) => {
            st.issuing
                .achievements
                .set_achievement_image(user, a.id, bytes)
                .await
        }
        None => Err(DomainError::field("file", "file_empty")),
    };
    match result {
        Ok(a) => Ok(see_other(&format!(
            "/issuing/achievements/{}?done=achievement_saved",
            a.id
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            let f = AchievementForm::of(&a.spec);
            let consents = consent_rows(&st, user, Some(&a)).await?;
            achievement_page(
                &st,
                &ctx,
                &issuer,
                Some(&a),
                status,
                errors,
                f,
                None,
                consents,
                String::new(),
            )
        }
    }
}

// ── stacking consent ──────────────────────────────────────────────────

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConsentForm {
    issuer: String,
}

/// `POST /issuing/achievements/{id}/stacking`: allow another issuer (by
/// DID, DID document URL or slug) to use it as a stacking component.
pub async fn allow_stacking(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<ConsentForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let a = st
        .issuing
        .achievements
        .achievement(user, object_id(&id)?)
        .await?;
    match st
        .issuing
        .stacking
        .allow_stacking(user, a.id, &f.issuer)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/issuing/achievements/{}?done=stack_consent_granted#stacking-h",
            a.id
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let issuer = st.issuing.issuers.issuer(user, a.issuer_id).await?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            let consents = consent_rows(&st, user, Some(&a)).await?;
            achievement_page(
                &st,
                &ctx,
                &issuer,
                Some(&a),
                status,
                errors,
                AchievementForm::of(&a.spec),
                None,
                consents,
                f.issuer.chars().take(500).collect(),
            )
        }
    }
}

/// `POST /issuing/achievements/{id}/stacking/{issuer}/delete`: withdraw.
pub async fn disallow_stacking(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, issuer)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    st.issuing
        .stacking
        .disallow_stacking(user, id, object_id(&issuer)?)
        .await?;
    Ok(see_other(&format!(
        "/issuing/achievements/{id}?done=stack_consent_withdrawn#stacking-h"
    )))
}

// ── awarding ──────────────────────────────────────────────────────────

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AwardForm {
    achievement_id: String,
    recipient_kind: String,
    recipient: String,
    recipient_name: String,
    format: String,
    grade: String,
}

#[derive(Template)]
#[template(path = "award.html")]
struct AwardTemplate {
    p: Page,
    errors: FieldErrors,
    issuer_id: String,
    issuer_name: String,
    /// (id, name, ready)
    achievements: Vec<(String, String, bool)>,
    f: AwardForm,
}

#[allow(clippy::too_many_arguments)]
async fn award_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    issuer: &Issuer,
    status: StatusCode,
    errors: FieldErrors,
    f: AwardForm,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let achievements = achievement_choices(
        issuer,
        &st.issuing
            .achievements
            .achievements(user, issuer.id)
            .await?,
    );
    render(
        status,
        &AwardTemplate {
            p: Page::new(st, ctx, done),
            errors,
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name.clone(),
            achievements,
            f,
        },
    )
}

pub async fn award_form(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let f = AwardForm {
        recipient_kind: "email".into(),
        format: "json".into(),
        ..Default::default()
    };
    award_page(
        &st,
        &ctx,
        user,
        &issuer,
        StatusCode::OK,
        FieldErrors::default(),
        f,
        n.done.as_deref(),
    )
    .await
}

pub async fn award(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<AwardForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let request = (|| {
        use backpack_domain::FieldError;
        let achievement_id = Uuid::parse_str(f.achievement_id.trim())
            .map_err(|_| FieldError::new("achievement_id", "required"))?;
        let recipient = match f.recipient_kind.as_str() {
            "email" => RecipientInput::Email(f.recipient.clone()),
            "account" => RecipientInput::Account(f.recipient.clone()),
            "did" => RecipientInput::Did(f.recipient.clone()),
            _ => return Err(FieldError::new("recipient_kind", "bad_choice")),
        };
        let format = match f.format.as_str() {
            "json" | "" => {
                SignFormat::DataIntegrity(backpack_credentials::proof::SignSuite::EddsaRdfc2022)
            }
            "jwt" => SignFormat::Jwt,
            _ => return Err(FieldError::new("format", "bad_choice")),
        };
        Ok(AwardRequest {
            achievement_id,
            recipient,
            recipient_name: opt(&f.recipient_name),
            format,
            grade: opt(&f.grade),
        })
    })();
    let result = match request {
        Ok(req) => st.issuing.awards.award(user, issuer.id, &req).await,
        Err(e) => Err(DomainError::Invalid(vec![e])),
    };
    match result {
        Ok(c) => Ok(see_other(&format!(
            "/issuing/credentials/{}?done=credential_issued",
            c.id
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            award_page(&st, &ctx, user, &issuer, status, errors, f, None).await
        }
    }
}

// ── issued credentials and the audit log ──────────────────────────────

pub struct IssuedRow {
    pub id: String,
    pub achievement: String,
    pub recipient: String,
    pub recipient_name: String,
    pub state: &'static str,
    pub issued: String,
    pub source: &'static str,
}

fn state_key(s: CredentialState) -> &'static str {
    match s {
        CredentialState::Active => "state-active",
        CredentialState::Revoked => "state-revoked",
        CredentialState::Suspended => "state-suspended",
    }
}

fn row(c: &IssuedCredential) -> IssuedRow {
    IssuedRow {
        id: c.id.to_string(),
        achievement: c.achievement_name.clone(),
        recipient: c.recipient.clone(),
        recipient_name: c.recipient_name.clone().unwrap_or_default(),
        state: state_key(c.state),
        issued: date(c.issued_at),
        source: source_key(&c.source),
    }
}

/// The message key of how a credential was awarded.
fn source_key(source: &str) -> &'static str {
    match source {
        "csv" => "source-csv",
        "xapi" => "source-xapi",
        "stacking" => "source-stacking",
        "api" => "source-api",
        _ => "source-form",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IssuedFilter {
    q: String,
    achievement: String,
    state: String,
    page: i64,
}

#[derive(Template)]
#[template(path = "issued_list.html")]
struct IssuedListTemplate {
    p: Page,
    issuer_id: String,
    issuer_name: String,
    rows: Vec<IssuedRow>,
    q: String,
    achievement: String,
    state: String,
    achievements: Vec<(String, String)>,
    page: i64,
    has_next: bool,
    next_query: String,
    prev_query: String,
}

const ISSUED_PAGE: i64 = 50;

pub async fn issued_list(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(f): Query<IssuedFilter>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let page = f.page.clamp(0, 100_000);
    let query = IssuedQuery {
        text: opt(&f.q).map(|t| t.chars().take(200).collect()),
        achievement_id: Uuid::parse_str(f.achievement.trim()).ok(),
        state: CredentialState::parse(f.state.trim()),
        limit: ISSUED_PAGE + 1,
        offset: page * ISSUED_PAGE,
    };
    let mut list = st.issuing.awards.issued(user, issuer.id, &query).await?;
    let has_next = list.len() as i64 > ISSUED_PAGE;
    list.truncate(ISSUED_PAGE as usize);
    let achievements = st
        .issuing
        .achievements
        .achievements(user, issuer.id)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a.spec.name))
        .collect();
    let base = format!(
        "q={}&achievement={}&state={}",
        crate::page::url_encode(&f.q),
        crate::page::url_encode(&f.achievement),
        crate::page::url_encode(&f.state)
    );
    render(
        StatusCode::OK,
        &IssuedListTemplate {
            p: Page::new(&st, &ctx, None),
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name,
            rows: list.iter().map(row).collect(),
            q: f.q,
            achievement: f.achievement,
            state: f.state,
            achievements,
            page,
            has_next,
            next_query: format!("{base}&page={}", page + 1),
            prev_query: format!("{base}&page={}", (page - 1).max(0)),
        },
    )
}

#[derive(Template)]
#[template(path = "issued.html")]
struct IssuedTemplate {
    p: Page,
    errors: FieldErrors,
    c: IssuedRow,
    issuer_id: String,
    issuer_name: String,
    format: String,
    reason: String,
    state_at: String,
    delivered: bool,
    /// A claim link can be sent again (active, sent to an address, not
    /// claimed yet).
    claim_pending: bool,
    suspendable: bool,
    is_active: bool,
    is_suspended: bool,
    credential: String,
}

async fn issued_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    c: IssuedCredential,
    status: StatusCode,
    errors: FieldErrors,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let issuer = st.issuing.issuers.issuer(user, c.issuer_id).await?;
    let pretty = if c.format == "json" {
        serde_json::from_str::<serde_json::Value>(&c.credential)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| c.credential.clone())
    } else {
        c.credential.clone()
    };
    render(
        status,
        &IssuedTemplate {
            p: Page::new(st, ctx, done),
            errors,
            c: row(&c),
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name,
            format: c.format.clone(),
            reason: c.reason.clone().unwrap_or_default(),
            state_at: c.state_at.map(date).unwrap_or_default(),
            delivered: c.user_id.is_some(),
            claim_pending: c.user_id.is_none()
                && c.state == CredentialState::Active
                && c.recipient_kind == backpack_domain::entities::RecipientKind::Email,
            suspendable: backpack_domain::issuing::is_suspendable(&c),
            is_active: c.state == CredentialState::Active,
            is_suspended: c.state == CredentialState::Suspended,
            credential: pretty,
        },
    )
}

pub async fn show_issued(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let c = st.issuing.awards.issued_one(user, object_id(&id)?).await?;
    issued_page(
        &st,
        &ctx,
        user,
        c,
        StatusCode::OK,
        FieldErrors::default(),
        n.done.as_deref(),
    )
    .await
}

pub async fn download_issued(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let c = st.issuing.awards.issued_one(user, object_id(&id)?).await?;
    let (media, ext) = if c.format == "jwt" {
        ("application/vc+jwt", "jwt")
    } else {
        ("application/vc+ld+json", "json")
    };
    Ok(attachment(
        c.credential,
        media,
        &format!("credential-{}.{ext}", c.id),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StateForm {
    state: String,
    reason: String,
}

pub async fn set_state(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<StateForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    let c = st.issuing.awards.issued_one(user, id).await?;
    let result = match CredentialState::parse(&f.state) {
        Some(target) => {
            st.issuing
                .status
                .set_state(user, id, target, &f.reason)
                .await
        }
        None => Err(DomainError::field("state", "bad_choice")),
    };
    match result {
        Ok(c) => Ok(see_other(&format!(
            "/issuing/credentials/{}?done=credential_{}",
            c.id,
            c.state.code()
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            issued_page(&st, &ctx, user, c, status, errors, None).await
        }
    }
}

/// Send the claim link again, as a new link (the old one stops working).
pub async fn resend_claim(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    match st.issuing.claims.resend_claim(user, id).await {
        Ok(c) => Ok(see_other(&format!(
            "/issuing/credentials/{}?done=claim_resent",
            c.id
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let c = st.issuing.awards.issued_one(user, id).await?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            issued_page(&st, &ctx, user, c, status, errors, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    p: Page,
    issuer_id: String,
    issuer_name: String,
    /// (when, who, action key, subject, detail)
    rows: Vec<(String, String, String, String, String)>,
}

pub async fn audit(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let rows = st
        .issuing
        .issuers
        .audit_log(user, issuer.id, 500)
        .await?
        .into_iter()
        .map(|a| {
            (
                date(a.at),
                a.actor_name,
                format!("audit-{}", a.action.replace(['.', '_'], "-")),
                a.subject,
                a.detail,
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &AuditTemplate {
            p: Page::new(&st, &ctx, None),
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name,
            rows,
        },
    )
}

// ── claim links ───────────────────────────────────────────────────────

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClaimQuery {
    token: String,
}

#[derive(Template)]
#[template(path = "claim.html")]
struct ClaimTemplate {
    p: Page,
    token: String,
    achievement: String,
    signed_in: bool,
    login_next: String,
    /// Signed in, and the account confirmed the recipient.
    may_claim: bool,
    /// Signed in without the right to claim: the address (or DID) the
    /// credential was issued to, which the account must confirm.
    recipient: String,
    recipient_is_did: bool,
    /// The account has the address, not confirmed yet.
    pending: bool,
    /// The issuer revoked the credential: the page says so and offers
    /// nothing to claim.
    revoked: bool,
}

/// The claim page: what is offered, and for a signed-in account that did
/// not confirm the recipient, which address (or DID) to confirm first.
async fn claim_view(
    st: &AppState,
    ctx: &Ctx,
    token: &str,
    status: StatusCode,
) -> Result<Response, PageError> {
    let c = st.issuing.claims.claim_info(token).await?;
    let (may_claim, pending) = match &ctx.user {
        Some(user) => {
            let may = st.issuing.claims.may_claim(user, &c).await?;
            let pending = !may
                && c.recipient_kind == backpack_domain::entities::RecipientKind::Email
                && st
                    .accounts
                    .view(user)
                    .await?
                    .emails
                    .iter()
                    .any(|e| e.address.eq_ignore_ascii_case(&c.recipient));
            (may, pending)
        }
        None => (false, false),
    };
    let signed_in = ctx.user.is_some();
    render(
        status,
        &ClaimTemplate {
            p: Page::new(st, ctx, None),
            token: token.to_owned(),
            achievement: c.achievement_name,
            signed_in,
            login_next: crate::page::url_encode(&ctx.path),
            may_claim,
            recipient: if signed_in && !may_claim {
                c.recipient
            } else {
                String::new()
            },
            recipient_is_did: c.recipient_kind == backpack_domain::entities::RecipientKind::Did,
            pending,
            revoked: c.state == backpack_domain::entities::CredentialState::Revoked,
        },
    )
}

pub async fn claim_page(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ClaimQuery>,
) -> Result<Response, PageError> {
    claim_view(&st, &ctx, q.token.trim(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClaimForm {
    token: String,
}

pub async fn claim(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<ClaimForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st.issuing.claims.claim(user, f.token.trim()).await {
        Ok(_) => Ok(see_other("/backpack/portal?done=credential_claimed")),
        // Not this account's address or DID: the page says which to confirm.
        Err(DomainError::Invalid(_)) => {
            claim_view(&st, &ctx, f.token.trim(), StatusCode::FORBIDDEN).await
        }
        Err(e) => Err(e.into()),
    }
}

// ── public documents ──────────────────────────────────────────────────

fn public_json(body: String, media: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    r
}

fn public_image(bytes: bytes::Bytes, media: &str) -> Response {
    let mut r = super::inline_image(bytes, media);
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

/// `GET /issuers/{slug}/did.json`: the issuer's DID document.
pub async fn did_document(
    State(st): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let doc = st.issuing.issuers.did_document(&slug).await?;
    Ok(public_json(doc.to_string(), "application/did+json"))
}

/// `GET /issuers/{slug}/logo`.
pub async fn logo(
    State(st): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (bytes, media) = st.issuing.issuers.logo(&slug).await?;
    Ok(public_image(bytes, &media))
}

/// `GET /status/{id}/{purpose}`: a signed Bitstring Status List credential.
pub async fn status_list(
    State(st): State<AppState>,
    Path((id, purpose)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let list = st
        .issuing
        .status
        .status_list(object_id(&id)?, &purpose)
        .await?;
    let mut r = public_json(list, "application/vc+ld+json");
    // Verifiers must see a revocation within a minute.
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(r)
}

/// `GET /achievements/{id}`: the OB 3.0 Achievement (its `id` URL).
pub async fn public_achievement(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (_, doc) = st
        .issuing
        .achievements
        .public_achievement(object_id(&id)?)
        .await?;
    Ok(public_json(doc.to_string(), "application/json"))
}

/// `GET /achievements/{id}/image`.
pub async fn achievement_image(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (bytes, media) = st
        .issuing
        .achievements
        .achievement_image(object_id(&id)?)
        .await?;
    Ok(public_image(bytes, &media))
}

/// For templates: whether an EU element is mandatory (the form marks them).
pub fn is_mandatory(code: &str) -> bool {
    eu::Element::from_code(code).is_some_and(|e| e.is_mandatory())
}

// ── batch awards from CSV ─────────────────────────────────────────────

pub struct BatchLine {
    pub id: String,
    pub filename: String,
    pub achievement: String,
    pub state: &'static str,
    pub issued: i64,
    pub total: i64,
    pub created: String,
}

fn batch_state_key(s: backpack_domain::entities::BatchState) -> &'static str {
    use backpack_domain::entities::BatchState;
    match s {
        BatchState::Preview => "batch-state-preview",
        BatchState::Running => "batch-state-running",
        BatchState::Done => "batch-state-done",
    }
}

#[derive(Template)]
#[template(path = "batches.html")]
struct BatchesTemplate {
    p: Page,
    errors: FieldErrors,
    issuer_id: String,
    issuer_name: String,
    achievements: Vec<(String, String, bool)>,
    batches: Vec<BatchLine>,
    achievement_id: String,
    format: String,
}

#[allow(clippy::too_many_arguments)]
async fn batches_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    issuer: &Issuer,
    status: StatusCode,
    errors: FieldErrors,
    achievement_id: String,
    format: String,
) -> Result<Response, PageError> {
    let achievements: Vec<Achievement> = st
        .issuing
        .achievements
        .achievements(user, issuer.id)
        .await?;
    let names: std::collections::HashMap<Uuid, String> = achievements
        .iter()
        .map(|a| (a.id, a.spec.name.clone()))
        .collect();
    let batches = st
        .issuing
        .batches
        .batches(user, issuer.id)
        .await?
        .into_iter()
        .map(|b| BatchLine {
            id: b.id.to_string(),
            filename: b.filename,
            achievement: names.get(&b.achievement_id).cloned().unwrap_or_default(),
            state: batch_state_key(b.state),
            issued: b.issued,
            total: b.total,
            created: date(b.created_at),
        })
        .collect();
    render(
        status,
        &BatchesTemplate {
            p: Page::new(st, ctx, None),
            errors,
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name.clone(),
            achievements: achievement_choices(issuer, &achievements),
            batches,
            achievement_id,
            format,
        },
    )
}

pub async fn batches(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    batches_page(
        &st,
        &ctx,
        user,
        &issuer,
        StatusCode::OK,
        FieldErrors::default(),
        String::new(),
        "json".into(),
    )
    .await
}

pub async fn upload_batch(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let upload = read_upload(form).await?;
    let achievement_id = upload.text("achievement_id");
    let format_text = upload.text("format");
    let result = match (Uuid::parse_str(achievement_id.trim()), upload.file) {
        (Err(_), _) => Err(DomainError::field("achievement_id", "required")),
        (_, None) => Err(DomainError::field("file", "file_empty")),
        (Ok(a), Some((filename, bytes))) => {
            let format = if format_text == "jwt" {
                SignFormat::Jwt
            } else {
                SignFormat::DataIntegrity(backpack_credentials::proof::SignSuite::EddsaRdfc2022)
            };
            st.issuing
                .batches
                .upload_batch(user, issuer.id, a, format, &filename, bytes)
                .await
        }
    };
    match result {
        Ok(u) => Ok(see_other(&format!(
            "/issuing/batches/{}?done={}",
            u.batch.id,
            if u.new {
                "batch_uploaded"
            } else {
                "batch_known"
            }
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            batches_page(
                &st,
                &ctx,
                user,
                &issuer,
                status,
                errors,
                achievement_id,
                format_text,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "batch.html")]
struct BatchTemplate {
    p: Page,
    issuer_id: String,
    issuer_name: String,
    id: String,
    filename: String,
    achievement: String,
    format: String,
    state: &'static str,
    is_preview: bool,
    is_running: bool,
    total: i64,
    valid: i64,
    issued: i64,
    invalid: i64,
    percent: i64,
    /// (row, recipient, message)
    problems: Vec<(i64, String, String)>,
    more_problems: bool,
}

pub async fn show_batch(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let b = st.issuing.batches.batch(user, object_id(&id)?).await?;
    let issuer = st.issuing.issuers.issuer(user, b.issuer_id).await?;
    let achievement = st
        .issuing
        .achievements
        .achievement(user, b.achievement_id)
        .await?;
    let p = Page::new(&st, &ctx, n.done.as_deref());
    // Invalid rows first (they were recorded at upload).
    let mut problems = Vec::new();
    let mut after = 0;
    let mut more = false;
    'scan: loop {
        let rows = st
            .issuing
            .batches
            .batch_report(user, b.id, after, 5_000)
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            after = r.row_number;
            if r.status != "issued" {
                if problems.len() == 200 {
                    more = true;
                    break 'scan;
                }
                problems.push((
                    r.row_number,
                    r.recipient.clone(),
                    p.t(&crate::page::field_key(&r.code)),
                ));
            }
        }
    }
    let invalid = b.total - b.valid;
    let percent = if b.valid > 0 {
        (b.issued * 100 / b.valid).clamp(0, 100)
    } else {
        100
    };
    render(
        StatusCode::OK,
        &BatchTemplate {
            p,
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name,
            id: b.id.to_string(),
            filename: b.filename,
            achievement: achievement.spec.name,
            format: b.format,
            state: batch_state_key(b.state),
            is_preview: b.state == backpack_domain::entities::BatchState::Preview,
            is_running: b.state == backpack_domain::entities::BatchState::Running,
            total: b.total,
            valid: b.valid,
            issued: b.issued,
            invalid,
            percent,
            problems,
            more_problems: more,
        },
    )
}

pub async fn start_batch(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let b = st
        .issuing
        .batches
        .start_batch(user, object_id(&id)?)
        .await?;
    Ok(see_other(&format!(
        "/issuing/batches/{}?done=batch_started",
        b.id
    )))
}

/// `GET /issuing/batches/{id}/progress`: the numbers the progress bar shows
/// (polled by `app.js`; the page works without it).
pub async fn batch_progress(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let b = st.issuing.batches.batch(user, object_id(&id)?).await?;
    let body = serde_json::json!({
        "state": b.state.code(),
        "total": b.total,
        "valid": b.valid,
        "issued": b.issued,
        "failed": b.failed,
    });
    let mut r = body.to_string().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `GET /issuing/batches/{id}/report.csv`: one line per data row.
pub async fn batch_report(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let b = st.issuing.batches.batch(user, object_id(&id)?).await?;
    let bytes = st.issuing.batches.batch_report_csv(user, b.id).await?;
    let name = format!("report-{}.csv", b.filename.trim_end_matches(".csv"));
    Ok(attachment(bytes, "text/csv; charset=utf-8", &name))
}

/// An issuer's achievements for a select: (id, name, can be awarded).
pub(crate) fn achievement_choices(
    issuer: &Issuer,
    achievements: &[Achievement],
) -> Vec<(String, String, bool)> {
    achievements
        .iter()
        .map(|a| {
            (
                a.id.to_string(),
                a.spec.name.clone(),
                Issuing::missing(issuer, a).is_empty(),
            )
        })
        .collect()
}
