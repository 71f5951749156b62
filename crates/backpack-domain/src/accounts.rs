//! Account use cases: register, log in and out, passwords, e-mail addresses,
//! DIDs, the profile photo and the administrator's user management.

use std::sync::Arc;

use bytes::Bytes;
use uuid::Uuid;

use crate::entities::*;
use crate::files::{check_upload, safe_filename, IMAGES};
use crate::jobs::{Job, JobSignal};
use crate::ports::{BlobStore, Clock, Notification, Store};
use crate::tokens::{hex, random_token, token_hash};
use crate::values::{Did, DisplayName, Email, Locale, NewPassword, Role};
use crate::{passwords, DomainError, StoreError, UserId};

/// Settings of the account use cases (from the server's configuration).
#[derive(Debug, Clone)]
pub struct Policy {
    /// Failed logins allowed per window for one address from one client;
    /// beyond this many failures (across accounts) a client's logins are
    /// slowed down, never refused.
    pub login_attempts: i64,
    /// Failed logins allowed per window for one address from all clients.
    pub account_attempts: i64,
    pub login_window_secs: i64,
    pub session_ttl_secs: i64,
    pub reset_ttl_secs: i64,
    /// How long a confirmation link works, and how long an unconfirmed
    /// address is kept before the sweep deletes it.
    pub confirm_ttl_secs: i64,
    /// Account mails (confirmation, reset, "someone tried to register") per
    /// hour to one address, and asked for by one client.
    pub mails_per_address: i64,
    pub mails_per_client: i64,
    /// How long a deleted file's bytes are kept (so backups stay complete).
    pub blob_grace_secs: i64,
    pub max_upload_bytes: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            login_attempts: 5,
            account_attempts: 20,
            login_window_secs: 15 * 60,
            session_ttl_secs: 14 * 24 * 3600,
            reset_ttl_secs: 3600,
            confirm_ttl_secs: 24 * 3600,
            mails_per_address: 5,
            mails_per_client: 30,
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
    /// The client asking (its address), for the mail limits.
    pub client: &'a str,
}

/// The longest a client's logins are slowed down.
const MAX_LOGIN_DELAY_SECS: u64 = 8;

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
    /// Raised when a mail was queued (wakes the job runner).
    signal: Arc<JobSignal>,
    clock: Arc<dyn Clock>,
    policy: Policy,
}

impl Accounts {
    /// Mail goes out as jobs (see [`crate::jobs`]); `signal` wakes the
    /// runner when one is queued.
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        signal: Arc<JobSignal>,
        clock: Arc<dyn Clock>,
        policy: Policy,
    ) -> Self {
        Accounts {
            store,
            blobs,
            signal,
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

    /// Create an account with an unconfirmed address and mail it a
    /// confirmation link; the account cannot log in until the address is
    /// confirmed. The first account of an instance is its administrator;
    /// later ones are learners. When a confirmed account already holds the
    /// address, nothing is created and its owner is told by mail instead:
    /// the answer is the same either way (no account enumeration), as is the
    /// work done (the password is hashed in both cases). An account holding
    /// the address unconfirmed loses it to this one.
    pub async fn register(&self, input: RegisterInput<'_>) -> Result<(), DomainError> {
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
        let may_mail = self.mail_allowed(email.as_str(), input.client).await?;
        let phc = passwords::hash(password.expose().to_owned()).await?;
        if let Some(held) = self.store.find_confirmed_email(email.as_str()).await? {
            if may_mail {
                let locale = match self.store.find_user(held.user_id).await? {
                    Some(u) => u.locale.unwrap_or(input.locale),
                    None => input.locale,
                };
                self.enqueue(&Notification::RegisterAttempt {
                    to: held.address,
                    locale,
                })
                .await?;
            }
            return Ok(());
        }
        let role = if self.store.count_users().await? == 0 {
            Role::Admin
        } else {
            Role::Learner
        };
        let (user, primary) = self
            .insert_account(&email, phc, &name, role, Some(input.locale), false)
            .await?;
        if may_mail {
            self.send_confirmation(&user, &primary).await?;
        }
        Ok(())
    }

    /// Count a mail asked for by `client` to `address` (atomically, in the
    /// database, before anything is sent). Too many from the client:
    /// `TooManyAttempts` (that says nothing about the address). Too many to
    /// the address: false, and the caller sends nothing but answers as usual.
    async fn mail_allowed(&self, address: &str, client: &str) -> Result<bool, DomainError> {
        let now = self.now();
        let since = now - 3600;
        let client_key = format!("mail:client:{client}");
        self.store.record_failure(&client_key, now).await?;
        if self.store.count_failures(&client_key, since).await? > self.policy.mails_per_client {
            return Err(DomainError::TooManyAttempts);
        }
        self.address_mail_allowed(address).await
    }

    async fn address_mail_allowed(&self, address: &str) -> Result<bool, DomainError> {
        let now = self.now();
        let key = format!(
            "mail:address:{}",
            hex(&sha256(address.trim().to_lowercase().as_bytes()))
        );
        self.store.record_failure(&key, now).await?;
        Ok(self.store.count_failures(&key, now - 3600).await? <= self.policy.mails_per_address)
    }

    /// Queue a mail (a job: see [`crate::jobs`]).
    async fn enqueue(&self, n: &Notification) -> Result<(), DomainError> {
        self.store.enqueue_jobs(&[self.mail_job(n)]).await?;
        self.signal.queued();
        Ok(())
    }

    fn mail_job(&self, n: &Notification) -> NewJob {
        Job::SendMail(n.clone()).queue(self.now())
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
        let phc = passwords::hash(password.to_owned()).await?;
        let (user, primary) = self
            .insert_account(email, phc, name, role, locale, confirmed)
            .await?;
        if !confirmed {
            self.send_confirmation(&user, &primary).await?;
        }
        Ok(user)
    }

    async fn insert_account(
        &self,
        email: &Email,
        password_hash: String,
        name: &DisplayName,
        role: Role,
        locale: Option<Locale>,
        confirmed: bool,
    ) -> Result<(User, EmailAddress), DomainError> {
        let now = self.now();
        let user = User {
            id: UserId::new(),
            display_name: name.as_str().to_owned(),
            role,
            locale,
            password_hash,
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
        Ok((user, primary))
    }

    async fn send_confirmation(
        &self,
        user: &User,
        email: &EmailAddress,
    ) -> Result<(), DomainError> {
        let token = random_token();
        let mail = self.mail_job(&Notification::ConfirmEmail {
            to: email.address.clone(),
            locale: user.locale.unwrap_or(Locale::En),
            token: token.clone(),
        });
        self.store
            .insert_token_with_job(
                &OneTimeToken {
                    token_hash: token_hash(&token),
                    purpose: TokenPurpose::EmailConfirmation,
                    user_id: user.id,
                    subject_id: Some(email.id),
                    expires_at: self.now() + self.policy.confirm_ttl_secs,
                },
                &mail,
            )
            .await?;
        self.signal.queued();
        Ok(())
    }

    /// How long to hold a login from `client` before looking at it: nothing
    /// until the client has `login_attempts` failures in the window (on any
    /// accounts), then 1, 2, 4… seconds, at most `MAX_LOGIN_DELAY_SECS`.
    /// A slow-down, never a refusal: other people behind the same address
    /// (a proxy without `client_ip_header`) still log in.
    pub async fn login_delay_secs(&self, client: &str) -> Result<u64, DomainError> {
        let since = self.now() - self.policy.login_window_secs;
        let failures = self
            .store
            .count_failures(&format!("login:client:{client}"), since)
            .await?;
        Ok(login_delay(failures, self.policy.login_attempts))
    }

    /// Log in through a confirmed address. Each attempt is recorded in the
    /// database *before* the password is looked at, then counted with the
    /// others (so parallel attempts cannot all slip under the limit, on any
    /// number of servers): beyond `login_attempts` in the window for this
    /// address from this client, or `account_attempts` from all clients, the
    /// attempt is refused with `TooManyAttempts` unchecked. Failures on other
    /// accounts never refuse a login (they slow the client down: see
    /// [`Accounts::login_delay_secs`]). Known and unknown addresses get the
    /// same answer in the same time. The right password of an account whose
    /// address is still unconfirmed gets `email_unconfirmed`.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: &str,
    ) -> Result<(User, NewSession), DomainError> {
        let now = self.now();
        let since = now - self.policy.login_window_secs;
        let address = email.trim().to_lowercase();
        let hashed = hex(&sha256(address.as_bytes()));
        let account_key = format!("login:address:{hashed}");
        let pair_key = format!("login:pair:{hashed}:{client}");
        let client_key = format!("login:client:{client}");
        // Reserve, then count including this attempt. A client's refused
        // attempts stay on its own (address, client) counter, so they do not
        // lock the account for other clients.
        self.store.record_failure(&pair_key, now).await?;
        if self.store.count_failures(&pair_key, since).await? > self.policy.login_attempts {
            return Err(DomainError::TooManyAttempts);
        }
        self.store.record_failure(&account_key, now).await?;
        if self.store.count_failures(&account_key, since).await? > self.policy.account_attempts {
            return Err(DomainError::TooManyAttempts);
        }
        let (user, pending) = if address.len() <= 254 && password.len() <= 4096 {
            match self.store.find_user_by_login(&address).await? {
                Some(u) => (Some(u), false),
                None => (
                    self.store
                        .find_pending_account(&address)
                        .await?
                        .map(|(u, _)| u),
                    true,
                ),
            }
        } else {
            (None, false)
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
                self.store.clear_failures(&pair_key).await?;
                self.store.clear_failures(&account_key).await?;
                if pending {
                    return Err(DomainError::field("email", "email_unconfirmed"));
                }
                let session = self.start_session(user.id).await?;
                Ok((user, session))
            }
            _ => {
                self.store.record_failure(&client_key, now).await?;
                Err(DomainError::InvalidCredentials)
            }
        }
    }

    /// Mail a new confirmation link to an address still being registered
    /// (the login page offers it). Answers the same whatever the address.
    pub async fn resend_registration(&self, email: &str, client: &str) -> Result<(), DomainError> {
        let Ok(email) = Email::parse("email", email) else {
            return Err(DomainError::field("email", "email_invalid"));
        };
        if !self.mail_allowed(email.as_str(), client).await? {
            return Ok(());
        }
        if let Some((user, primary)) = self.store.find_pending_account(email.as_str()).await? {
            if !user.disabled {
                self.send_confirmation(&user, &primary).await?;
            }
        }
        Ok(())
    }

    /// Start a session for an account (after login or registration).
    pub async fn start_session(&self, user_id: UserId) -> Result<NewSession, DomainError> {
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

    /// Send a reset link if the address belongs to an account (confirmed, or
    /// the primary address of an account still being registered). Answers
    /// the same either way; the mail goes out from the outbox, after the
    /// answer. At most `mails_per_address` an hour to one address.
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: &str,
    ) -> Result<(), DomainError> {
        let Ok(email) = Email::parse("email", email) else {
            return Err(DomainError::field("email", "email_invalid"));
        };
        if !self.mail_allowed(email.as_str(), client).await? {
            return Ok(());
        }
        let target = match self.store.find_confirmed_email(email.as_str()).await? {
            Some(e) => self.store.find_user(e.user_id).await?.map(|u| (u, e)),
            None => self.store.find_pending_account(email.as_str()).await?,
        };
        let Some((user, address)) = target else {
            return Ok(());
        };
        if user.disabled {
            return Ok(());
        }
        let token = random_token();
        let mail = self.mail_job(&Notification::PasswordReset {
            to: address.address.clone(),
            locale: user.locale.unwrap_or(Locale::En),
            token: token.clone(),
        });
        self.store
            .insert_token_with_job(
                &OneTimeToken {
                    token_hash: token_hash(&token),
                    purpose: TokenPurpose::PasswordReset,
                    user_id: user.id,
                    subject_id: Some(address.id),
                    expires_at: self.now() + self.policy.reset_ttl_secs,
                },
                &mail,
            )
            .await?;
        self.signal.queued();
        Ok(())
    }

    /// Set a new password with a reset link's token (used once). The link
    /// proves the mailbox: that address is confirmed, the account's other
    /// unconfirmed addresses go (and other accounts' unconfirmed claims on
    /// this one), and every session ends.
    pub async fn reset_password(&self, token: &str, new: &str) -> Result<(), DomainError> {
        let new = NewPassword::parse("password", new).map_err(|e| DomainError::Invalid(vec![e]))?;
        let now = self.now();
        let Some(t) = self
            .store
            .take_token(&token_hash(token), TokenPurpose::PasswordReset, now)
            .await?
        else {
            return Err(DomainError::TokenInvalid);
        };
        let phc = passwords::hash(new.expose().to_owned()).await?;
        match t.subject_id {
            Some(email_id) => {
                if !self
                    .store
                    .reset_through_email(t.user_id, email_id, &phc, now)
                    .await?
                {
                    return Err(DomainError::TokenInvalid);
                }
            }
            // A link mailed before addresses were recorded on reset tokens.
            None => self.store.update_password(t.user_id, &phc).await?,
        }
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
        // Unconfirmed elsewhere claims nothing; confirmed elsewhere is taken.
        if self
            .store
            .find_confirmed_email(email.as_str())
            .await?
            .is_some()
        {
            return Err(DomainError::field("email", "email_taken"));
        }
        if !self.address_mail_allowed(email.as_str()).await? {
            return Err(DomainError::TooManyAttempts);
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
        if !self.address_mail_allowed(&email.address).await? {
            return Err(DomainError::TooManyAttempts);
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

    /// Delete expired sessions, tokens and unconfirmed addresses (and the
    /// registrations never confirmed), then blobs whose grace period is
    /// over. Returns how many blobs were deleted.
    pub async fn sweep(&self) -> Result<usize, DomainError> {
        let now = self.now();
        self.store.delete_expired(now).await?;
        self.store
            .expire_unconfirmed_emails(
                now - self.policy.confirm_ttl_secs,
                now + self.policy.blob_grace_secs,
            )
            .await?;
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

    /// The job queue as an administrator sees it: counts, and the jobs that
    /// gave up (newest first) with their error.
    pub async fn job_overview(
        &self,
        admin: &User,
    ) -> Result<(JobCounts, Vec<JobRecord>), DomainError> {
        require_admin(admin)?;
        let counts = self.store.job_counts(self.now()).await?;
        let failed = self.store.jobs_with_errors(200).await?;
        Ok((counts, failed))
    }

    /// Queue a failed job again now. `NotFound` when it is not a failed job.
    pub async fn retry_job(&self, admin: &User, id: Uuid) -> Result<(), DomainError> {
        require_admin(admin)?;
        if !self.store.retry_job_now(id, self.now()).await? {
            return Err(DomainError::NotFound);
        }
        self.signal.queued();
        tracing::info!(job = %id, admin = %admin.id, "an administrator queued a failed job again");
        Ok(())
    }

    pub async fn find_user_as_admin(
        &self,
        admin: &User,
        id: UserId,
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
        id: UserId,
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

/// Seconds to hold a login from a client with `failures` recent failures.
fn login_delay(failures: i64, free: i64) -> u64 {
    let over = failures.saturating_sub(free);
    if over <= 0 {
        return 0;
    }
    let exp = u32::try_from(over - 1).unwrap_or(u32::MAX).min(16);
    (1u64 << exp).min(MAX_LOGIN_DELAY_SECS)
}

/// A notification as the JSON a `send_mail` job holds.
pub fn encode_notification(n: &Notification) -> String {
    let v = match n {
        Notification::ConfirmEmail { to, locale, token } => serde_json::json!({
            "kind": "confirm_email", "to": to, "locale": locale.code(), "token": token,
        }),
        Notification::PasswordReset { to, locale, token } => serde_json::json!({
            "kind": "password_reset", "to": to, "locale": locale.code(), "token": token,
        }),
        Notification::RegisterAttempt { to, locale } => serde_json::json!({
            "kind": "register_attempt", "to": to, "locale": locale.code(),
        }),
        Notification::CredentialIssued {
            to,
            locale,
            issuer,
            achievement,
            claim_token,
        } => serde_json::json!({
            "kind": "credential_issued", "to": to, "locale": locale.code(), "issuer": issuer,
            "achievement": achievement, "claim_token": claim_token,
        }),
    };
    v.to_string()
}

/// The notification a `send_mail` job holds; `None` when unreadable.
pub fn decode_notification(json: &str) -> Option<Notification> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    let to = s("to")?;
    let locale = Locale::parse(&s("locale")?)?;
    Some(match s("kind")?.as_str() {
        "confirm_email" => Notification::ConfirmEmail {
            to,
            locale,
            token: s("token")?,
        },
        "password_reset" => Notification::PasswordReset {
            to,
            locale,
            token: s("token")?,
        },
        "register_attempt" => Notification::RegisterAttempt { to, locale },
        "credential_issued" => Notification::CredentialIssued {
            to,
            locale,
            issuer: s("issuer")?,
            achievement: s("achievement")?,
            claim_token: s("claim_token"),
        },
        _ => return None,
    })
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
    fn the_login_delay_grows_then_stops_growing() {
        assert_eq!(login_delay(0, 5), 0);
        assert_eq!(login_delay(5, 5), 0);
        assert_eq!(login_delay(6, 5), 1);
        assert_eq!(login_delay(7, 5), 2);
        assert_eq!(login_delay(8, 5), 4);
        assert_eq!(login_delay(9, 5), 8);
        assert_eq!(login_delay(1000, 5), MAX_LOGIN_DELAY_SECS);
        assert_eq!(login_delay(i64::MAX, 5), MAX_LOGIN_DELAY_SECS);
    }

    #[test]
    fn outbox_messages_round_trip() {
        for n in [
            Notification::ConfirmEmail {
                to: "a@example.org".into(),
                locale: Locale::Fr,
                token: "t".into(),
            },
            Notification::PasswordReset {
                to: "a@example.org".into(),
                locale: Locale::En,
                token: "t".into(),
            },
            Notification::RegisterAttempt {
                to: "a@example.org".into(),
                locale: Locale::En,
            },
        ] {
            let back = decode_notification(&encode_notification(&n)).unwrap();
            assert_eq!(encode_notification(&back), encode_notification(&n));
        }
        assert!(decode_notification("{\"kind\":\"nope\"}").is_none());
    }

    #[test]
    fn only_admins_administer() {
        let mut u = User {
            id: UserId::from_uuid(Uuid::nil()),
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
