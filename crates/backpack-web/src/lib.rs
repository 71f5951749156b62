//! Backpack's web layer: parse, call the domain, render.
//!
//! Start at [`routes`]: every page route is one line of that table, with who
//! may use it. The table builds the router and is what the authorization and
//! CSRF tests walk, so a new route cannot escape them.
//!
//! Architecture invariant: no SQL and no business rule here; handlers call
//! [`backpack_domain::accounts::Accounts`] and render templates.

pub mod api;
pub mod ctx;
pub mod errors;
pub mod i18n;
pub mod markdown;
pub mod metrics;
pub mod page;
pub mod pages;
pub mod security;
pub mod state;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

pub use state::{AppState, Services, WebSettings};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (log in, register, the home page …).
    Public,
    /// A signed-in user, on their own objects.
    User,
    /// Issuer staff or an administrator, on the issuers they are members of.
    Staff,
    /// An administrator.
    Admin,
}

/// One page route.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    handler: MethodRouter<AppState>,
}

impl Route {
    /// True when the path names an object (`{id}`): such a route must have a
    /// two-user authorization test.
    pub fn has_object_id(&self) -> bool {
        self.path.contains('{')
    }
}

fn r(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Route {
    Route {
        method,
        path,
        access,
        handler,
    }
}

/// Every page route. Body limits: forms are capped by the CSRF middleware
/// (`max_form_bytes`); the photo upload by the upload limit.
pub fn routes(max_upload_bytes: u64) -> Vec<Route> {
    use pages::{
        account, admin, auth, automation, backpack, badges, certificates, issuing, notes, portfolio,
    };
    use Access::*;
    let upload_limit = usize::try_from(max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let badge_limit = usize::try_from(backpack_domain::badges::MAX_BADGE_BYTES)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    vec![
        r(Method::GET, "/", Public, get(auth::home)),
        r(Method::GET, "/login", Public, get(auth::login_page)),
        r(Method::POST, "/login", Public, post(auth::login)),
        r(Method::POST, "/logout", Public, post(auth::logout)),
        r(Method::GET, "/register", Public, get(auth::register_page)),
        r(Method::POST, "/register", Public, post(auth::register)),
        r(
            Method::POST,
            "/resend-confirmation",
            Public,
            post(auth::resend_confirmation),
        ),
        r(
            Method::GET,
            "/forgot-password",
            Public,
            get(auth::forgot_page),
        ),
        r(Method::POST, "/forgot-password", Public, post(auth::forgot)),
        r(
            Method::GET,
            "/reset-password",
            Public,
            get(auth::reset_page),
        ),
        r(Method::POST, "/reset-password", Public, post(auth::reset)),
        r(
            Method::GET,
            "/confirm-email",
            Public,
            get(auth::confirm_page),
        ),
        r(Method::POST, "/confirm-email", Public, post(auth::confirm)),
        r(Method::POST, "/language", Public, post(auth::language)),
        r(Method::GET, "/account", User, get(account::show)),
        r(
            Method::POST,
            "/account/profile",
            User,
            post(account::profile),
        ),
        r(
            Method::POST,
            "/account/password",
            User,
            post(account::password),
        ),
        r(
            Method::POST,
            "/account/photo",
            User,
            post(account::upload_photo).layer(DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::POST,
            "/account/photo/delete",
            User,
            post(account::delete_photo),
        ),
        r(
            Method::POST,
            "/account/emails",
            User,
            post(account::add_email),
        ),
        r(
            Method::POST,
            "/account/emails/{id}/delete",
            User,
            post(account::delete_email),
        ),
        r(
            Method::POST,
            "/account/emails/{id}/primary",
            User,
            post(account::primary_email),
        ),
        r(
            Method::POST,
            "/account/emails/{id}/resend",
            User,
            post(account::resend_email),
        ),
        r(Method::POST, "/account/dids", User, post(account::add_did)),
        r(
            Method::POST,
            "/account/dids/{id}/confirm",
            User,
            post(account::confirm_did),
        ),
        r(
            Method::POST,
            "/account/dids/{id}/delete",
            User,
            post(account::delete_did),
        ),
        r(Method::GET, "/account/export", User, get(account::export)),
        r(
            Method::POST,
            "/account/delete",
            User,
            post(account::delete_account),
        ),
        r(Method::GET, "/files/{id}", User, get(account::download)),
        r(Method::GET, "/backpack", User, get(backpack::overview)),
        r(
            Method::GET,
            "/backpack/certificates",
            User,
            get(certificates::list),
        ),
        r(
            Method::POST,
            "/backpack/certificates",
            User,
            post(certificates::upload).layer(DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::GET,
            "/backpack/certificates/{id}",
            User,
            get(certificates::show),
        ),
        r(
            Method::POST,
            "/backpack/certificates/{id}",
            User,
            post(certificates::update),
        ),
        r(
            Method::GET,
            "/backpack/certificates/{id}/edit",
            User,
            get(certificates::edit_form),
        ),
        r(
            Method::GET,
            "/backpack/certificates/{id}/file",
            User,
            get(certificates::file),
        ),
        r(
            Method::GET,
            "/backpack/certificates/{id}/preview",
            User,
            get(certificates::preview),
        ),
        r(
            Method::POST,
            "/backpack/certificates/{id}/delete",
            User,
            post(certificates::delete),
        ),
        r(Method::GET, "/backpack/portal", User, get(badges::portal)),
        r(
            Method::GET,
            "/backpack/portfolio",
            User,
            get(portfolio::show),
        ),
        r(
            Method::POST,
            "/backpack/portfolio/profile",
            User,
            post(portfolio::profile),
        ),
        r(
            Method::POST,
            "/backpack/portfolio/entries",
            User,
            post(portfolio::add_entry),
        ),
        r(
            Method::POST,
            "/backpack/portfolio/entries/{id}",
            User,
            post(portfolio::update_entry),
        ),
        r(
            Method::POST,
            "/backpack/portfolio/entries/{id}/delete",
            User,
            post(portfolio::delete_entry),
        ),
        r(
            Method::GET,
            "/backpack/collections",
            User,
            get(backpack::collections),
        ),
        r(
            Method::POST,
            "/backpack/collections",
            User,
            post(backpack::create_collection),
        ),
        r(
            Method::POST,
            "/backpack/collections/items",
            User,
            post(backpack::add_item),
        ),
        r(
            Method::GET,
            "/backpack/collections/{id}",
            User,
            get(backpack::collection),
        ),
        r(
            Method::POST,
            "/backpack/collections/{id}",
            User,
            post(backpack::update_collection),
        ),
        r(
            Method::POST,
            "/backpack/collections/{id}/delete",
            User,
            post(backpack::delete_collection),
        ),
        r(
            Method::POST,
            "/backpack/collections/{id}/remove",
            User,
            post(backpack::remove_item),
        ),
        r(Method::GET, "/backpack/badges", User, get(badges::list)),
        r(
            Method::POST,
            "/backpack/badges",
            User,
            post(badges::import).layer(DefaultBodyLimit::max(badge_limit)),
        ),
        r(
            Method::GET,
            "/backpack/badges/{id}",
            User,
            get(badges::show),
        ),
        r(
            Method::GET,
            "/backpack/badges/{id}/original",
            User,
            get(badges::original),
        ),
        r(
            Method::GET,
            "/backpack/badges/{id}/image",
            User,
            get(badges::image),
        ),
        r(
            Method::GET,
            "/backpack/badges/{id}/credential.json",
            User,
            get(badges::json),
        ),
        r(
            Method::GET,
            "/backpack/badges/{id}/baked.png",
            User,
            get(badges::baked),
        ),
        r(
            Method::POST,
            "/backpack/badges/{id}/delete",
            User,
            post(badges::delete),
        ),
        r(Method::GET, "/backpack/notes", User, get(notes::list)),
        r(Method::POST, "/backpack/notes", User, post(notes::create)),
        r(
            Method::GET,
            "/backpack/notes/new",
            User,
            get(notes::new_form),
        ),
        r(Method::GET, "/backpack/notes/{id}", User, get(notes::show)),
        r(
            Method::POST,
            "/backpack/notes/{id}",
            User,
            post(notes::update),
        ),
        r(
            Method::GET,
            "/backpack/notes/{id}/edit",
            User,
            get(notes::edit_form),
        ),
        r(
            Method::POST,
            "/backpack/notes/{id}/delete",
            User,
            post(notes::delete),
        ),
        r(
            Method::POST,
            "/backpack/notes/{id}/files",
            User,
            post(notes::attach).layer(DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::POST,
            "/backpack/notes/{id}/links",
            User,
            post(notes::links),
        ),
        r(
            Method::GET,
            "/backpack/notes/files/{id}",
            User,
            get(notes::file),
        ),
        r(
            Method::POST,
            "/backpack/notes/files/{id}/delete",
            User,
            post(notes::delete_file),
        ),
        r(Method::GET, "/claim", Public, get(issuing::claim_page)),
        r(Method::POST, "/claim", User, post(issuing::claim)),
        r(Method::GET, "/issuing", Staff, get(issuing::home)),
        r(
            Method::POST,
            "/issuing",
            Staff,
            post(issuing::create_issuer),
        ),
        r(
            Method::GET,
            "/issuing/{id}",
            Staff,
            get(issuing::show_issuer),
        ),
        r(
            Method::POST,
            "/issuing/{id}/profile",
            Staff,
            post(issuing::update_issuer),
        ),
        r(
            Method::POST,
            "/issuing/{id}/logo",
            Staff,
            post(issuing::upload_logo).layer(DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::POST,
            "/issuing/{id}/keys",
            Staff,
            post(issuing::rotate_key),
        ),
        r(
            Method::POST,
            "/issuing/{id}/keys/{key}/revoke",
            Staff,
            post(issuing::revoke_key),
        ),
        r(
            Method::POST,
            "/issuing/{id}/members",
            Staff,
            post(issuing::add_member),
        ),
        r(
            Method::GET,
            "/issuing/{id}/achievements",
            Staff,
            get(issuing::achievements),
        ),
        r(
            Method::POST,
            "/issuing/{id}/achievements",
            Staff,
            post(issuing::create_achievement),
        ),
        r(
            Method::GET,
            "/issuing/{id}/achievements/new",
            Staff,
            get(issuing::new_achievement),
        ),
        r(
            Method::GET,
            "/issuing/{id}/award",
            Staff,
            get(issuing::award_form),
        ),
        r(
            Method::POST,
            "/issuing/{id}/award",
            Staff,
            post(issuing::award),
        ),
        r(
            Method::GET,
            "/issuing/{id}/credentials",
            Staff,
            get(issuing::issued_list),
        ),
        r(
            Method::GET,
            "/issuing/{id}/audit",
            Staff,
            get(issuing::audit),
        ),
        r(
            Method::GET,
            "/issuing/{id}/batches",
            Staff,
            get(issuing::batches),
        ),
        r(
            Method::POST,
            "/issuing/{id}/batches",
            Staff,
            post(issuing::upload_batch).layer(DefaultBodyLimit::max(
                backpack_domain::issuing::batches::MAX_BATCH_BYTES + 64 * 1024,
            )),
        ),
        r(
            Method::GET,
            "/issuing/{id}/tokens",
            Staff,
            get(automation::tokens),
        ),
        r(
            Method::POST,
            "/issuing/{id}/tokens",
            Staff,
            post(automation::create_token),
        ),
        r(
            Method::POST,
            "/issuing/{id}/tokens/{token}/revoke",
            Staff,
            post(automation::revoke_token),
        ),
        r(
            Method::GET,
            "/issuing/{id}/automation",
            Staff,
            get(automation::automation),
        ),
        r(
            Method::POST,
            "/issuing/{id}/xapi-rules",
            Staff,
            post(automation::create_xapi_rule),
        ),
        r(
            Method::POST,
            "/issuing/{id}/xapi-rules/{rule}/delete",
            Staff,
            post(automation::delete_xapi_rule),
        ),
        r(
            Method::POST,
            "/issuing/{id}/stack-rules",
            Staff,
            post(automation::create_stack_rule),
        ),
        r(
            Method::POST,
            "/issuing/{id}/stack-rules/{rule}/delete",
            Staff,
            post(automation::delete_stack_rule),
        ),
        r(
            Method::GET,
            "/issuing/batches/{id}",
            Staff,
            get(issuing::show_batch),
        ),
        r(
            Method::POST,
            "/issuing/batches/{id}/start",
            Staff,
            post(issuing::start_batch),
        ),
        r(
            Method::GET,
            "/issuing/batches/{id}/progress",
            Staff,
            get(issuing::batch_progress),
        ),
        r(
            Method::GET,
            "/issuing/batches/{id}/report.csv",
            Staff,
            get(issuing::batch_report),
        ),
        r(
            Method::GET,
            "/issuing/achievements/{id}",
            Staff,
            get(issuing::show_achievement),
        ),
        r(
            Method::POST,
            "/issuing/achievements/{id}",
            Staff,
            post(issuing::update_achievement),
        ),
        r(
            Method::POST,
            "/issuing/achievements/{id}/stacking",
            Staff,
            post(issuing::allow_stacking),
        ),
        r(
            Method::POST,
            "/issuing/achievements/{id}/stacking/{issuer}/delete",
            Staff,
            post(issuing::disallow_stacking),
        ),
        r(
            Method::POST,
            "/issuing/achievements/{id}/image",
            Staff,
            post(issuing::upload_achievement_image).layer(DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::GET,
            "/issuing/credentials/{id}",
            Staff,
            get(issuing::show_issued),
        ),
        r(
            Method::GET,
            "/issuing/credentials/{id}/download",
            Staff,
            get(issuing::download_issued),
        ),
        r(
            Method::POST,
            "/issuing/credentials/{id}/state",
            Staff,
            post(issuing::set_state),
        ),
        r(
            Method::POST,
            "/issuing/credentials/{id}/resend-claim",
            Staff,
            post(issuing::resend_claim),
        ),
        r(Method::GET, "/admin/users", Admin, get(admin::users)),
        r(Method::GET, "/admin/jobs", Admin, get(admin::jobs)),
        r(
            Method::POST,
            "/admin/jobs/{id}/retry",
            Admin,
            post(admin::retry_job),
        ),
        r(Method::GET, "/admin/users/{id}", Admin, get(admin::user)),
        r(
            Method::POST,
            "/admin/users/{id}",
            Admin,
            post(admin::update_user),
        ),
    ]
}

/// `/metrics` alone (everything else: 404), for a listener of its own on the
/// monitoring network (`metrics.listen`). It shares the state (so the counters)
/// of the application's router.
pub fn metrics_router(st: AppState) -> Router {
    Router::new()
        .route("/metrics", get(pages::ops::metrics))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(st)
}

/// The whole application (with `/metrics` unless it has its own listener).
pub fn router(st: AppState, max_upload_bytes: u64) -> Router {
    let mut pages = Router::new();
    for route in routes(max_upload_bytes) {
        pages = pages.route(route.path, route.handler);
    }
    let pages = pages
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .layer(axum::middleware::from_fn_with_state(
            st.clone(),
            ctx::context,
        ));
    let mut main = Router::new().route("/healthz", get(pages::ops::healthz));
    if st.settings.metrics_on_main {
        main = main.route("/metrics", get(pages::ops::metrics));
    }
    main.route("/static/{name}", get(pages::ops::asset))
        // Public documents of issuing (JSON and images for verifiers, not
        // pages): DID documents, status lists, achievements, logos.
        .route(
            "/issuers/{slug}/did.json",
            get(pages::issuing::did_document),
        )
        .route("/issuers/{slug}/logo", get(pages::issuing::logo))
        .route("/status/{id}/{purpose}", get(pages::issuing::status_list))
        .route(
            "/achievements/{id}",
            get(pages::issuing::public_achievement),
        )
        .route(
            "/achievements/{id}/image",
            get(pages::issuing::achievement_image),
        )
        .merge(api::router())
        .merge(pages)
        .layer(axum::middleware::from_fn_with_state(
            st.clone(),
            metrics::observe,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(st)
}
