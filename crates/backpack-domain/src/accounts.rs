//! Account use cases: register, log in and out, passwords, e-mail addresses,
//! DIDs, the profile photo and the administrator's user management.

use std::sync::Arc;

use bytes::Bytes;
use uuid::Uuid;

use crate::entities::*;
use crate::files::{check_upload, safe_filename, IMAGES};
use crate::ports::{BlobStore, Clock, Notification, Notifier, Store};
use crate::tokens::{hex, random_token, token_hash};
use crate::values::{Did, DisplayName, Email, Locale, NewPassword, Role};
use crate::{passwords, DomainError, StoreError};

/// Settings of the account use cases (from the server's configuration).
#[derive(Debug, Clone)]
pub struct Policy {
    /// Failed logins allowed per window, per address and per client.
    pub login_attempts: i64,
    pub login_window_secs: i64,
    pub session_ttl_secs: i64,
    pub reset_ttl_secs: i64,
    pub confirm_ttl_secs: i64,
    /// How long a deleted file's bytes are kept (so backups stay complete).
    pub blob_grace_secs: i64,
    pub max_upload_bytes: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            login_attempts: 5,
            login_window_secs: 15 * 60,
            session_ttl_secs: 14 * 24 * 3600,
            reset_ttl_secs: 3600,
            confirm_ttl_secs: 7 * 24 * 3600,
            blob_grace_secs: 24 * 3600,
            max_upload_bytes: 20 * 1024 * 1024,
        }
    }
}

/// A new session: the token for the cookie (never stored) and its expiry.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: i64,
}

pub struct RegisterInput<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub display_name: &'a str,
    pub locale: Locale,
}

/// An account's page: the user, addresses and DIDs.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub user: User,
    pub emails: Vec<EmailAddress>,
    pub dids: Vec<DidEntry>,
}

/// A PHC hash of a random password: verified against when the address is
/// unknown, so that known and unknown addresses take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3r5ZzGfaxjBmbyFHRYI0c4TOdA1A7Yw8BXyQuCgnYqI";

pub struct Accounts {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    policy: Policy,
}

impl Accounts {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
        policy: Policy,
    ) -> Self {
        Accounts {
            store,
            blobs,
            notifier,
            clock,
            policy,
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }
    pub fn now(&self) -> i64 {
        self.clock.unix()
    }

    /// Create an account. The first account of an instance is its
    /// administrator; later ones are learners. Sends a confirmation mail.
    pub async fn register(&self, input: RegisterInput<'_>) -> Result<User, DomainError> {
        let mut errors = Vec::new();
        let email = Email::parse("email", input.email)
            .map_err(|e| errors.push(e))
            .ok();
        let password = NewPassword::parse("password", input.password)
            .map_err(|e| errors.push(e))
            .ok();
        let name = DisplayName::parse("display_name", input.display_name)
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(email), Some(password), Some(name)) = (email, password, name) else {
            return Err(DomainError::Invalid(errors));
        };
        let role = if self.store.count_users().await? == 0 {
            Role::Admin
        } else {
            Role::Learner
        };
        self.create_account(
            &email,
            password.expose(),
            &name,
            role,
            Some(input.locale),
            false,
        )
        .await
    }

    /// Create an account with a given role (the demo seeding and admin tools).
    /// `confirmed` marks the primary address as confirmed.
    pub async fn create_account(
        &self,
        email: &Email,
        password: &str,
        name: &DisplayName,
        role: Role,
        locale: Option<Locale>,
        confirmed: bool,
    ) -> Result<User, DomainError> {
        let now = self.now();
        let user = User {
            id: Uuid::new_v4(),
            display_name: name.as_str().to_owned(),
            role,
            locale,
            password_hash: passwords::hash(password.to_owned()).await?,
            photo_file_id: None,
            disabled: false,
            created_at: now,
        };
        let primary = EmailAddress {
            id: Uuid::new_v4(),
            user_id: user.id,
            address: email.as_str().to_owned(),
            confirmed_at: confirmed.then_some(now),
            is_primary: true,
            created_at: now,
        };
        match self.store.insert_user(&user, &primary).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(DomainError::field("email", "email_taken")),
            Err(e) => return Err(e.into()),
        }
        if !confirmed {
            self.send_confirmation(&user, &primary).await?;
        }
        Ok(user)
    }

    async fn send_confirmation(
        &self,
        user: &User,
        email: &EmailAddress,
    ) -> Result<(), DomainError> {
        let token = random_token();
        self.store
            .insert_token(&OneTimeToken {
                token_hash: token_hash(&token),
                purpose: TokenPurpose::EmailConfirmation,
                user_id: user.id,
                subject_id: Some(email.id),
                expires_at: self.now() + self.policy.confirm_ttl_secs,
            })
            .await?;
        self.notifier
            .notify(Notification::ConfirmEmail {
                to: email.address.clone(),
                locale: user.locale.unwrap_or(Locale::En),
                token,
            })
            .await
            .map_err(DomainError::Internal)
    }

    /// Log in. After `login_attempts` failures in the window for this address
    /// or this client, every further attempt is refused with
    /// `TooManyAttempts` before the password is looked at. Known and unknown
    /// addresses get the same answer in the same time.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: &str,
    ) -> Result<(User, NewSession), DomainError> {
        let now = self.now();
        let since = now - self.policy.login_window_secs;
        let address = email.trim().to_lowercase();
        let address_key = format!("login:address:{}", hex(&sha256(address.as_bytes())));
        let client_key = format!("login:client:{client}");
        for key in [&address_key, &client_key] {
            if self.store.count_failures(key, since).await? >= self.policy.login_attempts {
                return Err(DomainError::TooManyAttempts);
            }
        }
        let user = if address.len() <= 254 && password.len() <= 4096 {
            self.store.find_user_by_login(&address).await?
        } else {
            None
        };
        let (phc, user) = match user {
            Some(u) if !u.disabled => (u.password_hash.clone(), Some(u)),
            _ => (DUMMY_HASH.to_owned(), None),
        };
        let ok = passwords::verify(password.to_owned(), phc)
            .await
            .unwrap_or(false);
        match user {
            Some(user) if ok => {
                self.store.clear_failures(&address_key).await?;
                let session = self.start_session(user.id).await?;
                Ok((user, session))
            }
            _ => {
                self.store.record_failure(&address_key, now).await?;
                self.store.record_failure(&client_key, now).await?;
                Err(DomainError::InvalidCredentials)
            }
        }
    }

    /// Start a session for an account (after login or registration).
    pub async fn start_session(&self, user_id: Uuid) -> Result<NewSession, DomainError> {
        let token = random_token();
        let now = self.now();
        let expires_at = now + self.policy.session_ttl_secs;
        self.store
            .insert_session(&Session {
                token_hash: token_hash(&token),
                user_id,
                created_at: now,
                expires_at,
            })
            .await?;
        Ok(NewSession { token, expires_at })
    }

    /// The signed-in user of a session cookie, if the session is live.
    pub async fn session_user(&self, token: &str) -> Result<Option<User>, DomainError> {
        if token.len() > 128 {
            return Ok(None);
        }
        Ok(self
            .store
            .find_session(&token_hash(token), self.now())
            .await?
            .map(|(_, u)| u))
    }

    pub async fn logout(&self, token: &str) -> Result<(), DomainError> {
        Ok(self.store.delete_session(&token_hash(token)).await?)
    }

    /// Change the password: the current one must match. Every session of the
    /// account ends; a fresh one is returned for this browser.
    pub async fn change_password(
        &self,
        user: &User,
        current: &str,
        new: &str,
    ) -> Result<NewSession, DomainError> {
        let new =
            NewPassword::parse("new_password", new).map_err(|e| DomainError::Invalid(vec![e]))?;
        if !passwords::verify(current.to_owned(), user.password_hash.clone()).await? {
            return Err(DomainError::field("current_password", "password_wrong"));
        }
        let phc = passwords::hash(new.expose().to_owned()).await?;
        self.store.update_password(user.id, &phc).await?;
        self.start_session(user.id).await
    }

    /// Send a reset link if the address belongs to an account. Answers the
    /// same either way.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), DomainError> {
        let Ok(email) = Email::parse("email", email) else {
            return Err(DomainError::field("email", "email_invalid"));
        };
        let Some(user) = self.store.find_user_by_login(email.as_str()).await? else {
            return Ok(());
        };
        if user.disabled {
            return Ok(());
        }
        let token = random_token();
        self.store
            .insert_token(&OneTimeToken {
                token_hash: token_hash(&token),
                purpose: TokenPurpose::PasswordReset,
                user_id: user.id,
                subject_id: None,
                expires_at: self.now() + self.policy.reset_ttl_secs,
            })
            .await?;
        self.notifier
            .notify(Notification::PasswordReset {
                to: email.as_str().to_owned(),
                locale: user.locale.unwrap_or(Locale::En),
                token,
            })
            .await
            .map_err(DomainError::Internal)
    }

    /// Set a new password with a reset link's token (used once). Ends every session.
    pub async fn reset_password(&self, token: &str, new: &str) -> Result<(), DomainError> {
        let new = NewPassword::parse("password", new).map_err(|e| DomainError::Invalid(vec![e]))?;
        let Some(t) = self
            .store
            .take_token(&token_hash(token), TokenPurpose::PasswordReset, self.now())
            .await?
        else {
            return Err(DomainError::TokenInvalid);
        };
        let phc = passwords::hash(new.expose().to_owned()).await?;
        self.store.update_password(t.user_id, &phc).await?;
        Ok(())
    }

    pub async fn view(&self, user: &User) -> Result<AccountView, DomainError> {
        Ok(AccountView {
            user: user.clone(),
            emails: self.store.list_emails(user.id).await?,
            dids: self.store.list_dids(user.id).await?,
        })
    }

    pub async fn update_profile(
        &self,
        user: &User,
        display_name: &str,
        locale: Option<&str>,
    ) -> Result<(), DomainError> {
        let name = DisplayName::parse("display_name", display_name)
            .map_err(|e| DomainError::Invalid(vec![e]))?;
        let locale = match locale.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(code) => Some(Locale::parse(code).ok_or(DomainError::field("locale", "invalid"))?),
        };
        Ok(self
            .store
            .update_profile(user.id, name.as_str(), locale)
            .await?)
    }

    /// Set only the interface language (the language switcher).
    pub async fn set_locale(&self, user: &User, locale: Locale) -> Result<(), DomainError> {
        Ok(self
            .store
            .update_profile(user.id, &user.display_name, Some(locale))
            .await?)
    }

    pub async fn add_email(&self, user: &User, address: &str) -> Result<EmailAddress, DomainError> {
        let email = Email::parse("email", address).map_err(|e| DomainError::Invalid(vec![e]))?;
        if self.store.list_emails(user.id).await?.len() >= 20 {
            return Err(DomainError::field("email", "too_many"));
        }
        let row = EmailAddress {
            id: Uuid::new_v4(),
            user_id: user.id,
            address: email.as_str().to_owned(),
            confirmed_at: None,
            is_primary: false,
            created_at: self.now(),
        };
        match self.store.insert_email(&row).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(DomainError::field("email", "email_taken")),
            Err(e) => return Err(e.into()),
        }
        self.send_confirmation(user, &row).await?;
        Ok(row)
    }

    pub async fn resend_confirmation(
        &self,
        user: &User,
        email_id: Uuid,
    ) -> Result<(), DomainError> {
        let email = self
            .store
            .find_email(user.id, email_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        if email.confirmed_at.is_some() {
            return Ok(());
        }
        self.send_confirmation(user, &email).await
    }

    /// Confirm an address with the mailed token (used once).
    pub async fn confirm_email(&self, token: &str) -> Result<(), DomainError> {
        let now = self.now();
        let t = self
            .store
            .take_token(&token_hash(token), TokenPurpose::EmailConfirmation, now)
            .await?
            .ok_or(DomainError::TokenInvalid)?;
        let id = t.subject_id.ok_or(DomainError::TokenInvalid)?;
        if self.store.confirm_email(t.user_id, id, now).await? {
            Ok(())
        } else {
            Err(DomainError::TokenInvalid)
        }
    }

    pub async fn delete_email(&self, user: &User, id: Uuid) -> Result<(), DomainError> {
        match self.store.find_email(user.id, id).await? {
            None => Err(DomainError::NotFound),
            Some(e) if e.is_primary => Err(DomainError::field("email", "email_primary")),
            Some(_) => {
                self.store.delete_email(user.id, id).await?;
                Ok(())
            }
        }
    }

    pub async fn make_primary(&self, user: &User, id: Uuid) -> Result<(), DomainError> {
        match self.store.find_email(user.id, id).await? {
            None => Err(DomainError::NotFound),
            Some(e) if e.confirmed_at.is_none() => {
                Err(DomainError::field("email", "email_unconfirmed"))
            }
            Some(_) => {
                self.store.set_primary_email(user.id, id).await?;
                Ok(())
            }
        }
    }

    /// Claim a DID. It is confirmed when its holder signs the challenge.
    pub async fn add_did(&self, user: &User, raw: &str) -> Result<DidEntry, DomainError> {
        let did = Did::parse("did", raw).map_err(|e| DomainError::Invalid(vec![e]))?;
        if self.store.list_dids(user.id).await?.len() >= 20 {
            return Err(DomainError::field("did", "too_many"));
        }
        let entry = DidEntry {
            id: Uuid::new_v4(),
            user_id: user.id,
            did: did.as_str().to_owned(),
            challenge: format!("backpack-did-challenge:{}", random_token()),
            confirmed_at: None,
            created_at: self.now(),
        };
        match self.store.insert_did(&entry).await {
            Ok(()) => Ok(entry),
            Err(StoreError::Conflict(_)) => Err(DomainError::field("did", "did_taken")),
            Err(e) => Err(e.into()),
        }
    }

    /// Confirm a DID: `jws` is a compact JWS whose payload is the challenge,
    /// signed by the DID's key. `did:key` is resolved offline; other methods
    /// cannot be confirmed yet and say so.
    pub async fn confirm_did(&self, user: &User, id: Uuid, jws: &str) -> Result<(), DomainError> {
        let entry = self
            .store
            .find_did(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        if !entry.did.starts_with("did:key:") {
            return Err(DomainError::field("proof", "did_method_unsupported"));
        }
        let key = backpack_crypto::did_key::public_key(&entry.did)
            .map_err(|_| DomainError::field("proof", "did_invalid"))?;
        let parsed = backpack_crypto::jose::parse_compact(jws)
            .map_err(|_| DomainError::field("proof", "proof_malformed"))?;
        if backpack_crypto::jose::verify_compact(&parsed, &key).is_err()
            || parsed.payload != entry.challenge.as_bytes()
        {
            return Err(DomainError::field("proof", "proof_invalid"));
        }
        self.store.confirm_did(user.id, id, self.now()).await?;
        Ok(())
    }

    pub async fn delete_did(&self, user: &User, id: Uuid) -> Result<(), DomainError> {
        if self.store.delete_did(user.id, id).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// Store a new profile photo (PNG, JPEG, WebP or GIF by content). The
    /// bytes are written first, then the row: a crash leaves at worst an
    /// unreferenced blob, never a row without its file.
    pub async fn set_photo(
        &self,
        user: &User,
        filename: &str,
        bytes: Bytes,
    ) -> Result<StoredFile, DomainError> {
        let kind = check_upload(&bytes, IMAGES, self.policy.max_upload_bytes)?;
        let file = self
            .store_file(user, "photo", filename, kind, bytes)
            .await?;
        self.store
            .set_photo(
                user.id,
                Some(file.id),
                self.now() + self.policy.blob_grace_secs,
            )
            .await?;
        Ok(file)
    }

    pub async fn remove_photo(&self, user: &User) -> Result<(), DomainError> {
        Ok(self
            .store
            .set_photo(user.id, None, self.now() + self.policy.blob_grace_secs)
            .await?)
    }

    async fn store_file(
        &self,
        user: &User,
        purpose: &str,
        filename: &str,
        kind: crate::files::FileKind,
        bytes: Bytes,
    ) -> Result<StoredFile, DomainError> {
        let id = Uuid::new_v4();
        let blob_key = format!("files/{}/{}", user.id, id);
        let file = StoredFile {
            id,
            user_id: user.id,
            purpose: purpose.to_owned(),
            filename: safe_filename(filename, kind),
            content_type: kind.content_type().to_owned(),
            size: i64::try_from(bytes.len()).map_err(DomainError::internal)?,
            sha256: hex(&sha256(&bytes)),
            blob_key: blob_key.clone(),
            created_at: self.now(),
        };
        self.blobs
            .put(&blob_key, bytes)
            .await
            .map_err(DomainError::Internal)?;
        self.store.insert_file(&file).await?;
        Ok(file)
    }

    /// A user's own file and its bytes.
    pub async fn download(
        &self,
        user: &User,
        id: Uuid,
    ) -> Result<(StoredFile, Bytes), DomainError> {
        let file = self
            .store
            .find_file(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let bytes = self
            .blobs
            .get(&file.blob_key)
            .await
            .map_err(DomainError::Internal)?
            .ok_or(DomainError::NotFound)?;
        Ok((file, bytes))
    }

    pub async fn delete_file(&self, user: &User, id: Uuid) -> Result<(), DomainError> {
        if user.photo_file_id == Some(id) {
            return self.remove_photo(user).await;
        }
        if self
            .store
            .delete_file(user.id, id, self.now() + self.policy.blob_grace_secs)
            .await?
        {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// Delete blobs whose grace period is over. Returns how many were deleted.
    pub async fn sweep(&self) -> Result<usize, DomainError> {
        let now = self.now();
        self.store.delete_expired(now).await?;
        let keys = self.store.due_blob_deletions(now, 500).await?;
        for key in &keys {
            self.blobs
                .delete(key)
                .await
                .map_err(DomainError::Internal)?;
            self.store.forget_blob_deletion(key).await?;
        }
        Ok(keys.len())
    }

    // --- data rights ------------------------------------------------------

    /// Everything the account holds, as one tar archive: `index.json`
    /// (the account, its addresses, DIDs, files and badges, each with its
    /// path in the archive) and every original file, byte for byte.
    pub async fn export(&self, user: &User) -> Result<Vec<u8>, DomainError> {
        let view = self.view(user).await?;
        let files = self.store.list_files(user.id).await?;
        let badges = self.store.list_badges(user.id).await?;
        let notes = self.store.list_notes(user.id, None, None).await?;
        let mut entries: Vec<(String, Bytes)> = Vec::new();
        let mut file_index = Vec::new();
        for f in &files {
            let path = format!("files/{}-{}", f.id, f.filename);
            let bytes = self
                .blobs
                .get(&f.blob_key)
                .await
                .map_err(DomainError::Internal)?
                .ok_or(DomainError::NotFound)?;
            file_index.push(serde_json::json!({
                "path": path, "purpose": f.purpose, "contentType": f.content_type,
                "size": f.size, "sha256": f.sha256, "created": unix_rfc3339(f.created_at),
            }));
            entries.push((path, bytes));
        }
        let mut badge_index = Vec::new();
        for b in &badges {
            let path = format!("badges/{}-{}", b.id, b.filename);
            let bytes = self
                .blobs
                .get(&b.blob_key)
                .await
                .map_err(DomainError::Internal)?
                .ok_or(DomainError::NotFound)?;
            let report: serde_json::Value =
                serde_json::from_str(&b.report).unwrap_or(serde_json::Value::Null);
            badge_index.push(serde_json::json!({
                "id": b.id, "area": b.source.area().code(), "keywords": b.keywords,
                "path": path, "name": b.name, "issuerName": b.issuer_name, "issuerId": b.issuer_id,
                "credentialId": b.credential_id, "description": b.description,
                "validFrom": b.valid_from, "validUntil": b.valid_until, "mediaType": b.media_type,
                "sha256": b.sha256, "imported": unix_rfc3339(b.imported_at),
                "verificationAtImport": report,
            }));
            entries.push((path, bytes));
        }
        let mut certificate_index = Vec::new();
        for c in self.store.list_certificates(user.id).await? {
            let path = format!("certificates/{}-{}", c.id, c.filename);
            let bytes = self
                .blobs
                .get(&c.blob_key)
                .await
                .map_err(DomainError::Internal)?
                .ok_or(DomainError::NotFound)?;
            certificate_index.push(serde_json::json!({
                "id": c.id, "path": path, "title": c.title, "platform": c.platform,
                "issuerName": c.issuer_name, "issuedOn": c.issued_on, "credentialId": c.credential_id,
                "verificationUrl": c.verification_url, "description": c.description, "tags": c.tags,
                "mediaType": c.media_type, "size": c.size, "sha256": c.sha256,
                "uploaded": unix_rfc3339(c.created_at), "updated": unix_rfc3339(c.updated_at),
            }));
            entries.push((path, bytes));
        }
        let mut note_index = Vec::new();
        for n in &notes {
            let mut attachments = Vec::new();
            for f in self.store.list_note_files(user.id, n.id).await? {
                let path = format!("notes/{}/{}-{}", n.id, f.id, f.filename);
                let bytes = self
                    .blobs
                    .get(&f.blob_key)
                    .await
                    .map_err(DomainError::Internal)?
                    .ok_or(DomainError::NotFound)?;
                attachments.push(serde_json::json!({
                    "path": path, "contentType": f.content_type, "size": f.size, "sha256": f.sha256,
                    "added": unix_rfc3339(f.created_at),
                }));
                entries.push((path, bytes));
            }
            let links = self.store.list_note_links(user.id, n.id).await?;
            note_index.push(serde_json::json!({
                "id": n.id, "title": n.title, "markdown": n.body, "tags": n.tags,
                "created": unix_rfc3339(n.created_at), "updated": unix_rfc3339(n.updated_at),
                "attachments": attachments,
                "about": links.iter().map(|l| serde_json::json!({"area": l.area.code(), "id": l.id})).collect::<Vec<_>>(),
            }));
        }
        let mut collection_index = Vec::new();
        for (c, _) in self.store.list_collections(user.id).await? {
            let items = self.store.collection_items(user.id, c.id).await?;
            collection_index.push(serde_json::json!({
                "id": c.id, "name": c.name, "description": c.description,
                "created": unix_rfc3339(c.created_at),
                "items": items.iter().map(|i| serde_json::json!({"area": i.area.code(), "id": i.id, "title": i.title})).collect::<Vec<_>>(),
            }));
        }
        let portfolio = match self.store.find_portfolio(user.id).await? {
            Some((doc, _)) => {
                serde_json::from_str::<serde_json::Value>(&doc).map_err(DomainError::internal)?
            }
            None => serde_json::Value::Null,
        };
        let index = serde_json::json!({
            "format": "backpack-export",
            "version": 2,
            "exported": unix_rfc3339(self.now()),
            "account": {
                "name": view.user.display_name, "role": view.user.role.as_str(),
                "language": view.user.locale.map(|l| l.code()), "created": unix_rfc3339(view.user.created_at),
                "photo": files.iter().find(|f| Some(f.id) == view.user.photo_file_id).map(|f| format!("files/{}-{}", f.id, f.filename)),
            },
            "emails": view.emails.iter().map(|e| serde_json::json!({
                "address": e.address, "primary": e.is_primary, "confirmed": e.confirmed_at.map(unix_rfc3339),
            })).collect::<Vec<_>>(),
            "dids": view.dids.iter().map(|d| serde_json::json!({
                "did": d.did, "confirmed": d.confirmed_at.map(unix_rfc3339),
            })).collect::<Vec<_>>(),
            "files": file_index,
            "badges": badge_index,
            "certificates": certificate_index,
            "notes": note_index,
            "collections": collection_index,
            "portfolio": portfolio,
        });
        let mut tar = tar::Builder::new(Vec::new());
        let mtime = u64::try_from(self.now()).unwrap_or(0);
        let mut add = |path: &str, bytes: &[u8]| {
            crate::archive::append(&mut tar, path, bytes, mtime).map_err(DomainError::internal)
        };
        add(
            "index.json",
            &serde_json::to_vec_pretty(&index).map_err(DomainError::internal)?,
        )?;
        for (path, bytes) in &entries {
            add(path, bytes)?;
        }
        tar.into_inner().map_err(DomainError::internal)
    }

    /// Delete the account for good, after checking its password: every row
    /// goes, and every file's bytes are deleted now (not after the usual
    /// grace period). The last administrator cannot delete their account.
    pub async fn delete_account(&self, user: &User, password: &str) -> Result<(), DomainError> {
        if !passwords::verify(password.to_owned(), user.password_hash.clone()).await? {
            return Err(DomainError::field("delete_password", "password_wrong"));
        }
        if user.role == Role::Admin && self.store.count_admins().await? <= 1 {
            return Err(DomainError::field("delete_password", "last_admin"));
        }
        self.store.delete_user(user.id, self.now()).await?;
        self.sweep().await?;
        Ok(())
    }

    // --- administration -------------------------------------------------

    pub async fn list_users(
        &self,
        admin: &User,
        page: i64,
    ) -> Result<Vec<UserSummary>, DomainError> {
        require_admin(admin)?;
        let page = page.max(0);
        Ok(self.store.list_users(page * 50, 50).await?)
    }

    pub async fn find_user_as_admin(
        &self,
        admin: &User,
        id: Uuid,
    ) -> Result<AccountView, DomainError> {
        require_admin(admin)?;
        let user = self
            .store
            .find_user(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        self.view(&user).await
    }

    /// Change a user's role and whether the account is disabled. An instance
    /// always keeps one enabled administrator.
    pub async fn update_user(
        &self,
        admin: &User,
        id: Uuid,
        role: &str,
        disabled: bool,
    ) -> Result<(), DomainError> {
        require_admin(admin)?;
        let role = Role::parse(role).ok_or(DomainError::field("role", "invalid"))?;
        let target = self
            .store
            .find_user(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let loses_admin =
            target.role == Role::Admin && !target.disabled && (role != Role::Admin || disabled);
        if loses_admin && self.store.count_admins().await? <= 1 {
            return Err(DomainError::field("role", "last_admin"));
        }
        self.store.update_role(id, role, disabled).await?;
        Ok(())
    }
}

fn require_admin(user: &User) -> Result<(), DomainError> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(DomainError::NotFound)
    }
}

fn unix_rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_is_a_valid_argon2id_hash() {
        // If it did not parse, unknown addresses would answer faster.
        assert!(!passwords::verify_blocking("anything", DUMMY_HASH).unwrap());
    }

    #[test]
    fn only_admins_administer() {
        let mut u = User {
            id: Uuid::nil(),
            display_name: "x".into(),
            role: Role::Learner,
            locale: None,
            password_hash: String::new(),
            photo_file_id: None,
            disabled: false,
            created_at: 0,
        };
        assert!(require_admin(&u).is_err());
        u.role = Role::Admin;
        assert!(require_admin(&u).is_ok());
    }
}
