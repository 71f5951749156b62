//! Issuers, their staff, their signing keys (sealed at rest, rotated,
//! revoked) and their audit log.

use super::*;

/// Issuers, their members and keys.
pub struct Issuers {
    pub(super) core: Arc<Core>,
}

impl Issuers {
    /// An issuer the user is a member of ("absent" otherwise).
    pub async fn issuer(&self, user: &User, id: IssuerId) -> Result<Issuer, DomainError> {
        self.core.issuer(user, id).await
    }

    /// Create an issuer (issuer staff and administrators only); the creator
    /// becomes its first member and a first key is made.
    pub async fn create_issuer(
        &self,
        user: &User,
        input: &IssuerInput,
    ) -> Result<Issuer, DomainError> {
        if !matches!(user.role, Role::IssuerStaff | Role::Admin) {
            return Err(DomainError::Forbidden);
        }
        let base = slug_of(&input.name);
        let now = self.core.clock.unix();
        let actor = Actor::of(user);
        for attempt in 0..20 {
            let slug = if attempt == 0 {
                base.clone()
            } else {
                format!("{base}-{}", attempt + 1)
            };
            let did = did_web(&self.core.settings.public_url, &["issuers", &slug])?;
            let profile = profile_of(input, &did)?;
            let issuer = Issuer {
                id: IssuerId::new(),
                slug: slug.clone(),
                did,
                profile,
                logo_key: None,
                logo_type: None,
                created_at: now,
                updated_at: now,
            };
            let key = self.seal_new_key(issuer.id, 1, now);
            let audit = self.core.audit(
                issuer.id,
                &actor,
                "issuer.create",
                issuer.did.clone(),
                issuer.profile.name.clone(),
            );
            match self
                .core
                .store
                .insert_issuer(&issuer, user.id, &key, &audit)
                .await
            {
                Ok(()) => return Ok(issuer),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::field("name", "taken"))
    }

    fn seal_new_key(&self, issuer_id: IssuerId, n: usize, now: i64) -> IssuerKeyRecord {
        let key = new_key();
        let id = Uuid::new_v4();
        IssuerKeyRecord {
            id,
            issuer_id,
            fragment: format!("key-{n}"),
            public_key: PublicKey::Ed25519(key.verifying_key())
                .to_multikey()
                .unwrap_or_default(),
            sealed_secret: self.core.settings.vault.seal(
                &nonce(),
                &key_aad(issuer_id, id),
                &key.seed(),
            ),
            created_at: now,
            retired_at: None,
            revoked_at: None,
        }
    }

    pub async fn update_issuer(
        &self,
        user: &User,
        id: IssuerId,
        input: &IssuerInput,
    ) -> Result<Issuer, DomainError> {
        let mut issuer = self.core.issuer(user, id).await?;
        let mut profile = profile_of(input, &issuer.did)?;
        profile.image = issuer.profile.image.clone();
        issuer.profile = profile;
        issuer.updated_at = self.core.clock.unix();
        let audit = self.core.audit(
            issuer.id,
            &Actor::of(user),
            "issuer.update",
            issuer.did.clone(),
            issuer.profile.name.clone(),
        );
        if !self
            .core
            .store
            .update_issuer(user.id, &issuer, &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        Ok(issuer)
    }

    /// Set the issuer's logo (PNG or SVG): served at a public URL that every
    /// new credential's `issuer.image` names.
    pub async fn set_logo(
        &self,
        user: &User,
        id: IssuerId,
        bytes: Bytes,
    ) -> Result<Issuer, DomainError> {
        let mut issuer = self.core.issuer(user, id).await?;
        let media = image_type(&bytes)?;
        let key = format!("issuers/{}/logo-{}", issuer.id, Uuid::new_v4());
        self.core
            .blobs
            .put(&key, bytes)
            .await
            .map_err(DomainError::Internal)?;
        let old = issuer.logo_key.replace(key);
        issuer.logo_type = Some(media.to_owned());
        issuer.profile.image = Some(format!(
            "{}/issuers/{}/logo",
            self.core.settings.public_url, issuer.slug
        ));
        issuer.updated_at = self.core.clock.unix();
        let audit = self.core.audit(
            issuer.id,
            &Actor::of(user),
            "issuer.logo",
            issuer.did.clone(),
            media.to_owned(),
        );
        if !self
            .core
            .store
            .update_issuer(user.id, &issuer, &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        if let Some(old) = old {
            let _ = self.core.blobs.delete(&old).await;
        }
        Ok(issuer)
    }

    /// Public: an issuer's logo.
    pub async fn logo(&self, slug: &str) -> Result<(Bytes, String), DomainError> {
        let issuer = self
            .core
            .store
            .issuer_by_slug(slug)
            .await?
            .ok_or(DomainError::NotFound)?;
        let (Some(key), Some(media)) = (issuer.logo_key, issuer.logo_type) else {
            return Err(DomainError::NotFound);
        };
        let bytes = self
            .core
            .blobs
            .get(&key)
            .await
            .map_err(DomainError::Internal)?
            .ok_or(DomainError::NotFound)?;
        Ok((bytes, media))
    }

    pub async fn issuers(&self, user: &User) -> Result<Vec<Issuer>, DomainError> {
        Ok(self.core.store.list_issuers(user.id).await?)
    }

    pub async fn members(
        &self,
        user: &User,
        id: IssuerId,
    ) -> Result<Vec<UserSummary>, DomainError> {
        self.core.issuer(user, id).await?;
        Ok(self.core.store.list_members(user.id, id).await?)
    }

    /// Add a colleague by the address they sign in with (issuer staff or
    /// administrators only).
    pub async fn add_member(
        &self,
        user: &User,
        id: IssuerId,
        address: &str,
    ) -> Result<(), DomainError> {
        let issuer = self.core.issuer(user, id).await?;
        let email = Email::parse("email", address).map_err(|e| DomainError::Invalid(vec![e]))?;
        let member = self
            .core
            .store
            .find_user_by_login(email.as_str())
            .await?
            .ok_or_else(|| DomainError::field("email", "no_such_account"))?;
        if !matches!(member.role, Role::IssuerStaff | Role::Admin) {
            return Err(DomainError::field("email", "not_issuer_staff"));
        }
        let audit = self.core.audit(
            issuer.id,
            &Actor::of(user),
            "member.add",
            member.display_name.clone(),
            String::new(),
        );
        if !self
            .core
            .store
            .add_member(
                user.id,
                issuer.id,
                member.id,
                self.core.clock.unix(),
                &audit,
            )
            .await?
        {
            return Err(DomainError::NotFound);
        }
        Ok(())
    }

    /// The issuer's keys, oldest first (public parts only leave).
    pub async fn keys(
        &self,
        user: &User,
        id: IssuerId,
    ) -> Result<Vec<IssuerKeyRecord>, DomainError> {
        self.core.issuer(user, id).await?;
        Ok(self.core.store.issuer_keys(id).await?)
    }

    /// Make a new signing key; the old ones stay in the DID document.
    pub async fn rotate_key(
        &self,
        user: &User,
        id: IssuerId,
    ) -> Result<IssuerKeyRecord, DomainError> {
        let issuer = self.core.issuer(user, id).await?;
        let keys = self.core.store.issuer_keys(id).await?;
        let key = self.seal_new_key(issuer.id, keys.len() + 1, self.core.clock.unix());
        let audit = self.core.audit(
            issuer.id,
            &Actor::of(user),
            "key.rotate",
            format!("{}#{}", issuer.did, key.fragment),
            key.public_key.clone(),
        );
        if !self.core.store.rotate_key(user.id, &key, &audit).await? {
            return Err(DomainError::NotFound);
        }
        Ok(key)
    }

    /// Revoke a retired key (named by its id or its fragment, `key-1`): it
    /// leaves the DID document's `assertionMethod`, so every credential it
    /// signed stops verifying (nothing is re-issued automatically: staff
    /// re-issue what they choose). The current key cannot be revoked: rotate
    /// first. Status lists last signed with it are re-signed with the
    /// current key in the same transaction, so the credentials they serve
    /// keep a checkable status. Audit-logged.
    pub async fn revoke_key(
        &self,
        user: &User,
        id: IssuerId,
        key: &str,
        reason: &str,
    ) -> Result<IssuerKeyRecord, DomainError> {
        let issuer = self.core.issuer(user, id).await?;
        let reason = reason.trim();
        if too_long(reason, 500) {
            return Err(DomainError::field("reason", "too_long"));
        }
        let key = key.trim();
        let keys = self.core.store.issuer_keys(id).await?;
        let mut target = keys
            .iter()
            .find(|k| k.fragment == key || k.id.to_string() == key)
            .cloned()
            .ok_or(DomainError::NotFound)?;
        if target.revoked_at.is_some() {
            return Err(DomainError::field("key", "key_already_revoked"));
        }
        if target.retired_at.is_none() {
            return Err(DomainError::field("key", "key_current"));
        }
        let vm = format!("{}#{}", issuer.did, target.fragment);
        for _ in 0..5 {
            let current = self.core.signing_key(&issuer).await?;
            let now = self.core.clock.unix();
            let mut lists = Vec::new();
            for mut list in self.core.store.status_lists_of(issuer.id).await? {
                if !signed_with(&list.revocation_vc, &vm) && !signed_with(&list.suspension_vc, &vm)
                {
                    continue;
                }
                let revocation =
                    Bitstring::decode(&list.revocation).map_err(DomainError::internal)?;
                let suspension =
                    Bitstring::decode(&list.suspension).map_err(DomainError::internal)?;
                let (rv, sv) = self
                    .core
                    .sign_lists(&issuer, &current, list.id, &revocation, &suspension)
                    .await?;
                list.revocation_vc = rv;
                list.suspension_vc = sv;
                list.version += 1;
                list.updated_at = now;
                lists.push(list);
            }
            let detail = if reason.is_empty() {
                target.public_key.clone()
            } else {
                format!("{} ({reason})", target.public_key)
            };
            let audit = self.core.audit(
                issuer.id,
                &Actor::of(user),
                "key.revoke",
                vm.clone(),
                detail,
            );
            match self
                .core
                .store
                .revoke_key(user.id, issuer.id, target.id, now, &lists, &audit)
                .await
            {
                Ok(true) => {
                    target.revoked_at = Some(now);
                    return Ok(target);
                }
                // Revoked meanwhile, or no longer a member.
                Ok(false) => return Err(DomainError::NotFound),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "the status lists kept changing".into(),
        ))
    }

    /// Public: the DID document served at `/issuers/<slug>/did.json`.
    pub async fn did_document(&self, slug: &str) -> Result<Value, DomainError> {
        let issuer = self
            .core
            .store
            .issuer_by_slug(slug)
            .await?
            .ok_or(DomainError::NotFound)?;
        let keys = self.core.store.issuer_keys(issuer.id).await?;
        Ok(did_document(&issuer, &keys))
    }

    /// At start: whether this server's key-encryption key opens the issuer
    /// keys already stored (`Ok(false)` when none is stored yet). A second
    /// server given a key of its own would otherwise start, look healthy,
    /// and fail at its first signing.
    pub async fn vault_opens_stored_keys(&self) -> Result<bool, DomainError> {
        let Some(k) = self.core.store.newest_issuer_key().await? else {
            return Ok(false);
        };
        self.core
            .settings
            .vault
            .open(&key_aad(k.issuer_id, k.id), &k.sealed_secret)
            .map(|_| true)
            .map_err(|_| {
                DomainError::Internal(format!(
                    "the key-encryption key does not open the issuer keys stored in the database \
                     (key {} of issuer {}): every server must use the same key \
                     (`issuing.key_encryption_key`, or the first server's issuer-keys.secret)",
                    k.id, k.issuer_id
                ))
            })
    }

    pub async fn audit_log(
        &self,
        user: &User,
        issuer_id: IssuerId,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, DomainError> {
        self.core.issuer(user, issuer_id).await?;
        Ok(self.core.store.audit_log(user.id, issuer_id, limit).await?)
    }
}

impl Core {
    /// An issuer the user is a member of.
    pub(crate) async fn issuer(&self, user: &User, id: IssuerId) -> Result<Issuer, DomainError> {
        self.store
            .find_issuer(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub(crate) async fn signing_key(&self, issuer: &Issuer) -> Result<IssuerKey, DomainError> {
        let keys = self.store.issuer_keys(issuer.id).await?;
        let current = keys
            .iter()
            .rev()
            .find(|k| k.retired_at.is_none() && k.revoked_at.is_none())
            .ok_or_else(|| DomainError::Internal("the issuer has no current key".into()))?;
        let seed = self
            .settings
            .vault
            .open(&key_aad(issuer.id, current.id), &current.sealed_secret)
            .map_err(|e| DomainError::Internal(format!("issuer key {}: {e}", current.id)))?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| DomainError::Internal("issuer key has the wrong length".into()))?;
        Ok(IssuerKey {
            key: SigningKey::from_seed(&seed),
            did: issuer.did.clone(),
            verification_method: format!("{}#{}", issuer.did, current.fragment),
        })
    }
}
