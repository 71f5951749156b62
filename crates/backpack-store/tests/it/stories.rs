//! Storage stories: each is one realistic sequence of use-case-sized calls.

use backpack_domain::entities::*;
use backpack_domain::values::{Locale, Role};
use backpack_domain::{StoreError, UserId};
use uuid::Uuid;

use crate::{story, Backend};

pub fn user(name: &str, role: Role) -> User {
    User {
        id: UserId::new(),
        display_name: name.into(),
        role,
        locale: None,
        password_hash: format!("hash-of-{name}"),
        photo_file_id: None,
        disabled: false,
        created_at: 1_000,
    }
}

pub fn primary(u: &User, address: &str) -> EmailAddress {
    EmailAddress {
        id: Uuid::new_v4(),
        user_id: u.id,
        address: address.into(),
        confirmed_at: None,
        is_primary: true,
        created_at: 1_000,
    }
}

fn file(u: &User, key: &str) -> StoredFile {
    StoredFile {
        id: Uuid::new_v4(),
        user_id: u.id,
        purpose: "photo".into(),
        filename: "p.png".into(),
        content_type: "image/png".into(),
        size: 3,
        sha256: "00".into(),
        blob_key: key.into(),
        created_at: 1_000,
    }
}

story!(backup_format_lists_every_column, |b: Backend| async move {
    assert!(b.drift.is_empty(), "{}: {:?}", b.name, b.drift);
});

story!(
    accounts_are_unique_by_address_and_found_by_login,
    |b: Backend| async move {
        let s = b.store;
        let ada = user("Ada", Role::Admin);
        let confirmed = |e: EmailAddress| EmailAddress {
            confirmed_at: Some(1_000),
            ..e
        };
        s.insert_user(&ada, &confirmed(primary(&ada, "ada@example.org")))
            .await
            .unwrap();
        let bob = User {
            created_at: 2_000,
            ..user("Bob", Role::Learner)
        };
        // A confirmed address belongs to one account only.
        let err = s
            .insert_user(&bob, &confirmed(primary(&bob, "ada@example.org")))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        // Nothing half-written: Bob's user row rolled back with his address.
        assert!(s.find_user(bob.id).await.unwrap().is_none());
        s.insert_user(&bob, &primary(&bob, "bob@example.org"))
            .await
            .unwrap();
        assert_eq!(s.count_users().await.unwrap(), 2);
        assert_eq!(s.count_admins().await.unwrap(), 1);

        assert_eq!(
            s.find_user_by_login("ada@example.org")
                .await
                .unwrap()
                .unwrap(),
            ada
        );
        // A second address logs in only once confirmed.
        let extra = EmailAddress {
            is_primary: false,
            ..primary(&ada, "ada@work.example")
        };
        s.insert_email(&extra).await.unwrap();
        assert!(s
            .find_user_by_login("ada@work.example")
            .await
            .unwrap()
            .is_none());
        assert!(s.confirm_email(ada.id, extra.id, 2_000).await.unwrap());
        assert_eq!(
            s.find_user_by_login("ada@work.example")
                .await
                .unwrap()
                .unwrap()
                .id,
            ada.id
        );

        s.update_profile(ada.id, "Ada L.", Some(Locale::Fr))
            .await
            .unwrap();
        let got = s.find_user(ada.id).await.unwrap().unwrap();
        assert_eq!(
            (got.display_name.as_str(), got.locale),
            ("Ada L.", Some(Locale::Fr))
        );

        let list = s.list_users(0, 10).await.unwrap();
        assert_eq!(
            list.iter()
                .map(|u| u.primary_email.as_str())
                .collect::<Vec<_>>(),
            ["ada@example.org", "bob@example.org"]
        );
        assert_eq!(s.list_users(1, 10).await.unwrap().len(), 1);

        s.update_role(bob.id, Role::IssuerStaff, false)
            .await
            .unwrap();
        assert_eq!(
            s.find_user(bob.id).await.unwrap().unwrap().role,
            Role::IssuerStaff
        );
    }
);

story!(addresses_belong_to_their_owner, |b: Backend| async move {
    let s = b.store;
    let (ada, bob) = (user("Ada", Role::Learner), user("Bob", Role::Learner));
    s.insert_user(&ada, &primary(&ada, "ada@example.org"))
        .await
        .unwrap();
    s.insert_user(&bob, &primary(&bob, "bob@example.org"))
        .await
        .unwrap();
    let extra = EmailAddress {
        is_primary: false,
        ..primary(&ada, "ada@two.example")
    };
    s.insert_email(&extra).await.unwrap();
    assert!(matches!(
        s.insert_email(&EmailAddress {
            id: Uuid::new_v4(),
            ..extra.clone()
        })
        .await,
        Err(StoreError::Conflict(_))
    ));

    // Bob can neither see, confirm, promote nor delete Ada's address.
    assert!(s.find_email(bob.id, extra.id).await.unwrap().is_none());
    assert!(!s.confirm_email(bob.id, extra.id, 5).await.unwrap());
    assert!(!s.set_primary_email(bob.id, extra.id).await.unwrap());
    assert!(!s.delete_email(bob.id, extra.id).await.unwrap());

    // Unconfirmed cannot become primary; confirmed can; the primary cannot be deleted.
    assert!(!s.set_primary_email(ada.id, extra.id).await.unwrap());
    assert!(s.confirm_email(ada.id, extra.id, 5).await.unwrap());
    assert!(s.set_primary_email(ada.id, extra.id).await.unwrap());
    let list = s.list_emails(ada.id).await.unwrap();
    assert_eq!(list[0].address, "ada@two.example");
    assert!(list[0].is_primary && !list[1].is_primary);
    assert!(!s.delete_email(ada.id, extra.id).await.unwrap());
    assert!(s.delete_email(ada.id, list[1].id).await.unwrap());
    assert_eq!(s.list_emails(ada.id).await.unwrap().len(), 1);
});

story!(dids_belong_to_their_owner, |b: Backend| async move {
    let s = b.store;
    let (ada, bob) = (user("Ada", Role::Learner), user("Bob", Role::Learner));
    s.insert_user(&ada, &primary(&ada, "ada@example.org"))
        .await
        .unwrap();
    s.insert_user(&bob, &primary(&bob, "bob@example.org"))
        .await
        .unwrap();
    let d = DidEntry {
        id: Uuid::new_v4(),
        user_id: ada.id,
        did: "did:key:z6Mk".into(),
        challenge: "c".into(),
        confirmed_at: None,
        created_at: 1,
    };
    s.insert_did(&d).await.unwrap();
    assert!(matches!(
        s.insert_did(&DidEntry {
            id: Uuid::new_v4(),
            ..d.clone()
        })
        .await,
        Err(StoreError::Conflict(_))
    ));
    // Another account may claim the same DID; only a signature confirms it.
    s.insert_did(&DidEntry {
        id: Uuid::new_v4(),
        user_id: bob.id,
        ..d.clone()
    })
    .await
    .unwrap();
    assert!(s.find_did(bob.id, d.id).await.unwrap().is_none());
    assert!(!s.confirm_did(bob.id, d.id, 9).await.unwrap());
    assert!(!s.delete_did(bob.id, d.id).await.unwrap());
    assert!(s.confirm_did(ada.id, d.id, 9).await.unwrap());
    assert_eq!(s.list_dids(ada.id).await.unwrap()[0].confirmed_at, Some(9));
    assert!(s.delete_did(ada.id, d.id).await.unwrap());
    assert!(s.list_dids(ada.id).await.unwrap().is_empty());
});

story!(
    sessions_expire_and_end_with_password_change_or_disabling,
    |b: Backend| async move {
        let s = b.store;
        let ada = user("Ada", Role::Learner);
        s.insert_user(&ada, &primary(&ada, "ada@example.org"))
            .await
            .unwrap();
        let sess = |h: &str, exp| Session {
            token_hash: h.into(),
            user_id: ada.id,
            created_at: 10,
            expires_at: exp,
        };
        s.insert_session(&sess("a", 100)).await.unwrap();
        s.insert_session(&sess("b", 100)).await.unwrap();
        s.insert_session(&sess("old", 50)).await.unwrap();
        assert_eq!(s.find_session("a", 60).await.unwrap().unwrap().1.id, ada.id);
        assert!(s.find_session("old", 60).await.unwrap().is_none());
        assert!(s.find_session("nope", 60).await.unwrap().is_none());
        assert_eq!(s.delete_expired(60).await.unwrap(), 1);
        s.delete_session("a").await.unwrap();
        assert!(s.find_session("a", 60).await.unwrap().is_none());
        assert!(s.find_session("b", 60).await.unwrap().is_some());
        s.update_password(ada.id, "new-hash").await.unwrap();
        assert!(s.find_session("b", 60).await.unwrap().is_none());
        assert_eq!(
            s.find_user(ada.id).await.unwrap().unwrap().password_hash,
            "new-hash"
        );
        s.insert_session(&sess("c", 100)).await.unwrap();
        s.update_role(ada.id, Role::Learner, true).await.unwrap();
        assert!(s.find_session("c", 60).await.unwrap().is_none());
    }
);

story!(one_time_tokens_work_once, |b: Backend| async move {
    let s = b.store;
    let ada = user("Ada", Role::Learner);
    s.insert_user(&ada, &primary(&ada, "ada@example.org"))
        .await
        .unwrap();
    let t = |h: &str, exp| OneTimeToken {
        token_hash: h.into(),
        purpose: TokenPurpose::PasswordReset,
        user_id: ada.id,
        subject_id: None,
        expires_at: exp,
    };
    s.insert_token(&t("r1", 100)).await.unwrap();
    s.insert_token(&t("r2", 10)).await.unwrap();
    assert!(s
        .take_token("r1", TokenPurpose::EmailConfirmation, 50)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        s.take_token("r1", TokenPurpose::PasswordReset, 50)
            .await
            .unwrap()
            .unwrap()
            .user_id,
        ada.id
    );
    assert!(s
        .take_token("r1", TokenPurpose::PasswordReset, 50)
        .await
        .unwrap()
        .is_none());
    assert!(
        s.take_token("r2", TokenPurpose::PasswordReset, 50)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
});

story!(login_failures_count_in_a_window, |b: Backend| async move {
    let s = b.store;
    for at in [10, 20, 30] {
        s.record_failure("k", at).await.unwrap();
    }
    s.record_failure("other", 30).await.unwrap();
    assert_eq!(s.count_failures("k", 15).await.unwrap(), 2);
    assert_eq!(s.count_failures("k", 0).await.unwrap(), 3);
    s.clear_failures("k").await.unwrap();
    assert_eq!(s.count_failures("k", 0).await.unwrap(), 0);
    assert_eq!(s.count_failures("other", 0).await.unwrap(), 1);
});

story!(
    files_are_owned_and_their_blobs_deleted_after_a_grace_period,
    |b: Backend| async move {
        let s = b.store;
        let (ada, bob) = (user("Ada", Role::Learner), user("Bob", Role::Learner));
        s.insert_user(&ada, &primary(&ada, "ada@example.org"))
            .await
            .unwrap();
        s.insert_user(&bob, &primary(&bob, "bob@example.org"))
            .await
            .unwrap();
        let f1 = file(&ada, "files/a/1");
        let f2 = file(&ada, "files/a/2");
        s.insert_file(&f1).await.unwrap();
        s.insert_file(&f2).await.unwrap();
        assert!(s.find_file(bob.id, f1.id).await.unwrap().is_none());
        assert!(!s.delete_file(bob.id, f1.id, 0).await.unwrap());
        assert_eq!(s.find_file(ada.id, f1.id).await.unwrap().unwrap(), f1);

        s.set_photo(ada.id, Some(f1.id), 100).await.unwrap();
        s.set_photo(ada.id, Some(f2.id), 100).await.unwrap();
        assert_eq!(
            s.find_user(ada.id).await.unwrap().unwrap().photo_file_id,
            Some(f2.id)
        );
        assert!(
            s.find_file(ada.id, f1.id).await.unwrap().is_none(),
            "the replaced photo is deleted"
        );
        assert!(
            s.due_blob_deletions(99, 10).await.unwrap().is_empty(),
            "not before the grace period"
        );
        assert_eq!(s.due_blob_deletions(100, 10).await.unwrap(), ["files/a/1"]);
        s.forget_blob_deletion("files/a/1").await.unwrap();
        assert!(s.delete_file(ada.id, f2.id, 200).await.unwrap());
        assert_eq!(
            s.find_user(ada.id).await.unwrap().unwrap().photo_file_id,
            None
        );
        assert_eq!(s.due_blob_deletions(300, 10).await.unwrap(), ["files/a/2"]);
        assert!(s.list_files(ada.id).await.unwrap().is_empty());
    }
);

story!(
    backup_round_trips_into_an_empty_database,
    |b: Backend| async move {
        let s = b.store;
        let ada = user("Ada \"quotes\" ✓", Role::Admin);
        s.insert_user(&ada, &primary(&ada, "ada@example.org"))
            .await
            .unwrap();
        s.insert_session(&Session {
            token_hash: "h".into(),
            user_id: ada.id,
            created_at: 1,
            expires_at: 99,
        })
        .await
        .unwrap();
        s.insert_file(&file(&ada, "files/x")).await.unwrap();
        s.record_failure("k", 5).await.unwrap();
        s.insert_badge(&Badge {
            id: Uuid::new_v4(),
            user_id: ada.id,
            blob_key: "badges/x".into(),
            sha256: "aa".into(),
            content_sha256: "bb".into(),
            media_type: "application/json".into(),
            filename: "b.json".into(),
            credential_id: Some("urn:uuid:1".into()),
            name: "Badge ✓".into(),
            issuer_name: None,
            issuer_id: Some("did:key:z".into()),
            description: None,
            valid_from: None,
            valid_until: None,
            verdict: "verified".into(),
            report: "{}".into(),
            checked_at: 5,
            imported_at: 5,
            source: BadgeSource::Portal,
            keywords: vec!["rust".into()],
        })
        .await
        .unwrap();
        let dump = s.export_all().await.unwrap();
        assert_eq!(dump.len(), 34, "every table");
        assert!(dump
            .iter()
            .any(|t| t.table == "badges" && t.rows.len() == 1));

        // Into a fresh database of each backend: the same rows come back.
        for target in [Some(crate::sqlite().await), crate::postgres().await]
            .into_iter()
            .flatten()
        {
            let _guard = target.guard();
            target.store.import_all(&dump).await.unwrap();
            assert_eq!(
                target.store.export_all().await.unwrap(),
                dump,
                "{} -> {}",
                b.name,
                target.name
            );
            assert!(matches!(
                target.store.import_all(&dump).await,
                Err(StoreError::Conflict(_))
            ));
        }
    }
);

story!(
    notes_are_owned_searchable_and_tagged,
    |b: Backend| async move {
        let s = b.store;
        let (ada, bob) = (user("Ada", Role::Learner), user("Bob", Role::Learner));
        s.insert_user(&ada, &primary(&ada, "ada@example.org"))
            .await
            .unwrap();
        s.insert_user(&bob, &primary(&bob, "bob@example.org"))
            .await
            .unwrap();
        let n = |title: &str, body: &str, tags: &[&str], at: i64| Note {
            id: Uuid::new_v4(),
            user_id: ada.id,
            title: title.into(),
            body: body.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            created_at: at,
            updated_at: at,
        };
        let rust = n(
            "Learning Rust",
            "Ownership and 100% borrowing",
            &["rust", "lang"],
            1,
        );
        let cv = n("CV ideas", "Mention the_badge", &["career"], 2);
        s.insert_note(&rust).await.unwrap();
        s.insert_note(&cv).await.unwrap();
        let titles = |v: Vec<Note>| v.into_iter().map(|n| n.title).collect::<Vec<_>>();
        assert_eq!(
            titles(s.list_notes(ada.id, None, None).await.unwrap()),
            ["CV ideas", "Learning Rust"]
        );
        assert_eq!(
            titles(s.list_notes(ada.id, Some("RUST"), None).await.unwrap()),
            ["Learning Rust"]
        );
        assert_eq!(
            titles(s.list_notes(ada.id, Some("100%"), None).await.unwrap()),
            ["Learning Rust"],
            "% is literal"
        );
        assert!(s
            .list_notes(ada.id, Some("0%b"), None)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            titles(s.list_notes(ada.id, Some("the_badge"), None).await.unwrap()),
            ["CV ideas"]
        );
        assert!(
            s.list_notes(ada.id, Some("theXbadge"), None)
                .await
                .unwrap()
                .is_empty(),
            "_ is literal"
        );
        assert_eq!(
            titles(s.list_notes(ada.id, None, Some("lang")).await.unwrap()),
            ["Learning Rust"]
        );
        assert!(
            s.list_notes(ada.id, None, Some("lan"))
                .await
                .unwrap()
                .is_empty(),
            "whole tags only"
        );
        assert!(s.list_notes(bob.id, None, None).await.unwrap().is_empty());
        assert!(s.find_note(bob.id, rust.id).await.unwrap().is_none());
        assert!(!s
            .update_note(&Note {
                user_id: bob.id,
                ..rust.clone()
            })
            .await
            .unwrap());
        assert!(!s.delete_note(bob.id, rust.id, 0).await.unwrap());
        let edited = Note {
            title: "Rust".into(),
            tags: vec![],
            updated_at: 9,
            ..rust.clone()
        };
        assert!(s.update_note(&edited).await.unwrap());
        assert_eq!(s.find_note(ada.id, rust.id).await.unwrap().unwrap(), edited);
        assert!(s.delete_note(ada.id, rust.id, 0).await.unwrap());
        assert_eq!(
            titles(s.list_notes(ada.id, None, None).await.unwrap()),
            ["CV ideas"]
        );
    }
);

fn certificate(
    u: &User,
    title: &str,
    platform: &str,
    day: Option<&str>,
    tags: &[&str],
    at: i64,
) -> Certificate {
    let id = Uuid::new_v4();
    Certificate {
        id,
        user_id: u.id,
        blob_key: format!("certificates/{id}"),
        preview_key: Some(format!("certificates/{id}.png")),
        sha256: "ab".into(),
        media_type: "application/pdf".into(),
        filename: "c.pdf".into(),
        size: 10,
        title: title.into(),
        platform: platform.into(),
        issuer_name: None,
        issued_on: day.map(str::to_owned),
        credential_id: None,
        verification_url: None,
        description: Some("Gradient descent and 100% effort".into()),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        created_at: at,
        updated_at: at,
    }
}

fn badge(
    u: &User,
    name: &str,
    issuer: &str,
    source: BadgeSource,
    keywords: &[&str],
    at: i64,
) -> Badge {
    let id = Uuid::new_v4();
    Badge {
        id,
        user_id: u.id,
        blob_key: format!("badges/{id}"),
        sha256: id.to_string(),
        content_sha256: id.to_string(),
        media_type: "application/json".into(),
        filename: "b.json".into(),
        credential_id: None,
        name: name.into(),
        issuer_name: Some(issuer.into()),
        issuer_id: None,
        description: None,
        valid_from: Some("2024-05-01T00:00:00Z".into()),
        valid_until: None,
        verdict: "verified".into(),
        report: "{}".into(),
        checked_at: at,
        imported_at: at,
        source,
        keywords: keywords.iter().map(|t| (*t).to_owned()).collect(),
    }
}

story!(
    the_backpack_searches_groups_and_links_across_areas,
    |b: Backend| async move {
        let s = b.store;
        let (ada, bob) = (user("Ada", Role::Learner), user("Bob", Role::Learner));
        s.insert_user(&ada, &primary(&ada, "ada@example.org"))
            .await
            .unwrap();
        s.insert_user(&bob, &primary(&bob, "bob@example.org"))
            .await
            .unwrap();
        let ml = certificate(
            &ada,
            "Machine Learning",
            "coursera",
            Some("2023-06-01"),
            &["ml", "python"],
            10,
        );
        let web = certificate(&ada, "Web Basics", "edx", None, &["web"], 20);
        s.insert_certificate(&ml).await.unwrap();
        s.insert_certificate(&web).await.unwrap();
        let rust = badge(
            &ada,
            "Rust Programmer",
            "Ferris Academy",
            BadgeSource::Imported,
            &["rust"],
            30,
        );
        let portal = badge(
            &ada,
            "Data Literacy",
            "This Portal",
            BadgeSource::Portal,
            &["data", "ml"],
            40,
        );
        s.insert_badge(&rust).await.unwrap();
        s.insert_badge(&portal).await.unwrap();
        let note = Note {
            id: Uuid::new_v4(),
            user_id: ada.id,
            title: "Interview prep".into(),
            body: "Talk about machine learning".into(),
            tags: vec!["career".into()],
            created_at: 50,
            updated_at: 50,
        };
        s.insert_note(&note).await.unwrap();
        // Bob's items never show in Ada's backpack.
        s.insert_certificate(&certificate(
            &bob,
            "Machine Learning",
            "coursera",
            None,
            &["ml"],
            60,
        ))
        .await
        .unwrap();

        let q = |f: fn(&mut ItemQuery)| {
            let mut q = ItemQuery {
                limit: 50,
                ..Default::default()
            };
            f(&mut q);
            q
        };
        let titles = |v: Vec<Item>| v.into_iter().map(|i| i.title).collect::<Vec<_>>();
        assert_eq!(
            titles(s.search_items(ada.id, &q(|_| {})).await.unwrap()),
            [
                "Interview prep",
                "Data Literacy",
                "Rust Programmer",
                "Web Basics",
                "Machine Learning"
            ],
            "timeline: newest first, every area"
        );
        let all = s.search_items(ada.id, &q(|_| {})).await.unwrap();
        assert_eq!(all[1].area, Area::Portal);
        assert_eq!(all[2].area, Area::Badge);
        assert_eq!(all[1].date.as_deref(), Some("2024-05-01"));
        assert_eq!(
            titles(
                s.search_items(ada.id, &q(|q| q.text = Some("machine learning".into())))
                    .await
                    .unwrap()
            ),
            ["Interview prep", "Machine Learning"],
            "text in titles and note bodies"
        );
        assert_eq!(
            titles(
                s.search_items(ada.id, &q(|q| q.text = Some("gradient".into())))
                    .await
                    .unwrap()
            ),
            ["Web Basics", "Machine Learning"],
            "text in descriptions"
        );
        assert_eq!(
            titles(
                s.search_items(ada.id, &q(|q| q.text = Some("100%".into())))
                    .await
                    .unwrap()
            ),
            ["Web Basics", "Machine Learning"],
            "% is literal"
        );
        assert!(s
            .search_items(ada.id, &q(|q| q.text = Some("0%e".into())))
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            titles(
                s.search_items(ada.id, &q(|q| q.tag = Some("ml".into())))
                    .await
                    .unwrap()
            ),
            ["Data Literacy", "Machine Learning"],
            "tags and badge keywords"
        );
        assert!(
            s.search_items(ada.id, &q(|q| q.tag = Some("m".into())))
                .await
                .unwrap()
                .is_empty(),
            "whole tags"
        );
        assert_eq!(
            titles(
                s.search_items(ada.id, &q(|q| q.area = Some(Area::Portal)))
                    .await
                    .unwrap()
            ),
            ["Data Literacy"]
        );
        assert_eq!(
            titles(
                s.search_items(ada.id, &q(|q| q.issuer = Some("ferris".into())))
                    .await
                    .unwrap()
            ),
            ["Rust Programmer"]
        );
        assert_eq!(
            titles(
                s.search_items(
                    ada.id,
                    &q(|q| {
                        q.from = Some("2024-01-01".into());
                        q.from_unix = Some(45);
                    })
                )
                .await
                .unwrap()
            ),
            ["Interview prep", "Data Literacy", "Rust Programmer"],
            "dated items by their date, undated ones by when they came"
        );
        assert_eq!(
            titles(
                s.search_items(
                    ada.id,
                    &q(|q| {
                        q.to = Some("2023-12-31".into());
                        q.to_unix = Some(15);
                    })
                )
                .await
                .unwrap()
            ),
            ["Machine Learning"]
        );
        let page2 = s
            .search_items(
                ada.id,
                &ItemQuery {
                    limit: 2,
                    offset: 2,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(titles(page2), ["Rust Programmer", "Web Basics"]);
        let mut counts = s.count_items(ada.id).await.unwrap();
        counts.sort();
        assert_eq!(
            counts,
            [
                (Area::Certificate, 2),
                (Area::Badge, 1),
                (Area::Portal, 1),
                (Area::Note, 1)
            ]
        );
        let (tags, issuers) = s.item_facets(ada.id).await.unwrap();
        assert_eq!(tags, ["career", "data", "ml", "python", "rust", "web"]);
        assert_eq!(
            issuers,
            ["Coursera", "Ferris Academy", "This Portal", "edX"]
        );
        assert_eq!(
            s.find_items(ada.id, &[rust.id, web.id, Uuid::new_v4()])
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(s.find_items(bob.id, &[rust.id]).await.unwrap().is_empty());

        // Collections are the owner's, and hold items of any area.
        let job = Collection {
            id: Uuid::new_v4(),
            user_id: ada.id,
            name: "Job application".into(),
            description: String::new(),
            created_at: 1,
            updated_at: 1,
        };
        s.insert_collection(&job).await.unwrap();
        let r = |area, id| ItemRef { area, id };
        assert!(s
            .add_to_collection(ada.id, job.id, r(Area::Certificate, ml.id), 1)
            .await
            .unwrap());
        assert!(s
            .add_to_collection(ada.id, job.id, r(Area::Portal, portal.id), 2)
            .await
            .unwrap());
        assert!(
            s.add_to_collection(ada.id, job.id, r(Area::Portal, portal.id), 3)
                .await
                .unwrap(),
            "twice is a no-op"
        );
        assert!(!s
            .add_to_collection(bob.id, job.id, r(Area::Badge, rust.id), 4)
            .await
            .unwrap());
        assert_eq!(
            titles(s.collection_items(ada.id, job.id).await.unwrap()),
            ["Machine Learning", "Data Literacy"]
        );
        assert!(s.collection_items(bob.id, job.id).await.unwrap().is_empty());
        assert_eq!(s.list_collections(ada.id).await.unwrap()[0].1, 2);
        assert_eq!(s.collections_of(ada.id, ml.id).await.unwrap().len(), 1);
        assert!(!s
            .remove_from_collection(bob.id, job.id, r(Area::Certificate, ml.id))
            .await
            .unwrap());
        assert!(!s.delete_collection(bob.id, job.id).await.unwrap());
        assert!(!s
            .update_collection(&Collection {
                user_id: bob.id,
                ..job.clone()
            })
            .await
            .unwrap());

        // Note attachments and links.
        let f = NoteFile {
            id: Uuid::new_v4(),
            note_id: note.id,
            user_id: ada.id,
            blob_key: "notes/f1".into(),
            filename: "slides.pdf".into(),
            content_type: "application/pdf".into(),
            size: 3,
            sha256: "cd".into(),
            created_at: 5,
        };
        s.insert_note_file(&f).await.unwrap();
        assert_eq!(
            s.insert_note_file(&NoteFile {
                id: Uuid::new_v4(),
                user_id: bob.id,
                blob_key: "notes/f2".into(),
                ..f.clone()
            })
            .await,
            Err(StoreError::NotFound),
            "not onto someone else's note"
        );
        assert_eq!(
            s.list_note_files(ada.id, note.id).await.unwrap(),
            std::slice::from_ref(&f)
        );
        assert!(s.find_note_file(bob.id, f.id).await.unwrap().is_none());
        s.set_note_links(
            ada.id,
            note.id,
            &[r(Area::Certificate, ml.id), r(Area::Badge, rust.id)],
        )
        .await
        .unwrap();
        s.set_note_links(bob.id, note.id, &[r(Area::Badge, rust.id)])
            .await
            .unwrap();
        assert_eq!(
            s.list_note_links(ada.id, note.id).await.unwrap().len(),
            2,
            "Bob's call changed nothing"
        );
        assert_eq!(s.notes_linking(ada.id, ml.id).await.unwrap(), [note.id]);

        // Deleting an item forgets the links and collection entries to it,
        // and queues its files.
        assert!(!s.delete_certificate(bob.id, ml.id, 0).await.unwrap());
        assert!(s.delete_certificate(ada.id, ml.id, 0).await.unwrap());
        assert!(s.notes_linking(ada.id, ml.id).await.unwrap().is_empty());
        assert_eq!(
            titles(s.collection_items(ada.id, job.id).await.unwrap()),
            ["Data Literacy"]
        );
        let due = s.due_blob_deletions(0, 100).await.unwrap();
        assert!(due.contains(&ml.blob_key) && due.contains(ml.preview_key.as_ref().unwrap()));
        // Deleting the note queues its attachments.
        assert!(s.delete_note(ada.id, note.id, 0).await.unwrap());
        assert!(s
            .due_blob_deletions(0, 100)
            .await
            .unwrap()
            .contains(&f.blob_key));

        // The portfolio: one document per learner.
        assert!(s.find_portfolio(ada.id).await.unwrap().is_none());
        s.put_portfolio(ada.id, r#"{"headline":"A"}"#, 1)
            .await
            .unwrap();
        s.put_portfolio(ada.id, r#"{"headline":"B"}"#, 2)
            .await
            .unwrap();
        assert_eq!(
            s.find_portfolio(ada.id).await.unwrap(),
            Some((r#"{"headline":"B"}"#.to_owned(), 2))
        );
        assert!(s.find_portfolio(bob.id).await.unwrap().is_none());

        // The account goes with everything; every file is queued.
        let web_key = web.blob_key.clone();
        s.delete_user(ada.id, 0).await.unwrap();
        assert!(s
            .due_blob_deletions(0, 100)
            .await
            .unwrap()
            .contains(&web_key));
        assert!(s.search_items(ada.id, &q(|_| {})).await.unwrap().is_empty());
        assert!(s.list_collections(ada.id).await.unwrap().is_empty());
        assert!(s.find_portfolio(ada.id).await.unwrap().is_none());
        assert_eq!(s.search_items(bob.id, &q(|_| {})).await.unwrap().len(), 1);
    }
);

story!(
    an_unconfirmed_address_claims_nothing_and_expires,
    |b: Backend| async move {
        let s = b.store;
        // Mallory registers Vic's address: it stays unconfirmed.
        let mallory = user("Mallory", Role::Learner);
        let m_vic = primary(&mallory, "vic@example.org");
        s.insert_user(&mallory, &m_vic).await.unwrap();
        assert!(
            s.find_user_by_login("vic@example.org")
                .await
                .unwrap()
                .is_none(),
            "an unconfirmed address never logs in"
        );
        assert_eq!(
            s.find_pending_account("vic@example.org")
                .await
                .unwrap()
                .unwrap()
                .0
                .id,
            mallory.id
        );
        // Eve adds it as a second address: that blocks nobody.
        let eve = user("Eve", Role::Learner);
        s.insert_user(
            &eve,
            &EmailAddress {
                confirmed_at: Some(1_000),
                ..primary(&eve, "eve@example.org")
            },
        )
        .await
        .unwrap();
        let e_vic = EmailAddress {
            is_primary: false,
            ..primary(&eve, "vic@example.org")
        };
        s.insert_email(&e_vic).await.unwrap();
        // Vic registers: allowed, and takes the address from Mallory's
        // pending registration.
        let vic = user("Vic", Role::Learner);
        let v_vic = primary(&vic, "vic@example.org");
        s.insert_user(&vic, &v_vic).await.unwrap();
        assert!(s.list_emails(mallory.id).await.unwrap().is_empty());
        assert_eq!(
            s.find_pending_account("vic@example.org")
                .await
                .unwrap()
                .unwrap()
                .0
                .id,
            vic.id
        );
        // Mallory's old confirmation link no longer confirms anything.
        assert!(!s.confirm_email(mallory.id, m_vic.id, 1_100).await.unwrap());
        // Vic confirms (a reset through the address confirms it too): Eve's
        // unconfirmed claim goes, and Eve cannot confirm it any more.
        assert!(s
            .reset_through_email(vic.id, v_vic.id, "new-hash", 1_200)
            .await
            .unwrap());
        assert_eq!(
            s.find_user_by_login("vic@example.org")
                .await
                .unwrap()
                .unwrap()
                .password_hash,
            "new-hash"
        );
        assert!(s.find_email(eve.id, e_vic.id).await.unwrap().is_none());
        assert!(!s.confirm_email(eve.id, e_vic.id, 1_300).await.unwrap());
        // Eve adds it again (the domain refuses that; the store keeps it
        // unconfirmed) and can still not confirm it.
        let e_vic2 = EmailAddress {
            id: Uuid::new_v4(),
            ..e_vic.clone()
        };
        s.insert_email(&e_vic2).await.unwrap();
        assert!(!s.confirm_email(eve.id, e_vic2.id, 1_400).await.unwrap());
        assert!(!s
            .reset_through_email(eve.id, e_vic2.id, "x", 1_400)
            .await
            .unwrap());
        assert_eq!(
            s.find_user(eve.id).await.unwrap().unwrap().password_hash,
            "hash-of-Eve",
            "a refused reset changes nothing"
        );

        // A day later the sweep deletes unconfirmed rows, and accounts left
        // without any address (Mallory's); Eve keeps her confirmed primary.
        let n = s
            .expire_unconfirmed_emails(1_000 + 86_400, 0)
            .await
            .unwrap();
        assert!(n >= 1, "{n}");
        assert!(s.find_email(eve.id, e_vic2.id).await.unwrap().is_none());
        assert!(s.find_user(mallory.id).await.unwrap().is_none());
        assert!(s.find_user(eve.id).await.unwrap().is_some());
        assert!(s.find_user(vic.id).await.unwrap().is_some());
    }
);

story!(
    a_reset_confirms_its_address_and_drops_the_other_unconfirmed_ones,
    |b: Backend| async move {
        let s = b.store;
        let ada = user("Ada", Role::Learner);
        let main = primary(&ada, "ada@example.org");
        s.insert_user(&ada, &main).await.unwrap();
        let other = EmailAddress {
            id: Uuid::new_v4(),
            is_primary: false,
            ..primary(&ada, "ada@two.example")
        };
        s.insert_email(&other).await.unwrap();
        s.insert_session(&Session {
            token_hash: "s1".into(),
            user_id: ada.id,
            created_at: 1,
            expires_at: 10_000,
        })
        .await
        .unwrap();
        assert!(s
            .reset_through_email(ada.id, main.id, "h2", 2_000)
            .await
            .unwrap());
        let list = s.list_emails(ada.id).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (
                list[0].address.as_str(),
                list[0].confirmed_at,
                list[0].is_primary
            ),
            ("ada@example.org", Some(2_000), true)
        );
        assert!(s.find_session("s1", 5).await.unwrap().is_none());
    }
);
