//! The automation queries (`AutomationStore`: API tokens, xAPI rules and
//! statements, stacking rules), a child of the `queries` module like
//! `issuing`, whose row helpers (`member`, `insert_audit`, `issued_row`, `issuer_row`)
//! they use.

use super::issuing::{insert_audit, issued_row, issuer_row, member, ISSUED_COLS, ISSUER_COLS};
use super::jobs::insert_jobs;
use super::*;

const TOKEN_COLS: &str = "t.id, t.issuer_id, t.name, t.scope, t.token_hash, t.hint, t.created_by, \
    u.display_name AS created_by_name, t.created_at, t.last_used_at, t.revoked_at";

fn token_row(r: &R) -> Result<ApiToken, StoreError> {
    let scope = text(r, "scope")?;
    Ok(ApiToken {
        id: uuid(r, "id")?,
        issuer_id: issuer_id(r, "issuer_id")?,
        name: text(r, "name")?,
        scope: TokenScope::parse(&scope)
            .ok_or_else(|| backend_err(format!("bad token scope {scope:?}")))?,
        token_hash: text(r, "token_hash")?,
        hint: text(r, "hint")?,
        created_by: user_id(r, "created_by")?,
        created_by_name: text(r, "created_by_name")?,
        created_at: int(r, "created_at")?,
        last_used_at: opt_int(r, "last_used_at")?,
        revoked_at: opt_int(r, "revoked_at")?,
    })
}

const XAPI_RULE_COLS: &str =
    "x.id, x.issuer_id, x.activity, x.achievement_id, x.min_score, x.created_at";

fn xapi_rule_row(r: &R) -> Result<XapiRule, StoreError> {
    Ok(XapiRule {
        id: uuid(r, "id")?,
        issuer_id: issuer_id(r, "issuer_id")?,
        activity: text(r, "activity")?,
        achievement_id: uuid(r, "achievement_id")?,
        min_score: opt_int(r, "min_score")?,
        created_at: int(r, "created_at")?,
    })
}

const STATEMENT_COLS: &str =
    "issuer_id, statement_id, received_at, verb, actor, activity, outcome, issued_id";

fn statement_row(r: &R) -> Result<XapiStatementRecord, StoreError> {
    Ok(XapiStatementRecord {
        issuer_id: issuer_id(r, "issuer_id")?,
        statement_id: uuid(r, "statement_id")?,
        received_at: int(r, "received_at")?,
        verb: text(r, "verb")?,
        actor: text(r, "actor")?,
        activity: text(r, "activity")?,
        outcome: text(r, "outcome")?,
        issued_id: opt_text(r, "issued_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
    })
}

/// Achievement `$2` may be a stacking component of issuer `$3`'s
/// rules: its own, or consented to.
const USABLE: &str = "EXISTS (SELECT 1 FROM achievements ua WHERE ua.id = $2 AND (ua.issuer_id = $3 \
    OR EXISTS (SELECT 1 FROM stack_consents uk WHERE uk.achievement_id = $2 AND uk.issuer_id = $3)))";

/// Rules with their components (one query for the components).
async fn stack_rules_of(store: &Store, rows: Vec<R>) -> StoreResult<Vec<StackRule>> {
    let mut rules = Vec::with_capacity(rows.len());
    for r in &rows {
        rules.push(StackRule {
            id: uuid(r, "id")?,
            issuer_id: issuer_id(r, "issuer_id")?,
            achievement_id: uuid(r, "achievement_id")?,
            components: Vec::new(),
            created_at: int(r, "created_at")?,
        });
    }
    for part in rules.chunks_mut(200) {
        let mut q = sqlx::QueryBuilder::<<R as sqlx::Row>::Database>::new(
            "SELECT rule_id, achievement_id FROM stack_components WHERE rule_id IN (",
        );
        let mut list = q.separated(", ");
        for rule in part.iter() {
            list.push_bind(rule.id.to_string());
        }
        q.push(") ORDER BY rule_id, achievement_id");
        let rows = q.build().fetch_all(&store.pool).await.map_err(map_err)?;
        for r in &rows {
            let rule_id = uuid(r, "rule_id")?;
            let component = uuid(r, "achievement_id")?;
            if let Some(rule) = part.iter_mut().find(|x| x.id == rule_id) {
                rule.components.push(component);
            }
        }
    }
    Ok(rules)
}

#[async_trait]
impl AutomationStore for Store {
    async fn insert_api_token(
        &self,
        user_id: UserId,
        t: &ApiToken,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "INSERT INTO api_tokens (id, issuer_id, name, scope, token_hash, hint, created_by, created_at, last_used_at, revoked_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL WHERE {}",
            member("$2", "$7")
        ))
        .bind(t.id.to_string())
        .bind(t.issuer_id.to_string())
        .bind(&t.name)
        .bind(t.scope.code())
        .bind(&t.token_hash)
        .bind(&t.hint)
        .bind(user_id.to_string())
        .bind(t.created_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn list_api_tokens(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLS} FROM api_tokens t JOIN users u ON u.id = t.created_by \
             WHERE t.issuer_id = $1 AND {} ORDER BY t.created_at DESC, t.id",
            member("t.issuer_id", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(token_row).collect()
    }

    async fn revoke_api_token(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        id: Uuid,
        at: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND issuer_id = $3 AND revoked_at IS NULL AND {}",
            member("api_tokens.issuer_id", "$4")
        ))
        .bind(at)
        .bind(id.to_string())
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>> {
        sqlx::query(&format!(
            "SELECT {TOKEN_COLS} FROM api_tokens t JOIN users u ON u.id = t.created_by WHERE t.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(token_row)
        .transpose()
    }

    async fn touch_api_token(&self, id: Uuid, at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn insert_xapi_rule(
        &self,
        user_id: UserId,
        x: &XapiRule,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "INSERT INTO xapi_rules (id, issuer_id, activity, achievement_id, min_score, created_at) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE {} \
             AND EXISTS (SELECT 1 FROM achievements a WHERE a.id = $4 AND a.issuer_id = $2)",
            member("$2", "$7")
        ))
        .bind(x.id.to_string())
        .bind(x.issuer_id.to_string())
        .bind(&x.activity)
        .bind(x.achievement_id.to_string())
        .bind(x.min_score)
        .bind(x.created_at)
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn delete_xapi_rule(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        id: Uuid,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "DELETE FROM xapi_rules WHERE id = $1 AND issuer_id = $2 AND {}",
            member("xapi_rules.issuer_id", "$3")
        ))
        .bind(id.to_string())
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn list_xapi_rules(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<XapiRule>> {
        let rows = sqlx::query(&format!(
            "SELECT {XAPI_RULE_COLS} FROM xapi_rules x WHERE x.issuer_id = $1 AND {} ORDER BY x.activity",
            member("x.issuer_id", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(xapi_rule_row).collect()
    }

    async fn xapi_rules_for(
        &self,
        issuer_id: IssuerId,
        activities: &[String],
    ) -> StoreResult<Vec<XapiRule>> {
        let mut out = Vec::new();
        for part in activities.chunks(200) {
            let mut q = sqlx::QueryBuilder::<<R as sqlx::Row>::Database>::new(format!(
                "SELECT {XAPI_RULE_COLS} FROM xapi_rules x WHERE x.issuer_id = "
            ));
            q.push_bind(issuer_id.to_string());
            q.push(" AND x.activity IN (");
            let mut list = q.separated(", ");
            for a in part {
                list.push_bind(a.clone());
            }
            q.push(")");
            let rows = q.build().fetch_all(&self.read).await.map_err(map_err)?;
            for r in &rows {
                out.push(xapi_rule_row(r)?);
            }
        }
        Ok(out)
    }

    async fn known_statements(&self, issuer_id: IssuerId, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let mut out = Vec::new();
        for part in ids.chunks(200) {
            let mut q = sqlx::QueryBuilder::<<R as sqlx::Row>::Database>::new(
                "SELECT statement_id FROM xapi_statements WHERE issuer_id = ",
            );
            q.push_bind(issuer_id.to_string());
            q.push(" AND statement_id IN (");
            let mut list = q.separated(", ");
            for id in part {
                list.push_bind(id.to_string());
            }
            q.push(")");
            let rows = q.build().fetch_all(&self.read).await.map_err(map_err)?;
            for r in &rows {
                out.push(uuid(r, "statement_id")?);
            }
        }
        Ok(out)
    }

    async fn insert_xapi_statements(&self, records: &[XapiStatementRecord]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        for s in records {
            sqlx::query(&format!(
                "INSERT INTO xapi_statements ({STATEMENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (issuer_id, statement_id) DO NOTHING"
            ))
            .bind(s.issuer_id.to_string())
            .bind(s.statement_id.to_string())
            .bind(s.received_at)
            .bind(&s.verb)
            .bind(&s.actor)
            .bind(&s.activity)
            .bind(&s.outcome)
            .bind(s.issued_id.map(|u| u.to_string()))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn list_xapi_statements(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        limit: i64,
    ) -> StoreResult<Vec<XapiStatementRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {STATEMENT_COLS} FROM xapi_statements WHERE issuer_id = $1 AND {} \
             ORDER BY received_at DESC, statement_id LIMIT $3",
            member("xapi_statements.issuer_id", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(statement_row).collect()
    }

    async fn issued_by_keys(&self, keys: &[String]) -> StoreResult<Vec<IssuedCredential>> {
        let mut out = Vec::new();
        for part in keys.chunks(200) {
            let mut q = sqlx::QueryBuilder::<<R as sqlx::Row>::Database>::new(format!(
                "SELECT {ISSUED_COLS} FROM issued c WHERE c.award_key IN ("
            ));
            let mut list = q.separated(", ");
            for k in part {
                list.push_bind(k.clone());
            }
            q.push(")");
            let rows = q.build().fetch_all(&self.read).await.map_err(map_err)?;
            for r in &rows {
                out.push(issued_row(r)?);
            }
        }
        Ok(out)
    }

    async fn insert_stack_rule(
        &self,
        user_id: UserId,
        rule: &StackRule,
        audit: &AuditEntry,
        job: &NewJob,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "INSERT INTO stack_rules (id, issuer_id, achievement_id, created_at) \
             SELECT $1, $2, $3, $4 WHERE {} \
             AND EXISTS (SELECT 1 FROM achievements a WHERE a.id = $3 AND a.issuer_id = $2)",
            member("$2", "$5")
        ))
        .bind(rule.id.to_string())
        .bind(rule.issuer_id.to_string())
        .bind(rule.achievement_id.to_string())
        .bind(rule.created_at)
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        for c in &rule.components {
            // Another issuer's achievement only with its consent
            // (the domain checked; this closes the race).
            let r = sqlx::query(&format!(
                "INSERT INTO stack_components (rule_id, achievement_id) SELECT $1, $2 WHERE {USABLE}"
            ))
                .bind(rule.id.to_string())
                .bind(c.to_string())
                .bind(rule.issuer_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            if r.rows_affected() != 1 {
                return Err(StoreError::Conflict(Conflict::ComponentNotAllowed));
            }
        }
        insert_audit(&mut *tx, audit).await?;
        insert_jobs(&mut tx, std::slice::from_ref(job)).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn delete_stack_rule(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
        id: Uuid,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let r = sqlx::query(&format!(
            "DELETE FROM stack_rules WHERE id = $1 AND issuer_id = $2 AND {}",
            member("stack_rules.issuer_id", "$3")
        ))
        .bind(id.to_string())
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn list_stack_rules(
        &self,
        user_id: UserId,
        issuer_id: IssuerId,
    ) -> StoreResult<Vec<StackRule>> {
        let rows = sqlx::query(&format!(
            "SELECT id, issuer_id, achievement_id, created_at FROM stack_rules WHERE issuer_id = $1 AND {} \
             ORDER BY created_at, id",
            member("stack_rules.issuer_id", "$2")
        ))
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        stack_rules_of(self, rows).await
    }

    async fn find_stack_rule(&self, id: Uuid) -> StoreResult<Option<StackRule>> {
        let rows = sqlx::query(
            "SELECT id, issuer_id, achievement_id, created_at FROM stack_rules WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        Ok(stack_rules_of(self, rows).await?.into_iter().next())
    }

    async fn holders_of(&self, achievement_id: Uuid) -> StoreResult<Vec<UserId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT user_id FROM issued WHERE achievement_id = $1 AND state = 'active' \
             AND user_id IS NOT NULL ORDER BY user_id",
        )
        .bind(achievement_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(|r| user_id(r, "user_id")).collect()
    }

    async fn stack_rules_with_components(
        &self,
        achievement_ids: &[Uuid],
    ) -> StoreResult<Vec<StackRule>> {
        if achievement_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<<R as sqlx::Row>::Database>::new(
            "SELECT id, issuer_id, achievement_id, created_at FROM stack_rules WHERE id IN \
             (SELECT rule_id FROM stack_components WHERE achievement_id IN (",
        );
        let mut list = q.separated(", ");
        for id in achievement_ids.iter().take(1000) {
            list.push_bind(id.to_string());
        }
        q.push(
            ")) AND NOT EXISTS (SELECT 1 FROM stack_components sc JOIN achievements a ON a.id = sc.achievement_id \
             WHERE sc.rule_id = stack_rules.id AND a.issuer_id <> stack_rules.issuer_id \
             AND NOT EXISTS (SELECT 1 FROM stack_consents k WHERE k.achievement_id = sc.achievement_id \
             AND k.issuer_id = stack_rules.issuer_id)) ORDER BY created_at, id",
        );
        let rows = q.build().fetch_all(&self.read).await.map_err(map_err)?;
        stack_rules_of(self, rows).await
    }

    async fn stacking_allowed(
        &self,
        achievement_id: Uuid,
        issuer_id: IssuerId,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM achievements a WHERE a.id = $1 AND (a.issuer_id = $2 \
             OR EXISTS (SELECT 1 FROM stack_consents k WHERE k.achievement_id = $1 AND k.issuer_id = $2))",
        )
            .bind(achievement_id.to_string())
            .bind(issuer_id.to_string())
            .fetch_one(&self.read)
            .await
            .map_err(map_err)?;
        Ok(int(&r, "n")? > 0)
    }

    async fn stack_consents(
        &self,
        user_id: UserId,
        achievement_id: Uuid,
    ) -> StoreResult<Vec<(Issuer, i64)>> {
        let rows = sqlx::query(&format!(
            "SELECT {ISSUER_COLS}, k.granted_at FROM stack_consents k JOIN issuers i ON i.id = k.issuer_id \
             JOIN achievements a ON a.id = k.achievement_id \
             WHERE k.achievement_id = $1 AND {} ORDER BY i.name, i.id",
            member("a.issuer_id", "$2")
        ))
        .bind(achievement_id.to_string())
        .bind(user_id.to_string())
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| Ok((issuer_row(r)?, int(r, "granted_at")?)))
            .collect()
    }

    async fn set_stack_consent(
        &self,
        user_id: UserId,
        achievement_id: Uuid,
        issuer_id: IssuerId,
        granted_at: Option<i64>,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let owner = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM achievements a WHERE a.id = $1 AND a.issuer_id <> $2 AND {}",
            member("a.issuer_id", "$3")
        ))
        .bind(achievement_id.to_string())
        .bind(issuer_id.to_string())
        .bind(user_id.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        if int(&owner, "n")? != 1 {
            return Ok(false);
        }
        let r = match granted_at {
            Some(at) => sqlx::query(
                "INSERT INTO stack_consents (achievement_id, issuer_id, granted_at) SELECT $1, $2, $3 \
                 WHERE NOT EXISTS (SELECT 1 FROM stack_consents k WHERE k.achievement_id = $1 AND k.issuer_id = $2)",
            )
            .bind(achievement_id.to_string())
            .bind(issuer_id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?,
            None => sqlx::query("DELETE FROM stack_consents WHERE achievement_id = $1 AND issuer_id = $2")
                .bind(achievement_id.to_string())
                .bind(issuer_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?,
        };
        // Nothing changed (already so): no audit line.
        if r.rows_affected() == 1 {
            insert_audit(&mut *tx, audit).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }
}
