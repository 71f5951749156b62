//! Claim links: only an account that confirmed the address (or DID) a
//! credential was issued to can claim it; staff can resend a link (a new
//! token; the old one stops working).

use super::*;

/// Claim links.
pub struct Claims {
    pub(super) core: Arc<Core>,
}

impl Claims {
    /// Send a credential's claim link again, as a new link: the old one stops
    /// working (it may be the one that went astray). Only for an active
    /// credential not claimed yet and sent to an address; the mail is a job
    /// queued with the new link and the audit line.
    pub async fn resend_claim(
        &self,
        user: &User,
        id: Uuid,
    ) -> Result<IssuedCredential, DomainError> {
        let issued = self.core.issued_one(user, id).await?;
        if issued.state != CredentialState::Active
            || issued.user_id.is_some()
            || issued.recipient_kind != RecipientKind::Email
        {
            return Err(DomainError::field("claim", "claim_not_pending"));
        }
        let issuer = self.core.issuer(user, issued.issuer_id).await?;
        let now = self.core.clock.unix();
        let token = random_token();
        let claim = Claim {
            token_hash: token_hash(&token),
            issued_id: issued.id,
            expires_at: now + CLAIM_TTL_SECS,
            claimed_by: None,
            claimed_at: None,
        };
        let audit = self.core.audit(
            issuer.id,
            &Actor::of(user),
            "claim.resend",
            format!("urn:uuid:{}", issued.id),
            issued.recipient.clone(),
        );
        let mail = Job::SendMail(Notification::CredentialIssued {
            to: issued.recipient.clone(),
            locale: crate::values::Locale::En,
            issuer: issuer.profile.name.clone(),
            achievement: issued.achievement_name.clone(),
            claim_token: Some(token),
        })
        .queue(now);
        if !self
            .core
            .store
            .replace_claim(user.id, &claim, &audit, &mail)
            .await?
        {
            return Err(DomainError::field("claim", "claim_not_pending"));
        }
        self.core.signal.queued();
        Ok(issued)
    }

    /// What a claim link offers (before the learner signs in).
    pub async fn claim_info(&self, token: &str) -> Result<IssuedCredential, DomainError> {
        let (claim, issued) = self
            .core
            .store
            .find_claim(&token_hash(token))
            .await?
            .ok_or(DomainError::TokenInvalid)?;
        if claim.claimed_at.is_some() || claim.expires_at < self.core.clock.unix() {
            return Err(DomainError::TokenInvalid);
        }
        Ok(issued)
    }

    /// Whether the account may claim this credential: it confirmed the
    /// address (or the DID) the credential was issued to. A claim link is
    /// not enough on its own: links get forwarded, leaked and logged.
    pub async fn may_claim(
        &self,
        user: &User,
        issued: &IssuedCredential,
    ) -> Result<bool, DomainError> {
        Ok(match issued.recipient_kind {
            RecipientKind::Email => self.core.store.list_emails(user.id).await?.iter().any(|e| {
                e.confirmed_at.is_some() && e.address.eq_ignore_ascii_case(&issued.recipient)
            }),
            RecipientKind::Did => self
                .core
                .store
                .list_dids(user.id)
                .await?
                .iter()
                .any(|d| d.confirmed_at.is_some() && d.did == issued.recipient),
        })
    }

    /// Put a claimed credential in the signed-in learner's backpack, when
    /// the account confirmed the recipient's address or DID
    /// ([`Claims::may_claim`]); refused otherwise with
    /// `claim_recipient_unconfirmed`, and the link stays valid.
    pub async fn claim(&self, user: &User, token: &str) -> Result<IssuedCredential, DomainError> {
        let issued = self.claim_info(token).await?;
        if issued.state == CredentialState::Revoked {
            // The issuer withdrew it: nothing to put in a backpack.
            return Err(DomainError::field("token", "claim_revoked"));
        }
        if !self.may_claim(user, &issued).await? {
            return Err(DomainError::field(
                "recipient",
                "claim_recipient_unconfirmed",
            ));
        }
        // The delivery is queued with the claim (nothing is lost if this
        // request dies), then run at once so the learner sees it now; the
        // queued job then finds it done.
        let now = self.core.clock.unix();
        let job = Job::DeliverCredential {
            credential_id: issued.id,
            user_id: user.id,
        }
        .queue(now);
        if !self
            .core
            .store
            .mark_claimed(&token_hash(token), user.id, now, &job)
            .await?
        {
            return Err(DomainError::TokenInvalid);
        }
        self.core.deliver_job(issued.id, user.id).await?;
        self.core.signal.queued();
        Ok(issued)
    }
}
