//! Stacking rules: a learner holding every component achievement (of this
//! issuer or other issuers on this instance, active) is awarded the target,
//! once (`stack:<rule>:<account>`), checked after every delivery and claim;
//! the learner's progress towards each target.
//!
//! Stacking consent: another issuer's achievement is a component only if
//! that issuer's staff allowed the rule's issuer to use it (an allow-list on
//! the achievement, empty by default), checked when the rule is made and
//! every time it is applied: a rule never tells its issuer who holds another
//! issuer's credential without that issuer's consent.

use super::*;
use std::collections::{HashMap, HashSet};

use backpack_credentials::proof::SignSuite;

/// Most components of a stacking rule.
pub const MAX_COMPONENTS: usize = 20;
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
    pub issuer_id: IssuerId,
    pub issuer_name: String,
    pub issuer_did: String,
    pub granted_at: i64,
}

/// Stacking rules, consents and progress.
pub struct Stacking {
    pub(super) core: Arc<Core>,
}

impl Core {
    /// An account's confirmed primary address (or another confirmed one).
    pub(crate) async fn primary_address(
        &self,
        user_id: UserId,
    ) -> Result<Option<String>, DomainError> {
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
            let delivered: Vec<(UserId, Uuid)> = part.iter().map(|u| (*u, first)).collect();
            self.award_stacks(&delivered).await?;
        }
        Ok(())
    }

    /// Achievements the account holds: credentials of this instance
    /// delivered to it and neither revoked nor suspended.
    pub(crate) async fn held(&self, user_id: UserId) -> Result<HashSet<Uuid>, DomainError> {
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
    pub(crate) async fn award_stacks(
        &self,
        delivered: &[(UserId, Uuid)],
    ) -> Result<(), DomainError> {
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
        let mut users: Vec<UserId> = delivered.iter().map(|d| d.0).collect();
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
                if !Issuing::missing(&issuer, &achievement).is_empty() {
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

impl Stacking {
    /// Add a rule: holding every component earns `target` (also for the
    /// learners who hold them all already: see `Core::apply_stack_rule`).
    pub async fn save_stack_rule(
        &self,
        user: &User,
        issuer_id: IssuerId,
        target: Option<Uuid>,
        components: &[String],
    ) -> Result<StackRule, DomainError> {
        let issuer = self.core.issuer(user, issuer_id).await?;
        let mut errors = Vec::new();
        let target = match target {
            None => None,
            Some(id) => self
                .core
                .achievement(user, id)
                .await
                .ok()
                .filter(|a| a.issuer_id == issuer.id),
        };
        match &target {
            None => errors.push(FieldError::new("achievement_id", "required")),
            Some(a) if !Issuing::missing(&issuer, a).is_empty() => {
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
                if self.core.store.public_achievement(*c).await?.is_none() {
                    errors.push(FieldError::new("components", "unknown_achievement"));
                    break;
                }
                // Another issuer's achievement: only with its consent.
                if !self.core.store.stacking_allowed(*c, issuer.id).await? {
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
            created_at: self.core.clock.unix(),
        };
        let audit = self.core.audit(
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
        let job = Job::ApplyStackRule { rule_id: rule.id }.queue(self.core.clock.unix());
        match self
            .core
            .store
            .insert_stack_rule(user.id, &rule, &audit, &job)
            .await
        {
            Ok(true) => {
                self.core.signal.queued();
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

    pub async fn delete_stack_rule(
        &self,
        user: &User,
        issuer_id: IssuerId,
        rule_id: Uuid,
    ) -> Result<(), DomainError> {
        self.core.issuer(user, issuer_id).await?;
        let audit = self.core.audit(
            issuer_id,
            &Actor::of(user),
            "stack_rule.delete",
            format!("urn:uuid:{rule_id}"),
            String::new(),
        );
        if !self
            .core
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
        issuer_id: IssuerId,
    ) -> Result<Vec<StackRuleView>, DomainError> {
        self.core.issuer(user, issuer_id).await?;
        let rules = self.core.store.list_stack_rules(user.id, issuer_id).await?;
        let mut names = Names::default();
        let mut out = Vec::with_capacity(rules.len());
        for rule in rules {
            let target_name = names.achievement(&self.core, rule.achievement_id).await?.0;
            let mut components = Vec::new();
            let mut not_allowed = Vec::new();
            for c in &rule.components {
                let (name, issuer) = names.achievement(&self.core, *c).await?;
                components.push((*c, name, issuer));
                if !self.core.store.stacking_allowed(*c, rule.issuer_id).await? {
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
        let held = self.core.held(user.id).await?;
        let ids: Vec<Uuid> = held.iter().copied().collect();
        let rules = self.core.store.stack_rules_with_components(&ids).await?;
        let mut names = Names::default();
        let mut out = Vec::new();
        for rule in rules {
            if held.contains(&rule.achievement_id) {
                continue;
            }
            let (target_name, issuer_name) =
                names.achievement(&self.core, rule.achievement_id).await?;
            let mut components = Vec::new();
            for c in &rule.components {
                let name = names.achievement(&self.core, *c).await?.0;
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

    /// The issuers allowed to use one of the user's issuers' achievements as
    /// a stacking component.
    pub async fn stack_consents(
        &self,
        user: &User,
        achievement_id: Uuid,
    ) -> Result<Vec<StackConsent>, DomainError> {
        self.core.achievement(user, achievement_id).await?;
        Ok(self
            .core
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
            return Ok(self.core.store.issuer_by_did(s).await?);
        }
        let slug = s
            .strip_prefix(&format!("{}/issuers/", self.core.public_url()))
            .map(|r| r.trim_end_matches("/did.json").trim_end_matches('/'))
            .unwrap_or(s);
        if slug.contains('/') {
            return Ok(None);
        }
        Ok(self.core.store.issuer_by_slug(slug).await?)
    }

    /// Allow another issuer (see [`Stacking::issuer_ref`]) to use the
    /// achievement as a stacking component: its rules may then award to
    /// learners holding it, including those who hold it already, and so
    /// learn who they are. Audit-logged (by the achievement's issuer).
    pub async fn allow_stacking(
        &self,
        user: &User,
        achievement_id: Uuid,
        issuer: &str,
    ) -> Result<StackConsent, DomainError> {
        let a = self.core.achievement(user, achievement_id).await?;
        let Some(other) = self.issuer_ref(issuer).await? else {
            return Err(DomainError::field("issuer", "unknown_issuer"));
        };
        if other.id == a.issuer_id {
            return Err(DomainError::field("issuer", "own_issuer"));
        }
        let now = self.core.clock.unix();
        let audit = self.core.audit(
            a.issuer_id,
            &Actor::of(user),
            "stack_consent.grant",
            a.spec.id.clone(),
            format!("{} ({})", other.profile.name, other.did),
        );
        if !self
            .core
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
        issuer_id: IssuerId,
    ) -> Result<(), DomainError> {
        let a = self.core.achievement(user, achievement_id).await?;
        let other = self
            .stack_consents(user, achievement_id)
            .await?
            .into_iter()
            .find(|c| c.issuer_id == issuer_id)
            .ok_or(DomainError::NotFound)?;
        let audit = self.core.audit(
            a.issuer_id,
            &Actor::of(user),
            "stack_consent.withdraw",
            a.spec.id.clone(),
            format!("{} ({})", other.issuer_name, other.issuer_did),
        );
        if !self
            .core
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
        let id = match s.strip_prefix(&format!("{}/achievements/", self.core.public_url())) {
            Some(rest) => rest.trim_end_matches('/'),
            None => s.strip_prefix("urn:uuid:").unwrap_or(s),
        };
        Uuid::parse_str(id).ok()
    }
}

/// Achievement and issuer names, looked up once.
#[derive(Default)]
struct Names {
    achievements: HashMap<Uuid, (String, String)>,
    issuers: HashMap<IssuerId, String>,
}

impl Names {
    async fn achievement(
        &mut self,
        core: &Core,
        id: Uuid,
    ) -> Result<(String, String), DomainError> {
        if let Some(n) = self.achievements.get(&id) {
            return Ok(n.clone());
        }
        let Some(a) = core.store.public_achievement(id).await? else {
            return Ok(("?".into(), "?".into()));
        };
        let issuer = match self.issuers.get(&a.issuer_id) {
            Some(n) => n.clone(),
            None => {
                let n = core
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
