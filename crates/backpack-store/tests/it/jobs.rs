//! The durable job queue: leases, retries, failures, release, deduplication,
//! and jobs written with their cause.

use std::collections::HashSet;

use backpack_domain::entities::*;
use backpack_domain::jobs::Job;
use backpack_domain::values::Role;
use uuid::Uuid;

use crate::stories::{primary, user};
use crate::{story, Backend};

fn batch_job(at: i64) -> NewJob {
    Job::RunBatch {
        batch_id: Uuid::new_v4(),
    }
    .queue(at)
}

story!(
    each_job_is_leased_once_and_retried_later,
    |b: Backend| async move {
        let s = b.store;
        let (j1, j2) = (batch_job(10), batch_job(20));
        s.enqueue_jobs(&[j1.clone(), j2.clone()]).await.unwrap();
        assert!(
            s.claim_jobs("a", 5, 65, 10).await.unwrap().is_empty(),
            "not due yet"
        );
        let got = s.claim_jobs("a", 15, 75, 10).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].id, got[0].attempts), (j1.id, 1));
        assert_eq!(got[0].lease_owner.as_deref(), Some("a"));
        assert_eq!(
            Job::decode(&got[0].kind, &got[0].payload).map(|j| j.kind()),
            Some("run_batch")
        );
        // Leased: another server does not get it too.
        let got = s.claim_jobs("b", 30, 90, 10).await.unwrap();
        assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), [j2.id]);
        assert!(s.claim_jobs("c", 40, 100, 10).await.unwrap().is_empty());
        let counts = s.job_counts(40).await.unwrap();
        assert_eq!((counts.queued, counts.running, counts.failed), (0, 2, 0));
        // Only the holder finishes a job.
        assert_eq!(s.jobs_done(&[j2.id], "a").await.unwrap(), 0);
        assert_eq!(s.job_counts(40).await.unwrap().running, 2);
        assert_eq!(s.jobs_done(&[j2.id], "b").await.unwrap(), 1);
        // j1 failed: tried again at 200, not before.
        s.job_retry_at(j1.id, "a", 200, "SMTP: 451").await.unwrap();
        assert!(s.claim_jobs("c", 100, 160, 10).await.unwrap().is_empty());
        assert_eq!(s.job_counts(100).await.unwrap().queued, 1);
        let got = s.claim_jobs("c", 200, 260, 10).await.unwrap();
        assert_eq!((got[0].id, got[0].attempts), (j1.id, 2));
        assert_eq!(got[0].last_error.as_deref(), Some("SMTP: 451"));
        // A heartbeat keeps the lease; without one, a lease that ran out (a
        // killed server) is handed to another runner.
        assert_eq!(s.extend_job_leases("c", 300).await.unwrap(), 1);
        assert!(s.claim_jobs("d", 280, 340, 10).await.unwrap().is_empty());
        let got = s.claim_jobs("d", 301, 361, 10).await.unwrap();
        assert_eq!((got[0].id, got[0].attempts), (j1.id, 3));
        // The old holder can no longer record a result.
        assert_eq!(s.jobs_done(&[j1.id], "c").await.unwrap(), 0);
        assert_eq!(s.job_counts(301).await.unwrap().running, 1);
        assert_eq!(s.jobs_done(&[j1.id], "d").await.unwrap(), 1);
        assert_eq!(s.job_counts(301).await.unwrap(), JobCounts::default());
    }
);

story!(
    failed_jobs_wait_for_an_administrator,
    |b: Backend| async move {
        let s = b.store;
        let j = batch_job(1);
        s.enqueue_jobs(std::slice::from_ref(&j)).await.unwrap();
        s.claim_jobs("a", 1, 61, 10).await.unwrap();
        s.job_failed(j.id, "a", 5, "the batch's file is missing")
            .await
            .unwrap();
        assert!(s
            .claim_jobs("a", 1_000_000, 1_000_060, 10)
            .await
            .unwrap()
            .is_empty());
        let failed = s.jobs_with_errors(10).await.unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(
            (failed[0].failed_at, failed[0].last_error.as_deref()),
            (Some(5), Some("the batch's file is missing"))
        );
        assert_eq!(s.job_counts(5).await.unwrap().failed, 1);
        // Retry: due now, attempts counted afresh.
        assert!(s.retry_job_now(j.id, 10).await.unwrap());
        assert!(!s.retry_job_now(Uuid::new_v4(), 10).await.unwrap());
        let got = s.claim_jobs("b", 10, 70, 10).await.unwrap();
        assert_eq!(
            (got[0].id, got[0].attempts, got[0].failed_at),
            (j.id, 1, None)
        );
        assert!(
            !s.retry_job_now(j.id, 20).await.unwrap(),
            "running: not touched"
        );
        // A job waiting for its next attempt is listed too, and can be run now.
        s.job_retry_at(j.id, "b", 5_000, "SMTP: 421").await.unwrap();
        let listed = s.jobs_with_errors(10).await.unwrap();
        assert_eq!(
            (
                listed[0].failed_at,
                listed[0].run_at,
                listed[0].last_error.as_deref()
            ),
            (None, 5_000, Some("SMTP: 421"))
        );
        assert!(s.claim_jobs("b", 30, 90, 10).await.unwrap().is_empty());
        assert!(s.retry_job_now(j.id, 30).await.unwrap());
        let got = s.claim_jobs("b", 30, 90, 10).await.unwrap();
        assert_eq!((got[0].id, got[0].attempts), (j.id, 2), "attempts kept");
        // A job never failed is not listed.
        s.enqueue_jobs(&[batch_job(1)]).await.unwrap();
        assert_eq!(s.jobs_with_errors(10).await.unwrap().len(), 1);
    }
);

story!(
    a_stopping_server_gives_its_jobs_back,
    |b: Backend| async move {
        let s = b.store;
        let (j1, j2) = (batch_job(1), batch_job(1));
        s.enqueue_jobs(&[j1.clone(), j2.clone()]).await.unwrap();
        assert_eq!(s.claim_jobs("a", 1, 1_000, 1).await.unwrap().len(), 1);
        assert_eq!(s.claim_jobs("b", 1, 1_000, 1).await.unwrap().len(), 1);
        assert_eq!(s.release_jobs("a").await.unwrap(), 1);
        // Another server takes it at once (no lease to wait for), and the
        // released attempt is not counted.
        let got = s.claim_jobs("c", 2, 1_000, 10).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].attempts, 1);
        assert_eq!(s.release_jobs("nobody").await.unwrap(), 0);
    }
);

story!(one_queued_job_per_dedupe_key, |b: Backend| async move {
    let s = b.store;
    let batch_id = Uuid::new_v4();
    let job = Job::RunBatch { batch_id };
    s.enqueue_jobs(&[job.queue(1), job.queue(2)]).await.unwrap();
    s.enqueue_jobs(&[job.queue(3)]).await.unwrap();
    assert_eq!(s.job_counts(3).await.unwrap().queued, 1);
    // Mail is never deduplicated.
    let mail = Job::SendMail(backpack_domain::ports::Notification::RegisterAttempt {
        to: "a@example.org".into(),
        locale: backpack_domain::values::Locale::En,
    });
    s.enqueue_jobs(&[mail.queue(1), mail.queue(1)])
        .await
        .unwrap();
    assert_eq!(s.job_counts(3).await.unwrap().queued, 3);
    // Once done, the same work may be queued again.
    let got = s.claim_jobs("a", 3, 60, 10).await.unwrap();
    let ids: Vec<Uuid> = got.iter().map(|j| j.id).collect();
    // Done in one statement; a job not held (or gone) is left alone.
    let mut with_stranger = ids.clone();
    with_stranger.push(Uuid::new_v4());
    assert_eq!(s.jobs_done(&with_stranger, "b").await.unwrap(), 0);
    assert_eq!(s.jobs_done(&with_stranger, "a").await.unwrap(), 3);
    assert_eq!(s.jobs_done(&[], "a").await.unwrap(), 0);
    s.enqueue_jobs(&[job.queue(4)]).await.unwrap();
    assert_eq!(s.job_counts(4).await.unwrap().queued, 1);
});

story!(
    a_token_and_its_mail_are_written_together,
    |b: Backend| async move {
        let s = b.store;
        let ada = user("Ada", Role::Learner);
        s.insert_user(&ada, &primary(&ada, "ada@example.org"))
            .await
            .unwrap();
        let t = OneTimeToken {
            token_hash: "h".into(),
            purpose: TokenPurpose::PasswordReset,
            user_id: ada.id,
            subject_id: None,
            expires_at: 100,
        };
        let mail = || {
            Job::SendMail(backpack_domain::ports::Notification::PasswordReset {
                to: "ada@example.org".into(),
                locale: backpack_domain::values::Locale::En,
                token: "t".into(),
            })
            .queue(1)
        };
        s.insert_token_with_job(&t, &mail()).await.unwrap();
        assert_eq!(s.job_counts(1).await.unwrap().queued, 1);
        // The same token again fails as a whole: no second mail.
        assert!(s.insert_token_with_job(&t, &mail()).await.is_err());
        assert_eq!(s.job_counts(1).await.unwrap().queued, 1);
    }
);

story!(
    concurrent_runners_never_share_a_job,
    |b: Backend| async move {
        let s = b.store;
        let jobs: Vec<NewJob> = (0..200).map(|_| batch_job(1)).collect();
        s.enqueue_jobs(&jobs).await.unwrap();
        // Eight runners claim at once, in small bites, until nothing is left.
        let runner = |name: String| {
            let s = s.clone();
            async move {
                let mut mine = Vec::new();
                loop {
                    let got = s.claim_jobs(&name, 5, 1_000, 7).await.unwrap();
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|j| j.id));
                }
            }
        };
        let mut set = tokio::task::JoinSet::new();
        for i in 0..8 {
            set.spawn(runner(format!("r{i}")));
        }
        let mut all: Vec<Vec<Uuid>> = Vec::new();
        while let Some(r) = set.join_next().await {
            all.push(r.unwrap());
        }
        let total: usize = all.iter().map(Vec::len).sum();
        let unique: HashSet<Uuid> = all.into_iter().flatten().collect();
        assert_eq!(total, 200, "every job claimed");
        assert_eq!(unique.len(), 200, "no job claimed twice");
    }
);

story!(a_thousand_jobs_are_done_in_bites, |b: Backend| async move {
    let s = b.store;
    let jobs: Vec<NewJob> = (0..1_100).map(batch_job).collect();
    s.enqueue_jobs(&jobs).await.unwrap();
    let got = s.claim_jobs("a", 2_000, 3_000, 2_000).await.unwrap();
    assert_eq!(got.len(), 1_100);
    let ids: Vec<Uuid> = got.iter().map(|j| j.id).collect();
    assert_eq!(s.jobs_done(&ids, "a").await.unwrap(), 1_100);
    assert_eq!(s.job_counts(2_000).await.unwrap(), JobCounts::default());
});
