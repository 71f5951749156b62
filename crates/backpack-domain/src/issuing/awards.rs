//! Awards: one path that reserves status slots, signs outside any lock and
//! stores each credential with its jobs in one transaction
//! ([`Core::issue_all`]), used by single awards, xAPI, stacking and batches.

use super::*;

/// Single awards and the credentials an issuer issued.
pub struct Awards {
    pub(super) core: Arc<Core>,
}

/// Sign documents in one part per core (at most eight), each part on a
/// thread of the blocking pool; fewer than 64 documents are one part.
async fn sign_many(
    docs: Vec<Value>,
    formats: Vec<SignFormat>,
    key: Arc<IssuerKey>,
    now: time::OffsetDateTime,
) -> Result<Vec<Secured>, DomainError> {
    fn sign_part(
        docs: &[Value],
        formats: &[SignFormat],
        key: &IssuerKey,
        now: time::OffsetDateTime,
    ) -> Result<Vec<Secured>, DomainError> {
        docs.iter()
            .zip(formats)
            .map(|(d, f)| {
                backpack_credentials::sign::sign(
                    backpack_jsonld::Processor::shared(),
                    d,
                    key,
                    *f,
                    now,
                )
                .map_err(|e| DomainError::Internal(format!("signing: {e}")))
            })
            .collect()
    }
    // One part per core, each on a thread of the blocking pool (kept
    // between chunks: no thread is made per chunk).
    let parts = if docs.len() < 64 {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 8)
    };
    let size = docs.len().div_ceil(parts).max(1);
    let mut docs = docs;
    let mut formats = formats;
    let mut tasks = Vec::with_capacity(parts);
    while !docs.is_empty() {
        let rest_docs = docs.split_off(size.min(docs.len()));
        let rest_formats = formats.split_off(size.min(formats.len()));
        let (part_docs, part_formats) = (docs, formats);
        let key = key.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            sign_part(&part_docs, &part_formats, &key, now)
        }));
        docs = rest_docs;
        formats = rest_formats;
    }
    let mut out = Vec::new();
    for t in tasks {
        out.extend(t.await.map_err(DomainError::internal)??);
    }
    Ok(out)
}

impl Awards {
    /// A credential of an issuer the user is a member of.
    pub async fn issued_one(&self, user: &User, id: Uuid) -> Result<IssuedCredential, DomainError> {
        self.core.issued_one(user, id).await
    }

    /// Award one credential (from the award form).
    pub async fn award(
        &self,
        user: &User,
        issuer_id: IssuerId,
        req: &AwardRequest,
    ) -> Result<IssuedCredential, DomainError> {
        self.award_from(user, issuer_id, req, "form").await
    }

    /// Award one credential; `source` says how (`form` or `api`), as the
    /// issued list shows it.
    pub async fn award_from(
        &self,
        user: &User,
        issuer_id: IssuerId,
        req: &AwardRequest,
        source: &'static str,
    ) -> Result<IssuedCredential, DomainError> {
        let issuer = self.core.issuer(user, issuer_id).await?;
        let achievement = self
            .core
            .achievement(user, req.achievement_id)
            .await
            .ok()
            .filter(|a| a.issuer_id == issuer.id)
            .ok_or_else(|| DomainError::field("achievement_id", "required"))?;
        let missing = Issuing::missing(&issuer, &achievement);
        if !missing.is_empty() {
            return Err(DomainError::field("achievement_id", "eu_incomplete"));
        }
        let (recipient, account) = self.core.recipient_of(&req.recipient).await?;
        let name = match req.recipient_name.as_deref().map(str::trim) {
            Some(n) if too_long(n, 200) => {
                return Err(DomainError::field("recipient_name", "too_long"))
            }
            Some("") | None => None,
            Some(n) => Some(n.to_owned()),
        };
        let grade = match req.grade.as_deref().map(str::trim) {
            Some(g) if too_long(g, 100) => return Err(DomainError::field("grade", "too_long")),
            Some("") | None => None,
            Some(g) => Some(g.to_owned()),
        };
        let actor = Actor::of(user);
        let key = self.core.signing_key(&issuer).await?;
        let account_id = account.as_ref().map(|a| a.id);
        let mut issued = self
            .core
            .issue_all(
                &issuer,
                &achievement,
                &key,
                &actor,
                vec![Award {
                    recipient,
                    account,
                    name,
                    grade,
                    format: req.format,
                    source,
                    batch: None,
                    key: None,
                }],
            )
            .await?;
        let mut issued = issued
            .pop()
            .ok_or_else(|| DomainError::Internal("nothing issued".into()))?;
        // One award by hand: deliver now, so that the page (or the API's
        // answer) says where it is. The delivery job queued with it then
        // finds it done; should this fail, the job delivers it later.
        if let Some(account) = &account_id {
            match self.core.deliver_job(issued.id, *account).await {
                Ok(()) => issued.user_id = Some(*account),
                Err(e) => {
                    tracing::warn!(credential = %issued.id, error = %e, "delivering at once failed; the job will retry")
                }
            }
        }
        Ok(issued)
    }

    pub async fn issued(
        &self,
        user: &User,
        issuer_id: IssuerId,
        q: &IssuedQuery,
    ) -> Result<Vec<IssuedCredential>, DomainError> {
        self.core.issuer(user, issuer_id).await?;
        Ok(self.core.store.list_issued(user.id, issuer_id, q).await?)
    }

    pub async fn count_issued(&self, user: &User, issuer_id: IssuerId) -> Result<i64, DomainError> {
        Ok(self.core.store.count_issued(user.id, issuer_id).await?)
    }
}

impl Core {
    /// Who an award goes to: the credential's recipient, and the account
    /// that confirmed it, if any.
    pub(crate) async fn recipient_of(
        &self,
        input: &RecipientInput,
    ) -> Result<(RecipientTarget, Option<User>), DomainError> {
        match input {
            RecipientInput::Email(a) | RecipientInput::Account(a) => {
                let email =
                    Email::parse("recipient", a).map_err(|e| DomainError::Invalid(vec![e]))?;
                let account = self.store.account_with_email(email.as_str()).await?;
                if matches!(input, RecipientInput::Account(_)) && account.is_none() {
                    return Err(DomainError::field("recipient", "no_such_account"));
                }
                Ok((RecipientTarget::Email(email.as_str().to_owned()), account))
            }
            RecipientInput::Did(d) => {
                let did = crate::values::Did::parse("recipient", d)
                    .map_err(|e| DomainError::Invalid(vec![e]))?;
                let account = self.store.account_with_did(did.as_str()).await?;
                Ok((RecipientTarget::Did(did.as_str().to_owned()), account))
            }
        }
    }

    /// Sign and store awards of one achievement, then deliver and notify.
    pub(crate) async fn issue_all(
        &self,
        issuer: &Issuer,
        achievement: &Achievement,
        key: &IssuerKey,
        actor: &Actor,
        awards: Vec<Award>,
    ) -> Result<Vec<IssuedCredential>, DomainError> {
        let mut awards = awards;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // An automatic award made before (here or by another server)
            // is not made again.
            let keys: Vec<String> = awards.iter().filter_map(|a| a.key.clone()).collect();
            if !keys.is_empty() {
                let taken: std::collections::HashSet<String> = self
                    .store
                    .issued_by_keys(&keys)
                    .await?
                    .into_iter()
                    .filter_map(|c| c.award_key)
                    .collect();
                let mut seen = std::collections::HashSet::new();
                awards.retain(|a| {
                    a.key
                        .as_ref()
                        .is_none_or(|k| !taken.contains(k) && seen.insert(k.clone()))
                });
            }
            if awards.is_empty() {
                return Ok(Vec::new());
            }
            let prepared = self
                .sign_awards(issuer, achievement, key, actor, &awards)
                .await?;
            let issued: Vec<IssuedCredential> = prepared.iter().map(|p| p.issued.clone()).collect();
            let claims: Vec<Claim> = prepared
                .iter()
                .filter_map(|p| p.claim.as_ref().map(|c| c.0.clone()))
                .collect();
            let audits: Vec<AuditEntry> = prepared
                .iter()
                .map(|p| {
                    self.audit(
                        issuer.id,
                        actor,
                        "credential.issue",
                        format!("urn:uuid:{}", p.issued.id),
                        format!("{} → {}", p.issued.achievement_name, p.issued.recipient),
                    )
                })
                .collect();
            let jobs = self.award_jobs(issuer, &prepared);
            match self
                .store
                .insert_issued(&issued, &claims, &audits, &jobs)
                .await
            {
                Ok(()) => {
                    self.signal.queued();
                    return Ok(prepared.into_iter().map(|p| p.issued).collect());
                }
                // Another server made one of these automatic awards in the
                // meantime: look again (its slots stay unused).
                Err(StoreError::Conflict(Conflict::Taken)) if !keys.is_empty() && attempt < 3 => {
                    tracing::info!(
                        attempt,
                        "an automatic award was made elsewhere meanwhile: looking again"
                    );
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The work an award leaves for after its commit, queued with it: the
    /// delivery to the recipient's account, and the mail (a claim link for
    /// those without an account).
    pub(crate) fn award_jobs(&self, issuer: &Issuer, prepared: &[Prepared]) -> Vec<NewJob> {
        let now = self.clock.unix();
        let mut jobs = Vec::new();
        for p in prepared {
            if let Some(account) = &p.deliver_to {
                jobs.push(
                    Job::DeliverCredential {
                        credential_id: p.issued.id,
                        user_id: account.id,
                    }
                    .queue(now),
                );
            }
            if let Some(to) = &p.notify {
                let locale = p
                    .deliver_to
                    .as_ref()
                    .and_then(|u| u.locale)
                    .unwrap_or(crate::values::Locale::En);
                let mut mail = Job::SendMail(Notification::CredentialIssued {
                    to: to.clone(),
                    locale,
                    issuer: issuer.profile.name.clone(),
                    achievement: p.issued.achievement_name.clone(),
                    claim_token: p.claim.as_ref().map(|c| c.1.clone()),
                })
                .queue(now);
                mail.dedupe_key = Some(format!("mail:issued:{}", p.issued.id));
                jobs.push(mail);
            }
        }
        jobs
    }

    /// The issuer's current status list pair with room for `n` more, or a
    /// new pair.
    /// Reserve status slots for `awards` and sign them: the one way
    /// credentials are made. The slots are taken in the database (see
    /// [`IssuingStore::reserve_status_slots`]), so no lock is held while
    /// signing and servers issuing at once never wait on each other.
    pub(crate) async fn sign_awards(
        &self,
        issuer: &Issuer,
        achievement: &Achievement,
        key: &IssuerKey,
        actor: &Actor,
        awards: &[Award],
    ) -> Result<Vec<Prepared>, DomainError> {
        let slots = self.reserve_slots(issuer, key, awards.len() as i64).await?;
        self.prepare(issuer, achievement, key, actor, slots, awards)
            .await
    }

    /// `n` consecutive slots of the issuer's newest status list, or of a new
    /// one when it has fewer left (two servers may both open one: each list
    /// is valid, the newest is used next); none for no credential.
    pub(crate) async fn reserve_slots(
        &self,
        issuer: &Issuer,
        key: &IssuerKey,
        n: i64,
    ) -> Result<Option<Slots>, DomainError> {
        if n == 0 {
            return Ok(None);
        }
        if n > STATUS_LIST_SIZE {
            return Err(DomainError::Internal(
                "batch larger than a status list".into(),
            ));
        }
        for _ in 0..4 {
            let list = match self.store.current_status_list(issuer.id).await? {
                Some(list) if list.size - list.used >= n => list,
                _ => self.open_list(issuer, key).await?,
            };
            if let Some(first) = self.store.reserve_status_slots(list.id, n).await? {
                return Ok(Some(Slots {
                    list_id: list.id,
                    first,
                }));
            }
        }
        Err(DomainError::Internal(
            "no status list with free slots after four tries".into(),
        ))
    }

    /// Build and sign the credentials of `awards` at the reserved slots
    /// (none reserved: nothing to sign).
    pub(crate) async fn prepare(
        &self,
        issuer: &Issuer,
        achievement: &Achievement,
        key: &IssuerKey,
        actor: &Actor,
        slots: Option<Slots>,
        awards: &[Award],
    ) -> Result<Vec<Prepared>, DomainError> {
        let Some(slots) = slots else {
            return Ok(Vec::new());
        };
        let now = self.clock.now();
        let mut jobs = Vec::with_capacity(awards.len());
        for (i, award) in awards.iter().enumerate() {
            let id = Uuid::new_v4();
            let index = status_index(slots.list_id, slots.first + i as i64);
            let mut status = vec![StatusRef {
                list_url: self.status_url(slots.list_id, "revocation"),
                index: index as u64,
                purpose: "revocation".into(),
            }];
            if achievement.spec.suspendable {
                status.push(StatusRef {
                    list_url: self.status_url(slots.list_id, "suspension"),
                    index: index as u64,
                    purpose: "suspension".into(),
                });
            }
            let recipient = match &award.recipient {
                RecipientTarget::Email(a) => {
                    let salt = random_token()[..16].to_owned();
                    Recipient::Email {
                        hash: eu::identity_hash(a, &salt),
                        salt,
                    }
                }
                RecipientTarget::Did(d) => Recipient::Did(d.clone()),
            };
            let doc = eu::credential(
                &issuer.profile,
                &achievement.spec,
                &recipient,
                &format!("urn:uuid:{id}"),
                now,
                &status,
                award.grade.as_deref(),
            );
            jobs.push((id, index, doc));
        }
        let key2 = IssuerKey {
            key: key.key.clone(),
            did: key.did.clone(),
            verification_method: key.verification_method.clone(),
        };
        let formats: Vec<SignFormat> = awards.iter().map(|a| a.format).collect();
        let docs: Vec<Value> = jobs.iter().map(|j| j.2.clone()).collect();
        let signed = sign_many(docs, formats, Arc::new(key2), now).await?;
        let at = self.clock.unix();
        let mut out = Vec::with_capacity(awards.len());
        for ((award, (id, index, _)), secured) in awards.iter().zip(jobs).zip(signed) {
            let (format, credential) = match secured {
                Secured::Json(v) => ("json", v.to_string()),
                Secured::Jwt(t) => ("jwt", t),
            };
            let (kind, recipient) = match &award.recipient {
                RecipientTarget::Email(a) => (RecipientKind::Email, a.clone()),
                RecipientTarget::Did(d) => (RecipientKind::Did, d.clone()),
            };
            let claim = match (&award.account, kind) {
                (None, RecipientKind::Email) => {
                    let token = random_token();
                    Some((
                        Claim {
                            token_hash: token_hash(&token),
                            issued_id: id,
                            expires_at: at + CLAIM_TTL_SECS,
                            claimed_by: None,
                            claimed_at: None,
                        },
                        token,
                    ))
                }
                _ => None,
            };
            out.push(Prepared {
                issued: IssuedCredential {
                    id,
                    issuer_id: issuer.id,
                    achievement_id: achievement.id,
                    achievement_name: achievement.spec.name.clone(),
                    recipient_kind: kind,
                    recipient: recipient.clone(),
                    recipient_name: award.name.clone(),
                    user_id: None,
                    format: format.to_owned(),
                    credential,
                    list_id: slots.list_id,
                    list_index: index,
                    state: CredentialState::Active,
                    reason: None,
                    state_at: None,
                    issued_at: at,
                    actor_name: actor.name.clone(),
                    source: award.source.to_owned(),
                    batch_id: award.batch.map(|b| b.0),
                    batch_row: award.batch.map(|b| b.1),
                    award_key: award.key.clone(),
                },
                deliver_to: award.account.clone(),
                claim,
                notify: (kind == RecipientKind::Email).then_some(recipient),
            });
        }
        Ok(out)
    }

    /// A credential of an issuer the user is a member of.
    pub(crate) async fn issued_one(
        &self,
        user: &User,
        id: Uuid,
    ) -> Result<IssuedCredential, DomainError> {
        self.store
            .find_issued(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }
}
