//! API tokens: per issuer, shown once, stored as SHA-256; a token acts
//! with its creator's rights on its own issuer only ([`ApiCaller`]).

use super::*;

/// Prefix of every API token (so secret scanners can find leaked ones).
pub const TOKEN_PREFIX: &str = "bpk_";
/// How often a token's "last used" is written, at most.
const TOUCH_EVERY_SECS: i64 = 60;

/// A request authenticated by an API token: the token and its creator, whose
/// display name names the token (so the audit log says which one acted).
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub token: ApiToken,
    user: User,
}

/// Objects that belong to one issuer.
pub trait OfIssuer {
    fn owner(&self) -> IssuerId;
}

impl OfIssuer for Achievement {
    fn owner(&self) -> IssuerId {
        self.issuer_id
    }
}
impl OfIssuer for IssuedCredential {
    fn owner(&self) -> IssuerId {
        self.issuer_id
    }
}
impl OfIssuer for Batch {
    fn owner(&self) -> IssuerId {
        self.issuer_id
    }
}

impl ApiCaller {
    pub fn issuer_id(&self) -> IssuerId {
        self.token.issuer_id
    }

    /// The user the token acts as (its creator, named after the token).
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The object, if it is the token's issuer's; "absent" otherwise (the
    /// creator may be a member of other issuers: the token is not).
    pub fn scoped<T: OfIssuer>(&self, object: T) -> Result<T, DomainError> {
        if object.owner() == self.token.issuer_id {
            Ok(object)
        } else {
            Err(DomainError::NotFound)
        }
    }
}

/// API tokens.
pub struct ApiTokens {
    pub(super) core: Arc<Core>,
}

impl ApiTokens {
    /// A new token for the issuer: the stored row and the token itself
    /// (shown once).
    pub async fn create_token(
        &self,
        user: &User,
        issuer_id: IssuerId,
        name: &str,
        scope: &str,
    ) -> Result<(ApiToken, String), DomainError> {
        self.core.issuer(user, issuer_id).await?;
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "required"));
        } else if too_long(name, 100) || name.chars().any(char::is_control) {
            errors.push(FieldError::new("name", "too_long"));
        }
        let scope = TokenScope::parse(scope.trim());
        if scope.is_none() {
            errors.push(FieldError::new("scope", "invalid"));
        }
        let Some(scope) = scope.filter(|_| errors.is_empty()) else {
            return Err(DomainError::Invalid(errors));
        };
        let secret = format!("{TOKEN_PREFIX}{}", random_token());
        let token = ApiToken {
            id: Uuid::new_v4(),
            issuer_id,
            name: name.to_owned(),
            scope,
            token_hash: token_hash(&secret),
            hint: secret[secret.len() - 4..].to_owned(),
            created_by: user.id,
            created_by_name: user.display_name.clone(),
            created_at: self.core.clock.unix(),
            last_used_at: None,
            revoked_at: None,
        };
        let audit = self.core.audit(
            issuer_id,
            &Actor::of(user),
            "token.create",
            format!("urn:uuid:{}", token.id),
            format!("{} ({}, …{})", token.name, scope.code(), token.hint),
        );
        if !self
            .core
            .store
            .insert_api_token(user.id, &token, &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        Ok((token, secret))
    }

    pub async fn tokens(
        &self,
        user: &User,
        issuer_id: IssuerId,
    ) -> Result<Vec<ApiToken>, DomainError> {
        self.core.issuer(user, issuer_id).await?;
        Ok(self.core.store.list_api_tokens(user.id, issuer_id).await?)
    }

    pub async fn revoke_token(
        &self,
        user: &User,
        issuer_id: IssuerId,
        token_id: Uuid,
    ) -> Result<(), DomainError> {
        let token = self
            .tokens(user, issuer_id)
            .await?
            .into_iter()
            .find(|t| t.id == token_id)
            .ok_or(DomainError::NotFound)?;
        let audit = self.core.audit(
            issuer_id,
            &Actor::of(user),
            "token.revoke",
            format!("urn:uuid:{}", token.id),
            format!("{} (…{})", token.name, token.hint),
        );
        if !self
            .core
            .store
            .revoke_api_token(user.id, issuer_id, token_id, self.core.clock.unix(), &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        Ok(())
    }

    /// The caller a token authenticates, if it is live, allows `needed`,
    /// and its creator is still an enabled member of its issuer. Any
    /// failure is `InvalidCredentials` (the reason is not told).
    pub async fn authenticate(
        &self,
        secret: &str,
        needed: TokenScope,
    ) -> Result<ApiCaller, DomainError> {
        let secret = secret.trim();
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Err(DomainError::InvalidCredentials);
        }
        let token = self
            .core
            .store
            .api_token_by_hash(&token_hash(secret))
            .await?
            .filter(|t| t.revoked_at.is_none())
            .filter(|t| t.scope == TokenScope::Api || t.scope == needed)
            .ok_or(DomainError::InvalidCredentials)?;
        let mut user = self
            .core
            .store
            .find_user(token.created_by)
            .await?
            .filter(|u| !u.disabled && matches!(u.role, Role::IssuerStaff | Role::Admin))
            .ok_or(DomainError::InvalidCredentials)?;
        if self
            .core
            .store
            .find_issuer(user.id, token.issuer_id)
            .await?
            .is_none()
        {
            return Err(DomainError::InvalidCredentials);
        }
        let now = self.core.clock.unix();
        if token
            .last_used_at
            .is_none_or(|t| now - t >= TOUCH_EVERY_SECS)
        {
            self.core.store.touch_api_token(token.id, now).await?;
        }
        user.display_name = format!("{} (API token “{}”)", user.display_name, token.name);
        Ok(ApiCaller { token, user })
    }
}
