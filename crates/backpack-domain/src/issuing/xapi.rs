//! xAPI rules and statements: a `completed`/`passed` statement about a
//! ruled activity (with the minimum score, if any) awards the achievement,
//! once per learner: the award carries the key
//! `xapi:<achievement>:<address>`, unique in the store.

use super::*;
use std::collections::{HashMap, HashSet};

use crate::xapi::{self, Problem, Statement, XapiActor};
use backpack_credentials::proof::SignSuite;

/// What one accepted statement led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementOutcome {
    pub statement_id: Uuid,
    /// `awarded`, `already_awarded`, `duplicate_statement`, `score_too_low`
    /// or `not_successful`.
    pub outcome: &'static str,
    pub credential_id: Option<Uuid>,
}

/// The award key of an xAPI award: one per achievement and learner.
pub fn award_key_xapi(achievement_id: Uuid, address: &str) -> String {
    format!("xapi:{achievement_id}:{address}")
}

/// xAPI rules and the statements that award by them.
pub struct Xapi {
    pub(super) core: Arc<Core>,
}

impl Xapi {
    /// Add a rule: statements about `activity` award `achievement_id`.
    pub async fn save_xapi_rule(
        &self,
        user: &User,
        issuer_id: IssuerId,
        activity: &str,
        achievement_id: Option<Uuid>,
        min_score: Option<&str>,
    ) -> Result<XapiRule, DomainError> {
        let issuer = self.core.issuer(user, issuer_id).await?;
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
            Some(id) => match self.core.achievement(user, id).await {
                Ok(a) if a.issuer_id == issuer.id => {
                    if !Issuing::missing(&issuer, &a).is_empty() {
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
            created_at: self.core.clock.unix(),
        };
        let audit = self.core.audit(
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
        match self
            .core
            .store
            .insert_xapi_rule(user.id, &rule, &audit)
            .await
        {
            Ok(true) => Ok(rule),
            Ok(false) => Err(DomainError::NotFound),
            Err(StoreError::Conflict(_)) => Err(DomainError::field("activity", "taken")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete_xapi_rule(
        &self,
        user: &User,
        issuer_id: IssuerId,
        rule_id: Uuid,
    ) -> Result<(), DomainError> {
        let rule = self
            .xapi_rules(user, issuer_id)
            .await?
            .into_iter()
            .find(|r| r.id == rule_id)
            .ok_or(DomainError::NotFound)?;
        let audit = self.core.audit(
            issuer_id,
            &Actor::of(user),
            "xapi_rule.delete",
            format!("urn:uuid:{}", rule.id),
            rule.activity.clone(),
        );
        if !self
            .core
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
        issuer_id: IssuerId,
    ) -> Result<Vec<XapiRule>, DomainError> {
        self.core.issuer(user, issuer_id).await?;
        Ok(self.core.store.list_xapi_rules(user.id, issuer_id).await?)
    }

    /// The newest statements received, with what came of each.
    pub async fn statements(
        &self,
        user: &User,
        issuer_id: IssuerId,
        limit: i64,
    ) -> Result<Vec<XapiStatementRecord>, DomainError> {
        self.core.issuer(user, issuer_id).await?;
        Ok(self
            .core
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
            .core
            .store
            .find_issuer_public(issuer_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let activities: Vec<String> = statements.iter().map(|s| s.activity.clone()).collect();
        let rules: HashMap<String, XapiRule> = self
            .core
            .store
            .xapi_rules_for(issuer_id, &activities)
            .await?
            .into_iter()
            .map(|r| (r.activity.clone(), r))
            .collect();
        let ids: Vec<Uuid> = statements.iter().filter_map(|s| s.id).collect();
        let known: HashSet<Uuid> = self
            .core
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

        let now = self.core.clock.unix();
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
                .core
                .store
                .public_achievement(*achievement_id)
                .await?
                .ok_or(DomainError::NotFound)?;
            if !Issuing::missing(&issuer, &achievement).is_empty() {
                return Err(DomainError::field("achievement_id", "eu_incomplete"));
            }
            let mut awards = Vec::new();
            for (_, key, address) in list {
                let (recipient, account) = self
                    .core
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
            let key = self.core.signing_key(&issuer).await?;
            let fresh: HashSet<String> = self
                .core
                .issue_all(&issuer, &achievement, &key, &actor, awards)
                .await?
                .into_iter()
                .filter_map(|c| c.award_key)
                .collect();
            let keys: Vec<String> = list.iter().map(|(_, k, _)| k.clone()).collect();
            let made: HashMap<String, IssuedCredential> = self
                .core
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
        self.core.store.insert_xapi_statements(&records).await?;
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
            XapiActor::Account { home_page, name } if home_page == self.core.public_url() => {
                let Ok(id) = Uuid::parse_str(name) else {
                    return Ok(Err(unmapped(format!(
                        "account name {name:?} is not an account id of this instance"
                    ))));
                };
                match self.core.primary_address(UserId::from_uuid(id)).await? {
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
}
