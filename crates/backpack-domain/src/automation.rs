//! Automatic awards and API access, on top of [`Issuing`]:
//! - **API tokens**: per issuer, shown once, stored as SHA-256; a token acts
//!   with its creator's rights on its own issuer only ([`ApiCaller`]);
//! - **xAPI rules and statements**: a `completed`/`passed` statement about a
//!   ruled activity (with the minimum score, if any) awards the achievement,
//!   once per learner: the award carries the key
//!   `xapi:<achievement>:<address>`, unique in the store;
//! - **stacking rules**: a learner holding every component achievement (of
//!   this issuer or other issuers on this instance, active) is awarded the
//!   target, once (`stack:<rule>:<account>`), checked after every delivery
//!   and claim; the learner's progress towards each target;
//! - **stacking consent**: another issuer's achievement is a component only
//!   if that issuer's staff allowed the rule's issuer to use it (an
//!   allow-list on the achievement, empty by default), checked when the rule
//!   is made and every time it is applied: a rule never tells its issuer who
//!   holds another issuer's credential without that issuer's consent.

use std::collections::{HashMap, HashSet};

use backpack_credentials::proof::SignSuite;
use backpack_credentials::sign::SignFormat;
use uuid::Uuid;

use crate::entities::*;
use crate::issuing::{too_long, Actor, Award, Issuing, RecipientInput};
use crate::jobs::Job;
use crate::tokens::{random_token, token_hash};
use crate::values::Role;
use crate::xapi::{self, Problem, Statement, XapiActor};
use crate::{Conflict, DomainError, FieldError, StoreError};

/// Prefix of every API token (so secret scanners can find leaked ones).
pub const TOKEN_PREFIX: &str = "bpk_";
/// Most components of a stacking rule.
pub const MAX_COMPONENTS: usize = 20;
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
    fn owner(&self) -> Uuid;
}

impl OfIssuer for Achievement {
    fn owner(&self) -> Uuid {
        self.issuer_id
    }
}
impl OfIssuer for IssuedCredential {
    fn owner(&self) -> Uuid {
        self.issuer_id
    }
}
impl OfIssuer for Batch {
    fn owner(&self) -> Uuid {
        self.issuer_id
    }
}

impl ApiCaller {
    pub fn issuer_id(&self) -> Uuid {
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

/// What one accepted statement led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementOutcome {
    pub statement_id: Uuid,
    /// `awarded`, `already_awarded`, `duplicate_statement`, `score_too_low`
    /// or `not_successful`.
    pub outcome: &'static str,
    pub credential_id: Option<Uuid>,
}

/// A learner's progress towards a stacked achievement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackProgress {
    pub rule_id: Uuid,
    pub issuer_name: String,
    pub target_id: Uuid,
    pub target_name: String,
    /// Each component: (achievement id, name, held).
    pub components: Vec<(Uuid, String, bool)>,
}

impl StackProgress {
    pub fn held(&self) -> usize {
        self.components.iter().filter(|c| c.2).count()
    }
}

/// A stacking rule with the names a page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackRuleView {
    pub rule: StackRule,
    pub target_name: String,
    /// (achievement id, name, issuer name).
    pub components: Vec<(Uuid, String, String)>,
    /// Components of other issuers whose consent was withdrawn: while any
    /// is, the rule awards nothing.
    pub not_allowed: Vec<Uuid>,
}

/// An issuer allowed to use an achievement as a stacking component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackConsent {
    pub issuer_id: Uuid,
    pub issuer_name: String,
    pub issuer_did: String,
    pub granted_at: i64,
}

impl Issuing {
    // ── API tokens ───────────────────────────────────────────────────

    /// A new token for the issuer: the stored row and the token itself
    /// (shown once).
    pub async fn create_token(
        &self,
        user: &User,
        issuer_id: Uuid,
        name: &str,
        scope: &str,
    ) -> Result<(ApiToken, String), DomainError> {
        self.issuer(user, issuer_id).await?;
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
            created_at: self.clock.unix(),
            last_used_at: None,
            revoked_at: None,
        };
        let audit = self.audit(
            issuer_id,
            &Actor::of(user),
            "token.create",
            format!("urn:uuid:{}", token.id),
            format!("{} ({}, …{})", token.name, scope.code(), token.hint),
        );
        if !self.store.insert_api_token(user.id, &token, &audit).await? {
            return Err(DomainError::NotFound);
        }
        Ok((token, secret))
    }

    pub async fn tokens(&self, user: &User, issuer_id: Uuid) -> Result<Vec<ApiToken>, DomainError> {
        self.issuer(user, issuer_id).await?;
        Ok(self.store.list_api_tokens(user.id, issuer_id).await?)
    }

    pub async fn revoke_token(
        &self,
        user: &User,
        issuer_id: Uuid,
        token_id: Uuid,
    ) -> Result<(), DomainError> {
        let token = self
            .tokens(user, issuer_id)
            .await?
            .into_iter()
            .find(|t| t.id == token_id)
            .ok_or(DomainError::NotFound)?;
        let audit = self.audit(
            issuer_id,
            &Actor::of(user),
            "token.revoke",
            format!("urn:uuid:{}", token.id),
            format!("{} (…{})", token.name, token.hint),
        );
        if !self
            .store
            .revoke_api_token(user.id, issuer_id, token_id, self.clock.unix(), &audit)
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
            .store
            .api_token_by_hash(&token_hash(secret))
            .await?
            .filter(|t| t.revoked_at.is_none())
            .filter(|t| t.scope == TokenScope::Api || t.scope == needed)
            .ok_or(DomainError::InvalidCredentials)?;
        let mut user = self
            .store
            .find_user(token.created_by)
            .await?
            .filter(|u| !u.disabled && matches!(u.role, Role::IssuerStaff | Role::Admin))
            .ok_or(DomainError::InvalidCredentials)?;
        if self
            .store
            .find_issuer(user.id, token.issuer_id)
            .await?
            .is_none()
        {
            return Err(DomainError::InvalidCredentials);
        }
        let now = self.clock.unix();
        if token
            .last_used_at
            .is_none_or(|t| now - t >= TOUCH_EVERY_SECS)
        {
            self.store.touch_api_token(token.id, now).await?;
        }
        user.display_name = format!("{} (API token “{}”)", user.display_name, token.name);
        Ok(ApiCaller { token, user })
    }

    // ── xAPI ─────────────────────────────────────────────────────────

    /// Add a rule: statements about `activity` award `achievement_id`.
    pub async fn save_xapi_rule(
        &self,
        user: &User,
        issuer_id: Uuid,
        activity: &str,
        achievement_id: Option<Uuid>,
        min_score: Option<&str>,
    ) -> Result<XapiRule, DomainError> {
        let issuer = self.issuer(user, issuer_id).await?;
        let mut errors = Vec::new();
        let activity = activity.trim();
        if activity.is_empty() {
            errors.push(FieldError::new("activity", "required"));
        } else if !xapi::is_iri(activity) {
            errors.push(FieldError::new("activity", "invalid_iri"));
        }
        let min_score = match min_score.map(str::trim) {
            None | Some("") => None,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (0..=100).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new("min_score", "out_of_range"));
                    None
                }
            },
        };
        let achievement = match achievement_id {
            None => {
                errors.push(FieldError::new("achievement_id", "required"));
                None
            }
            Some(id) => match self.achievement(user, id).await {
                Ok(a) if a.issuer_id == issuer.id => {
                    if !Self::missing(&issuer, &a).is_empty() {
                        errors.push(FieldError::new("achievement_id", "eu_incomplete"));
                    }
                    Some(a)
                }
                _ => {
                    errors.push(FieldError::new("achievement_id", "required"));
                    None
                }
            },
        };
        let Some(achievement) = achievement.filter(|_| errors.is_empty()) else {
            return Err(DomainError::Invalid(errors));
        };
        let rule = XapiRule {
            id: Uuid::new_v4(),
            issuer_id,
            activity: activity.to_owned(),
            achievement_id: achievement.id,
            min_score,
            created_at: self.clock.unix(),
        };
        let audit = self.audit(
            issuer_id,
            &Actor::of(user),
            "xapi_rule.create",
            format!("urn:uuid:{}", rule.id),
            format!(
                "{} → {}{}",
                rule.activity,
                achievement.spec.name,
                min_score.map_or(String::new(), |m| format!(" (≥ {m}%)"))
            ),
        );
        match self.store.insert_xapi_rule(user.id, &rule, &audit).await {
            Ok(true) => Ok(rule),
            Ok(false) => Err(DomainError::NotFound),
            Err(StoreError::Conflict(_)) => Err(DomainError::field("activity", "taken")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete_xapi_rule(
        &self,
        user: &User,
        issuer_id: Uuid,
        rule_id: Uuid,
    ) -> Result<(), DomainError> {
        let rule = self
            .xapi_rules(user, issuer_id)
            .await?
            .into_iter()
            .find(|r| r.id == rule_id)
            .ok_or(DomainError::NotFound)?;
        let audit = self.audit(
            issuer_id,
            &Actor::of(user),
            "xapi_rule.delete",
            format!("urn:uuid:{}", rule.id),
            rule.activity.clone(),
        );
        if !self
            .store
            .delete_xapi_rule(user.id, issuer_id, rule_id, &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        Ok(())
    }

    pub async fn xapi_rules(
        &self,
        user: &User,
        issuer_id: Uuid,
    ) -> Result<Vec<XapiRule>, DomainError> {
        self.issuer(user, issuer_id).await?;
        Ok(self.store.list_xapi_rules(user.id, issuer_id).await?)
    }

    /// The newest statements received, with what came of each.
    pub async fn statements(
        &self,
        user: &User,
        issuer_id: Uuid,
        limit: i64,
    ) -> Result<Vec<XapiStatementRecord>, DomainError> {
        self.issuer(user, issuer_id).await?;
        Ok(self
            .store
            .list_xapi_statements(user.id, issuer_id, limit.clamp(1, 1000))
            .await?)
    }

    /// Take statements for the caller's issuer. Every statement is checked
    /// first (a known activity, a learner the award can go to); any problem
    /// refuses them all and nothing is issued. Then each is awarded once per
    /// learner and achievement, and recorded once per statement id.
    pub async fn receive_statements(
        &self,
        caller: &ApiCaller,
        statements: Vec<Statement>,
    ) -> Result<Result<Vec<StatementOutcome>, Vec<Problem>>, DomainError> {
        let issuer_id = caller.issuer_id();
        let issuer = self
            .store
            .find_issuer_public(issuer_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let activities: Vec<String> = statements.iter().map(|s| s.activity.clone()).collect();
        let rules: HashMap<String, XapiRule> = self
            .store
            .xapi_rules_for(issuer_id, &activities)
            .await?
            .into_iter()
            .map(|r| (r.activity.clone(), r))
            .collect();
        let ids: Vec<Uuid> = statements.iter().filter_map(|s| s.id).collect();
        let known: HashSet<Uuid> = self
            .store
            .known_statements(issuer_id, &ids)
            .await?
            .into_iter()
            .collect();

        // Check everything before issuing anything.
        let mut problems = Vec::new();
        let mut plans = Vec::with_capacity(statements.len());
        for (i, s) in statements.iter().enumerate() {
            let Some(rule) = rules.get(&s.activity) else {
                problems.push(Problem {
                    index: i,
                    code: "unknown_activity",
                    detail: format!(
                        "no rule of this issuer awards anything for activity {}",
                        s.activity
                    ),
                });
                continue;
            };
            match self.actor_address(&s.actor).await? {
                Ok(address) => plans.push((s, rule, address)),
                Err(p) => problems.push(Problem { index: i, ..p }),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }

        let now = self.clock.unix();
        let mut outcomes = Vec::with_capacity(plans.len());
        // Per achievement, the awards to make in statement order: (the
        // statement's index, the award key, the address).
        type Planned = (usize, String, String);
        let mut to_award: Vec<(Uuid, Vec<Planned>)> = Vec::new();
        for (s, rule, address) in &plans {
            let statement_id = s.id.unwrap_or_else(Uuid::new_v4);
            let outcome = if known.contains(&statement_id) {
                "duplicate_statement"
            } else if s.success == Some(false) {
                "not_successful"
            } else if rule
                .min_score
                .is_some_and(|m| s.score.is_none_or(|score| score + 1e-9 < m as f64))
            {
                "score_too_low"
            } else {
                "awarded"
            };
            if outcome == "awarded" {
                let item = (
                    outcomes.len(),
                    award_key_xapi(rule.achievement_id, address),
                    address.clone(),
                );
                match to_award.iter_mut().find(|(a, _)| *a == rule.achievement_id) {
                    Some((_, list)) => list.push(item),
                    None => to_award.push((rule.achievement_id, vec![item])),
                }
            }
            outcomes.push(StatementOutcome {
                statement_id,
                outcome,
                credential_id: None,
            });
        }

        let actor = Actor {
            user_id: Some(caller.user().id),
            name: format!("xAPI · {}", caller.user().display_name),
        };
        for (achievement_id, list) in &to_award {
            let achievement = self
                .store
                .public_achievement(*achievement_id)
                .await?
                .ok_or(DomainError::NotFound)?;
            if !Self::missing(&issuer, &achievement).is_empty() {
                return Err(DomainError::field("achievement_id", "eu_incomplete"));
            }
            let mut awards = Vec::new();
            for (_, key, address) in list {
                let (recipient, account) = self
                    .recipient_of(&RecipientInput::Email(address.clone()))
                    .await?;
                awards.push(Award {
                    recipient,
                    account,
                    name: None,
                    grade: None,
                    format: SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
                    source: "xapi",
                    batch: None,
                    key: Some(key.clone()),
                });
            }
            let key = self.signing_key(&issuer).await?;
            let fresh: HashSet<String> = self
                .issue_all(&issuer, &achievement, &key, &actor, awards)
                .await?
                .into_iter()
                .filter_map(|c| c.award_key)
                .collect();
            let keys: Vec<String> = list.iter().map(|(_, k, _)| k.clone()).collect();
            let made: HashMap<String, IssuedCredential> = self
                .store
                .issued_by_keys(&keys)
                .await?
                .into_iter()
                .filter_map(|c| c.award_key.clone().map(|k| (k, c)))
                .collect();
            let mut first = HashSet::new();
            for (index, key, _) in list {
                let o = &mut outcomes[*index];
                o.credential_id = made.get(key).map(|c| c.id);
                // Awarded by this request (its first statement for the key),
                // or before.
                if !(fresh.contains(key) && first.insert(key.clone())) {
                    o.outcome = "already_awarded";
                }
            }
        }

        let records: Vec<XapiStatementRecord> = plans
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| o.outcome != "duplicate_statement")
            .map(|((s, _, _), o)| XapiStatementRecord {
                issuer_id,
                statement_id: o.statement_id,
                received_at: now,
                verb: s.verb.iri().to_owned(),
                actor: s.actor.label(),
                activity: s.activity.clone(),
                outcome: o.outcome.to_owned(),
                issued_id: o.credential_id,
            })
            .collect();
        self.store.insert_xapi_statements(&records).await?;
        Ok(Ok(outcomes))
    }

    /// The address an award for this actor goes to: the `mbox`; an account
    /// of this instance (`homePage` = the public URL, `name` = the account
    /// id) by its confirmed primary address; another system's account whose
    /// name is an address.
    async fn actor_address(
        &self,
        actor: &XapiActor,
    ) -> Result<Result<String, Problem>, DomainError> {
        let unmapped = |detail: String| Problem {
            index: 0,
            code: "unknown_learner",
            detail,
        };
        match actor {
            XapiActor::Mbox(a) => Ok(Ok(a.clone())),
            XapiActor::Account { home_page, name } if home_page == self.public_url() => {
                let Ok(id) = Uuid::parse_str(name) else {
                    return Ok(Err(unmapped(format!(
                        "account name {name:?} is not an account id of this instance"
                    ))));
                };
                match self.primary_address(id).await? {
                    Some(a) => Ok(Ok(a)),
                    None => Ok(Err(unmapped(format!(
                        "no account {id} with a confirmed address on this instance"
                    )))),
                }
            }
            XapiActor::Account { home_page, name } => {
                match crate::values::Email::parse("actor", name) {
                    Ok(e) => Ok(Ok(e.as_str().to_owned())),
                    Err(_) => Ok(Err(unmapped(format!(
                        "the account {name:?} of {home_page} names no e-mail address: send mbox, \
                         or an account whose name is the learner's address"
                    )))),
                }
            }
        }
    }

    /// An account's confirmed primary address (or another confirmed one).
    async fn primary_address(&self, user_id: Uuid) -> Result<Option<String>, DomainError> {
        let Some(user) = self.store.find_user(user_id).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        let mut emails = self.store.list_emails(user_id).await?;
        emails.retain(|e| e.confirmed_at.is_some());
        emails.sort_by_key(|e| !e.is_primary);
        Ok(emails.into_iter().next().map(|e| e.address))
    }

    // ── stacking ─────────────────────────────────────────────────────

    /// Add a rule: holding every component earns `target` (also for the
    /// learners who hold them all already: see [`Issuing::apply_stack_rule`]).
    pub async fn save_stack_rule(
        &self,
        user: &User,
        issuer_id: Uuid,
        target: Option<Uuid>,
        components: &[String],
    ) -> Result<StackRule, DomainError> {
        let issuer = self.issuer(user, issuer_id).await?;
        let mut errors = Vec::new();
        let target = match target {
            None => None,
            Some(id) => self
                .achievement(user, id)
                .await
                .ok()
                .filter(|a| a.issuer_id == issuer.id),
        };
        match &target {
            None => errors.push(FieldError::new("achievement_id", "required")),
            Some(a) if !Self::missing(&issuer, a).is_empty() => {
                errors.push(FieldError::new("achievement_id", "eu_incomplete"))
            }
            Some(_) => {}
        }
        let mut unique: Vec<Uuid> = Vec::new();
        let mut unknown = false;
        for c in components
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            match self.achievement_ref(c) {
                Some(id) if !unique.contains(&id) => unique.push(id),
                Some(_) => {}
                None => unknown = true,
            }
        }
        if unknown {
            errors.push(FieldError::new("components", "unknown_achievement"));
        } else if unique.is_empty() {
            errors.push(FieldError::new("components", "required"));
        } else if unique.len() > MAX_COMPONENTS {
            errors.push(FieldError::new("components", "too_many"));
        } else if target.as_ref().is_some_and(|t| unique.contains(&t.id)) {
            errors.push(FieldError::new("components", "includes_target"));
        } else {
            for c in &unique {
                if self.store.public_achievement(*c).await?.is_none() {
                    errors.push(FieldError::new("components", "unknown_achievement"));
                    break;
                }
                // Another issuer's achievement: only with its consent.
                if !self.store.stacking_allowed(*c, issuer.id).await? {
                    errors.push(FieldError::new(
                        "components",
                        "stacking_component_not_allowed",
                    ));
                    break;
                }
            }
        }
        let Some(target) = target.filter(|_| errors.is_empty()) else {
            return Err(DomainError::Invalid(errors));
        };
        let rule = StackRule {
            id: Uuid::new_v4(),
            issuer_id,
            achievement_id: target.id,
            components: unique,
            created_at: self.clock.unix(),
        };
        let audit = self.audit(
            issuer_id,
            &Actor::of(user),
            "stack_rule.create",
            format!("urn:uuid:{}", rule.id),
            format!(
                "{} ← {} components",
                target.spec.name,
                rule.components.len()
            ),
        );
        let job = Job::ApplyStackRule { rule_id: rule.id }.queue(self.clock.unix());
        match self
            .store
            .insert_stack_rule(user.id, &rule, &audit, &job)
            .await
        {
            Ok(true) => {
                self.signal.queued();
                Ok(rule)
            }
            Ok(false) => Err(DomainError::NotFound),
            // Consent withdrawn between the check and the insert.
            Err(StoreError::Conflict(Conflict::ComponentNotAllowed)) => Err(DomainError::field(
                "components",
                "stacking_component_not_allowed",
            )),
            Err(StoreError::Conflict(_)) => Err(DomainError::field("achievement_id", "taken")),
            Err(e) => Err(e.into()),
        }
    }

    /// Award a new rule's target to the learners who already hold every
    /// component (the job queued with the rule: one account after another,
    /// each award once, so a second run awards nothing new).
    pub(crate) async fn apply_stack_rule(&self, rule_id: Uuid) -> Result<(), DomainError> {
        let Some(rule) = self.store.find_stack_rule(rule_id).await? else {
            return Ok(());
        };
        let Some(first) = rule.components.first().copied() else {
            return Ok(());
        };
        let holders = self.store.holders_of(first).await?;
        for part in holders.chunks(200) {
            let delivered: Vec<(Uuid, Uuid)> = part.iter().map(|u| (*u, first)).collect();
            self.award_stacks(&delivered).await?;
        }
        Ok(())
    }

    pub async fn delete_stack_rule(
        &self,
        user: &User,
        issuer_id: Uuid,
        rule_id: Uuid,
    ) -> Result<(), DomainError> {
        self.issuer(user, issuer_id).await?;
        let audit = self.audit(
            issuer_id,
            &Actor::of(user),
            "stack_rule.delete",
            format!("urn:uuid:{rule_id}"),
            String::new(),
        );
        if !self
            .store
            .delete_stack_rule(user.id, issuer_id, rule_id, &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        Ok(())
    }

    pub async fn stack_rules(
        &self,
        user: &User,
        issuer_id: Uuid,
    ) -> Result<Vec<StackRuleView>, DomainError> {
        self.issuer(user, issuer_id).await?;
        let rules = self.store.list_stack_rules(user.id, issuer_id).await?;
        let mut names = Names::default();
        let mut out = Vec::with_capacity(rules.len());
        for rule in rules {
            let target_name = names.achievement(self, rule.achievement_id).await?.0;
            let mut components = Vec::new();
            let mut not_allowed = Vec::new();
            for c in &rule.components {
                let (name, issuer) = names.achievement(self, *c).await?;
                components.push((*c, name, issuer));
                if !self.store.stacking_allowed(*c, rule.issuer_id).await? {
                    not_allowed.push(*c);
                }
            }
            out.push(StackRuleView {
                rule,
                target_name,
                components,
                not_allowed,
            });
        }
        Ok(out)
    }

    /// The learner's progress towards every stacked achievement they hold a
    /// component of and have not earned yet.
    pub async fn stack_progress(&self, user: &User) -> Result<Vec<StackProgress>, DomainError> {
        let held = self.held(user.id).await?;
        let ids: Vec<Uuid> = held.iter().copied().collect();
        let rules = self.store.stack_rules_with_components(&ids).await?;
        let mut names = Names::default();
        let mut out = Vec::new();
        for rule in rules {
            if held.contains(&rule.achievement_id) {
                continue;
            }
            let (target_name, issuer_name) = names.achievement(self, rule.achievement_id).await?;
            let mut components = Vec::new();
            for c in &rule.components {
                let name = names.achievement(self, *c).await?.0;
                components.push((*c, name, held.contains(c)));
            }
            out.push(StackProgress {
                rule_id: rule.id,
                issuer_name,
                target_id: rule.achievement_id,
                target_name,
                components,
            });
        }
        Ok(out)
    }

    // ── stacking consent ─────────────────────────────────────────────

    /// The issuers allowed to use one of the user's issuers' achievements as
    /// a stacking component.
    pub async fn stack_consents(
        &self,
        user: &User,
        achievement_id: Uuid,
    ) -> Result<Vec<StackConsent>, DomainError> {
        self.achievement(user, achievement_id).await?;
        Ok(self
            .store
            .stack_consents(user.id, achievement_id)
            .await?
            .into_iter()
            .map(|(i, at)| StackConsent {
                issuer_id: i.id,
                issuer_name: i.profile.name,
                issuer_did: i.did,
                granted_at: at,
            })
            .collect())
    }

    /// An issuer of this instance named by its DID, the URL of its DID
    /// document, or its slug.
    pub async fn issuer_ref(&self, s: &str) -> Result<Option<Issuer>, DomainError> {
        let s = s.trim();
        if s.is_empty() || s.len() > 500 {
            return Ok(None);
        }
        if s.starts_with("did:") {
            return Ok(self.store.issuer_by_did(s).await?);
        }
        let slug = s
            .strip_prefix(&format!("{}/issuers/", self.public_url()))
            .map(|r| r.trim_end_matches("/did.json").trim_end_matches('/'))
            .unwrap_or(s);
        if slug.contains('/') {
            return Ok(None);
        }
        Ok(self.store.issuer_by_slug(slug).await?)
    }

    /// Allow another issuer (see [`Issuing::issuer_ref`]) to use the
    /// achievement as a stacking component: its rules may then award to
    /// learners holding it, including those who hold it already, and so
    /// learn who they are. Audit-logged (by the achievement's issuer).
    pub async fn allow_stacking(
        &self,
        user: &User,
        achievement_id: Uuid,
        issuer: &str,
    ) -> Result<StackConsent, DomainError> {
        let a = self.achievement(user, achievement_id).await?;
        let Some(other) = self.issuer_ref(issuer).await? else {
            return Err(DomainError::field("issuer", "unknown_issuer"));
        };
        if other.id == a.issuer_id {
            return Err(DomainError::field("issuer", "own_issuer"));
        }
        let now = self.clock.unix();
        let audit = self.audit(
            a.issuer_id,
            &Actor::of(user),
            "stack_consent.grant",
            a.spec.id.clone(),
            format!("{} ({})", other.profile.name, other.did),
        );
        if !self
            .store
            .set_stack_consent(user.id, a.id, other.id, Some(now), &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        Ok(StackConsent {
            issuer_id: other.id,
            issuer_name: other.profile.name,
            issuer_did: other.did,
            granted_at: now,
        })
    }

    /// Withdraw an issuer's consent: its rules using the achievement stop
    /// awarding (what they awarded stays). Audit-logged.
    pub async fn disallow_stacking(
        &self,
        user: &User,
        achievement_id: Uuid,
        issuer_id: Uuid,
    ) -> Result<(), DomainError> {
        let a = self.achievement(user, achievement_id).await?;
        let other = self
            .stack_consents(user, achievement_id)
            .await?
            .into_iter()
            .find(|c| c.issuer_id == issuer_id)
            .ok_or(DomainError::NotFound)?;
        let audit = self.audit(
            a.issuer_id,
            &Actor::of(user),
            "stack_consent.withdraw",
            a.spec.id.clone(),
            format!("{} ({})", other.issuer_name, other.issuer_did),
        );
        if !self
            .store
            .set_stack_consent(user.id, a.id, issuer_id, None, &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        Ok(())
    }

    /// An achievement named by its id, or by its URL on this instance
    /// (`<public_url>/achievements/<id>`).
    pub fn achievement_ref(&self, s: &str) -> Option<Uuid> {
        let s = s.trim();
        let id = match s.strip_prefix(&format!("{}/achievements/", self.public_url())) {
            Some(rest) => rest.trim_end_matches('/'),
            None => s.strip_prefix("urn:uuid:").unwrap_or(s),
        };
        Uuid::parse_str(id).ok()
    }

    /// Achievements the account holds: credentials of this instance
    /// delivered to it and neither revoked nor suspended.
    async fn held(&self, user_id: Uuid) -> Result<HashSet<Uuid>, DomainError> {
        Ok(self
            .store
            .issued_to(user_id)
            .await?
            .into_iter()
            .filter(|c| c.state == CredentialState::Active)
            .map(|c| c.achievement_id)
            .collect())
    }

    /// After credentials reached accounts: award every stacked achievement
    /// whose components they now all hold. Each award is keyed, so it is
    /// made once; its own delivery is a job, which checks the rules again
    /// (a stack of stacks ends because every award is made once).
    pub(crate) async fn award_stacks(&self, delivered: &[(Uuid, Uuid)]) -> Result<(), DomainError> {
        let mut achievements: Vec<Uuid> = delivered.iter().map(|d| d.1).collect();
        achievements.sort();
        achievements.dedup();
        let rules = self
            .store
            .stack_rules_with_components(&achievements)
            .await?;
        if rules.is_empty() {
            return Ok(());
        }
        let mut users: Vec<Uuid> = delivered.iter().map(|d| d.0).collect();
        users.sort();
        users.dedup();
        for user_id in users {
            let held = self.held(user_id).await?;
            for rule in &rules {
                if held.contains(&rule.achievement_id)
                    || !rule.components.iter().all(|c| held.contains(c))
                {
                    continue;
                }
                let Some(address) = self.primary_address(user_id).await? else {
                    continue;
                };
                let Some(issuer) = self.store.find_issuer_public(rule.issuer_id).await? else {
                    continue;
                };
                let Some(achievement) = self.store.public_achievement(rule.achievement_id).await?
                else {
                    continue;
                };
                if !Self::missing(&issuer, &achievement).is_empty() {
                    tracing::warn!(rule = %rule.id, "stacking rule's achievement is incomplete: not awarded");
                    continue;
                }
                let (recipient, account) =
                    self.recipient_of(&RecipientInput::Email(address)).await?;
                let key = self.signing_key(&issuer).await?;
                let actor = Actor {
                    user_id: None,
                    name: "Stacking rule".into(),
                };
                self.issue_all(
                    &issuer,
                    &achievement,
                    &key,
                    &actor,
                    vec![Award {
                        recipient,
                        account,
                        name: None,
                        grade: None,
                        format: SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
                        source: "stacking",
                        batch: None,
                        key: Some(format!("stack:{}:{user_id}", rule.id)),
                    }],
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// The award key of an xAPI award: one per achievement and learner.
pub fn award_key_xapi(achievement_id: Uuid, address: &str) -> String {
    format!("xapi:{achievement_id}:{address}")
}

/// Achievement and issuer names, looked up once.
#[derive(Default)]
struct Names {
    achievements: HashMap<Uuid, (String, String)>,
    issuers: HashMap<Uuid, String>,
}

impl Names {
    async fn achievement(
        &mut self,
        issuing: &Issuing,
        id: Uuid,
    ) -> Result<(String, String), DomainError> {
        if let Some(n) = self.achievements.get(&id) {
            return Ok(n.clone());
        }
        let Some(a) = issuing.store.public_achievement(id).await? else {
            return Ok(("?".into(), "?".into()));
        };
        let issuer = match self.issuers.get(&a.issuer_id) {
            Some(n) => n.clone(),
            None => {
                let n = issuing
                    .store
                    .find_issuer_public(a.issuer_id)
                    .await?
                    .map_or_else(|| "?".into(), |i| i.profile.name);
                self.issuers.insert(a.issuer_id, n.clone());
                n
            }
        };
        let out = (a.spec.name, issuer);
        self.achievements.insert(id, out.clone());
        Ok(out)
    }
}
