//! Automation stories: API tokens scoped to their issuer's members and found
//! by hash, xAPI rules one per activity, statements recorded once, stacking
//! rules with their components, and an automatic award's key made once.

use backpack_domain::entities::*;
use backpack_domain::values::Role;
use backpack_domain::{Conflict, IssuerId, StoreError};
use uuid::Uuid;

use crate::issuing::{audit, credential, issuer, key};
use crate::stories::{primary, user};
use crate::{story, Backend};

fn achievement(issuer: IssuerId, name: &str) -> Achievement {
    Achievement {
        id: Uuid::new_v4(),
        issuer_id: issuer,
        spec: AchievementSpec {
            name: name.into(),
            ..Default::default()
        },
        image_key: None,
        image_type: None,
        created_at: 2,
        updated_at: 2,
    }
}

story!(
    automation_is_scoped_and_awards_once,
    |b: Backend| async move {
        let s = b.store;
        let ann = user("Ann", Role::IssuerStaff);
        let eve = user("Eve", Role::IssuerStaff);
        s.insert_user(&ann, &primary(&ann, "ann@example.org"))
            .await
            .unwrap();
        s.insert_user(&eve, &primary(&eve, "eve@example.org"))
            .await
            .unwrap();
        let acme = issuer("acme");
        s.insert_issuer(
            &acme,
            ann.id,
            &key(acme.id, 1, 1),
            &audit(acme.id, "issuer.create"),
        )
        .await
        .unwrap();
        let a = achievement(acme.id, "A");
        let x = achievement(acme.id, "X");
        for ach in [&a, &x] {
            assert!(s
                .insert_achievement(ann.id, ach, &audit(acme.id, "achievement.create"))
                .await
                .unwrap());
        }

        // Tokens: only members make them; found by hash; revoked once.
        let token = ApiToken {
            id: Uuid::new_v4(),
            issuer_id: acme.id,
            name: "LRS".into(),
            scope: TokenScope::Xapi,
            token_hash: "h1".into(),
            hint: "abcd".into(),
            created_by: ann.id,
            created_by_name: String::new(),
            created_at: 5,
            last_used_at: None,
            revoked_at: None,
        };
        assert!(!s
            .insert_api_token(
                eve.id,
                &ApiToken {
                    created_by: eve.id,
                    ..token.clone()
                },
                &audit(acme.id, "token.create")
            )
            .await
            .unwrap());
        assert!(s
            .insert_api_token(ann.id, &token, &audit(acme.id, "token.create"))
            .await
            .unwrap());
        let found = s.api_token_by_hash("h1").await.unwrap().unwrap();
        assert_eq!(
            (found.id, found.scope, found.created_by_name.as_str()),
            (token.id, TokenScope::Xapi, "Ann")
        );
        assert!(s.api_token_by_hash("h2").await.unwrap().is_none());
        assert!(s.list_api_tokens(eve.id, acme.id).await.unwrap().is_empty());
        s.touch_api_token(token.id, 7).await.unwrap();
        assert_eq!(
            s.list_api_tokens(ann.id, acme.id).await.unwrap()[0].last_used_at,
            Some(7)
        );
        assert!(!s
            .revoke_api_token(
                eve.id,
                acme.id,
                token.id,
                8,
                &audit(acme.id, "token.revoke")
            )
            .await
            .unwrap());
        assert!(s
            .revoke_api_token(
                ann.id,
                acme.id,
                token.id,
                8,
                &audit(acme.id, "token.revoke")
            )
            .await
            .unwrap());
        assert!(!s
            .revoke_api_token(
                ann.id,
                acme.id,
                token.id,
                9,
                &audit(acme.id, "token.revoke")
            )
            .await
            .unwrap());
        assert_eq!(
            s.api_token_by_hash("h1").await.unwrap().unwrap().revoked_at,
            Some(8)
        );

        // xAPI rules: one per activity and issuer, for its own achievements.
        let rule = XapiRule {
            id: Uuid::new_v4(),
            issuer_id: acme.id,
            activity: "https://lms.example.org/c/1".into(),
            achievement_id: a.id,
            min_score: Some(70),
            created_at: 5,
        };
        assert!(!s
            .insert_xapi_rule(eve.id, &rule, &audit(acme.id, "xapi_rule.create"))
            .await
            .unwrap());
        assert!(s
            .insert_xapi_rule(ann.id, &rule, &audit(acme.id, "xapi_rule.create"))
            .await
            .unwrap());
        let twin = XapiRule {
            id: Uuid::new_v4(),
            ..rule.clone()
        };
        assert!(matches!(
            s.insert_xapi_rule(ann.id, &twin, &audit(acme.id, "xapi_rule.create"))
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            s.xapi_rules_for(acme.id, &[rule.activity.clone(), "https://other".into()])
                .await
                .unwrap(),
            vec![rule.clone()]
        );
        assert!(s.list_xapi_rules(eve.id, acme.id).await.unwrap().is_empty());

        // Statements: recorded once per id.
        let st = XapiStatementRecord {
            issuer_id: acme.id,
            statement_id: Uuid::new_v4(),
            received_at: 10,
            verb: "http://adlnet.gov/expapi/verbs/passed".into(),
            actor: "mailto:lea@example.org".into(),
            activity: rule.activity.clone(),
            outcome: "awarded".into(),
            issued_id: None,
        };
        s.insert_xapi_statements(std::slice::from_ref(&st))
            .await
            .unwrap();
        s.insert_xapi_statements(&[XapiStatementRecord {
            outcome: "other".into(),
            ..st.clone()
        }])
        .await
        .unwrap();
        assert_eq!(
            s.list_xapi_statements(ann.id, acme.id, 10).await.unwrap(),
            vec![st.clone()]
        );
        assert_eq!(
            s.known_statements(acme.id, &[st.statement_id, Uuid::new_v4()])
                .await
                .unwrap(),
            vec![st.statement_id]
        );
        assert!(s
            .list_xapi_statements(eve.id, acme.id, 10)
            .await
            .unwrap()
            .is_empty());
        assert!(s
            .delete_xapi_rule(
                ann.id,
                acme.id,
                rule.id,
                &audit(acme.id, "xapi_rule.delete")
            )
            .await
            .unwrap());
        assert!(s
            .xapi_rules_for(acme.id, std::slice::from_ref(&rule.activity))
            .await
            .unwrap()
            .is_empty());

        // Stacking rules: one per target; found by any component.
        let stack = StackRule {
            id: Uuid::new_v4(),
            issuer_id: acme.id,
            achievement_id: x.id,
            components: vec![a.id],
            created_at: 6,
        };
        assert!(!s
            .insert_stack_rule(
                eve.id,
                &stack,
                &audit(acme.id, "stack_rule.create"),
                &apply_job()
            )
            .await
            .unwrap());
        assert!(s
            .insert_stack_rule(
                ann.id,
                &stack,
                &audit(acme.id, "stack_rule.create"),
                &apply_job()
            )
            .await
            .unwrap());
        assert!(matches!(
            s.insert_stack_rule(
                ann.id,
                &StackRule {
                    id: Uuid::new_v4(),
                    ..stack.clone()
                },
                &audit(acme.id, "stack_rule.create"),
                &apply_job(),
            )
            .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            s.stack_rules_with_components(&[a.id]).await.unwrap(),
            vec![stack.clone()]
        );
        assert!(s
            .stack_rules_with_components(&[x.id])
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            s.list_stack_rules(ann.id, acme.id).await.unwrap(),
            vec![stack.clone()]
        );

        // An automatic award's key is made once.
        let list = StatusList {
            id: Uuid::new_v4(),
            issuer_id: acme.id,
            size: 8,
            used: 0,
            version: 0,
            revocation: "r0".into(),
            suspension: "s0".into(),
            revocation_vc: "{}".into(),
            suspension_vc: "{}".into(),
            created_at: 3,
            updated_at: 3,
        };
        s.insert_status_list(&list).await.unwrap();
        let mut first = credential(&acme, &a, &list, 0, None);
        first.award_key = Some("xapi:a:lea@example.org".into());
        first.user_id = Some(ann.id);
        s.insert_issued(std::slice::from_ref(&first), &[], &[], &[])
            .await
            .unwrap();
        let mut again = credential(&acme, &a, &list, 1, None);
        again.award_key = first.award_key.clone();
        assert_eq!(
            s.insert_issued(&[again], &[], &[], &[]).await,
            Err(StoreError::Conflict(Conflict::Taken))
        );
        assert_eq!(
            s.issued_by_keys(&["xapi:a:lea@example.org".into()])
                .await
                .unwrap(),
            vec![first.clone()]
        );
        assert_eq!(s.holders_of(a.id).await.unwrap(), vec![ann.id]);
        assert!(s.holders_of(x.id).await.unwrap().is_empty());
        assert!(s
            .delete_stack_rule(
                ann.id,
                acme.id,
                stack.id,
                &audit(acme.id, "stack_rule.delete")
            )
            .await
            .unwrap());
        assert!(s
            .stack_rules_with_components(&[a.id])
            .await
            .unwrap()
            .is_empty());
    }
);

story!(
    stacking_needs_consent_and_retired_keys_are_revoked,
    |b: Backend| async move {
        let s = b.store;
        let ann = user("Ann", Role::IssuerStaff);
        let olga = user("Olga", Role::IssuerStaff);
        for (u, a) in [(&ann, "ann@example.org"), (&olga, "olga@example.org")] {
            s.insert_user(u, &primary(u, a)).await.unwrap();
        }
        let acme = issuer("acme");
        let other = issuer("other");
        for (i, u) in [(&acme, &ann), (&other, &olga)] {
            s.insert_issuer(i, u.id, &key(i.id, 1, 1), &audit(i.id, "issuer.create"))
                .await
                .unwrap();
        }
        let own = achievement(acme.id, "Own");
        let target = achievement(acme.id, "Target");
        let theirs = achievement(other.id, "Theirs");
        for (ach, u) in [(&own, &ann), (&target, &ann), (&theirs, &olga)] {
            assert!(s
                .insert_achievement(u.id, ach, &audit(ach.issuer_id, "achievement.create"))
                .await
                .unwrap());
        }

        // Own achievements are usable; another issuer's only with consent.
        assert!(s.stacking_allowed(own.id, acme.id).await.unwrap());
        assert!(!s.stacking_allowed(theirs.id, acme.id).await.unwrap());
        assert!(s.stacking_allowed(theirs.id, other.id).await.unwrap());
        let rule = StackRule {
            id: Uuid::new_v4(),
            issuer_id: acme.id,
            achievement_id: target.id,
            components: vec![own.id, theirs.id],
            created_at: 6,
        };
        match s
            .insert_stack_rule(
                ann.id,
                &rule,
                &audit(acme.id, "stack_rule.create"),
                &apply_job(),
            )
            .await
        {
            Err(StoreError::Conflict(Conflict::ComponentNotAllowed)) => {}
            other => panic!("{other:?}"),
        }
        assert!(s
            .list_stack_rules(ann.id, acme.id)
            .await
            .unwrap()
            .is_empty());

        // Only the achievement's issuer's members grant consent; twice is once.
        let grant = audit(other.id, "stack_consent.grant");
        assert!(!s
            .set_stack_consent(ann.id, theirs.id, acme.id, Some(7), &grant)
            .await
            .unwrap());
        assert!(!s
            .set_stack_consent(olga.id, theirs.id, other.id, Some(7), &grant)
            .await
            .unwrap());
        assert!(s
            .set_stack_consent(olga.id, theirs.id, acme.id, Some(7), &grant)
            .await
            .unwrap());
        assert!(s
            .set_stack_consent(
                olga.id,
                theirs.id,
                acme.id,
                Some(8),
                &audit(other.id, "stack_consent.grant")
            )
            .await
            .unwrap());
        let consents = s.stack_consents(olga.id, theirs.id).await.unwrap();
        assert_eq!(consents.len(), 1);
        assert_eq!((consents[0].0.id, consents[0].1), (acme.id, 7));
        assert!(s
            .stack_consents(ann.id, theirs.id)
            .await
            .unwrap()
            .is_empty());
        assert!(s.stacking_allowed(theirs.id, acme.id).await.unwrap());
        assert!(s
            .insert_stack_rule(
                ann.id,
                &rule,
                &audit(acme.id, "stack_rule.create"),
                &apply_job()
            )
            .await
            .unwrap());
        let mut found = s.stack_rules_with_components(&[theirs.id]).await.unwrap();
        found[0].components.sort();
        let mut expected = rule.clone();
        expected.components.sort();
        assert_eq!(found, vec![expected]);

        // Withdrawn: the rule stays listed for its staff but is not applied.
        assert!(s
            .set_stack_consent(
                olga.id,
                theirs.id,
                acme.id,
                None,
                &audit(other.id, "stack_consent.withdraw")
            )
            .await
            .unwrap());
        assert!(!s.stacking_allowed(theirs.id, acme.id).await.unwrap());
        assert!(s
            .stack_rules_with_components(&[theirs.id, own.id])
            .await
            .unwrap()
            .is_empty());
        assert_eq!(s.list_stack_rules(ann.id, acme.id).await.unwrap().len(), 1);
        let log = s.audit_log(olga.id, other.id, 50).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| a.starts_with("stack_consent"))
                .count(),
            2,
            "{actions:?}"
        );

        // Keys: the current one cannot be revoked; a retired one can, once,
        // with the re-signed status lists in the same transaction.
        let first = s.issuer_keys(acme.id).await.unwrap().remove(0);
        let list = StatusList {
            id: Uuid::new_v4(),
            issuer_id: acme.id,
            size: 8,
            used: 0,
            version: 0,
            revocation: "r0".into(),
            suspension: "s0".into(),
            revocation_vc: "{}".into(),
            suspension_vc: "{}".into(),
            created_at: 3,
            updated_at: 3,
        };
        s.insert_status_list(&list).await.unwrap();
        let resigned = StatusList {
            version: 1,
            revocation_vc: "{\"signed\":2}".into(),
            suspension_vc: "{\"signed\":2}".into(),
            updated_at: 9,
            ..list.clone()
        };
        let revoke = audit(acme.id, "key.revoke");
        assert!(!s
            .revoke_key(
                ann.id,
                acme.id,
                first.id,
                9,
                std::slice::from_ref(&resigned),
                &revoke
            )
            .await
            .unwrap());
        assert!(s
            .rotate_key(ann.id, &key(acme.id, 2, 8), &audit(acme.id, "key.rotate"))
            .await
            .unwrap());
        assert!(!s
            .revoke_key(
                olga.id,
                acme.id,
                first.id,
                9,
                std::slice::from_ref(&resigned),
                &revoke
            )
            .await
            .unwrap());
        // A list that moved meanwhile: nothing is revoked.
        let stale = StatusList {
            version: 5,
            ..resigned.clone()
        };
        assert!(matches!(
            s.revoke_key(ann.id, acme.id, first.id, 9, &[stale], &revoke)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(s.issuer_keys(acme.id).await.unwrap()[0]
            .revoked_at
            .is_none());
        assert!(s
            .revoke_key(
                ann.id,
                acme.id,
                first.id,
                9,
                std::slice::from_ref(&resigned),
                &revoke
            )
            .await
            .unwrap());
        let keys = s.issuer_keys(acme.id).await.unwrap();
        assert_eq!(keys[0].revoked_at, Some(9));
        assert_eq!(keys[1].revoked_at, None);
        let stored = s.find_status_list(list.id).await.unwrap().unwrap();
        assert_eq!(
            (stored.version, stored.revocation_vc.as_str()),
            (1, "{\"signed\":2}")
        );
        assert_eq!(s.status_lists_of(acme.id).await.unwrap().len(), 1);
        // Once.
        assert!(!s
            .revoke_key(ann.id, acme.id, first.id, 10, &[], &revoke)
            .await
            .unwrap());
    }
);

/// A job to queue with a stacking rule.
fn apply_job() -> backpack_domain::entities::NewJob {
    backpack_domain::jobs::Job::ApplyStackRule {
        rule_id: Uuid::new_v4(),
    }
    .queue(6)
}
