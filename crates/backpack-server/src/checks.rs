//! How the server checks credentials learners import: offline (did:key, no
//! fetch) or online (did:web issuers and status lists fetched through
//! `backpack-fetch`: public addresses only, bounded size and time, cached).

use backpack_credentials::did::OfflineResolver;
use backpack_credentials::report::Report;
use backpack_credentials::status::LocalStatusLists;
use backpack_credentials::verify::{InputError, Verifier};
use backpack_domain::badges::CredentialCheck;
use backpack_domain::issuing::LocalDocuments;
use time::OffsetDateTime;

/// Online look-ups: did:key offline, did:web and https issuer documents and
/// Bitstring Status Lists fetched (so revoked and suspended credentials show
/// as such).
pub struct OnlineCheck {
    fetcher: backpack_fetch::Fetcher,
}

impl OnlineCheck {
    pub fn new(timeout_secs: u64, allow_local_http: bool) -> Self {
        OnlineCheck {
            fetcher: backpack_fetch::Fetcher::new(backpack_fetch::Policy {
                allow_local_http,
                timeout: std::time::Duration::from_secs(timeout_secs),
                ..Default::default()
            }),
        }
    }
}

impl CredentialCheck for OnlineCheck {
    fn check(
        &self,
        bytes: &[u8],
        at: OffsetDateTime,
        local: &LocalDocuments,
    ) -> Result<Report, InputError> {
        // This instance's own issuers come from the store, not the network.
        let mut offline = OfflineResolver::new();
        for d in &local.did_documents {
            offline.add_document(d.clone());
        }
        let mut own_lists = LocalStatusLists::new();
        for l in &local.status_lists {
            own_lists.add(l.clone());
        }
        let resolver = backpack_fetch::OnlineResolver {
            offline,
            fetcher: &self.fetcher,
        };
        let lists = backpack_fetch::OnlineStatusLists {
            local: own_lists,
            fetcher: &self.fetcher,
        };
        let deadline = backpack_fetch::DeadlineAt::after(backpack_fetch::VERIFY_DEADLINE);
        let verifier = Verifier {
            processor: backpack_jsonld::Processor::shared(),
            resolver: &resolver,
            status_lists: &lists,
            now: at,
            deadline: &deadline,
        };
        verifier.verify_bytes(bytes)
    }
}
