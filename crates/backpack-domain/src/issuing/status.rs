//! Revocation and suspension: the Bitstring Status Lists, opened and
//! re-signed here.

use super::*;

/// Revoking, suspending and the published status lists.
pub struct StatusLists {
    pub(super) core: Arc<Core>,
}

impl Core {
    /// A new, empty status list pair for the issuer.
    pub(crate) async fn open_list(
        &self,
        issuer: &Issuer,
        key: &IssuerKey,
    ) -> Result<StatusList, DomainError> {
        let now = self.clock.unix();
        let id = Uuid::new_v4();
        let empty = Bitstring::new(STATUS_LIST_SIZE as usize);
        let (revocation_vc, suspension_vc) =
            self.sign_lists(issuer, key, id, &empty, &empty).await?;
        let list = StatusList {
            id,
            issuer_id: issuer.id,
            size: STATUS_LIST_SIZE,
            used: 0,
            version: 0,
            revocation: empty.encode(),
            suspension: empty.encode(),
            revocation_vc,
            suspension_vc,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_status_list(&list).await?;
        tracing::info!(issuer = %issuer.id, list = %id, "opened a status list");
        Ok(list)
    }

    pub(crate) async fn sign_lists(
        &self,
        issuer: &Issuer,
        key: &IssuerKey,
        id: Uuid,
        revocation: &Bitstring,
        suspension: &Bitstring,
    ) -> Result<(String, String), DomainError> {
        let now = self.clock.now();
        let docs = [
            eu::status_list_credential(
                &self.status_url(id, "revocation"),
                &issuer.did,
                "revocation",
                revocation,
                now,
            ),
            eu::status_list_credential(
                &self.status_url(id, "suspension"),
                &issuer.did,
                "suspension",
                suspension,
                now,
            ),
        ];
        let key = IssuerKey {
            key: key.key.clone(),
            did: key.did.clone(),
            verification_method: key.verification_method.clone(),
        };
        let signed = tokio::task::spawn_blocking(move || {
            docs.iter()
                .map(|d| {
                    backpack_credentials::sign::sign(
                        backpack_jsonld::Processor::shared(),
                        d,
                        &key,
                        SignFormat::DataIntegrity(
                            backpack_credentials::proof::SignSuite::EddsaRdfc2022,
                        ),
                        now,
                    )
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(DomainError::internal)?
        .map_err(|e| DomainError::Internal(format!("signing a status list: {e}")))?;
        let mut texts = signed.into_iter().map(|s| match s {
            Secured::Json(v) => v.to_string(),
            Secured::Jwt(t) => t,
        });
        Ok((
            texts.next().unwrap_or_default(),
            texts.next().unwrap_or_default(),
        ))
    }
}

impl StatusLists {
    /// Revoke (final), suspend, or reinstate a suspended credential: the
    /// status list is changed, re-signed and stored with the credential's
    /// state and the audit line, in one transaction.
    pub async fn set_state(
        &self,
        user: &User,
        id: Uuid,
        target: CredentialState,
        reason: &str,
    ) -> Result<IssuedCredential, DomainError> {
        let reason = reason.trim();
        if too_long(reason, 500) {
            return Err(DomainError::field("reason", "too_long"));
        }
        if target != CredentialState::Active && reason.is_empty() {
            return Err(DomainError::field("reason", "required"));
        }
        let first = self.core.issued_one(user, id).await?;
        let issuer = self.core.issuer(user, first.issuer_id).await?;
        for _ in 0..5 {
            let mut issued = self.core.issued_one(user, id).await?;
            let allowed = matches!(
                (issued.state, target),
                (CredentialState::Active, CredentialState::Revoked)
                    | (CredentialState::Active, CredentialState::Suspended)
                    | (CredentialState::Suspended, CredentialState::Revoked)
                    | (CredentialState::Suspended, CredentialState::Active)
            );
            if !allowed {
                return Err(DomainError::field("state", "state_change_refused"));
            }
            if target == CredentialState::Suspended && !is_suspendable(&issued) {
                return Err(DomainError::field("state", "not_suspendable"));
            }
            let mut list = self
                .core
                .store
                .find_status_list(issued.list_id)
                .await?
                .ok_or_else(|| DomainError::Internal("status list missing".into()))?;
            let mut revocation =
                Bitstring::decode(&list.revocation).map_err(DomainError::internal)?;
            let mut suspension =
                Bitstring::decode(&list.suspension).map_err(DomainError::internal)?;
            let index = usize::try_from(issued.list_index).map_err(DomainError::internal)?;
            revocation
                .set(index, target == CredentialState::Revoked)
                .map_err(DomainError::internal)?;
            suspension
                .set(index, target == CredentialState::Suspended)
                .map_err(DomainError::internal)?;
            let key = self.core.signing_key(&issuer).await?;
            let (rv, sv) = self
                .core
                .sign_lists(&issuer, &key, list.id, &revocation, &suspension)
                .await?;
            list.revocation = revocation.encode();
            list.suspension = suspension.encode();
            list.revocation_vc = rv;
            list.suspension_vc = sv;
            list.version += 1;
            list.updated_at = self.core.clock.unix();
            issued.state = target;
            issued.reason = (!reason.is_empty()).then(|| reason.to_owned());
            issued.state_at = Some(list.updated_at);
            let action = match target {
                CredentialState::Revoked => "credential.revoke",
                CredentialState::Suspended => "credential.suspend",
                CredentialState::Active => "credential.reinstate",
            };
            let audit = self.core.audit(
                issuer.id,
                &Actor::of(user),
                action,
                format!("urn:uuid:{}", issued.id),
                reason.to_owned(),
            );
            match self
                .core
                .store
                .set_issued_state(user.id, &issued, &list, &audit)
                .await
            {
                Ok(true) => return Ok(issued),
                Ok(false) => return Err(DomainError::NotFound),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "the status list kept changing".into(),
        ))
    }

    /// Public: a signed status list credential.
    pub async fn status_list(&self, id: Uuid, purpose: &str) -> Result<String, DomainError> {
        let list = self
            .core
            .store
            .find_status_list(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        match purpose {
            "revocation" => Ok(list.revocation_vc),
            "suspension" => Ok(list.suspension_vc),
            _ => Err(DomainError::NotFound),
        }
    }
}
