//! Issuing stories: membership in every query, status-index allocation and
//! list updates guarded by optimistic checks, batch rows issued once, claim
//! links used once.

use backpack_domain::entities::*;
use backpack_domain::values::Role;
use backpack_domain::{Conflict, IssuerId, StoreError};
use uuid::Uuid;

use crate::stories::{primary, user};
use crate::{story, Backend};

pub fn audit(issuer: IssuerId, action: &str) -> AuditEntry {
    AuditEntry {
        id: Uuid::new_v4(),
        issuer_id: issuer,
        at: 10,
        actor_id: None,
        actor_name: "system".into(),
        action: action.into(),
        subject: "s".into(),
        detail: String::new(),
    }
}

pub fn issuer(slug: &str) -> Issuer {
    Issuer {
        id: IssuerId::new(),
        slug: slug.into(),
        did: format!("did:web:example.org:issuers:{slug}"),
        profile: IssuerProfile {
            id: format!("did:web:example.org:issuers:{slug}"),
            name: format!("Issuer {slug}"),
            ..Default::default()
        },
        logo_key: None,
        logo_type: None,
        created_at: 1,
        updated_at: 1,
    }
}

pub fn key(issuer: IssuerId, n: usize, at: i64) -> IssuerKeyRecord {
    IssuerKeyRecord {
        id: Uuid::new_v4(),
        issuer_id: issuer,
        fragment: format!("key-{n}"),
        public_key: format!("z6Mk{n}"),
        sealed_secret: "v1.sealed".into(),
        created_at: at,
        retired_at: None,
        revoked_at: None,
    }
}

pub fn credential(
    i: &Issuer,
    a: &Achievement,
    list: &StatusList,
    index: i64,
    batch: Option<(Uuid, i64)>,
) -> IssuedCredential {
    IssuedCredential {
        id: Uuid::new_v4(),
        issuer_id: i.id,
        achievement_id: a.id,
        achievement_name: a.spec.name.clone(),
        recipient_kind: RecipientKind::Email,
        recipient: format!("r{index}@example.org"),
        recipient_name: None,
        user_id: None,
        format: "json".into(),
        credential: "{}".into(),
        list_id: list.id,
        list_index: index,
        state: CredentialState::Active,
        reason: None,
        state_at: None,
        issued_at: 20 + index,
        actor_name: "staff".into(),
        source: "csv".into(),
        batch_id: batch.map(|b| b.0),
        batch_row: batch.map(|b| b.1),
        award_key: None,
    }
}

story!(
    issuing_is_scoped_to_members_and_guarded,
    |b: Backend| async move {
        let s = b.store;
        let ann = user("Ann", Role::IssuerStaff);
        let bob = user("Bob", Role::IssuerStaff);
        s.insert_user(&ann, &primary(&ann, "ann@example.org"))
            .await
            .unwrap();
        s.insert_user(&bob, &primary(&bob, "bob@example.org"))
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
        // The same slug or DID twice is a conflict.
        let twin = Issuer {
            id: IssuerId::new(),
            ..acme.clone()
        };
        assert!(matches!(
            s.insert_issuer(
                &twin,
                bob.id,
                &key(twin.id, 1, 1),
                &audit(twin.id, "issuer.create")
            )
            .await,
            Err(StoreError::Conflict(_))
        ));
        // Membership decides what Bob sees and changes.
        assert!(s.find_issuer(bob.id, acme.id).await.unwrap().is_none());
        assert_eq!(
            s.find_issuer(ann.id, acme.id)
                .await
                .unwrap()
                .unwrap()
                .profile
                .name,
            "Issuer acme"
        );
        assert!(s.list_issuers(bob.id).await.unwrap().is_empty());
        assert!(!s
            .update_issuer(bob.id, &acme, &audit(acme.id, "issuer.update"))
            .await
            .unwrap());
        assert!(!s
            .rotate_key(bob.id, &key(acme.id, 2, 5), &audit(acme.id, "key.rotate"))
            .await
            .unwrap());
        assert!(!s
            .add_member(bob.id, acme.id, bob.id, 5, &audit(acme.id, "member.add"))
            .await
            .unwrap());
        assert!(s
            .add_member(ann.id, acme.id, bob.id, 5, &audit(acme.id, "member.add"))
            .await
            .unwrap());
        assert_eq!(s.list_members(bob.id, acme.id).await.unwrap().len(), 2);
        // Rotation retires the current key and keeps it listed.
        assert!(s
            .rotate_key(bob.id, &key(acme.id, 2, 6), &audit(acme.id, "key.rotate"))
            .await
            .unwrap());
        let keys = s.issuer_keys(acme.id).await.unwrap();
        assert_eq!(
            keys.iter().map(|k| k.fragment.as_str()).collect::<Vec<_>>(),
            ["key-1", "key-2"]
        );
        assert!(keys[0].retired_at.is_some() && keys[1].retired_at.is_none());
        assert_eq!(
            s.issuer_by_did(&acme.did).await.unwrap().unwrap().id,
            acme.id
        );

        let achievement = Achievement {
            id: Uuid::new_v4(),
            issuer_id: acme.id,
            spec: AchievementSpec {
                name: "Rust".into(),
                ..Default::default()
            },
            image_key: None,
            image_type: None,
            created_at: 2,
            updated_at: 2,
        };
        let outsider = user("Eve", Role::IssuerStaff);
        s.insert_user(&outsider, &primary(&outsider, "eve@example.org"))
            .await
            .unwrap();
        assert!(!s
            .insert_achievement(
                outsider.id,
                &achievement,
                &audit(acme.id, "achievement.create")
            )
            .await
            .unwrap());
        assert!(s
            .insert_achievement(ann.id, &achievement, &audit(acme.id, "achievement.create"))
            .await
            .unwrap());
        assert!(s
            .find_achievement(outsider.id, achievement.id)
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            s.find_achievement(bob.id, achievement.id)
                .await
                .unwrap()
                .unwrap()
                .spec
                .name,
            "Rust"
        );

        let mut list = StatusList {
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
        // Slots are reserved atomically, each once, never past the size.
        assert_eq!(s.reserve_status_slots(list.id, 3).await.unwrap(), Some(0));
        assert_eq!(s.reserve_status_slots(list.id, 1).await.unwrap(), Some(3));
        assert_eq!(s.reserve_status_slots(list.id, 5).await.unwrap(), None);
        assert_eq!(s.reserve_status_slots(list.id, 4).await.unwrap(), Some(4));
        assert_eq!(s.reserve_status_slots(list.id, 1).await.unwrap(), None);
        assert_eq!(
            s.current_status_list(acme.id).await.unwrap().unwrap().used,
            8
        );
        let batch = Uuid::new_v4();
        let first: Vec<_> = (0..3)
            .map(|i| credential(&acme, &achievement, &list, i, Some((batch, i))))
            .collect();
        s.insert_issued(&first, &[], &[audit(acme.id, "credential.issue")], &[])
            .await
            .unwrap();
        // A batch row issued twice is refused as a whole.
        let again = vec![
            credential(&acme, &achievement, &list, 4, Some((batch, 7))),
            credential(&acme, &achievement, &list, 5, Some((batch, 1))),
        ];
        assert!(matches!(
            s.insert_issued(&again, &[], &[], &[]).await,
            Err(StoreError::Conflict(Conflict::Taken))
        ));
        assert_eq!(s.count_issued(ann.id, acme.id).await.unwrap(), 3);
        assert_eq!(s.count_issued(outsider.id, acme.id).await.unwrap(), 0);
        // One slot is one credential: a second credential at slot 0 is refused.
        let twin = vec![credential(&acme, &achievement, &list, 0, None)];
        assert!(matches!(
            s.insert_issued(&twin, &[], &[], &[]).await,
            Err(StoreError::Conflict(Conflict::Taken))
        ));

        // Claims: found by hash, used once.
        let claimed = credential(&acme, &achievement, &list, 3, None);
        let claim = Claim {
            token_hash: "hash".into(),
            issued_id: claimed.id,
            expires_at: 100,
            claimed_by: None,
            claimed_at: None,
        };
        s.insert_issued(std::slice::from_ref(&claimed), &[claim], &[], &[])
            .await
            .unwrap();
        assert_eq!(
            s.find_claim("hash").await.unwrap().unwrap().1.id,
            claimed.id
        );
        let deliver = |user_id| {
            backpack_domain::jobs::Job::DeliverCredential {
                credential_id: claimed.id,
                user_id,
            }
            .queue(50)
        };
        assert!(s
            .mark_claimed("hash", ann.id, 50, &deliver(ann.id))
            .await
            .unwrap());
        assert!(!s
            .mark_claimed("hash", bob.id, 51, &deliver(bob.id))
            .await
            .unwrap());
        // The delivery was queued with the claim, once.
        assert_eq!(s.job_counts(60).await.unwrap().queued, 1);

        // State changes move the list's version; a stale version loses.
        let mut revoked = first[0].clone();
        revoked.state = CredentialState::Revoked;
        revoked.reason = Some("fraud".into());
        revoked.state_at = Some(60);
        list.version = 1;
        list.revocation = "r1".into();
        assert!(!s
            .set_issued_state(
                outsider.id,
                &revoked,
                &list,
                &audit(acme.id, "credential.revoke")
            )
            .await
            .unwrap());
        assert!(s
            .set_issued_state(
                ann.id,
                &revoked,
                &list,
                &audit(acme.id, "credential.revoke")
            )
            .await
            .unwrap());
        let mut stale = first[1].clone();
        stale.state = CredentialState::Revoked;
        assert!(matches!(
            s.set_issued_state(ann.id, &stale, &list, &audit(acme.id, "credential.revoke"))
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            s.find_issued(ann.id, first[1].id)
                .await
                .unwrap()
                .unwrap()
                .state,
            CredentialState::Active
        );
        assert_eq!(
            s.find_status_list(list.id)
                .await
                .unwrap()
                .unwrap()
                .revocation,
            "r1"
        );
        let q = IssuedQuery {
            state: Some(CredentialState::Revoked),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(s.list_issued(ann.id, acme.id, &q).await.unwrap().len(), 1);
        let q = IssuedQuery {
            text: Some("r2@".into()),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(s.list_issued(bob.id, acme.id, &q).await.unwrap().len(), 1);
        assert!(s
            .list_issued(outsider.id, acme.id, &q)
            .await
            .unwrap()
            .is_empty());
        let log = s.audit_log(ann.id, acme.id, 100).await.unwrap();
        assert!(log.iter().any(|a| a.action == "credential.revoke"));
        assert!(s
            .audit_log(outsider.id, acme.id, 100)
            .await
            .unwrap()
            .is_empty());
    }
);

story!(
    servers_issuing_at_once_get_distinct_slots,
    |b: Backend| async move {
        let s = b.store;
        let ann = user("ann", Role::Admin);
        s.insert_user(&ann, &primary(&ann, "ann@example.org"))
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
        let list = StatusList {
            id: Uuid::new_v4(),
            issuer_id: acme.id,
            size: 500,
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
        // Eight writers take slots in bites of 1 to 8 until the list is
        // full: no slot is given twice, none past the size.
        let mut set = tokio::task::JoinSet::new();
        for w in 0..8i64 {
            let s = s.clone();
            set.spawn(async move {
                let mut mine = Vec::new();
                let n = w + 1;
                while let Some(first) = s.reserve_status_slots(list.id, n).await.unwrap() {
                    mine.extend(first..first + n);
                }
                mine
            });
        }
        let mut all = Vec::new();
        while let Some(r) = set.join_next().await {
            all.extend(r.unwrap());
        }
        let unique: std::collections::HashSet<i64> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "a slot given twice");
        assert!(all.iter().all(|i| (0..500).contains(i)));
        // Smaller bites fill what bigger ones could not: at most 0 left.
        assert_eq!(all.len(), 500);
    }
);
