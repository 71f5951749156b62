//! What every handler shares.

use std::sync::Arc;

use backpack_domain::accounts::Accounts;
use backpack_domain::backpack::Backpack;
use backpack_domain::badges::Badges;
use backpack_domain::certificates::Certificates;
use backpack_domain::health::Health;
use backpack_domain::issuing::Issuing;
use backpack_domain::notes::Notes;
use backpack_domain::portfolio::Portfolios;

use crate::i18n::I18n;
use crate::metrics::Metrics;

/// Web settings, from the server's configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The address people use, e.g. `https://backpack.example.org` (links in
    /// mail, the allowed `Origin`).
    pub public_url: String,
    /// Secure, `__Host-` cookies. Off only for plain-HTTP development on a
    /// host name other than localhost.
    pub cookie_secure: bool,
    /// Largest urlencoded form body.
    pub max_form_bytes: usize,
    /// Behind a reverse proxy: the header carrying the client's address
    /// (e.g. `X-Forwarded-For`; its last entry, the one the proxy added).
    /// Unset: the connection's peer address.
    pub client_ip_header: Option<String>,
    /// Serve `/metrics` with the pages. False when it has a listener of its
    /// own (`metrics.listen`, see [`crate::metrics_router`]).
    pub metrics_on_main: bool,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

/// The use cases the pages call.
pub struct Services {
    pub accounts: Arc<Accounts>,
    pub badges: Arc<Badges>,
    pub certificates: Arc<Certificates>,
    pub notes: Arc<Notes>,
    pub backpack: Arc<Backpack>,
    pub portfolios: Arc<Portfolios>,
    pub issuing: Arc<Issuing>,
    /// This server's last probes of the database and file store.
    pub health: Arc<Health>,
}

pub struct Inner {
    pub accounts: Arc<Accounts>,
    pub badges: Arc<Badges>,
    pub certificates: Arc<Certificates>,
    pub notes: Arc<Notes>,
    pub backpack: Arc<Backpack>,
    pub portfolios: Arc<Portfolios>,
    pub issuing: Arc<Issuing>,
    pub health: Arc<Health>,
    pub i18n: Arc<I18n>,
    pub settings: WebSettings,
    pub metrics: Metrics,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(services: Services, i18n: Arc<I18n>, settings: WebSettings) -> Self {
        let Services {
            accounts,
            badges,
            certificates,
            notes,
            backpack,
            portfolios,
            issuing,
            health,
        } = services;
        AppState(Arc::new(Inner {
            accounts,
            badges,
            certificates,
            notes,
            backpack,
            portfolios,
            issuing,
            health,
            i18n,
            settings,
            metrics: Metrics::new(),
        }))
    }
}
